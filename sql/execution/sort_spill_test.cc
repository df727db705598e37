// Sorts past work_mem spill to temporary files on the simulated disk.
//
// RapidCheck: random tables sorted by random keys (ties included) give row for row the
// in-memory sort's output when they spill — one run or many, one merge pass or several
// — so the external sort is as stable as the in-memory one. Faults of the disk under a
// spilling sort (full, EIO, bit flips on read) fail the statement with PostgreSQL's
// error classes, or are survived, and never give a wrong answer; the data is untouched
// and the temporary files are gone afterwards, as after a LIMIT that stops a sort early.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "engine/storage/store.h"
#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "sim/testing.h"
#include "sql/common/sql_error.h"
#include "sql/execution/spill.h"
#include "sql/session/engine_testing.h"
#include "sql/session/sql_engine.h"
#include "sql/storage/store_access.h"

namespace quanta::sql {
namespace {

using testing::LocalEngine;

Task<void> Run(SqlEngine& engine, std::string sql, ExecuteResult* out) { *out = co_await engine.Execute(std::move(sql)); }

// The last statement's rows as text ("error <SQLSTATE>" if a statement failed).
std::string Rows(const ExecuteResult& r) {
  if (!r.error.ok()) return "error " + SqlStateOf(r.error);
  QUANTA_ASSERT(!r.results.empty());
  std::string out;
  for (const auto& row : r.results.back().rows) {
    std::vector<std::string> cells;
    for (const auto& v : row) cells.push_back(v.value_or("NULL"));
    absl::StrAppend(&out, absl::StrJoin(cells, "|"), "\n");
  }
  return out;
}

// A node with an engine over a store; Sql runs one request to completion.
class SortSpillTest {
 public:
  explicit SortSpillTest(uint64_t seed) : node_(seed) {
    node_.Run(testing::OpenLocalEngine(node_.env(), "store", SqlEngineOptions(), &engine_));
  }
  ~SortSpillTest() { engine_.engine.reset(); }

  ExecuteResult Sql(const std::string& sql) {
    ExecuteResult r;
    node_.Run(Run(*engine_.engine, sql, &r));
    node_.Run(Settle(node_.env()));  // the removal of the statement's temporary files
    return r;
  }
  std::vector<std::string> TempFiles() {
    std::vector<std::string> names;
    node_.Run(List(node_.env(), &names));
    return names;
  }
  sim::TestNode& node() { return node_; }

 private:
  static Task<void> Settle(Env& env) { (void)co_await env.Sleep(absl::Milliseconds(1)); }
  static Task<void> List(Env& env, std::vector<std::string>* out) {
    auto names = co_await env.List(kTempDir);
    if (names.ok()) *out = std::move(*names);
  }

