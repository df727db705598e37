#include "sim/sim_world.h"

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"
#include "sim/runner.h"

namespace quanta::sim {
namespace {

struct Probe {
  int started = 0;
  int woke = 0;
  int frames_destroyed = 0;
};

struct FrameGuard {
  explicit FrameGuard(Probe* p) : probe(p) {}
  ~FrameGuard() { ++probe->frames_destroyed; }
  Probe* probe;
};

Task<void> SleepThenCount(Env& env, Probe* probe) {
  FrameGuard guard(probe);
  co_await env.Sleep(absl::Seconds(1));
  ++probe->woke;
}

class SleeperBody : public ProcessBody {
 public:
  SleeperBody(Env& env, Probe* probe) {
    ++probe->started;
    env.Spawn(SleepThenCount(env, probe));
  }
};

StartFn Sleeper(Probe* probe) {
  return [probe](Env& env) { return std::make_unique<SleeperBody>(env, probe); };
}

TEST(SimWorldTest, CrashDestroysCoroutinesWithoutRunningThem) {
  SimWorld world(1);
  Probe probe;
  SimProcess& p = world.AddProcess("p", Sleeper(&probe));
  world.loop().RunUntil(absl::Milliseconds(500));
  ASSERT_EQ(probe.started, 1);
  world.Crash(p);
  EXPECT_EQ(probe.frames_destroyed, 1);
  world.loop().RunUntil(absl::Seconds(5));
  EXPECT_EQ(probe.woke, 0) << "a dead process's continuation ran";
  world.Restart(p);
  world.loop().RunUntil(absl::Seconds(10));
  EXPECT_EQ(probe.started, 2);
  EXPECT_EQ(probe.woke, 1);
}

TEST(SimWorldTest, PauseDefersTimersUntilResume) {
  SimWorld world(2);
  Probe probe;
  SimProcess& p = world.AddProcess("p", Sleeper(&probe));
  world.loop().RunUntil(absl::Milliseconds(100));
  world.Pause(p);
  world.loop().RunUntil(absl::Seconds(3));
  EXPECT_EQ(probe.woke, 0);
  world.Resume(p);
  world.loop().RunUntil(absl::Seconds(3) + absl::Milliseconds(1));
  EXPECT_EQ(probe.woke, 1);
}

TEST(SimWorldTest, ClockDriftScalesMonotonicTime) {
  SimWorld world(3);
  Probe probe;
  SimProcess& p = world.AddProcess("p", Sleeper(&probe));
  p.mono_drift_ppm = 500;
  world.loop().RunUntil(absl::Seconds(100));
  EXPECT_EQ(p.env()->MonotonicNow(), absl::Seconds(100) + absl::Milliseconds(50));
  p.wall_offset = -absl::Hours(1);
  EXPECT_LT(p.env()->WallNow(), absl::FromUnixSeconds(1767225600));
}

// Property: a seed determines the run: the same seed gives the same trace hash.
RC_GTEST_PROP(SimDeterminism, SameSeedSameTraceHash, (uint64_t seed)) {
  RunOptions o;
  o.seed = seed;
  o.workload = "env";
  o.fault_phase = absl::Seconds(2);
  o.heal_phase = absl::Seconds(3);
  auto a = RunSimulation(o);
  auto b = RunSimulation(o);
  RC_ASSERT(a.ok());
  RC_ASSERT(b.ok());
  RC_ASSERT(a->trace_hash == b->trace_hash);
  RC_ASSERT(a->events == b->events);
  RC_ASSERT(a->ok == b->ok);
}

TEST(SimDeterminism, DifferentSeedsExploreDifferentSchedules) {
  RunOptions o;
  o.fault_phase = absl::Seconds(1);
  o.heal_phase = absl::Seconds(1);
  o.seed = 1;
  auto a = RunSimulation(o);
  o.seed = 2;
  auto b = RunSimulation(o);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->trace_hash, b->trace_hash);
}

TEST(SimDeterminism, CheckerReportsNoDifferenceForAGoodSeed) {
  RunOptions o;
  o.seed = 11;
  o.fault_phase = absl::Seconds(2);
  o.heal_phase = absl::Seconds(2);
  auto diff = CheckDeterminism(o);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(*diff, "");
}

}  // namespace
}  // namespace quanta::sim
