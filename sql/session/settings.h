// Session settings (GUCs): what SET, RESET and SHOW read and write, and what drivers
// send at connect time (client_encoding, DateStyle, extra_float_digits...).
//
// Every parameter PostgreSQL clients commonly set is known with PostgreSQL 15's
// default. A parameter whose value changes how QuantaDB answers accepts only the values
// it honours (TimeZone: UTC; DateStyle: ISO; IntervalStyle: postgres; client_encoding:
// UTF8) and refuses others with 22023 naming the supported ones, rather than answering
// in a format the client did not ask for. Unknown names: 42704. Memory sizes
// (work_mem) take PostgreSQL's units (B, kB, MB, GB, TB; kB when none) and range, and
// SHOW prints them as PostgreSQL does (the largest unit that divides: "64kB", "4MB").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace quanta::sql {

class SessionSettings {
 public:
  SessionSettings();

  // SET name TO value (the value as written, list items joined with ", ").
  absl::Status Set(const std::string& name, const std::string& value);
  absl::Status Reset(const std::string& name);  // RESET name
  void ResetAll();
  // SHOW name: the value. Errors: 42704.
  absl::StatusOr<std::string> Show(const std::string& name) const;
  // The name SHOW titles its column with ("TimeZone" for timezone).
  std::string DisplayName(const std::string& name) const;
  // Every parameter, by display name (SHOW ALL).
  std::vector<std::pair<std::string, std::string>> All() const;
  // work_mem in bytes: what a sort may hold before it spills.
  size_t WorkMemBytes() const;
  // statement_timeout: how long a statement may run before it is canceled (57014);
  // zero: no limit.
  absl::Duration StatementTimeout() const;

 private:
  struct Parameter {
    std::string display;  // PostgreSQL's spelling
    std::string default_value;
    std::string value;
    bool read_only = false;
  };
  std::map<std::string, Parameter> params_;  // by lower-case name
};

}  // namespace quanta::sql
