#include "sql/types/cast.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/util/strings.h"
#include "sql/common/sql_error.h"
#include "sql/types/array.h"
#include "sql/types/binary.h"
#include "sql/types/datetime.h"
#include "sql/types/json.h"

namespace quanta::sql {
namespace {

absl::Status InvalidSyntax(const Type& type, std::string_view text) {
  return SqlError(sqlstate::kInvalidTextRepresentation,
                  absl::StrCat("invalid input syntax for type ", type.Name(), ": \"", ToAbsl(text), "\""));
}

bool IsText(TypeId id) { return id == TypeId::kText || id == TypeId::kVarchar || id == TypeId::kBpchar; }

absl::StatusOr<Value> ParseInt(std::string_view text, const Type& type) {
  std::string_view s = ToStd(absl::StripAsciiWhitespace(ToAbsl(text)));
  bool negative = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return InvalidSyntax(type, text);
  unsigned __int128 v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return InvalidSyntax(type, text);
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
    if (v > (static_cast<unsigned __int128>(1) << 64)) break;
  }
  const auto out_of_range = [&] {
    return SqlError(sqlstate::kNumericOutOfRange,
                    absl::StrCat("value \"", ToAbsl(text), "\" is out of range for type ", type.Name()));
  };
  if (i != s.size()) {
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return InvalidSyntax(type, text);
    }
    return out_of_range();
  }
  const unsigned __int128 limit = static_cast<unsigned __int128>(INT64_MAX) + (negative ? 1 : 0);
  if (v > limit) return out_of_range();
  const int64_t signed_v = negative ? static_cast<int64_t>(0 - static_cast<uint64_t>(v)) : static_cast<int64_t>(v);
  if (!CheckIntRange(signed_v, type.id).ok()) return out_of_range();
  return Value::Int(type, signed_v);
}

absl::StatusOr<Value> ParseFloat(std::string_view text, const Type& type) {
  std::string s(absl::StripAsciiWhitespace(ToAbsl(text)));
  const std::string lower = absl::AsciiStrToLower(s);
  double v = 0;
  if (lower == "nan") {
    v = std::nan("");
  } else if (lower == "infinity" || lower == "inf" || lower == "+infinity" || lower == "+inf") {
    v = std::numeric_limits<double>::infinity();
  } else if (lower == "-infinity" || lower == "-inf") {
    v = -std::numeric_limits<double>::infinity();
  } else {
    const char* begin = s.data();
    if (!s.empty() && s[0] == '+') ++begin;
    auto [end, ec] = std::from_chars(begin, s.data() + s.size(), v);
    if (end != s.data() + s.size() || s.empty() || ec == std::errc::invalid_argument) return InvalidSyntax(type, text);
    const bool out = ec == std::errc::result_out_of_range ||
                     (type.id == TypeId::kFloat4 && std::isinf(static_cast<float>(v)) && !std::isinf(v));
    if (out) {
      return SqlError(sqlstate::kNumericOutOfRange,
                      absl::StrCat("\"", ToAbsl(text), "\" is out of range for type ", type.Name()));
    }
  }
  if (type.id == TypeId::kFloat4) v = static_cast<float>(v);
  return Value::Float(type, v);
}

absl::StatusOr<Value> ParseBool(std::string_view text, const Type& type) {
  const std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(ToAbsl(text)));
  const auto prefix_of = [&](std::string_view word, size_t min) {
    return s.size() >= min && s.size() <= word.size() && word.substr(0, s.size()) == s;
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || s == "1") return Value::Bool(true);
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || s == "0") return Value::Bool(false);
  return InvalidSyntax(type, text);
}

size_t CharLength(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The byte offset after the first `chars` characters of `s`.
size_t BytesForChars(std::string_view s, size_t chars) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == chars) return i;
      ++n;
    }
  }
  return s.size();
}

