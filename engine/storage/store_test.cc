// The storage engine against a std::map model on a simulated process: random write
// sets, reads and scans, checkpoints, crashes and reopen; plus corruption detection,
// tables larger than the buffer pool and large values.
#include "engine/storage/store.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"
#include "engine/storage/snapshot.h"
#include "sim/testing.h"

namespace quanta::storage {
namespace {

using Model = std::map<std::pair<TreeId, std::string>, std::string>;

}  // namespace

// Readable failures: the key and the value's size and first bytes.
void PrintTo(const KeyValue& kv, std::ostream* os) {
  *os << "{" << kv.key << ": " << kv.value.size() << " bytes \"" << kv.value.substr(0, 12) << "\"}";
}

namespace {

StoreOptions SmallOptions() {
  StoreOptions o;
  o.buffer_pool_bytes = 16 * kPageBytes;  // far smaller than the data: eviction happens
  o.wal_segment_bytes = 64 << 10;
  return o;
}

struct Harness {
  explicit Harness(uint64_t seed, StoreOptions options = SmallOptions()) : node(seed), options(options) { Open(); }

  void Open() {
    store.reset();
    node.Run(OpenTask(this));
    QUANTA_ASSERT(store != nullptr);
  }
  static Task<void> OpenTask(Harness* h) {
    auto store = co_await Store::Open(h->node.env(), h->options);
    EXPECT_TRUE(store.ok()) << store.status();
    if (store.ok()) h->store = *std::move(store);
  }
  absl::Status Commit(WriteSet ws) {
    absl::Status out;
    node.Run(CommitTask(store.get(), std::move(ws), &out));
    return out;
  }
  static Task<void> CommitTask(Store* store, WriteSet ws, absl::Status* out) {
    auto lsn = co_await store->Commit(std::move(ws));
    *out = lsn.status();
  }
  absl::StatusOr<Lsn> BulkLoad(TreeId tree, std::vector<KeyValue> rows) {
    absl::StatusOr<Lsn> out;
    node.Run(BulkLoadTask(store.get(), tree, std::move(rows), &out));
    return out;
  }
  static Task<void> BulkLoadTask(Store* store, TreeId tree, std::vector<KeyValue> rows, absl::StatusOr<Lsn>* out) {
    *out = co_await store->BulkLoad(tree, std::move(rows));
  }
  absl::StatusOr<std::optional<std::string>> Get(TreeId tree, std::string key) {
    absl::StatusOr<std::optional<std::string>> out;
    node.Run(GetTask(store.get(), tree, std::move(key), &out));
    return out;
  }
  static Task<void> GetTask(Store* store, TreeId tree, std::string key, absl::StatusOr<std::optional<std::string>>* out) {
    *out = co_await store->Get(tree, std::move(key));
  }
  absl::StatusOr<std::vector<KeyValue>> Scan(TreeId tree, ScanRange range) {
    absl::StatusOr<std::vector<KeyValue>> out;
    node.Run(ScanTask(store.get(), tree, std::move(range), &out));
    return out;
  }
  static Task<void> ScanTask(Store* store, TreeId tree, ScanRange range, absl::StatusOr<std::vector<KeyValue>>* out) {
    *out = co_await store->Scan(tree, std::move(range));
  }
  // Scan through ScanInto into `batch` (reused by the caller), as KeyValues.
  absl::StatusOr<std::vector<KeyValue>> ScanInto(TreeId tree, ScanRange range, ScanBatch* batch) {
    absl::Status status;
    node.Run(ScanIntoTask(store.get(), tree, std::move(range), batch, &status));
    if (!status.ok()) return status;
    std::vector<KeyValue> out;
    for (size_t i = 0; i < batch->size(); ++i) out.push_back(KeyValue{std::string(batch->key(i)), std::string(batch->value(i))});
    return out;
  }
  static Task<void> ScanIntoTask(Store* store, TreeId tree, ScanRange range, ScanBatch* batch, absl::Status* out) {
    *out = co_await store->ScanInto(tree, std::move(range), batch);
  }
  absl::Status Checkpoint() {
    absl::Status out;
    node.Run(CheckpointTask(store.get(), &out));
    return out;
  }
  static Task<void> CheckpointTask(Store* store, absl::Status* out) { *out = co_await store->Checkpoint(); }
  void CrashAndReopen() {
    store.reset();
    node.CrashAndRestart();
    Open();
  }

