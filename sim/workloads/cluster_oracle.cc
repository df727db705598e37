#include "sim/workloads/cluster_oracle.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "engine/raft/raft.h"
#include "sim/sim_world.h"

namespace quanta::sim {

void ClusterOracle::SetNode(raft::NodeId id, replication::ReplicatedNode* node, std::string process) {
  SimProcess* sim_process = world_.Find(process);
  nodes_[id] = Watched{node, std::move(process), sim_process};
  if (node != nullptr) OnStateChange(id);
}

void ClusterOracle::OnStateChange(raft::NodeId id) {
  const Watched& w = nodes_[id];
  if (w.node == nullptr || world_.failed()) return;
  if (world_.logging()) {
    const std::string role = absl::StrCat(raft::RoleName(w.node->raft().role()), "/", w.node->term());
    if (roles_[id] != role) world_.Log(absl::StrCat(w.process, " is ", role));
    roles_[id] = role;
  }
  if (w.node->IsLeader()) {
    auto [it, inserted] = leaders_.emplace(w.node->term(), id);
    if (!inserted && it->second != id) {
      world_.Fail(absl::StrCat("two leaders in term ", w.node->term(), ": nodes ", it->second, " and ", id));
      return;
    }
    if (inserted) {
      world_.Log(absl::StrCat(w.process, " leads term ", w.node->term()));
      CheckLeaderCompleteness(id, *w.node);
    }
    if (inserted && on_new_leader_ && !world_.failed()) on_new_leader_(Leader{w.process, w.node->term()});
  }
  RecordCommitted(*w.node);
  if (!world_.failed()) CheckSingleWriter();
}

ClusterOracle::Leader ClusterOracle::CurrentLeader() const {
  Leader leader;
  for (const auto& [id, w] : nodes_) {
    if (w.node != nullptr && w.node->IsLeader() && w.node->term() >= leader.term) {
      leader.term = w.node->term();
      leader.process = w.process;
    }
  }
  return leader;
}

void ClusterOracle::RecordCommitted(const replication::ReplicatedNode& node) {
  const raft::Raft& r = node.raft();
  const raft::Index from = committed_.empty() ? 1 : committed_.rbegin()->first + 1;
  for (raft::Index i = std::max(from, r.log().snapshot_index() + 1); i <= r.commit(); ++i) {
    const std::optional<raft::Term> term = r.log().TermAt(i);
    if (!term.has_value()) break;  // committed but not in this node's log yet
    committed_[i] = {*term, r.term()};
  }
}

void ClusterOracle::CheckLeaderCompleteness(raft::NodeId id, const replication::ReplicatedNode& node) {
  const raft::RaftLog& log = node.raft().log();
  for (auto it = committed_.upper_bound(log.snapshot_index()); it != committed_.end(); ++it) {
    const auto [entry_term, seen_in] = it->second;
    if (seen_in >= node.term()) continue;  // possibly committed after this term began
    const std::optional<raft::Term> term = log.TermAt(it->first);
    if (term != entry_term) {
      world_.Fail(absl::StrCat("node ", id, " became leader of term ", node.term(), " without entry ", it->first,
                               " (term ", entry_term, ") committed by term ", seen_in, "; its log has ",
                               term.has_value() ? absl::StrCat("term ", *term) : std::string("nothing"), " there"));
      return;
    }
  }
}

void ClusterOracle::OnVoteGranted(raft::NodeId id, raft::Term term, raft::NodeId candidate) {
  auto [it, inserted] = votes_.try_emplace(id, term, candidate);
  if (!inserted && it->second.first == term && it->second.second != candidate) {
    world_.Fail(absl::StrCat("node ", id, " voted twice in term ", term, ": for ", it->second.second, " and ", candidate));
    return;
  }
  it->second = {term, candidate};
}

void ClusterOracle::OnRecovered(raft::NodeId id, const raft::HardState& state, raft::Index store_applied) {
  store_states_.insert(store_applied);
  if (lost_.erase(id) > 0) {
    // A later restart read the log back whole (the damage was in a read, not on the
    // disk): the node rejoins, and the final checks count it again.
    QUANTA_ASSERT(id == victim_);
    world_.Log(absl::StrCat("n", id, " rejoined: its raft log reopened whole"));
  }
  auto it = votes_.find(id);
  if (it != votes_.end() && it->second.first == state.term && state.vote != it->second.second) {
    world_.Fail(absl::StrCat("node ", id, " voted for ", it->second.second, " in term ", state.term,
                             " but restarted remembering ", state.vote == raft::kNoNode ? std::string("no vote")
                                                                                      : absl::StrCat("a vote for ", state.vote)));
  }
}

void ClusterOracle::CheckSingleWriter() {
  std::vector<std::string> writers;
  for (const auto& [id, w] : nodes_) {
    if (w.node == nullptr) continue;
    if (w.sim_process == nullptr || w.sim_process->paused()) continue;
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

void ClusterOracle::OnStoreRebuilt(raft::NodeId id, raft::Index applied, const absl::Status& why) {
  ++stores_rebuilt_;
  world_.Log(absl::StrCat("n", id, " rebuilt its store at index ", applied, " (", why.ToString(), ")"));
  if (id != victim_) {
    world_.Fail(absl::StrCat("node ", id, "'s store was damaged (", why.ToString(),
                             ") though disk corruption only hit node ", victim_, ": something wrote a bad store"));
    return;
  }
  auto it = applied_log_.find(applied);
  if (applied > 0 && it == applied_log_.end() && !store_states_.contains(applied)) {
    world_.Fail(absl::StrCat("node ", id, " rebuilt its store at index ", applied, ", which no node applied"));
  }
}

void ClusterOracle::OnNodeLost(raft::NodeId id, std::string why) {
  world_.Log(absl::StrCat("n", id, " LOST: ", why));
  QUANTA_ASSERT(id == victim_);
  lost_[id] = std::move(why);
}

void ClusterOracle::OnSnapshotInstalled(raft::NodeId id, const raft::SnapshotMeta& snapshot) {
  ++snapshots_installed_;
  store_states_.insert(snapshot.index);
  auto it = applied_log_.find(snapshot.index);
  if (it != applied_log_.end() && it->second.first != snapshot.term) {
    world_.Fail(absl::StrCat("node ", id, " installed a snapshot of entry ", snapshot.index, " of term ", snapshot.term,
                             " but nodes applied an entry of term ", it->second.first, " there"));
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
  // The same primary acknowledging again: the isolation was shorter than an election
  // timeout and no failover happened (nothing to measure).
  if (lost_term_ != 0 && term == lost_term_) lost_term_ = 0;
  if (lost_term_ != 0 && term > lost_term_) {
    failovers_[lost_cause_].push_back(absl::ToDoubleSeconds(world_.Now() - lost_at_));
    world_.Log(absl::StrCat("failover from term ", lost_term_, " to ", term, ": ", absl::FormatDuration(world_.Now() - lost_at_)));
    lost_term_ = 0;
  }
}

void ClusterOracle::OnPrimaryLost(raft::Term term, std::string cause) {
  if (lost_term_ != 0) return;  // the failover already under way is still measured from its start
  lost_term_ = term;
  lost_cause_ = std::move(cause);
  lost_at_ = world_.Now();
}

void ClusterOracle::OnAppendAcked(std::string key, std::string value) { acked_appends_[std::move(key)] = std::move(value); }

void ClusterOracle::OnHeal() {
  healed_at_ = world_.Now();
  CheckSingleWriter();
}

absl::Status ClusterOracle::CheckPrimaryStatus() const {
  for (const auto& [id, w] : nodes_) {
    if (w.node == nullptr || !w.node->IsLeader()) continue;
    const replication::NodeStatus s = w.node->Status();
    if (std::string_view(s.role) != "primary" || s.elections_won == 0 || s.leader != id) {
      return absl::InternalError(absl::StrCat("the primary's status is wrong: role ", s.role, ", leader ", s.leader,
                                              ", elections won ", s.elections_won));
    }
    for (const replication::ReplicaStatus& r : s.replicas) {
      if (lost(r.id)) continue;
      if (r.lag_entries != 0 || r.lag_bytes != 0 || r.lag != absl::ZeroDuration() || r.unreachable) {
        return absl::InternalError(absl::StrCat("after the heal the primary reports replica ", r.name, " lagging ",
                                                r.lag_entries, " entries / ", r.lag_bytes, " bytes / ",
                                                absl::FormatDuration(r.lag), r.unreachable ? ", unreachable" : ""));
      }
    }
    if (s.partition_suspected && lost_.empty()) {
      return absl::InternalError("after the heal the primary still suspects a partition");
    }
  }
  return absl::OkStatus();
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
                          applied_log_.size(), " entries applied; ", snapshots_installed_,
                          " snapshots installed; ", stores_rebuilt_, " stores rebuilt; ", lost_.size(), " nodes lost; converged at index ", converged_applied_,
                          async_losses_ > 0 ? absl::StrCat("; ", async_losses_, " async acknowledged writes lost") : ""));
  const absl::Duration deadline = healed_at_ + 10 * election_timeout_max_;
  if (writable_after_heal_ > deadline) {
    return absl::InternalError(absl::StrCat("no node accepted writes within 10 election timeouts (",
                                            absl::FormatDuration(10 * election_timeout_max_), ") of the heal"));
  }
  if (!converged_) return absl::InternalError("the nodes did not converge to one state after the heal");
  RETURN_IF_ERROR(CheckPrimaryStatus());
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
