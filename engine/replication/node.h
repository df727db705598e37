// ReplicatedNode: one member of a QuantaDB cluster — a Raft core (engine/raft) whose
// log is durable in RaftStorage, a Transport to its peers, and a Store
// (engine/storage) that committed write sets are applied to.
//
// The Raft leader is the primary, the only node that accepts writes, and only while
// it holds its lease: an isolated primary stops accepting writes and stops serving
// reads before any other node can be elected (check-quorum + lease, engine/raft).
// Replicas (followers and learners) serve reads at their applied index and refuse
// writes naming the primary (SQLSTATE 25006).
//
// Commit modes (`replication.mode`). sync: a write is acknowledged once a quorum of
// voters has it durable and it is applied here (so it is visible); after
// `sync_timeout` without that the client learns the outcome is unknown (SQLSTATE
// 08007), never a silent downgrade. async: acknowledged once the primary's own log
// has it durable; the bytes not yet on a quorum are at risk (status().at_risk_bytes).
//
// The drive loop: every Ready is persisted (synced when it must be), then its
// messages are sent, then its committed entries are applied to the store as one
// write set that also records the applied index (so a restart re-applies nothing),
// then Raft is advanced. A storage error is fatal: the node stops and `on_fatal`
// runs (the process must restart and recover, as PostgreSQL PANICs).
//
// Log compaction and catch-up. The store is checkpointed in the background
// (`checkpoint_interval`, `checkpoint_wal_bytes`). Once `snapshot_entries` entries were
// applied past the Raft log's snapshot, the log is compacted up to
// `snapshot_keep_entries` behind the applied index (the store holds that state
// durably). A replica that needs compacted entries is streamed a snapshot of the
// primary's store (snapshot_transfer.h), built as a new store generation
// (store_generations.h) and installed by switching to it before Raft is told.
//
// A damaged store (its checksums failed at open or while serving) is marked so and,
// at the next open, rebuilt: the node pulls a snapshot of a peer's store (one that
// reaches the start of its raft log) before it takes part in Raft again. Its raft log
// is kept, so its votes and acknowledged entries stand; a damaged raft log cannot be
// repaired this way (forgetting a vote could elect two leaders) and stops the node.
//
// Pieces: this class is the drive loop (open, reconcile, drive, apply, ticks,
// compaction, checkpoints); RequestHandler serves clients, IndexWaiters holds what
// waits for an index, CatchUp moves snapshots, StoreRebuild brings back a damaged
// store, StatusReporter reports. They reach the node's shared state as friends and
// own their own; every coroutine awaits through `lifetime_` (engine/env/lifetime.h),
// so none touches the node after it is gone.
//
// Threading: one Env loop. Lifetime: destroy the node before its Env.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/env/env.h"
#include "engine/env/lifetime.h"
#include "engine/raft/raft_types.h"
#include "engine/replication/catch_up.h"
#include "engine/replication/client_request.h"
#include "engine/replication/index_waiters.h"
#include "engine/replication/node_status.h"
#include "engine/replication/request_handler.h"
#include "engine/replication/raft_storage.h"
#include "engine/replication/store_generations.h"
#include "engine/replication/store_rebuild.h"
#include "engine/replication/transport.h"
#include "engine/storage/store.h"

namespace quanta::raft {
class Raft;
}  // namespace quanta::raft
namespace quanta::storage {
class StoreSnapshot;
}  // namespace quanta::storage