// varchar(n) / char(n) length rules: explicit casts truncate; otherwise only trailing
// spaces may be cut (22001). char(n) pads to n.
absl::StatusOr<std::string> FitString(std::string s, const Type& to, CastContext context) {
  const std::optional<int32_t> max = to.max_length();
  if (!max) return s;
  const size_t limit = static_cast<size_t>(*max);
  const size_t length = CharLength(s);
  if (length > limit) {
    const size_t cut = BytesForChars(s, limit);
    const bool only_spaces = s.find_first_not_of(' ', cut) == std::string::npos;
    if (context != CastContext::kExplicit && !only_spaces) {
      return SqlError(sqlstate::kStringDataRightTruncation,
                      absl::StrCat("value too long for type ", to.id == TypeId::kVarchar ? "character varying" : "character",
                                   "(", limit, ")"));
    }
    s.resize(cut);
  } else if (to.id == TypeId::kBpchar) {
    s.append(limit - length, ' ');
  }
  return s;
}

std::string FormatShortest(double v, int max_fixed_exponent, bool is_float4) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  char buf[64];
  auto result = is_float4 ? std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v), std::chars_format::scientific)
                          : std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  QUANTA_ASSERT(result.ec == std::errc());
  const std::string sci(buf, result.ptr);
  const size_t e = sci.find('e');
  QUANTA_ASSERT(e != std::string::npos);
  const int exponent = std::stoi(sci.substr(e + 1));
  std::string digits;
  bool negative = false;
  for (size_t i = 0; i < e; ++i) {
    if (sci[i] == '-') negative = true;
    if (sci[i] >= '0' && sci[i] <= '9') digits.push_back(sci[i]);
  }
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= max_fixed_exponent) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    const int abs_exp = exponent < 0 ? -exponent : exponent;
    out += absl::StrCat(exponent < 0 ? "e-" : "e+", abs_exp < 10 ? "0" : "", abs_exp);
    return out;
  }
  if (exponent < 0) {
    out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  } else if (static_cast<size_t>(exponent) + 1 >= digits.size()) {
    out += digits + std::string(static_cast<size_t>(exponent) + 1 - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(exponent) + 1) + "." + digits.substr(static_cast<size_t>(exponent) + 1);
  }
  return out;
}

absl::StatusOr<Value> NumericToTarget(const Numeric& n, const Type& to) {
  if (to.is_integer()) {
    auto i = n.ToInt64();
    if (!i.ok()) return IntOutOfRange(to.id);
    auto checked = CheckIntRange(*i, to.id);
    if (!checked.ok()) return checked.status();
    return Value::Int(to, *checked);
  }
  if (to.is_float()) {
    const double d = n.ToDouble();
    return Value::Float(to, to.id == TypeId::kFloat4 ? static_cast<float>(d) : d);
  }
  QUANTA_ASSERT(to.id == TypeId::kNumeric);
  Numeric out = n;
  if (auto p = to.precision()) {
    absl::Status s = out.ApplyTypmod(*p, *to.scale());
    if (!s.ok()) return s;
  }
  return Value::Num(std::move(out), to);
}

absl::StatusOr<Value> FloatToTarget(double d, const Type& from, const Type& to) {
  if (to.is_integer()) {
    if (std::isnan(d) || std::isinf(d)) return IntOutOfRange(to.id);
    const double r = std::nearbyint(d);
    if (r < -9.2233720368547758e18 || r >= 9.2233720368547758e18) return IntOutOfRange(to.id);
    auto checked = CheckIntRange(static_cast<int64_t>(r), to.id);
    if (!checked.ok()) return checked.status();
    return Value::Int(to, *checked);
  }
  if (to.is_float()) {
    if (to.id == TypeId::kFloat4 && std::isinf(static_cast<float>(d)) && !std::isinf(d)) {
      return SqlError(sqlstate::kNumericOutOfRange, "value out of range: overflow");
    }
    return Value::Float(to, to.id == TypeId::kFloat4 ? static_cast<float>(d) : d);
  }
  QUANTA_ASSERT(to.id == TypeId::kNumeric);
  auto n = Numeric::FromDouble(d, from.id == TypeId::kFloat4 ? 6 : 15);
  if (!n.ok()) return n.status();
  return NumericToTarget(*n, to);
}

