// StoreSnapshot: a consistent, stable view of a store for replicas and backups.
//
// It is the store's state as of lsn(), its durable LSN when Store::TakeSnapshot() ran:
// the checkpoint durable then, plus the WAL records after it up to lsn(). While it lives, the store reuses none of that checkpoint's pages (the
// allocator holds them) and trims no WAL segment it needs; commits and checkpoints go
// on. Reading it does not take the store's mutex: the pages are immutable on disk.
//
// CopySnapshot() materializes one as a new store directory (a backup, or the
// bootstrap of a replica): Store::Open on it recovers to the LSN it returns.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "engine/env/env.h"
#include "engine/storage/meta.h"
#include "engine/storage/node.h"
#include "engine/storage/page_file.h"
#include "engine/wal/wal.h"

namespace quanta::storage {

class Store;

class StoreSnapshot {
 public:
  StoreSnapshot(Store* store, Meta meta, Lsn lsn);
  StoreSnapshot(const StoreSnapshot&) = delete;
  StoreSnapshot& operator=(const StoreSnapshot&) = delete;
  ~StoreSnapshot();  // releases the pages and the WAL

  const Meta& meta() const { return meta_; }
  Lsn checkpoint_lsn() const { return meta_.checkpoint_lsn; }
  Lsn lsn() const { return lsn_; }  // the snapshot's state is as of this LSN

  // Reads and verifies page `id` of the checkpoint (0 and 1 are meta slots, whose
  // content may be newer: use meta()). REQUIRES: id < meta().next_page.
  Task<absl::Status> ReadPage(PageId id, char* out);
  // ReadPage, then checks it is the version `ref` names.
  Task<absl::Status> ReadPage(const PageRef& ref, char* out);
  // The checkpoint's free list: pages below next_page it does not use. Errors: kDataLoss.
  Task<absl::StatusOr<std::vector<PageId>>> FreePages();
  // Calls `apply` for every WAL record from `from` (0: the first after the checkpoint)
  // up to lsn(), in order. If `apply` returns wal::ReplayPaused(), so does ReadWal,
  // after that record: resume from the next LSN. Errors: kDataLoss if a record is
  // missing or damaged.
  Task<absl::Status> ReadWal(absl::FunctionRef<absl::Status(const wal::WalRecord&)> apply, Lsn from = 0);

 private:
  Store* store_;
  Meta meta_;
  Lsn lsn_;
};

// Every page a snapshot's checkpoint uses, each checked against what refers to it, so
// a copy never carries a stale or foreign page on: the trees from their roots down
// (each child against its parent's reference, each node's structure), then the
// overflow runs (against their value's CRC32C), then the free list (against the
// meta's checksum). Each page comes once; a checkpoint whose trees reach more pages
// than it uses (a cycle) is kDataLoss.
class SnapshotPages {
 public:
  explicit SnapshotPages(StoreSnapshot& snapshot);
  // The next page into `*id` and `out`; false once every page came. Errors: kDataLoss
  // naming the damage, or I/O.
  Task<absl::StatusOr<bool>> Next(PageId* id, char* out);

 private:
  Task<absl::Status> ReadOverflowRun(const OverflowRef& ref);
  Task<absl::Status> ReadFreeList();

  StoreSnapshot& snapshot_;
  std::vector<PageRef> nodes_;             // tree pages still to read
  std::vector<std::string> overflows_;     // encoded OverflowRefs of runs still to read
  std::vector<std::pair<PageId, PageBuffer>> ready_;  // verified pages (a run, the free list), last first
  bool free_list_read_ = false;
  uint64_t pages_left_ = 0;                // pages the checkpoint uses that have not come yet
};

// Builds a store directory from a snapshot handed over piece by piece: locally
// (CopySnapshot) or streamed from another node (a replica's catch-up). WAL records go
// to `dir`/wal as they come; pages to a temporary data file that Finish() syncs and
// renames into place, so a directory whose build was cut short never opens as a store.
// The new store recovers to `lsn`.
class SnapshotWriter {
 public:
  // Starts the build of a snapshot whose checkpoint is `meta`, up to `lsn`, in `dir`
  // (created; it must be empty). Errors: kFailedPrecondition for a non-empty `dir`,
  // kInvalidArgument for lsn < meta.checkpoint_lsn, or the file system's.
  static Task<absl::StatusOr<std::unique_ptr<SnapshotWriter>>> Create(Env& env, std::string dir, Meta meta, Lsn lsn);
  ~SnapshotWriter();
  // A page the checkpoint uses, verified against its id. Errors: kDataLoss for a
  // damaged or misplaced page, kInvalidArgument for an id outside the checkpoint.
  Task<absl::Status> AddPage(PageId id, const char* page);
  // The next WAL record after the checkpoint (LSNs consecutive, up to lsn). Errors:
  // kInvalidArgument out of order, or the writer's.
  absl::Status AddWalRecord(const wal::WalRecord& record);
  // Checks every WAL record came, makes everything durable and puts the data file in
  // place. Errors: kDataLoss if records are missing, or the file system's.
  Task<absl::Status> Finish();

 private:
  SnapshotWriter(Env& env, std::string dir, Meta meta, Lsn lsn);
  Env& env_;
  std::string dir_;
  Meta meta_;
  Lsn lsn_;
  Lsn next_lsn_;  // the WAL record expected next
  std::unique_ptr<wal::WalWriter> wal_;
  std::unique_ptr<PageFile> pages_;
};

// Writes a store directory at `dir` (which must not hold a store) from `snapshot`
// through a SnapshotWriter. The new store recovers to snapshot.lsn().
Task<absl::Status> CopySnapshot(Env& env, StoreSnapshot& snapshot, std::string dir);

}  // namespace quanta::storage
