// RaftStorage on the simulator's disk: what was synced survives a crash, a replaced
// suffix stays replaced, and a crash never leaves more than was appended.
#include "engine/replication/raft_storage.h"

#include "gtest/gtest.h"
#include "sim/testing.h"

namespace quanta::replication {
namespace {

raft::Ready Persist(std::vector<raft::Entry> entries, std::optional<raft::HardState> hs) {
  raft::Ready ready;
  ready.entries = std::move(entries);
  ready.hard_state = hs;
  ready.must_sync = true;
  return ready;
}

// Keeps the storage open after WriteThenCrashLater returns (the flush goes on).
std::unique_ptr<RaftStorage> open_storage;

Task<void> SyncInBackground(RaftStorage* storage, wal::Lsn lsn) { (void)co_await storage->WaitDurable(lsn); }

Task<void> WriteThenCrashLater(Env& env, bool sync_last) {
  RaftState state;
  auto storage = co_await RaftStorage::Open(env, RaftStorageOptions(), &state);
  QUANTA_ASSERT(storage.ok());
  EXPECT_TRUE(state.entries.empty());
  const wal::Lsn first = (*storage)->Append(
      Persist({raft::Entry(1, 1, "a"), raft::Entry(1, 2, "b"), raft::Entry(1, 3, "c")}, raft::HardState{1, 1, 2}));
  EXPECT_TRUE((co_await (*storage)->WaitDurable(first)).ok());
  // A new leader replaces entries 2..3 with its own.
  const wal::Lsn second =
      (*storage)->Append(Persist({raft::Entry(2, 2, "B")}, raft::HardState{2, 2, 2}));
  if (sync_last) {
    EXPECT_TRUE((co_await (*storage)->WaitDurable(second)).ok());
  }
  if (!sync_last) env.Spawn(SyncInBackground(storage->get(), second));
  open_storage = std::move(*storage);
}

Task<void> Reopen(Env& env, RaftState* state) {
  auto storage = co_await RaftStorage::Open(env, RaftStorageOptions(), state);
  EXPECT_TRUE(storage.ok()) << storage.status();
}

TEST(RaftStorageTest, SyncedStateSurvivesACrashWithTheSuffixReplaced) {
  sim::TestNode node(7);
  node.Run(WriteThenCrashLater(node.env(), /*sync_last=*/true));
  node.CrashAndRestart();
  open_storage.reset();
  RaftState state;
  node.Run(Reopen(node.env(), &state));
  ASSERT_EQ(state.entries.size(), 2u);
  EXPECT_EQ(state.entries[1], raft::Entry(2, 2, "B"));
  EXPECT_EQ(state.hard_state, (raft::HardState{2, 2, 2}));
}

TEST(RaftStorageTest, AnUnsyncedAppendIsAllOrAPrefixAfterACrash) {
  int kept = 0, lost = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    sim::TestNode node(seed);
    node.Run(WriteThenCrashLater(node.env(), /*sync_last=*/false));
    // Crash somewhere in the flush of the last batch: before, during or after its write.
    node.world().loop().RunUntil(node.world().Now() + absl::Microseconds(seed * 100), nullptr);
    node.CrashAndRestart();
    open_storage.reset();
    RaftState state;
    node.Run(Reopen(node.env(), &state));
    // Either the first, synced batch alone, or with the replacement on top.
    if (state.hard_state.term == 1) {
      ++lost;
      ASSERT_EQ(state.entries.size(), 3u) << "seed " << seed;
      EXPECT_EQ(state.entries[2], raft::Entry(1, 3, "c"));
    } else {
      ++kept;
      ASSERT_EQ(state.hard_state, (raft::HardState{2, 2, 2})) << "seed " << seed;
      ASSERT_EQ(state.entries.size(), 2u);
      EXPECT_EQ(state.entries[1], raft::Entry(2, 2, "B"));
    }
  }
  EXPECT_GT(kept, 0) << "the crash model should keep the unsynced batch sometimes";
  EXPECT_GT(lost, 0) << "and lose it sometimes";
}

RaftStorageOptions SmallSegments() {
  RaftStorageOptions o;
  o.segment_bytes = 4096;
  return o;
}

// Writes entries 1..200 (a new leader replaces 150.. on the way), compacts at 180,
// then appends 201..210.
Task<void> WriteCompactAppend(Env& env, size_t* segments_before, size_t* segments_after) {
  RaftState state;
  auto storage = co_await RaftStorage::Open(env, SmallSegments(), &state);
  QUANTA_ASSERT(storage.ok());
  RaftStorage& s = **storage;
  const std::string payload(100, 'x');
  for (raft::Index i = 1; i <= 200; ++i) {
    const raft::Term term = i < 150 ? 1 : 2;
    if (i == 150) {  // term 1 had written 150..170, which term 2 replaces
      std::vector<raft::Entry> old;
      for (raft::Index j = 150; j <= 170; ++j) old.emplace_back(1, j, payload);
      s.Append(Persist(std::move(old), std::nullopt));
    }
    const wal::Lsn lsn = s.Append(Persist({raft::Entry(term, i, payload)}, raft::HardState{term, 1, i - 1}));
    if (i % 10 == 0) EXPECT_TRUE((co_await s.WaitDurable(lsn)).ok());  // a flush each: several segments
  }
  EXPECT_TRUE((co_await s.WaitDurable(s.Append(Persist({}, raft::HardState{2, 1, 200})))).ok());
  auto listed = co_await env.List("raft");
  EXPECT_TRUE(listed.ok()) << listed.status();
  *segments_before = listed->size();
  raft::SnapshotMeta meta;
  meta.index = 180;
  meta.term = 2;
  meta.voters = {1, 2, 3};
  EXPECT_TRUE((co_await s.Compact(meta)).ok());
  listed = co_await env.List("raft");
  *segments_after = listed->size();
  std::vector<raft::Entry> more;
  for (raft::Index i = 201; i <= 210; ++i) more.emplace_back(2, i, payload);
  EXPECT_TRUE((co_await s.WaitDurable(s.Append(Persist(std::move(more), raft::HardState{2, 1, 205})))).ok());
}

Task<void> ReopenWith(Env& env, RaftStorageOptions options, RaftState* state, absl::Status* status) {
  auto storage = co_await RaftStorage::Open(env, options, state);
  *status = storage.status();
}

TEST(RaftStorageTest, CompactionRemovesSegmentsAndTheLogRestartsAfterTheSnapshot) {
  sim::TestNode node(3);
  size_t before = 0, after = 0;
  node.Run(WriteCompactAppend(node.env(), &before, &after));
  EXPECT_LT(after, before / 4) << "segments before the kept entries should be gone";
  node.CrashAndRestart();
  RaftState state;
  absl::Status status;
  node.Run(ReopenWith(node.env(), SmallSegments(), &state, &status));
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(state.snapshot.index, 180u);
  EXPECT_EQ(state.snapshot.voters, (std::vector<raft::NodeId>{1, 2, 3}));
  ASSERT_EQ(state.entries.size(), 30u);
  EXPECT_EQ(state.entries.front().index, 181u);
  EXPECT_EQ(state.entries.back().index, 210u);
  EXPECT_EQ(state.hard_state, (raft::HardState{2, 1, 205}));
}

TEST(RaftStorageTest, ALogMissingItsFirstSegmentsWithoutASnapshotIsDataLoss) {
  sim::TestNode node(4);
  size_t before = 0, after = 0;
  node.Run(WriteCompactAppend(node.env(), &before, &after));
  // Remove every segment up to and including the one with the snapshot record: what
  // is left starts mid-log with nothing to anchor it.
  auto names = node.disk().List("raft");
  ASSERT_TRUE(names.ok());
  ASSERT_GE(names->size(), 2u);
  for (size_t i = 0; i + 1 < names->size(); ++i) ASSERT_TRUE(node.disk().Remove("raft/" + (*names)[i]).ok());
  node.CrashAndRestart();
  RaftState state;
  absl::Status status;
  node.Run(ReopenWith(node.env(), SmallSegments(), &state, &status));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

TEST(RaftStorageTest, UnanchoredReplayRestartsAtARecordThatDoesNotFollow) {
  RaftState state;
  state.anchored = false;
  auto record = [](wal::Lsn lsn, wal::RecordType type, std::string payload, uint64_t term) {
    wal::WalRecord r;
    r.lsn = lsn;
    r.type = type;
    r.payload = std::move(payload);
    r.term = term;
    return r;
  };
  using wal::RecordType;
  ASSERT_TRUE(ApplyRaftRecord(record(10, RecordType::kRaftEntry, EncodeEntryPayload(raft::Entry(1, 60, "old")), 1), &state).ok());
  ASSERT_TRUE(ApplyRaftRecord(record(11, RecordType::kRaftEntry, EncodeEntryPayload(raft::Entry(2, 41, "a")), 2), &state).ok());
  ASSERT_TRUE(ApplyRaftRecord(record(12, RecordType::kRaftEntry, EncodeEntryPayload(raft::Entry(2, 42, "b")), 2), &state).ok());
  ASSERT_TRUE(ApplyRaftRecord(record(13, RecordType::kRaftHardState, EncodeHardStatePayload({2, 1, 41}), 2), &state).ok());
  EXPECT_FALSE(ValidateRaftState(state).ok()) << "unanchored";
  raft::SnapshotMeta meta;
  meta.index = 41;
  meta.term = 2;
  meta.voters = {1};
  ASSERT_TRUE(ApplyRaftRecord(record(14, RecordType::kRaftSnapshot, EncodeSnapshotPayload(meta), 0), &state).ok());
  ASSERT_TRUE(ValidateRaftState(state).ok());
  ASSERT_EQ(state.entries.size(), 1u);
  EXPECT_EQ(state.entries[0], raft::Entry(2, 42, "b"));
  EXPECT_EQ(state.lsns, (std::vector<wal::Lsn>{12}));
  // A snapshot that leaves a gap before the first entry is refused.
  RaftState gap;
  gap.anchored = false;
  ASSERT_TRUE(ApplyRaftRecord(record(1, RecordType::kRaftEntry, EncodeEntryPayload(raft::Entry(2, 50, "c")), 2), &gap).ok());
  meta.index = 40;
  EXPECT_EQ(ApplyRaftRecord(record(2, RecordType::kRaftSnapshot, EncodeSnapshotPayload(meta), 0), &gap).code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace quanta::replication
