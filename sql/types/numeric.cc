#include "sql/types/numeric.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/util/coding.h"
#include "engine/util/strings.h"
#include "sql/common/sql_error.h"

namespace quanta::sql {
namespace {

using Limbs = absl::InlinedVector<uint32_t, 4>;
constexpr uint64_t kBase = 1000000000;
constexpr int kLimbDigits = 9;
constexpr uint32_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

void Trim(Limbs* a) {
  while (!a->empty() && a->back() == 0) a->pop_back();
}

int CompareMag(const Limbs& a, const Limbs& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

Limbs AddMag(const Limbs& a, const Limbs& b) {
  Limbs out(std::max(a.size(), b.size()) + 1, 0);
  uint64_t carry = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t s = carry + (i < a.size() ? a[i] : 0) + (i < b.size() ? b[i] : 0);
    out[i] = static_cast<uint32_t>(s % kBase);
    carry = s / kBase;
  }
  QUANTA_ASSERT(carry == 0);
  Trim(&out);
  return out;
}

// a - b. REQUIRES: a >= b.
Limbs SubMag(const Limbs& a, const Limbs& b) {
  QUANTA_ASSERT(CompareMag(a, b) >= 0);
  Limbs out(a.size(), 0);
  int64_t borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int64_t d = static_cast<int64_t>(a[i]) - borrow - (i < b.size() ? b[i] : 0);
    borrow = d < 0;
    if (d < 0) d += kBase;
    out[i] = static_cast<uint32_t>(d);
  }
  QUANTA_ASSERT(borrow == 0);
  Trim(&out);
  return out;
}

Limbs MulSmall(const Limbs& a, uint32_t m) {
  Limbs out(a.size() + 1, 0);
  uint64_t carry = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const uint64_t p = static_cast<uint64_t>(a[i]) * m + carry;
    out[i] = static_cast<uint32_t>(p % kBase);
    carry = p / kBase;
  }
  out[a.size()] = static_cast<uint32_t>(carry);
  Trim(&out);
  return out;
}

Limbs MulMag(const Limbs& a, const Limbs& b) {
  if (a.empty() || b.empty()) return {};
  absl::InlinedVector<uint64_t, 9> acc(a.size() + b.size() + 1, 0);
  for (size_t i = 0; i < a.size(); ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < b.size(); ++j) {
      const uint64_t cur = acc[i + j] + static_cast<uint64_t>(a[i]) * b[j] + carry;
      acc[i + j] = cur % kBase;
      carry = cur / kBase;
    }
    for (size_t k = i + b.size(); carry != 0; ++k) {
      const uint64_t cur = acc[k] + carry;
      acc[k] = cur % kBase;
      carry = cur / kBase;
    }
  }
  Limbs out(acc.size());
  std::copy(acc.begin(), acc.end(), out.begin());
  Trim(&out);
  return out;
}

Limbs DivModSmall(const Limbs& a, uint32_t d, uint32_t* remainder) {
  QUANTA_ASSERT(d != 0);
  Limbs q(a.size(), 0);
  uint64_t r = 0;
  for (size_t i = a.size(); i-- > 0;) {
    const uint64_t cur = r * kBase + a[i];
    q[i] = static_cast<uint32_t>(cur / d);
    r = cur % d;
  }
  Trim(&q);
  *remainder = static_cast<uint32_t>(r);
  return q;
}

