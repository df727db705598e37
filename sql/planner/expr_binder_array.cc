// Array expressions: ARRAY[...] constructors, subscripts and x op ANY|ALL (array).
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/functions.h"
#include "sql/execution/kernels.h"
#include "sql/planner/expr_binder.h"

namespace quanta::sql {

absl::StatusOr<BoundExprPtr> ExprBinder::BindArray(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                   const char* clause) {
  if (e.args.empty()) {
    return SqlError("42P18", "cannot determine type of empty array", e.position,
                    "Explicitly cast to the desired type, for example ARRAY[]::integer[].");
  }
  auto args = BindArgs(e.args, scope, agg, clause);
  if (!args.ok()) return args.status();
  std::vector<Type> types;
  for (const BoundExprPtr& a : *args) {
    if (a->type.id == TypeId::kArray) {
      return SqlError(sqlstate::kFeatureNotSupported, "multidimensional arrays are not supported yet", e.position);
    }
    types.push_back(a->type);
  }
  auto common = CommonType(types, "ARRAY");
  if (!common.ok()) return WithPosition(common.status(), e.position);
  if (!ArrayOid(common->id)) {
    return SqlError(sqlstate::kUndefinedObject, absl::StrCat("could not find array type for data type ", common->Name()), e.position);
  }
  auto node = MakeNode(BoundKind::kFunction, Type::Array(common->id));
  node->kernel = ArrayConstructKernel();
  node->name = "array";
  for (BoundExprPtr& a : *args) {
    auto c = Coerce(std::move(a), Type(common->id), CastContext::kImplicit, e.position);
    if (!c.ok()) return c.status();
    node->args.push_back(std::move(*c));
  }
  QUANTA_ASSERT(node->args.size() == e.args.size());
  return node;
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindSubscript(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                       const char* clause) {
  QUANTA_ASSERT(e.args.size() == 2);
  auto args = BindArgs(e.args, scope, agg, clause);
  if (!args.ok()) return args.status();
  const Type base = (*args)[0]->type;
  if (base.id != TypeId::kArray) {
    return SqlError(sqlstate::kDatatypeMismatch,
                    absl::StrCat("cannot subscript type ", base.Name(), " because it does not support subscripting"),
                    e.position);
  }
  const Type index = (*args)[1]->type;
  if (!index.is_integer() && index.id != TypeId::kUnknown) {
    return SqlError(sqlstate::kDatatypeMismatch, "array subscript must have type integer", e.args[1]->position);
  }
  auto i = Coerce(std::move((*args)[1]), Type(TypeId::kInt8), CastContext::kImplicit, e.position);
  if (!i.ok()) return i.status();
  auto node = MakeNode(BoundKind::kFunction, Type(base.element));
  node->kernel = ArraySubscriptKernel();
  node->name = "subscript";
  node->args.push_back(std::move((*args)[0]));
  node->args.push_back(std::move(*i));
  return node;
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindQuantifiedArray(const ast::Expr& e, const Scope& scope,
                                                             AggregationBinding* agg, const char* clause) {
  QUANTA_ASSERT(e.subquery == nullptr && e.args.size() == 2);
  const bool all = e.text == "all";
  auto args = BindArgs(e.args, scope, agg, clause);
  if (!args.ok()) return args.status();
  BoundExprPtr needle = std::move((*args)[0]);
  BoundExprPtr array = std::move((*args)[1]);
  if (array->type.id == TypeId::kUnknown) {
    const Type element = needle->type.id == TypeId::kUnknown ? Type(TypeId::kText) : Type(needle->type.id);
    auto typed = Coerce(std::move(array), Type::Array(element.id), CastContext::kImplicit, e.position);
    if (!typed.ok()) return typed.status();
    array = std::move(*typed);
  }
  if (array->type.id != TypeId::kArray) {
    return SqlError(sqlstate::kWrongObjectType, absl::StrCat("op ", all ? "ALL" : "ANY", "/", all ? "ALL" : "SOME",
                                                             " (array) requires array on right side"), e.position);
  }
  const std::string op = e.op == "!=" ? "<>" : e.op;
  const bool comparison = op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=";
  if (!comparison) {
    return SqlError(sqlstate::kFeatureNotSupported,
                    absl::StrCat("operator ", op, " with ANY/ALL (array) is not supported yet"), e.position);
  }
  auto m = ResolveBinaryOperator(op, needle->type, Type(array->type.element));
  if (!m.ok()) return WithPosition(m.status(), e.position);
  if (StorageOf(m->arg_types[0]) != StorageOf(m->arg_types[1]) || m->arg_types[0].id == TypeId::kArray) {
    return SqlError(sqlstate::kFeatureNotSupported,
                    absl::StrCat("operator ", op, " with ANY/ALL (array) is not supported for these types yet"), e.position);
  }
  auto n = Coerce(std::move(needle), m->arg_types[0], CastContext::kImplicit, e.position);
  if (!n.ok()) return n.status();
  auto a = Coerce(std::move(array), Type::Array(m->arg_types[1].id), CastContext::kImplicit, e.position);
  if (!a.ok()) return a.status();
  auto node = MakeNode(BoundKind::kFunction, Type(TypeId::kBool));
  node->kernel = ArrayQuantifiedKernel();
  node->name = op;
  node->negated = all;
  node->args.push_back(std::move(*n));
  node->args.push_back(std::move(*a));
  return node;
}

}  // namespace quanta::sql
