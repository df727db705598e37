// INSERT, UPDATE and DELETE: rows computed by the planner's operators, checked and
// keyed by a TableWriter, committed as one write set; RETURNING evaluated over the
// written rows.
#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/operators.h"
#include "sql/execution/table_scan.h"
#include "sql/planner/planner.h"
#include "sql/session/sql_engine.h"
#include "sql/session/foreign_keys.h"
#include "sql/session/table_writer.h"
#include "sql/session/upsert.h"

namespace quanta::sql {
namespace {

Scope TableScope(const TableDef& table, const std::string& alias) {
  Scope scope;
  const std::string name = alias.empty() ? table.name : alias;
  for (const ColumnDef& c : table.columns) scope.columns.push_back(ScopeColumn{name, c.name, c.type, false});
  return scope;
}

// RETURNING: binds the list over the table's columns; evaluates it per written row.
struct Returning {
  std::vector<BoundExprPtr> exprs;
  std::vector<std::string> names;
};

absl::StatusOr<Returning> BindReturning(const std::vector<ast::SelectItem>& items, const Scope& scope, ExprBinder& binder) {
  Returning r;
  for (const ast::SelectItem& item : items) {
    if (item.expr->kind == ast::ExprKind::kStar) {
      for (size_t i = 0; i < scope.columns.size(); ++i) {
        r.exprs.push_back(MakeColumn(static_cast<int>(i), scope.columns[i].type));
        r.names.push_back(scope.columns[i].name);
      }
      continue;
    }
    auto bound = binder.Bind(*item.expr, scope, nullptr, "RETURNING");
    if (!bound.ok()) return bound.status();
    if ((*bound)->type.id == TypeId::kUnknown) {
      bound = ExprBinder::Coerce(std::move(*bound), Type(TypeId::kText), CastContext::kImplicit, item.position);
      if (!bound.ok()) return bound.status();
    }
    r.exprs.push_back(std::move(*bound));
    r.names.push_back(item.alias.empty() ? DeriveColumnName(*item.expr) : item.alias);
  }
  return r;
}

absl::Status AddReturned(const Returning& returning, const std::vector<Value>& row, const EvalContext& eval,
                         StatementResult* result) {
  if (returning.exprs.empty()) return absl::OkStatus();
  const DataChunk chunk = RowChunk(row);
  std::vector<std::optional<std::string>> out;
  for (const BoundExprPtr& e : returning.exprs) {
    Vector scratch;
    auto v = Evaluate(*e, chunk, Rows::Of(chunk), eval, &scratch);
    if (!v.ok()) return v.status();
    if ((*v)->IsNull(0)) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(FormatValue((*v)->Get(0)));
    }
  }
  result->rows.push_back(std::move(out));
  return absl::OkStatus();
}

void DescribeReturning(const Returning& returning, StatementResult* result) {
  if (returning.exprs.empty()) return;
  result->returns_rows = true;
  for (size_t i = 0; i < returning.exprs.size(); ++i) {
    result->columns.push_back(ResultColumn{returning.names[i], returning.exprs[i]->type});
  }
}

// The INSERT's target columns: positions in the table, in the order named.
// Without a column list: the leading columns, as many as the source provides.
absl::StatusOr<std::vector<int>> TargetColumns(const ast::InsertStmt& stmt, const TableDef& table, size_t provided) {
  std::vector<int> targets;
  if (stmt.columns.empty()) {
    for (size_t i = 0; i < table.columns.size() && i < provided; ++i) targets.push_back(static_cast<int>(i));
    return targets;
  }
  for (const std::string& name : stmt.columns) {
    const int index = table.FindColumn(name);
    if (index < 0) {
      return SqlError(sqlstate::kUndefinedColumn,
                      absl::StrCat("column \"", name, "\" of relation \"", table.name, "\" does not exist"));
    }
    if (std::find(targets.begin(), targets.end(), index) != targets.end()) {
      return SqlError(sqlstate::kDuplicateColumn, absl::StrCat("column \"", name, "\" specified more than once"));
    }
    targets.push_back(index);
  }
  return targets;
}

// An explicit value for a GENERATED ALWAYS identity column (without OVERRIDING SYSTEM VALUE).
absl::Status IdentityAlways(const ColumnDef& column) {
  return SqlError("428C9", absl::StrCat("cannot insert a non-DEFAULT value into column \"", column.name, "\""), 0,
                  absl::StrCat("Column \"", column.name, "\" is an identity column defined as GENERATED ALWAYS."));
}

absl::Status WrongType(const ColumnDef& column, const Type& type, int position) {
  return SqlError(sqlstate::kDatatypeMismatch,
                  absl::StrCat("column \"", column.name, "\" is of type ", column.type.Name(),
                               " but expression is of type ", type.Name()),
                  position);
}

// Converts a value bound for `column` (assignment context, PostgreSQL's error when no
// assignment cast exists).
absl::StatusOr<BoundExprPtr> Assign(BoundExprPtr e, const ColumnDef& column, int position) {
  if (e->type.id != TypeId::kUnknown && !CanCast(e->type, column.type, CastContext::kAssignment)) {
    return WrongType(column, e->type, position);
  }
  return ExprBinder::Coerce(std::move(e), column.type, CastContext::kAssignment, position);
}

// The rows of `table` an UPDATE or DELETE touches, each with its key after the table's
// columns and then, with FROM/USING items, their columns (joined on `where`): a scan
// narrowed to the key range `where` allows, its subqueries, its filter. *scope: the
// columns those rows carry, for SET and the like to bind against.
absl::StatusOr<OperatorPtr> TargetRows(Planner& planner, DataAccess& access, const TableDef& table, const std::string& alias,
                                       const ast::Expr* where, const std::vector<ast::TableRefPtr>& from, Scope* scope) {
  auto scan = std::make_unique<TableScanOperator>(access, table, /*with_keys=*/true);
  scan->set_alias(alias);
  OperatorPtr op = std::move(scan);
  *scope = TableScope(table, alias);
  // The key column: nameless, so nothing binds to it, and not part of `*`.
  scope->columns.push_back(ScopeColumn{"", "", Type(TypeId::kBytea), /*merged_away=*/true});
  const size_t target_width = scope->columns.size();
  OperatorPtr joined;
  if (!from.empty()) {
    auto source = planner.PlanFromList(from);
    if (!source.ok()) return source.status();
    for (ScopeColumn& c : source->second.columns) scope->columns.push_back(std::move(c));
    joined = std::move(source->first);
  }
  if (where == nullptr) {
    if (joined == nullptr) return op;
    return OperatorPtr(MakeJoin(std::move(op), std::move(joined), JoinKind::kCross, nullptr, target_width));
  }
  // Subquery results append after every column above.
  SubquerySink sink = planner.MakeSink(scope->columns.size());
  planner.binder().set_sink(&sink);
  auto predicate = planner.binder().BindCondition(*where, *scope, nullptr, "WHERE");
  planner.binder().set_sink(nullptr);
  if (!predicate.ok()) return predicate.status();
  NarrowScan(op.get(), **predicate);
  if (joined != nullptr && sink.entries.empty()) {
    // A join on the condition: a hash join on its equalities.
    return OperatorPtr(MakeJoin(std::move(op), std::move(joined), JoinKind::kInner, std::move(*predicate), target_width));
  }
  if (joined != nullptr) op = MakeJoin(std::move(op), std::move(joined), JoinKind::kCross, nullptr, target_width);
  op = planner.WrapApply(std::move(op), std::move(sink), *scope);
  return OperatorPtr(std::make_unique<FilterOperator>(std::move(op), std::move(*predicate)));
}

}  // namespace