absl::StatusOr<Value> NumberToTarget(const Value& v, const Type& to) {
  const Type& from = v.type();
  if (from.is_integer() || from.id == TypeId::kOid) {
    if (to.is_integer() || to.id == TypeId::kOid) {
      auto checked = CheckIntRange(v.int_value(), to.id);
      if (!checked.ok()) return checked.status();
      return Value::Int(to, *checked);
    }
    if (to.is_float()) {
      const double d = static_cast<double>(v.int_value());
      return Value::Float(to, to.id == TypeId::kFloat4 ? static_cast<float>(d) : d);
    }
    return NumericToTarget(Numeric::FromInt64(v.int_value()), to);
  }
  if (from.is_float()) return FloatToTarget(v.float_value(), from, to);
  return NumericToTarget(v.numeric(), to);
}

bool IsTimestamp(TypeId id) { return id == TypeId::kTimestamp || id == TypeId::kTimestampTz; }

// Fractional-second precision of time(p)/timestamp(p) values.
Value RoundToTypmod(Value v, const Type& to) {
  const bool timed = to.id == TypeId::kTime || IsTimestamp(to.id);
  if (timed && to.typmod >= 0 && !v.is_null()) v = Value::Int(to, RoundMicros(v.int_value(), to.typmod));
  return v;
}

// Casts among date, time, timestamp and timestamptz (UTC: the two timestamps share
// their microseconds). nullopt: not such a cast.
std::optional<absl::StatusOr<Value>> DateTimeCast(const Value& v, const Type& to) {
  const TypeId from = v.type().id;
  if (from == TypeId::kDate && IsTimestamp(to.id)) {
    auto t = DateToTimestamp(v.int_value());
    if (!t.ok()) return absl::StatusOr<Value>(t.status());
    return absl::StatusOr<Value>(Value::Int(to, *t));
  }
  if (IsTimestamp(from) && IsTimestamp(to.id)) return absl::StatusOr<Value>(RoundToTypmod(Value::Int(to, v.int_value()), to));
  if (IsTimestamp(from) && to.id == TypeId::kDate) return absl::StatusOr<Value>(Value::Int(to, TimestampToDate(v.int_value())));
  if (IsTimestamp(from) && to.id == TypeId::kTime) {
    if (v.int_value() == kDateEnd || v.int_value() == kDateBegin) return absl::StatusOr<Value>(SqlError("22008", "timestamp out of range"));
    return absl::StatusOr<Value>(RoundToTypmod(Value::Int(to, TimestampToTime(v.int_value())), to));
  }
  if (from == TypeId::kTime && to.id == TypeId::kTime) return absl::StatusOr<Value>(RoundToTypmod(Value::Int(to, v.int_value()), to));
  if (from == TypeId::kTime && to.id == TypeId::kInterval) {
    return absl::StatusOr<Value>(Value::String(to, EncodeInterval(Interval{0, 0, v.int_value()})));
  }
  return std::nullopt;
}

absl::StatusOr<Value> StringResult(absl::StatusOr<std::string> s, const Type& type) {
  if (!s.ok()) return s.status();
  return Value::String(type, std::move(*s));
}

// Element by element (int[] to text[], numeric[] to int[]...).
absl::StatusOr<Value> CastArray(const Value& v, const Type& to, CastContext context) {
  std::string out;
  const Type element(to.element);
  for (const Value& e : DecodeArray(v.str(), Type(v.type().element))) {
    auto cast = CastValue(e, element, context);
    if (!cast.ok()) return cast.status();
    AppendArrayElement(*cast, &out);
  }
  return Value::String(to, std::move(out));
}

}  // namespace

absl::Status IntOutOfRange(TypeId id) {
  const char* name = id == TypeId::kInt2 ? "smallint" : id == TypeId::kInt4 ? "integer" : "bigint";
  return SqlError(sqlstate::kNumericOutOfRange, absl::StrCat(name, " out of range"));
}

