// Cost estimates for EXPLAIN's "(cost=startup..total rows=N width=W)", in PostgreSQL's
// units and with its default constants (seq_page_cost 1, random_page_cost 4,
// cpu_tuple_cost 0.01, cpu_index_tuple_cost 0.005, cpu_operator_cost 0.0025).
//
// Rows are the planner's EstimateRows (what join planning uses, so EXPLAIN shows the
// numbers the plan was chosen by); widths are the output columns' average sizes by
// type (PostgreSQL's get_typavgwidth: fixed sizes, a declared length, 32 bytes for an
// unbounded varlena); costs follow the shape of PostgreSQL's cost_* functions for the
// operators QuantaDB has. They are estimates to compare plans by, not predictions of
// time, and they do not equal PostgreSQL's figures for the same query (its plans have
// other nodes, and it counts pages from the table's files).
//
// Invariants of every estimate: 0 <= startup <= total, rows >= 0, width >= 0.
#pragma once

#include "absl/container/flat_hash_map.h"
#include "sql/execution/operator.h"

namespace quanta::sql {

struct CostEstimate {
  double startup = 0;  // cost before the first row
  double total = 0;    // cost of all rows
  double rows = 0;
  int width = 0;  // average bytes per output row
};

// The estimates for every operator of the plan rooted at `root`, in one pass (each
// node's cost includes its children's). Looked up by operator, never iterated.
using CostEstimates = absl::flat_hash_map<const Operator*, CostEstimate>;  // lookup-only
CostEstimates EstimateCosts(const Operator& root);

// PostgreSQL's average width for a value of `type` (a declared varchar/char length
// counts; numeric by its precision; unbounded text, bytea, json, arrays: 32).
int AverageWidth(const Type& type);

}  // namespace quanta::sql
