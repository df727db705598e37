#include "sql/types/datetime.h"

#include <cmath>
#include <cstdio>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "sql/common/sql_error.h"

namespace quanta::sql {
namespace {

constexpr int64_t kUnixEpochDays = 10957;  // 1970-01-01 → 2000-01-01
constexpr int64_t kMinYear = -4713;        // 4714 BC, PostgreSQL's first Julian day
constexpr int64_t kMaxDateYear = 5874897;
constexpr int64_t kMaxTimestampYear = 294276;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

absl::Status BadSyntax(const char* type, std::string_view text) {
  return SqlError("22007", absl::StrCat("invalid input syntax for type ", type, ": \"", std::string(text), "\""));
}
absl::Status FieldOutOfRange(std::string_view text) {
  return SqlError("22008", absl::StrCat("date/time field value out of range: \"", std::string(text), "\""));
}
absl::Status TimestampOutOfRange() { return SqlError("22008", "timestamp out of range"); }
absl::Status IntervalOutOfRange() { return SqlError("22015", "interval out of range"); }

// A cursor over lower-cased input.
struct Scanner {
  std::string s;
  size_t pos = 0;
  explicit Scanner(std::string_view text) : s(absl::AsciiStrToLower(std::string(text))) {}
  bool AtEnd() const { return pos >= s.size(); }
  char Peek() const { return AtEnd() ? '\0' : s[pos]; }
  void SkipSpaces() {
    while (!AtEnd() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  }
  bool Accept(char c) {
    if (Peek() != c) return false;
    ++pos;
    return true;
  }
  // A run of digits (at most 18); nullopt if none.
  std::optional<int64_t> Digits(size_t* count = nullptr) {
    size_t n = 0;
    int64_t v = 0;
    while (!AtEnd() && absl::ascii_isdigit(static_cast<unsigned char>(s[pos])) && n < 18) {
      v = v * 10 + (s[pos++] - '0');
      ++n;
    }
    if (count != nullptr) *count = n;
    if (n == 0) return std::nullopt;
    return v;
  }
  std::string Word() {
    const size_t start = pos;
    while (!AtEnd() && absl::ascii_isalpha(static_cast<unsigned char>(s[pos]))) ++pos;
    return s.substr(start, pos - start);
  }
};

// Y-M-D, M/D/Y or YYYYMMDD, then an optional BC/AD. *days on success.
absl::Status ScanDate(Scanner& in, std::string_view text, const char* type, int64_t* days) {
  in.SkipSpaces();
  size_t n = 0;
  auto a = in.Digits(&n);
  if (!a) return BadSyntax(type, text);
  int64_t year = 0, month = 0, day = 0;
  if (in.Accept('-')) {
    auto m = in.Digits();
    if (!m || !in.Accept('-')) return BadSyntax(type, text);
    auto d = in.Digits();
    if (!d) return BadSyntax(type, text);
    year = *a, month = *m, day = *d;
  } else if (in.Accept('/')) {
    auto d = in.Digits();
    if (!d || !in.Accept('/')) return BadSyntax(type, text);
    auto y = in.Digits();
    if (!y) return BadSyntax(type, text);
    month = *a, day = *d, year = *y;
  } else if (n == 8) {
    year = *a / 10000, month = (*a / 100) % 100, day = *a % 100;
  } else {
    return BadSyntax(type, text);
  }
  // A trailing era (also accepted after the time, see ScanEra).
  const size_t mark = in.pos;
  in.SkipSpaces();
  const std::string era = in.Word();
  if (era != "bc" && era != "ad") in.pos = mark;
  if (year == 0 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(era == "bc" ? 1 - year : year, static_cast<int>(month))) {
    return FieldOutOfRange(text);
  }
  if (era == "bc") year = 1 - year;
  if (year < kMinYear || year > kMaxDateYear) {
    return SqlError("22008", absl::StrCat(std::string(type) == "date" ? "date" : "timestamp", " out of range: \"",
                                          std::string(text), "\""));
  }
  *days = DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day));
  return absl::OkStatus();
}

// H:M[:S[.frac]] → microseconds since midnight (24:00:00 allowed).
absl::Status ScanTime(Scanner& in, std::string_view text, const char* type, int64_t* micros) {
  in.SkipSpaces();
  auto h = in.Digits();
  if (!h || !in.Accept(':')) return BadSyntax(type, text);
  auto m = in.Digits();
  if (!m) return BadSyntax(type, text);
  int64_t sec = 0, frac = 0;
  if (in.Accept(':')) {
    auto s = in.Digits();
    if (!s) return BadSyntax(type, text);
    sec = *s;
    if (in.Accept('.')) {
      size_t digits = 0;
      int64_t scale = kMicrosPerSecond;
      while (!in.AtEnd() && absl::ascii_isdigit(static_cast<unsigned char>(in.Peek()))) {
        const int d = in.s[in.pos++] - '0';
        if (digits < 6) {
          scale /= 10;
          frac += d * scale;
        } else if (digits == 6 && d >= 5) {
          frac += 1;  // rounded at microseconds
        }
        ++digits;
      }
    }
  }
  if (*h > 24 || *m > 59 || sec > 60 || (*h == 24 && (*m != 0 || sec != 0 || frac != 0))) return FieldOutOfRange(text);
  *micros = ((*h * 60 + *m) * 60 + sec) * kMicrosPerSecond + frac;
  return absl::OkStatus();
}

// An optional zone: Z, UTC, GMT, +HH[:MM[:SS]], +HHMM; *offset seconds east of UTC.
absl::Status ScanZone(Scanner& in, std::string_view text, const char* type, int64_t* offset) {
  *offset = 0;
  in.SkipSpaces();
  if (in.AtEnd()) return absl::OkStatus();
  if (in.Peek() == '+' || in.Peek() == '-') {
    const int sign = in.s[in.pos++] == '-' ? -1 : 1;
    size_t n = 0;
    auto h = in.Digits(&n);
    if (!h) return BadSyntax(type, text);
    int64_t hours = *h, minutes = 0, seconds = 0;
    if (n == 4) {
      hours = *h / 100, minutes = *h % 100;
    } else if (in.Accept(':')) {
      auto m = in.Digits();
      if (!m) return BadSyntax(type, text);
      minutes = *m;
      if (in.Accept(':')) {
        auto s = in.Digits();
        if (!s) return BadSyntax(type, text);
        seconds = *s;
      }
    }
    if (hours > 15 || minutes > 59 || seconds > 59) return FieldOutOfRange(text);
    *offset = sign * ((hours * 60 + minutes) * 60 + seconds);
    return absl::OkStatus();
  }
  const size_t mark = in.pos;
  const std::string word = in.Word();
  if (word == "z" || word == "utc" || word == "gmt" || word == "zulu") return absl::OkStatus();
  if (word == "bc" || word == "ad") {
    in.pos = mark;
    return absl::OkStatus();
  }
  if (word.empty()) return BadSyntax(type, text);
  return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat("time zone \"", word, "\" not recognized"));
}

