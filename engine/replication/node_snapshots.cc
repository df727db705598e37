// ReplicatedNode, continued: log compaction, checkpoints, snapshots streamed to and
// installed by replicas, and the rebuild of a damaged store (see node.h).
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
      co_await CollectGarbage();
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
  ++snapshots_installed_;
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
  retired_[old] = std::weak_ptr<storage::Store>();  // the damaged one: nothing holds it
  CO_RETURN_IF_ERROR(co_await lifetime_.Guard(OpenStore(generation)));
  if (applied_ != snapshot.index) {
    co_return absl::DataLossError(absl::StrCat("the snapshot for index ", snapshot.index, " holds the state of index ",
                                               applied_));
  }
  CO_RETURN_IF_ERROR(co_await lifetime_.Guard(Reconcile(&rebuild_state_)));
  QUANTA_ASSERT(applied_ >= rebuild_state_.snapshot.index);
  co_return absl::OkStatus();
}

bool ReplicatedNode::StoreMatchesApplied() const {
  // Just restarted, the store may be ahead of what Raft has re-delivered; during a
  // commit of applied entries its durable state is ahead of applied_.
  return !stopped_ && damaged_.ok() && !applying_ && applied_ == raft_->applied();
}

ReplicatedNode::StoreCopy ReplicatedNode::CopyStore(raft::Message* message) {
  QUANTA_ASSERT(StoreMatchesApplied());
  // Described as of applied_ (what the store holds), not the log's older compaction point.
  message->snapshot = raft_->SnapshotAt(applied_);
  return StoreCopy{store_, store_->TakeSnapshot()};
}

Task<absl::Status> ReplicatedNode::SendStoreCopy(std::shared_ptr<Stream> stream, raft::Message message, StoreCopy copy) {
  QUANTA_ASSERT(message.type == raft::MessageType::kSnapshot);
  QUANTA_ASSERT(message.snapshot.index > 0);
  const absl::Status sent = co_await lifetime_.Guard(
      SendSnapshot(env_, stream, *copy.snapshot, std::move(message), options_.snapshot_chunk_bytes));
  stream->Close();
  copy.snapshot.reset();  // before the store it pins
  if (Lifetime::Gone(sent)) co_return sent;
  // The copy read damage off this node's disk: the store it serves (and sends again
  // and again otherwise) is damaged, so the node stops and rebuilds it from a peer.
  if (absl::IsDataLoss(sent) && copy.store == store_) {
    COVERAGE_MARK(kReplSnapshotSenderFoundDamage);
    StoreFailed(sent);
  }
  co_return sent;
}

void ReplicatedNode::ServePull(std::shared_ptr<Stream> stream) {
  if (!StoreMatchesApplied() || serving_pull_) {  // one pull at a time: the puller tries another peer
    stream->Close();
    return;
  }
  serving_pull_ = true;
  raft::Message message;
  message.type = raft::MessageType::kSnapshot;
  message.from = options_.id;
  message.to = options_.id;  // (unknown: a pulling node is not yet taking part in Raft)
  message.term = raft_->term();
  StoreCopy copy = CopyStore(&message);
  env_.Spawn(ServePullTask(std::move(stream), std::move(message), std::move(copy)));
}