// Knuth's algorithm D in base 10^9: *q = u / v, *r = u % v. REQUIRES: v != 0.
void DivModMag(const Limbs& u, const Limbs& v, Limbs* q, Limbs* r) {
  QUANTA_ASSERT(!v.empty());
  if (CompareMag(u, v) < 0) {
    q->clear();
    *r = u;
    return;
  }
  if (v.size() == 1) {
    uint32_t rem = 0;
    *q = DivModSmall(u, v[0], &rem);
    r->clear();
    if (rem != 0) r->push_back(rem);
    return;
  }
  const size_t n = v.size();
  const size_t m = u.size() - n;
  const uint32_t d = static_cast<uint32_t>(kBase / (static_cast<uint64_t>(v.back()) + 1));
  Limbs un = MulSmall(u, d);
  un.resize(u.size() + 1, 0);
  Limbs vn = MulSmall(v, d);
  QUANTA_ASSERT(vn.size() == n);
  QUANTA_ASSERT(vn.back() >= kBase / 2);
  q->assign(m + 1, 0);
  for (size_t j = m + 1; j-- > 0;) {
    const uint64_t num = static_cast<uint64_t>(un[j + n]) * kBase + un[j + n - 1];
    uint64_t qhat = num / vn[n - 1];
    uint64_t rhat = num % vn[n - 1];
    while (qhat >= kBase || qhat * vn[n - 2] > rhat * kBase + un[j + n - 2]) {
      --qhat;
      rhat += vn[n - 1];
      if (rhat >= kBase) break;
    }
    int64_t borrow = 0;
    uint64_t carry = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t p = qhat * vn[i] + carry;
      carry = p / kBase;
      int64_t s = static_cast<int64_t>(un[i + j]) - static_cast<int64_t>(p % kBase) - borrow;
      borrow = s < 0;
      if (s < 0) s += kBase;
      un[i + j] = static_cast<uint32_t>(s);
    }
    int64_t top = static_cast<int64_t>(un[j + n]) - static_cast<int64_t>(carry) - borrow;
    if (top < 0) {  // qhat was one too large: add v back
      top += kBase;
      --qhat;
      uint64_t c = 0;
      for (size_t i = 0; i < n; ++i) {
        const uint64_t s = static_cast<uint64_t>(un[i + j]) + vn[i] + c;
        un[i + j] = static_cast<uint32_t>(s % kBase);
        c = s / kBase;
      }
      top = (top + static_cast<int64_t>(c)) % static_cast<int64_t>(kBase);
    }
    un[j + n] = static_cast<uint32_t>(top);
    (*q)[j] = static_cast<uint32_t>(qhat);
  }
  Trim(q);
  un.resize(n);
  Trim(&un);
  uint32_t rem = 0;
  *r = DivModSmall(un, d, &rem);
  QUANTA_ASSERT(rem == 0);
}

// a × 10^k.
Limbs ScaleUp(const Limbs& a, int k) {
  QUANTA_ASSERT(k >= 0);
  if (a.empty()) return {};
  if (k == 0) return a;
  Limbs out(static_cast<size_t>(k / kLimbDigits), 0);
  out.insert(out.end(), a.begin(), a.end());
  return MulSmall(out, kPow10[k % kLimbDigits]);
}

Limbs Pow10(int k) { return ScaleUp(Limbs{1}, k); }

std::string Digits(const Limbs& a) {
  if (a.empty()) return "0";
  std::string s = std::to_string(a.back());
  for (size_t i = a.size() - 1; i-- > 0;) {
    char group[kLimbDigits];
    uint32_t limb = a[i];
    for (int d = kLimbDigits; d-- > 0; limb /= 10) group[d] = static_cast<char>('0' + limb % 10);
    s.append(group, kLimbDigits);
  }
  return s;
}

Limbs FromDigits(std::string_view digits) {
  Limbs out;
  for (size_t end = digits.size(); end > 0;) {
    const size_t start = end >= kLimbDigits ? end - kLimbDigits : 0;
    uint32_t v = 0;
    for (size_t i = start; i < end; ++i) v = v * 10 + static_cast<uint32_t>(digits[i] - '0');
    out.push_back(v);
    end = start;
  }
  Trim(&out);
  return out;
}

absl::Status InvalidInput(std::string_view text) {
  return SqlError(sqlstate::kInvalidTextRepresentation,
                  absl::StrCat("invalid input syntax for type numeric: \"", ToAbsl(text), "\""));
}

absl::Status Overflow() { return SqlError(sqlstate::kNumericOutOfRange, "value overflows numeric format"); }

}  // namespace

Numeric Numeric::Make(bool negative, Limbs mag, int scale) {
  QUANTA_ASSERT(scale >= 0);
  Numeric n;
  Trim(&mag);
  QUANTA_DEBUG_ASSERT(std::all_of(mag.begin(), mag.end(), [](uint32_t limb) { return limb < kBase; }));
  n.negative_ = negative && !mag.empty();
  n.mag_ = std::move(mag);
  n.scale_ = scale;
  return n;
}