std::optional<int64_t> SpecialTimestamp(std::string_view text, absl::Status* refused) {
  const std::string s(absl::StripAsciiWhitespace(absl::AsciiStrToLower(std::string(text))));
  if (s == "infinity" || s == "+infinity") return kDateEnd;
  if (s == "-infinity") return kDateBegin;
  if (s == "epoch") return -kUnixEpochDays * kMicrosPerDay;
  if (s == "now" || s == "today" || s == "tomorrow" || s == "yesterday") {
    *refused = SqlError(sqlstate::kFeatureNotSupported,
                        absl::StrCat("the input '", s, "' is not supported; use now() or current_date"));
  }
  return std::nullopt;
}

std::string TwoDigits(int64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%02lld", static_cast<long long>(v));
  return b;
}

// "SS" or "SS.ffffff" without trailing zeros.
std::string Seconds(int64_t micros_of_minute) {
  std::string out = TwoDigits(micros_of_minute / kMicrosPerSecond);
  int64_t frac = micros_of_minute % kMicrosPerSecond;
  if (frac == 0) return out;
  char b[16];
  std::snprintf(b, sizeof b, ".%06lld", static_cast<long long>(frac));
  std::string f = b;
  while (f.back() == '0') f.pop_back();
  return out + f;
}

std::string YearText(int64_t year, bool* bc) {
  *bc = year <= 0;
  char b[24];
  std::snprintf(b, sizeof b, "%04lld", static_cast<long long>(*bc ? 1 - year : year));
  return b;
}

