// ClusterOracle: the ghost side of the replicated-cluster workloads (register,
// append). It lives outside the simulated processes, so it survives their crashes.
//
// Always-on checks (SimWorld::Fail at once), fed by every node through NodeObserver:
//   - at most one leader per term;
//   - at most one node accepting writes at any virtual instant (a paused node is not
//     running, so it accepts nothing until it resumes and looks at its clock);
//   - every node applies the same entry (term and payload) at each index: applied
//     state is a prefix of one committed log;
//   - leader completeness: a leader of term T holds every entry committed in a term
//     before T (as seen by any node's commit index);
//   - votes are durable: a node that restarts in a term it voted in remembers the vote.
// Final checks (Check): a node accepts writes within 10 election timeouts of the heal;
// the nodes converge (same applied index and row hash) and the primary's status shows
// every replica caught up and reachable; every acknowledged append is
// readable from the primary; the register history is linearizable.
//
// It also keeps the client histories and measures failovers: from the instant the
// primary of term T is crashed or isolated (OnPrimaryLost) to the first write a client
// sees acknowledged in a later term.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/replication/node.h"
#include "sim/linearizability.h"

namespace quanta::sim {

class SimWorld;
class SimProcess;

class ClusterOracle : public replication::NodeObserver {
 public:
  ClusterOracle(SimWorld& world, absl::Duration election_timeout_max)
      : world_(world), election_timeout_max_(election_timeout_max) {}

  // A node's current incarnation, or null while it is down.
  void SetNode(raft::NodeId id, replication::ReplicatedNode* node, std::string process);
  void OnStateChange(raft::NodeId node) override;
  void OnApplied(raft::NodeId node, const std::vector<raft::Entry>& entries) override;
  void OnSnapshotInstalled(raft::NodeId node, const raft::SnapshotMeta& snapshot) override;
  void OnStoreRebuilt(raft::NodeId node, raft::Index applied, const absl::Status& why) override;
  void OnVoteGranted(raft::NodeId node, raft::Term term, raft::NodeId candidate) override;
  // A node opened with this durable state.
  // A node opened with this hard state and a store at `store_applied` (a store may hold
  // an index whose apply the crash cut short of OnApplied).
  void OnRecovered(raft::NodeId node, const raft::HardState& state, raft::Index store_applied);

  // Client history. BeginOp returns a handle for EndOp/ForgetOp.
  size_t BeginOp(RegisterOp op);
  void EndOp(size_t handle, absl::Duration ret, bool found, std::string value);
  void ForgetOp(size_t handle);  // definitely had no effect (or a read without information)
  void OnAck(raft::Term term);   // a write acknowledged by the primary of `term`
  // The primary (leader of `term`) was just crashed or cut off (`cause`): a failover
  // starts.
  void OnPrimaryLost(raft::Term term, std::string cause);
  bool failover_in_progress() const { return lost_term_ != 0; }
  void OnAppendAcked(std::string key, std::string value);

  void OnHeal();
  void SetConverged(uint64_t applied) {
    converged_ = true;
    converged_applied_ = applied;
  }
  void OnMissing(std::string description) { missing_.push_back(std::move(description)); }
  // An acknowledged async-mode write lost with its primary: allowed, counted.
  void OnAsyncLoss() { ++async_losses_; }
  // Node `node` found its raft log damaged and stays down (it cannot rejoin safely
  // without an operator): the final checks leave it out, until a later restart reads
  // the log back whole (the damage was a read's, not the disk's) and OnRecovered
  // counts it again. Only the one node the run's
  // disk corruption was aimed at may be lost.
  void OnNodeLost(raft::NodeId node, std::string why);
  // The node the run's disk corruption is aimed at: the only one whose store may be
  // found damaged (any other node's damage is a bug that wrote a bad store).
  void set_corruption_victim(raft::NodeId node) { victim_ = node; }
  bool lost(raft::NodeId node) const { return lost_.contains(node); }
  bool converged() const { return converged_; }
  struct Leader {
    std::string process;  // "" if none
    raft::Term term = 0;
  };
  // The running node that leads the highest term.
  Leader CurrentLeader() const;
  // Called when a node becomes leader of a new term.
  void set_on_new_leader(std::function<void(const Leader&)> fn) { on_new_leader_ = std::move(fn); }
  const absl::btree_map<std::string, std::string>& acked_appends() const { return acked_appends_; }
  const absl::btree_map<std::string, std::vector<double>>& failover_seconds() const { return failovers_; }

  // The final oracles; `linearizable` adds the register check.
  absl::Status Check(bool linearizable) const;

 private:
  struct Watched {
    replication::ReplicatedNode* node = nullptr;
    std::string process;
    SimProcess* sim_process = nullptr;  // resolved once: the checks run on every event
  };
  void CheckSingleWriter();
  // The primary's status (what the management API will show) after the heal: every
  // replica caught up and reachable.
  absl::Status CheckPrimaryStatus() const;
  void RecordCommitted(const replication::ReplicatedNode& node);
  void CheckLeaderCompleteness(raft::NodeId id, const replication::ReplicatedNode& node);

  SimWorld& world_;
  absl::Duration election_timeout_max_;
  absl::btree_map<raft::NodeId, Watched> nodes_;
  absl::btree_map<raft::Term, raft::NodeId> leaders_;
  absl::btree_map<raft::NodeId, std::string> roles_;  // for the -v log: role/term per node
  // Every entry some node knew committed: its term, and the term of the node that saw
  // it committed (the entry was committed in that term or earlier).
  absl::btree_map<raft::Index, std::pair<raft::Term, raft::Term>> committed_;
  absl::btree_map<raft::NodeId, std::pair<raft::Term, raft::NodeId>> votes_;  // latest vote granted
  absl::btree_map<raft::Index, std::pair<raft::Term, std::string>> applied_log_;  // entry payloads
  absl::btree_set<raft::Index> store_states_;  // indexes some store held: recovered at open, or installed
  std::vector<RegisterOp> history_;
  std::vector<bool> live_;  // history_[i] still counts
  absl::btree_map<std::string, std::string> acked_appends_;
  raft::Term lost_term_ = 0;  // a failover in progress from this term's primary (0: none)
  absl::Duration lost_at_;
  absl::btree_map<std::string, std::vector<double>> failovers_;  // by cause
  std::string lost_cause_;
  absl::Duration healed_at_ = absl::InfiniteDuration();
  absl::Duration writable_after_heal_ = absl::InfiniteDuration();
  bool converged_ = false;
  uint64_t converged_applied_ = 0;
  std::vector<std::string> missing_;
  uint64_t async_losses_ = 0;
  uint64_t snapshots_installed_ = 0;
  uint64_t stores_rebuilt_ = 0;
  absl::btree_map<raft::NodeId, std::string> lost_;
  raft::NodeId victim_ = raft::kNoNode;
  std::function<void(const Leader&)> on_new_leader_;
};

}  // namespace quanta::sim
