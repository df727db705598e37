// The rows of one INSERT as they reach the table: inserted, or with ON CONFLICT,
// skipped (DO NOTHING) or turned into an update of the row they collide with (DO
// UPDATE, its SET and WHERE seeing the existing row and EXCLUDED, the proposed one).
// RETURNING lists the rows inserted or updated. As in PostgreSQL, DO UPDATE may touch a
// row once per statement (21000), and only the arbiters' conflicts are handled: a
// violation of another unique index still fails the statement.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/status/statusor.h"
#include "engine/env/task.h"
#include "sql/catalog/catalog.h"
#include "sql/parser/ast.h"
#include "sql/planner/bound_expr.h"
#include "sql/planner/expr_binder.h"
#include "sql/session/table_writer.h"

namespace quanta::sql {

struct ConflictPlan {
  bool primary = false;                   // the primary key is an arbiter
  std::vector<const IndexDef*> indexes;   // unique indexes that are
  bool do_update = false;
  std::vector<std::pair<int, BoundExprPtr>> sets;  // column → value over (existing row, EXCLUDED)
  BoundExprPtr where;                              // null: every conflicting row is updated
};

// Plans `conflict` for `table`: infers the arbiters (42P10 if none matches, 42704 for an
// unknown constraint) and binds DO UPDATE over the table's columns (named `alias`, or
// the table) followed by EXCLUDED's.
absl::StatusOr<ConflictPlan> PlanConflict(const ast::OnConflict& conflict, const TableDef& table, const std::string& alias,
                                          ExprBinder& binder);

// Evaluates RETURNING for a written row (dml.cc).
using ReturnRow = std::function<absl::Status(const std::vector<Value>& row)>;

class InsertSink {
 public:
  InsertSink(TableWriter& writer, const TableDef& table, const ConflictPlan* conflict, const EvalContext& eval,
             ReturnRow returned)
      : writer_(writer), table_(table), conflict_(conflict), eval_(eval), returned_(std::move(returned)) {}

  // One proposed row (a value per column, of the column types).
  Task<absl::Status> Add(std::vector<Value> row);

 private:
  Task<absl::Status> UpdateExisting(const std::string& key, const std::vector<Value>& proposed);

  TableWriter& writer_;
  const TableDef& table_;
  const ConflictPlan* conflict_;  // null: a plain INSERT
  const EvalContext& eval_;
  ReturnRow returned_;
  absl::btree_set<std::string> touched_;  // keys this statement inserted or updated
};

}  // namespace quanta::sql
