#include "sim/sim_disk.h"

#include <map>
#include <set>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace quanta::sim {
namespace {

std::shared_ptr<Inode> MustOpen(SimDisk& disk, absl::string_view path) {
  auto inode = disk.Open(path, /*create=*/true, /*exclusive=*/false, /*truncate=*/false);
  EXPECT_TRUE(inode.ok()) << inode.status();
  return *inode;
}

TEST(SimDiskTest, SyncedDataAndNamesSurviveCrash) {
  SimDisk disk(1);
  auto inode = MustOpen(disk, "a");
  ASSERT_TRUE(disk.Write(*inode, 0, "hello").ok());
  ASSERT_TRUE(disk.Sync(*inode, disk.SnapshotDirty(*inode)).ok());
  ASSERT_TRUE(disk.SyncDir("").ok());
  disk.Crash();
  auto after = disk.Lookup("a");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->current, "hello");
}

TEST(SimDiskTest, UnsyncedCreateMayVanishButSyncedCreateStays) {
  int vanished = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    SimDisk disk(seed);
    ASSERT_TRUE(disk.CreateDir("d").ok());
    MustOpen(disk, "d/kept");
    ASSERT_TRUE(disk.SyncDir("d").ok());
    MustOpen(disk, "d/maybe");
    disk.Crash();
    EXPECT_NE(disk.Lookup("d/kept"), nullptr);
    vanished += disk.Lookup("d/maybe") == nullptr;
  }
  EXPECT_GT(vanished, 0) << "an unsynced create should sometimes be lost";
}

TEST(SimDiskTest, RenameIsAtomicAcrossCrash) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    SimDisk disk(seed);
    auto inode = MustOpen(disk, "old");
    ASSERT_TRUE(disk.SyncDir("").ok());
    ASSERT_TRUE(disk.Rename("old", "new").ok());
    disk.Crash();
    const bool has_old = disk.Lookup("old") != nullptr;
    const bool has_new = disk.Lookup("new") != nullptr;
    EXPECT_NE(has_old, has_new) << "seed " << seed << ": exactly one name must exist";
  }
}

TEST(SimDiskTest, FsyncErrorForgetsDirtyPages) {
  SimDisk disk(3);
  auto inode = MustOpen(disk, "f");
  ASSERT_TRUE(disk.SyncDir("").ok());
  disk.set_rates(FaultRates{.sync_eio = 1.0});
  ASSERT_TRUE(disk.Write(*inode, 0, std::string(600, 'x')).ok());
  EXPECT_EQ(disk.Sync(*inode, disk.SnapshotDirty(*inode)).code(), absl::StatusCode::kInternal);
  disk.set_rates(FaultRates{});
  // The retry "succeeds" but persists nothing: the pages were marked clean.
  EXPECT_TRUE(disk.Sync(*inode, disk.SnapshotDirty(*inode)).ok());
  EXPECT_NE(inode->durable, inode->current);
}

TEST(SimDiskTest, LatentSectorFailsReadsUntilRewritten) {
  SimDisk disk(4);
  auto inode = MustOpen(disk, "f");
  ASSERT_TRUE(disk.Write(*inode, 0, std::string(1024, 'a')).ok());
  inode->latent_sectors.insert(1);
  EXPECT_TRUE(disk.Read(*inode, 0, 512).ok());
  EXPECT_EQ(disk.Read(*inode, 0, 1024).status().code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(disk.Write(*inode, 512, std::string(512, 'b')).ok());
  EXPECT_TRUE(disk.Read(*inode, 0, 1024).ok());
}

TEST(SimDiskTest, FullDiskRefusesGrowthOnly) {
  SimDisk disk(5);
  auto inode = MustOpen(disk, "f");
  ASSERT_TRUE(disk.Write(*inode, 0, "abcd").ok());
  disk.set_rates(FaultRates{.full = true});
  EXPECT_TRUE(disk.Write(*inode, 0, "xy").ok());
  EXPECT_EQ(disk.Write(*inode, 2, "xyz").code(), absl::StatusCode::kResourceExhausted);
}

TEST(SimDiskTest, RejectsDotDotPaths) {
  SimDisk disk(6);
  EXPECT_EQ(disk.Open("../etc/passwd", true, false, false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Property: after a crash, every byte synced (and not rewritten since) is intact, and
// every other byte holds a value that was written there, its old value, or zero.
RC_GTEST_PROP(SimDiskProperty, CrashKeepsSyncedBytesAndInventsNothing,
              (uint64_t seed, bool torn)) {
  SimDisk disk(seed);
  disk.set_rates(FaultRates{.torn_on_crash = torn});
  auto inode = MustOpen(disk, "f");
  RC_ASSERT(disk.SyncDir("").ok());
  std::string durable;                         // model of the last synced image
  std::map<uint64_t, std::set<char>> written;  // offsets written since that sync
  const int ops = *rc::gen::inRange(1, 40);
  for (int i = 0; i < ops; ++i) {
    if (*rc::gen::inRange(0, 4) == 0) {
      RC_ASSERT(disk.Sync(*inode, disk.SnapshotDirty(*inode)).ok());
      durable = inode->current;
      written.clear();
      continue;
    }
    const uint64_t offset = *rc::gen::inRange<uint64_t>(0, 4096);
    const std::string data = *rc::gen::container<std::string>(
        *rc::gen::inRange<size_t>(1, 700), rc::gen::character<char>());
    RC_ASSERT(disk.Write(*inode, offset, data).ok());
    for (size_t j = 0; j < data.size(); ++j) written[offset + j].insert(data[j]);
  }
  const std::string before_crash = inode->current;
  disk.Crash();
  const std::string& after = inode->current;
  RC_ASSERT(after.size() >= durable.size());
  RC_ASSERT(after.size() <= std::max(durable.size(), before_crash.size()));
  for (uint64_t i = 0; i < after.size(); ++i) {
    auto it = written.find(i);
    const bool was_durable = i < durable.size();
    if (it == written.end()) {
      RC_ASSERT(after[i] == (was_durable ? durable[i] : '\0'));
    } else {
      const bool ok = it->second.contains(after[i]) || after[i] == '\0' ||
                      (was_durable && after[i] == durable[i]);
      RC_ASSERT(ok);
    }
  }
}

}  // namespace
}  // namespace quanta::sim