bool CheckedAdd(int64_t a, int64_t b, int64_t* out) { return !__builtin_add_overflow(a, b, out); }

}  // namespace

int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 - kUnixEpochDays;
}

void CivilFromDays(int64_t days, int64_t* year, int* month, int* day) {
  const int64_t z = days + kUnixEpochDays + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2);
}

absl::StatusOr<int64_t> ParseDate(std::string_view text) {
  absl::Status refused;
  if (auto special = SpecialTimestamp(text, &refused)) {
    if (*special == kDateEnd || *special == kDateBegin) return *special;
    return -kUnixEpochDays;
  }
  if (!refused.ok()) return refused;
  Scanner in(text);
  int64_t days = 0;
  RETURN_IF_ERROR(ScanDate(in, text, "date", &days));
  in.SkipSpaces();
  if (!in.AtEnd()) {  // a time may follow (ignored), as PostgreSQL accepts
    int64_t unused = 0;
    in.Accept('t');
    RETURN_IF_ERROR(ScanTime(in, text, "date", &unused));
    RETURN_IF_ERROR(ScanZone(in, text, "date", &unused));
    in.SkipSpaces();
    if (!in.AtEnd()) return BadSyntax("date", text);
  }
  return days;
}

absl::StatusOr<int64_t> ParseTime(std::string_view text) {
  Scanner in(text);
  int64_t micros = 0, offset = 0;
  RETURN_IF_ERROR(ScanTime(in, text, "time without time zone", &micros));
  RETURN_IF_ERROR(ScanZone(in, text, "time without time zone", &offset));  // ignored, as PostgreSQL does
  in.SkipSpaces();
  if (!in.AtEnd()) return BadSyntax("time without time zone", text);
  return micros;
}

absl::StatusOr<int64_t> ParseTimestamp(std::string_view text, bool with_zone) {
  const char* type = with_zone ? "timestamp with time zone" : "timestamp without time zone";
  absl::Status refused;
  if (auto special = SpecialTimestamp(text, &refused)) return *special;
  if (!refused.ok()) return refused;
  Scanner in(text);
  int64_t days = 0, time = 0, offset = 0;
  RETURN_IF_ERROR(ScanDate(in, text, type, &days));
  const bool bc_early = in.s.substr(0, in.pos).find("bc") != std::string::npos;
  in.SkipSpaces();
  if (in.Accept('t') || (!in.AtEnd() && absl::ascii_isdigit(static_cast<unsigned char>(in.Peek())))) {
    RETURN_IF_ERROR(ScanTime(in, text, type, &time));
  }
  RETURN_IF_ERROR(ScanZone(in, text, type, &offset));
  in.SkipSpaces();
  if (in.Word() == "bc" && !bc_early) {  // '0001-01-01 00:00:00 BC'
    int64_t y = 0;
    int m = 0, d = 0;
    CivilFromDays(days, &y, &m, &d);
    days = DaysFromCivil(1 - y, m, d);
  }
  in.SkipSpaces();
  if (!in.AtEnd()) return BadSyntax(type, text);
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  if (y > kMaxTimestampYear) return SqlError("22008", absl::StrCat("timestamp out of range: \"", std::string(text), "\""));
  const int64_t local = days * kMicrosPerDay + time;
  return with_zone ? local - offset * kMicrosPerSecond : local;
}