namespace quanta::replication {

// Trees at or above this id belong to the node (the applied index); clients may not
// write them.
inline constexpr storage::TreeId kFirstSystemTree = uint64_t{1} << 62;
inline constexpr storage::TreeId kReplicationTree = kFirstSystemTree;

enum class CommitMode { kSync, kAsync };

struct Member {
  Member() {}
  Member(raft::NodeId i, std::string n, PeerAddresses p, std::string c, bool l = false)
      : id(i), name(std::move(n)), peer(std::move(p)), client(std::move(c)), learner(l) {}
  raft::NodeId id = raft::kNoNode;
  std::string name;     // `node_id` in the config
  PeerAddresses peer;   // its raft and replication addresses
  std::string client;   // where clients reach it (redirects name this)
  bool learner = false; // a read-only replica that never votes
};

struct NodeOptions {
  NodeOptions() {}
  raft::NodeId id = raft::kNoNode;
  std::vector<Member> members;  // the whole cluster, this node included
  CommitMode mode = CommitMode::kSync;         // `replication.mode`
  absl::Duration sync_timeout = absl::Seconds(5);  // `replication.sync_timeout`
  size_t batch_size = 1000;                    // `replication.batch_size`: entries per append
  size_t max_replicas = 2;                     // `replication.max_replicas`
  absl::Duration tick = absl::Milliseconds(50);  // heartbeat interval
  int election_ticks = 20;  // election timeout: [20, 40) ticks = [1 s, 2 s)
  storage::StoreOptions store;                 // dir: the root of the store's generations
  uint64_t snapshot_entries = 10000;           // compact the Raft log after this many applied entries
  uint64_t snapshot_keep_entries = 5000;       // entries kept behind the applied index for slow replicas
  size_t snapshot_chunk_bytes = 1u << 20;      // a streamed snapshot's chunks hold about this much
  absl::Duration checkpoint_interval = absl::Minutes(5);  // `storage.checkpoint_interval`
  uint64_t checkpoint_wal_bytes = 256u << 20;  // checkpoint sooner once the store's WAL grew this much
  RaftStorageOptions raft_storage;             // dir "raft"
  std::function<void(absl::Status)> on_fatal;  // the node stopped on this error
};

struct ReplicaStatus {
  raft::NodeId id = raft::kNoNode;
  std::string name;
  bool learner = false;
  raft::Index match = 0;       // the primary's view (0 on replicas)
  uint64_t lag_entries = 0;
  uint64_t lag_bytes = 0;
  absl::Duration lag;          // how long it has not had the primary's whole log
  bool unreachable = false;    // the last connection attempt failed
};

struct NodeStatus {
  raft::NodeId id = raft::kNoNode;
  const char* role = "follower";  // "primary" for the leader, else raft's role name
  raft::Term term = 0;
  raft::NodeId leader = raft::kNoNode;
  raft::Index commit = 0;
  raft::Index applied = 0;
  raft::Index last_index = 0;
  uint64_t elections_won = 0;   // times this node became leader
  uint64_t at_risk_bytes = 0;   // async: acknowledged bytes not yet on a quorum
  raft::Index snapshot_index = 0;  // the Raft log starts after this index
  uint64_t snapshots_sent = 0;     // streamed to replicas
  uint64_t snapshots_installed = 0;
  uint64_t snapshot_failures = 0;  // streams that failed either way
  bool accepting_writes = false;
  bool partition_suspected = false;  // some peers unreachable while others are reachable
  std::vector<ReplicaStatus> replicas;
};

// What simulation oracles watch (never set in production).
class NodeObserver {
 public:
  virtual ~NodeObserver() = default;
  // Raft state may have changed (after a Step, Tick or Ready).
  virtual void OnStateChange(raft::NodeId node) = 0;
  // `entries` were applied, in order.
  virtual void OnApplied(raft::NodeId node, const std::vector<raft::Entry>& entries) = 0;
  // The node granted its vote in `term` to `candidate` (the answer is being sent).
  virtual void OnVoteGranted(raft::NodeId node, raft::Term term, raft::NodeId candidate) {}
  // The node replaced its store by a snapshot of the primary's as of `snapshot.index`.
  virtual void OnSnapshotInstalled(raft::NodeId node, const raft::SnapshotMeta& snapshot) {}
  // The node rebuilt its damaged store (`why`) and now holds the state of `applied`.
  virtual void OnStoreRebuilt(raft::NodeId node, raft::Index applied, const absl::Status& why) {}
};

class ReplicatedNode {
 public:
  // Validates the options, recovers the raft log and the store. A store found damaged
  // (kDataLoss) does not fail the open: Start() rebuilds it first. Errors:
  // kInvalidArgument for a bad membership, or the raft log's or file system's error.
  static Task<absl::StatusOr<std::unique_ptr<ReplicatedNode>>> Open(Env& env, NodeOptions options);
  ~ReplicatedNode();
  ReplicatedNode(const ReplicatedNode&) = delete;
  ReplicatedNode& operator=(const ReplicatedNode&) = delete;

