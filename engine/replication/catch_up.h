// CatchUp: how a node's store travels to peers that need it, and how a node takes one
// in — snapshot staging and streaming (Raft decides when; this moves the bytes).
//
// Leader side: when Raft asks to send a snapshot to a replica behind the compacted
// log, the store is copied (a StoreSnapshot pins the checkpoint and WAL it reads)
// and streamed to the replica's replication port, one stream per replica at a time.
// Pull side: a peer rebuilding a damaged store asks for a copy; one pull is served at
// a time. A copy is taken only while the store holds exactly the state of the applied
// index (StoreMatchesApplied), so it can be described as Raft's snapshot there; a
// copy that reads damage off this node's disk marks the store damaged instead.
//
// Replica side: an inbound stream (one at a time) is built into a new store
// generation, its marker written, and only then handed to Raft as a snapshot
// message (staged). When Raft installs it, the node switches to that generation
// (InstallSnapshot) before Raft's Ready is persisted; staged generations Raft did not
// take, and replaced stores no reader holds any more, are removed (CollectGarbage).
//
// Counts of snapshots sent, installed and failed feed the node's status. Threading:
// the node's loop. Lifetime: owned by the node; its coroutines await through the
// node's Lifetime.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/status.h"
#include "engine/env/env.h"
#include "engine/raft/raft_types.h"
#include "engine/replication/frame.h"

namespace quanta::storage {
class Store;
class StoreSnapshot;
}  // namespace quanta::storage

namespace quanta::replication {

class ReplicatedNode;

class CatchUp {
 public:
  explicit CatchUp(ReplicatedNode& node);
  ~CatchUp();  // closes an inbound stream in flight
  CatchUp(const CatchUp&) = delete;
  CatchUp& operator=(const CatchUp&) = delete;

  // Leader: streams a snapshot of the store to `message.to`, if a copy can be taken
  // now (else Raft asks again after an election timeout).
  void StartSnapshotTransfer(raft::Message message);
  // Serves a peer's pull of a copy of the store (one at a time; else closes `stream`).
  void ServePull(std::shared_ptr<Stream> stream);
  // Replica: takes an inbound snapshot stream (one at a time; else closes it).
  void OnSnapshotStream(std::shared_ptr<Stream> stream, std::unique_ptr<FrameReader> reader);
  // Makes the staged generation holding `snapshot` the node's store. Errors: kInternal
  // if no such snapshot was staged, kDataLoss if it does not hold that state, or I/O.
  Task<absl::Status> InstallSnapshot(const raft::SnapshotMeta& snapshot);
  // Store generation `generation` was replaced; remove it once no reader holds `store`.
  void Retire(uint64_t generation, std::weak_ptr<storage::Store> store);
  // Removes staged generations Raft did not take, and retired stores no one uses.
  Task<void> CollectGarbage();
  // A damaged store was rebuilt from a peer's copy (counted as an install).
  void CountRebuilt() { ++installed_; }

  uint64_t sent() const { return sent_; }
  uint64_t installed() const { return installed_; }
  uint64_t failures() const { return failures_; }

 private:
  // A consistent copy of the store for a peer: the snapshot pins what it reads, the
  // store (shared) outlives it.
  struct StoreCopy {
    // (A constructor, not an aggregate: it is passed to coroutines by value, which GCC
    // 12 miscompiles for aggregates; engine/env/README.md.)
    StoreCopy(std::shared_ptr<storage::Store> st, std::shared_ptr<storage::StoreSnapshot> sn)
        : store(std::move(st)), snapshot(std::move(sn)) {}
    std::shared_ptr<storage::Store> store;
    std::shared_ptr<storage::StoreSnapshot> snapshot;
  };
  // Whether the store holds exactly the state of the applied index now (a copy can be
  // described as Raft's snapshot at that index).
  bool StoreMatchesApplied() const;
  // Copies the store and sets `message`'s snapshot to describe it. REQUIRES: StoreMatchesApplied().
  StoreCopy CopyStore(raft::Message* message);
  // Streams `copy` with `message` on `stream`, then closes it. kDataLoss: the copy read
  // damage off this node's disk (the store is marked damaged).
  Task<absl::Status> SendStoreCopy(std::shared_ptr<Stream> stream, raft::Message message, StoreCopy copy);
  Task<void> ServePullTask(std::shared_ptr<Stream> stream, raft::Message message, StoreCopy copy);
  Task<void> SendSnapshotTask(raft::Message message, StoreCopy copy);
  Task<void> ReceiveSnapshotTask(std::shared_ptr<Stream> stream, std::unique_ptr<FrameReader> reader);

  ReplicatedNode& node_;
  // Received and complete, by index: the generation holding it and its term.
  struct Staged {
    uint64_t generation = 0;
    raft::Term term = 0;
  };
  absl::btree_map<raft::Index, Staged> staged_;
  absl::btree_set<raft::NodeId> sending_to_;  // replicas being streamed a copy
  std::shared_ptr<Stream> receiving_;         // the inbound stream, if any
  bool serving_pull_ = false;
  // Replaced store generations, removed once no reader holds the store.
  absl::btree_map<uint64_t, std::weak_ptr<storage::Store>> retired_;
  uint64_t sent_ = 0;
  uint64_t installed_ = 0;
  uint64_t failures_ = 0;
};

}  // namespace quanta::replication
