#include "engine/storage/store.h"

#include <cstring>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"
#include "engine/env/planted.h"
#include "engine/env/status.h"
#include "engine/storage/snapshot.h"

namespace quanta::storage {
namespace {

// Creates the data file with an initial (empty, sequence 0) meta in both slots, so a
// slot that fails to read is always damage, never "not written yet"; atomically:
// written under a temporary name, synced, then renamed into place.
Task<absl::Status> CreateDataFile(Env& env, const std::string& dir) {
  const std::string tmp = absl::StrCat(dir, "/", kPagesFile, ".tmp");
  CO_ASSIGN_OR_RETURN(std::unique_ptr<File> file, co_await env.Open(tmp, OpenOptions{.create = true, .truncate = true}));
  PageBuffer page;
  for (PageId slot = 0; slot <= 1; ++slot) {
    EncodeMeta(Meta(), slot, page.data());
    CO_RETURN_IF_ERROR(co_await file->Write(slot * kPageBytes, std::string(page.data(), kPageBytes)));
  }
  CO_RETURN_IF_ERROR(co_await file->Sync());
  CO_RETURN_IF_ERROR(co_await env.Rename(tmp, absl::StrCat(dir, "/", kPagesFile)));
  CO_RETURN_IF_ERROR(co_await env.SyncDir(dir));
  co_return absl::OkStatus();
}

}  // namespace

Store::Store(Env& env, StoreOptions options, std::unique_ptr<PageFile> file)
    : env_(env), options_(std::move(options)), file_(std::move(file)), mutex_(env), checkpoint_mutex_(env) {
  const size_t capacity = std::max<uint64_t>(8, options_.buffer_pool_bytes / kPageBytes);
  pool_ = std::make_unique<BufferPool>(*file_, capacity);
  pool_->set_validator([](const char* page) {
    const PageType type = ReadPageHeader(page).type;
    return type == PageType::kLeaf || type == PageType::kInterior ? ValidateNode(page) : absl::OkStatus();
  });
  btree_ = std::make_unique<BTree>(*pool_, *file_, allocator_);
}

Store::~Store() = default;

wal::WalOptions Store::WalOptionsFor() const {
  wal::WalOptions o;
  o.dir = absl::StrCat(options_.dir, "/wal");
  o.segment_bytes = options_.wal_segment_bytes;
  o.data_sync = options_.wal_data_sync;
  return o;
}

Task<absl::StatusOr<std::unique_ptr<Store>>> Store::Open(Env& env, StoreOptions options) {
  CO_RETURN_IF_ERROR(co_await env.CreateDir(options.dir));
  const std::string path = absl::StrCat(options.dir, "/", kPagesFile);
  auto opened = co_await env.Open(path);
  if (absl::IsNotFound(opened.status())) {
    CO_RETURN_IF_ERROR(co_await CreateDataFile(env, options.dir));
    opened = co_await env.Open(path);
  }
  CO_RETURN_IF_ERROR(opened.status());
  auto file = std::make_unique<PageFile>(*std::move(opened));
  std::unique_ptr<Store> store(new Store(env, std::move(options), std::move(file)));
  CO_RETURN_IF_ERROR(co_await store->Recover());
  co_return store;
}

Task<absl::StatusOr<Meta>> Store::ReadMeta() {
  const bool verify = !PlantedActive(PlantedBug::kStorageSkipMetaChecksum);
  std::optional<Meta> best;
  absl::Status last_error;
  PageBuffer page;
  for (PageId slot = 0; slot <= 1; ++slot) {
    absl::Status read = co_await file_->Read(slot, page.data());
    absl::StatusOr<Meta> meta = absl::DataLossError("unread");
    if (read.ok() || !verify) {
      meta = DecodeMeta(page.data(), slot, verify);
    } else {
      meta = read;
    }
    if (!meta.ok()) {
      if (!absl::IsDataLoss(meta.status())) co_return meta.status();  // an I/O error
      COVERAGE_MARK(kStorageMetaSlotDamaged);
      last_error = meta.status();
      continue;
    }
    if (!best.has_value() || meta->seq > best->seq) best = *std::move(meta);
  }
  if (!best.has_value()) {
    co_return absl::DataLossError(absl::StrCat("both meta pages of ", options_.dir, "/", kPagesFile,
                                               " are damaged; last error: ", last_error.message()));
  }
  meta_damage_ = last_error;
  co_return *std::move(best);
}

std::unique_ptr<StoreSnapshot> Store::TakeSnapshot() {
  allocator_.Hold();
  wal_pins_.insert(durable_meta_.checkpoint_lsn + 1);
  return std::make_unique<StoreSnapshot>(this, durable_meta_, std::max(durable_meta_.checkpoint_lsn, durable_lsn()));
}

void Store::ReleaseSnapshot(Lsn wal_pin) {
  allocator_.Release();
  auto pin = wal_pins_.find(wal_pin);
  QUANTA_ASSERT(pin != wal_pins_.end());
  wal_pins_.erase(pin);
}

Task<absl::StatusOr<std::vector<PageId>>> Store::ReadFreeList(const Meta& meta) {
  std::vector<PageId> free;
  PageBuffer page;
  uint32_t checksum = 0;
  for (uint32_t i = 0; i < meta.freelist_pages; ++i) {
    const PageId id = meta.freelist_first + i;
    CO_RETURN_IF_ERROR(co_await file_->Read(id, page.data()));
    CO_RETURN_IF_ERROR(DecodeFreeListPage(page.data(), id, &free));
    checksum = ExtendFreeListChecksum(checksum, page.data());
  }
  if (checksum != meta.freelist_checksum) {
    COVERAGE_MARK(kStorageFreeListVersionMismatch);
    co_return absl::DataLossError(absl::StrCat("the free list at page ", meta.freelist_first, " is intact but not the "
                                               "version the checkpoint recorded: a lost or misdirected write"));
  }
  if (free.size() != meta.freelist_entries) {
    co_return absl::DataLossError(absl::StrCat("free list holds ", free.size(), " pages; meta says ",
                                               meta.freelist_entries));
  }
  for (PageId id : free) {
    if (id < kFirstDataPage || id >= meta.next_page) {
      co_return absl::DataLossError(absl::StrCat("free list names page ", id, " outside the file"));
    }
  }
  co_return free;
}

Task<absl::Status> Store::LoadFreeList(const Meta& meta) {
  CO_ASSIGN_OR_RETURN(std::vector<PageId> free, co_await ReadFreeList(meta));
  allocator_.Reset(meta.next_page, free);
  co_return absl::OkStatus();
}

Task<absl::Status> Store::Recover() {
  CO_ASSIGN_OR_RETURN(Meta meta, co_await ReadMeta());
  CO_RETURN_IF_ERROR(co_await LoadFreeList(meta));
  roots_ = meta.roots;
  durable_meta_ = meta;
  applied_lsn_ = meta.checkpoint_lsn;
  auto position = co_await Redo();
  if (absl::IsFailedPrecondition(position.status())) {
    // The WAL was trimmed past this checkpoint: a newer checkpoint existed and its meta
    // page is now unreadable. The log that would bridge the gap is gone.
    COVERAGE_MARK(kStorageWalBehindCheckpoint);
    co_return absl::DataLossError(absl::StrCat(
        "cannot recover ", options_.dir, ": the newest readable checkpoint is at LSN ", durable_meta_.checkpoint_lsn,
        " but ", position.status().message(),
        meta_damage_.ok() ? "" : absl::StrCat("; the other meta page is damaged: ", meta_damage_.message())));
  }
  CO_RETURN_IF_ERROR(position.status());
  if (position->next_lsn <= durable_meta_.checkpoint_lsn) {
    // The log ends before the checkpoint. Only a disk fault does that (a record is
    // applied, so checkpointed, only once durable), and it hit records the checkpoint
    // already holds; nothing after the checkpoint exists. Recover from the checkpoint
    // and restart the log in a new segment named by the LSN after it: later replays
    // start there and never read the damaged segment, which the next checkpoint trims.
    COVERAGE_MARK(kStorageWalDamageBeforeCheckpoint);
    wal_damage_ = absl::DataLossError(absl::StrCat(
        "the WAL of ", options_.dir, " ends at LSN ", position->next_lsn - 1, " before the checkpoint at LSN ",
        durable_meta_.checkpoint_lsn, " (damaged records the checkpoint holds); the log restarts at LSN ", durable_meta_.checkpoint_lsn + 1));
    wal::WalPosition restart;
    restart.next_lsn = durable_meta_.checkpoint_lsn + 1;
    restart.torn_segment = position->torn_segment;
    *position = restart;
  }
  CO_ASSIGN_OR_RETURN(wal_, co_await wal::WalWriter::Open(env_, WalOptionsFor(), *position));
  QUANTA_ASSERT_MSG(wal_->next_lsn() == applied_lsn_ + 1,
                    absl::StrCat("WAL resumes at LSN ", wal_->next_lsn(), " (segment '", position->segment,
                                 "'), state at ", applied_lsn_, ", checkpoint ", durable_meta_.checkpoint_lsn)
                        .c_str());
  co_return absl::OkStatus();
}

Task<absl::StatusOr<wal::WalPosition>> Store::Redo() {
  const wal::WalOptions wal_options = WalOptionsFor();
  stats_.replayed_records = 0;
  for (;;) {
    std::vector<wal::WalRecord> chunk;
    uint64_t bytes = 0;
    auto position = co_await wal::ReplayWal(env_, wal_options, applied_lsn_ + 1, [&](const wal::WalRecord& record) {
      chunk.push_back(record);
      bytes += record.payload.size();
      return bytes >= options_.redo_chunk_bytes ? wal::ReplayPaused() : absl::OkStatus();
    });
    const bool paused = !position.ok() && wal::IsReplayPaused(position.status());
    if (!position.ok() && !paused) co_return position.status();
    for (const wal::WalRecord& record : chunk) {
      if (record.type == wal::RecordType::kWriteSet) {
        CO_ASSIGN_OR_RETURN(WriteSet ws, DecodeWriteSet(record.payload));
        CO_RETURN_IF_ERROR(co_await Apply(record.lsn, ws));
      } else {
        QUANTA_ASSERT(record.lsn == applied_lsn_ + 1);
        applied_lsn_ = record.lsn;
      }
    }
    stats_.replayed_records += chunk.size();
    if (!paused) co_return position;
  }
}

absl::Status Store::Validate(const WriteSet& ws) const {
  absl::btree_set<TreeId> new_trees;
  for (const WriteOp& op : ws.ops) {
    if (op.key.size() > kMaxKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat("key of ", op.key.size(), " bytes exceeds ", kMaxKeyBytes));
    }
    if (op.value.size() > kMaxValueBytes) {
      return absl::InvalidArgumentError(absl::StrCat("value of ", op.value.size(), " bytes exceeds ", kMaxValueBytes));
    }
    if (op.kind == WriteOp::Kind::kPut && !roots_.contains(op.tree)) new_trees.insert(op.tree);
  }
  if (ws.ops.size() > kMaxWriteSetOps) return absl::InvalidArgumentError("write set has too many operations");
  if (roots_.size() + new_trees.size() > kMaxTrees) {
    return absl::ResourceExhaustedError(absl::StrCat("more than ", kMaxTrees, " trees"));
  }
  return absl::OkStatus();
}

