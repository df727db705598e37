// SQL benchmarks: QuantaDB (in-process: an SqlEngine over a Store on the real backend)
// beside PostgreSQL 15 (over libpq, a scratch cluster ci/bench starts; conninfo in
// QUANTA_BENCH_PG) on the same generated data: TPC-H Q1 and Q6 over `lineitem`, a
// two-table join (lineitem with orders), a point select by primary key and a 100-row
// range scan. Compare the pairs' times in one
// run; the ratio is what to report.
//
// Scale: QUANTA_BENCH_LINEITEM_ROWS rows (default 200000; TPC-H scale factor 1 is
// 6001215). l_shipdate is an integer day number (kept from before QuantaDB had dates,
// so figures compare across versions); the predicates use the same days as TPC-H's dates. PostgreSQL runs with its defaults
// (parallel workers on); QuantaDB answers in-process, PostgreSQL through a socket, so
// the point and range queries favour QuantaDB by the protocol's round trip.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "benchmark/benchmark.h"
#include "engine/env/random.h"
#include "engine/storage/store.h"
#include "net/real_env.h"
#include "sql/session/sql_engine.h"
#include "sql/storage/store_access.h"
#ifdef QUANTA_HAVE_LIBPQ
#include <libpq-fe.h>
#endif

namespace quanta {
namespace {

constexpr int kKvRows = 100000;
constexpr int kInsertBatch = 1000;

size_t LineitemRows() {
  const char* env = std::getenv("QUANTA_BENCH_LINEITEM_ROWS");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 200000;
}

constexpr char kLineitemSchema[] =
    "CREATE TABLE lineitem (l_orderkey bigint, l_linenumber int, l_quantity numeric(15,2), "
    "l_extendedprice numeric(15,2), l_discount numeric(15,2), l_tax numeric(15,2), l_returnflag char(1), "
    "l_linestatus char(1), l_shipdate int, PRIMARY KEY (l_orderkey, l_linenumber))";
constexpr char kKvSchema[] = "CREATE TABLE kv (id int PRIMARY KEY, v text)";
constexpr char kOrdersSchema[] = "CREATE TABLE orders (o_orderkey bigint PRIMARY KEY, o_custkey int, o_status char(1))";
constexpr char kJoin[] =
    "SELECT count(*), sum(l_quantity) FROM lineitem JOIN orders ON l_orderkey = o_orderkey WHERE o_custkey % 10 = 3";

constexpr char kQ1[] =
    "SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price, "
    "sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, "
    "sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, avg(l_quantity) AS avg_qty, "
    "avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order "
    "FROM lineitem WHERE l_shipdate <= 10471 GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus";
constexpr char kQ6[] =
    "SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem WHERE l_shipdate >= 8766 AND "
    "l_shipdate < 9131 AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24";

// The INSERT statements both systems load (deterministic data, TPC-H-like distributions).
std::vector<std::string> LoadStatements() {
  std::vector<std::string> out = {kLineitemSchema, kKvSchema, kOrdersSchema};
  Random rng(42);
  const size_t rows = LineitemRows();
  std::vector<std::string> values;
  uint64_t order = 1;
  int line = 1;
  for (size_t i = 0; i < rows; ++i) {
    if (line > 1 + static_cast<int>(rng.Uniform(7))) {
      ++order;
      line = 1;
    }
    const int quantity = 1 + static_cast<int>(rng.Uniform(50));
    const int price_cents = 90000 + static_cast<int>(rng.Uniform(110000));
    const int64_t extended = static_cast<int64_t>(quantity) * price_cents;
    const int shipdate = 8036 + static_cast<int>(rng.Uniform(2526));
    const char* flags[] = {"R", "A", "N"};
    values.push_back(absl::StrCat("(", order, ", ", line++, ", ", quantity, ", ", extended / 100, ".",
                                  absl::Dec(extended % 100, absl::kZeroPad2), ", 0.0", rng.Uniform(10), ", 0.0",
                                  rng.Uniform(9), ", '", flags[rng.Uniform(3)], "', '", shipdate > 9600 ? "O" : "F",
                                  "', ", shipdate, ")"));
    if (values.size() == kInsertBatch || i + 1 == rows) {
      out.push_back(absl::StrCat("INSERT INTO lineitem VALUES ", absl::StrJoin(values, ", ")));
      values.clear();
    }
  }
  for (uint64_t o = 1; o <= order; ++o) {
    values.push_back(absl::StrCat("(", o, ", ", rng.Uniform(150000), ", '", o % 3 == 0 ? "F" : "O", "')"));
    if (values.size() == kInsertBatch || o == order) {
      out.push_back(absl::StrCat("INSERT INTO orders VALUES ", absl::StrJoin(values, ", ")));
      values.clear();
    }
  }
  for (int i = 0; i < kKvRows; ++i) {
    values.push_back(absl::StrCat("(", i, ", 'value-", i, "')"));
    if (values.size() == kInsertBatch) {
      out.push_back(absl::StrCat("INSERT INTO kv VALUES ", absl::StrJoin(values, ", ")));
      values.clear();
    }
  }
  return out;
}

std::string PointQuery(int i) { return absl::StrCat("SELECT v FROM kv WHERE id = ", (i * 7919) % kKvRows); }
std::string RangeQuery(int i) {
  const int start = (i * 7919) % (kKvRows - 100);
  return absl::StrCat("SELECT id, v FROM kv WHERE id BETWEEN ", start, " AND ", start + 99);
}

class Quanta {
 public:
  static Quanta& Get() {
    static Quanta* instance = new Quanta();
    return *instance;
  }
  // Runs `sql`; returns the rows of its last statement (aborts on error: a benchmark
  // of a failing query measures nothing).
  size_t Run(const std::string& sql) { return env_.RunUntilComplete(Execute(engine_.get(), sql)); }

