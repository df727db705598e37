// StatusReporter on a simulated 3-node cluster: the primary reports a replica that is
// down as unreachable and lagging (entries, bytes and time), and caught up again once
// it rejoins; replicas report their role and the leader.
#include "engine/replication/node_status.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/replication/test_cluster.h"
#include "gtest/gtest.h"

namespace quanta::replication {
namespace {

using testing::kNodes;
using testing::TestCluster;

const ReplicaStatus& Of(const NodeStatus& s, raft::NodeId id) {
  for (const ReplicaStatus& r : s.replicas) {
    if (r.id == id) return r;
  }
  ADD_FAILURE() << "no status for node " << id;
  return s.replicas.front();
}

TEST(StatusReporterTest, APrimaryReportsADownReplicaLaggingThenCaughtUp) {
  TestCluster cluster(31);
  ReplicatedNode* const* nodes = cluster.nodes;
  const int p = cluster.StartPrimary();
  ASSERT_GE(p, 0);
  const int d = (p + 1) % kNodes;
  const NodeStatus healthy = nodes[p]->Status();
  EXPECT_STREQ(healthy.role, "primary");
  EXPECT_TRUE(healthy.accepting_writes);
  EXPECT_GE(healthy.elections_won, 1u);
  ASSERT_EQ(healthy.replicas.size(), 2u);
  const NodeStatus replica = nodes[d]->Status();
  EXPECT_STREQ(replica.role, "follower");
  EXPECT_EQ(replica.leader, static_cast<raft::NodeId>(p + 1));
  EXPECT_FALSE(replica.accepting_writes);

  cluster.world.Crash(cluster.process(d));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(cluster.WriteThrough(p, i, absl::Milliseconds(400)));
  const NodeStatus lagging = nodes[p]->Status();
  const ReplicaStatus& gone = Of(lagging, d + 1);
  EXPECT_GT(gone.lag_entries, 0u);
  EXPECT_GT(gone.lag_bytes, 0u);
  EXPECT_GE(gone.lag, absl::Seconds(1));
  EXPECT_TRUE(gone.unreachable);
  EXPECT_TRUE(lagging.partition_suspected);  // one peer unreachable, the other not
  EXPECT_EQ(Of(lagging, 6 - (p + 1) - (d + 1)).lag_entries, 0u);  // the third node keeps up

  cluster.world.Restart(cluster.process(d));
  cluster.RunFor(absl::Seconds(5));
  const NodeStatus back = nodes[p]->Status();
  EXPECT_EQ(Of(back, d + 1).lag_entries, 0u);
  EXPECT_EQ(Of(back, d + 1).lag, absl::ZeroDuration());
  EXPECT_FALSE(back.partition_suspected);
}

}  // namespace
}  // namespace quanta::replication
