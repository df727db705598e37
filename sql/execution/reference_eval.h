// A row-at-a-time reference evaluator for bound expressions: the simple, obviously
// correct model the vectorized evaluator is checked against (RapidCheck, in
// expression_property_test.cc). Written independently of the kernels: arithmetic,
// comparisons and string functions are computed here from Values directly.
//
// Covers the expression forms the property generates: + - * / % and unary minus on
// integers, floats and numerics; = <> < <= > >= ; || ; AND OR NOT; IS [NOT] NULL;
// CASE; COALESCE; IN lists; casts; abs, lower, upper, length.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

// Evaluates `e` for one input row (`row[i]` is column i). Errors: the SQL error the
// row raises, in PostgreSQL's left-to-right, short-circuit order.
absl::StatusOr<Value> EvaluateRow(const BoundExpr& e, const std::vector<Value>& row);

}  // namespace quanta::sql