 private:
  Quanta() : dir_(MakeDir()), env_(RealEnv::Options{.data_root = dir_, .seed = 7}) {
    storage::StoreOptions options;
    options.dir = "store";
    options.buffer_pool_bytes = 4ull << 30;  // the data fits, as it does in PostgreSQL's page cache
    store_ = env_.RunUntilComplete(Open(&env_, options));
    access_ = std::make_unique<sql::StoreAccess>(*store_);
    engine_ = std::make_unique<sql::SqlEngine>(env_, *access_);
    const std::string loaded = absl::StrCat(dir_, "/loaded-", LineitemRows());
    if (std::ifstream(loaded).good()) return;  // a kept QUANTA_BENCH_DIR, loaded before
    for (const std::string& s : LoadStatements()) Run(s);
    Run("ANALYZE");  // the statistics the planner picks join methods by (PostgreSQL's side runs VACUUM ANALYZE)
    if (std::getenv("QUANTA_BENCH_DIR") == nullptr) return;
    const absl::Status checkpointed = env_.RunUntilComplete(store_->Checkpoint());  // a kept store reopens without replaying
    QUANTA_ASSERT_MSG(checkpointed.ok(), std::string(checkpointed.message()).c_str());
    std::ofstream(loaded) << "loaded\n";
  }
  // QUANTA_BENCH_DIR keeps the loaded store between runs (profiling without reloading
  // 6M rows each time); otherwise a fresh temporary directory.
  static std::string MakeDir() {
    if (const char* kept = std::getenv("QUANTA_BENCH_DIR")) {
      std::filesystem::create_directories(kept);
      return kept;
    }
    char tmpl[] = "/var/tmp/quanta-sql-bench-XXXXXX";
    return ::mkdtemp(tmpl);
  }
  static Task<std::unique_ptr<storage::Store>> Open(Env* env, storage::StoreOptions options) {
    auto store = co_await storage::Store::Open(*env, options);
    QUANTA_ASSERT(store.ok());
    co_return *std::move(store);
  }
  static Task<size_t> Execute(sql::SqlEngine* engine, std::string sql) {
    sql::ExecuteResult r = co_await engine->Execute(std::move(sql));
    QUANTA_ASSERT_MSG(r.error.ok(), std::string(r.error.message()).c_str());
    co_return r.results.empty() ? 0 : r.results.back().rows.size();
  }

