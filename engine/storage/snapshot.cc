#include "engine/storage/snapshot.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"
#include "engine/env/status.h"
#include "engine/storage/node.h"
#include "engine/storage/page_file.h"
#include "engine/storage/store.h"
#include "engine/util/crc32c.h"

namespace quanta::storage {

StoreSnapshot::StoreSnapshot(Store* store, Meta meta, Lsn lsn) : store_(store), meta_(std::move(meta)), lsn_(lsn) {
  QUANTA_ASSERT(lsn_ >= meta_.checkpoint_lsn);
}

StoreSnapshot::~StoreSnapshot() { store_->ReleaseSnapshot(meta_.checkpoint_lsn + 1); }

Task<absl::Status> StoreSnapshot::ReadPage(PageId id, char* out) {
  QUANTA_ASSERT(id < meta_.next_page);
  absl::Status read = co_await store_->file_->Read(id, out);
  co_return read;
}

Task<absl::Status> StoreSnapshot::ReadPage(const PageRef& ref, char* out) {
  QUANTA_ASSERT(ref.id < meta_.next_page);
  absl::Status read = co_await store_->file_->Read(ref, out);
  co_return read;
}

Task<absl::StatusOr<std::vector<PageId>>> StoreSnapshot::FreePages() {
  auto free = co_await store_->ReadFreeList(meta_);
  co_return free;
}

Task<absl::Status> StoreSnapshot::ReadWal(absl::FunctionRef<absl::Status(const wal::WalRecord&)> apply, Lsn from) {
  if (from == 0) from = meta_.checkpoint_lsn + 1;
  QUANTA_ASSERT(from > meta_.checkpoint_lsn);
  if (from > lsn_) co_return absl::OkStatus();
  Lsn last = from - 1;
  bool past_end = false;  // stopped at the first record after the snapshot
  auto position = co_await wal::ReplayWal(store_->env_, store_->WalOptionsFor(), from,
                                          [&](const wal::WalRecord& record) {
                                            if (record.lsn > lsn_) {
                                              past_end = true;
                                              return wal::ReplayPaused();
                                            }
                                            last = record.lsn;
                                            return apply(record);
                                          });
  if (!past_end) CO_RETURN_IF_ERROR(position.status());
  if (last != lsn_) {
    co_return absl::DataLossError(absl::StrCat("the WAL of the snapshot at LSN ", lsn_, " ends at LSN ", last));
  }
  co_return absl::OkStatus();
}

SnapshotPages::SnapshotPages(StoreSnapshot& snapshot) : snapshot_(snapshot) {
  const Meta& meta = snapshot.meta();
  for (auto it = meta.roots.rbegin(); it != meta.roots.rend(); ++it) nodes_.push_back(it->second);
  QUANTA_ASSERT(meta.freelist_entries <= meta.next_page - kFirstDataPage);
  pages_left_ = meta.next_page - kFirstDataPage - meta.freelist_entries;
}

Task<absl::StatusOr<bool>> SnapshotPages::Next(PageId* id, char* out) {
  for (;;) {
    if (!ready_.empty()) {
      *id = ready_.back().first;
      std::memcpy(out, ready_.back().second.data(), kPageBytes);
      ready_.pop_back();
      break;
    }
    if (!nodes_.empty()) {
      const PageRef ref = nodes_.back();
      nodes_.pop_back();
      if (ref.id >= snapshot_.meta().next_page) {  // (a node's own checks bound ids below, not above)
        co_return absl::DataLossError(absl::StrCat("a node of the checkpoint at LSN ", snapshot_.checkpoint_lsn(),
                                                   " points at page ", ref.id, ", past its end"));
      }
      CO_RETURN_IF_ERROR(co_await snapshot_.ReadPage(ref, out));
      CO_RETURN_IF_ERROR(ValidateNode(out));
      const NodeView view(out);
      if (!view.leaf()) nodes_.push_back(view.right_child());
      for (size_t k = 0; k < view.count(); ++k) {
        const size_t i = view.count() - 1 - k;  // depth first, left to right
        if (!view.leaf()) {
          nodes_.push_back(view.child(i));
        } else if (view.overflow(i)) {
          overflows_.emplace_back(view.value(i));
        }
      }
      *id = ref.id;
      break;
    }
    if (!overflows_.empty()) {
      const OverflowRef ref = DecodeOverflowRef(overflows_.back());
      overflows_.pop_back();
      CO_RETURN_IF_ERROR(co_await ReadOverflowRun(ref));
      continue;
    }
    if (!free_list_read_) {
      free_list_read_ = true;
      CO_RETURN_IF_ERROR(co_await ReadFreeList());
      continue;
    }
    co_return false;
  }
  if (pages_left_ == 0) {
    co_return absl::DataLossError(absl::StrCat("the checkpoint at LSN ", snapshot_.checkpoint_lsn(),
                                               " reaches more pages than it uses (page ", *id, " is one too many)"));
  }
  --pages_left_;
  co_return true;
}

Task<absl::Status> SnapshotPages::ReadOverflowRun(const OverflowRef& ref) {
  std::vector<std::pair<PageId, PageBuffer>> run(ref.pages);
  uint32_t crc = 0;
  uint64_t bytes = 0;
  for (uint32_t i = 0; i < ref.pages; ++i) {
    run[i].first = ref.first + i;
    char* page = run[i].second.data();
    if (run[i].first >= snapshot_.meta().next_page) {
      co_return absl::DataLossError(absl::StrCat("overflow run at page ", ref.first, " runs past the checkpoint"));
    }
    CO_RETURN_IF_ERROR(co_await snapshot_.ReadPage(run[i].first, page));
    const uint32_t n = GetU32(page + kPageHeaderBytes);
    if (ReadPageHeader(page).type != PageType::kOverflow || n > kPageBytes - kPageHeaderBytes - 4) {
      co_return absl::DataLossError(absl::StrCat("page ", run[i].first, ": malformed overflow page"));
    }
    crc = crc32c::Extend(crc, page + kPageHeaderBytes + 4, n);
    bytes += n;
  }
  if (bytes != ref.bytes || crc != ref.crc) {
    COVERAGE_MARK(kStorageOverflowVersionMismatch);
    co_return absl::DataLossError(absl::StrCat("overflow value at page ", ref.first, " is not the value its "
                                               "reference expects: a lost or misdirected write"));
  }
  ready_.insert(ready_.end(), std::make_move_iterator(run.rbegin()), std::make_move_iterator(run.rend()));
  co_return absl::OkStatus();
}

Task<absl::Status> SnapshotPages::ReadFreeList() {
  // FreePages() checks the free list against the meta's checksum; its pages come too.
  CO_RETURN_IF_ERROR((co_await snapshot_.FreePages()).status());
  const Meta& meta = snapshot_.meta();
  for (uint32_t k = 0; k < meta.freelist_pages; ++k) {
    const PageId id = meta.freelist_first + meta.freelist_pages - 1 - k;
    ready_.emplace_back(id, PageBuffer());
    CO_RETURN_IF_ERROR(co_await snapshot_.ReadPage(id, ready_.back().second.data()));
  }
  co_return absl::OkStatus();
}

SnapshotWriter::SnapshotWriter(Env& env, std::string dir, Meta meta, Lsn lsn)
    : env_(env), dir_(std::move(dir)), meta_(std::move(meta)), lsn_(lsn), next_lsn_(meta_.checkpoint_lsn + 1) {}

SnapshotWriter::~SnapshotWriter() = default;

Task<absl::StatusOr<std::unique_ptr<SnapshotWriter>>> SnapshotWriter::Create(Env& env, std::string dir, Meta meta,
                                                                             Lsn lsn) {
  if (lsn < meta.checkpoint_lsn) {
    co_return absl::InvalidArgumentError(
        absl::StrCat("snapshot LSN ", lsn, " is before its checkpoint's LSN ", meta.checkpoint_lsn));
  }
  CO_RETURN_IF_ERROR(co_await env.CreateDir(dir));
  CO_ASSIGN_OR_RETURN(std::vector<std::string> existing, co_await env.List(dir));
  if (!existing.empty()) {
    co_return absl::FailedPreconditionError(absl::StrCat("cannot build a snapshot in ", dir, ": it is not empty"));
  }
  std::unique_ptr<SnapshotWriter> w(new SnapshotWriter(env, dir, std::move(meta), lsn));
  wal::WalOptions options;
  options.dir = absl::StrCat(dir, "/wal");
  wal::WalPosition start;
  start.next_lsn = w->next_lsn_;
  CO_ASSIGN_OR_RETURN(w->wal_, co_await wal::WalWriter::Open(env, options, start));
  CO_ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                      co_await env.Open(absl::StrCat(dir, "/", kPagesFile, ".tmp"), OpenOptions{.create = true, .truncate = true}));
  w->pages_ = std::make_unique<PageFile>(std::move(file));
  PageBuffer page;
  const PageId slot = w->meta_.seq % 2;
  EncodeMeta(w->meta_, slot, page.data());
  CO_RETURN_IF_ERROR(co_await w->pages_->Write(slot, page.data()));
  EncodeMeta(Meta(), 1 - slot, page.data());  // an older, empty checkpoint: both slots valid
  CO_RETURN_IF_ERROR(co_await w->pages_->Write(1 - slot, page.data()));
  co_return w;
}

