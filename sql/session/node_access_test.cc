// SQL on a replicated node: DDL and DML commit through Raft on the primary, a replica
// answers queries at its applied index and refuses writes with 25006 naming the primary.
#include "sql/session/node_access.h"

#include <memory>

#include "engine/env/assert.h"
#include "engine/env/planted.h"
#include "engine/replication/test_cluster.h"
#include "gtest/gtest.h"
#include "sql/common/sql_error.h"
#include "sql/session/sql_engine.h"

namespace quanta::sql {
namespace {

Task<void> RunSql(SqlEngine* engine, std::string sql, ExecuteResult* out) { *out = co_await engine->Execute(std::move(sql)); }

class SqlOnClusterTest : public ::testing::Test {
 protected:
  SqlOnClusterTest() : cluster_(21) {}
  void SetUp() override {
    primary_ = cluster_.StartPrimary();
    ASSERT_GE(primary_, 0);
    replica_ = (primary_ + 1) % replication::testing::kNodes;
    for (int i = 0; i < replication::testing::kNodes; ++i) {
      access_[i] = std::make_unique<NodeAccess>(*cluster_.nodes[i]);
      engines_[i] = std::make_unique<SqlEngine>(*cluster_.process(i).env(), *access_[i]);
    }
  }
  void TearDown() override {
    for (auto& e : engines_) e.reset();
    for (auto& a : access_) a.reset();
  }
  ExecuteResult On(int node, const std::string& sql) {
    ExecuteResult r;
    r.error = absl::InternalError("did not finish");
    cluster_.process(node).env()->Spawn(RunSql(engines_[node].get(), sql, &r));
    cluster_.RunFor(absl::Seconds(2));
    return r;
  }