  std::string dir_;
  RealEnv env_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<sql::StoreAccess> access_;
  std::unique_ptr<sql::SqlEngine> engine_;
};

#ifdef QUANTA_HAVE_LIBPQ
class Postgres {
 public:
  // Null when QUANTA_BENCH_PG is unset (the PostgreSQL side is then skipped).
  static Postgres* Get() {
    static Postgres* instance = std::getenv("QUANTA_BENCH_PG") ? new Postgres(std::getenv("QUANTA_BENCH_PG")) : nullptr;
    return instance;
  }
  size_t Run(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    const ExecStatusType status = PQresultStatus(res);
    QUANTA_ASSERT_MSG(status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK, PQresultErrorMessage(res));
    const size_t rows = static_cast<size_t>(PQntuples(res));
    PQclear(res);
    return rows;
  }

 private:
  explicit Postgres(const char* conninfo) : conn_(PQconnectdb(conninfo)) {
    QUANTA_ASSERT_MSG(PQstatus(conn_) == CONNECTION_OK, PQerrorMessage(conn_));
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    Run("DROP TABLE IF EXISTS lineitem, kv, orders");
    for (const std::string& s : LoadStatements()) Run(s);
    Run("VACUUM ANALYZE");
  }
  PGconn* conn_;
};
#endif

template <class Db>
void RunQuery(benchmark::State& state, Db& db, const char* sql) {
  size_t rows = 0;
  for (auto _ : state) rows = db.Run(sql);
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["lineitem"] = static_cast<double>(LineitemRows());
}

template <class Db>
void RunLookups(benchmark::State& state, Db& db, std::string (*query)(int), size_t expect) {
  int i = 0;
  for (auto _ : state) {
    const size_t rows = db.Run(query(i++));
    QUANTA_ASSERT(rows == expect);
  }
}

void BM_Q1_Quanta(benchmark::State& state) { RunQuery(state, Quanta::Get(), kQ1); }
void BM_Q6_Quanta(benchmark::State& state) { RunQuery(state, Quanta::Get(), kQ6); }
void BM_HashJoin_Quanta(benchmark::State& state) { RunQuery(state, Quanta::Get(), kJoin); }
void BM_PointSelect_Quanta(benchmark::State& state) { RunLookups(state, Quanta::Get(), &PointQuery, 1); }
void BM_RangeScan100_Quanta(benchmark::State& state) { RunLookups(state, Quanta::Get(), &RangeQuery, 100); }
BENCHMARK(BM_Q1_Quanta)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Q6_Quanta)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_HashJoin_Quanta)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_PointSelect_Quanta)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RangeScan100_Quanta)->Unit(benchmark::kMicrosecond);

#ifdef QUANTA_HAVE_LIBPQ
void SkipWithoutPostgres(benchmark::State& state) { state.SkipWithError("QUANTA_BENCH_PG is not set (ci/bench sets it)"); }
void BM_Q1_Postgres(benchmark::State& state) {
  if (Postgres* pg = Postgres::Get()) return RunQuery(state, *pg, kQ1);
  SkipWithoutPostgres(state);
}
void BM_Q6_Postgres(benchmark::State& state) {
  if (Postgres* pg = Postgres::Get()) return RunQuery(state, *pg, kQ6);
  SkipWithoutPostgres(state);
}
void BM_HashJoin_Postgres(benchmark::State& state) {
  if (Postgres* pg = Postgres::Get()) return RunQuery(state, *pg, kJoin);
  SkipWithoutPostgres(state);
}
void BM_PointSelect_Postgres(benchmark::State& state) {
  if (Postgres* pg = Postgres::Get()) return RunLookups(state, *pg, &PointQuery, 1);
  SkipWithoutPostgres(state);
}
void BM_RangeScan100_Postgres(benchmark::State& state) {
  if (Postgres* pg = Postgres::Get()) return RunLookups(state, *pg, &RangeQuery, 100);
  SkipWithoutPostgres(state);
}
BENCHMARK(BM_Q1_Postgres)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Q6_Postgres)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_HashJoin_Postgres)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_PointSelect_Postgres)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RangeScan100_Postgres)->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
}  // namespace quanta
