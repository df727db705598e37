// Function calls: scalar functions and operators written as functions, the session
// functions (current_user, version()...), and NULLIF/COALESCE/GREATEST/LEAST.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/functions.h"
#include "sql/planner/expr_binder.h"

namespace quanta::sql {
namespace {

BoundExprPtr MakeNode(BoundKind kind, Type type) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = kind;
  e->type = type;
  return e;
}

// The session's facts as constants, or null if `name` is not one of them.
BoundExprPtr SessionFunction(const std::string& name, const SessionInfo& session, size_t argc) {
  if (argc != 0) return nullptr;
  const Type text(TypeId::kText);
  if (name == "current_user" || name == "session_user" || name == "user" || name == "current_role") {
    return MakeConstant(Value::String(text, session.user));
  }
  if (name == "current_database" || name == "current_catalog") return MakeConstant(Value::String(text, session.database));
  if (name == "current_schema") return MakeConstant(Value::String(text, "public"));
  if (name == "version") return MakeConstant(Value::String(text, session.version));
  return nullptr;
}

bool IsDateTimeFunction(const std::string& name) {
  return name == "now" || name == "current_timestamp" || name == "current_date" || name == "current_time" ||
         name == "localtime" || name == "localtimestamp" || name == "extract" || name == "date_part" ||
         name == "date_trunc" || name == "clock_timestamp" || name == "statement_timestamp";
}

}  // namespace

absl::StatusOr<BoundExprPtr> ExprBinder::BindFunction(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                      const char* clause) {
  const std::string name = e.names.back();
  if (e.over != nullptr) {
    return SqlError(sqlstate::kFeatureNotSupported, "window functions are not supported yet", e.position);
  }
  if (IsAggregateName(name) && e.names.size() == 1) {
    const std::string where = clause != nullptr ? clause : "this context";
    return SqlError(sqlstate::kGroupingError, absl::StrCat("aggregate functions are not allowed in ", where), e.position);
  }
  if (e.star_arg || e.distinct || e.filter != nullptr) {
    return SqlError(sqlstate::kWrongObjectType,
                    absl::StrCat(e.star_arg ? "*" : e.distinct ? "DISTINCT" : "FILTER", " specified, but ", name,
                                 " is not an aggregate function"),
                    e.position);
  }
  if (BoundExprPtr session = SessionFunction(name, session_, e.args.size())) return session;
  if (IsDateTimeFunction(name)) {
    return SqlError(sqlstate::kFeatureNotSupported, absl::StrCat("function ", name, " is not supported yet (date/time types)"),
                    e.position);
  }
  auto args = BindArgs(e.args, scope, agg, clause);
  if (!args.ok()) return args.status();
  if (name == "nullif" && args->size() == 2) {
    // NULLIF(a, b) = CASE WHEN a = b THEN NULL ELSE a END, typed as a.
    BoundExprPtr a = std::move((*args)[0]);
    auto eq = BindOperator("=", a->Clone(), std::move((*args)[1]), e.position);
    if (!eq.ok()) return eq.status();
    Type t = a->type.id == TypeId::kUnknown ? Type(TypeId::kText) : a->type;
    auto value = Coerce(std::move(a), t, CastContext::kImplicit, e.position);
    if (!value.ok()) return value.status();
    auto node = MakeNode(BoundKind::kCase, t);
    node->args.push_back(std::move(*eq));
    node->args.push_back(MakeConstant(Value::Null(t)));
    node->args.push_back(std::move(*value));
    return node;
  }
  std::vector<Type> types;
  for (const BoundExprPtr& a : *args) types.push_back(a->type);
  auto m = ResolveFunction(name, types);
  if (!m.ok()) return WithPosition(m.status(), e.position);
  const CastContext context = name == "concat" ? CastContext::kExplicit : CastContext::kImplicit;
  auto node = MakeNode(m->kind, m->result);
  node->kernel = m->kernel;
  node->name = name;
  for (size_t i = 0; i < args->size(); ++i) {
    auto c = Coerce(std::move((*args)[i]), m->arg_types[i], context, e.position);
    if (!c.ok()) return c.status();
    node->args.push_back(std::move(*c));
  }
  return node;
}

}  // namespace quanta::sql
