// CatchUp on a simulated 3-node cluster: a replica that was down while the primary
// compacted its log past it rejoins by installing a streamed copy of the primary's
// store, ends with the same state, and leaves no staged or retired generation behind.
#include "engine/replication/catch_up.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "engine/replication/node.h"
#include "sim/sim_world.h"

namespace quanta::replication {
namespace {

constexpr int kNodes = 3;

std::vector<Member> Members() {
  std::vector<Member> members;
  for (int i = 1; i <= kNodes; ++i) {
    members.emplace_back(i, absl::StrCat("n", i),
                         PeerAddresses(absl::StrCat("n", i, ":7432"), absl::StrCat("n", i, ":6432")),
                         absl::StrCat("n", i, ":5432"));
  }
  return members;
}

// One node on one simulated process; `nodes[i]` points at it while it runs.
class Body : public sim::ProcessBody {
 public:
  Body(Env& env, int id, ReplicatedNode** slot) : slot_(slot) { env.Spawn(Main(env, id)); }
  ~Body() override { *slot_ = nullptr; }

 private:
  Task<void> Main(Env& env, int id) {
    NodeOptions o;
    o.id = id;
    o.members = Members();
    o.snapshot_entries = 10;  // compact early and keep little: a replica down a while needs a snapshot
    o.snapshot_keep_entries = 2;
    o.snapshot_chunk_bytes = 4096;  // several chunks per stream
    o.on_fatal = [](absl::Status status) { ADD_FAILURE() << "a node stopped: " << status; };
    auto node = co_await ReplicatedNode::Open(env, std::move(o));
    QUANTA_ASSERT(node.ok());
    node_ = std::move(*node);
    QUANTA_ASSERT(node_->Start().ok());
    *slot_ = node_.get();
  }
  ReplicatedNode** slot_;
  std::unique_ptr<ReplicatedNode> node_;
};

int Primary(ReplicatedNode* const* nodes) {
  for (int i = 0; i < kNodes; ++i) {
    if (nodes[i] != nullptr && nodes[i]->AcceptingWrites()) return i;
  }
  return -1;
}

Task<void> Write(ReplicatedNode* node, int i, bool* ok) {
  ClientRequest w;
  w.id = static_cast<uint64_t>(i + 1);
  w.kind = ClientRequest::Kind::kWrite;
  w.writes.Put(1, absl::StrCat("k", i), std::string(300, static_cast<char>('a' + i % 26)));
  const ClientResponse r = co_await node->Handle(std::move(w));
  *ok = r.status.ok();
}

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
