// The Raft core in a deterministic in-memory cluster: messages are queued and
// delivered in rounds, and the test can isolate nodes, rewrite or drop messages, and
// restart a node from what it persisted. Every round checks election safety (one
// leader per term) and state machine safety (applied logs agree on their prefix).
#include "engine/raft/raft.h"

#include <deque>
#include <functional>
#include <memory>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace quanta::raft {
namespace {

struct Durable {
  HardState hard_state;
  std::vector<Entry> log;
};

class Cluster {
 public:
  // Nodes 1..n vote; nodes n+1..n+learners are learners.
  explicit Cluster(int n, uint64_t seed = 1, std::vector<Durable> durable = {}, int learners = 0,
                   std::function<void(Config&)> tweak = nullptr)
      : seed_(seed), tweak_(std::move(tweak)) {
    for (int i = 1; i <= n; ++i) voters_.push_back(i);
    for (int i = n + 1; i <= n + learners; ++i) learners_.push_back(i);
    const size_t total = n + learners;
    durable_ = durable.empty() ? std::vector<Durable>(total) : std::move(durable);
    applied_.resize(total);
    for (size_t i = 0; i < total; ++i) nodes_.push_back(Start(i));
  }

  Raft& node(NodeId id) { return *nodes_[id - 1]; }
  const std::vector<Entry>& applied(NodeId id) const { return applied_[id - 1]; }

  // Delivers messages and carries out Ready batches until nothing moves.
  void Settle() {
    for (int guard = 0; guard < 10000; ++guard) {
      bool moved = false;
      for (size_t i = 0; i < nodes_.size(); ++i) moved |= Drain(i);
      if (network_.empty() && !moved) return;
      std::deque<Message> batch;
      batch.swap(network_);
      for (Message& m : batch) {
        if (isolated_.contains(m.from) || isolated_.contains(m.to)) continue;
        if (drop_rate_ > 0 && rng_.Bernoulli(drop_rate_)) continue;
        if (rewrite_ && !rewrite_(m)) continue;
        nodes_[m.to - 1]->Step(m);
      }
      CheckSafety();
    }
    FAIL() << "the cluster never settled";
  }
  void Tick(int rounds = 1) {
    for (int r = 0; r < rounds; ++r) {
      for (auto& node : nodes_) node->Tick();
      Settle();
    }
  }
  // Ticks until exactly one non-isolated node leads (at most `limit` rounds).
  NodeId ElectLeader(int limit = 200) {
    for (int r = 0; r < limit; ++r) {
      if (NodeId leader = Leader(); leader != kNoNode) return leader;
      Tick();
    }
    return kNoNode;
  }
  // The reachable leader of the highest term, if no reachable node is in a later
  // term (a deposed leader may not know it yet) and it has committed an entry of its
  // own term (it is established).
  NodeId Leader() const {
    NodeId best = kNoNode;
    Term max_term = 0;
    for (const auto& node : nodes_) {
      if (isolated_.contains(node->id())) continue;
      max_term = std::max(max_term, node->term());
      if (node->role() == Role::kLeader && (best == kNoNode || node->term() > nodes_[best - 1]->term())) {
        best = node->id();
      }
    }
    if (best == kNoNode) return kNoNode;
    const Raft& leader = *nodes_[best - 1];
    if (leader.term() != max_term || leader.log().TermAt(leader.commit()) != leader.term()) return kNoNode;
    return best;
  }
  // Ticks until `leader` has committed its whole log and every node has applied
  // exactly that (at most `limit` rounds).
  bool Converge(NodeId leader, int limit = 100) {
    for (int r = 0; r < limit; ++r) {
      bool same = true;
      for (const auto& applied : applied_) same = same && applied == applied_[leader - 1];
      const Raft& l = *nodes_[leader - 1];
      if (same && l.commit() == l.log().last_index() && applied_[leader - 1].size() == l.commit()) return true;
      Tick();
    }
    return false;
  }
  Index Propose(NodeId leader, const std::string& data) {
    auto index = node(leader).Propose(data);
    EXPECT_TRUE(index.ok()) << index.status();
    Settle();
    return index.ok() ? *index : 0;
  }

