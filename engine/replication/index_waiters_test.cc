// IndexWaiters on a simulated loop: waiters complete when the level reaches them, by
// what the log holds there (committed, replaced, snapshotted), or time out; never
// inside the call that released them.
#include "engine/replication/index_waiters.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "sim/testing.h"

namespace quanta::replication {
namespace {

struct Log {
  std::map<raft::Index, raft::Term> terms;  // absent: compacted into a snapshot
  std::optional<raft::Term> At(raft::Index i) const {
    auto it = terms.find(i);
    return it == terms.end() ? std::nullopt : std::optional<raft::Term>(it->second);
  }
};

Task<void> WaitOne(IndexWaiters& waiters, raft::Index reached, raft::Index index, raft::Term term,
                   absl::Duration timeout, std::vector<std::pair<raft::Index, absl::Status>>* done) {
  absl::Status s = co_await waiters.Wait(reached, index, term, timeout);
  done->emplace_back(index, std::move(s));
}

// Runs the loop until `done` holds `n` answers (timeouts included).
Task<void> Until(Env& env, const std::vector<std::pair<raft::Index, absl::Status>>* done, size_t n) {
  while (done->size() < n) (void)co_await env.Sleep(absl::Milliseconds(10));
}

TEST(IndexWaitersTest, AWaiterCompletesByWhatTheLogHoldsAtItsIndex) {
  sim::TestNode node(5);
  Log log{{{1, 1}, {2, 1}, {3, 2}}};
  IndexWaiters waiters(node.env(), [&log](raft::Index i) { return log.At(i); });
  std::vector<std::pair<raft::Index, absl::Status>> done;
  node.env().Spawn(WaitOne(waiters, 0, 3, 2, absl::Seconds(5), &done));   // committed
  node.env().Spawn(WaitOne(waiters, 0, 2, 2, absl::Seconds(5), &done));   // replaced by term 1's entry
  node.env().Spawn(WaitOne(waiters, 0, 4, 2, absl::Seconds(5), &done));   // compacted under a snapshot
  node.env().Spawn(WaitOne(waiters, 0, 9, 2, absl::Seconds(5), &done));   // never reached
  EXPECT_EQ(waiters.waiting(), 4u);
  waiters.Reached(4);
  EXPECT_TRUE(done.empty());  // completions run from the loop, never inside Reached
  node.Run(Until(node.env(), &done, 4));
  ASSERT_EQ(done.size(), 4u);
  std::sort(done.begin(), done.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  EXPECT_EQ(done[0].first, 2u);
  EXPECT_TRUE(absl::IsAborted(done[0].second)) << done[0].second;
  EXPECT_EQ(done[1].first, 3u);
  EXPECT_TRUE(done[1].second.ok()) << done[1].second;
  EXPECT_EQ(done[2].first, 4u);
  EXPECT_TRUE(absl::IsUnknown(done[2].second)) << done[2].second;
  EXPECT_EQ(done[3].first, 9u);
  EXPECT_TRUE(absl::IsDeadlineExceeded(done[3].second)) << done[3].second;
  EXPECT_EQ(waiters.waiting(), 0u);
}

TEST(IndexWaitersTest, AWaiterAlreadyReachedCompletesAtOnceFromTheLoop) {
  sim::TestNode node(6);
  Log log{{{1, 3}}};
  IndexWaiters waiters(node.env(), [&log](raft::Index i) { return log.At(i); });
  std::vector<std::pair<raft::Index, absl::Status>> done;
  node.Run(WaitOne(waiters, 1, 1, 3, absl::Seconds(1), &done));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].second.ok());
  waiters.Reached(5);  // nothing left: a completed waiter is never answered twice
  EXPECT_EQ(waiters.waiting(), 0u);
}

}  // namespace
}  // namespace quanta::replication