bool Numeric::SmallMagnitude(uint64_t* magnitude) const {
  if (nan_ || mag_.size() > 2) return false;
  *magnitude = mag_.empty() ? 0 : (mag_.size() == 1 ? mag_[0] : static_cast<uint64_t>(mag_[1]) * kBase + mag_[0]);
  QUANTA_DEBUG_ASSERT(*magnitude < kPow10Small[kSmallDigits]);
  return true;
}

Numeric Numeric::FromSmall(bool negative, unsigned __int128 magnitude, int scale) {
  QUANTA_ASSERT(scale >= 0 && scale <= kMaxScale);
  Limbs mag;
  for (; magnitude > UINT64_MAX; magnitude /= kBase) mag.push_back(static_cast<uint32_t>(magnitude % kBase));
  for (uint64_t m = static_cast<uint64_t>(magnitude); m != 0; m /= kBase) mag.push_back(static_cast<uint32_t>(m % kBase));
  return Make(negative, std::move(mag), scale);
}

bool Numeric::SmallUnscaled(int64_t* unscaled) const {
  uint64_t m = 0;
  if (!SmallMagnitude(&m)) return false;
  *unscaled = negative_ ? -static_cast<int64_t>(m) : static_cast<int64_t>(m);
  return true;
}

Numeric Numeric::FromUnscaled(__int128 unscaled, int scale) {
  const bool negative = unscaled < 0;
  const unsigned __int128 m = negative ? 0 - static_cast<unsigned __int128>(unscaled) : static_cast<unsigned __int128>(unscaled);
  return FromSmall(negative, m, scale);
}

Numeric Numeric::FromInt64(int64_t v) {
  const uint64_t m = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  Limbs mag;
  for (uint64_t x = m; x != 0; x /= kBase) mag.push_back(static_cast<uint32_t>(x % kBase));
  return Make(v < 0, std::move(mag), 0);
}

Numeric Numeric::NaN() {
  Numeric n;
  n.nan_ = true;
  return n;
}

absl::StatusOr<Numeric> Numeric::Parse(std::string_view text) {
  std::string_view s = ToStd(absl::StripAsciiWhitespace(ToAbsl(text)));
  if (absl::EqualsIgnoreCase(ToAbsl(s), "nan")) return NaN();
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::string digits;
  int fraction = 0;
  bool point = false;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      if (point) ++fraction;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return InvalidInput(text);
  int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
    if (i >= s.size()) return InvalidInput(text);
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      exponent = exponent * 10 + (s[i] - '0');
      if (exponent > 2 * kMaxIntegerDigits) return Overflow();
    }
    if (exp_negative) exponent = -exponent;
  }
  if (i != s.size()) return InvalidInput(text);
  int64_t scale = fraction - exponent;
  if (scale < 0) {
    digits.append(static_cast<size_t>(-scale), '0');
    scale = 0;
  }
  if (scale > kMaxScale) return Overflow();
  Numeric n = Make(negative, FromDigits(digits), static_cast<int>(scale));
  if (absl::Status limits = n.CheckLimits(); !limits.ok()) return limits;
  return n;
}

absl::StatusOr<Numeric> Numeric::FromDouble(double v, int significant_digits) {
  if (std::isnan(v)) return NaN();
  if (std::isinf(v)) return SqlError(sqlstate::kFeatureNotSupported, "cannot convert infinity to numeric");
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", significant_digits, v);
  return Parse(buf);
}

absl::Status Numeric::CheckLimits() const {
  if (scale_ > kMaxScale || IntegerDigits() > kMaxIntegerDigits) return Overflow();
  return absl::OkStatus();
}

std::string Numeric::ToString() const {
  if (nan_) return "NaN";
  std::string d = Digits(mag_);
  if (static_cast<int>(d.size()) <= scale_) d.insert(0, static_cast<size_t>(scale_) - d.size() + 1, '0');
  if (scale_ > 0) d.insert(d.size() - static_cast<size_t>(scale_), 1, '.');
  return negative_ ? "-" + d : d;
}

double Numeric::ToDouble() const {
  if (nan_) return std::nan("");
  double v = 0;
  QUANTA_ASSERT(absl::SimpleAtod(ToString(), &v) || std::isinf(v));
  return v;
}

