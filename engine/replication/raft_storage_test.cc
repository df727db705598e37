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
  if (sync_last) EXPECT_TRUE((co_await (*storage)->WaitDurable(second)).ok());
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

}  // namespace
}  // namespace quanta::replication
