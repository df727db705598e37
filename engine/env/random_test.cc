#include "engine/env/random.h"

#include <set>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace quanta {
namespace {

TEST(RandomTest, SameSeedSameSequence) {
  Random a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    differs |= x != c.Next();
  }
  EXPECT_TRUE(differs);
}

TEST(RandomTest, KnownFirstValueIsStableAcrossBuilds) {
  // Pinned: a change here silently changes every simulation seed's meaning.
  Random r(0);
  EXPECT_EQ(r.Next(), 0x99EC5F36CB75F2B4ULL);
}

TEST(RandomTest, DeriveSeedSeparatesNames) {
  EXPECT_NE(Random::DeriveSeed(1, "n1"), Random::DeriveSeed(1, "n2"));
  EXPECT_NE(Random::DeriveSeed(1, "n1"), Random::DeriveSeed(2, "n1"));
  EXPECT_EQ(Random::DeriveSeed(1, "n1"), Random::DeriveSeed(1, "n1"));
}

RC_GTEST_PROP(RandomProperty, UniformStaysInRange, (uint64_t seed, uint64_t n)) {
  RC_PRE(n > 0);
  Random r(seed);
  for (int i = 0; i < 50; ++i) RC_ASSERT(r.Uniform(n) < n);
}

RC_GTEST_PROP(RandomProperty, RangeIsInclusive, (uint64_t seed, int32_t lo, uint16_t span)) {
  Random r(seed);
  const int64_t hi = static_cast<int64_t>(lo) + span;
  for (int i = 0; i < 50; ++i) {
    const int64_t v = r.Range(lo, hi);
    RC_ASSERT(v >= lo);
    RC_ASSERT(v <= hi);
  }
}

TEST(RandomTest, UniformCoversSmallRange) {
  Random r(7);
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(r.Uniform(6));
  EXPECT_EQ(seen.size(), 6u);
}

}  // namespace
}  // namespace quanta
