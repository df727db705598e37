// Store checkpoints: freeze, paced write-out, publish (see store.h).
//
// Only the freeze holds the store mutex for long enough to matter, and it does no I/O:
// it ends the allocator's epoch (the frozen trees become immutable: later writes copy
// on write), takes the pool's dirty set and the roots, and encodes the free list. The
// frozen pages are then copied out in small batches under the mutex and written
// without it, paced; commits and reads go on meanwhile. Publishing syncs the pages,
// writes the meta slot the checkpoint owns and syncs again; only then do the pages the
// previous checkpoint still needed become free.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/planted.h"
#include "engine/env/status.h"
#include "engine/storage/store.h"

namespace quanta::storage {
namespace {
constexpr size_t kCheckpointBatchPages = 32;  // 256 KiB per mutex hold
// Sleeps while ahead of schedule are clamped: at least 1 ms (rounding must not leave
// a zero sleep that spins), at most 100 ms (the WAL may speed the schedule up).
constexpr absl::Duration kMinPaceSleep = absl::Milliseconds(1);
constexpr absl::Duration kMaxPaceSleep = absl::Milliseconds(100);
}  // namespace

Store::FrozenCheckpoint Store::Freeze() {
  QUANTA_ASSERT(mutex_.locked());
  // The previous free list's pages belong to the durable checkpoint: pending.
  for (uint32_t i = 0; i < durable_meta_.freelist_pages; ++i) allocator_.Free(durable_meta_.freelist_first + i);
  // The new free list's pages belong to this checkpoint, so they are allocated in the
  // epoch being frozen.
  const uint32_t pages = FreeListPages(allocator_.checkpoint_free_count());
  const PageId first = pages > 0 ? allocator_.AllocateRun(pages) : 0;
  const std::vector<PageId> free = allocator_.FreezeEpoch();
  QUANTA_ASSERT(FreeListPages(free.size()) == pages);

  FrozenCheckpoint frozen;
  frozen.pages = pool_->FreezeDirty();
  frozen.freelist = EncodeFreeList(free, first);
  frozen.wal_bytes = wal_->stats().bytes;
  frozen.meta.seq = durable_meta_.seq + 1;
  frozen.meta.checkpoint_lsn = applied_lsn_;
  frozen.meta.next_page = allocator_.next_page();
  frozen.meta.freelist_first = first;
  frozen.meta.freelist_pages = pages;
  frozen.meta.freelist_checksum = FreeListChecksum(frozen.freelist);
  frozen.meta.freelist_entries = free.size();
  frozen.meta.roots = roots_;
  return frozen;
}

Task<void> Store::Pace(double done, absl::Duration start, absl::Duration spread, uint64_t wal_start,
                       uint64_t wal_budget) {
  if (spread <= absl::ZeroDuration()) co_return;
  for (;;) {
    double due = absl::FDivDuration(env_.MonotonicNow() - start, spread);
    if (wal_budget > 0) {
      due = std::max(due, static_cast<double>(wal_->stats().bytes - wal_start) / static_cast<double>(wal_budget));
    }
    if (done <= due || !error_.ok()) co_return;
    co_await env_.Sleep(std::clamp(spread * (done - due), kMinPaceSleep, kMaxPaceSleep));
  }
}

Task<absl::Status> Store::WriteFrozenPages(const std::vector<PageId>& pages, absl::Duration spread,
                                           uint64_t wal_budget) {
  const absl::Duration start = env_.MonotonicNow();
  const uint64_t wal_start = wal_->stats().bytes;
  std::vector<PageBuffer> buffers(std::min(pages.size(), kCheckpointBatchPages));
  std::vector<PageId> copied;
  for (size_t begin = 0; begin < pages.size(); begin += kCheckpointBatchPages) {
    const size_t end = std::min(pages.size(), begin + kCheckpointBatchPages);
    copied.clear();
    {
      co_await mutex_.Lock();
      AsyncMutex::Held held(mutex_);
      if (!error_.ok()) co_return error_;
      for (size_t i = begin; i < end; ++i) {
        if (pool_->CopyFrozen(pages[i], buffers[copied.size()].data())) copied.push_back(pages[i]);
      }
    }
    for (size_t i = 0; i < copied.size(); ++i) CO_RETURN_IF_ERROR(co_await file_->Write(copied[i], buffers[i].data()));
    {
      co_await mutex_.Lock();
      AsyncMutex::Held held(mutex_);
      for (PageId id : copied) pool_->MarkFrozenWritten(id);
    }
    co_await Pace(static_cast<double>(end) / static_cast<double>(pages.size()), start, spread, wal_start, wal_budget);
  }
  // Every frozen page is now written, by this loop or by an eviction that finished
  // under the mutex before the loop's last batch took it.
  QUANTA_ASSERT(pool_->frozen() == 0);
  co_return absl::OkStatus();
}

Task<absl::Status> Store::Publish(const FrozenCheckpoint& frozen) {
  for (const PageBuffer& page : frozen.freelist) {
    CO_RETURN_IF_ERROR(co_await file_->Write(ReadPageHeader(page.data()).page_id, page.data()));
  }
  const bool meta_first = PlantedActive(PlantedBug::kStorageMetaBeforeSync);
  if (!meta_first) CO_RETURN_IF_ERROR(co_await file_->Sync());  // pages before the meta
  PageBuffer page;
  const PageId slot = frozen.meta.seq % 2;
  EncodeMeta(frozen.meta, slot, page.data());
  CO_RETURN_IF_ERROR(co_await file_->Write(slot, page.data()));
  CO_RETURN_IF_ERROR(co_await file_->Sync());
  allocator_.CommitEpoch();
  durable_meta_ = frozen.meta;
  wal_bytes_at_checkpoint_ = frozen.wal_bytes;
  ++stats_.checkpoints;
  co_return absl::OkStatus();
}

Task<absl::Status> Store::Checkpoint(absl::Duration spread, uint64_t wal_budget) {
  co_await checkpoint_mutex_.Lock();
  AsyncMutex::Held one_at_a_time(checkpoint_mutex_);
  FrozenCheckpoint frozen;
  {
    co_await mutex_.Lock();
    AsyncMutex::Held held(mutex_);
    if (!error_.ok()) co_return error_;
    frozen = Freeze();
  }
  absl::Status status = co_await WriteFrozenPages(frozen.pages, spread, wal_budget);
  if (status.ok()) status = co_await Publish(frozen);
  if (!status.ok()) co_return Poison(status);
  // Segments before the checkpoint are no longer needed for recovery.
  Lsn keep_from = durable_meta_.checkpoint_lsn + 1;
  if (wal_retention_lsn_ != 0) keep_from = std::min(keep_from, wal_retention_lsn_);
  if (!wal_pins_.empty()) keep_from = std::min(keep_from, *wal_pins_.begin());
  absl::Status trimmed = co_await wal::RemoveSegmentsBefore(env_, WalOptionsFor(), keep_from);
  co_return trimmed;
}

Task<absl::Status> Store::CheckpointLoop(absl::Duration interval, uint64_t wal_bytes) {
  const absl::Duration poll = std::min(interval, absl::Seconds(1));
  const double target = options_.checkpoint_completion_target;
  absl::Duration last = env_.MonotonicNow();
  for (;;) {
    const absl::Duration until_due = last + interval - env_.MonotonicNow();
    co_await env_.Sleep(std::clamp(until_due, absl::ZeroDuration(), poll));
    if (!error_.ok()) co_return error_;
    const bool due = env_.MonotonicNow() - last >= interval;
    const bool wal_full = wal_bytes_since_checkpoint() >= wal_bytes;
    if (!due && !wal_full) continue;
    last = env_.MonotonicNow();  // intervals run start to start, as in PostgreSQL
    CO_RETURN_IF_ERROR(co_await Checkpoint(interval * target, static_cast<uint64_t>(wal_bytes * target)));
  }
}

}  // namespace quanta::storage
