// EXPLAIN's text: a plan as PostgreSQL's text format lays one out. One line per node,
// children indented under "->  "; under a node its detail lines: the quals (Filter:,
// Index Cond:, Hash Cond:, Merge Cond:, Join Filter:), Sort Key: and Group Key:, and
// with ANALYZE Rows Removed by Filter: and the operator's own (Sort Method:).
//
// QuantaDB's operator tree is not PostgreSQL's node tree, so it is shown as
// PostgreSQL would show the same plan: projections are not nodes (every PostgreSQL node
// projects), a filter is its input's Filter: line (the input's line then carries the
// filter's row counts and cost), and a hash join's build side sits under a Hash node.
// Columns print unqualified unless the plan reads more than one relation, as
// PostgreSQL's do.
#pragma once

#include <string>
#include <vector>

#include "sql/execution/operator.h"
#include "sql/parser/ast.h"
#include "sql/planner/cost.h"

namespace quanta::sql {

// Appends the lines of `root` at `depth` (0: the top line, unindented) to *lines.
// `costs` holds an estimate for every operator when explain.costs.
void RenderPlan(const Operator& root, int depth, const ast::ExplainStmt& explain, const CostEstimates& costs,
                std::vector<std::string>* lines);

}  // namespace quanta::sql
