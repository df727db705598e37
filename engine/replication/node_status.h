// StatusReporter: what a node reports of itself and, as primary, of its replicas
// (NodeStatus, node.h): role, term, leader, commit and applied indexes, elections won,
// snapshot counts, whether it accepts writes; per replica its match index, lag in
// entries, bytes and time (since it last held the primary's whole log), and whether
// the last connection attempt to it failed; `partition_suspected` when some peers are
// unreachable and others are not. In async mode, the bytes acknowledged but not yet on
// a quorum (at risk in a failover).
//
// Lag in time is measured from the moment a replica was last seen caught up, tracked
// on every Raft state change (OnChange) while this node leads; a new term as leader
// starts the clocks afresh. Threading: the node's loop. Lifetime: owned by the node.
#pragma once

#include <cstdint>

#include "absl/container/btree_map.h"
#include "absl/time/time.h"
#include "engine/raft/raft_types.h"

namespace quanta::replication {

class ReplicatedNode;
struct NodeStatus;

class StatusReporter {
 public:
  explicit StatusReporter(ReplicatedNode& node) : node_(node) {}
  StatusReporter(const StatusReporter&) = delete;
  StatusReporter& operator=(const StatusReporter&) = delete;

  // Raft state may have changed: counts elections won, tracks replicas caught up.
  void OnChange();
  NodeStatus Report() const;

 private:
  ReplicatedNode& node_;
  uint64_t elections_won_ = 0;
  bool was_leader_ = false;
  // Primary: when each replica last had the whole log (for lag in seconds).
  absl::btree_map<raft::NodeId, absl::Duration> caught_up_at_;
};

}  // namespace quanta::replication
