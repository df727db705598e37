// Storage engine benchmarks on the real backend, side by side with SQLite (WAL mode,
// synchronous=FULL, WITHOUT ROWID table, page cache limited like our buffer pool):
// point lookups, batched inserts and range scans on a table larger than the cache, and
// bulk loads.
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "engine/storage/store.h"
#include "net/real_env.h"

namespace quanta {
namespace {

constexpr int kRows = 100000;
constexpr uint64_t kCacheBytes = 4u << 20;  // the table is ~3x larger
constexpr storage::TreeId kTable = 1;

std::string RowKey(uint64_t i) { return absl::StrFormat("user%012d", i); }
std::string RowValue(uint64_t i) { return std::string(100, static_cast<char>('a' + i % 26)); }

std::string TempDir() {
  char tmpl[] = "/var/tmp/quanta-bench-XXXXXX";
  return ::mkdtemp(tmpl);
}

struct QuantaTable {
  QuantaTable() : dir(TempDir()), env(RealEnv::Options{.data_root = dir, .seed = 7}) {
    storage::StoreOptions options;
    options.buffer_pool_bytes = kCacheBytes;
    store = env.RunUntilComplete(Open(&env, options));
    for (int batch = 0; batch < kRows / 1000; ++batch) {
      storage::WriteSet ws;
      for (int i = 0; i < 1000; ++i) ws.Put(kTable, RowKey(batch * 1000 + i), RowValue(batch * 1000 + i));
      env.RunUntilComplete(Commit(store.get(), std::move(ws)));
    }
    env.RunUntilComplete(Checkpoint(store.get()));
  }
  ~QuantaTable() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  static Task<std::unique_ptr<storage::Store>> Open(Env* env, storage::StoreOptions options) {
    auto store = co_await storage::Store::Open(*env, options);
    QUANTA_ASSERT(store.ok());
    co_return *std::move(store);
  }
  static Task<bool> Commit(storage::Store* store, storage::WriteSet ws) {
    auto lsn = co_await store->Commit(std::move(ws));
    co_return lsn.ok();
  }
  static Task<bool> BulkLoad(storage::Store* store, storage::TreeId tree, std::vector<storage::KeyValue> rows) {
    auto lsn = co_await store->BulkLoad(tree, std::move(rows));
    co_return lsn.ok();
  }
  static Task<bool> Checkpoint(storage::Store* store) {
    absl::Status s = co_await store->Checkpoint();
    co_return s.ok();
  }
  static Task<bool> Get(storage::Store* store, std::string key) {
    auto v = co_await store->Get(kTable, std::move(key));
    co_return v.ok() && v->has_value();
  }
  static Task<size_t> Scan(storage::Store* store, std::string start, size_t n) {
    storage::ScanRange range;
    range.start = std::move(start);
    range.limit = n;
    auto rows = co_await store->Scan(kTable, range);
    co_return rows.ok() ? rows->size() : 0;
  }
  std::string dir;
  RealEnv env;
  std::unique_ptr<storage::Store> store;
};

struct SqliteTable {
  SqliteTable() : dir(TempDir()) {
    sqlite3_open((dir + "/bench.db").c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-4096;"
                 "CREATE TABLE t(k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;",
                 nullptr, nullptr, nullptr);
    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO t VALUES (?, ?)", -1, &insert, nullptr);
    sqlite3_prepare_v2(db, "SELECT v FROM t WHERE k = ?", -1, &get, nullptr);
    sqlite3_prepare_v2(db, "SELECT k, v FROM t WHERE k >= ? ORDER BY k LIMIT ?", -1, &scan, nullptr);
    for (int batch = 0; batch < kRows / 1000; ++batch) {
      sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
      for (int i = 0; i < 1000; ++i) Insert(RowKey(batch * 1000 + i), RowValue(batch * 1000 + i));
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
  }
  ~SqliteTable() {
    sqlite3_finalize(insert);
    sqlite3_finalize(get);
    sqlite3_finalize(scan);
    sqlite3_close(db);
    std::filesystem::remove_all(dir);
  }
  void Insert(const std::string& k, const std::string& v) {
    sqlite3_bind_text(insert, 1, k.data(), static_cast<int>(k.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(insert, 2, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    sqlite3_step(insert);
    sqlite3_reset(insert);
  }
  bool Get(const std::string& k) {
    sqlite3_bind_text(get, 1, k.data(), static_cast<int>(k.size()), SQLITE_TRANSIENT);
    const bool found = sqlite3_step(get) == SQLITE_ROW;
    sqlite3_reset(get);
    return found;
  }
  size_t Scan(const std::string& start, int n) {
    sqlite3_bind_text(scan, 1, start.data(), static_cast<int>(start.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int(scan, 2, n);
    size_t rows = 0;
    while (sqlite3_step(scan) == SQLITE_ROW) ++rows;
    sqlite3_reset(scan);
    return rows;
  }
  std::string dir;
  sqlite3* db = nullptr;
  sqlite3_stmt* insert = nullptr;
  sqlite3_stmt* get = nullptr;
  sqlite3_stmt* scan = nullptr;
};

void BM_QuantaPointLookup(benchmark::State& state) {
  QuantaTable t;
  Random rng(1);
  for (auto _ : state) {
    if (!t.env.RunUntilComplete(QuantaTable::Get(t.store.get(), RowKey(rng.Uniform(kRows))))) state.SkipWithError("miss");
  }
  state.counters["hit_ratio"] = t.store->pool_stats().HitRatio();
}
BENCHMARK(BM_QuantaPointLookup)->Unit(benchmark::kMicrosecond);

void BM_SqlitePointLookup(benchmark::State& state) {
  SqliteTable t;
  Random rng(1);
  for (auto _ : state) {
    if (!t.Get(RowKey(rng.Uniform(kRows)))) state.SkipWithError("miss");
  }
}
BENCHMARK(BM_SqlitePointLookup)->Unit(benchmark::kMicrosecond);

// 100 random-key rows per durable commit (one fsync each, for both engines).
void BM_QuantaInsertBatch(benchmark::State& state) {
  QuantaTable t;
  Random rng(2);
  for (auto _ : state) {
    storage::WriteSet ws;
    for (int i = 0; i < 100; ++i) ws.Put(kTable, RowKey(kRows + rng.Uniform(10 * kRows)), RowValue(i));
    if (!t.env.RunUntilComplete(QuantaTable::Commit(t.store.get(), std::move(ws)))) state.SkipWithError("commit");
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_QuantaInsertBatch)->Unit(benchmark::kMicrosecond);

void BM_SqliteInsertBatch(benchmark::State& state) {
  SqliteTable t;
  Random rng(2);
  for (auto _ : state) {
    sqlite3_exec(t.db, "BEGIN", nullptr, nullptr, nullptr);
    for (int i = 0; i < 100; ++i) t.Insert(RowKey(kRows + rng.Uniform(10 * kRows)), RowValue(i));
    sqlite3_exec(t.db, "COMMIT", nullptr, nullptr, nullptr);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_SqliteInsertBatch)->Unit(benchmark::kMicrosecond);

void BM_QuantaRangeScan100(benchmark::State& state) {
  QuantaTable t;
  Random rng(3);
  for (auto _ : state) {
    if (t.env.RunUntilComplete(QuantaTable::Scan(t.store.get(), RowKey(rng.Uniform(kRows - 100)), 100)) != 100) {
      state.SkipWithError("short scan");
    }
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_QuantaRangeScan100)->Unit(benchmark::kMicrosecond);

void BM_SqliteRangeScan100(benchmark::State& state) {
  SqliteTable t;
  Random rng(3);
  for (auto _ : state) {
    if (t.Scan(RowKey(rng.Uniform(kRows - 100)), 100) != 100) state.SkipWithError("short scan");
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_SqliteRangeScan100)->Unit(benchmark::kMicrosecond);

// Bulk load: 100,000 sorted rows into a new table, durable. QuantaDB builds the tree
// bottom-up from one write set; SQLite inserts them in key order in one transaction.
void BM_QuantaBulkLoad(benchmark::State& state) {
  QuantaTable t;
  storage::TreeId tree = 100;
  for (auto _ : state) {
    std::vector<storage::KeyValue> rows;
    rows.reserve(kRows);
    for (int i = 0; i < kRows; ++i) rows.push_back(storage::KeyValue{RowKey(i), RowValue(i)});
    if (!t.env.RunUntilComplete(QuantaTable::BulkLoad(t.store.get(), tree++, std::move(rows)))) {
      state.SkipWithError("bulk load");
    }
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_QuantaBulkLoad)->Unit(benchmark::kMillisecond);

void BM_SqliteBulkLoad(benchmark::State& state) {
  SqliteTable t;
  int table = 0;
  for (auto _ : state) {
    const std::string name = absl::StrFormat("bulk%d", table++);
    sqlite3_exec(t.db, absl::StrFormat("CREATE TABLE %s(k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID", name).c_str(),
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(t.db, absl::StrFormat("INSERT INTO %s VALUES (?, ?)", name).c_str(), -1, &insert, nullptr);
    sqlite3_exec(t.db, "BEGIN", nullptr, nullptr, nullptr);
    for (int i = 0; i < kRows; ++i) {
      const std::string k = RowKey(i);
      const std::string v = RowValue(i);
      sqlite3_bind_text(insert, 1, k.data(), static_cast<int>(k.size()), SQLITE_TRANSIENT);
      sqlite3_bind_blob(insert, 2, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      if (sqlite3_step(insert) != SQLITE_DONE) state.SkipWithError("insert");
      sqlite3_reset(insert);
    }
    sqlite3_exec(t.db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_finalize(insert);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_SqliteBulkLoad)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace quanta