  sim::TestNode node_;
  LocalEngine engine_;
};

// A table of `rows` rows whose columns repeat (so sort keys tie) and hold NULLs.
std::string FillTable(int rows, int a_mod, int b_mod) {
  return absl::StrCat(
      "CREATE TABLE t (id int PRIMARY KEY, a int, b text, c numeric(8,2));"
      "INSERT INTO t SELECT i, CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 7919) % ", a_mod, " END, "
      "CASE WHEN i % 13 = 0 THEN NULL ELSE 'v' || ((i::bigint * 104729) % ", b_mod, ") END, "
      "((i * 31) % 1000) / 10.0 FROM generate_series(1, ", rows, ") i");
}

void SpilledSortMatchesInMemory() {
  const int rows = *rc::gen::inRange(1, 12000);
  const int a_mod = *rc::gen::inRange(1, 50);
  const int b_mod = *rc::gen::inRange(1, 400);
  const auto columns = *rc::gen::container<std::vector<std::string>>(
      static_cast<size_t>(*rc::gen::inRange(1, 4)), rc::gen::elementOf(std::vector<std::string>{"a", "b", "c"}));
  std::vector<std::string> keys;
  for (const std::string& c : columns) {
    keys.push_back(absl::StrCat(c, *rc::gen::elementOf(std::vector<std::string>{"", " DESC"}),
                                *rc::gen::elementOf(std::vector<std::string>{"", " NULLS FIRST", " NULLS LAST"})));
  }
  // No id in the keys: ties come out in input (scan) order from a stable sort.
  const std::string query = absl::StrCat("SELECT id, a, b, c FROM t ORDER BY ", absl::StrJoin(keys, ", "));
  SortSpillTest t(static_cast<uint64_t>(rows));
  RC_ASSERT(t.Sql(FillTable(rows, a_mod, b_mod)).error.ok());
  const std::string in_memory = Rows(t.Sql(query));
  RC_CLASSIFY(rows > 1000, "spills");
  RC_ASSERT(in_memory.rfind("error", 0) != 0);
  const std::string spilled = Rows(t.Sql("SET work_mem = '64kB';" + query));
  if (spilled != in_memory) RC_FAIL(absl::StrCat(query, ": the spilled sort differs from the in-memory one"));
  RC_ASSERT(t.TempFiles().empty());
}

RC_GTEST_PROP(SortSpill, SpilledSortEqualsInMemorySortTiesIncluded, ()) { SpilledSortMatchesInMemory(); }

constexpr char kQuery[] = "SELECT id, a, b, c FROM t ORDER BY b DESC, a, id";

std::string Explain(SortSpillTest& t) {
  const ExecuteResult r = t.Sql(absl::StrCat("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF) ", kQuery));
  QUANTA_ASSERT(r.error.ok());
  std::string out;
  for (const auto& row : r.results.back().rows) absl::StrAppend(&out, *row[0], "\n");
  return out;
}

TEST(SortSpill, SpillsPastWorkMemAndCleansUp) {
  SortSpillTest t(7);
  ASSERT_TRUE(t.Sql(FillTable(20000, 30, 300)).error.ok());
  EXPECT_NE(Explain(t).find("Sort Method: quicksort"), std::string::npos) << Explain(t);
  const std::string want = Rows(t.Sql(kQuery));
  ASSERT_TRUE(t.Sql("SET work_mem = '64kB'").error.ok());
  EXPECT_NE(Explain(t).find("Sort Method: external merge"), std::string::npos) << Explain(t);
  EXPECT_EQ(Rows(t.Sql(kQuery)), want);
  EXPECT_TRUE(t.TempFiles().empty());
  // A LIMIT stops the sort after its first batch: its files still go.
  const ExecuteResult limited = t.Sql(absl::StrCat(kQuery, " LIMIT 3"));
  ASSERT_TRUE(limited.error.ok());
  EXPECT_EQ(limited.results.back().rows.size(), 3u);
  EXPECT_TRUE(t.TempFiles().empty());
}

// Runs the spilling sort with `rates` on the disk and returns its outcome; checks that
// the rows are intact and no temporary file is left once the disk is healthy again.
std::string SortUnderFault(const sim::FaultRates& rates, std::string* want) {
  SortSpillTest t(11);
  QUANTA_ASSERT(t.Sql(FillTable(20000, 30, 300)).error.ok());
  *want = Rows(t.Sql(kQuery));  // also leaves the table's pages cached: the faults hit the sort
  QUANTA_ASSERT(t.Sql("SET work_mem = '64kB'").error.ok());
  t.node().disk().set_rates(rates);
  const std::string got = Rows(t.Sql(kQuery));
  t.node().disk().set_rates(sim::FaultRates{});
  EXPECT_EQ(Rows(t.Sql(kQuery)), *want) << "the table or the sort is damaged after the fault";
  EXPECT_TRUE(t.TempFiles().empty());
  return got;
}

TEST(SortSpill, FullDiskFailsTheSortWith53100) {
  sim::FaultRates rates;
  rates.full = true;
  std::string want;
  EXPECT_EQ(SortUnderFault(rates, &want), "error 53100");
}

TEST(SortSpill, WriteErrorFailsTheSortWith58030) {
  sim::FaultRates rates;
  rates.write_eio = 1;
  std::string want;
  EXPECT_EQ(SortUnderFault(rates, &want), "error 58030");
}

TEST(SortSpill, CorruptReadsAreRetriedOrRefusedNeverAnswered) {
  sim::FaultRates always;
  always.read_bitflip = 1;
  std::string want;
  EXPECT_EQ(SortUnderFault(always, &want), "error XX001");
  sim::FaultRates sometimes;
  sometimes.read_bitflip = 0.1;  // transient: the next read is most likely clean
  const std::string got = SortUnderFault(sometimes, &want);
  EXPECT_TRUE(got == want || got == "error XX001") << got.substr(0, 200);
}

TEST(SortSpill, ClearTempSpaceRemovesACrashedProcesssFiles) {
  SortSpillTest t(3);
  ASSERT_TRUE(t.Sql(FillTable(20000, 30, 300)).error.ok());
  auto leave = [](Env& env) -> Task<void> {  // as a crash mid-sort would leave it
    absl::Status made = co_await env.CreateDir(kTempDir);
    QUANTA_ASSERT(made.ok());
    OpenOptions options;
    options.create = true;
    auto file = co_await env.Open(absl::StrCat(kTempDir, "/sort.00000000000000ff.0"), options);
    QUANTA_ASSERT(file.ok());
    absl::Status written = co_await (*file)->Write(0, "left behind");
    QUANTA_ASSERT(written.ok());
  };
  t.node().Run(leave(t.node().env()));
  EXPECT_EQ(t.TempFiles().size(), 1u);
  auto clear = [](Env& env) -> Task<void> {
    absl::Status cleared = co_await ClearTempSpace(env);
    QUANTA_ASSERT(cleared.ok());
  };
  t.node().Run(clear(t.node().env()));
  EXPECT_TRUE(t.TempFiles().empty());
}

}  // namespace
}  // namespace quanta::sql
