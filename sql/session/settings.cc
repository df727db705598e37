#include "sql/session/settings.h"

#include <cmath>
#include <optional>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"

namespace quanta::sql {
namespace {

struct Known {
  const char* display;
  const char* value;
  bool read_only;
};

constexpr Known kKnown[] = {
    {"application_name", "", false},
    {"client_encoding", "UTF8", false},
    {"client_min_messages", "notice", false},
    {"DateStyle", "ISO, MDY", false},
    {"default_transaction_isolation", "read committed", false},
    {"default_transaction_read_only", "off", false},
    {"enable_hashjoin", "on", false},
    {"enable_mergejoin", "on", false},
    {"enable_nestloop", "on", false},
    {"extra_float_digits", "1", false},
    {"idle_in_transaction_session_timeout", "0", false},
    {"integer_datetimes", "on", true},
    {"IntervalStyle", "postgres", false},
    {"is_superuser", "on", true},
    {"join_collapse_limit", "8", false},
    {"lock_timeout", "0", false},
    {"max_identifier_length", "63", true},
    {"search_path", "\"$user\", public", false},
    {"server_encoding", "UTF8", true},
    {"server_version", "15.0", true},
    {"server_version_num", "150000", true},
    {"standard_conforming_strings", "on", false},
    {"statement_timeout", "0", false},
    {"synchronous_commit", "on", false},
    {"TimeZone", "UTC", false},
    {"transaction_isolation", "read committed", false},
    {"work_mem", "4MB", false},
};

std::string Lower(std::string s) {
  for (char& c : s) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return s;
}

absl::Status Unsupported(const std::string& name, const std::string& value, const char* supported) {
  return SqlError(sqlstate::kInvalidParameterValue,
                  absl::StrCat("invalid value for parameter \"", name, "\": \"", value, "\" (QuantaDB supports ", supported, ")"));
}

constexpr int64_t kMinWorkMemKb = 64;
constexpr int64_t kMaxWorkMemKb = 2147483647;

// Parses a memory size in PostgreSQL's syntax: a number (fractions allowed), optional
// spaces, an optional unit (case-sensitive, as PostgreSQL's); kB when there is none.
std::string_view StripSpaces(std::string_view text) {
  while (!text.empty() && absl::ascii_isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && absl::ascii_isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

std::optional<int64_t> ParseMemoryKb(std::string_view text) {
  text = StripSpaces(text);
  size_t digits = 0;
  while (digits < text.size() && (absl::ascii_isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  double number = 0;
  if (digits == 0 || !absl::SimpleAtod(std::string(text.substr(0, digits)), &number)) return std::nullopt;
  const std::string_view unit = StripSpaces(text.substr(digits));
  static constexpr std::pair<const char*, double> kUnits[] = {
      {"", 1}, {"B", 1.0 / 1024}, {"kB", 1}, {"MB", 1024}, {"GB", 1024.0 * 1024}, {"TB", 1024.0 * 1024 * 1024}};
  for (const auto& [name, kb] : kUnits) {
    if (unit != name) continue;
    const double value = std::nearbyint(number * kb);
    if (value > 1e15) return kMaxWorkMemKb + 1;  // out of range either way
    return static_cast<int64_t>(value);
  }
  return std::nullopt;
}

// PostgreSQL's display of a size in kB: the largest unit that divides it.
std::string FormatMemoryKb(int64_t kb) {
  static constexpr std::pair<const char*, int64_t> kUnits[] = {
      {"TB", int64_t{1} << 30}, {"GB", int64_t{1} << 20}, {"MB", int64_t{1} << 10}};
  for (const auto& [name, size] : kUnits) {
    if (kb % size == 0) return absl::StrCat(kb / size, name);
  }
  return absl::StrCat(kb, "kB");
}

absl::StatusOr<std::string> ValidateWorkMem(const std::string& value) {
  const std::optional<int64_t> kb = ParseMemoryKb(value);
  if (!kb) {
    return SqlError(sqlstate::kInvalidParameterValue,
                    absl::StrCat("invalid value for parameter \"work_mem\": \"", value, "\""));
  }
  if (*kb < kMinWorkMemKb || *kb > kMaxWorkMemKb) {
    return SqlError(sqlstate::kInvalidParameterValue,
                    absl::StrCat(*kb, " kB is outside the valid range for parameter \"work_mem\" (", kMinWorkMemKb,
                                 " .. ", kMaxWorkMemKb, ")"));
  }
  return FormatMemoryKb(*kb);
}

constexpr int64_t kMaxTimeoutMs = 2147483647;

// Parses a duration in PostgreSQL's syntax for a milliseconds parameter: a number
// (signed, fractions allowed), optional spaces, an optional unit (us, ms, s, min, h,
// d); ms when there is none. Rounded to whole milliseconds.
std::optional<double> ParseMilliseconds(std::string_view text) {
  text = StripSpaces(text);
  size_t digits = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  const size_t sign = digits;
  while (digits < text.size() && (absl::ascii_isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  double number = 0;
  if (digits == sign || !absl::SimpleAtod(std::string(text.substr(0, digits)), &number)) return std::nullopt;
  const std::string_view unit = StripSpaces(text.substr(digits));
  static constexpr std::pair<const char*, double> kUnits[] = {{"", 1},         {"us", 0.001},     {"ms", 1},
                                                              {"s", 1000},     {"min", 60000},    {"h", 3600000},
                                                              {"d", 86400000}};
  for (const auto& [name, ms] : kUnits) {
    if (unit == name) return std::nearbyint(number * ms);
  }
  return std::nullopt;
}

// PostgreSQL's display of milliseconds: the largest unit that divides them.
std::string FormatMilliseconds(int64_t ms) {
  static constexpr std::pair<const char*, int64_t> kUnits[] = {{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}};
  if (ms == 0) return "0";
  for (const auto& [name, size] : kUnits) {
    if (ms % size == 0) return absl::StrCat(ms / size, name);
  }
  return absl::StrCat(ms, "ms");
}

absl::StatusOr<std::string> ValidateTimeout(const std::string& display, const std::string& value) {
  const std::optional<double> ms = ParseMilliseconds(value);
  if (!ms || *ms > static_cast<double>(kMaxTimeoutMs)) {
    return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat("invalid value for parameter \"", display, "\": \"", value, "\""));
  }
  if (*ms < 0) {
    return SqlError(sqlstate::kInvalidParameterValue,
                    absl::StrCat(static_cast<int64_t>(*ms), " ms is outside the valid range for parameter \"", display,
                                 "\" (0 .. ", kMaxTimeoutMs, ")"));
  }
  return FormatMilliseconds(static_cast<int64_t>(*ms));
}

// A Boolean parameter's value as PostgreSQL takes it (on/off, true/false, yes/no, 1/0).
absl::StatusOr<std::string> ValidateBool(const std::string& display, const std::string& value) {
  const std::string v = Lower(std::string(StripSpaces(value)));
  for (const char* on : {"on", "true", "yes", "1", "t", "y"}) {
    if (v == on) return std::string("on");
  }
  for (const char* off : {"off", "false", "no", "0", "f", "n"}) {
    if (v == off) return std::string("off");
  }
  return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat("parameter \"", display, "\" requires a Boolean value"));
}

// Checks a value against what QuantaDB honours; returns the value to store.
absl::StatusOr<std::string> Validate(const std::string& key, const std::string& display, const std::string& value) {
  const std::string v = Lower(value);
  if (key == "timezone") {
    // The tz database's spellings of UTC (SHOW answers with them, as PostgreSQL does).
    static constexpr const char* kUtcNames[] = {"UTC", "GMT", "Etc/UTC", "Etc/GMT", "Zulu", "Universal", "Etc/Universal",
                                                "GMT0", "Etc/GMT0", "UCT", "Etc/UCT", "Greenwich"};
    for (const char* n : kUtcNames) {
      if (v == Lower(n)) return std::string(n);
    }
    if (v == "0" || v == "+00" || v == "+00:00" || v == "-00") return value;
    return Unsupported(display, value, "only UTC");
  }
  if (key == "datestyle") {
    if (v.find("iso") != std::string::npos || v == "mdy" || v == "us") return std::string("ISO, MDY");
    return Unsupported(display, value, "only ISO");
  }
  if (key == "intervalstyle") {
    if (v == "postgres") return value;
    return Unsupported(display, value, "only postgres");
  }
  if (key == "client_encoding") {
    if (v == "utf8" || v == "utf-8" || v == "unicode") return std::string("UTF8");
    return Unsupported(display, value, "only UTF8");
  }
  if (key == "extra_float_digits") {
    int digits = 0;
    if (!absl::SimpleAtoi(value, &digits) || digits < -15 || digits > 3) {
      return SqlError(sqlstate::kInvalidParameterValue,
                      absl::StrCat("invalid value for parameter \"extra_float_digits\": \"", value, "\""));
    }
    return value;
  }
  if (key == "work_mem") return ValidateWorkMem(value);
  if (key == "statement_timeout") return ValidateTimeout(display, value);
  if (key == "enable_nestloop" || key == "enable_hashjoin" || key == "enable_mergejoin") return ValidateBool(display, value);
  if (key == "join_collapse_limit") {
    int limit = 0;
    if (!absl::SimpleAtoi(value, &limit)) {
      return SqlError(sqlstate::kInvalidParameterValue,
                      absl::StrCat("invalid value for parameter \"join_collapse_limit\": \"", value, "\""));
    }
    if (limit < 1) {
      return SqlError(sqlstate::kInvalidParameterValue,
                      absl::StrCat(limit, " is outside the valid range for parameter \"join_collapse_limit\" (1 .. 2147483647)"));
    }
    return absl::StrCat(limit);
  }
  if (key == "standard_conforming_strings") {
    if (v == "on" || v == "true" || v == "1") return std::string("on");
    return Unsupported(display, value, "only on");
  }
  return value;
}

}  // namespace

SessionSettings::SessionSettings() {
  for (const Known& k : kKnown) params_[Lower(k.display)] = Parameter{k.display, k.value, k.value, k.read_only};
}

absl::Status SessionSettings::Set(const std::string& name, const std::string& value) {
  auto it = params_.find(Lower(name));
  if (it == params_.end()) {
    return SqlError(sqlstate::kUndefinedObject, absl::StrCat("unrecognized configuration parameter \"", name, "\""));
  }
  if (it->second.read_only) {
    return SqlError("55P02", absl::StrCat("parameter \"", it->second.display, "\" cannot be changed"));
  }
  auto valid = Validate(it->first, it->second.display, value);
  if (!valid.ok()) return valid.status();
  it->second.value = std::move(*valid);
  return absl::OkStatus();
}

absl::Status SessionSettings::Reset(const std::string& name) {
  auto it = params_.find(Lower(name));
  if (it == params_.end()) {
    return SqlError(sqlstate::kUndefinedObject, absl::StrCat("unrecognized configuration parameter \"", name, "\""));
  }
  it->second.value = it->second.default_value;
  return absl::OkStatus();
}

void SessionSettings::ResetAll() {
  for (auto& [key, p] : params_) p.value = p.default_value;
}

absl::StatusOr<std::string> SessionSettings::Show(const std::string& name) const {
  auto it = params_.find(Lower(name));
  if (it == params_.end()) {
    return SqlError(sqlstate::kUndefinedObject, absl::StrCat("unrecognized configuration parameter \"", name, "\""));
  }
  return it->second.value;
}

std::string SessionSettings::DisplayName(const std::string& name) const {
  auto it = params_.find(Lower(name));
  return it == params_.end() ? name : it->second.display;
}

std::vector<std::pair<std::string, std::string>> SessionSettings::All() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, p] : params_) out.emplace_back(p.display, p.value);
  return out;
}

absl::Duration SessionSettings::StatementTimeout() const {
  auto it = params_.find("statement_timeout");
  QUANTA_ASSERT(it != params_.end());
  const std::optional<double> ms = ParseMilliseconds(it->second.value);
  QUANTA_ASSERT(ms.has_value() && *ms >= 0);  // stored values are validated
  return absl::Milliseconds(*ms);
}

size_t SessionSettings::WorkMemBytes() const {
  auto it = params_.find("work_mem");
  QUANTA_ASSERT(it != params_.end());
  const std::optional<int64_t> kb = ParseMemoryKb(it->second.value);
  QUANTA_ASSERT(kb.has_value() && *kb >= kMinWorkMemKb);  // stored values are validated
  return static_cast<size_t>(*kb) * 1024;
}

}  // namespace quanta::sql
