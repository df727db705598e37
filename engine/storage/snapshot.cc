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

Task<absl::Status> StoreSnapshot::ReadWal(absl::FunctionRef<absl::Status(const wal::WalRecord&)> apply) {
  Lsn last = meta_.checkpoint_lsn;
  auto position = co_await wal::ReplayWal(store_->env_, store_->WalOptionsFor(), meta_.checkpoint_lsn + 1,
                                          [&](const wal::WalRecord& record) {
                                            if (record.lsn > lsn_) return absl::OkStatus();
                                            last = record.lsn;
                                            return apply(record);
                                          });
  CO_RETURN_IF_ERROR(position.status());
  if (last != lsn_) {
    co_return absl::DataLossError(absl::StrCat("the WAL of the snapshot at LSN ", lsn_, " ends at LSN ", last));
  }
  co_return absl::OkStatus();
}

namespace {

// The WAL records after the checkpoint, into `dir`/wal starting at the LSN after it.
Task<absl::Status> CopyWal(Env& env, StoreSnapshot& snapshot, const std::string& dir) {
  wal::WalOptions options;
  options.dir = absl::StrCat(dir, "/wal");
  wal::WalPosition start;
  start.next_lsn = snapshot.checkpoint_lsn() + 1;
  CO_ASSIGN_OR_RETURN(std::unique_ptr<wal::WalWriter> writer, co_await wal::WalWriter::Open(env, options, start));
  // Records go straight to the writer, whose flushes run while the next segment is
  // read: memory stays near one segment, not the whole WAL after the checkpoint.
  CO_RETURN_IF_ERROR(co_await snapshot.ReadWal([&writer](const wal::WalRecord& record) {
    if (absl::Status s = writer->status(); !s.ok()) return s;
    const Lsn lsn = writer->Append(record.type, record.payload, record.term);
    QUANTA_ASSERT(lsn == record.lsn);
    return absl::OkStatus();
  }));
  if (snapshot.lsn() > snapshot.checkpoint_lsn()) CO_RETURN_IF_ERROR(co_await writer->WaitDurable(snapshot.lsn()));
  co_return absl::OkStatus();
}

// The meta slots and every page the checkpoint uses, into a new data file.
Task<absl::Status> CopyPages(Env& env, StoreSnapshot& snapshot, const std::string& dir) {
  CO_ASSIGN_OR_RETURN(std::vector<PageId> free_list, co_await snapshot.FreePages());
  const absl::btree_set<PageId> free(free_list.begin(), free_list.end());
  const std::string tmp = absl::StrCat(dir, "/", kPagesFile, ".tmp");
  CO_ASSIGN_OR_RETURN(std::unique_ptr<File> opened, co_await env.Open(tmp, OpenOptions{.create = true, .truncate = true}));
  PageFile file(std::move(opened));
  PageBuffer page;
  const Meta& meta = snapshot.meta();
  const PageId slot = meta.seq % 2;
  EncodeMeta(meta, slot, page.data());
  CO_RETURN_IF_ERROR(co_await file.Write(slot, page.data()));
  EncodeMeta(Meta(), 1 - slot, page.data());  // an older, empty checkpoint: both slots valid
  CO_RETURN_IF_ERROR(co_await file.Write(1 - slot, page.data()));
  for (PageId id = kFirstDataPage; id < meta.next_page; ++id) {
    if (free.contains(id)) continue;
    CO_RETURN_IF_ERROR(co_await snapshot.ReadPage(id, page.data()));
    CO_RETURN_IF_ERROR(co_await file.Write(id, page.data()));
  }
  CO_RETURN_IF_ERROR(co_await file.Sync());
  CO_RETURN_IF_ERROR(co_await env.Rename(tmp, absl::StrCat(dir, "/", kPagesFile)));
  CO_RETURN_IF_ERROR(co_await env.SyncDir(dir));
  co_return absl::OkStatus();
}

}  // namespace

Task<absl::Status> CopySnapshot(Env& env, StoreSnapshot& snapshot, std::string dir) {
  CO_RETURN_IF_ERROR(co_await env.CreateDir(dir));
  auto existing = co_await env.List(dir);
  CO_RETURN_IF_ERROR(existing.status());
  if (!existing->empty()) {
    co_return absl::FailedPreconditionError(absl::StrCat("cannot copy a snapshot into ", dir, ": it is not empty"));
  }
  CO_RETURN_IF_ERROR(co_await CopyWal(env, snapshot, dir));
  CO_RETURN_IF_ERROR(co_await CopyPages(env, snapshot, dir));
  co_return absl::OkStatus();
}

}  // namespace quanta::storage
