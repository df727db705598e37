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
  // The checkpoint's free list: pages below next_page it does not use. Errors: kDataLoss.
  Task<absl::StatusOr<std::vector<PageId>>> FreePages();
  // Calls `apply` for every WAL record after the checkpoint up to lsn(), in order.
  // Errors: kDataLoss if one is missing or damaged.
  Task<absl::Status> ReadWal(absl::FunctionRef<absl::Status(const wal::WalRecord&)> apply);

 private:
  Store* store_;
  Meta meta_;
  Lsn lsn_;
};

// Writes a store directory at `dir` (which must not hold a store) from `snapshot`: its
// WAL records first, then the live pages and meta under a temporary name, renamed into
// place once synced (a copy cut short never opens as a store). The new store recovers
// to snapshot.lsn().
Task<absl::Status> CopySnapshot(Env& env, StoreSnapshot& snapshot, std::string dir);

}  // namespace quanta::storage
