// Store: the storage engine's API — committed write sets in, committed state out.
//
// Layout under `dir`: `pages` (the data file: two meta slots, then B+tree, overflow and
// free-list pages) and `wal/` (the write-ahead log). Trees are named by TreeId and
// created on first write.
//
// Durability and recovery. Commit() appends the write set to the WAL, waits until it is
// durable (group commit), then applies it to the trees in memory; only then is the
// commit acknowledged. Checkpoint() freezes the trees at the applied LSN (later writes
// copy on write), writes the frozen pages to their fresh locations while commits go on,
// syncs, then switches the double-buffered meta page, so the file always holds a
// complete tree as of some checkpoint LSN; WAL segments wholly before it are removed.
// Open() = newest valid meta + redo of the WAL after its LSN.
// Corruption anywhere (meta, pages, WAL before its tail) is kDataLoss, never served.
//
// Errors while applying or checkpointing poison the store (status() reports it): its
// in-memory state may be partial, so the process must restart and recover.
//
// Concurrency: one loop; operations are serialized by an AsyncMutex, so readers never
// see half of a write set. Write sets apply in LSN order.
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
#include "engine/env/async_mutex.h"
#include "engine/env/env.h"
#include "engine/storage/btree.h"
#include "engine/storage/buffer_pool.h"
#include "engine/storage/meta.h"
#include "engine/storage/page_file.h"
#include "engine/storage/write_set.h"
#include "engine/wal/wal.h"

namespace quanta::storage {

class StoreSnapshot;

inline constexpr char kPagesFile[] = "pages";  // the data file, in the store's directory

struct StoreOptions {
  StoreOptions() {}
  std::string dir = "data";
  uint64_t buffer_pool_bytes = 64u << 20;   // `storage.buffer_pool_size`
  uint64_t wal_segment_bytes = 16u << 20;   // `storage.wal_segment_size`
  bool wal_data_sync = true;                // `wal.sync_method`: fdatasync (true) or fsync
  // Commits are refused (kResourceExhausted, nothing logged) while the WAL written
  // since the last checkpoint exceeds this: a stuck checkpointer must not fill the disk
  // unnoticed.
  uint64_t wal_cap_bytes = 4ull << 30;
  // CheckpointLoop spreads a checkpoint's writes over this fraction of the interval
  // (and of the WAL volume that triggers one): `storage.checkpoint_completion_target`.
  double checkpoint_completion_target = 0.9;
  // Recovery replays the WAL after the checkpoint in chunks of about this many bytes
  // (gathered, applied, resumed): its memory is bounded whatever the WAL volume.
  uint64_t redo_chunk_bytes = 8u << 20;
};

struct StoreStats {
  uint64_t commits = 0;
  uint64_t checkpoints = 0;
  uint64_t replayed_records = 0;  // at the last open
  uint64_t bulk_loads = 0;        // write sets applied by a bottom-up build
};

class Store {
 public:
  static Task<absl::StatusOr<std::unique_ptr<Store>>> Open(Env& env, StoreOptions options);
  ~Store();

  // Makes `ws` durable and applies it; returns its LSN. `on_lsn`, if set, learns the
  // LSN as soon as it is assigned (before durability). Errors: kInvalidArgument (bad
  // write set, nothing logged), or the WAL's or the store's error (restart required).
  Task<absl::StatusOr<Lsn>> Commit(WriteSet ws, std::function<void(Lsn)> on_lsn = nullptr);
  // Creates tree `tree` holding `rows` (strictly ascending keys): one durable write
  // set, applied by a bottom-up build (pages ~90% full, each written once). A load
  // larger than one write set continues with Commit() of ascending chunks: appends at
  // the right edge split keeping the left page full, so pages still fill.
  // Errors: kFailedPrecondition if the tree exists; kInvalidArgument for unordered
  // rows or more than one WAL record holds (64 MiB); as Commit otherwise.
  Task<absl::StatusOr<Lsn>> BulkLoad(TreeId tree, std::vector<KeyValue> rows);
  Task<absl::StatusOr<std::optional<std::string>>> Get(TreeId tree, std::string key);
  // The entries of `range`, copied out of ScanInto's batch.
  Task<absl::StatusOr<std::vector<KeyValue>>> Scan(TreeId tree, ScanRange range);
  // Scan into a reusable batch (cleared first): no per-entry allocation once the batch
  // has grown to the scans' size.
  Task<absl::Status> ScanInto(TreeId tree, ScanRange range, ScanBatch* out);
  // Takes a checkpoint (one at a time; a second caller waits). Page writes are paced
  // to finish `spread` after the start, but never behind the WAL: once the WAL has
  // grown by `wal_budget` bytes (0: no bound) they must be done. Zero spread: as fast
  // as possible. Commits and reads proceed meanwhile.
  Task<absl::Status> Checkpoint(absl::Duration spread = absl::ZeroDuration(), uint64_t wal_budget = 0);
  // Checkpoints whenever `interval` has passed or the WAL grew by `wal_bytes` since the
  // last checkpoint (`storage.checkpoint_interval`), paced by
  // checkpoint_completion_target, until the store fails; returns the failure. Spawn it
  // once after Open.
  Task<absl::Status> CheckpointLoop(absl::Duration interval, uint64_t wal_bytes);