absl::StatusOr<Interval> ParseInterval(std::string_view text) {
  Scanner in(text);
  __int128 months = 0, days = 0, micros = 0;
  bool any = false;
  in.SkipSpaces();
  in.Accept('@');
  const auto fraction_to_days = [&](double f) {  // whole days, then the rest as time
    const double whole = std::trunc(f);
    days += static_cast<__int128>(whole);
    micros += static_cast<__int128>(std::llrint((f - whole) * static_cast<double>(kMicrosPerDay)));
  };
  bool ago = false;
  while (true) {
    in.SkipSpaces();
    if (in.AtEnd()) break;
    if (absl::ascii_isalpha(static_cast<unsigned char>(in.Peek()))) {
      if (in.Word() != "ago" || ago) return BadSyntax("interval", text);
      ago = true;
      continue;
    }
    int sign = 1;
    if (in.Peek() == '+' || in.Peek() == '-') sign = in.s[in.pos++] == '-' ? -1 : 1;
    const size_t start = in.pos;
    auto whole = in.Digits();
    if (in.Peek() == ':') {  // hh:mm[:ss[.f]]
      if (!whole) return BadSyntax("interval", text);
      in.pos = start;
      int64_t t = 0;
      Scanner time_in(in.s.substr(start));
      absl::Status scanned = ScanTime(time_in, text, "interval", &t);
      if (!scanned.ok()) return SqlError("22007", absl::StrCat("invalid input syntax for type interval: \"", std::string(text), "\""));
      in.pos = start + time_in.pos;
      micros += sign * static_cast<__int128>(t);
      any = true;
      continue;
    }
    double value = whole ? static_cast<double>(*whole) : 0;
    if (in.Accept('.')) {
      double scale = 0.1;
      size_t n = 0;
      while (!in.AtEnd() && absl::ascii_isdigit(static_cast<unsigned char>(in.Peek()))) {
        value += (in.s[in.pos++] - '0') * scale;
        scale /= 10;
        ++n;
      }
      if (n == 0 && !whole) return BadSyntax("interval", text);
    } else if (!whole) {
      return BadSyntax("interval", text);
    }
    value *= sign;
    in.SkipSpaces();
    const std::string unit = in.Word();
    const double ip = std::trunc(value), fp = value - ip;
    if (unit.empty() || unit == "s" || unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds") {
      micros += static_cast<__int128>(std::llrint(value * 1e6));
    } else if (unit == "us" || unit == "usec" || unit == "usecs" || unit == "microsecond" || unit == "microseconds") {
      micros += static_cast<__int128>(std::llrint(value));
    } else if (unit == "ms" || unit == "msec" || unit == "msecs" || unit == "millisecond" || unit == "milliseconds") {
      micros += static_cast<__int128>(std::llrint(value * 1e3));
    } else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" || unit == "minutes") {
      micros += static_cast<__int128>(std::llrint(value * 60e6));
    } else if (unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" || unit == "hours") {
      micros += static_cast<__int128>(std::llrint(value * 3600e6));
    } else if (unit == "d" || unit == "day" || unit == "days") {
      fraction_to_days(value);
    } else if (unit == "w" || unit == "week" || unit == "weeks") {
      fraction_to_days(value * 7);
    } else if (unit == "mon" || unit == "mons" || unit == "month" || unit == "months") {
      months += static_cast<__int128>(ip);
      fraction_to_days(fp * 30);
    } else if (unit == "y" || unit == "yr" || unit == "yrs" || unit == "year" || unit == "years") {
      months += static_cast<__int128>(ip) * 12 + std::llrint(fp * 12);
    } else if (unit == "decade" || unit == "decades") {
      months += static_cast<__int128>(ip) * 120 + std::llrint(fp * 120);
    } else if (unit == "century" || unit == "centuries") {
      months += static_cast<__int128>(ip) * 1200 + std::llrint(fp * 1200);
    } else if (unit == "millennium" || unit == "millennia" || unit == "millenniums") {
      months += static_cast<__int128>(ip) * 12000 + std::llrint(fp * 12000);
    } else {
      return BadSyntax("interval", text);
    }
    any = true;
  }
  if (!any) return BadSyntax("interval", text);
  if (ago) months = -months, days = -days, micros = -micros;
  if (months > INT32_MAX || months < INT32_MIN || days > INT32_MAX || days < INT32_MIN || micros > INT64_MAX ||
      micros < INT64_MIN) {
    return SqlError("22015", absl::StrCat("interval field value out of range: \"", std::string(text), "\""));
  }
  return Interval{static_cast<int32_t>(months), static_cast<int32_t>(days), static_cast<int64_t>(micros)};
}

std::string FormatDate(int64_t days) {
  if (days == kDateEnd) return "infinity";
  if (days == kDateBegin) return "-infinity";
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  bool bc = false;
  std::string out = absl::StrCat(YearText(y, &bc), "-", TwoDigits(m), "-", TwoDigits(d));
  return bc ? out + " BC" : out;
}

std::string FormatTime(int64_t micros) {
  return absl::StrCat(TwoDigits(micros / 3600'000'000), ":", TwoDigits(micros / 60'000'000 % 60), ":",
                      Seconds(micros % 60'000'000));
}