  sim::TestNode node;
  StoreOptions options;
  std::unique_ptr<Store> store;
};

std::vector<KeyValue> ModelRange(const Model& model, TreeId tree, const ScanRange& r) {
  std::vector<KeyValue> out;
  for (const auto& [k, v] : model) {
    if (k.first != tree || k.second < r.start || (r.end && k.second >= *r.end)) continue;
    out.push_back(KeyValue{k.second, v});
  }
  if (r.reverse) std::reverse(out.begin(), out.end());
  if (out.size() > r.limit) out.resize(r.limit);
  return out;
}

std::string Key(int i) { return absl::StrCat("key", 1000000 + i); }

// Property: the store behaves like a map across checkpoints and crash+reopen.
RC_GTEST_PROP(StoreProperty, MatchesAMapModelAcrossCheckpointsAndCrashes, (uint64_t seed)) {
  Harness h(seed);
  Model model;
  std::set<TreeId> created;  // trees a committed put or a bulk load created
  const std::vector<TreeId> trees = {1, 2, 3, 10, 11};
  ScanBatch batch;
  const int steps = *rc::gen::inRange(1, 60);
  for (int step = 0; step < steps; ++step) {
    const int action = *rc::gen::inRange(0, 11);
    if (action == 10) {
      const TreeId tree = *rc::gen::element<TreeId>(10, 11);
      std::vector<KeyValue> rows;
      std::map<std::string, std::string> sorted;
      const int n = *rc::gen::inRange(0, 2000);
      for (int i = 0; i < n; ++i) {
        const size_t size = *rc::gen::element<size_t>(0, 10, 100, 1500, 3000);
        sorted[Key(*rc::gen::inRange(0, 3000))] = std::string(size, static_cast<char>('A' + i % 26));
      }
      for (const auto& [k, v] : sorted) rows.push_back(KeyValue{k, v});
      auto lsn = h.BulkLoad(tree, rows);
      if (created.contains(tree)) {
        RC_ASSERT(absl::IsFailedPrecondition(lsn.status()));
        continue;
      }
      RC_ASSERT(lsn.ok());
      created.insert(tree);
      for (const KeyValue& kv : rows) model[{tree, kv.key}] = kv.value;
    } else if (action < 6) {
      WriteSet ws;
      const int ops = *rc::gen::inRange(1, 8);
      std::set<TreeId> put_into;
      for (int i = 0; i < ops; ++i) {
        const TreeId tree = *rc::gen::elementOf(trees);
        std::string key = Key(*rc::gen::inRange(0, 300));
        if (*rc::gen::inRange(0, 4) == 0) {
          ws.Delete(tree, key);
          model.erase({tree, key});
        } else {
          const size_t size = *rc::gen::element<size_t>(0, 10, 300, 1500, 3000, 40000);
          std::string value(size, static_cast<char>('a' + step % 26));
          value += key;
          ws.Put(tree, key, value);
          model[{tree, key}] = value;
          put_into.insert(tree);
        }
      }
      RC_ASSERT(h.Commit(std::move(ws)).ok());
      created.insert(put_into.begin(), put_into.end());
    } else if (action == 6) {
      RC_ASSERT(h.Checkpoint().ok());
    } else if (action == 7) {
      h.CrashAndReopen();
    } else {
      const TreeId tree = *rc::gen::elementOf(trees);
      ScanRange range;
      range.start = Key(*rc::gen::inRange(0, 3000));
      if (*rc::gen::arbitrary<bool>()) range.end = Key(*rc::gen::inRange(0, 3000));
      range.reverse = *rc::gen::arbitrary<bool>();
      range.limit = *rc::gen::inRange<size_t>(1, 400);
      auto got = h.Scan(tree, range);
      RC_ASSERT(got.ok());
      RC_ASSERT(*got == ModelRange(model, tree, range));
      auto batched = h.ScanInto(tree, range, &batch);  // the batch is reused scan to scan
      RC_ASSERT(batched.ok());
      RC_ASSERT(*batched == *got);
    }
  }
  h.CrashAndReopen();
  for (const auto& [k, v] : model) {
    auto got = h.Get(k.first, k.second);
    RC_ASSERT(got.ok());
    RC_ASSERT(got->has_value());
    RC_ASSERT(**got == v);
  }
  for (TreeId tree : trees) {
    auto all = h.Scan(tree, ScanRange());
    RC_ASSERT(all.ok());
    RC_ASSERT(*all == ModelRange(model, tree, ScanRange()));
  }
}

TEST(StoreTest, TableLargerThanThePoolAndLargeValues) {
  Harness h(1);
  for (int batch = 0; batch < 40; ++batch) {
    WriteSet ws;
    for (int i = 0; i < 50; ++i) ws.Put(7, Key(batch * 50 + i), std::string(600, 'v') + Key(batch * 50 + i));
    ASSERT_TRUE(h.Commit(std::move(ws)).ok());
    if (batch % 10 == 9) {
      ASSERT_TRUE(h.Checkpoint().ok());
    }
  }
  WriteSet big;
  big.Put(8, "blob", std::string(1 << 20, 'b'));
  ASSERT_TRUE(h.Commit(std::move(big)).ok());
  EXPECT_GT(h.store->pool_stats().evictions, 0u);
  h.CrashAndReopen();
  auto all = h.Scan(7, ScanRange());
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2000u);
  EXPECT_EQ((*all)[1234].key, Key(1234));
  auto blob = h.Get(8, "blob");
  ASSERT_TRUE(blob.ok()) << blob.status();
  ASSERT_TRUE(blob->has_value());
  EXPECT_EQ((*blob)->size(), 1u << 20);
}

TEST(StoreTest, BigWriteSetsOfSequentialKeys) {
  StoreOptions options = SmallOptions();
  options.buffer_pool_bytes = 64 * kPageBytes;
  Harness h(8, options);
  for (int batch = 0; batch < 20; ++batch) {
    WriteSet ws;
    for (int i = 0; i < 1000; ++i) ws.Put(1, Key(batch * 1000 + i), std::string(100, 'v'));
    const absl::Status committed = h.Commit(std::move(ws));
    ASSERT_TRUE(committed.ok()) << committed;
  }
  for (int i = 0; i < 20000; i += 97) {
    auto got = h.Get(1, Key(i));
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value()) << "key " << i;
  }
  auto all = h.Scan(1, ScanRange());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 20000u);
}

