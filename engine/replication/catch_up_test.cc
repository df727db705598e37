// CatchUp on a simulated 3-node cluster: a replica that was down while the primary
// compacted its log past it rejoins by installing a streamed copy of the primary's
// store, ends with the same state, and leaves no staged or retired generation behind.
#include "engine/replication/catch_up.h"

#include "absl/strings/str_cat.h"
#include "engine/replication/test_cluster.h"
#include "gtest/gtest.h"

namespace quanta::replication {
namespace {

using testing::Body;
using testing::kNodes;
using testing::Primary;
using testing::Write;

TEST(CatchUpTest, AReplicaBehindTheCompactedLogInstallsACopyOfThePrimarysStore) {
  sim::SimWorld world(17);
  ReplicatedNode* nodes[kNodes] = {nullptr, nullptr, nullptr};
  for (int i = 0; i < kNodes; ++i) {
    world.AddProcess(absl::StrCat("n", i + 1),
                     [&nodes, i](Env& env) { return std::make_unique<Body>(env, i + 1, &nodes[i]); });
  }
  auto run_for = [&](absl::Duration d) { world.loop().RunUntil(world.Now() + d); };
  run_for(absl::Seconds(5));
  const int p = Primary(nodes);
  ASSERT_GE(p, 0) << "no primary after 5 s";
  ReplicatedNode* primary = nodes[p];
  // Take down a replica, then write well past two compactions.
  const int d = (p + 1) % kNodes;
  sim::SimProcess& down = *world.processes()[d];
  world.Crash(down);
  for (int i = 0; i < 60; ++i) {
    bool ok = false;
    world.processes()[p]->env()->Spawn(Write(primary, i, &ok));  // on the primary's process
    run_for(absl::Milliseconds(100));
    ASSERT_TRUE(ok) << "write " << i;
  }
  ASSERT_GT(primary->Status().snapshot_index, 0u) << "the log was never compacted";
  world.Restart(down);
  run_for(absl::Seconds(10));
  ReplicatedNode* rejoined = nodes[d];
  ASSERT_NE(rejoined, nullptr);
  const NodeStatus s = rejoined->Status();
  EXPECT_GE(s.snapshots_installed, 1u) << "it caught up without a snapshot";
  EXPECT_EQ(s.applied, primary->Status().applied);
  EXPECT_GE(primary->Status().snapshots_sent, 1u);
  EXPECT_EQ(s.snapshot_failures, 0u);
  world.loop().Clear();
}

}  // namespace
}  // namespace quanta::replication