  void Isolate(NodeId id) { isolated_.insert(id); }
  void HealAll() { isolated_.clear(); }
  void set_drop_rate(double p) { drop_rate_ = p; }
  // Sees (and may edit) every message before delivery; false drops it.
  void set_rewrite(std::function<bool(Message&)> rewrite) { rewrite_ = std::move(rewrite); }

  // Crash and restart: the node comes back with only what it persisted.
  void Restart(NodeId id) {
    applied_[id - 1].clear();  // the state machine is rebuilt from the log
    nodes_[id - 1] = Start(id - 1);
  }

 private:
  std::unique_ptr<Raft> Start(size_t i) {
    Config c;
    c.id = i + 1;
    c.voters = voters_;
    c.learners = learners_;
    c.seed = Random::DeriveSeed(seed_, absl::StrCat("node", c.id, "/start", restarts_++));
    if (tweak_) tweak_(c);
    c.max_entries_per_append = 3;  // small batches: flow control is exercised
    c.max_inflight_appends = 2;
    return std::make_unique<Raft>(c, durable_[i].hard_state, durable_[i].log);
  }

  bool Drain(size_t i) {
    bool moved = false;
    while (nodes_[i]->HasReady()) {
      moved = true;
      Ready ready = nodes_[i]->TakeReady();
      Durable& d = durable_[i];
      if (ready.hard_state) d.hard_state = *ready.hard_state;
      if (!ready.entries.empty()) {
        d.log.resize(ready.entries.front().index - 1);
        d.log.insert(d.log.end(), ready.entries.begin(), ready.entries.end());
      }
      for (Message& m : ready.messages) network_.push_back(std::move(m));
      for (const Entry& e : ready.committed) {
        EXPECT_EQ(e.index, applied_[i].size() + 1);
        applied_[i].push_back(e);
      }
      nodes_[i]->Advance(ready);
    }
    return moved;
  }

  void CheckSafety() {
    for (const auto& node : nodes_) {
      if (node->role() != Role::kLeader) continue;
      auto [it, inserted] = leaders_.emplace(node->term(), node->id());
      ASSERT_EQ(it->second, node->id()) << "two leaders in term " << node->term();
    }
    for (size_t a = 0; a < applied_.size(); ++a) {
      for (size_t b = a + 1; b < applied_.size(); ++b) {
        const size_t common = std::min(applied_[a].size(), applied_[b].size());
        for (size_t k = 0; k < common; ++k) {
          ASSERT_EQ(applied_[a][k], applied_[b][k]) << "nodes " << a + 1 << " and " << b + 1
                                                    << " applied different entries at index " << k + 1;
        }
      }
    }
  }

  uint64_t seed_;
  std::function<void(Config&)> tweak_;
  Random rng_{seed_};
  uint64_t restarts_ = 0;
  std::vector<NodeId> voters_;
  std::vector<NodeId> learners_;
  std::vector<std::unique_ptr<Raft>> nodes_;
  std::vector<Durable> durable_;
  std::vector<std::vector<Entry>> applied_;
  std::deque<Message> network_;
  absl::btree_set<NodeId> isolated_;
  double drop_rate_ = 0;
  std::function<bool(Message&)> rewrite_;
  absl::btree_map<Term, NodeId> leaders_;  // every leader ever seen, by term
};

std::vector<std::string> Payloads(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) {
    if (!e.data.empty()) out.push_back(e.data);
  }
  return out;
}

TEST(RaftTest, ElectsOneLeaderAndEveryNodeAppliesTheSameEntries) {
  Cluster c(3);
  const NodeId leader = c.ElectLeader();
  ASSERT_NE(leader, kNoNode);
  for (int i = 0; i < 20; ++i) c.Propose(leader, absl::StrCat("cmd", i));
  c.Tick(2);  // heartbeats carry the final commit index to followers
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_EQ(Payloads(c.applied(id)).size(), 20u) << id;
    EXPECT_EQ(c.applied(id), c.applied(leader)) << id;
  }
  auto refused = c.node(leader == 1 ? 2 : 1).Propose("x");
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status()));
  EXPECT_NE(refused.status().message().find(absl::StrCat("node ", leader)), std::string::npos) << refused.status();
}

