// SQL on a replicated node: DDL and DML commit through Raft on the primary, a replica
// answers queries at its applied index and refuses writes with 25006 naming the primary.
#include "sql/session/node_access.h"

#include <memory>

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

}  // namespace
}  // namespace quanta::sql
