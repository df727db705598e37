// ReplicatedNode, continued: log compaction, checkpoints, and the rebuild of a damaged
// store (see node.h; snapshots travel through CatchUp, catch_up.h).
#include "engine/replication/node.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"
#include "engine/env/status.h"
#include "engine/raft/raft.h"
#include "engine/replication/snapshot_transfer.h"
#include "engine/storage/snapshot.h"

namespace quanta::replication {

using raft::Index;
using raft::NodeId;

Task<void> ReplicatedNode::Rebuild() {
  std::vector<NodeId> peers;
  for (const Member& m : options_.members) {
    if (m.id != options_.id) peers.push_back(m.id);
  }
  if (peers.empty() && rebuild_state_.snapshot.index > 0) {
    Fail(absl::DataLossError(absl::StrCat("the store is damaged (", damaged_.message(),
                                          ") and a single-node cluster has no peer to rebuild it from")));
    co_return;
  }
  for (size_t attempt = 0; !stopped_; ++attempt) {
    const NodeId peer = peers.empty() ? raft::kNoNode : peers[attempt % peers.size()];
    const absl::Status rebuilt = co_await lifetime_.Guard(RebuildFrom(peer));
    if (Lifetime::Gone(rebuilt)) co_return;
    if (rebuilt.ok()) {
      QUANTA_ASSERT(store_ != nullptr);
      QUANTA_ASSERT(applied_ >= raft_->log().snapshot_index());
      damaged_ = absl::OkStatus();
      StartRaft();
      co_await catch_up_.CollectGarbage();
      co_return;
    }
    QUANTA_ASSERT(store_ == nullptr);
    if (Lifetime::Gone(co_await lifetime_.Guard(env_.Sleep(absl::Milliseconds(200))))) co_return;
  }
}

Task<absl::Status> ReplicatedNode::RebuildFrom(NodeId peer) {
  QUANTA_ASSERT(!damaged_.ok());
  const uint64_t generation = generations_->Reserve();
  // A log that was never compacted rebuilds the store by itself: Raft re-applies it
  // to an empty one. Otherwise a peer's snapshot must reach the start of the log.
  const bool local = rebuild_state_.snapshot.index == 0;
  const absl::Status status = co_await lifetime_.Guard(BuildStore(peer, generation, local));
  if (Lifetime::Gone(status)) co_return status;
  if (!status.ok()) {
    store_.reset();
    applied_ = 0;
    if (generation != generations_->current()) {
      const absl::Status removed = co_await lifetime_.Guard(generations_->Remove(generation));
      if (Lifetime::Gone(removed)) co_return removed;  // (else garbage the next open removes)
    }
    co_return status;
  }
  catch_up_.CountRebuilt();
  if (local) {
    COVERAGE_MARK(kReplStoreRebuiltFromLog);
  } else {
    COVERAGE_MARK(kReplStoreRebuiltFromPeer);
  }
  MakeRaft(std::move(rebuild_state_));
  rebuild_state_ = RaftState();
  if (observer_ != nullptr) observer_->OnStoreRebuilt(options_.id, applied_, damaged_);
  co_return absl::OkStatus();
}

Task<absl::Status> ReplicatedNode::BuildStore(NodeId peer, uint64_t generation, bool local) {
  raft::SnapshotMeta snapshot;  // stays empty for a local rebuild
  if (!local) {
    CO_ASSIGN_OR_RETURN(std::shared_ptr<Stream> stream, co_await lifetime_.Guard(transport_->ConnectForSnapshot(peer)));
    auto message = co_await lifetime_.Guard(PullSnapshot(env_, stream, generations_->Dir(generation)));
    if (!Lifetime::Gone(message.status())) stream->Close();
    CO_RETURN_IF_ERROR(message.status());
    snapshot = message->snapshot;
    if (snapshot.index < rebuild_state_.snapshot.index) {
      co_return absl::FailedPreconditionError(absl::StrCat("node ", peer, "'s snapshot at ", snapshot.index,
                                                           " is older than our log's start"));
    }
    CO_RETURN_IF_ERROR(co_await lifetime_.Guard(generations_->WriteMarker(generation, snapshot)));
  }
  const uint64_t old = generations_->current();
  CO_RETURN_IF_ERROR(co_await lifetime_.Guard(generations_->Switch(generation)));
  catch_up_.Retire(old, std::weak_ptr<storage::Store>());  // the damaged one: nothing holds it
  CO_RETURN_IF_ERROR(co_await lifetime_.Guard(OpenStore(generation)));
  if (applied_ != snapshot.index) {
    co_return absl::DataLossError(absl::StrCat("the snapshot for index ", snapshot.index, " holds the state of index ",
                                               applied_));
  }
  CO_RETURN_IF_ERROR(co_await lifetime_.Guard(Reconcile(&rebuild_state_)));
  QUANTA_ASSERT(applied_ >= rebuild_state_.snapshot.index);
  co_return absl::OkStatus();
}






void ReplicatedNode::StoreFailed(absl::Status status) {
  // Checksums found the store corrupt: the next open rebuilds it from a peer instead
  // of serving or replaying damage (a restart alone may not see it).
  if (absl::IsDataLoss(status) && store_damage_.ok()) store_damage_ = status;
  Fail(std::move(status));
}

Task<void> ReplicatedNode::MarkDamagedThenReport(absl::Status status) {
  QUANTA_ASSERT(stopped_);
  QUANTA_ASSERT(!store_damage_.ok());
  COVERAGE_MARK(kReplStoreMarkedDamaged);
  const absl::Status marked = co_await lifetime_.Guard(
      generations_->MarkDamaged(generations_->current(), std::string(store_damage_.message())));
  if (Lifetime::Gone(marked)) co_return;
  if (options_.on_fatal) options_.on_fatal(std::move(status));
}

Task<absl::Status> ReplicatedNode::MaybeCompact() {
  const Index applied = std::min(applied_, raft_->applied());
  const Index base = raft_->log().snapshot_index();
  if (applied < base + options_.snapshot_entries + options_.snapshot_keep_entries) co_return absl::OkStatus();
  // The store holds the state up to `applied` durably: the raft log need not.
  auto snapshot = raft_->Compact(applied - options_.snapshot_keep_entries);
  QUANTA_ASSERT_MSG(snapshot.ok(), "compaction within the applied log cannot fail");
  const absl::Status compacted = co_await log_storage_->Compact(*snapshot);
  co_return compacted;
}

void ReplicatedNode::MaybeCheckpoint() {
  if (checkpointing_ || stopped_) return;
  const absl::Duration now = env_.MonotonicNow();
  if (now - last_checkpoint_ < options_.checkpoint_interval &&
      store_->wal_bytes_since_checkpoint() < options_.checkpoint_wal_bytes) {
    return;
  }
  checkpointing_ = true;
  last_checkpoint_ = now;  // intervals run start to start, as in PostgreSQL
  env_.Spawn(RunCheckpoint(store_));
}

Task<void> ReplicatedNode::RunCheckpoint(std::shared_ptr<storage::Store> store) {
  const double target = options_.store.checkpoint_completion_target;
  const absl::Status status = co_await lifetime_.Guard(store->Checkpoint(
      options_.checkpoint_interval * target, static_cast<uint64_t>(options_.checkpoint_wal_bytes * target)));
  if (Lifetime::Gone(status)) co_return;
  QUANTA_ASSERT(checkpointing_);
  checkpointing_ = false;
  if (!status.ok() && store == store_) StoreFailed(status);  // (a replaced store's failure is moot)
}







}  // namespace quanta::replication