absl::StatusOr<int64_t> CheckIntRange(int64_t v, TypeId id) {
  if (id == TypeId::kInt2 && (v < INT16_MIN || v > INT16_MAX)) return IntOutOfRange(id);
  if (id == TypeId::kInt4 && (v < INT32_MIN || v > INT32_MAX)) return IntOutOfRange(id);
  if (id == TypeId::kOid && (v < 0 || v > UINT32_MAX)) return SqlError(sqlstate::kNumericOutOfRange, "OID out of range");
  return v;
}

bool CanCast(const Type& from, const Type& to, CastContext context) {
  if (from.SameBase(to)) return true;
  if (from.id == TypeId::kArray && to.id == TypeId::kArray) return CanCast(Type(from.element), Type(to.element), context);
  if (from.id == TypeId::kUnknown) return true;
  const int rf = NumericRank(from.id);
  const int rt = NumericRank(to.id);
  if (rf > 0 && rt > 0) return context != CastContext::kImplicit || rf <= rt;
  if (IsText(from.id) && IsText(to.id)) return true;
  if (to.id == TypeId::kText || to.id == TypeId::kVarchar || to.id == TypeId::kBpchar) {
    return context != CastContext::kImplicit;  // every type's output function, by assignment
  }
  if (IsText(from.id)) return context == CastContext::kExplicit;  // input functions
  if (from.id == TypeId::kBool && to.id == TypeId::kInt4) return context == CastContext::kExplicit;
  if (from.id == TypeId::kInt4 && to.id == TypeId::kBool) return context == CastContext::kExplicit;
  if ((from.id == TypeId::kJson || from.id == TypeId::kJsonb) && (to.id == TypeId::kJson || to.id == TypeId::kJsonb)) {
    return context != CastContext::kImplicit;
  }
  // pg_cast among the date/time types: widening is implicit, narrowing by assignment.
  if (from.id == TypeId::kDate && IsTimestamp(to.id)) return true;
  if (from.id == TypeId::kTimestamp && to.id == TypeId::kTimestampTz) return true;
  if (from.id == TypeId::kTime && to.id == TypeId::kInterval) return true;
  if (IsTimestamp(from.id) && (IsTimestamp(to.id) || to.id == TypeId::kDate || to.id == TypeId::kTime)) {
    return context != CastContext::kImplicit;
  }
  return false;
}

absl::StatusOr<Value> CastValue(const Value& v, const Type& to, CastContext context) {
  if (v.is_null()) return Value::Null(to);
  const Type& from = v.type();
  if (from == to) return v;
  if (from.SameBase(to) && (to.id == TypeId::kTime || IsTimestamp(to.id))) return RoundToTypmod(v, to);
  if (!CanCast(from, to, context)) {
    return SqlError(sqlstate::kCannotCoerce, absl::StrCat("cannot cast type ", from.Name(), " to ", to.Name()));
  }
  if (from.id == TypeId::kUnknown || (IsText(from.id) && !IsText(to.id))) {
    if (IsText(to.id)) {
      auto s = FitString(v.str(), to, context);
      if (!s.ok()) return s.status();
      return Value::String(to, std::move(*s));
    }
    return ParseValue(v.str(), to);
  }
  if (IsText(to.id)) {
    std::string s = IsText(from.id) ? v.str() : from.id == TypeId::kBool ? (v.bool_value() ? "true" : "false") : FormatValue(v);
    if (from.id == TypeId::kBpchar && to.id != TypeId::kBpchar) {
      while (!s.empty() && s.back() == ' ') s.pop_back();  // char(n) drops its padding
    }
    auto fitted = FitString(std::move(s), to, context);
    if (!fitted.ok()) return fitted.status();
    return Value::String(to, std::move(*fitted));
  }
  if (from.id == TypeId::kBool) return Value::Int(to, v.int_value());
  if (to.id == TypeId::kBool) return Value::Bool(v.int_value() != 0);
  if (NumericRank(from.id) > 0 && NumericRank(to.id) > 0) return NumberToTarget(v, to);
  if (auto cast = DateTimeCast(v, to)) return std::move(*cast);
  if (from.id == TypeId::kArray && to.id == TypeId::kArray) return CastArray(v, to, context);
  if (from.id == TypeId::kJson && to.id == TypeId::kJsonb) return StringResult(NormalizeJsonb(v.str()), to);
  if (StorageOf(from) == StorageOf(to)) {
    Value out = v;
    out.set_type(to);
    return out;
  }
  return SqlError(sqlstate::kCannotCoerce, absl::StrCat("cannot cast type ", from.Name(), " to ", to.Name()));
}

