// The sqllogictest file format (SQLite's and DuckDB's corpora), as QuantaDB uses it:
//
//   # comment
//   skipif quanta | onlyif postgres        (applies to the next record)
//   statement ok
//   <sql, to the next blank line>
//   statement error [SQLSTATE]
//   <sql>
//   [----
//   <substring of the expected message>]
//   query <types> [nosort|rowsort|valuesort]
//   <sql>
//   ----
//   <rows: values separated by tabs; NULL for null, (empty) for ''>
//   | <N> values hashing to <md5 of the values, each followed by a newline>
//
// `types` has one letter per column (I integer, R float/numeric, T text, B bool).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace quanta::sql::slt {

struct Record {
  enum class Kind { kStatementOk, kStatementError, kQuery };
  Kind kind = Kind::kStatementOk;
  int line = 0;
  size_t first_line = 0, end_line = 0;  // the record's lines [first, end) (0-based, header to last body line)
  std::string sql;
  std::string error_state;    // statement error: expected SQLSTATE (empty: any)
  std::string error_message;  // statement error: expected message substring
  std::string types;
  std::string sort = "nosort";
  std::vector<std::string> expected;  // result lines (tab-separated values)
  bool hashed = false;
  size_t hash_count = 0;
  std::string hash;
  std::vector<std::string> skipif, onlyif;
  bool AppliesTo(const std::string& engine) const;
};

absl::StatusOr<std::vector<Record>> ParseFile(const std::string& text);

// What an engine did with a record's SQL, for --rewrite (completion mode): the record
// regenerated to expect exactly that outcome.
struct Observed {
  bool ok = true;
  std::string state;
  std::string message;  // the error's primary message
  bool returns_rows = false;
  std::string types;  // one letter per column
  std::vector<std::vector<std::string>> rows;
};
std::string Regenerate(const Record& r, const Observed& o);

// The values of a result as the file compares them: rows sorted per `sort`, each value
// rendered (NULL, (empty)). Returns the comparison lines: one per row (tab-joined) for
// nosort/rowsort, one per value for valuesort.
std::vector<std::string> Render(const std::vector<std::vector<std::string>>& rows, const std::string& sort);
// The MD5 (hex) of `values`, each followed by "\n" (what a hashed record holds).
std::string HashValues(const std::vector<std::string>& values);

}  // namespace quanta::sql::slt