Task<void> ReplicatedNode::ServePullTask(std::shared_ptr<Stream> stream, raft::Message message, StoreCopy copy) {
  const absl::Status sent = co_await lifetime_.Guard(SendStoreCopy(std::move(stream), std::move(message), std::move(copy)));
  if (Lifetime::Gone(sent)) co_return;
  QUANTA_ASSERT(serving_pull_);
  serving_pull_ = false;
  ++(sent.ok() ? snapshots_sent_ : snapshot_failures_);
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

void ReplicatedNode::StartSnapshotTransfer(raft::Message message) {
  if (!StoreMatchesApplied()) return;  // Raft resends the request after an election timeout
  if (!sending_to_.insert(message.to).second) return;  // one stream per replica at a time
  StoreCopy copy = CopyStore(&message);
  env_.Spawn(SendSnapshotTask(std::move(message), std::move(copy)));
}

Task<void> ReplicatedNode::SendSnapshotTask(raft::Message message, StoreCopy copy) {
  const raft::NodeId to = message.to;
  auto stream = co_await lifetime_.Guard(transport_->ConnectForSnapshot(to));
  if (Lifetime::Gone(stream.status())) co_return;
  absl::Status sent = stream.status();
  if (stream.ok()) {
    sent = co_await lifetime_.Guard(SendStoreCopy(*std::move(stream), std::move(message), std::move(copy)));
    if (Lifetime::Gone(sent)) co_return;
  }
  QUANTA_ASSERT(sending_to_.contains(to));
  sending_to_.erase(to);
  ++(sent.ok() ? snapshots_sent_ : snapshot_failures_);
}

void ReplicatedNode::OnSnapshotStream(std::shared_ptr<Stream> stream, std::unique_ptr<FrameReader> reader) {
  if (stopped_ || receiving_ || !damaged_.ok()) {  // one at a time: the primary retries
    stream->Close();
    return;
  }
  receiving_ = stream;
  env_.Spawn(ReceiveSnapshotTask(std::move(stream), std::move(reader)));
}

Task<void> ReplicatedNode::ReceiveSnapshotTask(std::shared_ptr<Stream> stream, std::unique_ptr<FrameReader> reader) {
  const uint64_t generation = generations_->Reserve();
  auto message = co_await lifetime_.Guard(ReceiveSnapshot(env_, stream, *reader, generations_->Dir(generation)));
  if (Lifetime::Gone(message.status())) co_return;
  stream->Close();
  QUANTA_ASSERT(receiving_ == stream);
  receiving_.reset();
  absl::Status status = message.status();
  if (status.ok()) {
    const bool member = std::any_of(options_.members.begin(), options_.members.end(),
                                    [&](const Member& m) { return m.id == message->from; });
    if (message->to != options_.id || !member || message->from == options_.id) {
      status = absl::DataLossError(absl::StrCat("a snapshot from node ", message->from, " to node ", message->to));
    }
  }
  if (status.ok()) status = co_await lifetime_.Guard(generations_->WriteMarker(generation, message->snapshot));
  if (Lifetime::Gone(status)) co_return;
  if (status.ok() && !stopped_) {
    auto [it, fresh] = staged_.try_emplace(message->snapshot.index);
    if (!fresh) retired_[it->second.generation] = std::weak_ptr<storage::Store>();  // a copy of the same index
    it->second = Staged{generation, message->snapshot.term};
    Step(*message);  // Raft decides whether to install it (then in the next Ready)
  } else {
    COVERAGE_MARK(kReplSnapshotStreamRejected);
    ++snapshot_failures_;
    // What was built of it (the next open would remove it otherwise).
    if (Lifetime::Gone(co_await lifetime_.Guard(generations_->Remove(generation)))) co_return;
  }
  co_await CollectGarbage();
}

Task<absl::Status> ReplicatedNode::InstallSnapshot(const raft::SnapshotMeta& snapshot) {
  auto it = staged_.find(snapshot.index);
  if (it == staged_.end() || it->second.term != snapshot.term) {
    co_return absl::InternalError(absl::StrCat("raft installs snapshot ", snapshot.term, "/", snapshot.index,
                                               " but no such snapshot was received"));
  }
  const uint64_t generation = it->second.generation;
  staged_.erase(it);
  const uint64_t old = generations_->current();
  CO_RETURN_IF_ERROR(co_await lifetime_.Guard(generations_->Switch(generation)));
  retired_[old] = store_;  // reads that started on it keep it alive meanwhile
  CO_RETURN_IF_ERROR(co_await lifetime_.Guard(OpenStore(generation)));
  QUANTA_ASSERT(generations_->current() == generation);
  if (applied_ != snapshot.index) {
    co_return absl::DataLossError(absl::StrCat("the snapshot for index ", snapshot.index, " holds the state of index ",
                                               applied_));
  }
  ++snapshots_installed_;
  COVERAGE_MARK(kReplSnapshotInstalled);
  if (observer_ != nullptr) observer_->OnSnapshotInstalled(options_.id, snapshot);
  env_.Spawn(CollectGarbage());
  co_return absl::OkStatus();
}

Task<void> ReplicatedNode::CollectGarbage() {
  std::vector<uint64_t> doomed;
  const std::optional<raft::SnapshotMeta>& pending = raft_->pending_snapshot();
  for (auto it = staged_.begin(); it != staged_.end();) {
    if (pending.has_value() && pending->index == it->first) {
      ++it;
      continue;
    }
    doomed.push_back(it->second.generation);
    it = staged_.erase(it);
  }
  for (auto it = retired_.begin(); it != retired_.end();) {
    if (!it->second.expired()) {
      ++it;
      continue;
    }
    doomed.push_back(it->first);
    it = retired_.erase(it);
  }
  for (uint64_t generation : doomed) {
    QUANTA_ASSERT(generation != generations_->current());
    // Garbage left by a failure here is removed at the next open.
    if (Lifetime::Gone(co_await lifetime_.Guard(generations_->Remove(generation)))) co_return;
  }
}

}  // namespace quanta::replication