static std::vector<Type> ParamTypes(const std::vector<Value>& params) {
  std::vector<Type> types;
  for (const Value& v : params) types.push_back(v.type());
  return types;
}

Task<absl::Status> SqlEngine::CommitRows(TableWriter& writer, const TableDef& table, const CatalogSnapshot& catalog,
                                         ExprBinder& binder) {
  if (writer.rows() == 0) co_return absl::OkStatus();  // nothing to write: no Raft entry
  ForeignKeys keys(catalog, access_, writer, table);
  if (!keys.Relevant()) {
    absl::Status committed = co_await CommitStatement(writer.Finish());
    co_return committed;
  }
  absl::Status enforced = co_await keys.Enforce(binder);
  if (!enforced.ok()) co_return enforced;
  absl::Status committed = co_await CommitStatement(keys.Finish());
  co_return committed;
}

Task<absl::StatusOr<StatementResult>> SqlEngine::Insert(const ast::InsertStmt& stmt, const CatalogSnapshot& catalog,
                                                        const std::vector<Value>& params) {
  std::vector<Type> param_types = ParamTypes(params);
  Planner planner(catalog, access_, session_, &param_types);
  auto found = planner.FindTable(stmt.table, 0);
  if (!found.ok()) co_return found.status();
  const TableDef& table = **found;
  size_t provided = table.columns.size();
  if (stmt.source != nullptr && !stmt.source->values.empty()) provided = stmt.source->values[0].size();
  if (stmt.source != nullptr && stmt.source->values.empty() && stmt.columns.empty()) {
    provided = SIZE_MAX;  // INSERT ... SELECT: checked against the query's width below
  }
  auto targets = TargetColumns(stmt, table, std::min(provided, table.columns.size()));
  if (!targets.ok()) co_return targets.status();
  ExprBinder& binder = planner.binder();
  // Defaults for every column (used where a column is omitted or DEFAULT is written).
  std::vector<BoundExprPtr> defaults;
  for (const ColumnDef& c : table.columns) {
    auto d = TableWriter::BindDefault(c, binder);
    if (!d.ok()) co_return d.status();
    defaults.push_back(std::move(*d));
  }
  // Source rows, as expressions per target column (VALUES) or a planned query.
  std::vector<std::vector<BoundExprPtr>> rows;
  const bool plain_values = stmt.source != nullptr && !stmt.source->values.empty() && stmt.source->order_by.empty() &&
                            stmt.source->limit == nullptr && stmt.source->offset == nullptr;
  if (stmt.source == nullptr) {
    rows.emplace_back();  // DEFAULT VALUES
  } else if (plain_values) {
    Scope none;
    for (const auto& values : stmt.source->values) {
      if (values.size() > targets->size()) {
        co_return SqlError(sqlstate::kSyntaxError, "INSERT has more expressions than target columns", values[targets->size()]->position);
      }
      if (values.size() < targets->size()) {
        co_return SqlError(sqlstate::kSyntaxError, "INSERT has more target columns than expressions", values.back()->position);
      }
      std::vector<BoundExprPtr> row;
      for (size_t i = 0; i < values.size(); ++i) {
        const ColumnDef& column = table.columns[static_cast<size_t>((*targets)[i])];
        if (values[i]->kind == ast::ExprKind::kDefault) {
          row.push_back(defaults[static_cast<size_t>((*targets)[i])]->Clone());
          continue;
        }
        if (column.identity == 'a' && !stmt.overriding_system && !stmt.overriding_user) co_return IdentityAlways(column);
        auto bound = binder.Bind(*values[i], none, nullptr, "VALUES");
        if (!bound.ok()) co_return bound.status();
        auto assigned = Assign(std::move(*bound), column, values[i]->position);
        if (!assigned.ok()) co_return assigned.status();
        row.push_back(std::move(*assigned));
      }
      rows.push_back(std::move(row));
    }
  }
  OperatorPtr source;
  if (stmt.source != nullptr && !plain_values) {
    auto plan = planner.PlanQuery(*stmt.source);
    if (!plan.ok()) co_return plan.status();
    const std::vector<Type> types = plan->types();
    if (stmt.columns.empty() && types.size() < targets->size()) targets->resize(types.size());
    if (types.size() > targets->size()) co_return SqlError(sqlstate::kSyntaxError, "INSERT has more expressions than target columns");
    if (types.size() < targets->size()) co_return SqlError(sqlstate::kSyntaxError, "INSERT has more target columns than expressions");
    std::vector<BoundExprPtr> casts;
    for (size_t i = 0; i < types.size(); ++i) {
      const ColumnDef& column = table.columns[static_cast<size_t>((*targets)[i])];
      if (column.identity == 'a' && !stmt.overriding_system && !stmt.overriding_user) co_return IdentityAlways(column);
      auto assigned = Assign(MakeColumn(static_cast<int>(i), types[i]), table.columns[static_cast<size_t>((*targets)[i])], 0);
      if (!assigned.ok()) co_return assigned.status();
      casts.push_back(std::move(*assigned));
    }
    source = std::make_unique<ProjectOperator>(std::move(plan->root), std::move(casts));
  }

  TableWriter writer(table, access_);
  absl::Status prepared = co_await writer.Prepare(binder);
  if (!prepared.ok()) co_return prepared;
  auto returning = BindReturning(stmt.returning, TableScope(table, stmt.alias), binder);
  if (!returning.ok()) co_return returning.status();
  StatementResult result;
  DescribeReturning(*returning, &result);
  ExecContext exec = NewContext(params);
  const EvalContext& ectx = exec.eval;
  std::optional<ConflictPlan> conflict;
  if (stmt.on_conflict != nullptr) {
    auto planned = PlanConflict(*stmt.on_conflict, table, stmt.alias, binder);
    if (!planned.ok()) co_return planned.status();
    conflict = std::move(*planned);
  }
  InsertSink sink(writer, table, conflict ? &*conflict : nullptr, ectx,
                  [&](const std::vector<Value>& row) { return AddReturned(*returning, row, ectx, &result); });
  const auto full_row = [&](const std::vector<Value>& given) -> absl::StatusOr<std::vector<Value>> {
    std::vector<Value> row(table.columns.size());
    std::vector<bool> set(table.columns.size(), false);
    for (size_t i = 0; i < given.size(); ++i) {
      const size_t c = static_cast<size_t>((*targets)[i]);
      if (stmt.overriding_user && table.columns[c].identity != 0) continue;  // the identity's own value instead
      row[c] = given[i];
      set[c] = true;
    }
    for (size_t c = 0; c < row.size(); ++c) {
      if (set[c]) continue;
      auto v = EvaluateConstant(*defaults[c], ectx);
      if (!v.ok()) return v.status();
      row[c] = std::move(*v);
    }
    for (size_t c = 0; c < row.size(); ++c) row[c].set_type(table.columns[c].type);
    return row;
  };
  if (explain_capture_ != nullptr && source == nullptr && stmt.source != nullptr) {
    // EXPLAIN shows VALUES as the scan it is (the same expressions, evaluated there).
    std::vector<Type> types;
    for (size_t i = 0; i < targets->size(); ++i) types.push_back(table.columns[static_cast<size_t>((*targets)[i])].type);
    source = std::make_unique<ValuesOperator>(std::move(types), std::move(rows));
    rows.clear();
  }
  if (PlanOnly()) {
    if (source != nullptr) CapturePlan(*source);
    co_return result;
  }
  for (const auto& exprs : rows) {
    std::vector<Value> given;
    for (const BoundExprPtr& e : exprs) {
      auto v = EvaluateConstant(*e, ectx);
      if (!v.ok()) co_return v.status();
      given.push_back(std::move(*v));
    }
    auto row = full_row(given);
    if (!row.ok()) co_return row.status();
    absl::Status added = co_await sink.Add(std::move(*row));
    if (!added.ok()) co_return added;
  }
  if (source != nullptr) {
    ExecContext ctx = NewContext(params);
    auto chunks = co_await Drain(*source, ctx);
    if (!chunks.ok()) co_return chunks.status();
    if (explain_capture_ != nullptr) CapturePlan(*source);
    for (const DataChunk& chunk : *chunks) {
      for (size_t r = 0; r < chunk.count(); ++r) {
        std::vector<Value> given;
        for (const Vector& v : chunk.columns) given.push_back(v.Get(r));
        auto row = full_row(given);
        if (!row.ok()) co_return row.status();
        absl::Status added = co_await sink.Add(std::move(*row));
        if (!added.ok()) co_return added;
      }
    }
  }
  const size_t count = writer.rows();
  absl::Status committed = co_await CommitRows(writer, table, catalog, binder);
  if (!committed.ok()) co_return committed;
  result.tag = absl::StrCat("INSERT 0 ", count);
  co_return result;
}

