// Numeric: PostgreSQL's results for its scale rules and rounding, and RapidCheck
// properties of the arithmetic (exact + - *, division within half a unit of its scale).
#include "sql/types/numeric.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "sql/common/sql_error.h"

namespace quanta::sql {
namespace {

Numeric N(const std::string& s) {
  auto n = Numeric::Parse(s);
  EXPECT_TRUE(n.ok()) << s << ": " << n.status();
  return n.ok() ? *n : Numeric();
}

std::string Div(const std::string& a, const std::string& b) { return N(a).Div(N(b))->ToString(); }

TEST(NumericTest, ParsesAndPrintsAsPostgres) {
  EXPECT_EQ(N("1.50").ToString(), "1.50");
  EXPECT_EQ(N("  -0.0010 ").ToString(), "-0.0010");
  EXPECT_EQ(N("12.3400e2").ToString(), "1234.00");
  EXPECT_EQ(N("1e3").ToString(), "1000");
  EXPECT_EQ(N("5e-3").ToString(), "0.005");
  EXPECT_EQ(N("-0").ToString(), "0");
  EXPECT_EQ(N(".5").ToString(), "0.5");
  EXPECT_EQ(N("nan").ToString(), "NaN");
  auto bad = Numeric::Parse("1.2.3");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(SqlStateOf(bad.status()), "22P02");
  EXPECT_EQ(bad.status().message(), "invalid input syntax for type numeric: \"1.2.3\"");
  EXPECT_FALSE(Numeric::Parse("").ok());
  EXPECT_FALSE(Numeric::Parse("1e").ok());
  EXPECT_EQ(SqlStateOf(Numeric::Parse("1e999999").status()), "22003");
}

TEST(NumericTest, DivisionKeepsPostgresScale) {
  EXPECT_EQ(Div("1", "3"), "0.33333333333333333333");
  EXPECT_EQ(Div("10", "3"), "3.3333333333333333");
  EXPECT_EQ(Div("3", "2"), "1.5000000000000000");
  EXPECT_EQ(Div("100", "7"), "14.2857142857142857");
  EXPECT_EQ(Div("1.0", "3"), "0.33333333333333333333");
  EXPECT_EQ(Div("2", "3"), "0.66666666666666666667");
  EXPECT_EQ(Div("123456789", "1000"), "123456.789000000000");
  EXPECT_EQ(Div("1", "1.5"), "0.66666666666666666667");
  EXPECT_EQ(Div("0", "5"), "0.00000000000000000000");
  EXPECT_EQ(Div("-7", "2"), "-3.5000000000000000");
  auto zero = N("1").Div(N("0.00"));
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(SqlStateOf(zero.status()), "22012");
}

TEST(NumericTest, AddMulModRoundFollowPostgres) {
  EXPECT_EQ(N("0.1").Add(N("0.2"))->ToString(), "0.3");
  EXPECT_EQ(N("1.5").Mul(N("1.5"))->ToString(), "2.25");
  EXPECT_EQ(N("1.10").Sub(N("1.1"))->ToString(), "0.00");
  EXPECT_EQ(N("10.5").Mod(N("3"))->ToString(), "1.5");
  EXPECT_EQ(N("-10.5").Mod(N("3"))->ToString(), "-1.5");
  EXPECT_EQ(N("2.5").Round(0).ToString(), "3");
  EXPECT_EQ(N("-2.5").Round(0).ToString(), "-3");
  EXPECT_EQ(N("1234.5678").Round(2).ToString(), "1234.57");
  EXPECT_EQ(N("1234.5678").Round(-2).ToString(), "1200");
  EXPECT_EQ(N("1234.5678").Round(2, /*truncate=*/true).ToString(), "1234.56");
  EXPECT_EQ(N("1.5").Round(3).ToString(), "1.500");
  EXPECT_EQ(N("1234567890123456789012345678901234567890").Mul(N("987654321"))->ToString(),
            "1219326311248285321124828532112482853211126352690");
}

TEST(NumericTest, TypmodRoundsThenChecksPrecision) {
  Numeric n = N("123.456");
  ASSERT_TRUE(n.ApplyTypmod(6, 2).ok());
  EXPECT_EQ(n.ToString(), "123.46");
  Numeric big = N("1234.5");
  absl::Status s = big.ApplyTypmod(5, 2);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(SqlStateOf(s), "22003");
  EXPECT_EQ(s.message(), "numeric field overflow");
  EXPECT_EQ(DetailOf(s), "A field with precision 5, scale 2 must round to an absolute value less than 10^3.");
  Numeric frac = N("1.5");
  EXPECT_EQ(DetailOf(frac.ApplyTypmod(2, 2)), "A field with precision 2, scale 2 must round to an absolute value less than 1.");
}

TEST(NumericTest, IntegerAndFloatConversions) {
  EXPECT_EQ(*N("2.5").ToInt64(), 3);
  EXPECT_EQ(*N("-9223372036854775808").ToInt64(), INT64_MIN);
  EXPECT_EQ(SqlStateOf(N("9223372036854775808").ToInt64().status()), "22003");
  EXPECT_EQ(Numeric::FromInt64(INT64_MIN).ToString(), "-9223372036854775808");
  EXPECT_EQ(Numeric::FromDouble(0.1)->ToString(), "0.1");
  EXPECT_EQ(Numeric::FromDouble(1.0 / 3)->ToString(), "0.333333333333333");
  EXPECT_DOUBLE_EQ(N("1.25").ToDouble(), 1.25);
}

TEST(NumericTest, NaNEqualsItselfAndSortsLast) {
  EXPECT_EQ(Numeric::NaN().Compare(Numeric::NaN()), 0);
  EXPECT_EQ(Numeric::NaN().Compare(N("1e100")), 1);
  EXPECT_EQ(N("1.0").Compare(N("1.00")), 0);
  EXPECT_EQ(N("1.0").Hash(), N("1.000").Hash());
  EXPECT_EQ(N("-1").Compare(N("0")), -1);
}

// A random numeric of up to ~60 digits with up to 30 fraction digits.
rc::Gen<std::string> GenNumericText() {
  return rc::gen::apply(
      [](bool negative, std::string digits, int point) {
        if (digits.empty()) digits = "0";
        const size_t p = static_cast<size_t>(point) % (digits.size() + 1);
        std::string s = digits.substr(0, p) + "." + digits.substr(p);
        if (p == 0) s = "0" + s;
        return (negative ? "-" : "") + s;
      },
      rc::gen::arbitrary<bool>(), rc::gen::container<std::string>(rc::gen::elementOf(std::string("0123456789"))),
      rc::gen::inRange(0, 100));
}

RC_GTEST_PROP(NumericProperty, AddSubtractIsExactAndEncodingRoundTrips, ()) {
  const Numeric a = *Numeric::Parse(*GenNumericText());
  const Numeric b = *Numeric::Parse(*GenNumericText());
  const Numeric sum = *a.Add(b);
  RC_ASSERT(sum.Sub(b)->Compare(a) == 0);
  RC_ASSERT(a.Mul(b)->Compare(*b.Mul(a)) == 0);
  RC_ASSERT(Numeric::Decode(a.Encode())->Compare(a) == 0);
  RC_ASSERT(Numeric::Parse(a.ToString())->ToString() == a.ToString());
}

RC_GTEST_PROP(NumericProperty, DivisionIsWithinHalfAUnitOfItsScale, ()) {
  const Numeric a = *Numeric::Parse(*GenNumericText());
  const Numeric b = *Numeric::Parse(*GenNumericText());
  RC_PRE(!b.is_zero());
  const Numeric q = *a.Div(b);
  // |a - q*b| <= |b| * 10^-scale / 2
  const Numeric error = a.Sub(*q.Mul(b))->Abs();
  const Numeric unit = *Numeric::Parse("1e-" + std::to_string(q.scale()));
  const Numeric bound = *b.Abs().Mul(unit)->Mul(*Numeric::Parse("0.5"));
  RC_ASSERT(error.Compare(bound) <= 0);
  const Numeric m = *a.Mod(b);
  RC_ASSERT(m.Abs().Compare(b.Abs()) < 0);
}

// A numeric of at most 18 digits (the 128-bit fast path's domain).
rc::Gen<std::string> GenSmallNumericText() {
  return rc::gen::apply(
      [](bool negative, std::string digits, int point) {
        if (digits.empty()) digits = "0";
        const size_t p = static_cast<size_t>(point) % (digits.size() + 1);
        return (negative ? "-0" : "0") + digits.substr(0, p) + "." + digits.substr(p);
      },
      rc::gen::arbitrary<bool>(),
      rc::gen::mapcat(rc::gen::inRange<size_t>(0, 19),
                      [](size_t n) { return rc::gen::container<std::string>(n, rc::gen::elementOf(std::string("0123456789"))); }),
      rc::gen::inRange(0, 19));
}

// Small operands take the 128-bit paths; shifting one by 10^40 forces the limb paths,
// which must give the same value and display scale.
RC_GTEST_PROP(NumericProperty, FastPathsAgreeWithLimbArithmetic, ()) {
  const Numeric a = *Numeric::Parse(*GenSmallNumericText());
  const Numeric b = *Numeric::Parse(*GenSmallNumericText());
  const Numeric big = *Numeric::Parse("1e40");
  int64_t unscaled = 0;
  RC_ASSERT(a.SmallUnscaled(&unscaled));
  RC_ASSERT(Numeric::FromUnscaled(unscaled, a.scale()).ToString() == a.ToString());
  RC_ASSERT(!a.Add(big)->SmallUnscaled(&unscaled));
  RC_ASSERT(a.Add(b)->ToString() == a.Add(big)->Add(b)->Sub(big)->ToString());
  RC_ASSERT(a.Sub(b)->ToString() == a.Add(big)->Sub(b)->Sub(big)->ToString());
  RC_ASSERT(a.Mul(b)->ToString() == a.Mul(*b.Add(big))->Sub(*a.Mul(big))->ToString());
  RC_ASSERT(a.Compare(b) == a.Add(big)->Compare(*b.Add(big)));
}

// NumericSum equals adding one by one, whatever mix of scales and sizes it is fed.
RC_GTEST_PROP(NumericProperty, SumEqualsRepeatedAdd, ()) {
  const auto texts = *rc::gen::container<std::vector<std::string>>(
      rc::gen::oneOf(GenSmallNumericText(), GenNumericText(), rc::gen::element<std::string>("1.25", "-3.50", "0.00")));
  NumericSum sum;
  Numeric expected;
  for (const std::string& text : texts) {
    const Numeric v = *Numeric::Parse(text);
    RC_ASSERT(sum.Add(v).ok());
    expected = *expected.Add(v);
  }
  RC_ASSERT(sum.Total()->ToString() == expected.ToString());
}

// The 128-bit accumulator stays exact past int64 (1000 × the largest fast-path value).
TEST(NumericTest, SumOfTheLargestFastPathValuesIsExactPastInt64) {
  NumericSum sum;
  const Numeric v = N("999999999999999999");  // 18 nines: the fast path's largest
  Numeric expected;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(sum.Add(v).ok());
    expected = *expected.Add(v);
  }
  EXPECT_EQ(sum.Total()->ToString(), expected.ToString());
  EXPECT_EQ(sum.Total()->ToString(), "999999999999999999000");
}

}  // namespace
}  // namespace quanta::sql
