#include "sql/planner/expr_binder.h"

#include <algorithm>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "engine/util/strings.h"
#include "sql/common/sql_error.h"
#include "sql/execution/expression.h"
#include "sql/execution/functions.h"
#include "sql/execution/kernels.h"

namespace quanta::sql {
namespace {

// Marks an error raised because an aggregate was found where a plain expression was
// being tried (BindAggregated falls back to binding the parts).
constexpr char kAggregateHere[] = "aggregate function calls are not allowed here";

BoundExprPtr MakeFunction(const FunctionMatch& m, std::string name, std::vector<BoundExprPtr> args) {
  auto e = MakeNode(m.kind, m.result);
  e->kernel = m.kernel;
  e->name = std::move(name);
  e->args = std::move(args);
  return e;
}

bool ReferencesInput(const BoundExpr& e) {
  if (e.kind == BoundKind::kColumn) return true;
  for (const BoundExprPtr& a : e.args) {
    if (ReferencesInput(*a)) return true;
  }
  return false;
}

std::string QualifiedName(const std::vector<std::string>& names) { return absl::StrJoin(names, "."); }

}  // namespace

bool ContainsAggregate(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::kFunc && e.over == nullptr && e.names.size() == 1 && IsAggregateName(e.names[0])) {
    return true;
  }
  for (const ast::ExprPtr& a : e.args) {
    if (a != nullptr && ContainsAggregate(*a)) return true;
  }
  if (e.case_operand && ContainsAggregate(*e.case_operand)) return true;
  if (e.else_expr && ContainsAggregate(*e.else_expr)) return true;
  return false;
}

bool ContainsSubquery(const ast::Expr& e) {
  if (e.subquery != nullptr) return true;
  for (const ast::ExprPtr& a : e.args) {
    if (a != nullptr && ContainsSubquery(*a)) return true;
  }
  if (e.case_operand != nullptr && ContainsSubquery(*e.case_operand)) return true;
  if (e.else_expr != nullptr && ContainsSubquery(*e.else_expr)) return true;
  return false;
}

void RenumberPlaceholders(BoundExpr* e, int first, int limit, const std::vector<int>& columns) {
  if (e->kind == BoundKind::kColumn && e->column >= first && e->column < limit) {
    const size_t i = static_cast<size_t>(e->column - first);
    QUANTA_ASSERT(i < columns.size());
    e->column = columns[i];
  }
  for (BoundExprPtr& a : e->args) RenumberPlaceholders(a.get(), first, limit, columns);
}

void RenumberGroupSubqueryColumns(BoundExpr* e, const std::vector<int>& columns) {
  RenumberPlaceholders(e, ExprBinder::kGroupSubqueryBase, std::numeric_limits<int>::max(), columns);
}

std::string DeriveColumnName(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::kColumnRef: return e.names.back();
    case ast::ExprKind::kFunc: return e.names.empty() ? "?column?" : e.names.back();
    case ast::ExprKind::kCast: {
      const std::string inner = DeriveColumnName(*e.args[0]);
      if (inner != "?column?") return inner;
      auto type = ExprBinder::ResolveType(e.type);
      return type.ok() ? type->TypName() : "?column?";
    }
    case ast::ExprKind::kLiteral:
      if (e.literal == ast::LiteralKind::kBool) return "bool";
      if (e.has_type) {
        auto type = ExprBinder::ResolveType(e.type);
        return type.ok() ? type->TypName() : "?column?";
      }
      return "?column?";
    case ast::ExprKind::kCase: return "case";
    case ast::ExprKind::kExists: return "exists";
    case ast::ExprKind::kSubquery: {  // its (first branch's) one column's name
      const ast::SelectStmt* q = e.subquery.get();
      while (q != nullptr && q->op != ast::SetOp::kNone) q = q->left.get();
      if (q == nullptr || q->targets.empty()) return "?column?";
      const ast::SelectItem& t = q->targets[0];
      if (!t.alias.empty()) return t.alias;
      return t.expr->kind == ast::ExprKind::kStar ? "?column?" : DeriveColumnName(*t.expr);
    }
    case ast::ExprKind::kArraySubquery: return "array";
    case ast::ExprKind::kArray: return "array";
    case ast::ExprKind::kRow: return "row";
    default: return "?column?";
  }
}

absl::StatusOr<Type> ExprBinder::ResolveType(const ast::TypeName& name) {
  auto type = LookupType(name.name);
  if (!type) {
    return SqlError(sqlstate::kUndefinedObject, absl::StrCat("type \"", name.name, "\" does not exist"), name.position);
  }
  if (auto problem = ApplyTypmods(&*type, name.mods.data(), name.mods.size())) {
    return SqlError(sqlstate::kInvalidParameterValue, *problem, name.position);
  }
  if (name.array_dims > 0) {
    if (!ArrayOid(type->id)) return SqlError(sqlstate::kUndefinedObject, absl::StrCat("type \"", name.name, "[]\" does not exist"), name.position);
    return Type::Array(type->id);
  }
  return *type;
}