absl::StatusOr<int64_t> Numeric::ToInt64() const {
  if (nan_) return SqlError(sqlstate::kFeatureNotSupported, "cannot convert NaN to bigint");
  const Numeric r = Round(0);
  if (r.mag_.size() > 3) return SqlError(sqlstate::kNumericOutOfRange, "bigint out of range");
  unsigned __int128 m = 0;
  for (size_t i = r.mag_.size(); i-- > 0;) m = m * kBase + r.mag_[i];
  const unsigned __int128 limit = static_cast<unsigned __int128>(INT64_MAX) + (negative_ ? 1 : 0);
  if (m > limit) return SqlError(sqlstate::kNumericOutOfRange, "bigint out of range");
  return negative_ ? static_cast<int64_t>(0 - static_cast<uint64_t>(m)) : static_cast<int64_t>(m);
}

Numeric Numeric::Negate() const {
  if (nan_) return *this;
  return Make(!negative_, mag_, scale_);
}

Numeric Numeric::Abs() const {
  if (nan_) return *this;
  return Make(false, mag_, scale_);
}

Limbs Numeric::MagnitudeAt(int scale) const {
  QUANTA_ASSERT(scale >= scale_);
  return ScaleUp(mag_, scale - scale_);
}

absl::StatusOr<Numeric> Numeric::Add(const Numeric& o) const {
  if (nan_ || o.nan_) return NaN();
  const int scale = std::max(scale_, o.scale_);
  uint64_t x = 0, y = 0;
  if (SmallMagnitude(&x) && o.SmallMagnitude(&y) && std::abs(scale_ - o.scale_) <= kSmallDigits) {
    // Both below 10^18, aligned below 10^36: exact in 128 bits, within every limit.
    const unsigned __int128 a = static_cast<unsigned __int128>(x) * kPow10Small[scale - scale_];
    const unsigned __int128 b = static_cast<unsigned __int128>(y) * kPow10Small[scale - o.scale_];
    if (negative_ == o.negative_) return FromSmall(negative_, a + b, scale);
    return a >= b ? FromSmall(negative_, a - b, scale) : FromSmall(o.negative_, b - a, scale);
  }
  const Limbs a = MagnitudeAt(scale);
  const Limbs b = o.MagnitudeAt(scale);
  Numeric r;
  if (negative_ == o.negative_) {
    r = Make(negative_, AddMag(a, b), scale);
  } else if (CompareMag(a, b) >= 0) {
    r = Make(negative_, SubMag(a, b), scale);
  } else {
    r = Make(o.negative_, SubMag(b, a), scale);
  }
  if (absl::Status s = r.CheckLimits(); !s.ok()) return s;
  return r;
}

absl::StatusOr<Numeric> Numeric::Sub(const Numeric& o) const { return Add(o.Negate()); }

absl::StatusOr<Numeric> Numeric::Mul(const Numeric& o) const {
  if (nan_ || o.nan_) return NaN();
  uint64_t x = 0, y = 0;
  if (SmallMagnitude(&x) && o.SmallMagnitude(&y) && scale_ + o.scale_ <= kMaxDisplayScale) {
    // A product below 10^36: exact in 128 bits, within every limit.
    return FromSmall(negative_ != o.negative_, static_cast<unsigned __int128>(x) * y, scale_ + o.scale_);
  }
  Numeric r = Make(negative_ != o.negative_, MulMag(mag_, o.mag_), scale_ + o.scale_);
  if (r.scale_ > kMaxDisplayScale) r = r.Round(kMaxDisplayScale);
  if (absl::Status s = r.CheckLimits(); !s.ok()) return s;
  return r;
}

int Numeric::IntegerDigits() const {
  if (nan_ || mag_.empty()) return 0;
  int digits = static_cast<int>(mag_.size() - 1) * kLimbDigits;
  for (uint32_t top = mag_.back(); top != 0; top /= 10) ++digits;
  QUANTA_DEBUG_ASSERT(digits == static_cast<int>(Digits(mag_).size()));
  return std::max(0, digits - scale_);
}

