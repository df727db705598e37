// CatchUp on a simulated 3-node cluster: a replica that was down while the primary
// compacted its log past it rejoins by installing a streamed copy of the primary's
// store, ends with the same state, and leaves no staged or retired generation behind.
#include "engine/replication/catch_up.h"

#include "absl/strings/str_cat.h"
#include "engine/replication/test_cluster.h"
#include "gtest/gtest.h"

namespace quanta::replication {
namespace {

using testing::kNodes;
using testing::TestCluster;

TEST(CatchUpTest, AReplicaBehindTheCompactedLogInstallsACopyOfThePrimarysStore) {
  TestCluster cluster(17);
  const int p = cluster.StartPrimary();
  ASSERT_GE(p, 0) << "no primary after 5 s";
  ReplicatedNode* primary = cluster.nodes[p];
  // Take down a replica, then write well past two compactions.
  const int d = (p + 1) % kNodes;
  cluster.world.Crash(cluster.process(d));
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(cluster.WriteThrough(p, i)) << "write " << i;
  ASSERT_GT(primary->Status().snapshot_index, 0u) << "the log was never compacted";
  cluster.world.Restart(cluster.process(d));
  cluster.RunFor(absl::Seconds(10));
  ReplicatedNode* rejoined = cluster.nodes[d];
  ASSERT_NE(rejoined, nullptr);
  const NodeStatus s = rejoined->Status();
  EXPECT_GE(s.snapshots_installed, 1u) << "it caught up without a snapshot";
  EXPECT_EQ(s.applied, primary->Status().applied);
  EXPECT_GE(primary->Status().snapshots_sent, 1u);
  EXPECT_EQ(s.snapshot_failures, 0u);
}

}  // namespace
}  // namespace quanta::replication
