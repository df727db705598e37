// ClusterOracle: the ghost side of the replicated-cluster workloads (register,
// append). It lives outside the simulated processes, so it survives their crashes.
//
// Always-on checks (SimWorld::Fail at once), fed by every node through NodeObserver:
//   - at most one leader per term;
//   - at most one node accepting writes at any virtual instant (a paused node is not
//     running, so it accepts nothing until it resumes and looks at its clock);
//   - every node applies the same entry (term and payload) at each index: applied
//     state is a prefix of one committed log.
// Final checks (Check): a node accepts writes within 10 election timeouts of the heal;
// the nodes converge (same applied index and row hash); every acknowledged append is
// readable from the primary; the register history is linearizable.
//
// It also keeps the client histories and measures write unavailability across each
// change of primary (last acknowledged write of the old term to the first of the new).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/replication/node.h"
#include "sim/linearizability.h"

namespace quanta::sim {

class SimWorld;

class ClusterOracle : public replication::NodeObserver {
 public:
  ClusterOracle(SimWorld& world, absl::Duration election_timeout_max)
      : world_(world), election_timeout_max_(election_timeout_max) {}

  // A node's current incarnation, or null while it is down.
  void SetNode(raft::NodeId id, replication::ReplicatedNode* node, std::string process);
  void OnStateChange(raft::NodeId node) override;
  void OnApplied(raft::NodeId node, const std::vector<raft::Entry>& entries) override;

  // Client history. BeginOp returns a handle for EndOp/ForgetOp.
  size_t BeginOp(RegisterOp op);
  void EndOp(size_t handle, absl::Duration ret, bool found, std::string value);
  void ForgetOp(size_t handle);  // definitely had no effect (or a read without information)
  void OnAck(raft::Term term);   // a write acknowledged by the primary of `term`
  void OnAppendAcked(std::string key, std::string value);

  void OnHeal();
  void SetConverged(uint64_t applied) {
    converged_ = true;
    converged_applied_ = applied;
  }
  void OnMissing(std::string description) { missing_.push_back(std::move(description)); }
  bool converged() const { return converged_; }
  const absl::btree_map<std::string, std::string>& acked_appends() const { return acked_appends_; }
  std::vector<double> failover_seconds() const { return failovers_; }

  // The final oracles; `linearizable` adds the register check.
  absl::Status Check(bool linearizable) const;

 private:
  struct Watched {
    replication::ReplicatedNode* node = nullptr;
    std::string process;
  };
  void CheckSingleWriter();

  SimWorld& world_;
  absl::Duration election_timeout_max_;
  absl::btree_map<raft::NodeId, Watched> nodes_;
  absl::btree_map<raft::Term, raft::NodeId> leaders_;
  absl::btree_map<raft::Index, std::pair<raft::Term, std::string>> applied_log_;  // entry payloads
  std::vector<RegisterOp> history_;
  std::vector<bool> live_;  // history_[i] still counts
  absl::btree_map<std::string, std::string> acked_appends_;
  raft::Term last_ack_term_ = 0;
  absl::Duration last_ack_time_;
  std::vector<double> failovers_;
  absl::Duration healed_at_ = absl::InfiniteDuration();
  absl::Duration writable_after_heal_ = absl::InfiniteDuration();
  bool converged_ = false;
  uint64_t converged_applied_ = 0;
  std::vector<std::string> missing_;
};

}  // namespace quanta::sim
