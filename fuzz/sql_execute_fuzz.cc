// Fuzzes parse → bind → plan → execute over a small schema (two tables with rows) on a
// simulated node: any statement text must end in a result or a SQL error with a
// SQLSTATE, never a crash, a hang or a broken invariant; a result's rows have as many
// values as it has columns.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/env/assert.h"
#include "engine/storage/store.h"
#include "sim/testing.h"
#include "sql/common/sql_error.h"
#include "sql/session/sql_engine.h"
#include "sql/storage/store_access.h"

namespace {

using namespace quanta;

constexpr char kSchema[] =
    "CREATE TABLE t (id int PRIMARY KEY, name text, score numeric(6,2), f float8, ok bool);"
    "INSERT INTO t VALUES (1, 'a', 1.5, 0.5, true), (2, 'b', NULL, -1, false), (3, NULL, 2.25, NULL, NULL);"
    "CREATE TABLE u (id int, t_id int, note varchar(10));"
    "INSERT INTO u VALUES (1, 1, 'x'), (2, 1, NULL), (3, 3, 'zz');"
    "CREATE INDEX t_name ON t (name, score);"
    "CREATE UNIQUE INDEX u_t_id ON u (t_id, id);"
    // Legitimately endless statements (generate_series(1, 1e30)) end in 57014, not a hang:
    // the simulated clock advances with the work charged.
    "SET statement_timeout = '20ms';";

Task<void> Session(Env& env, std::string input) {
  storage::StoreOptions options;
  options.dir = "fuzz";
  auto store = co_await storage::Store::Open(env, options);
  QUANTA_ASSERT(store.ok());
  sql::StoreAccess access(**store);
  sql::SqlEngine engine(env, access);
  sql::ExecuteResult setup = co_await engine.Execute(kSchema);
  QUANTA_ASSERT(setup.error.ok());
  sql::ExecuteResult r = co_await engine.Execute(std::move(input));
  if (!r.error.ok()) QUANTA_ASSERT(sql::SqlStateOf(r.error).size() == 5);
  for (const sql::StatementResult& result : r.results) {
    for (const auto& row : result.rows) QUANTA_ASSERT(row.size() == result.columns.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // statements, not megabytes: keep each run fast
  sim::TestNode node(1);
  node.Run(Session(node.env(), std::string(reinterpret_cast<const char*>(data), size)));
  return 0;
}
