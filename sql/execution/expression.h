// Vectorized expression evaluation: a BoundExpr over a batch of rows.
//
// Results are row-indexed: output row r belongs to input row r, and only the rows in
// `rows` are computed (the others stay NULL). AND, OR, CASE and COALESCE evaluate
// their later operands only on the rows the earlier ones leave undecided, so
// `x <> 0 AND 1 / x > 1` never divides by zero, as in PostgreSQL.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "sql/execution/vector.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

// A set of row indexes of a batch: all of [0, count) or an ascending selection.
struct Rows {
  size_t count = 0;                         // rows in the batch
  const std::vector<uint32_t>* sel = nullptr;  // null: every row of the batch
  size_t size() const { return sel ? sel->size() : count; }
  uint32_t operator[](size_t k) const { return sel ? (*sel)[k] : static_cast<uint32_t>(k); }
  static Rows Of(const DataChunk& chunk) {
    Rows r;
    r.count = chunk.count();
    if (chunk.has_selection()) r.sel = &chunk.selection();
    return r;
  }
};

class StatementSequences;

// Parameter values ($1...) for one execution, and the statement's sequences (null:
// sequence functions are refused here, as in CHECK constraints).
struct EvalContext {
  const std::vector<Value>* params = nullptr;
  StatementSequences* sequences = nullptr;
  int64_t now_micros = 0;  // now(): the statement's start, microseconds since 2000-01-01 UTC
};

// Evaluates `e` over `rows` of `in`; the result is either one of in's columns (a
// plain column reference) or `*scratch`. Errors: the first failing row's SQL error.
absl::StatusOr<const Vector*> Evaluate(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                       const EvalContext& ctx, Vector* scratch);

// Evaluates a predicate and returns the rows of `rows` where it is true (not false,
// not NULL).
absl::StatusOr<std::vector<uint32_t>> EvaluateFilter(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                                     const EvalContext& ctx);
// The same, calling `before(conjunct, rows)` ahead of evaluating each conjunct of a
// top-level AND (the whole predicate if it is none) over the rows it judges, a subset
// of the previous call's: a scan decodes the columns a conjunct reads just then, and
// only for those rows (late materialization). An error from `before` is returned.
using BeforeConjunct = absl::FunctionRef<absl::Status(const BoundExpr& conjunct, const Rows& rows)>;
absl::StatusOr<std::vector<uint32_t>> EvaluateFilter(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                                     const EvalContext& ctx, BeforeConjunct before);

// A one-row chunk of `row`'s values (a column each), to evaluate expressions over a
// single row (CHECK, RETURNING, ON CONFLICT).
DataChunk RowChunk(const std::vector<Value>& row);

// Evaluates a row-free expression (constants, parameters, functions of them).
absl::StatusOr<Value> EvaluateConstant(const BoundExpr& e, const EvalContext& ctx);

}  // namespace quanta::sql
