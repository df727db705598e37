// Date/time operators and functions: resolution (which kernel, which casts first) and
// their kernels. Values are as sql/types/datetime.h keeps them.
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/functions.h"
#include "sql/execution/kernels.h"
#include "sql/types/cast.h"
#include "sql/types/datetime.h"

namespace quanta::sql {
namespace {

using Args = std::vector<const Vector*>;

bool IsComparison(std::string_view op) {
  return op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

bool IsTimestamp(TypeId id) { return id == TypeId::kTimestamp || id == TypeId::kTimestampTz; }
// date < timestamp < timestamptz: the type both sides meet at, or 0.
int DateTimeRank(TypeId id) {
  return id == TypeId::kDate ? 1 : id == TypeId::kTimestamp ? 2 : id == TypeId::kTimestampTz ? 3 : 0;
}
TypeId ByRank(int rank) { return rank == 1 ? TypeId::kDate : rank == 2 ? TypeId::kTimestamp : TypeId::kTimestampTz; }

Interval IntervalAt(const Vector& v, uint32_t r) { return DecodeInterval(v.Str(r)); }

FunctionMatch Match(ScalarKernel kernel, Type result, std::vector<Type> args) {
  return MakeMatch(kernel, std::move(result), std::move(args));
}

// ---- kernels ----

absl::Status TimestampPlus(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto t = TimestampPlusInterval(args[0]->Int(r), IntervalAt(*args[1], r));
    if (!t.ok()) return t.status();
    out->SetInt(r, *t);
    return absl::OkStatus();
  });
}

absl::Status IntervalPlusTimestamp(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const Args swapped = {args[1], args[0]};
  return TimestampPlus(self, swapped, rows, out);
}

absl::Status TimestampMinus(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto negated = IntervalNegate(IntervalAt(*args[1], r));
    if (!negated.ok()) return negated.status();
    auto t = TimestampPlusInterval(args[0]->Int(r), *negated);
    if (!t.ok()) return t.status();
    out->SetInt(r, *t);
    return absl::OkStatus();
  });
}

absl::Status TimestampDifference(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto i = TimestampMinusTimestamp(args[0]->Int(r), args[1]->Int(r));
    if (!i.ok()) return i.status();
    out->SetStr(r, EncodeInterval(*i));
    return absl::OkStatus();
  });
}

absl::Status DateOutOfRange() { return SqlError("22008", "date out of range"); }

absl::Status DatePlusDays(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const bool minus = self.name == "-";
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const int64_t d = args[0]->Int(r);
    if (d == kDateEnd || d == kDateBegin) return out->SetInt(r, d), absl::OkStatus();
    const int64_t n = args[1]->Int(r);
    const int64_t v = minus ? d - n : d + n;
    if (v < DaysFromCivil(-4713, 11, 24) || v > DaysFromCivil(5874897, 12, 31)) return DateOutOfRange();
    out->SetInt(r, v);
    return absl::OkStatus();
  });
}

absl::Status DaysPlusDate(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const Args swapped = {args[1], args[0]};
  return DatePlusDays(self, swapped, rows, out);
}

absl::Status DateDifference(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const int64_t a = args[0]->Int(r), b = args[1]->Int(r);
    if (a == kDateEnd || a == kDateBegin || b == kDateEnd || b == kDateBegin) {
      return SqlError("22008", "cannot subtract infinite dates");
    }
    out->SetInt(r, a - b);
    return absl::OkStatus();
  });
}

absl::Status DatePlusTime(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto t = DateToTimestamp(args[0]->Int(r));
    if (!t.ok()) return t.status();
    out->SetInt(r, *t == kDateEnd || *t == kDateBegin ? *t : *t + args[1]->Int(r));
    return absl::OkStatus();
  });
}

absl::Status TimePlus(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const bool minus = self.name == "-";
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const int64_t delta = IntervalAt(*args[1], r).micros % kMicrosPerDay;
    int64_t v = (args[0]->Int(r) + (minus ? -delta : delta)) % kMicrosPerDay;
    if (v < 0) v += kMicrosPerDay;
    out->SetInt(r, v);
    return absl::OkStatus();
  });
}

absl::Status TimeDifference(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    out->SetStr(r, EncodeInterval(Interval{0, 0, args[0]->Int(r) - args[1]->Int(r)}));
    return absl::OkStatus();
  });
}

absl::Status IntervalAdd(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const bool minus = self.name == "-";
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    Interval b = IntervalAt(*args[1], r);
    if (minus) {
      auto n = IntervalNegate(b);
      if (!n.ok()) return n.status();
      b = *n;
    }
    auto sum = IntervalPlus(IntervalAt(*args[0], r), b);
    if (!sum.ok()) return sum.status();
    out->SetStr(r, EncodeInterval(*sum));
    return absl::OkStatus();
  });
}

