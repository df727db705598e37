// Test support: a deterministic in-memory Raft cluster.
//
// Messages are queued and delivered in rounds; Ready batches are carried out
// (persisted into a per-node Durable, applied into a per-node list) as the contract
// says. Tests can isolate nodes, drop or rewrite messages, restart a node from what
// it persisted, and trace every Ready and delivery (the golden interaction tests).
// Every round checks election safety (one leader per term, ever), lease safety (no
// leader in a later term while a lease is held) and state machine safety (applied logs
// agree on their common prefix), failing the running gtest. Clocks tick in lockstep
// unless a node is made slow (drift).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "engine/raft/raft.h"
#include "gtest/gtest.h"

namespace quanta::raft {

struct Durable {
  HardState hard_state;
  SnapshotMeta snapshot;   // the host's latest snapshot (its data: a prefix of the applied log)
  std::vector<Entry> log;  // entries after the snapshot
};

class Cluster {
 public:
  // Nodes 1..n vote; nodes n+1..n+learners are learners; the next `spares` nodes run
  // but are not members (until a membership change adds them).
  explicit Cluster(int n, uint64_t seed = 1, std::vector<Durable> durable = {}, int learners = 0,
                   std::function<void(Config&)> tweak = nullptr, int spares = 0)
      : seed_(seed), tweak_(std::move(tweak)) {
    for (int i = 1; i <= n; ++i) voters_.push_back(i);
    for (int i = n + 1; i <= n + learners; ++i) learners_.push_back(i);
    const size_t total = n + learners + spares;
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
        if (trace_) trace_(absl::StrCat("  ", DescribeMessage(m)));
        nodes_[m.to - 1]->Step(m);
      }
      CheckSafety();
    }
    FAIL() << "the cluster never settled";
  }
  void Tick(int rounds = 1) {
    for (int r = 0; r < rounds; ++r) {
      ++round_;
      for (size_t i = 0; i < nodes_.size(); ++i) {
        const int every = i < slow_every_.size() ? slow_every_[i] : 0;
        if (every > 0 && round_ % every == 0) continue;  // a slow clock misses this tick
        nodes_[i]->Tick();
      }
      Settle();
    }
  }
  // Clock drift: node `id` misses one tick in every `every` rounds (0: none).
  void set_slow(NodeId id, int every) {
    slow_every_.resize(nodes_.size());
    slow_every_[id - 1] = every;
  }
  // Counts lease violations instead of failing on them (to show the drift bound matters).
  void count_lease_violations(int* counter) { lease_violations_ = counter; }
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
  // Ticks until `leader` has committed its whole log and every member has applied
  // exactly that (at most `limit` rounds).
  bool Converge(NodeId leader, int limit = 100) {
    for (int r = 0; r < limit; ++r) {
      const Raft& l = *nodes_[leader - 1];
      bool same = true;  // among the leader's members
      for (const std::vector<NodeId>* group : {&l.voters(), &l.learners()}) {
        for (NodeId id : *group) same = same && applied_[id - 1] == applied_[leader - 1];
      }
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

  // Called with a line for every Ready carried out and every message delivered.
  void set_trace(std::function<void(const std::string&)> trace) { trace_ = std::move(trace); }
  size_t size() const { return nodes_.size(); }

  void Isolate(NodeId id) { isolated_.insert(id); }
  void HealAll() { isolated_.clear(); }
  void set_drop_rate(double p) { drop_rate_ = p; }
  // Sees (and may edit) every message before delivery; false drops it.
  void set_rewrite(std::function<bool(Message&)> rewrite) { rewrite_ = std::move(rewrite); }

  // Crash and restart: the node comes back with only what it persisted (its snapshot,
  // from which the state machine restarts, and the log after it).
  void Restart(NodeId id) {
    applied_[id - 1] = StateAt(durable_[id - 1].snapshot.index);
    nodes_[id - 1] = Start(id - 1);
  }
  // The host snapshots node `id`'s state machine at `index` and compacts its log.
  absl::Status Compact(NodeId id, Index index) {
    absl::StatusOr<SnapshotMeta> meta = nodes_[id - 1]->Compact(index);
    if (!meta.ok()) return meta.status();
    Durable& d = durable_[id - 1];
    d.log.erase(d.log.begin(), d.log.begin() + static_cast<ptrdiff_t>(index - d.snapshot.index));
    d.snapshot = *meta;
    return absl::OkStatus();
  }
  const Durable& durable(NodeId id) const { return durable_[id - 1]; }

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
    return std::make_unique<Raft>(c, durable_[i].hard_state, durable_[i].log, durable_[i].snapshot);
  }

  bool Drain(size_t i) {
    bool moved = false;
    while (nodes_[i]->HasReady()) {
      moved = true;
      Ready ready = nodes_[i]->TakeReady();
      if (trace_) TraceReady(i + 1, ready);
      Durable& d = durable_[i];
      if (ready.snapshot) {  // install: the data is the cluster's applied log up to its index
        d.snapshot = *ready.snapshot;
        d.log.clear();
        applied_[i] = StateAt(d.snapshot.index);
      }
      if (ready.hard_state) d.hard_state = *ready.hard_state;
      if (!ready.entries.empty()) {
        d.log.resize(ready.entries.front().index - 1 - d.snapshot.index);
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

  void TraceReady(NodeId id, const Ready& ready) {
    std::string line = absl::StrCat("> ", id, " ready:");
    if (ready.snapshot) absl::StrAppend(&line, " install snapshot=", ready.snapshot->term, "/", ready.snapshot->index);
    if (ready.hard_state) {
      absl::StrAppend(&line, " persist term=", ready.hard_state->term, " vote=", ready.hard_state->vote,
                      " commit=", ready.hard_state->commit);
    }
    if (!ready.entries.empty()) absl::StrAppend(&line, " append ", DescribeEntries(ready.entries));
    if (ready.must_sync) absl::StrAppend(&line, " (sync)");
    if (!ready.committed.empty()) absl::StrAppend(&line, " apply ", DescribeEntries(ready.committed));
    if (!ready.messages.empty()) absl::StrAppend(&line, " send ", ready.messages.size());
    trace_(line);
  }

  // The state machine as of `index`: a prefix of the longest applied log (they all
  // agree on their common prefix).
  std::vector<Entry> StateAt(Index index) const {
    const std::vector<Entry>* longest = &applied_[0];
    for (const auto& applied : applied_) {
      if (applied.size() > longest->size()) longest = &applied;
    }
    EXPECT_GE(longest->size(), index) << "no node applied as far as the snapshot";
    return std::vector<Entry>(longest->begin(), longest->begin() + static_cast<ptrdiff_t>(std::min<size_t>(index, longest->size())));
  }

  void CheckSafety() {
    for (const auto& node : nodes_) {
      if (node->role() != Role::kLeader) continue;
      auto [it, inserted] = leaders_.emplace(node->term(), node->id());
      ASSERT_EQ(it->second, node->id()) << "two leaders in term " << node->term();
    }
    // Lease safety (ticks are in lockstep here: no drift): while a leader holds the
    // read lease, no later term has a leader.
    for (const auto& holder : nodes_) {
      if (!holder->HasLease()) continue;
      for (const auto& other : nodes_) {
        const bool violation = other->role() == Role::kLeader && other->term() > holder->term();
        if (violation && lease_violations_ != nullptr) {
          ++*lease_violations_;
          continue;
        }
        ASSERT_FALSE(violation) << "node " << holder->id() << " holds the lease in term " << holder->term()
                                << " while node " << other->id() << " leads term " << other->term();
      }
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
  std::function<void(const std::string&)> trace_;
  absl::btree_map<Term, NodeId> leaders_;  // every leader ever seen, by term
  std::vector<int> slow_every_;
  int64_t round_ = 0;
  int* lease_violations_ = nullptr;
};


inline std::vector<std::string> Payloads(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) {
    if (!e.data.empty()) out.push_back(e.data);
  }
  return out;
}

}  // namespace quanta::raft
