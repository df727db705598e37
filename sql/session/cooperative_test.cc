// Item 9 of the SQL engine: a statement shares the node's loop with Raft, so long work
// yields. The simulator turns the CPU a query is charged into busy time for its node
// (Env::ChargeCpu): a minute-long join on the primary of a 3-node cluster must cause no
// election and no loss of the lease, and the same join run without yielding must cost
// the primary its leadership (the test can tell the difference).
#include <memory>

#include "engine/replication/test_cluster.h"
#include "gtest/gtest.h"
#include "sql/session/node_access.h"
#include "sql/session/sql_engine.h"

namespace quanta::sql {
namespace {

using replication::testing::kNodes;

Task<void> RunSql(SqlEngine* engine, std::string sql, ExecuteResult* out, bool* done) {
  *out = co_await engine->Execute(std::move(sql));
  *done = true;
}

struct LongQueryOutcome {
  bool finished = false;
  ExecuteResult result;
  absl::Duration took;
  raft::Term term_before = 0, term_after = 0;
  bool still_primary = false;
};

// Loads 2000 rows on the primary, then runs a join of 4M row pairs charged 15 µs each
// (a minute of CPU) there, yielding every `yield_every`.
LongQueryOutcome RunLongJoin(absl::Duration yield_every) {
  replication::testing::TestCluster cluster(11);
  const int p = cluster.StartPrimary();
  QUANTA_ASSERT(p >= 0);
  NodeAccess access(*cluster.nodes[p]);
  Env& env = *cluster.process(p).env();
  SqlEngine loader(env, access);
  ExecuteResult loaded;
  bool done = false;
  env.Spawn(RunSql(&loader,
                   "CREATE TABLE t (a int PRIMARY KEY);"
                   "INSERT INTO t WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 2000) SELECT n FROM r",
                   &loaded, &done));
  cluster.RunFor(absl::Seconds(5));
  QUANTA_ASSERT(done && loaded.error.ok());
  SqlEngineOptions options;
  options.row_cost = absl::Microseconds(15);
  options.yield_every = yield_every;
  SqlEngine slow(env, access, SessionInfo(), options);
  LongQueryOutcome out;
  out.term_before = cluster.nodes[p]->term();
  const absl::Duration start = cluster.world.Now();
  bool finished = false;
  // Not an equi-join of columns: a nested loop over all 4M pairs.
  env.Spawn(RunSql(&slow, "SELECT count(*) FROM t x JOIN t y ON x.a - y.a = 1000", &out.result, &finished));
  while (!finished && cluster.world.Now() - start < absl::Seconds(300)) cluster.RunFor(absl::Milliseconds(100));
  out.finished = finished;
  out.took = cluster.world.Now() - start;
  // Past the end of the charged minute either way, and then some.
  while (cluster.world.Now() - start < absl::Seconds(65)) cluster.RunFor(absl::Seconds(1));
  cluster.RunFor(absl::Seconds(3));
  for (int i = 0; i < kNodes; ++i) {
    if (cluster.nodes[i] != nullptr) out.term_after = std::max(out.term_after, cluster.nodes[i]->term());
  }
  out.still_primary = cluster.nodes[p] != nullptr && cluster.nodes[p]->IsLeader() && cluster.nodes[p]->AcceptingWrites();
  return out;
}

TEST(CooperativeExecutionTest, AMinuteLongJoinOnThePrimaryCausesNoElection) {
  const LongQueryOutcome out = RunLongJoin(absl::Milliseconds(2));
  ASSERT_TRUE(out.finished);
  ASSERT_TRUE(out.result.error.ok()) << out.result.error;
  EXPECT_EQ(*out.result.results[0].rows[0][0], "1000");
  EXPECT_GE(out.took, absl::Seconds(55)) << "the query was charged a minute of CPU";
  EXPECT_EQ(out.term_after, out.term_before) << "an election happened during the query";
  EXPECT_TRUE(out.still_primary);
}

TEST(CooperativeExecutionTest, TheSameJoinWithoutYieldingCostsThePrimaryItsLeadership) {
  const LongQueryOutcome out = RunLongJoin(absl::InfiniteDuration());
  ASSERT_TRUE(out.finished);
  EXPECT_GT(out.term_after, out.term_before) << "heartbeats starved for a minute, yet no election";
}

}  // namespace
}  // namespace quanta::sql