absl::StatusOr<Value> ParseValue(std::string_view text, const Type& type) {
  switch (type.id) {
    case TypeId::kBool: return ParseBool(text, type);
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kOid:
      return ParseInt(text, type);
    case TypeId::kFloat4:
    case TypeId::kFloat8:
      return ParseFloat(text, type);
    case TypeId::kNumeric: {
      auto n = Numeric::Parse(text);
      if (!n.ok()) return n.status();
      return NumericToTarget(*n, type);
    }
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar: {
      auto s = FitString(std::string(text), type, CastContext::kAssignment);
      if (!s.ok()) return s.status();
      return Value::String(type, std::move(*s));
    }
    case TypeId::kUnknown:
      return Value::String(type, std::string(text));
    case TypeId::kUuid: return StringResult(ParseUuid(text), type);
    case TypeId::kJson: return StringResult(NormalizeJson(text), type);
    case TypeId::kJsonb: return StringResult(NormalizeJsonb(text), type);
    case TypeId::kBytea: return StringResult(ParseBytea(text), type);
    case TypeId::kArray: return StringResult(ParseArrayLiteral(text, Type(type.element)), type);
    case TypeId::kDate: {
      auto d = ParseDate(text);
      if (!d.ok()) return d.status();
      return Value::Int(type, *d);
    }
    case TypeId::kTime: {
      auto t = ParseTime(text);
      if (!t.ok()) return t.status();
      return RoundToTypmod(Value::Int(type, *t), type);
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      auto t = ParseTimestamp(text, type.id == TypeId::kTimestampTz);
      if (!t.ok()) return t.status();
      return RoundToTypmod(Value::Int(type, *t), type);
    }
    case TypeId::kInterval: {
      auto i = ParseInterval(text);
      if (!i.ok()) return i.status();
      return Value::String(type, EncodeInterval(*i));
    }
    default:
      return SqlError(sqlstate::kFeatureNotSupported, absl::StrCat("type ", type.Name(), " is not supported yet"));
  }
}

std::string FormatFloat8(double v) { return FormatShortest(v, 15, false); }
std::string FormatFloat4(float v) { return FormatShortest(v, 6, true); }

std::string FormatValue(const Value& v) {
  QUANTA_ASSERT(!v.is_null());
  switch (v.type().id) {
    case TypeId::kBool: return v.bool_value() ? "t" : "f";
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kOid:
      return std::to_string(v.int_value());
    case TypeId::kFloat4: return FormatFloat4(static_cast<float>(v.float_value()));
    case TypeId::kFloat8: return FormatFloat8(v.float_value());
    case TypeId::kNumeric: return v.numeric().ToString();
    case TypeId::kDate: return FormatDate(v.int_value());
    case TypeId::kTime: return FormatTime(v.int_value());
    case TypeId::kTimestamp: return FormatTimestamp(v.int_value(), false);
    case TypeId::kTimestampTz: return FormatTimestamp(v.int_value(), true);
    case TypeId::kInterval: return FormatInterval(DecodeInterval(v.str()));
    case TypeId::kUuid: return FormatUuid(v.str());
    case TypeId::kBytea: return FormatBytea(v.str());
    case TypeId::kArray: return FormatArray(v.str(), Type(v.type().element));
    default: return v.str();
  }
}

}  // namespace quanta::sql