absl::StatusOr<BoundExprPtr> ExprBinder::Coerce(BoundExprPtr e, const Type& to, CastContext context, int position) {
  if (e->type == to) return e;
  // Dropping a typmod (numeric(15,2) to numeric, varchar(5) to varchar) changes no
  // value: relabel, as PostgreSQL's RelabelType does, instead of a per-row cast.
  if (e->kind != BoundKind::kConstant && e->type.id == to.id && e->type.element == to.element && to.typmod < 0) {
    e->type = to;
    return e;
  }
  if (e->kind == BoundKind::kParam && e->type.id == TypeId::kUnknown) {
    e->type = to;
    return e;
  }
  if (e->kind == BoundKind::kConstant) {
    auto v = CastValue(e->constant, to, context);
    if (v.ok()) return MakeConstant(std::move(*v));
    // An untyped literal's conversion fails now (PostgreSQL's analysis does it); a typed
    // constant's is folded later, so a semantic error elsewhere is reported first.
    if (e->type.id == TypeId::kUnknown || !CanCast(e->type, to, context)) return WithPosition(v.status(), position);
  }
  if (!CanCast(e->type, to, context)) {
    return SqlError(sqlstate::kCannotCoerce, absl::StrCat("cannot cast type ", e->type.Name(), " to ", to.Name()), position);
  }
  auto cast = MakeNode(BoundKind::kCast, to);
  cast->cast_context = context;
  cast->args.push_back(std::move(e));
  return cast;
}

absl::StatusOr<BoundExprPtr> ExprBinder::CoerceToBool(BoundExprPtr e, const char* what, int position) {
  if (ReturnsSet(*e)) {
    return SqlError(sqlstate::kDatatypeMismatch, absl::StrCat("argument of ", what, " must not return a set"), position);
  }
  const Type boolean(TypeId::kBool);
  if (e->type.id != TypeId::kBool && e->type.id != TypeId::kUnknown) {
    return SqlError(sqlstate::kDatatypeMismatch,
                    absl::StrCat("argument of ", what, " must be type boolean, not type ", e->type.Name()), position);
  }
  return Coerce(std::move(e), boolean, CastContext::kImplicit, position);
}