TEST(StoreTest, RejectsOversizedKeysWithoutLoggingThem) {
  Harness h(2);
  WriteSet ws;
  ws.Put(1, std::string(kMaxKeyBytes + 1, 'k'), "v");
  EXPECT_EQ(h.Commit(std::move(ws)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(h.store->status().ok());
  EXPECT_EQ(h.store->applied_lsn(), 0u);
}

TEST(StoreTest, CorruptPageIsDetectedNeverServed) {
  Harness h(3);
  WriteSet ws;
  for (int i = 0; i < 200; ++i) ws.Put(1, Key(i), std::string(100, 'x'));
  ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  ASSERT_TRUE(h.Checkpoint().ok());
  h.CrashAndReopen();  // empty pool: the next read comes from disk
  std::shared_ptr<sim::Inode> pages = h.node.disk().Lookup("data/pages");
  ASSERT_NE(pages, nullptr);
  for (size_t off = 2 * kPageBytes + 100; off < pages->current.size(); off += kPageBytes) pages->current[off] ^= 0x10;
  auto got = h.Get(1, Key(5));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << got.status();
}

TEST(StoreTest, ANodeRewrittenWithAValidChecksumIsCaughtByItsReference) {
  Harness h(11);
  WriteSet ws;
  for (int i = 0; i < 20; ++i) ws.Put(1, Key(i), "v");
  ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  ASSERT_TRUE(h.Checkpoint().ok());
  h.CrashAndReopen();
  std::shared_ptr<sim::Inode> pages = h.node.disk().Lookup("data/pages");
  bool broke = false;
  for (size_t off = 2 * kPageBytes; off + kPageBytes <= pages->current.size() && !broke; off += kPageBytes) {
    char* page = pages->current.data() + off;
    if (ReadPageHeader(page).type != PageType::kLeaf) continue;
    PutU16(page + kPageHeaderBytes, 0xffff);  // a slot count far past the page
    SealPage(page);                            // as if our own writer had produced it
    broke = true;
  }
  ASSERT_TRUE(broke);
  auto got = h.Get(1, Key(3));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << got.status();
  EXPECT_NE(got.status().message().find("not the version its reference expects"), std::string::npos) << got.status();
}

// A page write that never reached the disk (a lost write, here of a synced
// checkpoint's page) leaves the previous version, intact, in place: the parent's
// reference names the version it wrote, so the read is kDataLoss, never stale data.
TEST(StoreTest, ALostPageWriteIsCaughtNotServed) {
  Harness h(12);
  WriteSet first;
  for (int i = 0; i < 400; ++i) first.Put(1, Key(i), std::string(40, 'a'));
  ASSERT_TRUE(h.Commit(std::move(first)).ok());
  ASSERT_TRUE(h.Checkpoint().ok());
  std::shared_ptr<sim::Inode> pages = h.node.disk().Lookup("data/pages");
  const std::string before = pages->current;
  // Two more rounds: the second moves every leaf to a fresh page, the third reuses the
  // first round's pages (free once the second checkpoint is durable).
  for (char round : {'b', 'c'}) {
    WriteSet next;
    for (int i = 0; i < 400; ++i) next.Put(1, Key(i), std::string(40, round));
    ASSERT_TRUE(h.Commit(std::move(next)).ok());
    ASSERT_TRUE(h.Checkpoint().ok());
  }
  h.CrashAndReopen();
  pages = h.node.disk().Lookup("data/pages");
  // Undo the newest write of one leaf whose location held a valid older leaf.
  bool lost = false;
  for (size_t off = 2 * kPageBytes; off + kPageBytes <= before.size() && !lost; off += kPageBytes) {
    const char* old_page = before.data() + off;
    char* page = pages->current.data() + off;
    if (ReadPageHeader(old_page).type != PageType::kLeaf || ReadPageHeader(page).type != PageType::kLeaf) continue;
    if (!VerifyPage(old_page, off / kPageBytes).ok() || std::memcmp(old_page, page, kPageBytes) == 0) continue;
    std::memcpy(page, old_page, kPageBytes);
    lost = true;
  }
  ASSERT_TRUE(lost);
  auto rows = h.Scan(1, ScanRange());
  ASSERT_EQ(rows.status().code(), absl::StatusCode::kDataLoss) << "stale rows served";
  EXPECT_NE(rows.status().message().find("lost or misdirected write"), std::string::npos) << rows.status();
}

TEST(StoreTest, BothMetaPagesDamagedRefusesToOpen) {
  Harness h(4);
  WriteSet ws;
  ws.Put(1, "a", "b");
  ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  ASSERT_TRUE(h.Checkpoint().ok());
  h.store.reset();
  std::shared_ptr<sim::Inode> pages = h.node.disk().Lookup("data/pages");
  pages->current[100] ^= 1;
  pages->current[kPageBytes + 100] ^= 1;
  pages->durable = pages->current;
  absl::Status opened;
  h.node.Run([](Harness* h, absl::Status* out) -> Task<void> {
    auto store = co_await Store::Open(h->node.env(), h->options);
    *out = store.status();
  }(&h, &opened));
  EXPECT_EQ(opened.code(), absl::StatusCode::kDataLoss) << opened;
  EXPECT_NE(opened.message().find("both meta pages"), std::string::npos) << opened;
}

// A log cut short before the checkpoint (a disk fault wiped records the checkpoint
// holds): the store opens from the checkpoint, says so, and restarts the log after it;
// later commits and reopenings are normal.
TEST(StoreTest, WalEndingBeforeTheCheckpointRestartsTheLogAfterIt) {
  Harness h(27);
  for (int i = 0; i < 20; ++i) {
    WriteSet ws;
    ws.Put(1, Key(i), "v");
    ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  }
  ASSERT_TRUE(h.Checkpoint().ok());
  auto segments = h.node.disk().List("data/wal");
  ASSERT_TRUE(segments.ok() && segments->size() == 1u);
  h.store.reset();
  std::shared_ptr<sim::Inode> wal = h.node.disk().Lookup("data/wal/" + segments->front());
  ASSERT_NE(wal, nullptr);
  for (size_t i = 512; i < wal->current.size(); ++i) wal->current[i] = wal->durable[i] = 0;  // after the header
  h.Open();
  EXPECT_TRUE(absl::IsDataLoss(h.store->wal_damage())) << h.store->wal_damage();
  EXPECT_EQ(h.store->applied_lsn(), 20u);
  WriteSet ws;
  ws.Put(1, Key(20), "after");
  ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  EXPECT_EQ(h.store->applied_lsn(), 21u);
  h.CrashAndReopen();
  EXPECT_TRUE(h.store->wal_damage().ok()) << h.store->wal_damage();
  EXPECT_EQ(h.store->applied_lsn(), 21u);
  auto all = h.Scan(1, ScanRange());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 21u);
}

// Recovery replays in bounded chunks: with 4 KiB chunks, 300 records of ~500 bytes
// take many rounds and reach exactly the same state.
TEST(StoreTest, RedoInSmallChunksRecoversEverything) {
  StoreOptions options = SmallOptions();
  options.redo_chunk_bytes = 4096;
  Harness h(30, options);
  for (int i = 0; i < 300; ++i) {
    WriteSet ws;
    ws.Put(1 + i % 3, Key(i), std::string(500, 'r') + Key(i));
    if (i % 7 == 0) ws.Delete(1, Key(i - 3));
    ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  }
  auto before = h.Scan(1, ScanRange());
  ASSERT_TRUE(before.ok());
  h.CrashAndReopen();
  EXPECT_EQ(h.store->stats().replayed_records, 300u);
  EXPECT_EQ(h.store->applied_lsn(), 300u);
  auto after = h.Scan(1, ScanRange());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before);
}

