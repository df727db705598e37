#include "engine/replication/store_rebuild.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"
#include "engine/env/lifetime.h"
#include "engine/env/status.h"
#include "engine/raft/raft.h"
#include "engine/replication/node.h"
#include "engine/replication/snapshot_transfer.h"

namespace quanta::replication {

using raft::NodeId;

void StoreRebuild::Start(RaftState state) {
  QUANTA_ASSERT(!node_.damaged_.ok());
  QUANTA_ASSERT(node_.store_ == nullptr);
  state_ = std::move(state);
  node_.env_.Spawn(Run());
}

Task<void> StoreRebuild::Run() {
  std::vector<NodeId> peers;
  for (const Member& m : node_.options_.members) {
    if (m.id != node_.options_.id) peers.push_back(m.id);
  }
  if (peers.empty() && state_.snapshot.index > 0) {
    node_.Fail(absl::DataLossError(absl::StrCat("the store is damaged (", node_.damaged_.message(),
                                          ") and a single-node cluster has no peer to rebuild it from")));
    co_return;
  }
  for (size_t attempt = 0; !node_.stopped_; ++attempt) {
    const NodeId peer = peers.empty() ? raft::kNoNode : peers[attempt % peers.size()];
    const absl::Status rebuilt = co_await node_.lifetime_.Guard(RebuildFrom(peer));
    if (Lifetime::Gone(rebuilt)) co_return;
    if (rebuilt.ok()) {
      QUANTA_ASSERT(node_.store_ != nullptr);
      QUANTA_ASSERT(node_.applied_ >= node_.raft_->log().snapshot_index());
      node_.damaged_ = absl::OkStatus();
      node_.StartRaft();
      co_await node_.catch_up_.CollectGarbage();
      co_return;
    }
    QUANTA_ASSERT(node_.store_ == nullptr);
    if (Lifetime::Gone(co_await node_.lifetime_.Guard(node_.env_.Sleep(absl::Milliseconds(200))))) co_return;
  }
}

Task<absl::Status> StoreRebuild::RebuildFrom(NodeId peer) {
  QUANTA_ASSERT(!node_.damaged_.ok());
  const uint64_t generation = node_.generations_->Reserve();
  // A log that was never compacted rebuilds the store by itself: Raft re-applies it
  // to an empty one. Otherwise a peer's snapshot must reach the start of the log.
  const bool local = state_.snapshot.index == 0;
  const absl::Status status = co_await node_.lifetime_.Guard(BuildStore(peer, generation, local));
  if (Lifetime::Gone(status)) co_return status;
  if (!status.ok()) {
    node_.store_.reset();
    node_.applied_ = 0;
    if (generation != node_.generations_->current()) {
      const absl::Status removed = co_await node_.lifetime_.Guard(node_.generations_->Remove(generation));
      if (Lifetime::Gone(removed)) co_return removed;  // (else garbage the next open removes)
    }
    co_return status;
  }
  node_.catch_up_.CountRebuilt();
  if (local) {
    COVERAGE_MARK(kReplStoreRebuiltFromLog);
  } else {
    COVERAGE_MARK(kReplStoreRebuiltFromPeer);
  }
  node_.MakeRaft(std::move(state_));
  state_ = RaftState();
  if (node_.observer_ != nullptr) node_.observer_->OnStoreRebuilt(node_.options_.id, node_.applied_, node_.damaged_);
  co_return absl::OkStatus();
}

Task<absl::Status> StoreRebuild::BuildStore(NodeId peer, uint64_t generation, bool local) {
  raft::SnapshotMeta snapshot;  // stays empty for a local rebuild
  if (!local) {
    CO_ASSIGN_OR_RETURN(std::shared_ptr<Stream> stream, co_await node_.lifetime_.Guard(node_.transport_->ConnectForSnapshot(peer)));
    auto message = co_await node_.lifetime_.Guard(PullSnapshot(node_.env_, stream, node_.generations_->Dir(generation)));
    if (!Lifetime::Gone(message.status())) stream->Close();
    CO_RETURN_IF_ERROR(message.status());
    snapshot = message->snapshot;
    if (snapshot.index < state_.snapshot.index) {
      co_return absl::FailedPreconditionError(absl::StrCat("node ", peer, "'s snapshot at ", snapshot.index,
                                                           " is older than our log's start"));
    }
    CO_RETURN_IF_ERROR(co_await node_.lifetime_.Guard(node_.generations_->WriteMarker(generation, snapshot)));
  }
  const uint64_t old = node_.generations_->current();
  CO_RETURN_IF_ERROR(co_await node_.lifetime_.Guard(node_.generations_->Switch(generation)));
  node_.catch_up_.Retire(old, std::weak_ptr<storage::Store>());  // the damaged one: nothing holds it
  CO_RETURN_IF_ERROR(co_await node_.lifetime_.Guard(node_.OpenStore(generation)));
  if (node_.applied_ != snapshot.index) {
    co_return absl::DataLossError(absl::StrCat("the snapshot for index ", snapshot.index, " holds the state of index ",
                                               node_.applied_));
  }
  CO_RETURN_IF_ERROR(co_await node_.lifetime_.Guard(node_.Reconcile(&state_)));
  QUANTA_ASSERT(node_.applied_ >= state_.snapshot.index);
  co_return absl::OkStatus();
}

}  // namespace quanta::replication
