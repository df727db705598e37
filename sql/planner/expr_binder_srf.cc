// Set-returning calls (generate_series, unnest): resolving one, and where one may
// appear. In a select list (and ORDER BY) a call binds to a placeholder column that
// the planner renumbers once it has placed the ProjectSet operators; everywhere else
// it is refused with PostgreSQL's error for the place.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/functions.h"
#include "sql/planner/expr_binder.h"

namespace quanta::sql {
namespace {

bool IsPlaceholder(const BoundExpr& e) {
  return e.kind == BoundKind::kColumn && e.column >= ExprBinder::kSetColumnBase;
}

// The deepest nesting of set-returning placeholders in `e` (0: none), given each
// call's level.
int NestedLevel(const BoundExpr& e, const std::vector<SetFunctionCall>& calls) {
  if (IsPlaceholder(e)) return calls[static_cast<size_t>(e.column - ExprBinder::kSetColumnBase)].level + 1;
  int level = 0;
  for (const BoundExprPtr& a : e.args) level = std::max(level, NestedLevel(*a, calls));
  return level;
}

absl::Status UndefinedFunction(const char* name, const std::vector<Type>& types, int position) {
  std::vector<std::string> names;
  for (const Type& t : types) names.push_back(t.id == TypeId::kUnknown ? "unknown" : t.Name());
  return SqlError(sqlstate::kUndefinedFunction, absl::StrCat("function ", name, "(", absl::StrJoin(names, ", "), ") does not exist"),
                  position);
}

bool IsTimestamp(const Type& t) { return t.id == TypeId::kTimestamp || t.id == TypeId::kTimestampTz; }

// generate_series's row type from its arguments' (PostgreSQL's overloads: integers,
// numeric, timestamps with an interval step), or 42883.
absl::StatusOr<Type> SeriesType(const std::vector<Type>& types, int position) {
  if (types.size() < 2 || types.size() > 3) return UndefinedFunction("generate_series", types, position);
  if (IsTimestamp(types[0]) || IsTimestamp(types[1])) {
    if (types.size() != 3) return UndefinedFunction("generate_series", types, position);
    const bool tz = types[0].id == TypeId::kTimestampTz || types[1].id == TypeId::kTimestampTz;
    return Type(tz ? TypeId::kTimestampTz : TypeId::kTimestamp);
  }
  Type type(TypeId::kInt4);
  for (const Type& t : types) {
    if (t.id == TypeId::kUnknown) continue;
    if (!t.is_numeric_category() || t.is_float()) return UndefinedFunction("generate_series", types, position);
    if (NumericRank(t.id) > NumericRank(type.id)) type = Type(t.id == TypeId::kInt2 ? TypeId::kInt4 : t.id);
  }
  return type;
}

}  // namespace

bool IsSetFunctionCall(const ast::Expr& e) {
  if (e.kind != ast::ExprKind::kFunc || e.over != nullptr || e.names.empty()) return false;
  if (e.names.size() > 2 || (e.names.size() == 2 && e.names[0] != "pg_catalog")) return false;
  return e.names.back() == "generate_series" || e.names.back() == "unnest";
}

bool ContainsSetFunction(const ast::Expr& e) {
  if (IsSetFunctionCall(e)) return true;
  for (const ast::ExprPtr& a : e.args) {
    if (a != nullptr && ContainsSetFunction(*a)) return true;
  }
  return (e.case_operand && ContainsSetFunction(*e.case_operand)) || (e.else_expr && ContainsSetFunction(*e.else_expr));
}

bool ReturnsSet(const BoundExpr& e) {
  return IsPlaceholder(e) || std::any_of(e.args.begin(), e.args.end(), [](const BoundExprPtr& a) { return ReturnsSet(*a); });
}

void RenumberSetColumns(BoundExpr* e, const std::vector<int>& columns) {
  if (IsPlaceholder(*e)) {
    const size_t i = static_cast<size_t>(e->column - ExprBinder::kSetColumnBase);
    QUANTA_ASSERT(i < columns.size());
    e->column = columns[i];
  }
  for (BoundExprPtr& a : e->args) RenumberSetColumns(a.get(), columns);
}

absl::Status SetFunctionRefused(const char* where, int position) {
  const std::string place = where != nullptr ? where : "this context";
  std::string message;
  if (place == "functions in FROM") {
    message = "set-returning functions must appear at top level of FROM";
  } else if (place == "aggregate function calls" || place == "window function calls") {
    message = absl::StrCat(place, " cannot contain set-returning function calls");
  } else if (place == "GROUP BY" || place == "window definitions") {
    message = absl::StrCat("set-returning functions in ", place, " are not supported");  // PostgreSQL allows them
  } else {
    message = absl::StrCat("set-returning functions are not allowed in ", place == "JOIN/ON" ? "JOIN conditions" : place);
  }
  return SqlError(sqlstate::kFeatureNotSupported, message, position);
}

absl::StatusOr<SetFunctionCall> ExprBinder::BindSetFunction(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                            const char* clause) {
  QUANTA_ASSERT(IsSetFunctionCall(e));
  auto args = BindArgs(e.args, scope, agg, clause);
  if (!args.ok()) return args.status();
  std::vector<Type> types;
  for (const BoundExprPtr& a : *args) types.push_back(a->type);
  SetFunctionCall call;
  if (e.names.back() == "unnest") {
    if (types.size() != 1 || types[0].id != TypeId::kArray) return UndefinedFunction("unnest", types, e.position);
    call.function = SetFunction::kUnnest;
    call.type = Type(types[0].element);
    call.args = std::move(*args);
    return call;
  }
  auto type = SeriesType(types, e.position);
  if (!type.ok()) return type.status();
  call.function = SetFunction::kGenerateSeries;
  call.type = *type;
  for (size_t i = 0; i < args->size(); ++i) {
    const Type want = i == 2 && IsTimestamp(*type) ? Type(TypeId::kInterval) : *type;
    auto coerced = Coerce(std::move((*args)[i]), want, CastContext::kImplicit, e.position);
    if (!coerced.ok()) return coerced.status();
    call.args.push_back(std::move(*coerced));
  }
  QUANTA_ASSERT(call.args.size() == types.size());
  return call;
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindSetReturning(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                          const char* clause) {
  if (sets_refused_ != nullptr) return SetFunctionRefused(sets_refused_, e.position);
  if (sets_ == nullptr) return SetFunctionRefused(clause, e.position);
  auto call = BindSetFunction(e, scope, agg, clause);
  if (!call.ok()) return call.status();
  call->level = 0;
  for (const BoundExprPtr& a : call->args) call->level = std::max(call->level, NestedLevel(*a, *sets_));
  // The same call twice (in the select list and ORDER BY, say) is one set.
  for (size_t i = 0; i < sets_->size(); ++i) {
    const SetFunctionCall& c = (*sets_)[i];
    const bool same = c.function == call->function && c.type == call->type && c.args.size() == call->args.size() &&
                      std::equal(c.args.begin(), c.args.end(), call->args.begin(),
                                 [](const BoundExprPtr& a, const BoundExprPtr& b) { return a->Equals(*b); });
    if (same) return MakeColumn(kSetColumnBase + static_cast<int>(i), c.type);
  }
  const Type type = call->type;
  sets_->push_back(std::move(*call));
  return MakeColumn(kSetColumnBase + static_cast<int>(sets_->size() - 1), type);
}

}  // namespace quanta::sql
