#include "sim/workloads/cluster_oracle.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "sim/sim_world.h"

namespace quanta::sim {

void ClusterOracle::SetNode(raft::NodeId id, replication::ReplicatedNode* node, std::string process) {
  nodes_[id] = Watched{node, std::move(process)};
  if (node != nullptr) OnStateChange(id);
}

void ClusterOracle::OnStateChange(raft::NodeId id) {
  const Watched& w = nodes_[id];
  if (w.node == nullptr || world_.failed()) return;
  if (w.node->IsLeader()) {
    auto [it, inserted] = leaders_.emplace(w.node->term(), id);
    if (!inserted && it->second != id) {
      world_.Fail(absl::StrCat("two leaders in term ", w.node->term(), ": nodes ", it->second, " and ", id));
      return;
    }
  }
  CheckSingleWriter();
}

void ClusterOracle::CheckSingleWriter() {
  std::vector<std::string> writers;
  for (const auto& [id, w] : nodes_) {
    if (w.node == nullptr) continue;
    SimProcess* process = world_.Find(w.process);
    if (process == nullptr || process->paused()) continue;
    if (w.node->AcceptingWrites()) writers.push_back(absl::StrCat(id, " (term ", w.node->term(), ")"));
  }
  if (writers.size() > 1) {
    world_.Fail(absl::StrCat("more than one node accepts writes at once: ", absl::StrJoin(writers, ", ")));
    return;
  }
  if (!writers.empty() && world_.Now() >= healed_at_) writable_after_heal_ = std::min(writable_after_heal_, world_.Now());
}

void ClusterOracle::OnApplied(raft::NodeId id, const std::vector<raft::Entry>& entries) {
  for (const raft::Entry& e : entries) {
    auto [it, inserted] = applied_log_.emplace(e.index, std::make_pair(e.term, e.data));
    if (!inserted && (it->second.first != e.term || it->second.second != e.data)) {
      world_.Fail(absl::StrCat("node ", id, " applied entry ", e.index, " of term ", e.term,
                               " but another node applied a different entry (term ", it->second.first,
                               ") there: applied state is not a prefix of one committed log"));
      return;
    }
  }
}

size_t ClusterOracle::BeginOp(RegisterOp op) {
  op.ret = absl::InfiniteDuration();
  history_.push_back(std::move(op));
  live_.push_back(true);
  return history_.size() - 1;
}

void ClusterOracle::EndOp(size_t handle, absl::Duration ret, bool found, std::string value) {
  RegisterOp& op = history_[handle];
  op.ret = ret;
  if (op.kind == RegisterOp::Kind::kRead) {
    op.found = found;
    op.value = std::move(value);
  }
}

void ClusterOracle::ForgetOp(size_t handle) { live_[handle] = false; }

void ClusterOracle::OnAck(raft::Term term) {
  if (last_ack_term_ != 0 && term > last_ack_term_) {
    failovers_.push_back(absl::ToDoubleSeconds(world_.Now() - last_ack_time_));
  }
  if (term >= last_ack_term_) {
    last_ack_term_ = term;
    last_ack_time_ = world_.Now();
  }
}

void ClusterOracle::OnAppendAcked(std::string key, std::string value) { acked_appends_[std::move(key)] = std::move(value); }

void ClusterOracle::OnHeal() {
  healed_at_ = world_.Now();
  CheckSingleWriter();
}

absl::Status ClusterOracle::Check(bool linearizable) const {
  size_t acked = 0, unknown = 0, reads = 0;
  for (size_t i = 0; i < history_.size(); ++i) {
    if (!live_[i]) continue;
    const bool read = history_[i].kind == RegisterOp::Kind::kRead;
    const bool answered = history_[i].ret != absl::InfiniteDuration();
    reads += read && answered ? 1 : 0;
    acked += !read && answered ? 1 : 0;
    unknown += !read && !answered ? 1 : 0;
  }
  world_.Log(absl::StrCat("oracle: ", history_.size(), " ops sent, ", acked, " writes acknowledged, ", unknown,
                          " of unknown outcome, ", reads, " primary reads; ", leaders_.size(), " terms with a leader; ",
                          applied_log_.size(), " entries applied; converged at index ", converged_applied_));
  const absl::Duration deadline = healed_at_ + 10 * election_timeout_max_;
  if (writable_after_heal_ > deadline) {
    return absl::InternalError(absl::StrCat("no node accepted writes within 10 election timeouts (",
                                            absl::FormatDuration(10 * election_timeout_max_), ") of the heal"));
  }
  if (!converged_) return absl::InternalError("the nodes did not converge to one state after the heal");
  if (!missing_.empty()) {
    return absl::InternalError(absl::StrCat(missing_.size(), " acknowledged writes missing after the heal, first: ",
                                            missing_.front()));
  }
  if (!linearizable) return absl::OkStatus();
  std::vector<RegisterOp> ops;
  for (size_t i = 0; i < history_.size(); ++i) {
    // A read whose answer never came (its client crashed) tells nothing.
    const bool lost_read = history_[i].kind == RegisterOp::Kind::kRead && history_[i].ret == absl::InfiniteDuration();
    if (live_[i] && !lost_read) ops.push_back(history_[i]);
  }
  const LinearizabilityResult result = CheckRegisterHistory(ops);
  if (!result.ok) return absl::InternalError(absl::StrCat("history not linearizable:\n", result.explanation));
  return absl::OkStatus();
}

}  // namespace quanta::sim
