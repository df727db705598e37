#include "engine/replication/node.h"

#include <algorithm>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"
#include "engine/env/planted.h"
#include "engine/env/status.h"
#include "engine/raft/raft.h"
#include "engine/raft/wire.h"
#include "engine/storage/btree.h"
#include "engine/storage/node.h"
#include "engine/util/coding.h"
#include "engine/util/crc32c.h"
#include "engine/wal/wal_format.h"

namespace quanta::replication {

using raft::Entry;
using raft::Index;
using raft::NodeId;
using raft::Term;

namespace {

constexpr char kAppliedKey[] = "applied";
// Committed entries are applied in write sets of about this size (a store write set
// holds at most 64 MiB).
constexpr size_t kApplyChunkBytes = 8u << 20;
static_assert(kMaxClientWriteBytes < wal::kMaxWalPayloadBytes, "a client write set fits one raft log record");
static_assert(kMaxClientWriteBytes < raft::kMaxMessageBytes, "a client write set fits one raft message");
static_assert(kApplyChunkBytes + kMaxClientWriteBytes < wal::kMaxWalPayloadBytes,
              "an apply chunk (which may overrun by one entry) fits one store write set's WAL record");

// Checks what a Ready hands over before it is persisted: its entries are contiguous
// and follow the log the storage holds (or replace a suffix of it), its committed
// entries are contiguous, and a committed entry is never past what is being stored.
void CheckReady(const raft::Ready& ready, Index stored_last, Index applied) {
  if (ready.snapshot.has_value()) applied = ready.snapshot->index;  // installed before the entries apply
  for (size_t i = 1; i < ready.entries.size(); ++i) {
    QUANTA_ASSERT(ready.entries[i].index == ready.entries[i - 1].index + 1);
    QUANTA_ASSERT(ready.entries[i].term >= ready.entries[i - 1].term);
  }
  if (!ready.entries.empty() && !ready.snapshot.has_value()) {
    QUANTA_ASSERT(ready.entries.front().index >= 1);
    QUANTA_ASSERT(ready.entries.front().index <= stored_last + 1);  // appends, or truncates and appends
  }
  for (size_t i = 1; i < ready.committed.size(); ++i) {
    QUANTA_ASSERT(ready.committed[i].index == ready.committed[i - 1].index + 1);
  }
  if (!ready.committed.empty()) {
    const Index last_stored = ready.entries.empty() ? stored_last : std::max(stored_last, ready.entries.back().index);
    QUANTA_ASSERT(ready.committed.back().index <= last_stored);
    QUANTA_ASSERT(ready.committed.front().index <= applied + 1);  // nothing skipped (re-deliveries are)
  }
}

std::string EncodeIndex(Index index) {
  std::string out;
  AppendU64(&out, index);
  return out;
}

absl::Status ValidateMembers(const NodeOptions& o) {
  if (o.id == raft::kNoNode) return absl::InvalidArgumentError("node id 0 is reserved");
  absl::btree_set<NodeId> ids;
  absl::btree_set<std::string> names;
  size_t voters = 0;
  bool self = false;
  for (const Member& m : o.members) {
    if (m.id == raft::kNoNode) return absl::InvalidArgumentError(absl::StrCat("member ", m.name, " has id 0"));
    if (!ids.insert(m.id).second) return absl::InvalidArgumentError(absl::StrCat("member id ", m.id, " appears twice"));
    if (!names.insert(m.name).second) return absl::InvalidArgumentError(absl::StrCat("member name '", m.name, "' appears twice"));
    voters += m.learner ? 0 : 1;
    self = self || m.id == o.id;
  }
  if (!self) return absl::InvalidArgumentError(absl::StrCat("node ", o.id, " is not among the members"));
  if (voters == 0) return absl::InvalidArgumentError("the cluster has no voting member");
  if (o.members.size() - 1 > o.max_replicas) {
    return absl::InvalidArgumentError(absl::StrCat(o.members.size() - 1, " replicas exceed replication.max_replicas = ",
                                                   o.max_replicas));
  }
  if (o.batch_size == 0) return absl::InvalidArgumentError("replication.batch_size must be at least 1");
  if (o.snapshot_entries == 0 || o.snapshot_chunk_bytes == 0) {
    return absl::InvalidArgumentError("snapshot_entries and snapshot_chunk_bytes must be at least 1");
  }
  return absl::OkStatus();
}

// The index the store has applied up to (kept in it with every applied batch).
Task<absl::StatusOr<Index>> ReadApplied(storage::Store& store) {
  auto applied = co_await store.Get(kReplicationTree, kAppliedKey);
  if (!applied.ok()) co_return applied.status();
  if (!applied->has_value()) co_return Index{0};
  if ((*applied)->size() != 8) co_return absl::DataLossError("store: malformed applied index");
  co_return Index{GetU64((*applied)->data())};
}

// Whether the raft log `state` already holds the state `marker` describes (its
// snapshot is at or past it, or the entry at its index has its term).
bool LogCovers(const RaftState& state, const raft::SnapshotMeta& marker) {
  if (marker.index <= state.snapshot.index) return true;
  const Index offset = marker.index - state.snapshot.index - 1;
  return offset < state.entries.size() && state.entries[offset].term == marker.term;
}

}  // namespace


ReplicatedNode::ReplicatedNode(Env& env, NodeOptions options)
    : env_(env),
      options_(std::move(options)),
      durable_waiters_(env, [this](Index i) { return raft_->log().TermAt(i); }),
      applied_waiters_(env, [this](Index i) { return raft_->log().TermAt(i); }),
      requests_(*this),
      catch_up_(*this),
      rebuild_(*this),
      status_(*this) {}

ReplicatedNode::~ReplicatedNode() {
  lifetime_.End();  // first: a stream closed below may resume a coroutine of ours at once
  stopped_ = true;
  if (tick_timer_ != 0) env_.CancelTimer(tick_timer_);
}

Task<absl::StatusOr<std::unique_ptr<ReplicatedNode>>> ReplicatedNode::Open(Env& env, NodeOptions options) {
  CO_RETURN_IF_ERROR(ValidateMembers(options));
  std::unique_ptr<ReplicatedNode> node(new ReplicatedNode(env, std::move(options)));
  const NodeOptions& o = node->options_;
  RaftState state;
  auto log_storage = co_await RaftStorage::Open(env, o.raft_storage, &state);
  if (absl::IsDataLoss(log_storage.status())) COVERAGE_MARK(kReplRaftLogDamaged);
  if (!log_storage.ok()) co_return log_storage.status();
  node->log_storage_ = std::move(*log_storage);
  auto generations = co_await StoreGenerations::Open(env, o.store.dir);
  if (!generations.ok()) co_return generations.status();
  node->generations_.emplace(std::move(*generations));
  node->recovered_ = state.hard_state;
  absl::Status damage = co_await node->OpenStore(node->generations_->current());
  if (damage.ok()) {
    CO_RETURN_IF_ERROR(co_await node->Reconcile(&state));
    if (node->applied_ < state.snapshot.index) {  // e.g. a damaged WAL tail taken for a torn one
      COVERAGE_MARK(kReplStoreBehindLog);
      damage = absl::DataLossError(absl::StrCat("the store's applied index ", node->applied_,
                                                " is behind the raft log's snapshot at ", state.snapshot.index,
                                                ": it lost committed state"));
    }
  }
  if (absl::IsDataLoss(damage)) {
    // The raft log is intact, the store is not: rebuild it from a peer's snapshot
    // (Start) before taking part in Raft.
    node->damaged_ = damage;
    node->store_.reset();
    node->applied_ = 0;
    node->rebuild_state_ = state;
  } else if (!damage.ok()) {
    co_return damage;  // an I/O error: a restart may do
  }
  node->MakeRaft(std::move(state));
  co_return node;
}

Task<absl::Status> ReplicatedNode::OpenStore(uint64_t generation) {
  CO_ASSIGN_OR_RETURN(const std::optional<std::string> damaged,
                      co_await lifetime_.Guard(generations_->ReadDamaged(generation)));
  if (damaged.has_value()) co_return absl::DataLossError(absl::StrCat("the store was found damaged: ", *damaged));
  storage::StoreOptions store_options = options_.store;
  store_options.dir = generations_->Dir(generation);
  CO_ASSIGN_OR_RETURN(std::shared_ptr<storage::Store> opened,
                      co_await lifetime_.Guard(storage::Store::Open(env_, store_options)));
  CO_ASSIGN_OR_RETURN(const Index applied, co_await lifetime_.Guard(ReadApplied(*opened)));
  store_ = std::move(opened);
  applied_ = applied;
  co_return absl::OkStatus();
}

Task<absl::Status> ReplicatedNode::Reconcile(RaftState* state) {
  // A crash between switching to a snapshot's store and recording the snapshot in the
  // raft log: record it now.
  CO_ASSIGN_OR_RETURN(const std::optional<raft::SnapshotMeta> marker,
                      co_await lifetime_.Guard(generations_->ReadMarker(generations_->current())));
  if (marker.has_value() && !LogCovers(*state, *marker)) {
    COVERAGE_MARK(kReplSnapshotMarkerAdopted);
    wal::WalRecord record;
    record.type = wal::RecordType::kRaftSnapshot;
    record.payload = EncodeSnapshotPayload(*marker);
    CO_RETURN_IF_ERROR(ApplyRaftRecord(record, state));
    QUANTA_ASSERT(LogCovers(*state, *marker));
    raft::Ready adopt;
    adopt.snapshot = *marker;
    // A write of the log that failed while opening (EIO) poisoned it: restart instead.
    CO_RETURN_IF_ERROR(log_storage_->status());
    CO_RETURN_IF_ERROR(co_await lifetime_.Guard(log_storage_->WaitDurable(log_storage_->Append(adopt))));
  }
  const Index last = state->snapshot.index + state->entries.size();
  if (applied_ > last) {
    co_return absl::DataLossError(absl::StrCat("store applied index ", applied_, " is past the raft log's last entry ",
                                               last, " (was the raft directory lost?)"));
  }
  // What the store applied was committed, though the hard state's commit may not have
  // been synced: Raft re-delivers those entries at once (and the node skips them).
  state->hard_state.commit = std::max(state->hard_state.commit, applied_);
  co_return absl::OkStatus();
}

void ReplicatedNode::MakeRaft(RaftState state) {
  raft::Config config;
  config.id = options_.id;
  for (const Member& m : options_.members) (m.learner ? config.learners : config.voters).push_back(m.id);
  config.election_ticks = options_.election_ticks;
  config.max_entries_per_append = options_.batch_size;
  config.seed = env_.Rng().Next();
  raft_ = std::make_unique<raft::Raft>(config, state.hard_state, std::move(state.entries), state.snapshot);
}

absl::Status ReplicatedNode::Start() {
  absl::btree_map<NodeId, PeerAddresses> peers;
  const Member* self = nullptr;
  for (const Member& m : options_.members) {
    if (m.id == options_.id) {
      self = &m;
    } else {
      peers[m.id] = m.peer;
    }
  }
  QUANTA_ASSERT(self != nullptr);
  transport_ = std::make_unique<Transport>(env_, options_.id, std::move(peers),
                                           [this](raft::Message m) { Step(std::move(m)); });
  transport_->set_snapshot_handler(
      [this](std::shared_ptr<Stream> stream, std::unique_ptr<FrameReader> reader, bool pull) {
        if (pull) {
          catch_up_.ServePull(std::move(stream));
        } else {
          catch_up_.OnSnapshotStream(std::move(stream), std::move(reader));
        }
      });
  RETURN_IF_ERROR(transport_->Listen(self->peer));
  if (!damaged_.ok()) {
    rebuild_.Start(std::move(rebuild_state_));
    rebuild_state_ = RaftState();
  } else {
    StartRaft();
  }
  return absl::OkStatus();
}

void ReplicatedNode::StartRaft() {
  last_checkpoint_ = env_.MonotonicNow();
  // A random phase: nodes started together must not tick in lockstep, or equal
  // randomized timeouts (in whole ticks) expire together and split the vote.
  ticked_to_ = env_.MonotonicNow() - options_.tick * env_.Rng().UnitDouble();
  TickLoop();
  env_.Spawn(Drive());
  Changed();
}

void ReplicatedNode::TickLoop() {
  const absl::Duration next = ticked_to_ + options_.tick - env_.MonotonicNow();
  tick_timer_ = env_.StartTimer(std::max(next, absl::ZeroDuration()), [this] {
    tick_timer_ = 0;
    if (stopped_) return;
    CatchUpTicks();
    MaybeCheckpoint();
    TickLoop();
  });
}

int64_t ReplicatedNode::DueTicks() const {
  const absl::Duration elapsed = env_.MonotonicNow() - ticked_to_;
  absl::Duration remainder;
  return elapsed <= absl::ZeroDuration() ? 0 : absl::IDivDuration(elapsed, options_.tick, &remainder);
}

void ReplicatedNode::CatchUpTicks() {
  const int64_t due = DueTicks();
  if (due == 0) return;
  // After a long pause every missed tick still counts (leases and elections are
  // measured in ticks), but a few election timeouts' worth is all that matters.
  const int64_t run = std::min<int64_t>(due, 4 * options_.election_ticks);
  for (int64_t i = 0; i < run; ++i) raft_->Tick();
  ticked_to_ += options_.tick * due;
  Changed();
}

void ReplicatedNode::Step(raft::Message message) {
  if (stopped_ || !damaged_.ok()) return;  // a rebuilding node takes no part in Raft yet
  // Raft's clock first: after a stall (a paused process, a long computation) messages
  // may be read before the tick timer fires. Answering a heartbeat at a stale tick and
  // only then counting the stalled ticks would date the answer's promise (no election
  // for an election timeout) back to before it was made, breaking the leader's lease.
  CatchUpTicks();
  raft_->Step(message);
  Changed();
}

void ReplicatedNode::Changed() {
  status_.OnChange();
  if (raft_->HasReady()) Notify();
  if (observer_ != nullptr) observer_->OnStateChange(options_.id);
}

void ReplicatedNode::Notify() {
  if (!wake_) return;
  Callback<bool> wake = std::move(wake_);
  wake_ = nullptr;
  // Resume the drive loop from the event loop, not inside whatever called Notify.
  env_.StartTimer(absl::ZeroDuration(), [wake = std::move(wake)]() mutable { wake(true); });
}

void ReplicatedNode::Fail(absl::Status status) {
  if (stopped_) return;
  stopped_ = true;
  failed_ = status;
  if (store_damage_.ok()) {
    if (options_.on_fatal) options_.on_fatal(std::move(status));
    return;
  }
  env_.Spawn(MarkDamagedThenReport(std::move(status)));
}

Task<void> ReplicatedNode::Drive() {
  while (!stopped_) {
    if (!raft_->HasReady()) {
      auto woken = co_await lifetime_.Guard(Op<bool>([this](Callback<bool> wake) { wake_ = std::move(wake); }));
      if (!woken.ok()) co_return;  // gone
      continue;
    }
    const absl::Status status = co_await lifetime_.Guard(ProcessReady());
    if (Lifetime::Gone(status)) co_return;
    if (!status.ok()) Fail(status);
  }
}

Task<absl::Status> ReplicatedNode::ProcessReady() {
  CO_RETURN_IF_ERROR(log_storage_->status());  // a failed flush poisoned the log
  raft::Ready ready = raft_->TakeReady();
  CheckReady(ready, raft_->log().stable(), applied_);
  if (ready.snapshot) {
    CO_RETURN_IF_ERROR(co_await lifetime_.Guard(catch_up_.InstallSnapshot(*ready.snapshot)));
    QUANTA_ASSERT(applied_ == ready.snapshot->index);
    CO_RETURN_IF_ERROR(log_storage_->status());
  }
  const wal::Lsn lsn = log_storage_->Append(ready);
  // Planted: a follower answers before its entries are durable.
  const bool early = PlantedActive(PlantedBug::kRaftAckBeforeSync) && !IsLeader();
  if (lsn != 0 && ready.must_sync && !early) {
    CO_RETURN_IF_ERROR(co_await lifetime_.Guard(log_storage_->WaitDurable(lsn)));
  }
  for (raft::Message& m : ready.messages) {
    if (observer_ != nullptr && m.type == raft::MessageType::kVoteResponse && !m.reject) {
      observer_->OnVoteGranted(options_.id, m.term, m.to);
    }
    if (m.type == raft::MessageType::kSnapshot) {
      catch_up_.StartSnapshotTransfer(std::move(m));
    } else {
      transport_->Send(m);
    }
  }
  if (lsn != 0 && ready.must_sync && early) {
    CO_RETURN_IF_ERROR(co_await lifetime_.Guard(log_storage_->WaitDurable(lsn)));
  }
  CO_RETURN_IF_ERROR(co_await lifetime_.Guard(Apply(ready.committed)));
  QUANTA_ASSERT(ready.committed.empty() || applied_ >= ready.committed.back().index);
  raft_->Advance(ready);
  durable_waiters_.Reached(raft_->log().stable());
  applied_waiters_.Reached(applied_);
  Changed();
  const absl::Status compacted = co_await lifetime_.Guard(MaybeCompact());
  co_return compacted;
}

Task<absl::Status> ReplicatedNode::Apply(const std::vector<Entry>& committed) {
  size_t i = 0;
  while (i < committed.size() && committed[i].index <= applied_) ++i;  // applied before a restart
  while (i < committed.size()) {
    storage::WriteSet ws;
    std::vector<Entry> chunk;
    size_t bytes = 0;
    for (; i < committed.size() && bytes < kApplyChunkBytes; ++i) {
      const Entry& e = committed[i];
      QUANTA_ASSERT(e.index == applied_ + chunk.size() + 1);
      if (e.type == raft::EntryType::kNormal && !e.data.empty()) {
        auto decoded = storage::DecodeWriteSet(e.data);
        if (!decoded.ok()) {
          co_return absl::DataLossError(absl::StrCat("raft entry ", e.index, ": ", decoded.status().message()));
        }
        for (storage::WriteOp& op : decoded->ops) ws.ops.push_back(std::move(op));
      }
      bytes += e.data.size();
      chunk.push_back(e);
    }
    ws.Put(kReplicationTree, kAppliedKey, EncodeIndex(chunk.back().index));
    QUANTA_ASSERT(!applying_);
    applying_ = true;
    auto lsn = co_await lifetime_.Guard(store_->Commit(std::move(ws)));
    if (Lifetime::Gone(lsn.status())) co_return lsn.status();
    applying_ = false;
    if (!lsn.ok()) {
      if (absl::IsDataLoss(lsn.status())) store_damage_ = lsn.status();
      co_return lsn.status();
    }
    applied_ = chunk.back().index;
    // Paired with OpenStore: what a restart reads back is the index just written.
    auto written = co_await lifetime_.Guard(ReadApplied(*store_));
    if (Lifetime::Gone(written.status())) co_return written.status();
    if (!written.ok()) {
      if (absl::IsDataLoss(written.status())) store_damage_ = written.status();
      co_return written.status();
    }
    QUANTA_ASSERT(*written == applied_);
    if (observer_ != nullptr) observer_->OnApplied(options_.id, chunk);
  }
  co_return absl::OkStatus();
}

bool ReplicatedNode::IsLeader() const { return raft_->role() == raft::Role::kLeader; }
Term ReplicatedNode::term() const { return raft_->term(); }

bool ReplicatedNode::AcceptingWrites() const {
  if (stopped_ || !damaged_.ok() || !IsLeader()) return false;
  if (PlantedActive(PlantedBug::kReplStalePrimaryWrites)) return true;
  return raft_->HasLease(DueTicks());
}

std::string ReplicatedNode::LeaderClientAddress() const {
  for (const Member& m : options_.members) {
    if (m.id == raft_->leader()) return m.client;
  }
  return "";
}

Task<ClientResponse> ReplicatedNode::Handle(ClientRequest request) {
  ClientResponse response = co_await requests_.Handle(std::move(request));
  co_return response;
}

Task<absl::Status> ReplicatedNode::WriteBarrier() {
  if (stopped_ || !damaged_.ok()) co_return absl::UnavailableError(absl::StrCat("node ", options_.id, " is not serving"));
  const absl::Status settled = co_await requests_.WriteBarrier();
  co_return settled;
}

NodeStatus ReplicatedNode::Status() const { return status_.Report(); }

}  // namespace quanta::replication
