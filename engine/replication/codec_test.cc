// Frames and the raft log's replay rules, byte by byte.
#include <string>

#include "engine/replication/frame.h"
#include "engine/replication/raft_storage.h"
#include "gtest/gtest.h"

namespace quanta::replication {
namespace {

TEST(FrameTest, FramesSurviveAnySplitOfTheStream) {
  std::string stream;
  for (int i = 0; i < 20; ++i) AppendFrame(std::string(i * 37, static_cast<char>('a' + i)), &stream);
  FrameReader reader(1 << 20);
  int seen = 0;
  for (char c : stream) {  // one byte at a time: the worst split
    reader.Feed(std::string_view(&c, 1));
    for (;;) {
      auto payload = reader.Next();
      ASSERT_TRUE(payload.ok());
      if (!payload->has_value()) break;
      EXPECT_EQ(**payload, std::string(seen * 37, static_cast<char>('a' + seen)));
      ++seen;
    }
  }
  EXPECT_EQ(seen, 20);
  EXPECT_EQ(reader.buffered_bytes(), 0u);
}

TEST(FrameTest, OversizedAndCorruptFramesAreRefusedByName) {
  std::string big;
  AppendFrame(std::string(2000, 'x'), &big);
  FrameReader small(1000);
  small.Feed(big.substr(0, 8));  // the header alone is enough to refuse it
  auto refused = small.Next();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("exceeds the limit of 1000"), std::string::npos);

  std::string frame;
  AppendFrame("payload", &frame);
  frame.back() ^= 1;
  FrameReader reader(1000);
  reader.Feed(frame);
  auto corrupt = reader.Next();
  ASSERT_FALSE(corrupt.ok());
  EXPECT_TRUE(absl::IsDataLoss(corrupt.status()));
  EXPECT_NE(corrupt.status().message().find("checksum"), std::string::npos);
}

wal::WalRecord Record(wal::Lsn lsn, wal::RecordType type, uint64_t term, std::string payload) {
  wal::WalRecord r;
  r.lsn = lsn;
  r.type = type;
  r.term = term;
  r.payload = std::move(payload);
  return r;
}

wal::WalRecord EntryRecord(wal::Lsn lsn, raft::Term term, raft::Index index) {
  return Record(lsn, wal::RecordType::kRaftEntry, term, EncodeEntryPayload(raft::Entry(term, index, "x")));
}

TEST(RaftLogReplayTest, AReappendedIndexReplacesTheSuffix) {
  RaftState state;
  for (raft::Index i = 1; i <= 5; ++i) ASSERT_TRUE(ApplyRaftRecord(EntryRecord(i, 1, i), &state).ok());
  ASSERT_TRUE(ApplyRaftRecord(EntryRecord(6, 2, 3), &state).ok());  // a new leader's entry at 3
  ASSERT_EQ(state.entries.size(), 3u);
  EXPECT_EQ(state.entries.back().term, 2u);
  EXPECT_EQ(state.entries.back().index, 3u);
  auto gap = ApplyRaftRecord(EntryRecord(7, 2, 5), &state);  // 4 is missing
  ASSERT_FALSE(gap.ok());
  EXPECT_NE(gap.message().find("does not follow the log"), std::string::npos);
  EXPECT_FALSE(ApplyRaftRecord(EntryRecord(8, 1, 4), &state).ok()) << "term below its predecessor's";
}

TEST(RaftLogReplayTest, HardStateAndSnapshotRules) {
  RaftState state;
  for (raft::Index i = 1; i <= 4; ++i) ASSERT_TRUE(ApplyRaftRecord(EntryRecord(i, 1, i), &state).ok());
  ASSERT_TRUE(ApplyRaftRecord(Record(5, wal::RecordType::kRaftHardState, 1,
                                     EncodeHardStatePayload(raft::HardState{3, 2, 4})),
                              &state).ok());
  EXPECT_EQ(state.hard_state.vote, 2u);
  EXPECT_TRUE(ValidateRaftState(state).ok());
  EXPECT_FALSE(ApplyRaftRecord(Record(6, wal::RecordType::kRaftHardState, 1,
                                      EncodeHardStatePayload(raft::HardState{2, 0, 4})),
                               &state).ok())
      << "a term going backwards is corruption";
  raft::SnapshotMeta meta;
  meta.index = 2;
  meta.term = 1;
  meta.voters = {1, 2, 3};
  ASSERT_TRUE(ApplyRaftRecord(Record(7, wal::RecordType::kRaftSnapshot, 1, EncodeSnapshotPayload(meta)), &state).ok());
  ASSERT_EQ(state.entries.size(), 2u) << "entries after a matching snapshot are kept";
  EXPECT_EQ(state.entries.front().index, 3u);
  meta.index = 3;
  meta.term = 5;  // does not match entry 3: the whole log goes
  ASSERT_TRUE(ApplyRaftRecord(Record(8, wal::RecordType::kRaftSnapshot, 5, EncodeSnapshotPayload(meta)), &state).ok());
  EXPECT_TRUE(state.entries.empty());
  state.hard_state.commit = 9;
  EXPECT_TRUE(absl::IsDataLoss(ValidateRaftState(state)));
  EXPECT_FALSE(ApplyRaftRecord(Record(9, wal::RecordType::kWriteSet, 1, ""), &state).ok());
}

}  // namespace
}  // namespace quanta::replication
