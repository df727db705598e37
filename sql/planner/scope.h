// Scope: the columns a query level's expressions can name — the FROM clause's tables
// and subqueries, each column with its table's name or alias — in the order they sit
// in the input batch.
#pragma once

#include <string>
#include <vector>

#include "sql/types/value.h"

namespace quanta::sql {

struct ScopeColumn {
  std::string table;  // the table's alias or name ("" for unnamed)
  std::string name;
  Type type;
  // A join's USING/NATURAL column from the right side: reachable only qualified, and
  // not part of `*` (the left side's column stands for both).
  bool merged_away = false;
  // In an aggregated query, as a subquery's outer level: a column that is not a group
  // expression (naming it is 42803).
  bool ungrouped = false;
};

struct Scope {
  std::vector<ScopeColumn> columns;
  // A subquery's enclosing query level. Its columns bind as constants from
  // `outer_values` (the current outer row, when a correlated subquery is planned for
  // it); `outer_used` records that some name resolved there.
  const Scope* outer = nullptr;
  const std::vector<Value>* values = nullptr;  // this level's row (for an outer level)
  bool* outer_used = nullptr;
  // As an outer level: its columns bind as column references numbered -(i + 1), not
  // as constants (a subquery being planned as a join with this level: decorrelate.cc).
  bool as_join_input = false;
  bool HasTable(const std::string& table) const {
    for (const ScopeColumn& c : columns) {
      if (c.table == table) return true;
    }
    return false;
  }
};

}  // namespace quanta::sql
