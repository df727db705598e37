// KeyRange: the part of a table's key space a predicate can match, from comparisons of
// the primary key's leading column with constants (=, <, <=, >, >=, and BETWEEN as
// their conjunction), so a scan reads only that range instead of the whole table.
// The predicate is still applied to every row read: the range only skips rows it
// cannot match.
#pragma once

#include <optional>
#include <string>

#include "sql/catalog/catalog.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

struct KeyRange {
  std::string start;                // keys >= start
  std::optional<std::string> end;   // keys < end (unset: to the last key)
  bool empty = false;               // contradictory bounds: nothing matches
};

// The range of `table`'s keys `predicate` (bound over the table's columns, in order)
// can match, or nullopt if it constrains no leading key column.
std::optional<KeyRange> PrimaryKeyRange(const TableDef& table, const BoundExpr& predicate);

}  // namespace quanta::sql