namespace {

// PostgreSQL's base-10000 weight and first digit of sign-less `digits` × 10^-scale.
void NbaseLead(const std::string& digits, int scale, bool zero, int* weight, int* first) {
  *weight = 0;
  *first = 0;
  if (zero) return;
  const int e = static_cast<int>(digits.size()) - scale - 1;  // power of ten of the lead digit
  const int w = e >= 0 ? e / 4 : -((-e + 3) / 4);
  int value = 0;
  for (int k = 4 * w + 3; k >= 4 * w; --k) {
    const int idx = e - k;
    const int digit = idx >= 0 && idx < static_cast<int>(digits.size()) ? digits[static_cast<size_t>(idx)] - '0' : 0;
    value = value * 10 + digit;
  }
  *weight = w;
  *first = value;
}

}  // namespace

int Numeric::DivScale(const Numeric& o) const {
  int w1, f1, w2, f2;
  NbaseLead(Digits(mag_), scale_, mag_.empty(), &w1, &f1);
  NbaseLead(Digits(o.mag_), o.scale_, o.mag_.empty(), &w2, &f2);
  int qweight = w1 - w2;
  if (f1 <= f2) --qweight;
  int rscale = kMinSignificantDigits - qweight * 4;
  rscale = std::max({rscale, scale_, o.scale_, 0});
  return std::min(rscale, kMaxDisplayScale);
}

absl::StatusOr<Numeric> Numeric::Div(const Numeric& o) const {
  if (nan_ || o.nan_) return NaN();
  if (o.mag_.empty()) return SqlError(sqlstate::kDivisionByZero, "division by zero");
  return DivToScale(o, DivScale(o));
}

absl::StatusOr<Numeric> Numeric::DivToScale(const Numeric& o, int scale) const {
  if (nan_ || o.nan_) return NaN();
  if (o.mag_.empty()) return SqlError(sqlstate::kDivisionByZero, "division by zero");
  // |this| / |o| to scale + 1 digits, then round the last away from zero.
  const int e = scale + 1 + o.scale_ - scale_;
  const Limbs num = e >= 0 ? ScaleUp(mag_, e) : mag_;
  const Limbs den = e >= 0 ? o.mag_ : ScaleUp(o.mag_, -e);
  Limbs q, r;
  DivModMag(num, den, &q, &r);
  uint32_t last = 0;
  q = DivModSmall(q, 10, &last);
  if (last >= 5) q = AddMag(q, Limbs{1});
  Numeric result = Make(negative_ != o.negative_, std::move(q), scale);
  if (absl::Status s = result.CheckLimits(); !s.ok()) return s;
  return result;
}

absl::StatusOr<Numeric> Numeric::Mod(const Numeric& o) const {
  if (nan_ || o.nan_) return NaN();
  if (o.mag_.empty()) return SqlError(sqlstate::kDivisionByZero, "division by zero");
  const int scale = std::max(scale_, o.scale_);
  Limbs q, r;
  DivModMag(MagnitudeAt(scale), o.MagnitudeAt(scale), &q, &r);
  return Make(negative_, std::move(r), scale);
}

int Numeric::Compare(const Numeric& o) const {
  if (nan_ || o.nan_) return nan_ == o.nan_ ? 0 : (nan_ ? 1 : -1);
  if (negative_ != o.negative_) return negative_ ? -1 : 1;
  const int scale = std::max(scale_, o.scale_);
  uint64_t x = 0, y = 0;
  if (SmallMagnitude(&x) && o.SmallMagnitude(&y) && std::abs(scale_ - o.scale_) <= kSmallDigits) {
    const unsigned __int128 a = static_cast<unsigned __int128>(x) * kPow10Small[scale - scale_];
    const unsigned __int128 b = static_cast<unsigned __int128>(y) * kPow10Small[scale - o.scale_];
    const int c = a == b ? 0 : (a < b ? -1 : 1);
    return negative_ ? -c : c;
  }
  const int c = CompareMag(MagnitudeAt(scale), o.MagnitudeAt(scale));
  return negative_ ? -c : c;
}

Numeric Numeric::Round(int scale, bool truncate) const {
  if (nan_) return *this;
  if (scale >= scale_) return Make(negative_, MagnitudeAt(scale), scale);
  const int drop = scale_ - scale;
  Limbs q, r;
  const Limbs unit = Pow10(drop);
  DivModMag(mag_, unit, &q, &r);
  if (!truncate && CompareMag(MulSmall(r, 2), unit) >= 0) q = AddMag(q, Limbs{1});
  const int kept = std::max(scale, 0);
  if (scale < 0) q = ScaleUp(q, -scale);
  return Make(negative_, std::move(q), kept);
}

