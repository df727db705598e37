#include "sql/types/ordered_key.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"

namespace quanta::sql {
namespace {

constexpr uint64_t kSignBit = 0x8000000000000000ull;
constexpr uint8_t kNumericNegative = 0x10, kNumericZero = 0x20, kNumericPositive = 0x28, kNumericNaN = 0x30;

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t ReadBigEndian(std::string_view in) {
  QUANTA_DEBUG_ASSERT(in.size() >= 8);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
  return v;
}

void AppendEscaped(std::string_view s, bool invert, std::string* out) {
  const auto put = [&](uint8_t b) { out->push_back(static_cast<char>(invert ? ~b : b)); };
  for (char c : s) {
    put(static_cast<uint8_t>(c));
    if (c == 0) put(0xFF);
  }
  put(0x00);
  put(0x01);
}

// Length of an escaped string at the start of `in` (terminator included), 0 if cut.
size_t EscapedLength(std::string_view in, bool invert) {
  const auto at = [&](size_t i) { return static_cast<uint8_t>(invert ? ~in[i] : in[i]); };
  for (size_t i = 0; i + 1 < in.size(); ++i) {
    if (at(i) != 0) continue;
    if (at(i + 1) == 0x01) return i + 2;
    if (at(i + 1) != 0xFF) return 0;
    ++i;
  }
  return 0;
}

// The bytes of an escaped string EscapedLength accepted (terminator included).
std::string Unescape(std::string_view escaped, bool invert) {
  QUANTA_DEBUG_ASSERT(escaped.size() >= 2);
  std::string s;
  const size_t body = escaped.size() - 2;
  for (size_t i = 0; i < body; ++i) {
    const char c = static_cast<char>(invert ? ~escaped[i] : escaped[i]);
    s.push_back(c);
    if (c == 0) ++i;  // the 0xFF after an escaped 0x00
  }
  return s;
}

void AppendNumericKey(const Numeric& n, std::string* out) {
  if (n.is_nan()) {
    out->push_back(static_cast<char>(kNumericNaN));
    return;
  }
  if (n.is_zero()) {
    out->push_back(static_cast<char>(kNumericZero));
    return;
  }
  std::string digits = n.Abs().ToString();
  const size_t point = digits.find('.');
  int exponent = static_cast<int>(point == std::string::npos ? digits.size() : point);
  if (point != std::string::npos) digits.erase(point, 1);
  size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0') ++lead;
  exponent -= static_cast<int>(lead);
  digits.erase(0, lead);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  QUANTA_ASSERT(!digits.empty());
  const bool negative = n.negative();
  out->push_back(static_cast<char>(negative ? kNumericNegative : kNumericPositive));
  uint32_t e = static_cast<uint32_t>(exponent) ^ 0x80000000u;
  if (negative) e = ~e;
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((e >> (8 * i)) & 0xFF));
  AppendEscaped(digits, negative, out);
}

size_t NumericKeyLength(std::string_view in) {
  if (in.empty()) return 0;
  const uint8_t cls = static_cast<uint8_t>(in[0]);
  if (cls == kNumericNaN || cls == kNumericZero) return 1;
  if ((cls != kNumericNegative && cls != kNumericPositive) || in.size() < 5) return 0;
  const size_t digits = EscapedLength(in.substr(5), cls == kNumericNegative);
  return digits == 0 ? 0 : 5 + digits;
}

// 0.d1d2...dn × 10^exponent as decimal text.
std::string DecimalText(const std::string& digits, int64_t exponent) {
  const auto n = static_cast<int64_t>(digits.size());
  if (exponent >= n) return digits + std::string(static_cast<size_t>(exponent - n), '0');
  if (exponent <= 0) return absl::StrCat("0.", std::string(static_cast<size_t>(-exponent), '0'), digits);
  return absl::StrCat(digits.substr(0, static_cast<size_t>(exponent)), ".", digits.substr(static_cast<size_t>(exponent)));
}

absl::StatusOr<Value> DecodeNumericKey(std::string_view key, const Type& type) {
  const uint8_t cls = static_cast<uint8_t>(key[0]);
  if (cls == kNumericNaN) return Value::Num(Numeric::NaN(), type);
  if (cls == kNumericZero) return Value::Num(Numeric(), type);
  const bool negative = cls == kNumericNegative;
  uint32_t e = 0;
  for (size_t i = 1; i < 5; ++i) e = (e << 8) | static_cast<uint8_t>(key[i]);
  if (negative) e = ~e;
  const int64_t exponent = static_cast<int32_t>(e ^ 0x80000000u);
  const std::string digits = Unescape(key.substr(5), negative);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
      std::llabs(exponent) > Numeric::kMaxIntegerDigits + Numeric::kMaxScale) {
    return absl::DataLossError("ordered key: bad numeric digits");
  }
  auto n = Numeric::Parse(absl::StrCat(negative ? "-" : "", DecimalText(digits, exponent)));
  if (!n.ok()) return absl::DataLossError(absl::StrCat("ordered key: bad numeric: ", n.status().message()));
  return Value::Num(std::move(*n), type);
}

double DecodeFloatBits(uint64_t bits) {
  bits = (bits & kSignBit) ? bits ^ kSignBit : ~bits;
  double d = 0;
  std::memcpy(&d, &bits, 8);
  return d;
}

}  // namespace

void AppendOrderedKey(const Value& v, std::string* out) {
  QUANTA_ASSERT(!v.is_null());
  switch (StorageOf(v.type())) {
    case Storage::kInt:
      AppendBigEndian(static_cast<uint64_t>(v.int_value()) ^ kSignBit, out);
      return;
    case Storage::kFloat: {
      double d = v.float_value();
      if (d == 0) d = 0;  // -0 = 0
      if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();  // one NaN, as SQL groups them
      uint64_t bits = 0;
      std::memcpy(&bits, &d, 8);
      bits = (bits & kSignBit) ? ~bits : bits ^ kSignBit;
      AppendBigEndian(bits, out);
      return;
    }
    case Storage::kString: {
      std::string_view s = v.str();
      if (v.type().id == TypeId::kBpchar) {
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);  // char(n) ignores padding
      }
      AppendEscaped(s, false, out);
      return;
    }
    case Storage::kNumeric:
      AppendNumericKey(v.numeric(), out);
      return;
  }
}

size_t OrderedKeyLength(std::string_view in, const Type& type) {
  switch (StorageOf(type)) {
    case Storage::kInt:
    case Storage::kFloat:
      return in.size() >= 8 ? 8 : 0;
    case Storage::kString:
      return EscapedLength(in, false);
    case Storage::kNumeric:
      return NumericKeyLength(in);
  }
  return 0;
}

absl::StatusOr<Value> DecodeOrderedKey(std::string_view* in, const Type& type) {
  const size_t n = OrderedKeyLength(*in, type);
  if (n == 0) return absl::DataLossError(absl::StrCat("ordered key: a ", type.Name(), " value is cut short"));
  const std::string_view key = in->substr(0, n);
  in->remove_prefix(n);
  switch (StorageOf(type)) {
    case Storage::kInt: return Value::Int(type, static_cast<int64_t>(ReadBigEndian(key) ^ kSignBit));
    case Storage::kFloat: return Value::Float(type, DecodeFloatBits(ReadBigEndian(key)));
    case Storage::kString: return Value::String(type, Unescape(key, false));
    case Storage::kNumeric: return DecodeNumericKey(key, type);
  }
  QUANTA_UNREACHABLE("storage");
}

}  // namespace quanta::sql
