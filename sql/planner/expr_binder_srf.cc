// Set-returning calls (generate_series, generate_subscripts, unnest and its kin): resolving one, and where one may
// appear. In a select list (and ORDER BY) a call binds to a placeholder column that
// the planner renumbers once it has placed the ProjectSet operators; everywhere else
// it is refused with PostgreSQL's error for the place.
#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/functions.h"
#include "sql/planner/expr_binder.h"
#include "sql/types/cast.h"

namespace quanta::sql {
namespace {

bool IsPlaceholder(const BoundExpr& e) {
  return e.kind == BoundKind::kColumn && e.column >= ExprBinder::kSetColumnBase &&
         e.column < ExprBinder::kGroupSubqueryBase;
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

// The set-returning functions that are unnest over a scalar function's array.
struct UnnestedFunction {
  const char* name;
  const char* array_function;  // kernels_json.cc's json ones are reachable only from here
};
constexpr UnnestedFunction kUnnestedFunctions[] = {
    {"regexp_split_to_table", "regexp_split_to_array"},
    {"string_to_table", "string_to_array"},
    {"json_array_elements", "json_array_elements"},
    {"jsonb_array_elements", "jsonb_array_elements"},
    {"json_array_elements_text", "json_array_elements_text"},
    {"jsonb_array_elements_text", "jsonb_array_elements_text"},
    {"json_object_keys", "json_object_keys"},
    {"jsonb_object_keys", "jsonb_object_keys"},
};

// json[b]_each[_text]: two columns (key, value), so FROM only. The name as a static
// string (a SetFunctionCall's sql_name), or null.
const char* EachFunction(const std::string& name) {
  for (const char* each : {"json_each", "jsonb_each", "json_each_text", "jsonb_each_text"}) {
    if (name == each) return each;
  }
  return nullptr;
}
bool IsEachFunction(const std::string& name) { return EachFunction(name) != nullptr; }

const UnnestedFunction* FindUnnested(const std::string& name) {
  for (const UnnestedFunction& f : kUnnestedFunctions) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

}  // namespace

bool IsSetFunctionCall(const ast::Expr& e) {
  if (e.kind != ast::ExprKind::kFunc || e.over != nullptr || e.names.empty()) return false;
  if (e.names.size() > 2 || (e.names.size() == 2 && e.names[0] != "pg_catalog")) return false;
  const std::string& name = e.names.back();
  return name == "generate_series" || name == "generate_subscripts" || name == "unnest" || FindUnnested(name) != nullptr ||
         IsEachFunction(name);
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
  RenumberPlaceholders(e, ExprBinder::kSetColumnBase, ExprBinder::kGroupSubqueryBase, columns);
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
  const std::string& name = e.names.back();
  if (name == "unnest") {
    if (types.size() != 1 || types[0].id != TypeId::kArray) return UndefinedFunction("unnest", types, e.position);
    call.function = SetFunction::kUnnest;
    call.sql_name = "unnest";
    call.type = Type(types[0].element);
    call.args = std::move(*args);
    return call;
  }
  if (const UnnestedFunction* f = FindUnnested(name)) {
    auto array = CallFunction(f->array_function, std::move(*args), e.position);
    if (!array.ok()) {
      if (SqlStateOf(array.status()) == sqlstate::kUndefinedFunction) return UndefinedFunction(f->name, types, e.position);
      return array.status();
    }
    QUANTA_ASSERT((*array)->type.id == TypeId::kArray);
    (*array)->name = f->name;  // the kernel's errors name the function called
    call.function = SetFunction::kUnnest;
    call.sql_name = f->name;
    call.type = Type((*array)->type.element);
    call.args.push_back(std::move(*array));
    return call;
  }
  if (name == "generate_subscripts") return BindSubscripts(std::move(*args), types, e.position);
  if (IsEachFunction(name)) {
    return SqlError(sqlstate::kFeatureNotSupported,
                    absl::StrCat(name, "() returns records, which are supported in FROM only (SELECT * FROM ", name, "(...))"),
                    e.position);
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

absl::StatusOr<std::vector<SetFunctionCall>> ExprBinder::BindFromFunction(const ast::Expr& e, const Scope& scope,
                                                                          std::vector<std::string>* names) {
  QUANTA_ASSERT(IsSetFunctionCall(e) && names->empty());
  const std::string& name = e.names.back();
  std::vector<SetFunctionCall> calls;
  const bool several = name == "unnest" && e.args.size() > 1;
  if (!several && !IsEachFunction(name)) {
    auto call = BindSetFunction(e, scope, nullptr, "functions in FROM");
    if (!call.ok()) return call.status();
    names->push_back(name);
    calls.push_back(std::move(*call));
    return calls;
  }
  auto args = BindArgs(e.args, scope, nullptr, "functions in FROM");
  if (!args.ok()) return args.status();
  std::vector<Type> types;
  for (const BoundExprPtr& a : *args) types.push_back(a->type);
  if (several) {  // unnest(a, b, ...): ROWS FROM (unnest(a), unnest(b), ...)
    for (BoundExprPtr& a : *args) {
      if (a->type.id != TypeId::kArray) return UndefinedFunction("unnest", types, e.position);
      SetFunctionCall call;
      call.function = SetFunction::kUnnest;
      call.sql_name = "unnest";
      call.type = Type(a->type.element);
      call.args.push_back(std::move(a));
      calls.push_back(std::move(call));
      names->push_back("unnest");
    }
    return calls;
  }
  // json[b]_each[_text](doc): its keys and its values, unnested side by side.
  const bool jsonb = absl::StartsWith(name, "jsonb");
  const Type doc(jsonb ? TypeId::kJsonb : TypeId::kJson);
  if (types.size() != 1 || (types[0].id != doc.id && types[0].id != TypeId::kUnknown)) {
    return UndefinedFunction(name.c_str(), types, e.position);
  }
  const Type values = absl::EndsWith(name, "_text") ? Type::Array(TypeId::kText) : Type::Array(doc.id);
  for (const bool value_column : {false, true}) {
    auto arg = Coerce((*args)[0]->Clone(), doc, CastContext::kImplicit, e.position);
    if (!arg.ok()) return arg.status();
    BoundExprPtr array = MakeNode(BoundKind::kFunction, value_column ? values : Type::Array(TypeId::kText));
    array->kernel = JsonEachKernel(value_column);
    array->name = name;
    array->args.push_back(std::move(*arg));
    SetFunctionCall call;
    call.function = SetFunction::kUnnest;
    call.sql_name = EachFunction(name);
    call.type = Type(array->type.element);
    call.args.push_back(std::move(array));
    calls.push_back(std::move(call));
  }
  *names = {"key", "value"};
  return calls;
}

// generate_subscripts(anyarray, int4 [, bool]).
absl::StatusOr<SetFunctionCall> ExprBinder::BindSubscripts(std::vector<BoundExprPtr> args, const std::vector<Type>& types,
                                                           int position) {
  QUANTA_ASSERT(args.size() == types.size());
  if (types.size() < 2 || types.size() > 3 || types[0].id != TypeId::kArray) {
    return UndefinedFunction("generate_subscripts", types, position);
  }
  SetFunctionCall call;
  call.function = SetFunction::kSubscripts;
  call.sql_name = "generate_subscripts";
  call.type = Type(TypeId::kInt4);
  call.args.push_back(std::move(args[0]));
  for (size_t i = 1; i < args.size(); ++i) {
    const Type want(i == 1 ? TypeId::kInt4 : TypeId::kBool);
    if (!CanCast(types[i], want, CastContext::kImplicit) && types[i].id != TypeId::kUnknown) {
      return UndefinedFunction("generate_subscripts", types, position);
    }
    auto coerced = Coerce(std::move(args[i]), want, CastContext::kImplicit, position);
    if (!coerced.ok()) return coerced.status();
    call.args.push_back(std::move(*coerced));
  }
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
    const bool same = c.function == call->function && c.sql_name == call->sql_name && c.type == call->type && c.args.size() == call->args.size() &&
                      std::equal(c.args.begin(), c.args.end(), call->args.begin(),
                                 [](const BoundExprPtr& a, const BoundExprPtr& b) { return a->Equals(*b); });
    if (same) return MakeColumn(kSetColumnBase + static_cast<int>(i), c.type);
  }
  const Type type = call->type;
  sets_->push_back(std::move(*call));
  return MakeColumn(kSetColumnBase + static_cast<int>(sets_->size() - 1), type);
}

}  // namespace quanta::sql