TEST(StoreTest, CheckpointTrimsTheWal) {
  Harness h(5);
  for (int i = 0; i < 300; ++i) {
    WriteSet ws;
    ws.Put(1, Key(i), std::string(500, 'w'));
    ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  }
  auto before = h.node.disk().List("data/wal");
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(h.Checkpoint().ok());
  auto after = h.node.disk().List("data/wal");
  ASSERT_TRUE(after.ok());
  EXPECT_GT(before->size(), 2u);
  EXPECT_EQ(after->size(), 1u);
  h.CrashAndReopen();
  EXPECT_EQ(h.store->stats().replayed_records, 0u);
  auto got = h.Get(1, Key(299));
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->has_value());
}

Task<void> CommitThenWait(Store* store, Env* env, absl::Status* loop_status) {
  env->Spawn([](Store* s, absl::Status* out) -> Task<void> {
    *out = co_await s->CheckpointLoop(absl::Seconds(1), 1u << 30);
  }(store, loop_status));
  WriteSet ws;
  ws.Put(1, "a", "b");
  (void)co_await store->Commit(std::move(ws));
  co_await env->Sleep(absl::Milliseconds(2500));
}

TEST(StoreTest, CheckpointLoopRunsOnItsInterval) {
  StoreOptions options = SmallOptions();
  options.checkpoint_completion_target = 0.5;  // each checkpoint takes ~0.5 s of its 1 s
  Harness h(6, options);
  absl::Status loop_status;
  h.node.Run(CommitThenWait(h.store.get(), &h.node.env(), &loop_status));
  // Started at 1 s and 2 s (start to start), each done half an interval later.
  EXPECT_EQ(h.store->stats().checkpoints, 2u);
  EXPECT_EQ(h.store->checkpoint_lsn(), 1u);
}

