#include "engine/util/crc32c.h"

#include <string>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace quanta::crc32c {
namespace {

TEST(Crc32cTest, StandardVectors) {
  // RFC 3720 (iSCSI) B.4 test vectors.
  std::string zeros(32, '\0');
  EXPECT_EQ(Value(zeros), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(Value(ones), 0x62a8ab43u);
  std::string ascending(32, '\0');
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
  EXPECT_EQ(Value(ascending), 0x46dd794eu);
  EXPECT_EQ(Value("123456789"), 0xe3069283u);
}

TEST(Crc32cTest, MaskRoundTrips) {
  for (uint32_t crc : {0u, 1u, 0xe3069283u, 0xffffffffu}) {
    EXPECT_EQ(Unmask(Mask(crc)), crc);
    EXPECT_NE(Mask(crc), crc);
  }
}

RC_GTEST_PROP(Crc32cProperty, HardwareMatchesPortableAndExtends, (const std::string& a, const std::string& b)) {
  const std::string ab = a + b;
  RC_ASSERT(Value(ab) == ExtendPortable(0, ab.data(), ab.size()));
  RC_ASSERT(Extend(Value(a), b.data(), b.size()) == Value(ab));
}

}  // namespace
}  // namespace quanta::crc32c