Task<absl::StatusOr<StatementResult>> SqlEngine::Update(const ast::UpdateStmt& stmt, const CatalogSnapshot& catalog,
                                                        const std::vector<Value>& params) {
  std::vector<Type> param_types = ParamTypes(params);
  Planner planner(catalog, access_, session_, &param_types);
  auto found = planner.FindTable(stmt.table, 0);
  if (!found.ok()) co_return found.status();
  const TableDef& table = **found;
  ExprBinder& binder = planner.binder();
  Scope scope;  // the table's columns, its key, FROM's columns
  auto target_rows = TargetRows(planner, access_, table, stmt.alias, stmt.where.get(), stmt.from, &scope);
  if (!target_rows.ok()) co_return target_rows.status();
  OperatorPtr op = std::move(*target_rows);
  // SET targets: column position → new value expression.
  std::vector<std::pair<int, BoundExprPtr>> sets;
  for (const ast::SetClause& set : stmt.sets) {
    const int index = table.FindColumn(set.column);
    if (index < 0) {
      co_return SqlError(sqlstate::kUndefinedColumn,
                         absl::StrCat("column \"", set.column, "\" of relation \"", table.name, "\" does not exist"), set.position);
    }
    for (const auto& [other, unused] : sets) {
      if (other == index) {
        co_return SqlError(sqlstate::kDuplicateColumn, absl::StrCat("multiple assignments to same column \"", set.column, "\""),
                           set.position);
      }
    }
    const ColumnDef& column = table.columns[static_cast<size_t>(index)];
    if (column.identity == 'a' && set.value->kind != ast::ExprKind::kDefault) {
      co_return SqlError("428C9", absl::StrCat("column \"", column.name, "\" can only be updated to DEFAULT"), set.position,
                         absl::StrCat("Column \"", column.name, "\" is an identity column defined as GENERATED ALWAYS."));
    }
    absl::StatusOr<BoundExprPtr> value;
    if (set.value->kind == ast::ExprKind::kDefault) {
      value = TableWriter::BindDefault(column, binder);
    } else {
      value = binder.Bind(*set.value, scope, nullptr, "UPDATE");
      if (value.ok()) value = Assign(std::move(*value), column, set.value->position);
    }
    if (!value.ok()) co_return value.status();
    sets.emplace_back(index, std::move(*value));
  }
  TableWriter writer(table, access_);
  absl::Status prepared = co_await writer.Prepare(binder);
  if (!prepared.ok()) co_return prepared;
  // RETURNING sees the table's columns (not FROM's, unlike PostgreSQL: not yet).
  auto returning = BindReturning(stmt.returning, TableScope(table, stmt.alias), binder);
  if (!returning.ok()) co_return returning.status();
  StatementResult result;
  DescribeReturning(*returning, &result);
  if (PlanOnly()) {
    CapturePlan(*op);
    co_return result;
  }
  ExecContext ctx = NewContext(params);
  auto chunks = co_await Drain(*op, ctx);
  if (!chunks.ok()) co_return chunks.status();
  if (explain_capture_ != nullptr) CapturePlan(*op);
  const size_t width = table.columns.size();
  absl::btree_set<std::string> seen;  // keys updated
  for (const DataChunk& chunk : *chunks) {
    const Rows rows = Rows::Of(chunk);
    std::vector<Vector> scratch(sets.size());
    std::vector<const Vector*> values;
    for (size_t s = 0; s < sets.size(); ++s) {
      auto v = Evaluate(*sets[s].second, chunk, rows, ctx.eval, &scratch[s]);
      if (!v.ok()) co_return v.status();
      values.push_back(*v);
    }
    for (size_t r = 0; r < chunk.count(); ++r) {
      // A row FROM matches several times is updated once (PostgreSQL: by one of them).
      if (!seen.insert(chunk.columns[width].Str(r)).second) continue;
      std::vector<Value> old_row;
      for (size_t c = 0; c < width; ++c) old_row.push_back(chunk.columns[c].Get(r));
      std::vector<Value> row = old_row;
      for (size_t s = 0; s < sets.size(); ++s) {
        Value v = values[s]->Get(r);
        v.set_type(table.columns[static_cast<size_t>(sets[s].first)].type);
        row[static_cast<size_t>(sets[s].first)] = std::move(v);
      }
      absl::Status added = AddReturned(*returning, row, ctx.eval, &result);
      if (!added.ok()) co_return added;
      absl::Status updated = co_await writer.Update(std::string(chunk.columns[width].Str(r)), old_row, std::move(row));
      if (!updated.ok()) co_return updated;
    }
  }
  const size_t count = writer.rows();
  absl::Status committed = co_await CommitRows(writer, table, catalog, binder);
  if (!committed.ok()) co_return committed;
  result.tag = absl::StrCat("UPDATE ", count);
  co_return result;
}