TEST(RaftTest, SingleNodeCommitsOnItsOwn) {
  Cluster c(1);
  ASSERT_EQ(c.ElectLeader(), 1u);
  c.Propose(1, "solo");
  EXPECT_EQ(Payloads(c.applied(1)), std::vector<std::string>{"solo"});
}

// An isolated leader stops leading within an election timeout (check-quorum); the
// others elect a new one that keeps every committed entry; the old leader rejoins as
// a follower and its uncommitted proposal is replaced.
TEST(RaftTest, FailoverKeepsCommittedEntriesAndTheOldLeaderConverges) {
  Cluster c(3, 7);
  const NodeId old_leader = c.ElectLeader();
  ASSERT_NE(old_leader, kNoNode);
  for (int i = 0; i < 5; ++i) c.Propose(old_leader, absl::StrCat("before", i));
  c.Tick(2);
  c.Isolate(old_leader);
  (void)c.node(old_leader).Propose("lost");  // never reaches a quorum
  c.Tick(25);
  EXPECT_NE(c.node(old_leader).role(), Role::kLeader) << "an isolated leader must step down";
  const NodeId new_leader = c.ElectLeader();
  ASSERT_NE(new_leader, kNoNode);
  ASSERT_NE(new_leader, old_leader);
  c.Propose(new_leader, "after");
  c.HealAll();
  c.Tick(30);
  const std::vector<std::string> expected = {"before0", "before1", "before2", "before3", "before4", "after"};
  for (NodeId id = 1; id <= 3; ++id) EXPECT_EQ(Payloads(c.applied(id)), expected) << id;
  EXPECT_EQ(c.node(old_leader).log().last_index(), c.node(new_leader).log().last_index());
}

// Pre-vote: a node cut off for a long time does not raise its term, so when it comes
// back the working leader is undisturbed.
TEST(RaftTest, PreVoteKeepsAPartitionedNodeFromDisruptingTheLeader) {
  Cluster c(3, 11);
  const NodeId leader = c.ElectLeader();
  ASSERT_NE(leader, kNoNode);
  const Term term = c.node(leader).term();
  const NodeId loner = leader == 3 ? 1 : 3;
  c.Isolate(loner);
  c.Tick(100);
  EXPECT_EQ(c.node(loner).term(), term);
  c.HealAll();
  c.Tick(20);
  EXPECT_EQ(c.Leader(), leader);
  EXPECT_EQ(c.node(leader).term(), term);
}

// Raft figure 8: a leader of term 3 must not commit index 2 (term 2) merely because a
// majority holds it; only once an entry of its own term is on a majority.
TEST(RaftTest, EntriesOfEarlierTermsAreNotCommittedByCounting) {
  const std::vector<Entry> long_log = {Entry(1, 1, "a"), Entry(2, 2, "b")};
  std::vector<Durable> durable(3);
  for (Durable& d : durable) d.hard_state = HardState{2, kNoNode, 1};
  durable[0].log = long_log;
  durable[1].log = long_log;
  durable[2].log = {Entry(1, 1, "a")};
  // Without check-quorum, so node 1 can campaign before the others' clocks start.
  Cluster c(3, 3, durable, 0, [](Config& config) { config.check_quorum = false; });
  // Node 1 campaigns first; entries of its own term (3) never reach anyone.
  c.set_rewrite([](Message& m) {
    std::erase_if(m.entries, [](const Entry& e) { return e.term >= 3; });
    return true;
  });
  for (int r = 0; r < 40 && c.node(1).role() != Role::kLeader; ++r) {
    c.node(1).Tick();
    c.Settle();
  }
  ASSERT_EQ(c.node(1).role(), Role::kLeader);
  ASSERT_EQ(c.node(1).term(), 3u);
  c.Tick(5);  // node 2 acknowledges index 2; node 1 holds 3; quorum index = 2 (term 2)
  EXPECT_EQ(c.node(1).commit(), 1u);
  c.set_rewrite(nullptr);
  c.Tick(3);
  EXPECT_EQ(c.node(1).commit(), 3u);
}

