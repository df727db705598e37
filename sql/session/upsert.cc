#include "sql/session/upsert.h"

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/expression.h"

namespace quanta::sql {
namespace {

bool SameColumns(std::vector<int> a, std::vector<int> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

absl::StatusOr<ConflictPlan> PlanConflict(const ast::OnConflict& conflict, const TableDef& table, const std::string& alias,
                                          ExprBinder& binder) {
  ConflictPlan plan;
  plan.do_update = conflict.do_update;
  if (!conflict.constraint.empty()) {
    if (!table.primary_key.empty() && table.primary_key_name == conflict.constraint) {
      plan.primary = true;
    } else {
      for (const IndexDef& index : table.indexes) {
        if (index.unique && index.name == conflict.constraint) plan.indexes.push_back(&index);
      }
      if (plan.indexes.empty()) {
        return SqlError(sqlstate::kUndefinedObject, absl::StrCat("constraint \"", conflict.constraint, "\" for table \"",
                                                                 table.name, "\" does not exist"));
      }
    }
  } else if (!conflict.target.empty()) {
    std::vector<int> columns;
    for (const std::string& name : conflict.target) {
      const int c = table.FindColumn(name);
      if (c < 0) return SqlError(sqlstate::kUndefinedColumn, absl::StrCat("column \"", name, "\" does not exist"), conflict.position);
      columns.push_back(c);
    }
    plan.primary = !table.primary_key.empty() && SameColumns(table.primary_key, columns);
    for (const IndexDef& index : table.indexes) {
      if (index.unique && SameColumns(index.columns, columns)) plan.indexes.push_back(&index);
    }
    if (!plan.primary && plan.indexes.empty()) {
      return SqlError(sqlstate::kInvalidColumnReference,
                      "there is no unique or exclusion constraint matching the ON CONFLICT specification");
    }
  } else {
    if (conflict.do_update) {
      return SqlError(sqlstate::kSyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                      conflict.position);
    }
    plan.primary = !table.primary_key.empty();
    for (const IndexDef& index : table.indexes) {
      if (index.unique) plan.indexes.push_back(&index);
    }
  }
  if (!conflict.do_update) return plan;
  Scope scope;
  const std::string name = alias.empty() ? table.name : alias;
  for (const ColumnDef& c : table.columns) scope.columns.push_back(ScopeColumn{name, c.name, c.type, false});
  for (const ColumnDef& c : table.columns) scope.columns.push_back(ScopeColumn{"excluded", c.name, c.type, false});
  for (const ast::SetClause& set : conflict.sets) {
    const int c = table.FindColumn(set.column);
    if (c < 0) {
      return SqlError(sqlstate::kUndefinedColumn,
                      absl::StrCat("column \"", set.column, "\" of relation \"", table.name, "\" does not exist"), set.position);
    }
    const ColumnDef& column = table.columns[static_cast<size_t>(c)];
    if (column.identity == 'a' && set.value->kind != ast::ExprKind::kDefault) {
      return SqlError("428C9", absl::StrCat("column \"", column.name, "\" can only be updated to DEFAULT"), set.position);
    }
    absl::StatusOr<BoundExprPtr> value;
    if (set.value->kind == ast::ExprKind::kDefault) {
      value = TableWriter::BindDefault(column, binder);
    } else {
      value = binder.Bind(*set.value, scope, nullptr, "UPDATE");
      if (value.ok() && (*value)->type.id != TypeId::kUnknown && !CanCast((*value)->type, column.type, CastContext::kAssignment)) {
        return SqlError(sqlstate::kDatatypeMismatch,
                        absl::StrCat("column \"", column.name, "\" is of type ", column.type.Name(),
                                     " but expression is of type ", (*value)->type.Name()),
                        set.position);
      }
      if (value.ok()) value = ExprBinder::Coerce(std::move(*value), column.type, CastContext::kAssignment, set.position);
    }
    if (!value.ok()) return value.status();
    plan.sets.emplace_back(c, std::move(*value));
  }
  if (conflict.where != nullptr) {
    auto where = binder.BindCondition(*conflict.where, scope, nullptr, "WHERE");
    if (!where.ok()) return where.status();
    plan.where = std::move(*where);
  }
  return plan;
}

Task<absl::Status> InsertSink::Add(std::vector<Value> row) {
  if (conflict_ != nullptr) {
    auto key = co_await writer_.FindConflict(row, conflict_->primary, conflict_->indexes);
    if (!key.ok()) co_return key.status();
    if (key->has_value()) {
      if (!conflict_->do_update) co_return absl::OkStatus();  // DO NOTHING
      absl::Status updated = co_await UpdateExisting(**key, row);
      co_return updated;
    }
  }
  absl::Status inserted = co_await writer_.Insert(row);
  if (!inserted.ok()) co_return inserted;
  touched_.insert(writer_.last_key());
  co_return returned_(row);
}

Task<absl::Status> InsertSink::UpdateExisting(const std::string& key, const std::vector<Value>& proposed) {
  if (touched_.contains(key)) {
    co_return SqlError("21000", "ON CONFLICT DO UPDATE command cannot affect row a second time", 0,
                       "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.");
  }
  auto existing = co_await writer_.ReadRow(key);
  if (!existing.ok()) co_return existing.status();
  // One row: the existing columns, then EXCLUDED's.
  std::vector<Value> both = *existing;
  both.insert(both.end(), proposed.begin(), proposed.end());
  const DataChunk chunk = RowChunk(both);
  const Rows rows = Rows::Of(chunk);
  if (conflict_->where != nullptr) {
    auto pass = EvaluateFilter(*conflict_->where, chunk, rows, eval_);
    if (!pass.ok()) co_return pass.status();
    if (pass->empty()) co_return absl::OkStatus();  // the WHERE keeps the existing row as it is
  }
  std::vector<Value> row = *existing;
  for (const auto& [column, expr] : conflict_->sets) {
    Vector scratch;
    auto v = Evaluate(*expr, chunk, rows, eval_, &scratch);
    if (!v.ok()) co_return v.status();
    Value value = (*v)->Get(0);
    value.set_type(table_.columns[static_cast<size_t>(column)].type);
    row[static_cast<size_t>(column)] = std::move(value);
  }
  touched_.insert(key);
  absl::Status updated = co_await writer_.Update(key, *existing, row);
  if (!updated.ok()) co_return updated;
  touched_.insert(writer_.last_key());
  co_return returned_(row);
}

}  // namespace quanta::sql
