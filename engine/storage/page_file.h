// PageFile: page-granular I/O on the data file; PageAllocator: which pages are free.
//
// Shadow paging. A checkpoint's pages are never overwritten while it is the latest
// durable one: a page changed after a checkpoint is first copied to a *fresh* page
// (allocated in the current epoch). An epoch ends when a checkpoint freezes the trees;
// that checkpoint is then written while the next epoch's changes go on. Sets:
//   free      reusable now (unreferenced by the durable checkpoint, the one in flight
//             and the live trees)
//   pending   freed this epoch but referenced by a checkpoint (durable or in flight):
//             reusable once the checkpoint that ends this epoch is durable
//   retiring  the pending set of the epoch whose checkpoint is in flight: free as soon
//             as that checkpoint's meta page is durable (CommitEpoch)
//   fresh     allocated this epoch (may be overwritten freely)
//   held      would be free, but a snapshot holds the checkpoint that was durable when
//             it was taken: its pages stay intact until every hold is released
// A crash returns to the last durable checkpoint, whose free list (persisted with it)
// is exact for that tree, so pages written after it are simply free again.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/btree_set.h"
#include "engine/env/env.h"
#include "engine/storage/page.h"

namespace quanta::storage {

class PageFile {
 public:
  explicit PageFile(std::unique_ptr<File> file) : file_(std::move(file)) {}

  // Reads and verifies page `id` into `out` (a failed checksum is reread once, so a
  // transient bit flip is not mistaken for corruption). Errors: kDataLoss, I/O.
  Task<absl::Status> Read(PageId id, char* out);
  // Read, then checks the page is the version `ref` names (VerifyPageRef).
  Task<absl::Status> Read(const PageRef& ref, char* out);
  // Writes a sealed page at its location. REQUIRES: the page is sealed (asserted).
  Task<absl::Status> Write(PageId id, const char* page);
  Task<absl::Status> Sync();
  Task<absl::StatusOr<uint64_t>> SizeBytes();

  uint64_t reads() const { return reads_; }
  uint64_t writes() const { return writes_; }

 private:
  std::unique_ptr<File> file_;
  uint64_t reads_ = 0;
  uint64_t writes_ = 0;
};

class PageAllocator {
 public:
  // Starts an epoch from a checkpoint: pages [kFirstDataPage, next) minus `free` are in use.
  void Reset(PageId next, const std::vector<PageId>& free);

  // Returns a page to write: the lowest free page, or a new one at the end.
  PageId Allocate();
  // Returns `n` contiguous new pages at the end of the file (overflow values, free lists).
  PageId AllocateRun(uint32_t n);
  // Releases a page: free at once if fresh, else pending until CommitEpoch().
  void Free(PageId id);
  bool IsFresh(PageId id) const { return fresh_.contains(id); }

  // How many entries FreezeEpoch() would return now (to size the free-list pages,
  // which must be allocated before the freeze: they belong to that checkpoint).
  size_t checkpoint_free_count() const { return free_.size() + pending_.size() + held_.size(); }
  // Ends the epoch for a checkpoint: returns the free list it records (free now or
  // freed this epoch); pending pages start retiring and nothing is fresh any more, so
  // the frozen trees are immutable from here on. REQUIRES: no checkpoint in flight.
  std::vector<PageId> FreezeEpoch();
  // The frozen checkpoint is durable: retiring pages become free (or held).
  void CommitEpoch();
  // Snapshots: while any hold is taken, no page that is unused now or later becomes
  // reusable, so the checkpoint durable at Hold() stays intact on disk.
  void Hold() { ++holds_; }
  void Release();

  PageId next_page() const { return next_; }
  size_t free_pages() const { return free_.size(); }
  size_t pending_pages() const { return pending_.size() + retiring_.size(); }

 private:
  PageId next_ = kFirstDataPage;
  absl::btree_set<PageId> free_;
  absl::btree_set<PageId> pending_;
  absl::btree_set<PageId> retiring_;
  absl::btree_set<PageId> fresh_;
  absl::btree_set<PageId> held_;
  int holds_ = 0;
  bool frozen_ = false;  // a checkpoint is in flight
};

}  // namespace quanta::storage
