// ReplicatedNode, continued: the node and its store — log compaction, checkpoints, and
// what a failed store operation does (see node.h; snapshots travel through CatchUp,
// a damaged store comes back through StoreRebuild).
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
