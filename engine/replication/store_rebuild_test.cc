// StoreRebuild on a simulated 3-node cluster: a replica whose store is found damaged
// when it restarts rebuilds it before taking part in Raft — from a peer's copy when
// its log was compacted, by re-applying its own log when it was not — and ends with
// the primary's state; its raft log (votes, acknowledged entries) is kept.
#include "engine/replication/store_rebuild.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/env/coverage.h"
#include "engine/replication/test_cluster.h"
#include "gtest/gtest.h"

namespace quanta::replication {
namespace {

using testing::kNodes;
using testing::TestCluster;

// Marks the live store generation of `disk` damaged, as a node that found its
// checksums failing does before it stops.
void MarkStoreDamaged(sim::SimDisk& disk) {
  std::string current = "store-1";
  if (std::shared_ptr<sim::Inode> file = disk.Lookup("data/CURRENT")) current = file->current.substr(0, file->current.find('\n'));
  auto damaged = disk.Open(absl::StrCat("data/", current, "/damaged"), /*create=*/true, false, true);
  ASSERT_TRUE(damaged.ok()) << damaged.status();
  ASSERT_TRUE(disk.Write(**damaged, 0, "a page failed its checksum (test)").ok());
  ASSERT_TRUE(disk.Sync(**damaged, disk.SnapshotDirty(**damaged)).ok());
}

// Runs a cluster, writes `before` entries, takes a replica down, writes `after` more,
// damages the replica's store and restarts it; returns the rejoined replica's status
// and the primary's.
void RebuildAfter(int before, int after, uint64_t seed, NodeStatus* rejoined, NodeStatus* primary_status) {
  TestCluster cluster(seed);
  const int p = cluster.StartPrimary();
  ASSERT_GE(p, 0) << "no primary after 5 s";
  const int d = (p + 1) % kNodes;
  for (int i = 0; i < before + after; ++i) {
    if (i == before) cluster.world.Crash(cluster.process(d));
    ASSERT_TRUE(cluster.WriteThrough(p, i)) << "write " << i;
  }
  if (after == 0) cluster.world.Crash(cluster.process(d));
  MarkStoreDamaged(cluster.process(d).disk());
  cluster.world.Restart(cluster.process(d));
  cluster.RunFor(absl::Seconds(10));
  ASSERT_NE(cluster.nodes[d], nullptr);
  *rejoined = cluster.nodes[d]->Status();
  *primary_status = cluster.nodes[p]->Status();
}

TEST(StoreRebuildTest, ADamagedStoreIsRebuiltFromAPeersCopyOnceTheLogWasCompacted) {
  NodeStatus rejoined, primary;
  const uint64_t pulled = coverage::Hits(coverage::Mark::kReplStoreRebuiltFromPeer);
  RebuildAfter(40, 0, 21, &rejoined, &primary);  // its own log compacted: it needs a copy
  EXPECT_EQ(coverage::Hits(coverage::Mark::kReplStoreRebuiltFromPeer), pulled + 1) << "no rebuild from a peer";
  ASSERT_GT(primary.snapshot_index, 0u) << "the log was never compacted";
  EXPECT_GE(rejoined.snapshots_installed, 1u);
  EXPECT_EQ(rejoined.applied, primary.applied);
}

TEST(StoreRebuildTest, ADamagedStoreIsRebuiltFromItsOwnLogWhenNothingWasCompacted) {
  NodeStatus rejoined, primary;
  const uint64_t replayed = coverage::Hits(coverage::Mark::kReplStoreRebuiltFromLog);
  RebuildAfter(0, 5, 22, &rejoined, &primary);  // below snapshot_entries: nothing compacted
  EXPECT_EQ(coverage::Hits(coverage::Mark::kReplStoreRebuiltFromLog), replayed + 1) << "no rebuild from the log";
  ASSERT_EQ(primary.snapshot_index, 0u);
  EXPECT_GE(rejoined.snapshots_installed, 1u);  // (a rebuild counts as an install)
  EXPECT_EQ(rejoined.applied, primary.applied);
  EXPECT_EQ(primary.snapshots_sent, 0u);  // nobody was asked for a copy
}

}  // namespace
}  // namespace quanta::replication
