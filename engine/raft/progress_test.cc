// Progress: each state's sending rule and every transition, one at a time.
#include "engine/raft/progress.h"

#include <gtest/gtest.h>

namespace quanta::raft {
namespace {

using State = Progress::State;

TEST(ProgressTest, ANewFollowerIsProbedOneAppendAtATime) {
  Progress p(11, /*voter=*/true);
  EXPECT_EQ(p.state(), State::kProbe);
  EXPECT_EQ(p.next(), 11u);
  EXPECT_FALSE(p.Paused(10, 4));
  p.SentAppend(10);  // an empty probe after index 10
  EXPECT_TRUE(p.probe_sent());
  EXPECT_TRUE(p.Paused(10, 4));
  EXPECT_EQ(p.next(), 11u);  // probing does not move next
  p.ProbeAnswered();
  EXPECT_FALSE(p.Paused(10, 4));
}

TEST(ProgressTest, ReplicationStreamsUpToTheInflightLimit) {
  Progress p(1, true);
  p.BecomeReplicate(1);
  p.SentAppend(5);
  p.SentAppend(9);
  EXPECT_EQ(p.next(), 10u);
  EXPECT_EQ(p.inflight(), 2u);
  EXPECT_TRUE(p.Paused(20, 2));   // two batches out: the limit
  EXPECT_FALSE(p.Paused(20, 3));
  EXPECT_TRUE(p.Paused(9, 3));    // nothing left to send
  EXPECT_TRUE(p.MaybeUpdate(5));  // the first batch is acknowledged
  EXPECT_EQ(p.match(), 5u);
  EXPECT_EQ(p.inflight(), 1u);
  EXPECT_FALSE(p.MaybeUpdate(4));  // stale: nothing changes
  EXPECT_EQ(p.match(), 5u);
  EXPECT_TRUE(p.MaybeUpdate(9));
  EXPECT_EQ(p.inflight(), 0u);
}

TEST(ProgressTest, AnAcknowledgementPastNextMovesNext) {
  Progress p(3, true);
  p.BecomeReplicate(3);
  EXPECT_TRUE(p.MaybeUpdate(7));  // e.g. a snapshot it installed
  EXPECT_EQ(p.next(), 8u);
}

TEST(ProgressTest, ASnapshotPausesEverythingUntilItTimesOut) {
  Progress p(4, true);
  p.BecomeReplicate(4);
  p.SentAppend(6);
  p.BecomeSnapshot(20);
  EXPECT_EQ(p.state(), State::kSnapshot);
  EXPECT_EQ(p.next(), 21u);
  EXPECT_EQ(p.inflight(), 0u);  // what replication had out is forgotten
  EXPECT_TRUE(p.Paused(100, 8));
  EXPECT_FALSE(p.TickSnapshot(3));
  EXPECT_FALSE(p.TickSnapshot(3));
  EXPECT_TRUE(p.TickSnapshot(3));  // given up for lost: probe again
  EXPECT_EQ(p.state(), State::kProbe);
  EXPECT_EQ(p.next(), 21u);
  EXPECT_FALSE(p.Paused(100, 8));
  EXPECT_FALSE(p.TickSnapshot(3));  // ticks mean nothing outside kSnapshot
}

TEST(ProgressTest, TransitionsResetWhatThePreviousStateHadInFlight) {
  Progress p(1, true);
  p.SentAppend(0);
  p.BecomeReplicate(2);
  EXPECT_FALSE(p.probe_sent());
  p.SentAppend(4);
  p.BecomeProbe(2);
  EXPECT_EQ(p.inflight(), 0u);
  EXPECT_FALSE(p.Paused(4, 1));
  EXPECT_STREQ(ProgressStateName(p.state()), "probe");
}

TEST(ProgressDeathTest, NextNeverFallsToMatch) {
  Progress p(1, true);
  p.BecomeReplicate(1);
  ASSERT_TRUE(p.MaybeUpdate(5));
  EXPECT_DEATH(p.BecomeProbe(5), "next > match_");
  EXPECT_DEATH(p.BecomeSnapshot(4), "snapshot_index >= match_");
}

}  // namespace
}  // namespace quanta::raft