Task<absl::Status> SnapshotWriter::AddPage(PageId id, const char* page) {
  if (id < kFirstDataPage || id >= meta_.next_page) {
    co_return absl::InvalidArgumentError(absl::StrCat("page ", id, " is outside the snapshot's checkpoint (",
                                                      kFirstDataPage, "..", meta_.next_page, ")"));
  }
  CO_RETURN_IF_ERROR(VerifyPage(page, id));
  const absl::Status written = co_await pages_->Write(id, page);
  co_return written;
}

absl::Status SnapshotWriter::AddWalRecord(const wal::WalRecord& record) {
  RETURN_IF_ERROR(wal_->status());
  if (record.lsn != next_lsn_ || record.lsn > lsn_) {
    return absl::InvalidArgumentError(absl::StrCat("snapshot WAL record ", record.lsn, " out of order: expected ",
                                                   next_lsn_, " (snapshot ends at ", lsn_, ")"));
  }
  // Records go straight to the writer, whose flushes run while more arrive: memory
  // stays near one flush, not the whole WAL after the checkpoint.
  const Lsn lsn = wal_->Append(record.type, record.payload, record.term);
  QUANTA_ASSERT(lsn == record.lsn);
  ++next_lsn_;
  return absl::OkStatus();
}

Task<absl::Status> SnapshotWriter::Finish() {
  if (next_lsn_ != lsn_ + 1) {
    co_return absl::DataLossError(absl::StrCat("the snapshot's WAL ends at LSN ", next_lsn_ - 1, ", not ", lsn_));
  }
  if (lsn_ > meta_.checkpoint_lsn) CO_RETURN_IF_ERROR(co_await wal_->WaitDurable(lsn_));
  CO_RETURN_IF_ERROR(co_await pages_->Sync());
  CO_RETURN_IF_ERROR(co_await env_.Rename(absl::StrCat(dir_, "/", kPagesFile, ".tmp"), absl::StrCat(dir_, "/", kPagesFile)));
  CO_RETURN_IF_ERROR(co_await env_.SyncDir(dir_));
  co_return absl::OkStatus();
}

Task<absl::Status> CopySnapshot(Env& env, StoreSnapshot& snapshot, std::string dir) {
  CO_ASSIGN_OR_RETURN(std::unique_ptr<SnapshotWriter> writer,
                      co_await SnapshotWriter::Create(env, std::move(dir), snapshot.meta(), snapshot.lsn()));
  CO_RETURN_IF_ERROR(co_await snapshot.ReadWal([&writer](const wal::WalRecord& r) { return writer->AddWalRecord(r); }));
  SnapshotPages pages(snapshot);
  PageBuffer page;
  PageId id = 0;
  for (;;) {
    CO_ASSIGN_OR_RETURN(const bool more, co_await pages.Next(&id, page.data()));
    if (!more) break;
    CO_RETURN_IF_ERROR(co_await writer->AddPage(id, page.data()));
  }
  const absl::Status finished = co_await writer->Finish();
  co_return finished;
}

}  // namespace quanta::storage
