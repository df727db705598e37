// Date and time values as PostgreSQL keeps them, and their text forms.
//
//   date         days since 2000-01-01 (PostgreSQL's epoch), int
//   time         microseconds since midnight, int
//   timestamp    microseconds since 2000-01-01 00:00:00, int
//   timestamptz  the same instant in UTC; shown in the session time zone (UTC here)
//   interval     months, days and microseconds, kept apart as PostgreSQL does
//                ('1 mon' is not '30 days' until compared), stored as a 32-byte string
//                whose byte order is PostgreSQL's interval order (EncodeInterval)
//
// Infinite dates and timestamps are the extreme int64 values (PostgreSQL's NOBEGIN and
// NOEND). Calendar arithmetic is the proleptic Gregorian calendar; year 0 is 1 BC.
// Time zones: UTC and numeric offsets (+02, -05:30) in input; no named zones (they
// need the tz database, a file the engine does not read).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace quanta::sql {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
inline constexpr int64_t kDateEnd = INT64_MAX;    // 'infinity'
inline constexpr int64_t kDateBegin = INT64_MIN;  // '-infinity'

struct Interval {
  int32_t months = 0;
  int32_t days = 0;
  int64_t micros = 0;
  bool operator==(const Interval& o) const { return months == o.months && days == o.days && micros == o.micros; }
};

// An interval's span in microseconds, a month as 30 days: PostgreSQL's interval order.
inline __int128 IntervalSpan(const Interval& v) {
  return (static_cast<__int128>(v.months) * 30 + v.days) * kMicrosPerDay + v.micros;
}

// Days since 2000-01-01 of a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int64_t year, int month, int day);
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day);

// Input functions. Errors as PostgreSQL's: 22007 bad syntax, 22008 a field or the
// result out of range.
absl::StatusOr<int64_t> ParseDate(std::string_view text);
absl::StatusOr<int64_t> ParseTime(std::string_view text);
absl::StatusOr<int64_t> ParseTimestamp(std::string_view text, bool with_zone);
absl::StatusOr<Interval> ParseInterval(std::string_view text);

// Output functions (DateStyle ISO, IntervalStyle postgres, TimeZone UTC).
std::string FormatDate(int64_t days);
std::string FormatTime(int64_t micros);
std::string FormatTimestamp(int64_t micros, bool with_zone);
std::string FormatInterval(const Interval& v);

// The stored form of an interval: its span (months as 30 days, days as 24 hours) as a
// 128-bit big-endian integer with the sign flipped, then the three fields, so bytewise
// order is PostgreSQL's interval order.
std::string EncodeInterval(const Interval& v);
Interval DecodeInterval(std::string_view bytes);  // REQUIRES: bytes from EncodeInterval

// Arithmetic (22008 "timestamp out of range", 22015 "interval out of range").
absl::StatusOr<int64_t> TimestampPlusInterval(int64_t micros, const Interval& v);
absl::StatusOr<Interval> TimestampMinusTimestamp(int64_t a, int64_t b);
absl::StatusOr<Interval> IntervalPlus(const Interval& a, const Interval& b);
absl::StatusOr<Interval> IntervalTimes(const Interval& v, double factor);
absl::StatusOr<Interval> IntervalNegate(const Interval& v);
absl::StatusOr<int64_t> DateToTimestamp(int64_t days);
int64_t TimestampToDate(int64_t micros);
int64_t TimestampToTime(int64_t micros);
// Rounds the seconds of a time or timestamp to `precision` fractional digits (0..6).
int64_t RoundMicros(int64_t micros, int precision);

// extract/date_part: `field` ("year", "epoch"...) of a timestamp (as microseconds),
// an interval, a date or a time; the value times 1e6 (exact for microseconds), or
// 22023/0A000 for an unknown or unsupported field.
enum class DateTimeKind : uint8_t { kDate, kTime, kTimestamp, kTimestampTz, kInterval };
absl::StatusOr<__int128> ExtractMicros(std::string_view field, DateTimeKind kind, int64_t micros, const Interval* interval);
// date_trunc: `micros` (a timestamp) truncated to `field`.
absl::StatusOr<int64_t> TruncateTimestamp(std::string_view field, int64_t micros);
absl::StatusOr<Interval> TruncateInterval(std::string_view field, const Interval& v);

}  // namespace quanta::sql