absl::Status Numeric::ApplyTypmod(int precision, int scale) {
  if (nan_) return absl::OkStatus();
  *this = Round(scale);
  const int max_digits = precision - scale;
  if (IntegerDigits() > max_digits) {
    return SqlError(sqlstate::kNumericOutOfRange, "numeric field overflow",
                    0, absl::StrCat("A field with precision ", precision, ", scale ", scale,
                                    " must round to an absolute value less than ", max_digits > 0 ? "10^" : "",
                                    max_digits > 0 ? max_digits : 1, "."));
  }
  return absl::OkStatus();
}

std::string Numeric::Encode() const {
  QUANTA_ASSERT(scale_ >= 0 && scale_ <= UINT16_MAX);
  QUANTA_ASSERT(mag_.empty() || mag_.back() != 0);
  QUANTA_ASSERT(!(negative_ && mag_.empty()));
  std::string out;
  out.push_back(static_cast<char>((negative_ ? 1 : 0) | (nan_ ? 2 : 0)));
  char b[2];
  PutU16(b, static_cast<uint16_t>(scale_));
  out.append(b, 2);
  for (uint32_t limb : mag_) AppendU32(&out, limb);
  return out;
}

absl::StatusOr<Numeric> Numeric::Decode(std::string_view bytes) {
  if (bytes.size() < 3 || (bytes.size() - 3) % 4 != 0) return absl::DataLossError("numeric: bad length");
  const uint8_t flags = static_cast<uint8_t>(bytes[0]);
  if (flags > 2) return absl::DataLossError("numeric: bad flags");
  if (flags == 2) return NaN();
  Numeric n;
  n.scale_ = GetU16(bytes.data() + 1);
  if (n.scale_ > kMaxScale) return absl::DataLossError("numeric: bad scale");
  for (size_t i = 3; i < bytes.size(); i += 4) {
    const uint32_t limb = GetU32(bytes.data() + i);
    if (limb >= kBase) return absl::DataLossError("numeric: bad digit group");
    n.mag_.push_back(limb);
  }
  if (!n.mag_.empty() && n.mag_.back() == 0) return absl::DataLossError("numeric: leading zero group");
  n.negative_ = (flags & 1) != 0;
  if (n.negative_ && n.mag_.empty()) return absl::DataLossError("numeric: negative zero");
  return n;
}

uint64_t Numeric::Hash() const {
  if (nan_) return 0x9e3779b97f4a7c15ull;
  Limbs m = mag_;
  int scale = scale_;
  uint32_t rem = 0;
  while (scale > 0 && !m.empty()) {
    Limbs q = DivModSmall(m, 10, &rem);
    if (rem != 0) break;
    m = std::move(q);
    --scale;
  }
  if (m.empty()) scale = 0;
  uint64_t h = 1469598103934665603ull ^ static_cast<uint64_t>(scale) ^ (negative_ ? 0x8000000000000000ull : 0);
  for (uint32_t limb : m) h = (h ^ limb) * 1099511628211ull;
  return h;
}

absl::Status NumericSum::Add(const Numeric& v) {
  int64_t unscaled = 0;
  if (v.SmallUnscaled(&unscaled) && (!small_started_ || v.scale() == small_scale_)) {
    const __int128 next = small_ + unscaled;
    if (next < kSmallLimit && next > -kSmallLimit) {
      small_started_ = true;
      small_scale_ = v.scale();
      small_ = next;
      return absl::OkStatus();
    }
  }
  auto sum = big_.Add(v);
  if (!sum.ok()) return sum.status();
  big_ = *std::move(sum);
  return absl::OkStatus();
}

absl::Status NumericSum::AddUnscaledSlow(int64_t unscaled, int scale) {
  return Add(Numeric::FromUnscaled(unscaled, scale));
}

absl::StatusOr<Numeric> NumericSum::Total() const {
  QUANTA_ASSERT(small_ < kSmallLimit && small_ > -kSmallLimit);
  if (!small_started_) return big_;
  return big_.Add(Numeric::FromUnscaled(small_, small_scale_));
}

}  // namespace quanta::sql