  // A consistent snapshot: the last durable checkpoint (its pages stay intact) and
  // the WAL after it (kept), until the snapshot is destroyed (snapshot.h). Commits and
  // checkpoints go on meanwhile. REQUIRES: destroyed before the store.
  std::unique_ptr<StoreSnapshot> TakeSnapshot();

  // Keeps WAL segments holding LSNs >= `lsn` even after checkpoints (a replica or a
  // backup still needs them). 0 (the default) releases the pin.
  void SetWalRetention(Lsn lsn) { wal_retention_lsn_ = lsn; }
  // WAL bytes written since the last checkpoint (what the cap limits).
  uint64_t wal_bytes_since_checkpoint() const { return wal_->stats().bytes - wal_bytes_at_checkpoint_; }

  std::vector<TreeId> trees() const;
  Lsn applied_lsn() const { return applied_lsn_; }
  Lsn checkpoint_lsn() const { return durable_meta_.checkpoint_lsn; }
  // Pages of the data file (beyond the meta slots, allocated or free) and free ones.
  uint64_t file_pages() const { return allocator_.next_page(); }
  uint64_t free_pages() const { return allocator_.free_pages(); }
  Lsn durable_lsn() const { return wal_->durable_lsn(); }
  absl::Status status() const { return error_; }
  // Damage found and worked around at open (for the operator's log): a rejected meta
  // slot, or a log cut short before the checkpoint. OK if none.
  absl::Status meta_damage() const { return meta_damage_; }
  absl::Status wal_damage() const { return wal_damage_; }
  const BufferPoolStats& pool_stats() const { return pool_->stats(); }
  const StoreStats& stats() const { return stats_; }
  const wal::WalStats& wal_stats() const { return wal_->stats(); }

 private:
  friend class StoreSnapshot;
  Store(Env& env, StoreOptions options, std::unique_ptr<PageFile> file);
  void ReleaseSnapshot(Lsn wal_pin);
  Task<absl::Status> Recover();
  // Applies the WAL after applied_lsn_; returns where the log ends (for the writer).
  Task<absl::StatusOr<wal::WalPosition>> Redo();
  Task<absl::StatusOr<Meta>> ReadMeta();
  Task<absl::StatusOr<std::vector<PageId>>> ReadFreeList(const Meta& meta);
  Task<absl::Status> LoadFreeList(const Meta& meta);
  Task<absl::Status> Apply(Lsn lsn, const WriteSet& ws);
  // A checkpoint frozen at the applied LSN, still to be written and published.
  struct FrozenCheckpoint {
    FrozenCheckpoint() {}  // not an aggregate: see engine/env/README.md (GCC 12)
    Meta meta;
    std::vector<PageId> pages;          // dirty at the freeze, ascending
    std::vector<PageBuffer> freelist;   // sealed free-list pages
    uint64_t wal_bytes = 0;             // WAL bytes written at the freeze
  };
  FrozenCheckpoint Freeze();  // REQUIRES: mutex_ held, no checkpoint in flight
  Task<absl::Status> WriteFrozenPages(const std::vector<PageId>& pages, absl::Duration spread, uint64_t wal_budget);
  Task<void> Pace(double done, absl::Duration start, absl::Duration spread, uint64_t wal_start, uint64_t wal_budget);
  Task<absl::Status> Publish(const FrozenCheckpoint& frozen);
  absl::Status Validate(const WriteSet& ws) const;
  absl::Status Poison(absl::Status status);
  wal::WalOptions WalOptionsFor() const;

  Env& env_;
  StoreOptions options_;
  std::unique_ptr<PageFile> file_;
  PageAllocator allocator_;
  std::unique_ptr<BufferPool> pool_;
  std::unique_ptr<BTree> btree_;
  std::unique_ptr<wal::WalWriter> wal_;
  AsyncMutex mutex_;             // serializes operations on the trees and the pool
  AsyncMutex checkpoint_mutex_;  // one checkpoint at a time
  absl::btree_map<TreeId, PageRef> roots_;
  Lsn applied_lsn_ = 0;
  uint64_t wal_bytes_at_checkpoint_ = 0;
  Lsn wal_retention_lsn_ = 0;
  absl::btree_multiset<Lsn> wal_pins_;  // snapshots': first LSN each still needs
  Meta durable_meta_;                   // the last durable checkpoint (seq, LSN, free list)
  absl::Status error_;
  absl::Status meta_damage_;  // why the other meta slot was rejected at open
  absl::Status wal_damage_;   // the log ended before the checkpoint at open
  StoreStats stats_;
};

}  // namespace quanta::storage