std::vector<KeyValue> AscendingRows(int n, size_t value_bytes) {
  std::vector<KeyValue> rows;
  for (int i = 0; i < n; ++i) rows.push_back(KeyValue{Key(i), std::string(value_bytes, 'a' + i % 26) + Key(i)});
  return rows;
}

// A bulk-loaded tree reads back exactly (point, forward and reverse scans), survives a
// crash both by WAL replay and from a checkpoint, and takes fewer pages than loading
// the same rows in random order.
TEST(StoreTest, BulkLoadBuildsACompactTreeThatSurvivesCrashes) {
  Harness h(21);
  std::vector<KeyValue> rows = AscendingRows(20000, 100);
  rows[500].value = std::string(3000, 'o');     // an overflow value
  rows[9000].value = std::string(1 << 20, 'm');  // a 1 MiB row
  auto lsn = h.BulkLoad(5, rows);
  ASSERT_TRUE(lsn.ok()) << lsn.status();
  EXPECT_EQ(h.store->stats().bulk_loads, 1u);
  const uint64_t bulk_pages = h.store->file_pages();
  auto check = [&] {
    auto all = h.Scan(5, ScanRange());
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(*all, rows);
    ScanRange back;
    back.start = Key(100);
    back.end = Key(200);
    back.reverse = true;
    auto some = h.Scan(5, back);
    ASSERT_TRUE(some.ok());
    ASSERT_EQ(some->size(), 100u);
    EXPECT_EQ(some->front(), rows[199]);
    auto one = h.Get(5, Key(9000));
    ASSERT_TRUE(one.ok() && one->has_value());
    EXPECT_EQ((*one)->size(), 1u << 20);
  };
  check();
  h.CrashAndReopen();  // replayed from the WAL (through the bulk path again)
  EXPECT_EQ(h.store->stats().bulk_loads, 1u);
  check();
  ASSERT_TRUE(h.Checkpoint().ok());
  h.CrashAndReopen();  // from the checkpoint's pages
  EXPECT_EQ(h.store->stats().replayed_records, 0u);
  check();

  Harness random_order(22);
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = (i * 7919) % order.size();  // a permutation
  for (size_t begin = 0; begin < order.size(); begin += 500) {
    WriteSet ws;
    for (size_t i = begin; i < begin + 500; ++i) ws.Put(5, rows[order[i]].key, rows[order[i]].value);
    ASSERT_TRUE(random_order.Commit(std::move(ws)).ok());
  }
  EXPECT_LT(bulk_pages * 5, random_order.store->file_pages() * 4) << bulk_pages;
}