absl::Status Store::Poison(absl::Status status) {
  QUANTA_ASSERT(!status.ok());
  if (error_.ok()) {
    error_ = absl::Status(status.code(), absl::StrCat("store failed, restart required: ", status.message()));
  }
  return error_;
}

namespace {
// A write set that creates a tree from puts in strictly ascending key order: applied
// by a bottom-up build instead of row by row (the same resulting state either way, so
// replay and replicas may take either path).
bool IsBulkLoad(const WriteSet& ws, const absl::btree_map<TreeId, PageRef>& roots) {
  if (ws.ops.size() < 2 || roots.contains(ws.ops.front().tree)) return false;
  for (size_t i = 0; i < ws.ops.size(); ++i) {
    const WriteOp& op = ws.ops[i];
    if (op.kind != WriteOp::Kind::kPut || op.tree != ws.ops.front().tree) return false;
    if (i > 0 && !(ws.ops[i - 1].key < op.key)) return false;
  }
  return true;
}
}  // namespace

Task<absl::Status> Store::Apply(Lsn lsn, const WriteSet& ws) {
  QUANTA_ASSERT(mutex_.locked() || wal_ == nullptr);  // serialized (or recovering)
  QUANTA_ASSERT_MSG(lsn == applied_lsn_ + 1, "write sets must apply in LSN order");
  if (IsBulkLoad(ws, roots_)) {
    std::vector<BTree::RowRef> rows;
    rows.reserve(ws.ops.size());
    for (const WriteOp& op : ws.ops) rows.push_back(BTree::RowRef{op.key, op.value});
    CO_ASSIGN_OR_RETURN(PageRef root, co_await btree_->BuildFromSorted(rows, lsn));
    roots_[ws.ops.front().tree] = root;
    applied_lsn_ = lsn;
    ++stats_.bulk_loads;
    co_return absl::OkStatus();
  }
  for (const WriteOp& op : ws.ops) {
    auto root = roots_.find(op.tree);
    if (op.kind == WriteOp::Kind::kDelete) {
      if (root == roots_.end()) continue;
      CO_ASSIGN_OR_RETURN(bool existed, co_await btree_->Delete(&root->second, op.key, lsn));
      (void)existed;
      continue;
    }
    if (root == roots_.end()) {
      CO_ASSIGN_OR_RETURN(PageRef fresh, co_await btree_->Create(lsn));
      root = roots_.emplace(op.tree, fresh).first;
    }
    CO_RETURN_IF_ERROR(co_await btree_->Put(&root->second, op.key, op.value, lsn));
  }
  applied_lsn_ = lsn;
  co_return absl::OkStatus();
}

