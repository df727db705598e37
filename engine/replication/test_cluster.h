// A simulated cluster of ReplicatedNodes for unit tests of the node's pieces (CatchUp,
// StoreRebuild): kNodes voters n1..n3, one per simulated process of a SimWorld, each
// publishing its node in a slot while it runs. Tests drive the world's loop.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "engine/replication/node.h"
#include "sim/sim_world.h"

namespace quanta::replication::testing {

constexpr int kNodes = 3;

inline std::vector<Member> Members() {
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
  Body(Env& env, int id, ReplicatedNode** slot, absl::Duration sync_timeout) : slot_(slot), sync_timeout_(sync_timeout) {
    env.Spawn(Main(env, id));
  }
  ~Body() override { *slot_ = nullptr; }

 private:
  Task<void> Main(Env& env, int id) {
    NodeOptions o;
    o.id = id;
    o.members = Members();
    o.snapshot_entries = 10;  // compact early and keep little: a replica down a while needs a snapshot
    o.snapshot_keep_entries = 2;
    o.snapshot_chunk_bytes = 4096;  // several chunks per stream
    o.sync_timeout = sync_timeout_;
    o.on_fatal = [](absl::Status status) { ADD_FAILURE() << "a node stopped: " << status; };
    auto node = co_await ReplicatedNode::Open(env, std::move(o));
    QUANTA_ASSERT(node.ok());
    node_ = std::move(*node);
    QUANTA_ASSERT(node_->Start().ok());
    *slot_ = node_.get();
  }
  ReplicatedNode** slot_;
  absl::Duration sync_timeout_;
  std::unique_ptr<ReplicatedNode> node_;
};

inline int Primary(ReplicatedNode* const* nodes) {
  for (int i = 0; i < kNodes; ++i) {
    if (nodes[i] != nullptr && nodes[i]->AcceptingWrites()) return i;
  }
  return -1;
}

inline Task<void> Write(ReplicatedNode* node, int i, bool* ok) {
  ClientRequest w;
  w.id = static_cast<uint64_t>(i + 1);
  w.kind = ClientRequest::Kind::kWrite;
  w.writes.Put(1, absl::StrCat("k", i), std::string(300, static_cast<char>('a' + i % 26)));
  const ClientResponse r = co_await node->Handle(std::move(w));
  *ok = r.status.ok();
}

// The world, its three nodes, and the steps the tests share.
class TestCluster {
 public:
  // `sync_timeout`: the nodes' replication.sync_timeout (short: sync writes answer
  // 08007 before their entry commits).
  explicit TestCluster(uint64_t seed, absl::Duration sync_timeout = absl::Seconds(5)) : world(seed) {
    for (int i = 0; i < kNodes; ++i) {
      world.AddProcess(absl::StrCat("n", i + 1), [this, i, sync_timeout](Env& env) {
        return std::make_unique<Body>(env, i + 1, &nodes[i], sync_timeout);
      });
    }
  }
  ~TestCluster() { world.loop().Clear(); }

  void RunFor(absl::Duration d) { world.loop().RunUntil(world.Now() + d); }
  // Runs until a primary accepts writes (at most `limit`); its index, or -1.
  int StartPrimary(absl::Duration limit = absl::Seconds(5)) {
    RunFor(limit);
    return Primary(nodes);
  }
  // Writes entry `i` through node `p`, giving it `wait` to be acknowledged.
  bool WriteThrough(int p, int i, absl::Duration wait = absl::Milliseconds(100)) {
    bool ok = false;
    world.processes()[p]->env()->Spawn(Write(nodes[p], i, &ok));
    RunFor(wait);
    return ok;
  }
  sim::SimProcess& process(int i) { return *world.processes()[i]; }

  // (Before the world: its processes' bodies clear their slot when it destroys them.)
  ReplicatedNode* nodes[kNodes] = {nullptr, nullptr, nullptr};
  sim::SimWorld world;
};

}  // namespace quanta::replication::testing
