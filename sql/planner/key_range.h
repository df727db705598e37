// Scan choice: the part of a table's key space, or of one of its indexes', a predicate
// can match, from comparisons of key columns with constants (=, <, <=, >, >=, and
// BETWEEN as their conjunction): equalities on leading key columns, then a range on
// the next one. A scan then reads only that range instead of the whole table. The
// predicate is still applied to every row read: the range only skips rows it cannot
// match.
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

// The rows the planner takes a table never analyzed to hold.
inline constexpr uint64_t kUnknownTableRows = 1000;

struct ScanChoice {
  const IndexDef* index = nullptr;  // null: the table's own (primary) key
  KeyRange range;
  // Rows the range holds: 1 when it fixes every column of the primary key or of a
  // unique index, else an estimate from ANALYZE's statistics (or from PostgreSQL's
  // default guesses for a table never analyzed).
  double estimated_rows = -1;
};

// `predicate` is bound over the table's columns, in order.
// The best of the primary key's range and the indexes' for `predicate`. After ANALYZE:
// the cheapest by estimated rows read (an index row costing kIndexRowCost, a full scan
// every row). Before: the most leading columns fixed by equalities, then a bounded
// range; the primary key on a tie (it holds the rows; an index needs a read per row);
// an index only with an equality or a range bounded on both sides (a one-sided range
// may cover most of the table). nullopt: a full scan.
std::optional<ScanChoice> ChooseScan(const TableDef& table, const BoundExpr& predicate);

}  // namespace quanta::sql