std::string FormatTimestamp(int64_t micros, bool with_zone) {
  if (micros == kDateEnd) return "infinity";
  if (micros == kDateBegin) return "-infinity";
  const int64_t days = FloorDiv(micros, kMicrosPerDay);
  const int64_t time = FloorMod(micros, kMicrosPerDay);
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  bool bc = false;
  std::string out = absl::StrCat(YearText(y, &bc), "-", TwoDigits(m), "-", TwoDigits(d), " ", FormatTime(time));
  if (with_zone) out += "+00";
  return bc ? out + " BC" : out;
}

std::string FormatInterval(const Interval& v) {
  std::string out;
  bool is_zero = true, is_before = false;
  const auto part = [&](int64_t value, const char* unit) {
    if (value == 0) return;
    absl::StrAppend(&out, is_zero ? "" : " ", is_before && value > 0 ? "+" : "", value, " ", unit, value != 1 ? "s" : "");
    is_before = value < 0;
    is_zero = false;
  };
  part(v.months / 12, "year");
  part(v.months % 12, "mon");
  part(v.days, "day");
  if (is_zero || v.micros != 0) {
    const bool minus = v.micros < 0;
    const uint64_t abs = minus ? 0 - static_cast<uint64_t>(v.micros) : static_cast<uint64_t>(v.micros);
    const int64_t hours = static_cast<int64_t>(abs / 3600'000'000);
    const int64_t minutes = static_cast<int64_t>(abs / 60'000'000 % 60);
    absl::StrAppend(&out, is_zero ? "" : " ", minus ? "-" : (is_before ? "+" : ""), TwoDigits(hours), ":",
                    TwoDigits(minutes), ":", Seconds(static_cast<int64_t>(abs % 60'000'000)));
  }
  return out;
}

std::string EncodeInterval(const Interval& v) {
  const __int128 span = IntervalSpan(v);
  const unsigned __int128 key = static_cast<unsigned __int128>(span) ^ (static_cast<unsigned __int128>(1) << 127);
  std::string out(32, '\0');
  for (int i = 0; i < 16; ++i) out[static_cast<size_t>(i)] = static_cast<char>(static_cast<uint8_t>(key >> (8 * (15 - i))));
  const auto put = [&](size_t at, uint64_t x, int bytes) {
    for (int i = 0; i < bytes; ++i) out[at + static_cast<size_t>(i)] = static_cast<char>(static_cast<uint8_t>(x >> (8 * (bytes - 1 - i))));
  };
  put(16, static_cast<uint32_t>(v.months) ^ 0x80000000u, 4);
  put(20, static_cast<uint32_t>(v.days) ^ 0x80000000u, 4);
  put(24, static_cast<uint64_t>(v.micros) ^ 0x8000000000000000ull, 8);
  return out;
}

Interval DecodeInterval(std::string_view bytes) {
  QUANTA_ASSERT(bytes.size() == 32);
  const auto get = [&](size_t at, int n) {
    uint64_t x = 0;
    for (int i = 0; i < n; ++i) x = (x << 8) | static_cast<uint8_t>(bytes[at + static_cast<size_t>(i)]);
    return x;
  };
  Interval v;
  v.months = static_cast<int32_t>(static_cast<uint32_t>(get(16, 4)) ^ 0x80000000u);
  v.days = static_cast<int32_t>(static_cast<uint32_t>(get(20, 4)) ^ 0x80000000u);
  v.micros = static_cast<int64_t>(get(24, 8) ^ 0x8000000000000000ull);
  return v;
}

absl::StatusOr<int64_t> TimestampPlusInterval(int64_t micros, const Interval& v) {
  if (micros == kDateEnd || micros == kDateBegin) return micros;
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  const int64_t time = FloorMod(micros, kMicrosPerDay);
  if (v.months != 0) {
    int64_t y = 0;
    int m = 0, d = 0;
    CivilFromDays(days, &y, &m, &d);
    const int64_t total = y * 12 + (m - 1) + v.months;
    y = FloorDiv(total, 12);
    m = static_cast<int>(FloorMod(total, 12)) + 1;
    if (y < kMinYear || y > kMaxTimestampYear) return TimestampOutOfRange();
    d = std::min(d, DaysInMonth(y, m));
    days = DaysFromCivil(y, m, d);
  }
  days += v.days;
  int64_t out = 0;
  if (__builtin_mul_overflow(days, kMicrosPerDay, &out) || !CheckedAdd(out, time, &out) || !CheckedAdd(out, v.micros, &out)) {
    return TimestampOutOfRange();
  }
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(FloorDiv(out, kMicrosPerDay), &y, &m, &d);
  if (y < kMinYear || y > kMaxTimestampYear) return TimestampOutOfRange();
  return out;
}