absl::StatusOr<BoundExprPtr> ExprBinder::Bind(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                              const char* clause) {
  auto bound = agg != nullptr ? BindAggregated(e, scope, agg) : BindNode(e, scope, nullptr, clause);
  if (!bound.ok()) return bound.status();
  return FoldConstants(std::move(*bound));
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindCondition(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                       const char* clause) {
  RefuseSets conditions(this, clause);  // WHERE, ON, HAVING, CHECK, FILTER: never a set
  auto bound = Bind(e, scope, agg, agg != nullptr ? nullptr : clause);
  if (!bound.ok()) return bound.status();
  return CoerceToBool(std::move(*bound), clause, e.position);
}

// After GROUP BY: aggregates become their outputs, group expressions their columns.
absl::StatusOr<BoundExprPtr> ExprBinder::BindAggregated(const ast::Expr& e, const Scope& scope, AggregationBinding* agg) {
  const bool aggregate_call = e.kind == ast::ExprKind::kFunc && e.over == nullptr && e.names.size() == 1 &&
                              IsAggregateName(e.names[0]);
  if (aggregate_call) return BindAggregateCall(e, agg);
  // A window call over the groups: its parts bind in aggregated form.
  if (e.kind == ast::ExprKind::kFunc && e.over != nullptr) return BindNode(e, scope, agg, nullptr);
  // A set-returning call runs above the aggregate: its arguments bind in aggregated form.
  // One with a subquery binds by parts too: the subquery runs over the groups.
  if (!ContainsAggregate(e) && !ContainsSetFunction(e) && !ContainsSubquery(e)) {
    auto plain = BindNode(e, *agg->input, nullptr, kAggregateHere);
    if (!plain.ok()) return plain.status();
    for (size_t i = 0; i < agg->groups.size(); ++i) {
      if (agg->groups[i]->Equals(**plain)) return MakeColumn(static_cast<int>(i), agg->groups[i]->type);
    }
    if (!ReferencesInput(**plain)) return plain;
    if (e.kind == ast::ExprKind::kColumnRef) {
      return SqlError(sqlstate::kGroupingError,
                      absl::StrCat("column \"", QualifiedName(e.names),
                                   "\" must appear in the GROUP BY clause or be used in an aggregate function"),
                      e.position);
    }
  }
  return BindNode(e, scope, agg, nullptr);  // bind the parts, each in aggregated form
}

// GROUPING(a, ...): each argument must be one of the query's group expressions.
absl::StatusOr<BoundExprPtr> ExprBinder::BindGroupingCall(const ast::Expr& e, AggregationBinding* agg) {
  constexpr size_t kMaxGroupingArgs = 31;  // the bits of an integer result
  if (e.args.empty() || e.star_arg || e.distinct || e.filter != nullptr || !e.order_within.empty()) {
    return SqlError(sqlstate::kSyntaxError, "GROUPING takes one or more grouping expressions", e.position);
  }
  if (e.args.size() > kMaxGroupingArgs) {
    return SqlError("54011", absl::StrCat("GROUPING must have fewer than 32 arguments"), e.position);
  }
  AggregateSpec spec;
  spec.kind = AggregateKind::kGrouping;
  spec.name = "grouping";
  spec.result = Type(TypeId::kInt4);
  for (const ast::ExprPtr& a : e.args) {
    auto bound = Bind(*a, *agg->input, nullptr, "GROUPING");
    if (!bound.ok()) return bound.status();
    int found = -1;
    for (size_t g = 0; g < agg->groups.size() && found < 0; ++g) {
      if (agg->groups[g]->Equals(**bound)) found = static_cast<int>(g);
    }
    if (found < 0) {
      return SqlError(sqlstate::kGroupingError,
                      "arguments to GROUPING must be grouping expressions of the associated query level", a->position);
    }
    spec.grouping_refs.push_back(found);
  }
  QUANTA_ASSERT(spec.grouping_refs.size() == e.args.size());
  agg->aggregates.push_back(std::move(spec));
  return MakeColumn(static_cast<int>(agg->groups.size() + agg->aggregates.size() - 1), Type(TypeId::kInt4));
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindAggregateCall(const ast::Expr& e, AggregationBinding* agg) {
  if (e.names[0] == "grouping") return BindGroupingCall(e, agg);
  // An aggregate whose arguments read only an enclosing query's columns belongs to that
  // query in PostgreSQL; that is refused here rather than computed over one row.
  bool reads_outer = false;
  auto call = BindOwnAggregateCall(e, agg, &reads_outer);
  if (!call.ok()) return call.status();
  if (reads_outer && agg->input->outer_used != nullptr) *agg->input->outer_used = true;
  const AggregateSpec& spec = agg->aggregates.back();
  const bool reads_input = std::any_of(spec.args.begin(), spec.args.end(), [](const BoundExprPtr& a) { return ReferencesInput(*a); }) ||
                           (spec.filter != nullptr && ReferencesInput(*spec.filter));
  if (reads_outer && !reads_input) {
    return SqlError(sqlstate::kFeatureNotSupported,
                    absl::StrCat("aggregate ", e.names[0], "() over an enclosing query's columns is not supported yet"),
                    e.position);
  }
  return call;
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindOwnAggregateCall(const ast::Expr& e, AggregationBinding* agg, bool* reads_outer) {
  Scope input = *agg->input;  // the same columns, noting outer references in *reads_outer
  input.outer_used = reads_outer;
  RefuseSets in_call(this, "aggregate function calls");
  std::vector<BoundExprPtr> args;
  std::vector<Type> types;
  for (const ast::ExprPtr& a : e.args) {
    if (ContainsAggregate(*a)) return SqlError(sqlstate::kGroupingError, "aggregate function calls cannot be nested", a->position);
    std::vector<WindowCall>* windows = windows_;
    windows_ = nullptr;  // an aggregate's argument is computed before any window
    auto bound = Bind(*a, input, nullptr, "aggregate function calls");
    windows_ = windows;
    if (!bound.ok() && SqlStateOf(bound.status()) == "42P20") {
      return SqlError(sqlstate::kGroupingError, "aggregate function calls cannot contain window function calls", a->position);
    }
    if (!bound.ok()) return bound.status();
    types.push_back((*bound)->type);
    args.push_back(std::move(*bound));
  }
  auto spec = ResolveAggregate(e.names[0], types, e.star_arg);
  if (!spec.ok()) return WithPosition(spec.status(), e.position);
  for (BoundExprPtr& a : args) {
    if (a->type.id == TypeId::kUnknown) {
      auto text = Coerce(std::move(a), Type(TypeId::kText), CastContext::kImplicit, e.position);
      if (!text.ok()) return text.status();
      a = std::move(*text);
    }
  }
  for (const ast::OrderItem& o : e.order_within) {
    auto key = Bind(*o.expr, input, nullptr, "aggregate function calls");
    if (!key.ok()) return key.status();
    if ((*key)->type.id == TypeId::kUnknown) {
      auto text = Coerce(std::move(*key), Type(TypeId::kText), CastContext::kImplicit, e.position);
      if (!text.ok()) return text.status();
      *key = std::move(*text);
    }
    const bool listed = std::any_of(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(types.size()),
                                    [&](const BoundExprPtr& a) { return a->Equals(**key); });
    if (e.distinct && !listed) {
      return SqlError(sqlstate::kInvalidColumnReference,
                      "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list", o.expr->position);
    }
    args.push_back(std::move(*key));
    spec->order.push_back(AggregateOrder{o.descending, o.nulls_first.value_or(o.descending)});
  }
  spec->args = std::move(args);
  QUANTA_ASSERT(spec->input_count() == types.size());
  spec->distinct = e.distinct;
  if (e.filter != nullptr) {
    auto filter = BindCondition(*e.filter, input, nullptr, "FILTER");
    if (!filter.ok()) return filter.status();
    spec->filter = std::move(*filter);
  }
  const Type result = spec->result;
  agg->aggregates.push_back(std::move(*spec));
  return MakeColumn(static_cast<int>(agg->groups.size() + agg->aggregates.size() - 1), result);
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindNode(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                  const char* clause) {
  switch (e.kind) {
    case ast::ExprKind::kLiteral: return BindLiteral(e);
    case ast::ExprKind::kColumnRef: return BindColumn(e, scope);
    case ast::ExprKind::kParam: return BindParam(e);
    case ast::ExprKind::kUnary: return BindUnary(e, scope, agg, clause);
    case ast::ExprKind::kBinary: return BindBinary(e, scope, agg, clause);
    case ast::ExprKind::kFunc: return BindFunction(e, scope, agg, clause);
    case ast::ExprKind::kCase: return BindCase(e, scope, agg, clause);
    case ast::ExprKind::kInList: return BindInList(e, scope, agg, clause);
    case ast::ExprKind::kLike: return BindLike(e, scope, agg, clause);
    case ast::ExprKind::kBetween: return BindBetween(e, scope, agg, clause);
    case ast::ExprKind::kIsDistinct: return BindIsDistinct(e, scope, agg, clause);
    case ast::ExprKind::kCast: {
      auto type = ResolveType(e.type);
      if (!type.ok()) return type.status();
      if (type->id == TypeId::kArray && e.args[0]->kind == ast::ExprKind::kArray && e.args[0]->args.empty()) {
        return MakeConstant(Value::String(*type, ""));  // ARRAY[]::int[]
      }
      auto arg = agg ? BindAggregated(*e.args[0], scope, agg) : BindNode(*e.args[0], scope, nullptr, clause);
      if (!arg.ok()) return arg.status();
      return Coerce(std::move(*arg), *type, CastContext::kExplicit, e.position);
    }
    case ast::ExprKind::kIsNull:
    case ast::ExprKind::kIsBool: {
      auto arg = agg ? BindAggregated(*e.args[0], scope, agg) : BindNode(*e.args[0], scope, nullptr, clause);
      if (!arg.ok()) return arg.status();
      BoundExprPtr operand = std::move(*arg);
      if (e.kind == ast::ExprKind::kIsBool) {
        auto b = CoerceToBool(std::move(operand), "IS TRUE", e.position);
        if (!b.ok()) return b.status();
        operand = std::move(*b);
      }
      auto node = MakeNode(e.kind == ast::ExprKind::kIsNull ? BoundKind::kIsNull : BoundKind::kIsBool, Type(TypeId::kBool));
      node->negated = e.negated;
      node->bool_target = e.text == "true" ? 1 : e.text == "false" ? 0 : 2;
      node->args.push_back(std::move(operand));
      return node;
    }
    case ast::ExprKind::kArray: return BindArray(e, scope, agg, clause);
    case ast::ExprKind::kSubscript: return BindSubscript(e, scope, agg, clause);
    case ast::ExprKind::kQuantified:
      if (e.subquery == nullptr) return BindQuantifiedArray(e, scope, agg, clause);
      return BindSubquery(e, scope, agg, clause);
    case ast::ExprKind::kSubquery:
    case ast::ExprKind::kExists:
    case ast::ExprKind::kArraySubquery:
    case ast::ExprKind::kInSubquery:
      return BindSubquery(e, scope, agg, clause);
    case ast::ExprKind::kStar:
      return SqlError(sqlstate::kSyntaxError, "a * is only allowed in a select list", e.position);
    case ast::ExprKind::kDefault:
      return SqlError(sqlstate::kSyntaxError, "DEFAULT is not allowed in this context", e.position);
    default:
      return SqlError(sqlstate::kFeatureNotSupported, "this kind of expression is not supported yet", e.position);
  }
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindLiteral(const ast::Expr& e) {
  switch (e.literal) {
    case ast::LiteralKind::kNull: return MakeConstant(Value::Null(Type(TypeId::kUnknown)));
    case ast::LiteralKind::kBool: return MakeConstant(Value::Bool(e.text == "true"));
    case ast::LiteralKind::kInteger: {
      int64_t v = 0;
      if (absl::SimpleAtoi(e.text, &v)) {
        const bool fits4 = v >= INT32_MIN && v <= INT32_MAX;
        return MakeConstant(Value::Int(Type(fits4 ? TypeId::kInt4 : TypeId::kInt8), v));
      }
      [[fallthrough]];
    }
    case ast::LiteralKind::kNumeric: {
      auto n = Numeric::Parse(e.text);
      if (!n.ok()) return WithPosition(n.status(), e.position);
      return MakeConstant(Value::Num(std::move(*n)));
    }
    case ast::LiteralKind::kString: {
      BoundExprPtr c = MakeConstant(Value::String(Type(TypeId::kUnknown), e.text));
      if (!e.has_type) return c;
      auto type = ResolveType(e.type);
      if (!type.ok()) return type.status();
      return Coerce(std::move(c), *type, CastContext::kExplicit, e.position);
    }
  }
  QUANTA_UNREACHABLE("literal kind");
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindColumn(const ast::Expr& e, const Scope& scope) {
  const std::string& name = e.names.back();
  const bool qualified = e.names.size() > 1;
  const std::string table = qualified ? e.names[e.names.size() - 2] : std::string();
  // An enclosing query's column (a correlated reference): the current outer row's value.
  const auto in_outer = [&](const Scope& s) {
    for (const ScopeColumn& c : s.columns) {
      if (c.name == name && (qualified ? c.table == table : !c.merged_away)) return true;
    }
    return false;
  };
  const bool here = qualified ? scope.HasTable(table) : in_outer(scope);
  if (!here) {
    for (const Scope* outer = scope.outer; outer != nullptr; outer = outer->outer) {
      if (!(qualified ? outer->HasTable(table) : in_outer(*outer))) continue;
      Scope level = *outer;
      level.outer = nullptr;
      auto column = BindColumn(e, level);
      if (!column.ok()) return column.status();
      // This level reads an outer one, and so does every level between (each is
      // correlated: it must be re-run for the outer row too).
      if (scope.outer_used != nullptr) *scope.outer_used = true;
      for (const Scope* between = scope.outer; between != outer; between = between->outer) {
        if (between->outer_used != nullptr) *between->outer_used = true;
      }
      const size_t index = static_cast<size_t>((*column)->column);
      if (outer->columns[index].ungrouped) {
        return SqlError(sqlstate::kGroupingError,
                        absl::StrCat("subquery uses ungrouped column \"", outer->columns[index].table, ".",
                                     outer->columns[index].name, "\" from outer query"),
                        e.position);
      }
      if (outer->as_join_input) {
        if (outer != scope.outer) break;  // only the level being joined with (deeper ones: not decorrelated)
        return MakeColumn(-static_cast<int>(index) - 1, outer->columns[index].type);
      }
      if (outer->values == nullptr) return MakeConstant(Value::Null(outer->columns[index].type));
      Value v = (*outer->values)[index];
      v.set_type(outer->columns[index].type);
      return MakeConstant(std::move(v));
    }
  }
  if (qualified && !scope.HasTable(table)) {
    return SqlError(sqlstate::kUndefinedTable, absl::StrCat("missing FROM-clause entry for table \"", table, "\""), e.position);
  }
  int found = -1;
  for (size_t i = 0; i < scope.columns.size(); ++i) {
    const ScopeColumn& c = scope.columns[i];
    if (c.name != name) continue;
    if (qualified ? c.table != table : c.merged_away) continue;
    if (found >= 0) {
      return SqlError(sqlstate::kAmbiguousColumn, absl::StrCat("column reference \"", name, "\" is ambiguous"), e.position);
    }
    found = static_cast<int>(i);
  }
  if (found < 0) {
    return SqlError(sqlstate::kUndefinedColumn,
                    qualified ? absl::StrCat("column ", table, ".", name, " does not exist")
                              : absl::StrCat("column \"", name, "\" does not exist"),
                    e.position);
  }
  return MakeColumn(found, scope.columns[static_cast<size_t>(found)].type);
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindParam(const ast::Expr& e) {
  auto p = MakeNode(BoundKind::kParam, Type(TypeId::kUnknown));
  p->param = e.param_index;
  if (params_ != nullptr) {
    if (params_->size() < static_cast<size_t>(e.param_index)) params_->resize(static_cast<size_t>(e.param_index));
    p->type = (*params_)[static_cast<size_t>(e.param_index) - 1];
  }
  return p;
}

absl::StatusOr<std::vector<BoundExprPtr>> ExprBinder::BindArgs(const std::vector<ast::ExprPtr>& args, const Scope& scope,
                                                               AggregationBinding* agg, const char* clause) {
  std::vector<BoundExprPtr> out;
  for (const ast::ExprPtr& a : args) {
    auto bound = agg ? BindAggregated(*a, scope, agg) : BindNode(*a, scope, nullptr, clause);
    if (!bound.ok()) return bound.status();
    out.push_back(std::move(*bound));
  }
  return out;
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindUnary(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                   const char* clause) {
  auto args = BindArgs(e.args, scope, agg, clause);
  if (!args.ok()) return args.status();
  BoundExprPtr arg = std::move((*args)[0]);
  if (e.text == "not") {
    auto b = CoerceToBool(std::move(arg), "NOT", e.position);
    if (!b.ok()) return b.status();
    auto node = MakeNode(BoundKind::kNot, Type(TypeId::kBool));
    node->args.push_back(std::move(*b));
    return node;
  }
  if (e.text == "+" && arg->type.is_numeric_category()) return arg;
  auto m = ResolveUnaryOperator(e.text, arg->type);
  if (!m.ok()) return WithPosition(m.status(), e.position);
  auto coerced = Coerce(std::move(arg), m->arg_types[0], CastContext::kImplicit, e.position);
  if (!coerced.ok()) return coerced.status();
  std::vector<BoundExprPtr> fargs;
  fargs.push_back(std::move(*coerced));
  return MakeFunction(*m, e.text, std::move(fargs));
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindOperator(const std::string& op, BoundExprPtr l, BoundExprPtr r,
                                                      int position) {
  auto m = ResolveBinaryOperator(op, l->type, r->type);
  if (!m.ok()) return WithPosition(m.status(), position);
  const CastContext context = op == "||" ? CastContext::kExplicit : CastContext::kImplicit;
  auto lc = Coerce(std::move(l), m->arg_types[0], context, position);
  if (!lc.ok()) return lc.status();
  auto rc = Coerce(std::move(r), m->arg_types[1], context, position);
  if (!rc.ok()) return rc.status();
  std::vector<BoundExprPtr> args;
  args.push_back(std::move(*lc));
  args.push_back(std::move(*rc));
  return MakeFunction(*m, op, std::move(args));
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindBinary(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                    const char* clause) {
  auto args = BindArgs(e.args, scope, agg, clause);
  if (!args.ok()) return args.status();
  if (e.text == "and" || e.text == "or") {
    const char* what = e.text == "and" ? "AND" : "OR";
    auto node = MakeNode(e.text == "and" ? BoundKind::kAnd : BoundKind::kOr, Type(TypeId::kBool));
    for (BoundExprPtr& a : *args) {
      auto b = CoerceToBool(std::move(a), what, e.position);
      if (!b.ok()) return b.status();
      node->args.push_back(std::move(*b));
    }
    return node;
  }
  return BindOperator(e.text, std::move((*args)[0]), std::move((*args)[1]), e.position);
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindBetween(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                     const char* clause) {
  auto args = BindArgs(e.args, scope, agg, clause);
  if (!args.ok()) return args.status();
  auto& a = *args;
  const auto range = [&](const BoundExpr& low, const BoundExpr& high) -> absl::StatusOr<BoundExprPtr> {
    auto ge = BindOperator(">=", a[0]->Clone(), low.Clone(), e.position);
    if (!ge.ok()) return ge.status();
    auto le = BindOperator("<=", a[0]->Clone(), high.Clone(), e.position);
    if (!le.ok()) return le.status();
    auto both = MakeNode(BoundKind::kAnd, Type(TypeId::kBool));
    both->args.push_back(std::move(*ge));
    both->args.push_back(std::move(*le));
    return both;
  };
  auto result = range(*a[1], *a[2]);
  if (!result.ok()) return result.status();
  if (e.symmetric) {
    auto swapped = range(*a[2], *a[1]);
    if (!swapped.ok()) return swapped.status();
    auto either = MakeNode(BoundKind::kOr, Type(TypeId::kBool));
    either->args.push_back(std::move(*result));
    either->args.push_back(std::move(*swapped));
    result = std::move(either);
  }
  if (!e.negated) return result;
  auto negation = MakeNode(BoundKind::kNot, Type(TypeId::kBool));
  negation->args.push_back(std::move(*result));
  return negation;
}

// a IS DISTINCT FROM b = CASE WHEN a IS NULL THEN b IS NOT NULL WHEN b IS NULL THEN
// true ELSE a <> b END (IS NOT DISTINCT FROM: its negation, never NULL).
absl::StatusOr<BoundExprPtr> ExprBinder::BindIsDistinct(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                        const char* clause) {
  auto args = BindArgs(e.args, scope, agg, clause);
  if (!args.ok()) return args.status();
  auto& a = *args;
  auto differs = BindOperator("<>", a[0]->Clone(), a[1]->Clone(), e.position);
  if (!differs.ok()) return differs.status();
  const auto is_null = [](BoundExprPtr x, bool negated) {
    auto n = MakeNode(BoundKind::kIsNull, Type(TypeId::kBool));
    n->negated = negated;
    n->args.push_back(std::move(x));
    return n;
  };
  auto node = MakeNode(BoundKind::kCase, Type(TypeId::kBool));
  node->args.push_back(is_null(a[0]->Clone(), false));
  node->args.push_back(is_null(a[1]->Clone(), true));
  node->args.push_back(is_null(a[1]->Clone(), false));
  node->args.push_back(MakeConstant(Value::Bool(true)));
  node->args.push_back(std::move(*differs));
  if (!e.negated) return node;
  auto negation = MakeNode(BoundKind::kNot, Type(TypeId::kBool));
  negation->args.push_back(std::move(node));
  return negation;
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindInList(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                    const char* clause) {
  auto args = BindArgs(e.args, scope, agg, clause);
  if (!args.ok()) return args.status();
  std::vector<Type> types;
  for (const BoundExprPtr& a : *args) types.push_back(a->type);
  auto common = CommonType(types, "IN");
  if (!common.ok()) return WithPosition(common.status(), e.position);
  auto node = MakeNode(BoundKind::kInList, Type(TypeId::kBool));
  node->negated = e.negated;
  for (BoundExprPtr& a : *args) {
    auto c = Coerce(std::move(a), *common, CastContext::kImplicit, e.position);
    if (!c.ok()) return c.status();
    node->args.push_back(std::move(*c));
  }
  auto eq = ResolveBinaryOperator("=", *common, *common);
  if (!eq.ok()) return WithPosition(eq.status(), e.position);
  node->compare = eq->kernel;
  return node;
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindLike(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                  const char* clause) {
  auto args = BindArgs(e.args, scope, agg, clause);
  if (!args.ok()) return args.status();
  std::vector<BoundExprPtr> text_args;
  for (BoundExprPtr& a : *args) {
    if (!a->type.is_string() && a->type.id != TypeId::kUnknown) {
      return SqlError(sqlstate::kUndefinedFunction,
                      absl::StrCat("operator does not exist: ", (*args)[0]->type.Name(), e.text == "ilike" ? " ~~* " : " ~~ ",
                                   (*args)[1]->type.Name()),
                      e.position);
    }
    auto t = Coerce(std::move(a), Type(TypeId::kText), CastContext::kImplicit, e.position);
    if (!t.ok()) return t.status();
    text_args.push_back(std::move(*t));
  }
  auto node = MakeNode(BoundKind::kFunction, Type(TypeId::kBool));
  node->kernel = e.text == "similar" ? SimilarKernel() : LikeKernel(e.text == "ilike");
  node->name = e.text;
  node->args = std::move(text_args);
  if (!e.negated) return node;
  auto negation = MakeNode(BoundKind::kNot, Type(TypeId::kBool));
  negation->args.push_back(std::move(node));
  return negation;
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindCase(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                  const char* clause) {
  RefuseSets in_case(this, "CASE");
  BoundExprPtr operand;
  if (e.case_operand) {
    auto bound = agg ? BindAggregated(*e.case_operand, scope, agg) : BindNode(*e.case_operand, scope, nullptr, clause);
    if (!bound.ok()) return bound.status();
    operand = std::move(*bound);
  }
  std::vector<BoundExprPtr> conditions, results;
  for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
    auto when = agg ? BindAggregated(*e.args[i], scope, agg) : BindNode(*e.args[i], scope, nullptr, clause);
    if (!when.ok()) return when.status();
    BoundExprPtr condition = std::move(*when);
    if (operand != nullptr) {
      auto eq = BindOperator("=", operand->Clone(), std::move(condition), e.args[i]->position);
      if (!eq.ok()) return eq.status();
      condition = std::move(*eq);
    }
    auto b = CoerceToBool(std::move(condition), "CASE/WHEN", e.args[i]->position);
    if (!b.ok()) return b.status();
    conditions.push_back(std::move(*b));
    auto then = agg ? BindAggregated(*e.args[i + 1], scope, agg) : BindNode(*e.args[i + 1], scope, nullptr, clause);
    if (!then.ok()) return then.status();
    results.push_back(std::move(*then));
  }
  if (e.else_expr) {
    auto otherwise = agg ? BindAggregated(*e.else_expr, scope, agg) : BindNode(*e.else_expr, scope, nullptr, clause);
    if (!otherwise.ok()) return otherwise.status();
    results.push_back(std::move(*otherwise));
  } else {
    results.push_back(MakeConstant(Value::Null(Type(TypeId::kUnknown))));
  }
  std::vector<Type> types;
  for (const BoundExprPtr& r : results) types.push_back(r->type);
  auto common = CommonType(types, "CASE");
  if (!common.ok()) return WithPosition(common.status(), e.position);
  auto node = MakeNode(BoundKind::kCase, *common);
  for (size_t i = 0; i < results.size(); ++i) {
    auto r = Coerce(std::move(results[i]), *common, CastContext::kImplicit, e.position);
    if (!r.ok()) return r.status();
    if (i < conditions.size()) node->args.push_back(std::move(conditions[i]));
    node->args.push_back(std::move(*r));
  }
  return node;
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindSubquery(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                      const char* clause) {
  // Over the groups, a subquery's outer level is the input with its ungrouped columns
  // flagged; elsewhere it is the input row.
  SubquerySink* sink = agg != nullptr ? agg->sink : sink_;
  if (sink == nullptr) {
    return SqlError(sqlstate::kFeatureNotSupported,
                    absl::StrCat("subqueries are not supported in ", clause ? clause : "this context", " yet"), e.position);
  }
  QUANTA_ASSERT(agg == nullptr || agg->grouped.columns.size() == agg->input->columns.size());
  const Scope& outer = agg != nullptr ? agg->grouped : scope;
  QUANTA_ASSERT(e.subquery != nullptr);
  SubqueryEntry entry;
  entry.query = e.subquery.get();
  auto types = sink->validate(*e.subquery, outer, &entry.correlated);
  if (!types.ok()) return types.status();
  if (e.kind != ast::ExprKind::kExists && types->size() != 1) {
    // PostgreSQL's words: a scalar or ARRAY subquery "must return only one column"; one
    // compared with IN/ANY/ALL has too many or too few.
    const bool compared = e.kind != ast::ExprKind::kSubquery && e.kind != ast::ExprKind::kArraySubquery;
    const char* message = !compared              ? "subquery must return only one column"
                          : types->size() > 1 ? "subquery has too many columns"
                                              : "subquery has too few columns";
    return SqlError(sqlstate::kSyntaxError, message, e.position);
  }
  switch (e.kind) {
    case ast::ExprKind::kSubquery:
      entry.kind = SubqueryEntry::Kind::kScalar;
      entry.type = (*types)[0].id == TypeId::kUnknown ? Type(TypeId::kText) : (*types)[0];
      break;
    case ast::ExprKind::kExists:
      entry.kind = SubqueryEntry::Kind::kExists;
      entry.type = Type(TypeId::kBool);
      break;
    case ast::ExprKind::kArraySubquery: {
      const Type element = (*types)[0].id == TypeId::kUnknown ? Type(TypeId::kText) : (*types)[0];
      if (element.id == TypeId::kArray) {
        return SqlError(sqlstate::kFeatureNotSupported, "multidimensional arrays are not supported yet", e.position);
      }
      if (!ArrayOid(element.id)) {
        return SqlError(sqlstate::kUndefinedObject, absl::StrCat("could not find array type for data type ", element.Name()),
                        e.position);
      }
      entry.kind = SubqueryEntry::Kind::kArray;
      entry.element_type = element;
      entry.type = Type::Array(element.id);
      break;
    }
    default: {
      entry.kind = e.kind == ast::ExprKind::kQuantified && e.text == "all" ? SubqueryEntry::Kind::kAll : SubqueryEntry::Kind::kAny;
      entry.negated = e.kind == ast::ExprKind::kInSubquery && e.negated;
      entry.type = Type(TypeId::kBool);
      auto needle = agg != nullptr ? BindAggregated(*e.args[0], scope, agg) : BindNode(*e.args[0], scope, nullptr, clause);
      if (!needle.ok()) return needle.status();
      const std::string op = e.kind == ast::ExprKind::kInSubquery ? "=" : e.op;
      const Type element = (*types)[0].id == TypeId::kUnknown ? Type(TypeId::kText) : (*types)[0];
      auto m = ResolveBinaryOperator(op, (*needle)->type, element);
      if (!m.ok()) return WithPosition(m.status(), e.position);
      auto coerced = Coerce(std::move(*needle), m->arg_types[0], CastContext::kImplicit, e.position);
      if (!coerced.ok()) return coerced.status();
      entry.needle = FoldConstants(std::move(*coerced));
      entry.compare = m->kernel;
      entry.element_type = m->arg_types[1];
      break;
    }
  }
  const Type type = entry.type;
  sink->entries.push_back(std::move(entry));
  return MakeColumn(static_cast<int>(sink->base + sink->entries.size() - 1), type);
}

BoundExprPtr FoldConstants(BoundExprPtr e) {
  if (e->kind == BoundKind::kConstant || e->kind == BoundKind::kColumn || e->kind == BoundKind::kParam) return e;
  if (e->kind == BoundKind::kSequence || e->kind == BoundKind::kClock) return e;  // volatile / the statement's time
  bool all_constant = true;
  for (BoundExprPtr& a : e->args) {
    a = FoldConstants(std::move(a));
    all_constant = all_constant && a->kind == BoundKind::kConstant;
  }
  if (!all_constant) return e;
  EvalContext ctx;
  auto v = EvaluateConstant(*e, ctx);
  if (!v.ok()) return e;  // raised at execution, only if a row reaches it
  Value value = std::move(*v);
  value.set_type(e->type);
  return MakeConstant(std::move(value));
}

}  // namespace quanta::sql
