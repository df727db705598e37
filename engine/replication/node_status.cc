#include "engine/replication/node_status.h"

#include <algorithm>
#include <utility>

#include "engine/env/assert.h"
#include "engine/raft/raft.h"
#include "engine/replication/node.h"

namespace quanta::replication {

using raft::Index;

void StatusReporter::OnChange() {
  const bool leader = node_.IsLeader();
  if (leader && !was_leader_) {
    ++elections_won_;
    caught_up_at_.clear();
  }
  was_leader_ = leader;
  if (!leader) return;
  const absl::Duration now = node_.env_.MonotonicNow();
  for (const Member& m : node_.options_.members) {
    if (m.id == node_.options_.id) continue;
    auto [it, inserted] = caught_up_at_.try_emplace(m.id, now);
    if (node_.raft_->MatchOf(m.id) >= node_.raft_->log().last_index()) it->second = now;
    QUANTA_ASSERT(it->second <= now);
  }
}

NodeStatus StatusReporter::Report() const {
  NodeStatus s;
  s.id = node_.options_.id;
  s.role = node_.IsLeader() ? "primary" : raft::RoleName(node_.raft_->role());
  s.term = node_.raft_->term();
  s.leader = node_.raft_->leader();
  s.commit = node_.raft_->commit();
  s.applied = node_.applied_;
  s.last_index = node_.raft_->log().last_index();
  s.elections_won = elections_won_;
  s.snapshot_index = node_.raft_->log().snapshot_index();
  s.snapshots_sent = node_.catch_up_.sent();
  s.snapshots_installed = node_.catch_up_.installed();
  s.snapshot_failures = node_.catch_up_.failures();
  s.accepting_writes = node_.AcceptingWrites();
  size_t unreachable = 0;
  for (const Member& m : node_.options_.members) {
    if (m.id == node_.options_.id) continue;
    ReplicaStatus r;
    r.id = m.id;
    r.name = m.name;
    r.learner = m.learner;
    r.unreachable = node_.transport_ != nullptr && node_.transport_->Unreachable(m.id);
    unreachable += r.unreachable ? 1 : 0;
    if (node_.IsLeader()) {
      r.match = node_.raft_->MatchOf(m.id);
      r.lag_entries = s.last_index - std::min(s.last_index, r.match);
      if (auto it = caught_up_at_.find(m.id); it != caught_up_at_.end() && r.lag_entries > 0) {
        r.lag = node_.env_.MonotonicNow() - it->second;
      }
      for (Index i = std::max(r.match, node_.raft_->log().snapshot_index()) + 1; i <= s.last_index; ++i) {
        r.lag_bytes += node_.raft_->log().at(i).data.size();
      }
    }
    s.replicas.push_back(std::move(r));
  }
  QUANTA_ASSERT(s.replicas.size() + 1 == node_.options_.members.size());
  s.partition_suspected = unreachable > 0 && unreachable < s.replicas.size();
  if (node_.IsLeader() && node_.options_.mode == CommitMode::kAsync) {
    for (Index i = s.commit + 1; i <= node_.raft_->log().stable(); ++i) s.at_risk_bytes += node_.raft_->log().at(i).data.size();
  }
  return s;
}

}  // namespace quanta::replication
