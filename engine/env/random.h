// Random: the deterministic pseudo-random generator every node draws from.
//
// Each simulated or real process owns one Random, seeded from the run's seed (in the
// simulator) or from the OS once at start-up (in production, outside engine/). Engine
// code never uses any other source of randomness, so a seed replays a run exactly.
// The generator is xoshiro256** seeded through SplitMix64: fast, small state, and
// stable across compilers and library versions (unlike <random>'s distributions).
//
// Threading: not thread-safe; one per event loop.
#pragma once

#include <cstdint>
#include <string_view>

namespace quanta {

class Random {
 public:
  explicit Random(uint64_t seed);

  // Returns the next 64 uniformly distributed bits.
  uint64_t Next();

  // Returns a value uniformly distributed in [0, n). REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n);

  // Returns a value uniformly distributed in [lo, hi]. REQUIRES: lo <= hi.
  int64_t Range(int64_t lo, int64_t hi);

  // Returns true with probability p (p <= 0 never, p >= 1 always).
  bool Bernoulli(double p);

  // Returns a double uniformly distributed in [0, 1).
  double UnitDouble();

  // Returns an exponentially distributed value with the given mean.
  double Exponential(double mean);

  // Derives an independent seed for a named child stream (a process, a subsystem),
  // so adding a consumer never shifts the sequence another consumer sees.
  static uint64_t DeriveSeed(uint64_t parent_seed, std::string_view name);

 private:
  uint64_t state_[4];
};

}  // namespace quanta