// Ascending inserts through ordinary commits split at the right edge keeping the left
// page full: they take about as few pages as a bulk load, not twice as many.
TEST(StoreTest, AscendingInsertsFillPages) {
  const std::vector<KeyValue> rows = AscendingRows(20000, 100);
  Harness bulk(23);
  ASSERT_TRUE(bulk.BulkLoad(6, rows).ok());
  Harness ascending(24);
  for (size_t begin = 0; begin < rows.size(); begin += 100) {
    WriteSet ws;
    for (size_t i = begin; i < begin + 100; ++i) ws.Put(6, rows[i].key, rows[i].value);
    ASSERT_TRUE(ascending.Commit(std::move(ws)).ok());
  }
  const uint64_t live_ascending = ascending.store->file_pages() - ascending.store->free_pages();
  EXPECT_LT(live_ascending * 10, bulk.store->file_pages() * 12)
      << live_ascending << " pages vs " << bulk.store->file_pages();
  auto all = ascending.Scan(6, ScanRange());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, rows);
}

TEST(StoreTest, BulkLoadRejectsBadInput) {
  Harness h(25);
  std::vector<KeyValue> rows = AscendingRows(10, 10);
  std::swap(rows[3], rows[4]);
  auto unordered = h.BulkLoad(1, rows);
  EXPECT_TRUE(absl::IsInvalidArgument(unordered.status())) << unordered.status();
  EXPECT_NE(unordered.status().message().find("row 4"), std::string::npos) << unordered.status();
  rows = AscendingRows(10, 10);
  rows[5].key = rows[4].key;
  EXPECT_TRUE(absl::IsInvalidArgument(h.BulkLoad(1, rows).status()));
  ASSERT_TRUE(h.BulkLoad(1, AscendingRows(10, 10)).ok());
  auto again = h.BulkLoad(1, AscendingRows(10, 10));
  EXPECT_TRUE(absl::IsFailedPrecondition(again.status())) << again.status();
}

// Over one WAL record (64 MiB): a clear error, nothing logged, the store still works.
TEST(StoreTest, OversizedWriteSetIsRefused) {
  Harness h(26);
  WriteSet ws;
  for (int i = 0; i < 5; ++i) ws.Put(1, Key(i), std::string(kMaxValueBytes, 'x'));
  auto lsn = h.Commit(std::move(ws));
  EXPECT_TRUE(absl::IsInvalidArgument(lsn)) << lsn;
  WriteSet small;
  small.Put(1, "k", "v");
  EXPECT_TRUE(h.Commit(std::move(small)).ok());
}