absl::StatusOr<Interval> TimestampMinusTimestamp(int64_t a, int64_t b) {
  if (a == kDateEnd || a == kDateBegin || b == kDateEnd || b == kDateBegin) {
    return SqlError("22008", "cannot subtract infinite timestamps");
  }
  int64_t diff = 0;
  if (__builtin_sub_overflow(a, b, &diff)) return IntervalOutOfRange();
  const int64_t days = diff / kMicrosPerDay;  // justify_hours: whole days out of the time
  if (days > INT32_MAX || days < INT32_MIN) return IntervalOutOfRange();
  return Interval{0, static_cast<int32_t>(days), diff % kMicrosPerDay};
}

absl::StatusOr<Interval> IntervalPlus(const Interval& a, const Interval& b) {
  Interval out;
  int64_t micros = 0;
  if (__builtin_add_overflow(a.months, b.months, &out.months) || __builtin_add_overflow(a.days, b.days, &out.days) ||
      __builtin_add_overflow(a.micros, b.micros, &micros)) {
    return IntervalOutOfRange();
  }
  out.micros = micros;
  return out;
}

absl::StatusOr<Interval> IntervalNegate(const Interval& v) {
  if (v.months == INT32_MIN || v.days == INT32_MIN || v.micros == INT64_MIN) return IntervalOutOfRange();
  return Interval{-v.months, -v.days, -v.micros};
}

absl::StatusOr<Interval> IntervalTimes(const Interval& v, double factor) {
  if (std::isnan(factor)) return IntervalOutOfRange();
  const double months = v.months * factor;
  if (months > INT32_MAX || months < INT32_MIN) return IntervalOutOfRange();
  const int32_t whole_months = static_cast<int32_t>(months);
  const double month_days = (months - whole_months) * 30;
  const double days = v.days * factor;
  if (days > INT32_MAX || days < INT32_MIN) return IntervalOutOfRange();
  int32_t whole_days = static_cast<int32_t>(days);
  double seconds = (days - whole_days + month_days - std::trunc(month_days)) * 86400.0;
  seconds = std::rint(seconds * 1e6) / 1e6;
  if (std::fabs(seconds) >= 86400.0) {
    whole_days += static_cast<int32_t>(seconds / 86400.0);
    seconds -= std::trunc(seconds / 86400.0) * 86400.0;
  }
  whole_days += static_cast<int32_t>(month_days);
  const double micros = std::rint(static_cast<double>(v.micros) * factor + seconds * 1e6);
  if (!(micros < 9.2e18 && micros > -9.2e18)) return IntervalOutOfRange();
  return Interval{whole_months, whole_days, static_cast<int64_t>(micros)};
}

absl::StatusOr<int64_t> DateToTimestamp(int64_t days) {
  if (days == kDateEnd || days == kDateBegin) return days;
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  if (y > kMaxTimestampYear) return SqlError("22008", "date out of range for timestamp");
  return days * kMicrosPerDay;
}

int64_t TimestampToDate(int64_t micros) {
  if (micros == kDateEnd || micros == kDateBegin) return micros;
  return FloorDiv(micros, kMicrosPerDay);
}

int64_t TimestampToTime(int64_t micros) { return FloorMod(micros, kMicrosPerDay); }

int64_t RoundMicros(int64_t micros, int precision) {
  if (precision >= 6 || precision < 0 || micros == kDateEnd || micros == kDateBegin) return micros;
  int64_t unit = 1;
  for (int i = precision; i < 6; ++i) unit *= 10;
  const int64_t down = FloorDiv(micros, unit) * unit;
  return micros - down >= unit / 2 + (unit % 2) ? down + unit : down;
}