// interval * float8, float8 * interval, interval / float8 (self.name: "*", "*r", "/").
absl::Status IntervalScale(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const bool reversed = self.name == "*" && args[0]->storage() == Storage::kFloat;
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const Interval v = IntervalAt(*args[reversed ? 1 : 0], r);
    double factor = args[reversed ? 0 : 1]->Float(r);
    if (self.name == "/") {
      if (factor == 0) return SqlError(sqlstate::kDivisionByZero, "division by zero");
      factor = 1.0 / factor;
    }
    auto scaled = IntervalTimes(v, factor);
    if (!scaled.ok()) return scaled.status();
    out->SetStr(r, EncodeInterval(*scaled));
    return absl::OkStatus();
  });
}

absl::Status IntervalUnaryMinus(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto n = IntervalNegate(IntervalAt(*args[0], r));
    if (!n.ok()) return n.status();
    out->SetStr(r, EncodeInterval(*n));
    return absl::OkStatus();
  });
}

// Intervals compare by their span (PostgreSQL: '1 mon' = '30 days'): the encoding's
// first 16 bytes.
template <int kOp>
absl::Status IntervalCompare(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const int c = args[0]->Str(r).compare(0, 16, args[1]->Str(r), 0, 16);
    const bool v = kOp == 0 ? c == 0 : kOp == 1 ? c != 0 : kOp == 2 ? c < 0 : kOp == 3 ? c <= 0 : kOp == 4 ? c > 0 : c >= 0;
    out->SetInt(r, v ? 1 : 0);
    return absl::OkStatus();
  });
}

ScalarKernel IntervalCompareKernel(std::string_view op) {
  if (op == "=") return IntervalCompare<0>;
  if (op == "<>") return IntervalCompare<1>;
  if (op == "<") return IntervalCompare<2>;
  if (op == "<=") return IntervalCompare<3>;
  if (op == ">") return IntervalCompare<4>;
  return IntervalCompare<5>;
}

DateTimeKind KindOf(TypeId id) {
  switch (id) {
    case TypeId::kDate: return DateTimeKind::kDate;
    case TypeId::kTime: return DateTimeKind::kTime;
    case TypeId::kTimestamp: return DateTimeKind::kTimestamp;
    case TypeId::kTimestampTz: return DateTimeKind::kTimestampTz;
    default: return DateTimeKind::kInterval;
  }
}

// extract(field FROM x) → numeric (scale 6 for seconds and epoch of times, 3 for
// milliseconds); date_part(field, x) → float8.
absl::Status Extract(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const DateTimeKind kind = KindOf(self.args[1]->type.id);
  const bool as_float = self.name == "date_part";
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    std::string field = args[0]->Str(r);
    for (char& c : field) c = absl::ascii_tolower(static_cast<unsigned char>(c));
    Interval iv;
    if (kind == DateTimeKind::kInterval) iv = IntervalAt(*args[1], r);
    auto scaled = ExtractMicros(field, kind, kind == DateTimeKind::kInterval ? 0 : args[1]->Int(r), &iv);
    if (!scaled.ok()) return scaled.status();
    if (as_float) {
      out->SetFloat(r, static_cast<double>(*scaled) / 1e6);
      return absl::OkStatus();
    }
    int scale = 0;
    const bool fractional = field == "second" || field == "seconds" || field == "epoch" || field == "julian";
    if (fractional && kind != DateTimeKind::kDate) scale = 6;
    if (field == "millisecond" || field == "milliseconds") scale = 3;
    const __int128 v = *scaled;
    const bool negative = v < 0;
    unsigned __int128 mag = negative ? static_cast<unsigned __int128>(-v) : static_cast<unsigned __int128>(v);
    std::string digits;
    do {
      digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(mag % 10)));
      mag /= 10;
    } while (mag > 0);
    while (digits.size() < 7) digits.insert(digits.begin(), '0');
    std::string text = digits.substr(0, digits.size() - 6);
    if (scale > 0) text += "." + digits.substr(digits.size() - 6, static_cast<size_t>(scale));
    auto n = Numeric::Parse((negative ? "-" : "") + text);
    if (!n.ok()) return n.status();
    out->SetNum(r, *n);
    return absl::OkStatus();
  });
}

absl::Status DateTrunc(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const bool interval = self.type.id == TypeId::kInterval;
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    if (interval) {
      auto v = TruncateInterval(args[0]->Str(r), IntervalAt(*args[1], r));
      if (!v.ok()) return v.status();
      out->SetStr(r, EncodeInterval(*v));
      return absl::OkStatus();
    }
    auto v = TruncateTimestamp(args[0]->Str(r), args[1]->Int(r));
    if (!v.ok()) return v.status();
    out->SetInt(r, *v);
    return absl::OkStatus();
  });
}

