// WalWriter and ReplayWal on a simulated process: group commit, replay after clean
// and torn ends, corruption detection, and the poisoning of a writer on EIO.
#include "engine/wal/wal.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sim/testing.h"

namespace quanta::wal {
namespace {

WalOptions SmallSegments() {
  WalOptions o;
  o.segment_bytes = 8192;
  return o;
}

struct Replayed {
  absl::Status status;
  WalPosition position;
  std::vector<WalRecord> records;
};

Task<void> Replay(Env& env, WalOptions options, Replayed* out) {
  auto position = co_await ReplayWal(env, options, 1, [out](const WalRecord& r) {
    out->records.push_back(r);
    return absl::OkStatus();
  });
  out->status = position.status();
  if (position.ok()) out->position = *position;
}

Task<void> CommitMany(Env& env, WalOptions options, WalPosition at, int count, std::vector<Lsn>* lsns) {
  auto writer = co_await WalWriter::Open(env, options, at);
  EXPECT_TRUE(writer.ok()) << writer.status();
  if (!writer.ok()) co_return;
  for (int i = 0; i < count; ++i) {
    auto lsn = co_await (*writer)->Commit(RecordType::kWriteSet, absl::StrCat("record ", i, std::string(i * 37 % 900, 'x')));
    EXPECT_TRUE(lsn.ok()) << lsn.status();
    if (!lsn.ok()) co_return;
    lsns->push_back(*lsn);
  }
}

TEST(WalTest, CommitsReplayInOrderAcrossSegmentsAndRestarts) {
  sim::TestNode node(1);
  std::vector<Lsn> lsns;
  node.Run(CommitMany(node.env(), SmallSegments(), WalPosition(), 50, &lsns));
  ASSERT_EQ(lsns.size(), 50u);
  EXPECT_EQ(lsns.front(), 1u);
  EXPECT_EQ(lsns.back(), 50u);
  node.CrashAndRestart();
  Replayed replayed;
  node.Run(Replay(node.env(), SmallSegments(), &replayed));
  ASSERT_TRUE(replayed.status.ok()) << replayed.status;
  ASSERT_EQ(replayed.records.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(replayed.records[i].lsn, static_cast<Lsn>(i + 1));
    EXPECT_EQ(replayed.records[i].payload.substr(0, absl::StrCat("record ", i).size()), absl::StrCat("record ", i));
  }
  EXPECT_EQ(replayed.position.next_lsn, 51u);
  auto segments = node.disk().List("wal");
  ASSERT_TRUE(segments.ok());
  EXPECT_GT(segments->size(), 3u) << "8 KiB segments should have rolled over";
  // Appending continues the LSN sequence after a restart.
  node.Run(CommitMany(node.env(), SmallSegments(), replayed.position, 5, &lsns));
  EXPECT_EQ(lsns.back(), 55u);
}

Task<void> ConcurrentCommitter(WalWriter* writer, int* acked) {
  auto lsn = co_await writer->Commit(RecordType::kWriteSet, "concurrent");
  if (lsn.ok()) ++*acked;
}

Task<void> GroupCommit(Env& env, int committers, int* acked, WalStats* stats) {
  auto writer = co_await WalWriter::Open(env, WalOptions(), WalPosition());
  if (!writer.ok()) co_return;
  for (int i = 0; i < committers; ++i) env.Spawn(ConcurrentCommitter(writer->get(), acked));
  while (*acked < committers) co_await env.Sleep(absl::Milliseconds(1));
  *stats = (*writer)->stats();
}

TEST(WalTest, ConcurrentCommittersShareSyncs) {
  sim::TestNode node(2);
  int acked = 0;
  WalStats stats;
  node.Run(GroupCommit(node.env(), 64, &acked, &stats));
  EXPECT_EQ(acked, 64);
  EXPECT_EQ(stats.records, 64u);
  EXPECT_LE(stats.flushes, 2u) << "64 committers of one instant need at most two flushes";
}

Task<void> AppendWithoutWaiting(Env& env, int count) {
  auto writer = co_await WalWriter::Open(env, WalOptions(), WalPosition());
  if (!writer.ok()) co_return;
  (void)co_await (*writer)->Commit(RecordType::kWriteSet, "synced");
  for (int i = 0; i < count; ++i) (*writer)->Append(RecordType::kWriteSet, std::string(700, 'u'));
  co_await env.Sleep(absl::Microseconds(50));  // the flush's write is in flight, not synced
}

TEST(WalTest, TornTailEndsTheLogCleanly) {
  for (uint64_t seed = 0; seed < 30; ++seed) {
    sim::TestNode node(seed);
    node.disk().set_rates(sim::FaultRates{.torn_on_crash = true});
    node.Run(AppendWithoutWaiting(node.env(), 20));
    node.CrashAndRestart();
    Replayed replayed;
    node.Run(Replay(node.env(), WalOptions(), &replayed));
    ASSERT_TRUE(replayed.status.ok()) << "seed " << seed << ": " << replayed.status;
    ASSERT_GE(replayed.records.size(), 1u) << "the synced record must survive";
    EXPECT_EQ(replayed.records[0].payload, "synced");
    // And the log accepts appends after the cut.
    std::vector<Lsn> lsns;
    node.Run(CommitMany(node.env(), WalOptions(), replayed.position, 3, &lsns));
    EXPECT_EQ(lsns.size(), 3u);
  }
}

TEST(WalTest, CorruptionInASealedSegmentIsDataLossNamingTheSegment) {
  sim::TestNode node(3);
  std::vector<Lsn> lsns;
  node.Run(CommitMany(node.env(), SmallSegments(), WalPosition(), 40, &lsns));
  const std::string first = absl::StrCat("wal/", SegmentFileName(1));
  std::shared_ptr<sim::Inode> inode = node.disk().Lookup(first);
  ASSERT_NE(inode, nullptr);
  inode->current[kSegmentHeaderBytes + 20] ^= 0x40;  // rot inside the first record
  inode->durable = inode->current;
  Replayed replayed;
  node.Run(Replay(node.env(), SmallSegments(), &replayed));
  EXPECT_EQ(replayed.status.code(), absl::StatusCode::kDataLoss) << replayed.status;
  EXPECT_NE(replayed.status.message().find(SegmentFileName(1)), std::string::npos) << replayed.status;
  EXPECT_NE(replayed.status.message().find("offset 512"), std::string::npos) << replayed.status;
}

TEST(WalTest, CorruptionOfSyncedRecordsInTheLastSegmentIsDataLoss) {
  sim::TestNode node(4);
  std::vector<Lsn> lsns;
  node.Run(CommitMany(node.env(), WalOptions(), WalPosition(), 10, &lsns));
  std::shared_ptr<sim::Inode> inode = node.disk().Lookup(absl::StrCat("wal/", SegmentFileName(1)));
  ASSERT_NE(inode, nullptr);
  inode->current[kSegmentHeaderBytes + 50] ^= 0x01;  // record 1; later flushes prove it synced
  inode->durable = inode->current;
  Replayed replayed;
  node.Run(Replay(node.env(), WalOptions(), &replayed));
  EXPECT_EQ(replayed.status.code(), absl::StatusCode::kDataLoss) << replayed.status;
  EXPECT_NE(replayed.status.message().find("were synced"), std::string::npos) << replayed.status;
}

Task<void> CommitUnderEio(Env& env, absl::Status* first, absl::Status* second) {
  auto writer = co_await WalWriter::Open(env, WalOptions(), WalPosition());
  if (!writer.ok()) co_return;
  *first = (co_await (*writer)->Commit(RecordType::kWriteSet, "a")).status();
  *second = (co_await (*writer)->Commit(RecordType::kWriteSet, "b")).status();
}

TEST(WalTest, SyncErrorPoisonsTheWriter) {
  sim::TestNode node(5);
  node.disk().set_rates(sim::FaultRates{.sync_eio = 1.0});
  absl::Status first, second;
  node.Run(CommitUnderEio(node.env(), &first, &second));
  EXPECT_EQ(first.code(), absl::StatusCode::kInternal) << first;
  EXPECT_EQ(second.code(), absl::StatusCode::kInternal) << second;
  EXPECT_NE(second.message().find("restart required"), std::string::npos) << second;
}

TEST(WalTest, EmptyDirectoryReplaysToLsnOne) {
  sim::TestNode node(6);
  Replayed replayed;
  node.Run(Replay(node.env(), WalOptions(), &replayed));
  ASSERT_TRUE(replayed.status.ok());
  EXPECT_EQ(replayed.position.next_lsn, 1u);
  EXPECT_TRUE(replayed.records.empty());
}

}  // namespace
}  // namespace quanta::wal

namespace quanta::wal {
namespace {

TEST(WalTest, MissingEarlySegmentsAreAPreconditionFailureNotAShorterLog) {
  sim::TestNode node(7);
  std::vector<Lsn> lsns;
  node.Run(CommitMany(node.env(), SmallSegments(), WalPosition(), 40, &lsns));
  ASSERT_TRUE(node.disk().Remove(absl::StrCat("wal/", SegmentFileName(1))).ok());
  Replayed replayed;
  node.Run(Replay(node.env(), SmallSegments(), &replayed));
  EXPECT_EQ(replayed.status.code(), absl::StatusCode::kFailedPrecondition) << replayed.status;
  EXPECT_TRUE(replayed.records.empty());
}

}  // namespace
}  // namespace quanta::wal
