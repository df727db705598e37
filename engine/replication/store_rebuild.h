// StoreRebuild: brings back a node whose store is damaged (its checksums failed, or it
// lost committed state) before the node takes part in Raft again.
//
// The raft log is intact and kept, so the node's votes and acknowledged entries stand.
// A log that was never compacted rebuilds the store by itself: Raft re-applies it to an
// empty store. Otherwise the node pulls a copy of a peer's store (CatchUp serves
// pulls), one peer after another every 200 ms until one holds a state at or past the
// log's start; it is built as a new store generation, switched to, opened and checked
// to hold the state it was described at, then the log is reconciled with it and Raft
// starts. A single-node cluster with a compacted log has no one to ask: the node
// stops, naming the damage. A failed attempt leaves no store and no half-built
// generation behind.
//
// Threading: the node's loop. Lifetime: owned by the node; its coroutines await
// through the node's Lifetime.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "engine/env/task.h"
#include "engine/raft/raft_types.h"
#include "engine/replication/raft_storage.h"

namespace quanta::replication {

class ReplicatedNode;

class StoreRebuild {
 public:
  explicit StoreRebuild(ReplicatedNode& node) : node_(node) {}
  StoreRebuild(const StoreRebuild&) = delete;
  StoreRebuild& operator=(const StoreRebuild&) = delete;

  // Rebuilds the store to fit `state` (the raft log recovered at open), then starts
  // Raft. REQUIRES: the node is marked damaged and has no store.
  void Start(RaftState state);

 private:
  Task<void> Run();
  Task<absl::Status> RebuildFrom(raft::NodeId peer);
  // Builds store generation `generation` (from `peer`'s snapshot, or empty when
  // `local`), switches to it, opens it and reconciles the raft log to rebuild from.
  Task<absl::Status> BuildStore(raft::NodeId peer, uint64_t generation, bool local);

  ReplicatedNode& node_;
  RaftState state_;  // the raft log to start from once rebuilt
};

}  // namespace quanta::replication