Task<void> CopyTask(Env* env, StoreSnapshot* snapshot, std::string dir, absl::Status* out) {
  *out = co_await CopySnapshot(*env, *snapshot, std::move(dir));
}

// A snapshot is the state at its LSN and stays so while the store moves on: after it
// is taken, every row is rewritten or deleted and two checkpoints run (which would
// reuse its pages and trim its WAL, were they not held); its copy then opens as a
// store equal to the source at the snapshot's LSN. Released, its pages are reusable.
TEST(StoreTest, SnapshotStaysConsistentWhileTheStoreMovesOn) {
  Harness h(28);
  Model at_snapshot;
  for (int i = 0; i < 400; ++i) {
    WriteSet ws;
    ws.Put(1 + i % 2, Key(i), std::string(300, 'a') + Key(i));
    at_snapshot[{1 + i % 2, Key(i)}] = std::string(300, 'a') + Key(i);
    ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  }
  ASSERT_TRUE(h.Checkpoint().ok());
  for (int i = 0; i < 50; ++i) {  // in the WAL after the checkpoint
    WriteSet ws;
    ws.Put(1, Key(i * 2), "b");
    at_snapshot[{1, Key(i * 2)}] = "b";
    ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  }
  std::unique_ptr<StoreSnapshot> snapshot = h.store->TakeSnapshot();
  EXPECT_EQ(snapshot->checkpoint_lsn(), 400u);
  EXPECT_EQ(snapshot->lsn(), 450u);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 400; ++i) {
      WriteSet ws;
      if (i % 2 == 0) {
        ws.Put(1, Key(i), std::string(300, 'c' + round));
      } else {
        ws.Delete(2, Key(i));
      }
      ASSERT_TRUE(h.Commit(std::move(ws)).ok());
    }
    ASSERT_TRUE(h.Checkpoint().ok());
  }
  const uint64_t free_while_held = h.store->free_pages();
  absl::Status copied;
  h.node.Run(CopyTask(&h.node.env(), snapshot.get(), "backup", &copied));
  ASSERT_TRUE(copied.ok()) << copied;
  snapshot.reset();
  ASSERT_TRUE(h.Checkpoint().ok());
  EXPECT_GT(h.store->free_pages(), free_while_held);  // released: reusable again

  StoreOptions backup_options = SmallOptions();
  backup_options.dir = "backup";
  std::unique_ptr<Store> backup;  // on the same simulated disk
  h.node.Run([](Env* env, StoreOptions o, std::unique_ptr<Store>* out) -> Task<void> {
    auto opened = co_await Store::Open(*env, std::move(o));
    EXPECT_TRUE(opened.ok()) << opened.status();
    if (opened.ok()) *out = *std::move(opened);
  }(&h.node.env(), backup_options, &backup));
  ASSERT_NE(backup, nullptr);
  EXPECT_EQ(backup->applied_lsn(), 450u);
  EXPECT_TRUE(backup->meta_damage().ok()) << backup->meta_damage();
  for (TreeId tree : {1, 2}) {
    absl::StatusOr<std::vector<KeyValue>> rows;
    h.node.Run(Harness::ScanTask(backup.get(), tree, ScanRange(), &rows));
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(*rows, ModelRange(at_snapshot, tree, ScanRange())) << tree;
  }
}

TEST(StoreTest, SnapshotCopyRefusesANonEmptyDirectory) {
  Harness h(29);
  WriteSet ws;
  ws.Put(1, "k", "v");
  ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  std::unique_ptr<StoreSnapshot> snapshot = h.store->TakeSnapshot();
  absl::Status copied;
  h.node.Run(CopyTask(&h.node.env(), snapshot.get(), "data", &copied));  // the store's own
  EXPECT_TRUE(absl::IsFailedPrecondition(copied)) << copied;
}

struct PacedRun {
  absl::Duration checkpoint_took;
  int commits_during = 0;
  int commits = 0;
  absl::Duration slowest_commit;
  absl::Status checkpoint;
};