absl::Status MakeDate(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    int64_t y = args[0]->Int(r);
    const int64_t m = args[1]->Int(r), d = args[2]->Int(r);
    const std::string text = absl::StrCat(y, "-", m, "-", d);
    if (y == 0 || m < 1 || m > 12 || d < 1 || d > 31) {
      return SqlError("22008", absl::StrCat("date field value out of range: ", text));
    }
    if (y < 0) y += 1;  // make_date(-1, ...) is 1 BC
    const int64_t days = DaysFromCivil(y, static_cast<int>(m), static_cast<int>(d));
    int64_t cy = 0;
    int cm = 0, cd = 0;
    CivilFromDays(days, &cy, &cm, &cd);
    if (cm != m) return SqlError("22008", absl::StrCat("date field value out of range: ", text));
    out->SetInt(r, days);
    return absl::OkStatus();
  });
}

absl::Status ToTimestamp(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const double seconds = args[0]->Float(r);
    if (std::isinf(seconds)) return out->SetInt(r, seconds > 0 ? kDateEnd : kDateBegin), absl::OkStatus();
    const double micros = std::rint((seconds - 946684800.0) * 1e6);
    if (std::isnan(seconds) || micros > 9.2e18 || micros < -9.2e18) {
      return SqlError("22008", absl::StrCat("timestamp out of range: \"", FormatFloat8(seconds), "\""));
    }
    out->SetInt(r, static_cast<int64_t>(micros));
    return absl::OkStatus();
  });
}

absl::Status IsFinite(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const int64_t v = args[0]->Int(r);
    out->SetInt(r, v != kDateEnd && v != kDateBegin ? 1 : 0);
    return absl::OkStatus();
  });
}

absl::Status NoOperator(std::string_view op, const Type& l, const Type& r) {
  return SqlError(sqlstate::kUndefinedFunction,
                  absl::StrCat("operator does not exist: ", l.Name(), " ", std::string(op), " ", r.Name()));
}

bool IsNumber(const Type& t) { return t.is_numeric_category(); }

}  // namespace

std::optional<absl::StatusOr<FunctionMatch>> ResolveDateTimeOperator(std::string_view op, const Type& left,
                                                                     const Type& right) {
  const bool arithmetic = op == "+" || op == "-" || op == "*" || op == "/";
  if (!arithmetic && !IsComparison(op)) return std::nullopt;
  const TypeCategory lc = left.category(), rc = right.category();
  const bool l_time = lc == TypeCategory::kDateTime || lc == TypeCategory::kTimespan;
  const bool r_time = rc == TypeCategory::kDateTime || rc == TypeCategory::kTimespan;
  if (!l_time && !r_time) return std::nullopt;
  Type l = left, r = right;
  // An unknown literal: an interval beside + (no datetime + datetime exists), else
  // the other side's type (so `now() - '1 day'` fails as in PostgreSQL).
  const Type interval(TypeId::kInterval);
  if (l.id == TypeId::kUnknown) l = (op == "+" && r.id != TypeId::kInterval) ? interval : Type(r.id);
  if (r.id == TypeId::kUnknown) r = (op == "+" && l.id != TypeId::kInterval) ? interval : Type(l.id);
  if (r.id == TypeId::kUnknown && l.id == TypeId::kUnknown) return std::nullopt;
  const Type boolean(TypeId::kBool);
  const int lr = DateTimeRank(l.id), rr = DateTimeRank(r.id);
  if (IsComparison(op)) {
    if (lr > 0 && rr > 0) {
      const Type t(ByRank(std::max(lr, rr)));
      return Match(CompareKernel(op, Storage::kInt, false), boolean, {t, t});
    }
    if (l.id == TypeId::kTime && r.id == TypeId::kTime) return Match(CompareKernel(op, Storage::kInt, false), boolean, {l, r});
    if (l.id == TypeId::kInterval && r.id == TypeId::kInterval) return Match(IntervalCompareKernel(op), boolean, {l, r});
    return absl::StatusOr<FunctionMatch>(NoOperator(op, left, right));
  }
  const Type int4(TypeId::kInt4), float8(TypeId::kFloat8), date(TypeId::kDate), ts(TypeId::kTimestamp);
  const bool small_int = r.id == TypeId::kInt2 || r.id == TypeId::kInt4;
  if (l.id == TypeId::kDate && small_int && (op == "+" || op == "-")) return Match(DatePlusDays, date, {date, int4});
  if ((left.id == TypeId::kInt2 || left.id == TypeId::kInt4) && r.id == TypeId::kDate && op == "+") {
    return Match(DaysPlusDate, date, {int4, date});
  }
  if (l.id == TypeId::kDate && r.id == TypeId::kDate && op == "-") return Match(DateDifference, int4, {date, date});
  if (l.id == TypeId::kDate && r.id == TypeId::kTime && op == "+") return Match(DatePlusTime, ts, {date, r});
  if (lr > 0 && r.id == TypeId::kInterval && (op == "+" || op == "-")) {
    const Type t(ByRank(std::max(lr, 2)));  // date + interval is a timestamp
    return Match(op == "+" ? TimestampPlus : TimestampMinus, t, {t, interval});
  }
  if (l.id == TypeId::kInterval && rr > 0 && op == "+") {
    const Type t(ByRank(std::max(rr, 2)));
    return Match(IntervalPlusTimestamp, t, {interval, t});
  }
  if (lr > 1 && rr > 1 && op == "-") {
    const Type t(ByRank(std::max(lr, rr)));
    return Match(TimestampDifference, interval, {t, t});
  }
  if ((lr == 1 && rr > 1 || lr > 1 && rr == 1) && op == "-") {
    const Type t(ByRank(std::max(lr, rr)));
    return Match(TimestampDifference, interval, {t, t});
  }
  if (l.id == TypeId::kTime && r.id == TypeId::kInterval && (op == "+" || op == "-")) return Match(TimePlus, l, {l, interval});
  if (l.id == TypeId::kTime && r.id == TypeId::kTime && op == "-") return Match(TimeDifference, interval, {l, r});
  if (l.id == TypeId::kInterval && r.id == TypeId::kInterval && (op == "+" || op == "-")) {
    return Match(IntervalAdd, interval, {interval, interval});
  }
  if (l.id == TypeId::kInterval && IsNumber(r) && (op == "*" || op == "/")) return Match(IntervalScale, interval, {interval, float8});
  if (IsNumber(l) && r.id == TypeId::kInterval && op == "*") return Match(IntervalScale, interval, {float8, interval});
  return absl::StatusOr<FunctionMatch>(NoOperator(op, left, right));
}