Task<absl::StatusOr<StatementResult>> SqlEngine::Delete(const ast::DeleteStmt& stmt, const CatalogSnapshot& catalog,
                                                        const std::vector<Value>& params) {
  std::vector<Type> param_types = ParamTypes(params);
  Planner planner(catalog, access_, session_, &param_types);
  auto found = planner.FindTable(stmt.table, 0);
  if (!found.ok()) co_return found.status();
  const TableDef& table = **found;
  ExprBinder& binder = planner.binder();
  Scope scope;
  auto target_rows = TargetRows(planner, access_, table, stmt.alias, stmt.where.get(), stmt.using_tables, &scope);
  if (!target_rows.ok()) co_return target_rows.status();
  OperatorPtr op = std::move(*target_rows);
  // RETURNING sees the table's columns (not FROM's, unlike PostgreSQL: not yet).
  auto returning = BindReturning(stmt.returning, TableScope(table, stmt.alias), binder);
  if (!returning.ok()) co_return returning.status();
  StatementResult result;
  DescribeReturning(*returning, &result);
  if (PlanOnly()) {
    CapturePlan(*op);
    co_return result;
  }
  TableWriter writer(table, access_);
  ExecContext ctx = NewContext(params);
  auto chunks = co_await Drain(*op, ctx);
  if (!chunks.ok()) co_return chunks.status();
  if (explain_capture_ != nullptr) CapturePlan(*op);
  const size_t width = table.columns.size();
  absl::btree_set<std::string> seen;  // keys deleted (USING may match a row several times)
  for (const DataChunk& chunk : *chunks) {
    for (size_t r = 0; r < chunk.count(); ++r) {
      if (!seen.insert(chunk.columns[width].Str(r)).second) continue;
      std::vector<Value> row;
      for (size_t c = 0; c < width; ++c) row.push_back(chunk.columns[c].Get(r));
      absl::Status added = AddReturned(*returning, row, ctx.eval, &result);
      if (!added.ok()) co_return added;
      writer.Delete(std::string(chunk.columns[width].Str(r)), row);
    }
  }
  const size_t count = writer.rows();
  absl::Status committed = co_await CommitRows(writer, table, catalog, binder);
  if (!committed.ok()) co_return committed;
  result.tag = absl::StrCat("DELETE ", count);
  co_return result;
}

}  // namespace quanta::sql