absl::StatusOr<__int128> ExtractMicros(std::string_view field, DateTimeKind kind, int64_t micros, const Interval* iv) {
  const std::string f = absl::AsciiStrToLower(std::string(field));
  const __int128 M = kMicrosPerSecond;
  const auto unsupported = [&]() {
    const char* type = kind == DateTimeKind::kDate        ? "date"
                       : kind == DateTimeKind::kTime      ? "time without time zone"
                       : kind == DateTimeKind::kTimestamp ? "timestamp without time zone"
                       : kind == DateTimeKind::kInterval  ? "interval"
                                                          : "timestamp with time zone";
    return SqlError(sqlstate::kFeatureNotSupported, absl::StrCat("unit \"", f, "\" not supported for type ", type));
  };
  const auto time_fields = [&](int64_t t) -> std::optional<__int128> {  // t: micros within a day or an interval's time
    if (f == "hour" || f == "hours") return static_cast<__int128>(t / 3600'000'000) * M;
    if (f == "minute" || f == "minutes") return static_cast<__int128>(t / 60'000'000 % 60) * M;
    if (f == "second" || f == "seconds") return static_cast<__int128>(t % 60'000'000);
    if (f == "millisecond" || f == "milliseconds") return static_cast<__int128>(t % 60'000'000) * 1000;
    if (f == "microsecond" || f == "microseconds") return static_cast<__int128>(t % 60'000'000) * M;
    return std::nullopt;
  };
  if (kind == DateTimeKind::kInterval) {
    QUANTA_ASSERT(iv != nullptr);
    if (f == "epoch") {
      return static_cast<__int128>(iv->months / 12) * 31557600 * M + static_cast<__int128>(iv->months % 12) * 2592000 * M +
             static_cast<__int128>(iv->days) * 86400 * M + iv->micros;
    }
    if (f == "year" || f == "years") return static_cast<__int128>(iv->months / 12) * M;
    if (f == "month" || f == "months") return static_cast<__int128>(iv->months % 12) * M;
    if (f == "day" || f == "days") return static_cast<__int128>(iv->days) * M;
    if (f == "quarter") return static_cast<__int128>((iv->months % 12) / 3 + 1) * M;
    if (f == "decade") return static_cast<__int128>(iv->months / 120) * M;
    if (f == "century") return static_cast<__int128>(iv->months / 1200) * M;
    if (f == "millennium") return static_cast<__int128>(iv->months / 12000) * M;
    if (auto t = time_fields(iv->micros)) return *t;
    return unsupported();
  }
  if (kind == DateTimeKind::kTime) {
    if (f == "epoch") return static_cast<__int128>(micros);
    if (auto t = time_fields(micros)) return *t;
    return unsupported();
  }
  if (micros == kDateEnd || micros == kDateBegin) {
    return SqlError(sqlstate::kFeatureNotSupported, "extracting from an infinite date or timestamp is not supported");
  }
  const int64_t t = kind == DateTimeKind::kDate ? micros * kMicrosPerDay : micros;
  const int64_t days = FloorDiv(t, kMicrosPerDay);
  const int64_t tod = FloorMod(t, kMicrosPerDay);
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  const int64_t dow = FloorMod(days + 6, 7);  // 2000-01-01 was a Saturday (6)
  if (f == "epoch") return static_cast<__int128>(t) + static_cast<__int128>(kUnixEpochDays) * kMicrosPerDay;
  if (f == "year" || f == "years") return static_cast<__int128>(y > 0 ? y : y - 1) * M;
  if (f == "month" || f == "months") return static_cast<__int128>(m) * M;
  if (f == "day" || f == "days") return static_cast<__int128>(d) * M;
  if (f == "dow") return static_cast<__int128>(dow) * M;
  if (f == "isodow") return static_cast<__int128>(dow == 0 ? 7 : dow) * M;
  if (f == "doy") return static_cast<__int128>(days - DaysFromCivil(y, 1, 1) + 1) * M;
  if (f == "quarter") return static_cast<__int128>((m - 1) / 3 + 1) * M;
  if (f == "decade") return static_cast<__int128>(FloorDiv(y, 10)) * M;
  if (f == "century") return static_cast<__int128>(y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100)) * M;
  if (f == "millennium") return static_cast<__int128>(y > 0 ? (y + 999) / 1000 : -((999 - (y - 1)) / 1000)) * M;
  if (f == "week" || f == "isoyear") {
    // ISO 8601: the week with the year's first Thursday is week 1.
    const int64_t thursday = days - ((dow + 6) % 7) + 3;  // the Thursday of this date's week
    int64_t ty = 0;
    int tm = 0, td = 0;
    CivilFromDays(thursday, &ty, &tm, &td);
    if (f == "isoyear") return static_cast<__int128>(ty) * M;
    return static_cast<__int128>((thursday - DaysFromCivil(ty, 1, 1)) / 7 + 1) * M;
  }
  if (f == "julian") return static_cast<__int128>(days + 2451545) * M + static_cast<__int128>(tod) * M / kMicrosPerDay;
  if (kind == DateTimeKind::kDate) return unsupported();
  if (f == "timezone" || f == "timezone_hour" || f == "timezone_minute") {
    if (kind != DateTimeKind::kTimestampTz) return unsupported();
    return __int128{0};
  }
  if (auto tf = time_fields(tod)) return *tf;
  return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat("unit \"", f, "\" not recognized for type ",
                                                                 kind == DateTimeKind::kTimestamp ? "timestamp without time zone"
                                                                                                  : "timestamp with time zone"));
}