// A restarted node keeps its term, vote and log (what it persisted) and catches up.
TEST(RaftTest, RestartedFollowerCatchesUp) {
  Cluster c(3, 5);
  const NodeId leader = c.ElectLeader();
  ASSERT_NE(leader, kNoNode);
  const NodeId follower = leader == 2 ? 3 : 2;
  c.Propose(leader, "one");
  c.Isolate(follower);
  c.Propose(leader, "two");
  c.Restart(follower);
  EXPECT_EQ(c.node(follower).term(), c.node(leader).term());
  c.HealAll();
  c.Tick(5);
  EXPECT_EQ(Payloads(c.applied(follower)), (std::vector<std::string>{"one", "two"}));
}

// A learner receives and applies the log but never campaigns, and its
// acknowledgements never make a quorum: with two of three voters cut off, nothing
// commits even though the leader and the learner both hold the entry.
TEST(RaftTest, LearnersReplicateButNeverVoteOrCount) {
  Cluster c(3, 13, {}, /*learners=*/1);
  const NodeId leader = c.ElectLeader();
  ASSERT_NE(leader, kNoNode);
  ASSERT_NE(leader, 4u);
  c.Propose(leader, "seen by all");
  c.Tick(2);
  EXPECT_EQ(Payloads(c.applied(4)), std::vector<std::string>{"seen by all"});
  for (NodeId id = 1; id <= 3; ++id) {
    if (id != leader) c.Isolate(id);
  }
  const Index index = *c.node(leader).Propose("needs a voter");
  c.Tick(3);
  EXPECT_EQ(c.node(4).log().last_index(), index);  // the learner has it...
  EXPECT_LT(c.node(leader).commit(), index);       // ...and it does not count
  c.Tick(60);
  EXPECT_EQ(c.node(4).role(), Role::kFollower);    // and it never campaigns
  EXPECT_NE(c.node(leader).role(), Role::kLeader);  // check-quorum ignores it too
}

// The lease: held while a quorum answers heartbeats, lost within lease_ticks of being
// cut off, and never held by a node while another node leads.
TEST(RaftTest, LeaseEndsBeforeAnotherLeaderCanExist) {
  Cluster c(3, 17);
  const NodeId leader = c.ElectLeader();
  ASSERT_NE(leader, kNoNode);
  c.Tick(2);
  EXPECT_TRUE(c.node(leader).HasLease());
  c.Isolate(leader);
  bool lease_lost = false;
  for (int t = 0; t < 60; ++t) {
    c.Tick();
    lease_lost = lease_lost || !c.node(leader).HasLease();
    for (NodeId id = 1; id <= 3; ++id) {
      if (id != leader && c.node(id).role() == Role::kLeader) {
        ASSERT_FALSE(c.node(leader).HasLease()) << "two nodes could serve reads at tick " << t;
      }
    }
  }
  EXPECT_TRUE(lease_lost);
  EXPECT_NE(c.Leader(), kNoNode);  // the others elected a new leader meanwhile
  EXPECT_NE(c.Leader(), leader);
}

// A node that restarts keeps honouring the lease it may have granted before it
// crashed: it ignores candidates for an election timeout after starting.
TEST(RaftTest, RestartedNodeDoesNotVoteWithinAnElectionTimeout) {
  Cluster c(3, 19);
  const NodeId leader = c.ElectLeader();
  ASSERT_NE(leader, kNoNode);
  c.Tick(2);
  const NodeId a = leader == 1 ? 2 : 1;
  const NodeId b = 6 - leader - a;
  c.Restart(a);
  Message vote;
  vote.type = MessageType::kVote;
  vote.from = b;
  vote.to = a;
  vote.term = c.node(b).term() + 1;
  vote.index = c.node(b).log().last_index();
  vote.log_term = c.node(b).log().last_term();
  const HardState before = c.node(a).hard_state();
  c.node(a).Step(vote);
  EXPECT_EQ(c.node(a).hard_state(), before) << "the request was ignored, term and all";
  c.Tick(12);  // an election timeout later it would vote again (and the leader is fine)
  EXPECT_EQ(c.Leader(), leader);
}