Task<absl::StatusOr<Lsn>> Store::Commit(WriteSet ws, std::function<void(Lsn)> on_lsn) {
  if (!error_.ok()) co_return error_;
  CO_RETURN_IF_ERROR(Validate(ws));
  if (wal_bytes_since_checkpoint() >= options_.wal_cap_bytes) {
    co_return absl::ResourceExhaustedError(absl::StrCat(
        "WAL holds ", wal_bytes_since_checkpoint(), " bytes since the last checkpoint, over the cap of ",
        options_.wal_cap_bytes, ": checkpoints are failing or falling behind"));
  }
  std::string payload = EncodeWriteSet(ws);
  if (payload.size() > wal::kMaxWalPayloadBytes) {
    co_return absl::InvalidArgumentError(absl::StrCat("write set encodes to ", payload.size(),
                                                      " bytes, over the WAL record limit of ",
                                                      wal::kMaxWalPayloadBytes, ": split it"));
  }
  const Lsn lsn = wal_->Append(wal::RecordType::kWriteSet, std::move(payload));
  if (on_lsn) on_lsn(lsn);
  absl::Status durable = co_await wal_->WaitDurable(lsn);
  if (!durable.ok()) co_return Poison(durable);
  co_await mutex_.Lock();
  AsyncMutex::Held held(mutex_);
  if (!error_.ok()) co_return error_;
  absl::Status applied = co_await Apply(lsn, ws);
  if (!applied.ok()) co_return Poison(applied);
  ++stats_.commits;
  co_return lsn;
}