absl::StatusOr<int64_t> TruncateTimestamp(std::string_view field, int64_t micros) {
  if (micros == kDateEnd || micros == kDateBegin) return micros;
  const std::string f = absl::AsciiStrToLower(std::string(field));
  const auto floor_to = [&](int64_t unit) { return FloorDiv(micros, unit) * unit; };
  if (f == "microseconds" || f == "microsecond") return micros;
  if (f == "milliseconds" || f == "millisecond") return floor_to(1000);
  if (f == "second" || f == "seconds") return floor_to(kMicrosPerSecond);
  if (f == "minute" || f == "minutes") return floor_to(60 * kMicrosPerSecond);
  if (f == "hour" || f == "hours") return floor_to(3600 * kMicrosPerSecond);
  const int64_t days = FloorDiv(micros, kMicrosPerDay);
  if (f == "day" || f == "days") return days * kMicrosPerDay;
  if (f == "week" || f == "weeks") return (days - FloorMod(days + 5, 7)) * kMicrosPerDay;  // back to Monday
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  const auto at = [&](int64_t year, int month) { return DaysFromCivil(year, month, 1) * kMicrosPerDay; };
  if (f == "month" || f == "months") return at(y, m);
  if (f == "quarter") return at(y, (m - 1) / 3 * 3 + 1);
  if (f == "year" || f == "years") return at(y, 1);
  if (f == "decade" || f == "decades") return at(FloorDiv(y, 10) * 10, 1);
  if (f == "century" || f == "centuries") return at(y > 0 ? (y - 1) / 100 * 100 + 1 : -((-y) / 100 * 100) - 99, 1);
  if (f == "millennium" || f == "millennia") return at(y > 0 ? (y - 1) / 1000 * 1000 + 1 : -((-y) / 1000 * 1000) - 999, 1);
  return SqlError(sqlstate::kInvalidParameterValue,
                  absl::StrCat("unit \"", f, "\" not recognized for type timestamp without time zone"));
}

absl::StatusOr<Interval> TruncateInterval(std::string_view field, const Interval& v) {
  const std::string f = absl::AsciiStrToLower(std::string(field));
  Interval out = v;
  const auto trunc_micros = [&](int64_t unit) { out.micros = v.micros / unit * unit; };
  if (f == "microseconds" || f == "microsecond") return out;
  if (f == "milliseconds" || f == "millisecond") return trunc_micros(1000), out;
  if (f == "second" || f == "seconds") return trunc_micros(kMicrosPerSecond), out;
  if (f == "minute" || f == "minutes") return trunc_micros(60 * kMicrosPerSecond), out;
  if (f == "hour" || f == "hours") return trunc_micros(3600 * kMicrosPerSecond), out;
  out.micros = 0;
  if (f == "day" || f == "days") return out;
  out.days = 0;
  if (f == "month" || f == "months") return out;
  if (f == "quarter") return out.months = v.months / 3 * 3, out;
  if (f == "year" || f == "years") return out.months = v.months / 12 * 12, out;
  if (f == "decade" || f == "decades") return out.months = v.months / 120 * 120, out;
  if (f == "century" || f == "centuries") return out.months = v.months / 1200 * 1200, out;
  if (f == "millennium" || f == "millennia") return out.months = v.months / 12000 * 12000, out;
  return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat("unit \"", f, "\" not recognized for type interval"));
}

}  // namespace quanta::sql
