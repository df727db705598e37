// Numeric: PostgreSQL's exact decimal type (numeric/decimal), arbitrary precision.
//
// A value is NaN or sign × magnitude × 10^-scale, where the magnitude is an unsigned
// big integer (base 10^9 limbs) and `scale` is PostgreSQL's display scale: the number of
// digits after the point, kept as computed (1.50 keeps its trailing zero). The result
// scales follow numeric.c: + and - take the larger scale, * the sum, / PostgreSQL's
// select_div_scale (at least 16 significant digits), rounding half away from zero.
// NaN equals itself and sorts above every number, as in PostgreSQL.
//
// Limits: kMaxIntegerDigits before the point and kMaxScale after it (PostgreSQL's);
// beyond them 22003 "value overflows numeric format". Infinity is not supported.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"

namespace quanta::sql {

// The fast paths' range: values of at most kSmallDigits digits (two limbs, always an
// int64), and 10^k for k in [0, kSmallDigits].
inline constexpr int kSmallDigits = 18;
inline constexpr uint64_t kPow10Small[] = {1ull,
                                    10ull,
                                    100ull,
                                    1000ull,
                                    10000ull,
                                    100000ull,
                                    1000000ull,
                                    10000000ull,
                                    100000000ull,
                                    1000000000ull,
                                    10000000000ull,
                                    100000000000ull,
                                    1000000000000ull,
                                    10000000000000ull,
                                    100000000000000ull,
                                    1000000000000000ull,
                                    10000000000000000ull,
                                    100000000000000000ull,
                                    1000000000000000000ull};
static_assert(sizeof(kPow10Small) / sizeof(kPow10Small[0]) == kSmallDigits + 1);

class Numeric {
 public:
  static constexpr int kMaxIntegerDigits = 131072;
  static constexpr int kMaxScale = 16383;
  static constexpr int kMaxDisplayScale = 1000;  // NUMERIC_MAX_DISPLAY_SCALE
  static constexpr int kMinSignificantDigits = 16;

  Numeric() = default;  // zero
  static Numeric FromInt64(int64_t v);
  static Numeric NaN();
  // Parses PostgreSQL's numeric input ("  -1.50e3 ", "NaN"). Errors: 22P02 naming the
  // text, 22003 past the limits.
  static absl::StatusOr<Numeric> Parse(std::string_view text);
  // float8 → numeric as PostgreSQL does it (15 significant digits). NaN maps to NaN;
  // infinities are 22003.
  static absl::StatusOr<Numeric> FromDouble(double v, int significant_digits = 15);

  bool is_nan() const { return nan_; }
  bool is_zero() const { return !nan_ && mag_.empty(); }
  bool negative() const { return negative_; }
  int scale() const { return scale_; }

  std::string ToString() const;
  double ToDouble() const;
  // Rounds half away from zero to an integer. Errors: 22003 "bigint out of range"
  // (the caller renames it for narrower types), NaN: 0A000.
  absl::StatusOr<int64_t> ToInt64() const;

  Numeric Negate() const;
  Numeric Abs() const;
  absl::StatusOr<Numeric> Add(const Numeric& o) const;
  absl::StatusOr<Numeric> Sub(const Numeric& o) const;
  absl::StatusOr<Numeric> Mul(const Numeric& o) const;
  // Errors: 22012 "division by zero".
  absl::StatusOr<Numeric> Div(const Numeric& o) const;
  // Division to exactly `scale` fraction digits (rounded), for avg and friends.
  absl::StatusOr<Numeric> DivToScale(const Numeric& o, int scale) const;
  absl::StatusOr<Numeric> Mod(const Numeric& o) const;
  // -1, 0, 1 (NaN is the greatest and equals itself).
  int Compare(const Numeric& o) const;
  // Rounds (half away from zero) or pads to `scale` fraction digits (negative: to tens,
  // hundreds...). Truncates instead with `truncate`.
  Numeric Round(int scale, bool truncate = false) const;
  // Enforces numeric(p,s): rounds to s, then 22003 "numeric field overflow" if more than
  // p - s integer digits remain (PostgreSQL's message and detail).
  absl::Status ApplyTypmod(int precision, int scale);

  // The fast path for the values numeric(p,s) columns hold: the unscaled value
  // (sign × magnitude, this = *unscaled × 10^-scale()) when the magnitude has at most
  // 18 digits; false otherwise (and for NaN).
  bool SmallUnscaled(int64_t* unscaled) const;
  // unscaled × 10^-scale. REQUIRES: 0 <= scale <= kMaxScale.
  static Numeric FromUnscaled(__int128 unscaled, int scale);

  // Compact binary form for vectors and rows; Decode validates (kDataLoss if damaged).
  std::string Encode() const;
  static absl::StatusOr<Numeric> Decode(std::string_view bytes);
  // Digits before the point (0 for |x| < 1), for the precision check and div scale.
  int IntegerDigits() const;
  // Hash consistent with Compare (1.0 and 1.00 hash alike).
  uint64_t Hash() const;

 private:
  // Base 10^9, least significant first, no leading zeros. Four limbs (36 digits) live
  // inline, so the values of numeric(p,s) columns with p <= 36 never touch the heap.
  using Limbs = absl::InlinedVector<uint32_t, 4>;

  static Numeric Make(bool negative, Limbs mag, int scale);
  // The magnitude scaled up to `scale` (>= scale_).
  Limbs MagnitudeAt(int scale) const;
  // The magnitude when it has at most two limbs (< 10^18).
  bool SmallMagnitude(uint64_t* magnitude) const;
  static Numeric FromSmall(bool negative, unsigned __int128 magnitude, int scale);
  // PostgreSQL's select_div_scale for this / o.
  int DivScale(const Numeric& o) const;
  absl::Status CheckLimits() const;

  bool nan_ = false;
  bool negative_ = false;  // never set on zero
  int scale_ = 0;
  Limbs mag_;
};

// An exact running sum (sum() and avg() over numeric). Inputs of at most 18 digits at
// one scale (a numeric(p,s) column's) add in 128-bit arithmetic; any other input goes
// through Numeric::Add, and so would a sum past 2^126 (a guard: that takes 2^66 inputs). Total() equals adding every input with
// Numeric::Add in any order, display scale included.
class NumericSum {
 public:
  // Errors: 22003 past numeric's limits.
  absl::Status Add(const Numeric& v);
  // Adds unscaled × 10^-scale (a decimal vector's value: Numeric::FromUnscaled's).
  absl::Status AddUnscaled(int64_t unscaled, int scale) {
    if (!small_started_ || scale == small_scale_) {  // inline: a sum's per-row path
      const __int128 next = small_ + unscaled;
      if (next < kSmallLimit && next > -kSmallLimit) {
        small_started_ = true;
        small_scale_ = scale;
        small_ = next;
        return absl::OkStatus();
      }
    }
    return AddUnscaledSlow(unscaled, scale);
  }
  absl::StatusOr<Numeric> Total() const;

 private:
  static constexpr __int128 kSmallLimit = static_cast<__int128>(1) << 126;
  absl::Status AddUnscaledSlow(int64_t unscaled, int scale);

  bool small_started_ = false;
  int small_scale_ = 0;
  __int128 small_ = 0;  // |small_| < kSmallLimit
  Numeric big_;
};

}  // namespace quanta::sql