Task<absl::StatusOr<Lsn>> Store::BulkLoad(TreeId tree, std::vector<KeyValue> rows) {
  if (roots_.contains(tree)) {
    co_return absl::FailedPreconditionError(absl::StrCat("bulk load builds a new tree, and tree ", tree, " exists"));
  }
  for (size_t i = 1; i < rows.size(); ++i) {
    if (!(rows[i - 1].key < rows[i].key)) {
      co_return absl::InvalidArgumentError(absl::StrCat(
          "bulk load rows must be in strictly ascending key order; row ", i, " is not after row ", i - 1));
    }
  }
  WriteSet ws;
  for (KeyValue& row : rows) ws.Put(tree, std::move(row.key), std::move(row.value));
  rows.clear();
  auto lsn = co_await Commit(std::move(ws));
  co_return lsn;
}

Task<absl::StatusOr<std::optional<std::string>>> Store::Get(TreeId tree, std::string key) {
  co_await mutex_.Lock();
  AsyncMutex::Held held(mutex_);
  if (!error_.ok()) co_return error_;
  auto root = roots_.find(tree);
  if (root == roots_.end()) co_return std::optional<std::string>();
  absl::StatusOr<std::optional<std::string>> value = co_await btree_->Get(root->second, std::move(key));
  co_return value;
}

Task<absl::Status> Store::ScanInto(TreeId tree, ScanRange range, ScanBatch* out) {
  out->Clear();
  co_await mutex_.Lock();
  AsyncMutex::Held held(mutex_);
  if (!error_.ok()) co_return error_;
  auto root = roots_.find(tree);
  if (root == roots_.end()) co_return absl::OkStatus();
  absl::Status scanned = co_await btree_->ScanInto(root->second, range, out);
  co_return scanned;
}

Task<absl::StatusOr<std::vector<KeyValue>>> Store::Scan(TreeId tree, ScanRange range) {
  ScanBatch batch;
  CO_RETURN_IF_ERROR(co_await ScanInto(tree, std::move(range), &batch));
  std::vector<KeyValue> out;
  out.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) out.push_back(KeyValue{std::string(batch.key(i)), std::string(batch.value(i))});
  co_return out;
}

std::vector<TreeId> Store::trees() const {
  std::vector<TreeId> out;
  for (const auto& [tree, root] : roots_) out.push_back(tree);
  return out;
}

}  // namespace quanta::storage