// Leadership transfer: a lagging target is caught up first, then takes over in the
// next term without an election timeout; nothing committed is lost.
TEST(RaftTest, LeadershipTransferCatchesTheTargetUpThenHandsOver) {
  Cluster c(3, 23);
  const NodeId leader = c.ElectLeader();
  ASSERT_NE(leader, kNoNode);
  const NodeId target = leader == 3 ? 1 : 3;
  c.Isolate(target);
  for (int i = 0; i < 10; ++i) c.Propose(leader, absl::StrCat("x", i));
  c.HealAll();
  const Term term = c.node(leader).term();
  ASSERT_TRUE(c.node(leader).TransferLeadership(target).ok());
  EXPECT_TRUE(absl::IsUnavailable(c.node(leader).Propose("during").status()));
  c.Settle();
  EXPECT_EQ(c.node(target).role(), Role::kLeader);
  EXPECT_EQ(c.node(target).term(), term + 1);
  EXPECT_EQ(c.node(leader).role(), Role::kFollower);
  c.Propose(target, "after");
  ASSERT_TRUE(c.Converge(target));
  EXPECT_EQ(Payloads(c.applied(leader)).size(), 11u);
  EXPECT_FALSE(c.node(target).TransferLeadership(target).ok());
}

// A transfer to an unreachable node is abandoned after an election timeout and the
// leader takes proposals again.
TEST(RaftTest, LeadershipTransferToAnUnreachableNodeIsAbandoned) {
  Cluster c(3, 29);
  const NodeId leader = c.ElectLeader();
  ASSERT_NE(leader, kNoNode);
  const NodeId target = leader == 3 ? 1 : 3;
  c.Isolate(target);
  ASSERT_TRUE(c.node(leader).TransferLeadership(target).ok());
  c.Tick(12);
  EXPECT_EQ(c.node(leader).transferring_to(), kNoNode);
  EXPECT_EQ(c.node(leader).role(), Role::kLeader);
  EXPECT_TRUE(c.node(leader).Propose("resumed").ok());
}

// Random partitions, message loss, restarts and proposals: safety is checked every
// round; after healing, a leader exists and every node applies the same entries.
RC_GTEST_PROP(RaftProperty, SafeUnderPartitionsLossAndRestarts, (uint64_t seed)) {
  const int n = *rc::gen::element(3, 5);
  const int learners = *rc::gen::inRange(0, 3);
  Cluster c(n, seed, {}, learners);
  const int total = n + learners;
  Random rng(seed);
  int proposals = 0;
  for (int step = 0; step < 150; ++step) {
    const uint64_t action = rng.Uniform(10);
    if (action < 4) {
      c.Tick();
    } else if (action < 6) {
      if (NodeId leader = c.Leader(); leader != kNoNode) {
        if (c.node(leader).Propose(absl::StrCat("p", proposals)).ok()) ++proposals;
        c.Settle();
      }
    } else if (action == 6) {
      c.Isolate(1 + rng.Uniform(total));
    } else if (action == 7) {
      c.HealAll();
    } else if (action == 8) {
      c.set_drop_rate(rng.Bernoulli(0.5) ? 0 : 0.2);
      if (NodeId leader = c.Leader(); leader != kNoNode && rng.Bernoulli(0.3)) {
        (void)c.node(leader).TransferLeadership(1 + rng.Uniform(n));
      }
    } else {
      c.Restart(1 + rng.Uniform(total));
    }
  }
  c.HealAll();
  c.set_drop_rate(0);
  // Liveness after healing: a leader emerges and everyone applies what it commits.
  // (Leadership may still change once right after the heal: nodes that missed the
  // election campaign. Then the proposal may be lost, legitimately; try again.)
  // (A transfer still in progress refuses proposals until it completes or is dropped.)
  bool final_applied = false;
  for (int attempt = 0; attempt < 20 && !final_applied; ++attempt) {
    const NodeId leader = c.ElectLeader(300);
    RC_ASSERT(leader != kNoNode);
    const std::string final_entry = absl::StrCat("final", attempt);
    if (!c.node(leader).Propose(final_entry).ok()) {
      c.Tick();
      continue;
    }
    c.Settle();
    RC_ASSERT(c.Converge(leader));
    const std::vector<std::string> payloads = Payloads(c.applied(leader));
    final_applied = !payloads.empty() && payloads.back() == final_entry;
    for (NodeId id = 1; id <= static_cast<NodeId>(total); ++id) RC_ASSERT(c.applied(id) == c.applied(leader));
  }
  RC_ASSERT(final_applied);
}

}  // namespace
}  // namespace quanta::raft
