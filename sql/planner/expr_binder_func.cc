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

bool IsSequenceFunction(const std::string& name) {
  return name == "nextval" || name == "currval" || name == "setval" || name == "lastval";
}

// A sequence function's name argument: `'s'::regclass` is written by serial columns'
// defaults (and by pg_dump); regclass is not a type here, so the cast is dropped.
const ast::Expr& SequenceNameArg(const ast::Expr& arg) {
  if (arg.kind == ast::ExprKind::kCast && arg.type.name == "regclass" && !arg.args.empty()) return *arg.args[0];
  return arg;
}

// now() and its family: the statement's start time as a kClock node; null if `name`
// is not one of them.
absl::StatusOr<BoundExprPtr> ClockFunction(const std::string& name, size_t argc, int position) {
  if (argc != 0) return BoundExprPtr();
  TypeId type;
  if (name == "now" || name == "current_timestamp" || name == "transaction_timestamp" || name == "statement_timestamp" ||
      name == "clock_timestamp") {
    type = TypeId::kTimestampTz;
  } else if (name == "current_date") {
    type = TypeId::kDate;
  } else if (name == "localtimestamp") {
    type = TypeId::kTimestamp;
  } else if (name == "localtime") {
    type = TypeId::kTime;
  } else if (name == "current_time") {
    return SqlError(sqlstate::kFeatureNotSupported, "type time with time zone is not supported", position);
  } else {
    return BoundExprPtr();
  }
  auto node = MakeNode(BoundKind::kClock, Type(type));
  node->name = name;
  return node;
}

}  // namespace

absl::StatusOr<BoundExprPtr> ExprBinder::BindSequenceCall(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                          const char* clause) {
  const std::string name = e.names.back();
  const size_t want_min = name == "lastval" ? 0 : name == "setval" ? 2 : 1;
  const size_t want_max = name == "setval" ? 3 : want_min;
  auto node = MakeNode(BoundKind::kSequence, Type(TypeId::kInt8));
  node->name = name;
  std::vector<Type> types;
  for (size_t i = 0; i < e.args.size(); ++i) {
    auto bound = Bind(i == 0 ? SequenceNameArg(*e.args[i]) : *e.args[i], scope, agg, clause);
    if (!bound.ok()) return bound.status();
    types.push_back((*bound)->type);
    node->args.push_back(std::move(*bound));
  }
  const Type targets[] = {Type(TypeId::kText), Type(TypeId::kInt8), Type(TypeId::kBool)};
  bool fits = e.args.size() >= want_min && e.args.size() <= want_max;
  for (size_t i = 0; fits && i < node->args.size(); ++i) {
    const Type& t = node->args[i]->type;
    fits = t.id == TypeId::kUnknown || CanCast(t, targets[i], CastContext::kImplicit);
  }
  if (!fits) {
    std::vector<std::string> names;
    for (const Type& t : types) names.push_back(t.id == TypeId::kUnknown ? "unknown" : t.Name());
    return SqlError(sqlstate::kUndefinedFunction,
                    absl::StrCat("function ", name, "(", absl::StrJoin(names, ", "), ") does not exist"), e.position);
  }
  for (size_t i = 0; i < node->args.size(); ++i) {
    auto coerced = Coerce(std::move(node->args[i]), targets[i], CastContext::kImplicit, e.position);
    if (!coerced.ok()) return coerced.status();
    node->args[i] = std::move(*coerced);
  }
  return node;
}

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
  if (IsSequenceFunction(name)) return BindSequenceCall(e, scope, agg, clause);
  auto clock = ClockFunction(name, e.args.size(), e.position);
  if (!clock.ok()) return clock.status();
  if (*clock != nullptr) return std::move(*clock);
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
