// StoreGenerations on the simulator's disk: a switch survives a crash once it
// returned, generations that are not live are removed at open, markers round-trip and
// a damaged generation stays marked.
#include "engine/replication/store_generations.h"

#include "gtest/gtest.h"
#include "sim/testing.h"

namespace quanta::replication {
namespace {

struct Seen {
  uint64_t current = 0;
  bool old_exists = true;
  std::optional<raft::SnapshotMeta> marker;
  std::optional<std::string> damaged;
};

Task<void> WriteFile(Env& env, std::string path) {
  QUANTA_ASSERT((co_await env.CreateDir(path.substr(0, path.rfind('/')))).ok());
  auto file = co_await env.Open(path, OpenOptions{.create = true});
  QUANTA_ASSERT(file.ok());
  QUANTA_ASSERT((co_await (*file)->Write(0, "x")).ok());
  QUANTA_ASSERT((co_await (*file)->Sync()).ok());
}

// Builds generation 2 with a marker, switches to it, marks generation 1 damaged.
Task<void> BuildAndSwitch(Env& env) {
  auto g = co_await StoreGenerations::Open(env, "data");
  QUANTA_ASSERT(g.ok());
  EXPECT_EQ(g->current(), 1u);
  co_await WriteFile(env, "data/store-1/pages");
  const uint64_t next = g->Reserve();
  EXPECT_EQ(next, 2u);
  co_await WriteFile(env, g->Dir(next) + "/wal/segment");
  raft::SnapshotMeta meta;
  meta.index = 42;
  meta.term = 3;
  meta.voters = {1, 2, 3};
  meta.learners = {4};
  QUANTA_ASSERT((co_await g->WriteMarker(next, meta)).ok());
  QUANTA_ASSERT((co_await g->Switch(next)).ok());
  QUANTA_ASSERT((co_await g->MarkDamaged(1, "checksum mismatch in page 7")).ok());
  const uint64_t abandoned = g->Reserve();  // a build a crash cut short
  co_await WriteFile(env, g->Dir(abandoned) + "/pages.tmp");
}

Task<void> Reopen(Env& env, Seen* seen) {
  auto g = co_await StoreGenerations::Open(env, "data");
  QUANTA_ASSERT(g.ok());
  seen->current = g->current();
  auto listed = co_await env.List("data");
  QUANTA_ASSERT(listed.ok());
  seen->old_exists = false;
  for (const std::string& name : *listed) seen->old_exists = seen->old_exists || name == "store-1" || name == "store-3";
  auto marker = co_await g->ReadMarker(g->current());
  QUANTA_ASSERT(marker.ok());
  seen->marker = *marker;
  auto damaged = co_await g->ReadDamaged(g->current());
  QUANTA_ASSERT(damaged.ok());
  seen->damaged = *damaged;
  EXPECT_EQ(g->Reserve(), 4u) << "a new build never reuses a number seen before";
}

TEST(StoreGenerationsTest, ASwitchSurvivesACrashAndOtherGenerationsAreRemoved) {
  sim::TestNode node(5);
  node.Run(BuildAndSwitch(node.env()));
  node.CrashAndRestart();
  Seen seen;
  node.Run(Reopen(node.env(), &seen));
  EXPECT_EQ(seen.current, 2u);
  EXPECT_FALSE(seen.old_exists);
  ASSERT_TRUE(seen.marker.has_value());
  EXPECT_EQ(seen.marker->index, 42u);
  EXPECT_EQ(seen.marker->learners, (std::vector<raft::NodeId>{4}));
  EXPECT_FALSE(seen.damaged.has_value());
}

TEST(StoreGenerationsTest, AMarkerThatDoesNotCheckOutIsDataLoss) {
  raft::SnapshotMeta meta;
  meta.index = 7;
  meta.term = 1;
  meta.voters = {1};
  std::string bytes = EncodeSnapshotMarker(meta);
  ASSERT_TRUE(DecodeSnapshotMarker(bytes).ok());
  bytes[3] ^= 1;
  EXPECT_TRUE(absl::IsDataLoss(DecodeSnapshotMarker(bytes).status()));
  EXPECT_TRUE(absl::IsDataLoss(DecodeSnapshotMarker("ab").status()));
}

Task<void> MarkLive(Env& env, absl::Status* marked, std::optional<std::string>* why) {
  auto g = co_await StoreGenerations::Open(env, "data");
  QUANTA_ASSERT(g.ok());
  *marked = co_await g->MarkDamaged(g->current(), "latent sector");
  auto read = co_await g->ReadDamaged(g->current());
  QUANTA_ASSERT(read.ok());
  *why = *read;
}

TEST(StoreGenerationsTest, TheLiveGenerationCanBeMarkedDamaged) {
  sim::TestNode node(6);
  absl::Status marked;
  std::optional<std::string> why;
  node.Run(MarkLive(node.env(), &marked, &why));
  ASSERT_TRUE(marked.ok()) << marked;
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "latent sector");
}

}  // namespace
}  // namespace quanta::replication