  replication::testing::TestCluster cluster_;
  int primary_ = -1, replica_ = -1;
  std::unique_ptr<NodeAccess> access_[replication::testing::kNodes];
  std::unique_ptr<SqlEngine> engines_[replication::testing::kNodes];
};

TEST_F(SqlOnClusterTest, WritesCommitOnThePrimaryAndReplicasServeReads) {
  ASSERT_TRUE(On(primary_, "CREATE TABLE t (id int PRIMARY KEY, v text)").error.ok());
  ExecuteResult inserted = On(primary_, "INSERT INTO t VALUES (1, 'a'), (2, 'b')");
  ASSERT_TRUE(inserted.error.ok()) << inserted.error;
  EXPECT_EQ(inserted.results[0].tag, "INSERT 0 2");
  ExecuteResult read = On(replica_, "SELECT v FROM t ORDER BY id");
  ASSERT_TRUE(read.error.ok()) << read.error;
  ASSERT_EQ(read.results[0].rows.size(), 2u);
  EXPECT_EQ(*read.results[0].rows[1][0], "b");
}

TEST_F(SqlOnClusterTest, AReplicaRefusesWritesWith25006NamingThePrimary) {
  ASSERT_TRUE(On(primary_, "CREATE TABLE t (id int)").error.ok());
  for (const char* sql : {"INSERT INTO t VALUES (1)", "CREATE TABLE u (x int)", "DELETE FROM t", "DROP TABLE t"}) {
    ExecuteResult r = On(replica_, sql);
    ASSERT_FALSE(r.error.ok()) << sql;
    EXPECT_EQ(SqlStateOf(r.error), "25006") << sql;
    EXPECT_NE(r.error.message().find(absl::StrCat("n", primary_ + 1, ":5432")), std::string::npos) << r.error;
  }
  ExecuteResult count = On(primary_, "SELECT count(*) FROM t");
  ASSERT_TRUE(count.error.ok());
  EXPECT_EQ(*count.results[0].rows[0][0], "0");
}

TEST_F(SqlOnClusterTest, DdlOnThePrimaryReachesEveryReplicasCatalog) {
  ASSERT_TRUE(On(primary_, "CREATE TABLE a (x int); INSERT INTO a VALUES (7)").error.ok());
  for (int i = 0; i < replication::testing::kNodes; ++i) {
    ExecuteResult r = On(i, "SELECT x FROM a");
    ASSERT_TRUE(r.error.ok()) << "node " << i << ": " << r.error;
    EXPECT_EQ(*r.results[0].rows[0][0], "7");
  }
  ASSERT_TRUE(On(primary_, "DROP TABLE a").error.ok());
  ExecuteResult gone = On(replica_, "SELECT x FROM a");
  ASSERT_FALSE(gone.error.ok());
  EXPECT_EQ(SqlStateOf(gone.error), "42P01");
}

TEST_F(SqlOnClusterTest, SequencesAdvanceThroughRaftAndReplicasRefuseNextval) {
  ASSERT_TRUE(On(primary_, "CREATE TABLE t (id serial PRIMARY KEY, v text)").error.ok());
  ASSERT_TRUE(On(primary_, "INSERT INTO t (v) VALUES ('a'), ('b')").error.ok());
  ExecuteResult drawn = On(primary_, "SELECT nextval('t_id_seq')");
  ASSERT_TRUE(drawn.error.ok()) << drawn.error;
  EXPECT_EQ(*drawn.results[0].rows[0][0], "3");
  ExecuteResult refused = On(replica_, "SELECT nextval('t_id_seq')");
  ASSERT_FALSE(refused.error.ok());
  EXPECT_EQ(SqlStateOf(refused.error), "25006") << refused.error;
  // The replica has the rows the sequence numbered, and a mention of nextval in a
  // string does not make a query a writer.
  ExecuteResult read = On(replica_, "SELECT count(*), max(id), 'nextval' FROM t");
  ASSERT_TRUE(read.error.ok()) << read.error;
  EXPECT_EQ(*read.results[0].rows[0][0], "2");
  EXPECT_EQ(*read.results[0].rows[0][1], "2");
  // The state moved by the query reached the log: the next insert numbers on from it.
  ExecuteResult next = On(primary_, "INSERT INTO t (v) VALUES ('c') RETURNING id");
  ASSERT_TRUE(next.error.ok()) << next.error;
  EXPECT_EQ(*next.results[0].rows[0][0], "4");
}

// Two increments of one balance, the first answered 08007 (its entry not committed
// within sync_timeout, though it commits later): the final balance, and whether the
// second was refused before it proposed.
struct PendingIncrements {
  std::string balance;
  std::string first_state, second_state;
};

PendingIncrements IncrementBehindAPendingCommit(uint64_t seed) {
  replication::testing::TestCluster cluster(seed, absl::Microseconds(1));  // every sync write answers 08007
  const int p = cluster.StartPrimary();
  QUANTA_ASSERT(p >= 0);
  NodeAccess access(*cluster.nodes[p]);
  SqlEngine engine(*cluster.process(p).env(), access);
  Env& env = *cluster.process(p).env();
  auto run = [&](std::string sql, absl::Duration settle) {
    ExecuteResult r;
    env.Spawn(RunSql(&engine, std::move(sql), &r));
    cluster.RunFor(settle);
    return r;
  };
  run("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint)", absl::Seconds(2));
  run("INSERT INTO accounts VALUES (1, 100)", absl::Seconds(2));
  ExecuteResult first, second;
  env.Spawn(RunSql(&engine, "UPDATE accounts SET balance = balance + 10 WHERE id = 1", &first));
  env.Spawn(RunSql(&engine, "UPDATE accounts SET balance = balance + 10 WHERE id = 1", &second));
  cluster.RunFor(absl::Seconds(2));
  ExecuteResult read = run("SELECT balance FROM accounts", absl::Seconds(2));
  QUANTA_ASSERT(read.error.ok() && read.results.size() == 1);
  return PendingIncrements{*read.results[0].rows[0][0], SqlStateOf(first.error), SqlStateOf(second.error)};
}

TEST(SqlWriterTest, AWriteBehindAnUnknownOutcomeCommitReadsItOrIsRefused) {
  const PendingIncrements r = IncrementBehindAPendingCommit(41);
  EXPECT_EQ(r.first_state, "08007");  // the entry did not commit within the microsecond
  // The second statement may not read around the pending entry: it waits for it
  // (and then gets 08007 itself) or is refused as unavailable before proposing.
  if (r.second_state == "57P03") {
    EXPECT_EQ(r.balance, "110");
  } else {
    EXPECT_EQ(r.second_state, "08007");
    EXPECT_EQ(r.balance, "120");
  }
}

TEST(SqlWriterTest, ThePlantedBugLosesTheFirstIncrement) {
  // The same run with the write barrier planted away: the second statement reads the
  // balance without the pending +10 and its write set overwrites it once both commit.
  ScopedPlantedBug planted(PlantedBug::kSqlWriterReadsAroundPending);
  const PendingIncrements r = IncrementBehindAPendingCommit(41);
  EXPECT_EQ(r.first_state, "08007");
  EXPECT_EQ(r.second_state, "08007");
  EXPECT_EQ(r.balance, "110");
}

}  // namespace
}  // namespace quanta::sql
