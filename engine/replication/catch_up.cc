#include "engine/replication/catch_up.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"
#include "engine/env/lifetime.h"
#include "engine/env/status.h"
#include "engine/raft/raft.h"
#include "engine/replication/node.h"
#include "engine/replication/snapshot_transfer.h"
#include "engine/storage/snapshot.h"
#include "engine/storage/store.h"

namespace quanta::replication {

CatchUp::CatchUp(ReplicatedNode& node) : node_(node) {}

CatchUp::~CatchUp() {
  if (receiving_) receiving_->Close();
}

void CatchUp::Retire(uint64_t generation, std::weak_ptr<storage::Store> store) {
  QUANTA_ASSERT(generation != node_.generations_->current());
  retired_[generation] = std::move(store);
}

bool CatchUp::StoreMatchesApplied() const {
  // Just restarted, the store may be ahead of what Raft has re-delivered; during a
  // commit of applied entries its durable state is ahead of node_.applied_.
  return !node_.stopped_ && node_.damaged_.ok() && !node_.applying_ && node_.applied_ == node_.raft_->applied();
}

CatchUp::StoreCopy CatchUp::CopyStore(raft::Message* message) {
  QUANTA_ASSERT(StoreMatchesApplied());
  // Described as of node_.applied_ (what the store holds), not the log's older compaction point.
  message->snapshot = node_.raft_->SnapshotAt(node_.applied_);
  return StoreCopy{node_.store_, node_.store_->TakeSnapshot()};
}

Task<absl::Status> CatchUp::SendStoreCopy(std::shared_ptr<Stream> stream, raft::Message message, StoreCopy copy) {
  QUANTA_ASSERT(message.type == raft::MessageType::kSnapshot);
  QUANTA_ASSERT(message.snapshot.index > 0);
  const absl::Status sent = co_await node_.lifetime_.Guard(
      SendSnapshot(node_.env_, stream, *copy.snapshot, std::move(message), node_.options_.snapshot_chunk_bytes));
  stream->Close();
  copy.snapshot.reset();  // before the store it pins
  if (Lifetime::Gone(sent)) co_return sent;
  // The copy read damage off this node's disk: the store it serves (and sends again
  // and again otherwise) is damaged, so the node stops and rebuilds it from a peer.
  if (absl::IsDataLoss(sent) && copy.store == node_.store_) {
    COVERAGE_MARK(kReplSnapshotSenderFoundDamage);
    node_.StoreFailed(sent);
  }
  co_return sent;
}

void CatchUp::ServePull(std::shared_ptr<Stream> stream) {
  // One pull at a time, and only of a store holding something (a node that applied
  // nothing has no copy to give): the puller tries another peer.
  if (!StoreMatchesApplied() || serving_pull_ || node_.applied_ == 0) {
    stream->Close();
    return;
  }
  serving_pull_ = true;
  raft::Message message;
  message.type = raft::MessageType::kSnapshot;
  message.from = node_.options_.id;
  message.to = node_.options_.id;  // (unknown: a pulling node is not yet taking part in Raft)
  message.term = node_.raft_->term();
  StoreCopy copy = CopyStore(&message);
  node_.env_.Spawn(ServePullTask(std::move(stream), std::move(message), std::move(copy)));
}

Task<void> CatchUp::ServePullTask(std::shared_ptr<Stream> stream, raft::Message message, StoreCopy copy) {
  const absl::Status sent = co_await node_.lifetime_.Guard(SendStoreCopy(std::move(stream), std::move(message), std::move(copy)));
  if (Lifetime::Gone(sent)) co_return;
  QUANTA_ASSERT(serving_pull_);
  serving_pull_ = false;
  ++(sent.ok() ? sent_ : failures_);
}

void CatchUp::StartSnapshotTransfer(raft::Message message) {
  if (!StoreMatchesApplied()) return;  // Raft resends the request after an election timeout
  if (!sending_to_.insert(message.to).second) return;  // one stream per replica at a time
  StoreCopy copy = CopyStore(&message);
  node_.env_.Spawn(SendSnapshotTask(std::move(message), std::move(copy)));
}

Task<void> CatchUp::SendSnapshotTask(raft::Message message, StoreCopy copy) {
  const raft::NodeId to = message.to;
  auto stream = co_await node_.lifetime_.Guard(node_.transport_->ConnectForSnapshot(to));
  if (Lifetime::Gone(stream.status())) co_return;
  absl::Status sent = stream.status();
  if (stream.ok()) {
    sent = co_await node_.lifetime_.Guard(SendStoreCopy(*std::move(stream), std::move(message), std::move(copy)));
    if (Lifetime::Gone(sent)) co_return;
  }
  QUANTA_ASSERT(sending_to_.contains(to));
  sending_to_.erase(to);
  ++(sent.ok() ? sent_ : failures_);
}

void CatchUp::OnSnapshotStream(std::shared_ptr<Stream> stream, std::unique_ptr<FrameReader> reader) {
  if (node_.stopped_ || receiving_ || !node_.damaged_.ok()) {  // one at a time: the primary retries
    stream->Close();
    return;
  }
  receiving_ = stream;
  node_.env_.Spawn(ReceiveSnapshotTask(std::move(stream), std::move(reader)));
}

Task<void> CatchUp::ReceiveSnapshotTask(std::shared_ptr<Stream> stream, std::unique_ptr<FrameReader> reader) {
  const uint64_t generation = node_.generations_->Reserve();
  auto message = co_await node_.lifetime_.Guard(ReceiveSnapshot(node_.env_, stream, *reader, node_.generations_->Dir(generation)));
  if (Lifetime::Gone(message.status())) co_return;
  stream->Close();
  QUANTA_ASSERT(receiving_ == stream);
  receiving_.reset();
  absl::Status status = message.status();
  if (status.ok()) {
    const bool member = std::any_of(node_.options_.members.begin(), node_.options_.members.end(),
                                    [&](const Member& m) { return m.id == message->from; });
    if (message->to != node_.options_.id || !member || message->from == node_.options_.id) {
      status = absl::DataLossError(absl::StrCat("a snapshot from node ", message->from, " to node ", message->to));
    }
  }
  if (status.ok()) status = co_await node_.lifetime_.Guard(node_.generations_->WriteMarker(generation, message->snapshot));
  if (Lifetime::Gone(status)) co_return;
  if (status.ok() && !node_.stopped_) {
    auto [it, fresh] = staged_.try_emplace(message->snapshot.index);
    if (!fresh) retired_[it->second.generation] = std::weak_ptr<storage::Store>();  // a copy of the same index
    it->second = Staged{generation, message->snapshot.term};
    node_.Step(*message);  // Raft decides whether to install it (then in the next Ready)
  } else {
    COVERAGE_MARK(kReplSnapshotStreamRejected);
    ++failures_;
    // What was built of it (the next open would remove it otherwise).
    if (Lifetime::Gone(co_await node_.lifetime_.Guard(node_.generations_->Remove(generation)))) co_return;
  }
  co_await CollectGarbage();
}

Task<absl::Status> CatchUp::InstallSnapshot(const raft::SnapshotMeta& snapshot) {
  auto it = staged_.find(snapshot.index);
  if (it == staged_.end() || it->second.term != snapshot.term) {
    co_return absl::InternalError(absl::StrCat("raft installs snapshot ", snapshot.term, "/", snapshot.index,
                                               " but no such snapshot was received"));
  }
  const uint64_t generation = it->second.generation;
  staged_.erase(it);
  const uint64_t old = node_.generations_->current();
  CO_RETURN_IF_ERROR(co_await node_.lifetime_.Guard(node_.generations_->Switch(generation)));
  retired_[old] = node_.store_;  // reads that started on it keep it alive meanwhile
  CO_RETURN_IF_ERROR(co_await node_.lifetime_.Guard(node_.OpenStore(generation)));
  QUANTA_ASSERT(node_.generations_->current() == generation);
  if (node_.applied_ != snapshot.index) {
    co_return absl::DataLossError(absl::StrCat("the snapshot for index ", snapshot.index, " holds the state of index ",
                                               node_.applied_));
  }
  ++installed_;
  COVERAGE_MARK(kReplSnapshotInstalled);
  if (node_.observer_ != nullptr) node_.observer_->OnSnapshotInstalled(node_.options_.id, snapshot);
  node_.env_.Spawn(CollectGarbage());
  co_return absl::OkStatus();
}

Task<void> CatchUp::CollectGarbage() {
  std::vector<uint64_t> doomed;
  const std::optional<raft::SnapshotMeta>& pending = node_.raft_->pending_snapshot();
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
    QUANTA_ASSERT(generation != node_.generations_->current());
    // Garbage left by a failure here is removed at the next open.
    if (Lifetime::Gone(co_await node_.lifetime_.Guard(node_.generations_->Remove(generation)))) co_return;
  }
}

}  // namespace quanta::replication
