#include "engine/storage/snapshot.h"

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "engine/storage/page_file.h"
#include "engine/storage/store.h"

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
  CO_ASSIGN_OR_RETURN(std::vector<PageId> free_list, co_await snapshot.FreePages());
  const absl::btree_set<PageId> free(free_list.begin(), free_list.end());
  PageBuffer page;
  for (PageId id = kFirstDataPage; id < snapshot.meta().next_page; ++id) {
    if (free.contains(id)) continue;
    CO_RETURN_IF_ERROR(co_await snapshot.ReadPage(id, page.data()));
    CO_RETURN_IF_ERROR(co_await writer->AddPage(id, page.data()));
  }
  const absl::Status finished = co_await writer->Finish();
  co_return finished;
}

}  // namespace quanta::storage