  // Listens on the peer addresses and starts ticking and driving Raft (after the
  // rebuild of a damaged store; until then requests are refused as unavailable).
  absl::Status Start();
  // Serves one client request (any number concurrently): see RequestHandler.
  Task<ClientResponse> Handle(ClientRequest request);
  // Primary: waits until every write proposed before is applied here (see
  // RequestHandler::WriteBarrier); a read-modify-write calls it before its reads.
  Task<absl::Status> WriteBarrier();

  NodeStatus Status() const;
  bool AcceptingWrites() const;
  raft::NodeId id() const { return options_.id; }
  raft::Term term() const;
  bool IsLeader() const;
  // The primary's client address, or "" while it is not known.
  std::string LeaderClientAddress() const;
  raft::Index applied() const { return applied_; }
  const raft::Raft& raft() const { return *raft_; }
  // What the node recovered from its raft log at open.
  const raft::HardState& recovered() const { return recovered_; }
  void set_observer(NodeObserver* observer) { observer_ = observer; }

 private:
  friend class RequestHandler;  // the node's client sessions (request_handler.h)
  friend class CatchUp;         // snapshot staging and streaming (catch_up.h)
  friend class StoreRebuild;    // the rebuild of a damaged store (store_rebuild.h)
  friend class StatusReporter;  // what the node reports (node_status.h)
  ReplicatedNode(Env& env, NodeOptions options);
  // Opens store generation `generation` into store_ and applied_. Errors: kDataLoss if
  // it is damaged (marked so, or its checksums say so), else the file system's.
  Task<absl::Status> OpenStore(uint64_t generation);
  // Makes the raft log `state` agree with the open store (a snapshot's marker it lacks
  // is recorded), and checks they fit. Errors: kDataLoss naming the mismatch.
  Task<absl::Status> Reconcile(RaftState* state);
  void MakeRaft(RaftState state);
  void StartRaft();
  // A store operation failed: a kDataLoss marks the store damaged before the node stops.
  void StoreFailed(absl::Status status);
  Task<void> MarkDamagedThenReport(absl::Status status);
  Task<void> Drive();
  Task<absl::Status> ProcessReady();
  // Compacts the Raft log when `snapshot_entries` were applied past its snapshot.
  Task<absl::Status> MaybeCompact();
  void MaybeCheckpoint();
  Task<void> RunCheckpoint(std::shared_ptr<storage::Store> store);
  Task<absl::Status> Apply(const std::vector<raft::Entry>& committed);
  void TickLoop();
  void Step(raft::Message message);
  void Notify();
  void Fail(absl::Status status);
  void Changed();
  // Catches Raft up on ticks the tick timer has not delivered yet (after a pause or a
  // late timer), so lease decisions never use a stale clock.
  void CatchUpTicks();
  int64_t DueTicks() const;

  Env& env_;
  NodeOptions options_;
  std::unique_ptr<raft::Raft> raft_;
  std::unique_ptr<RaftStorage> log_storage_;
  std::shared_ptr<storage::Store> store_;  // shared: reads and transfers keep a replaced one alive
  std::optional<StoreGenerations> generations_;
  std::unique_ptr<Transport> transport_;
  NodeObserver* observer_ = nullptr;
  Lifetime lifetime_;  // every await of a coroutine of the node goes through it
  absl::Status failed_;
  bool stopped_ = false;
  TimerId tick_timer_ = 0;
  absl::Duration ticked_to_;  // monotonic time up to which Raft has been ticked
  Callback<bool> wake_;  // the drive loop waits on this when Raft has nothing ready
  raft::Index applied_ = 0;  // applied to the store (durable with it)
  raft::HardState recovered_;
  IndexWaiters durable_waiters_;  // async writes: until the raft log has them durable
  IndexWaiters applied_waiters_;  // sync writes and primary reads: until applied here
  RequestHandler requests_;
  CatchUp catch_up_;
  absl::Status damaged_;       // non-OK: rebuilding the store (why); Raft is not running
  RaftState rebuild_state_;    // (Open to Start) the raft log the rebuild starts from
  StoreRebuild rebuild_;
  StatusReporter status_;
  absl::Status store_damage_;  // the store's corruption that stopped the node
  bool applying_ = false;      // a store commit of applied entries is in flight
  bool checkpointing_ = false;
  absl::Duration last_checkpoint_;
};

}  // namespace quanta::replication