std::optional<absl::StatusOr<FunctionMatch>> ResolveDateTimeUnary(std::string_view op, const Type& arg) {
  if (arg.id != TypeId::kInterval) return std::nullopt;
  if (op == "-") return Match(IntervalUnaryMinus, arg, {arg});
  if (op == "+") return std::nullopt;
  return absl::StatusOr<FunctionMatch>(
      SqlError(sqlstate::kUndefinedFunction, absl::StrCat("operator does not exist: ", std::string(op), " interval")));
}

std::optional<absl::StatusOr<FunctionMatch>> ResolveDateTimeFunction(std::string_view name, const std::vector<Type>& args) {
  const Type text(TypeId::kText), numeric(TypeId::kNumeric), float8(TypeId::kFloat8);
  const auto stringish = [](const Type& t) { return t.is_string() || t.id == TypeId::kUnknown; };
  const auto datetime = [](const Type& t) {
    return t.category() == TypeCategory::kDateTime || t.category() == TypeCategory::kTimespan;
  };
  if ((name == "extract" || name == "date_part") && args.size() == 2 && stringish(args[0]) && datetime(args[1])) {
    Type source = args[1];
    if (name == "date_part" && source.id == TypeId::kDate) source = Type(TypeId::kTimestamp);  // date_part(text, timestamp)
    return Match(Extract, name == "extract" ? numeric : float8, {text, source});
  }
  if (name == "date_trunc" && args.size() == 2 && stringish(args[0])) {
    Type t = args[1];
    if (t.id == TypeId::kDate || t.id == TypeId::kUnknown) t = Type(TypeId::kTimestampTz);
    if (IsTimestamp(t.id) || t.id == TypeId::kInterval) return Match(DateTrunc, Type(t.id), {text, Type(t.id)});
  }
  const auto ints = [&](size_t n) {
    if (args.size() != n) return false;
    for (const Type& t : args) {
      if (!(t.id == TypeId::kInt2 || t.id == TypeId::kInt4 || t.id == TypeId::kUnknown)) return false;
    }
    return true;
  };
  if (name == "make_date" && ints(3)) {
    const Type int4(TypeId::kInt4);
    return Match(MakeDate, Type(TypeId::kDate), {int4, int4, int4});
  }
  if (name == "to_timestamp" && args.size() == 1 && (args[0].is_numeric_category() || args[0].id == TypeId::kUnknown)) {
    return Match(ToTimestamp, Type(TypeId::kTimestampTz), {float8});
  }
  if (name == "isfinite" && args.size() == 1 && (args[0].id == TypeId::kDate || IsTimestamp(args[0].id))) {
    return Match(IsFinite, Type(TypeId::kBool), {args[0]});
  }
  if (name == "extract" || name == "date_part" || name == "date_trunc" || name == "make_date" || name == "to_timestamp" ||
      name == "isfinite") {
    return std::nullopt;  // no such signature: the caller's "function does not exist"
  }
  return std::nullopt;
}

}  // namespace quanta::sql