Task<void> CheckpointWhileCommitting(Store* store, Env* env, PacedRun* run) {
  bool done = false;
  env->Spawn([](Store* s, Env* e, PacedRun* r, bool* finished) -> Task<void> {
    const absl::Duration start = e->MonotonicNow();
    r->checkpoint = co_await s->Checkpoint(absl::Seconds(2));
    r->checkpoint_took = e->MonotonicNow() - start;
    *finished = true;
  }(store, env, run, &done));
  for (int i = 0; !done; ++i) {
    WriteSet ws;
    ws.Put(1, Key(i % 3000), std::string(50, 'n'));
    const absl::Duration start = env->MonotonicNow();
    auto lsn = co_await store->Commit(std::move(ws));
    EXPECT_TRUE(lsn.ok()) << lsn.status();
    run->slowest_commit = std::max(run->slowest_commit, env->MonotonicNow() - start);
    ++run->commits;
    if (!done) ++run->commits_during;
    co_await env->Sleep(absl::Milliseconds(20));
  }
}

// A paced checkpoint spreads its writes over the requested time while commits go on
// (the store mutex is held per batch, not for the whole checkpoint), and what it
// publishes is a consistent tree: after a crash every commit is there.
TEST(StoreTest, PacedCheckpointSpreadsWritesWhileCommitsProceed) {
  StoreOptions options = SmallOptions();
  options.buffer_pool_bytes = 512 * kPageBytes;  // many dirty pages: many batches
  Harness h(12, options);
  for (int batch = 0; batch < 30; ++batch) {
    WriteSet ws;
    for (int i = 0; i < 100; ++i) ws.Put(1, Key(batch * 100 + i), std::string(100, 'a' + batch % 26));
    ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  }
  PacedRun run;
  h.node.Run(CheckpointWhileCommitting(h.store.get(), &h.node.env(), &run));
  ASSERT_TRUE(run.checkpoint.ok()) << run.checkpoint;
  EXPECT_GE(run.checkpoint_took, absl::Milliseconds(1800));
  EXPECT_LE(run.checkpoint_took, absl::Milliseconds(2600));
  EXPECT_GE(run.commits_during, 50);
  EXPECT_LT(run.slowest_commit, absl::Milliseconds(200));
  const uint64_t acked = h.store->applied_lsn();
  h.CrashAndReopen();
  EXPECT_EQ(h.store->applied_lsn(), acked);
  for (int i = 0; i < 3000; i += 97) {
    auto got = h.Get(1, Key(i));
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value()) << i;
    EXPECT_EQ((*got)->size(), i < run.commits ? 50u : 100u) << i;
  }
}

TEST(StoreTest, WalCapRefusesCommitsUntilACheckpoint) {
  StoreOptions options = SmallOptions();
  options.wal_cap_bytes = 20000;
  Harness h(9, options);
  absl::Status status;
  int accepted = 0;
  for (int i = 0; i < 100 && status.ok(); ++i) {
    WriteSet ws;
    ws.Put(1, Key(i), std::string(1000, 'c'));
    status = h.Commit(std::move(ws));
    accepted += status.ok();
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_NE(status.message().find("over the cap"), std::string::npos);
  EXPECT_TRUE(h.store->status().ok()) << "refusing at the cap must not poison the store";
  ASSERT_TRUE(h.Checkpoint().ok());
  WriteSet ws;
  ws.Put(1, "after", "checkpoint");
  EXPECT_TRUE(h.Commit(std::move(ws)).ok());
  EXPECT_GT(accepted, 5);
}

TEST(StoreTest, WalRetentionKeepsSegmentsForReplicas) {
  Harness h(10);
  h.store->SetWalRetention(1);
  for (int i = 0; i < 300; ++i) {
    WriteSet ws;
    ws.Put(1, Key(i), std::string(500, 'w'));
    ASSERT_TRUE(h.Commit(std::move(ws)).ok());
  }
  auto before = h.node.disk().List("data/wal");
  ASSERT_TRUE(h.Checkpoint().ok());
  auto after = h.node.disk().List("data/wal");
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(after->size(), before->size()) << "a pinned LSN keeps every segment";
  h.store->SetWalRetention(0);
  ASSERT_TRUE(h.Checkpoint().ok());
  after = h.node.disk().List("data/wal");
  EXPECT_EQ(after->size(), 1u);
}

}  // namespace
}  // namespace quanta::storage
