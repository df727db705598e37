#include "sql/planner/planner.h"

#include "sql/planner/lateral_operator.h"

#include "sql/parser/parser.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/aggregate.h"
#include "sql/execution/functions.h"
#include "sql/execution/operators.h"
#include "sql/execution/set_function.h"
#include "sql/execution/hash_join.h"
#include "sql/execution/table_scan.h"
#include "sql/planner/apply_operator.h"
#include "sql/planner/lateral_operator.h"

namespace quanta::sql {
namespace {

bool IsOrdinal(const ast::Expr& e) { return e.kind == ast::ExprKind::kLiteral && e.literal == ast::LiteralKind::kInteger; }

}  // namespace

absl::StatusOr<OperatorPtr> CoerceOutput(OperatorPtr op, const std::vector<Type>* types, CastContext context) {
  const std::vector<Type> in = op->types();
  bool needed = false;
  std::vector<BoundExprPtr> exprs;
  for (size_t i = 0; i < in.size(); ++i) {
    Type want = types != nullptr ? (*types)[i] : (in[i].id == TypeId::kUnknown ? Type(TypeId::kText) : in[i]);
    auto e = ExprBinder::Coerce(MakeColumn(static_cast<int>(i), in[i]), want, context, 0);
    if (!e.ok()) return e.status();
    needed = needed || !(in[i] == want);
    exprs.push_back(std::move(*e));
  }
  if (!needed) return op;
  return OperatorPtr(std::make_unique<ProjectOperator>(std::move(op), std::move(exprs)));
}

namespace {

// A scope and its enclosing levels, copied (with their row values) so that a subquery
// can be planned after the planner that found it is gone.
struct OwnedScopes {
  std::vector<std::unique_ptr<Scope>> levels;
  std::vector<std::unique_ptr<std::vector<Value>>> values;
};

std::shared_ptr<OwnedScopes> CopyChain(const Scope& scope) {
  auto owned = std::make_shared<OwnedScopes>();
  for (const Scope* s = &scope; s != nullptr; s = s->outer) {
    auto copy = std::make_unique<Scope>(*s);
    copy->outer_used = nullptr;
    if (s->values != nullptr) {
      owned->values.push_back(std::make_unique<std::vector<Value>>(*s->values));
      copy->values = owned->values.back().get();
    }
    if (!owned->levels.empty()) owned->levels.back()->outer = copy.get();
    owned->levels.push_back(std::move(copy));
  }
  if (!owned->levels.empty()) owned->levels.back()->outer = nullptr;
  return owned;
}

}  // namespace

SubquerySink Planner::MakeSink(size_t base) {
  SubquerySink sink;
  sink.base = base;
  sink.validate = [this](const ast::SelectStmt& query, const Scope& outer, bool* correlated) -> absl::StatusOr<std::vector<Type>> {
    Scope level = outer;
    level.values = nullptr;  // outer names bind as NULLs of their types while validating
    // (level.outer_used stays: a name the subquery finds further out makes `outer`'s
    // own query correlated too.)
    bool used = false;
    Planner sub(*this, &level, &used);
    auto plan = sub.PlanQuery(query);
    if (!plan.ok()) return plan.status();
    *correlated = used;
    return plan->types();
  };
  return sink;
}

OperatorPtr Planner::WrapApply(OperatorPtr op, SubquerySink sink, const Scope& scope) {
  std::vector<int> identity(scope.columns.size());
  for (size_t i = 0; i < identity.size(); ++i) identity[i] = static_cast<int>(i);
  return WrapApply(std::move(op), std::move(sink), scope, std::move(identity));
}

OperatorPtr Planner::WrapApply(OperatorPtr op, SubquerySink sink, const Scope& scope, std::vector<int> outer_columns) {
  if (sink.entries.empty()) return op;
  QUANTA_ASSERT(outer_columns.size() == scope.columns.size());
  std::shared_ptr<OwnedScopes> chain = CopyChain(scope);
  const CatalogSnapshot* catalog = &catalog_;
  DataAccess* access = &access_;
  const SessionInfo* session = &session_;
  std::vector<Type>* params = params_;
  const CteStack ctes = ctes_;
  auto plan = [chain, catalog, access, session, params, ctes](const SubqueryEntry& entry,
                                                              const std::vector<Value>& outer_row) -> absl::StatusOr<OperatorPtr> {
    Scope level = *chain->levels.front();
    level.values = entry.correlated ? &outer_row : nullptr;
    Planner sub(*catalog, *access, *session, params);
    sub.ctes_ = ctes;
    sub.set_outer(&level);
    auto planned = sub.PlanQuery(*entry.query);
    if (!planned.ok()) return planned.status();
    if (entry.kind == SubqueryEntry::Kind::kAny || entry.kind == SubqueryEntry::Kind::kAll) {
      const std::vector<Type> want = {entry.element_type};
      return CoerceOutput(std::move(planned->root), &want, CastContext::kImplicit);
    }
    return CoerceOutput(std::move(planned->root), nullptr, CastContext::kImplicit);
  };
  return std::make_unique<ApplyOperator>(std::move(op), std::move(sink.entries), std::move(outer_columns), std::move(plan));
}

namespace {

// A view's plan: the operators of its query, with the parsed query they point into.
class ViewOperator : public Operator {
 public:
  ViewOperator(std::string name, std::unique_ptr<std::vector<ast::Statement>> query, OperatorPtr child)
      : Operator(child->types()), name_(std::move(name)), query_(std::move(query)), child_(std::move(child)) {}
  std::string Describe() const override { return "Subquery Scan on " + name_; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }

 protected:
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override { return child_->Next(ctx, out); }

 private:
  std::string name_;
  std::unique_ptr<std::vector<ast::Statement>> query_;  // owned: subquery plans refer to it
  OperatorPtr child_;
};

}  // namespace

absl::StatusOr<OperatorPtr> Planner::PlanFunctionScan(const ast::TableRef& ref, std::vector<std::string>* names) {
  const ast::Expr& call = *ref.function;
  Scope none;  // arguments read constants and, LATERAL, outer columns
  none.outer = outer_;
  none.outer_used = used_flag_;
  if (!IsSetFunctionCall(call)) {
    // A scalar function in FROM: one row holding its value, as in PostgreSQL.
    auto value = binder_.Bind(call, none, nullptr, "functions in FROM");
    if (!value.ok()) return value.status();
    std::vector<BoundExprPtr> row;
    row.push_back(std::move(*value));
    names->push_back(call.names.back());
    if (ref.with_ordinality) {
      row.push_back(MakeConstant(Value::Int(Type(TypeId::kInt8), 1)));
      names->push_back("ordinality");
    }
    return OperatorPtr(std::make_unique<ProjectOperator>(std::make_unique<OneRowOperator>(), std::move(row)));
  }
  auto bound = binder_.BindFromFunction(call, none, names);
  if (!bound.ok()) return bound.status();
  QUANTA_ASSERT(bound->size() == names->size());
  if (ref.with_ordinality) names->push_back("ordinality");
  return OperatorPtr(std::make_unique<FunctionScanOperator>(std::move(*bound), ref.with_ordinality));
}

absl::StatusOr<OperatorPtr> Planner::PlanView(const ViewDef& view, int position) {
  if (view_depth_ >= kMaxViewDepth) {
    return SqlError(sqlstate::kStatementTooComplex,
                    absl::StrCat("views nest more than ", kMaxViewDepth, " deep at view \"", view.name, "\""), position);
  }
  auto parsed = Parse(view.sql);
  if (!parsed.ok() || parsed->size() != 1 || (*parsed)[0].kind != ast::Statement::Kind::kSelect) {
    return absl::DataLossError(absl::StrCat("catalog: view ", view.name, " does not parse"));
  }
  auto query = std::make_unique<std::vector<ast::Statement>>(std::move(*parsed));
  Planner sub(catalog_, access_, session_, params_);
  sub.view_depth_ = view_depth_ + 1;
  auto plan = sub.PlanQuery(*(*query)[0].select);
  if (!plan.ok()) return plan.status();
  // The columns as the view was created (a table it reads may have changed since).
  if (plan->types().size() != view.columns.size()) {
    return SqlError(sqlstate::kFeatureNotSupported,
                    absl::StrCat("view \"", view.name, "\" no longer matches the tables it reads; re-create it"), position);
  }
  auto coerced = CoerceOutput(std::move(plan->root), &view.types, CastContext::kExplicit);
  if (!coerced.ok()) return coerced.status();
  return OperatorPtr(std::make_unique<ViewOperator>(view.name, std::move(query), std::move(*coerced)));
}

absl::StatusOr<const TableDef*> Planner::FindTable(const std::vector<std::string>& names, int position) const {
  const std::string schema = catalog_.LookupSchema(names, session_.search_path);
  const TableDef* table = catalog_.FindTable(schema, names.back());
  if (table == nullptr && catalog_.FindView(schema, names.back()) != nullptr) {
    return SqlError("55000", absl::StrCat("cannot modify view \"", names.back(), "\": views are not updatable yet"), position);
  }
  if (table == nullptr) {
    return SqlError(sqlstate::kUndefinedTable, absl::StrCat("relation \"", absl::StrJoin(names, "."), "\" does not exist"),
                    position);
  }
  return table;
}

absl::StatusOr<Plan> Planner::PlanQuery(const ast::SelectStmt& stmt) {
  bool pushed = false;
  if (!stmt.ctes.empty() && (ctes_.empty() || ctes_.back()->owner != &stmt)) {
    for (size_t i = 0; i < stmt.ctes.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (stmt.ctes[i].name == stmt.ctes[j].name) {
          return SqlError("42712", absl::StrCat("WITH query name \"", stmt.ctes[i].name, "\" specified more than once"),
                          stmt.position);
        }
      }
    }
    auto scope = std::make_shared<CteScope>();
    scope->owner = &stmt;
    scope->recursive = stmt.recursive;
    ctes_.push_back(std::move(scope));
    pushed = true;
  }
  absl::StatusOr<Plan> plan = PlanBody(stmt);
  if (pushed) ctes_.pop_back();
  if (plan.ok()) QUANTA_ASSERT(plan->names.size() == plan->root->types().size());
  return plan;
}

absl::StatusOr<Plan> Planner::PlanBody(const ast::SelectStmt& stmt) {
  if (stmt.op != ast::SetOp::kNone) return PlanSetOperation(stmt);
  if (!stmt.values.empty()) return PlanValues(stmt);
  return PlanSimple(stmt);
}

absl::StatusOr<std::pair<OperatorPtr, Scope>> Planner::PlanFromList(const std::vector<ast::TableRefPtr>& from) {
  QUANTA_ASSERT(!from.empty());
  auto source = PlanFrom(from);
  if (!source.ok()) return source.status();
  return std::make_pair(std::move(source->op), std::move(source->scope));
}

absl::StatusOr<Planner::Source> Planner::PlanFrom(const std::vector<ast::TableRefPtr>& from) {
  if (from.empty()) return Source{std::make_unique<OneRowOperator>(), Scope()};
  absl::StatusOr<Source> result = PlanTableRef(*from[0]);
  for (size_t i = 1; i < from.size() && result.ok(); ++i) {
    LateralPlan lateral;
    auto right = PlanRightSide(*from[i], result->scope, &lateral);
    if (!right.ok()) return right.status();
    Source joined;
    joined.scope = std::move(result->scope);
    for (ScopeColumn& c : right->scope.columns) joined.scope.columns.push_back(std::move(c));
    if (lateral) {
      joined.op = std::make_unique<LateralJoinOperator>(std::move(result->op), right->op->types(), std::move(lateral),
                                                        JoinKind::kCross, nullptr);
    } else {
      joined.op = std::make_unique<NestedLoopJoinOperator>(std::move(result->op), std::move(right->op), JoinKind::kCross, nullptr);
    }
    result = std::move(joined);
  }
  return result;
}

absl::StatusOr<Planner::Source> Planner::PlanTableRef(const ast::TableRef& ref) {
  if (ref.kind == ast::TableRef::Kind::kJoin) return PlanJoin(ref);
  Source source;
  std::string name;
  if (ref.kind == ast::TableRef::Kind::kTable && ref.names.size() == 1) {
    auto cte = PlanCteRef(ref);
    if (!cte.ok()) return cte.status();
    if (cte->has_value()) {
      source = std::move(**cte);
      name = ref.alias.empty() ? ref.names[0] : ref.alias;
      for (ScopeColumn& c : source.scope.columns) c.table = name;
    }
  }
  const ViewDef* named_view =
      source.op == nullptr && ref.kind == ast::TableRef::Kind::kTable
          ? catalog_.FindView(catalog_.LookupSchema(ref.names, session_.search_path), ref.names.back())
          : nullptr;
  if (source.op != nullptr) {
    // a CTE
  } else if (named_view != nullptr) {
    const ViewDef& view = *named_view;
    auto planned = PlanView(view, ref.position);
    if (!planned.ok()) return planned.status();
    source.op = std::move(*planned);
    name = ref.alias.empty() ? view.name : ref.alias;
    const std::vector<Type> types = source.op->types();
    QUANTA_ASSERT(types.size() == view.columns.size());
    for (size_t i = 0; i < types.size(); ++i) source.scope.columns.push_back(ScopeColumn{name, view.columns[i], types[i], false});
  } else if (ref.kind == ast::TableRef::Kind::kTable) {
    auto table = FindTable(ref.names, ref.position);
    if (!table.ok()) return table.status();
    name = ref.alias.empty() ? (*table)->name : ref.alias;
    for (const ColumnDef& c : (*table)->columns) source.scope.columns.push_back(ScopeColumn{name, c.name, c.type, false});
    auto scan = std::make_unique<TableScanOperator>(access_, **table, false);
    scan->set_alias(ref.alias);
    source.op = std::move(scan);
  } else if (ref.kind == ast::TableRef::Kind::kSubquery) {
    if (ref.alias.empty()) return SqlError(sqlstate::kSyntaxError, "subquery in FROM must have an alias", ref.position);
    auto plan = PlanQuery(*ref.subquery);
    if (!plan.ok()) return plan.status();
    auto coerced = CoerceOutput(std::move(plan->root), nullptr, CastContext::kImplicit);
    if (!coerced.ok()) return coerced.status();
    source.op = std::move(*coerced);
    name = ref.alias;
    const std::vector<Type> types = source.op->types();
    for (size_t i = 0; i < types.size(); ++i) source.scope.columns.push_back(ScopeColumn{name, plan->names[i], types[i], false});
  } else if (ref.kind == ast::TableRef::Kind::kFunction) {
    std::vector<std::string> columns;
    auto series = PlanFunctionScan(ref, &columns);
    if (!series.ok()) return series.status();
    source.op = std::move(*series);
    name = ref.alias.empty() ? ref.function->names.back() : ref.alias;
    // Columns named after the function (a function of one column: after the alias too,
    // when there is no column alias), json_each's key and value, ordinality.
    const size_t functions = columns.size() - (ref.with_ordinality ? 1 : 0);
    if (functions == 1 && !ref.alias.empty() && columns[0] == ref.function->names.back()) columns[0] = ref.alias;
    QUANTA_ASSERT(columns.size() == source.op->types().size());
    for (size_t i = 0; i < columns.size(); ++i) {
      source.scope.columns.push_back(ScopeColumn{name, columns[i], source.op->types()[i], false});
    }
  } else {
    return SqlError(sqlstate::kFeatureNotSupported, "this FROM item is not supported yet", ref.position);
  }
  if (ref.column_aliases.size() > source.scope.columns.size()) {
    return SqlError("42P10", absl::StrCat("table \"", name, "\" has ", source.scope.columns.size(), " columns available but ",
                                          ref.column_aliases.size(), " columns specified"), ref.position);
  }
  for (size_t i = 0; i < ref.column_aliases.size(); ++i) source.scope.columns[i].name = ref.column_aliases[i];
  return source;
}

// USING/NATURAL: each joined column pair becomes one column, first in the output (as
// PostgreSQL lists them): the left's for inner and left joins, the right's for right
// joins, COALESCE(left, right) for full joins. Both originals stay reachable qualified.
absl::StatusOr<Planner::Source> Planner::MergeUsingColumns(Source joined, const std::vector<std::pair<int, int>>& merged,
                                                           JoinKind kind) {
  const std::vector<Type> types = joined.op->types();
  std::vector<BoundExprPtr> exprs;
  Scope scope;
  for (const auto& [l, r] : merged) {
    const ScopeColumn& lc = joined.scope.columns[static_cast<size_t>(l)];
    const ScopeColumn& rc = joined.scope.columns[static_cast<size_t>(r)];
    auto common = CommonType({lc.type, rc.type}, "JOIN/USING");
    if (!common.ok()) return common.status();
    auto left = ExprBinder::Coerce(MakeColumn(l, lc.type), *common, CastContext::kImplicit, 0);
    auto right = ExprBinder::Coerce(MakeColumn(r, rc.type), *common, CastContext::kImplicit, 0);
    if (!left.ok()) return left.status();
    if (!right.ok()) return right.status();
    BoundExprPtr value;
    if (kind == JoinKind::kFull) {
      value = std::make_unique<BoundExpr>();
      value->kind = BoundKind::kCoalesce;
      value->type = *common;
      value->args.push_back(std::move(*left));
      value->args.push_back(std::move(*right));
    } else {
      value = kind == JoinKind::kRight ? std::move(*right) : std::move(*left);
    }
    exprs.push_back(std::move(value));
    scope.columns.push_back(ScopeColumn{"", lc.name, *common, false});
  }
  for (size_t i = 0; i < types.size(); ++i) {
    ScopeColumn c = joined.scope.columns[i];
    for (const auto& [l, r] : merged) c.merged_away = c.merged_away || static_cast<int>(i) == l || static_cast<int>(i) == r;
    exprs.push_back(MakeColumn(static_cast<int>(i), types[i]));
    scope.columns.push_back(std::move(c));
  }
  Source out;
  out.op = std::make_unique<ProjectOperator>(std::move(joined.op), std::move(exprs));
  out.scope = std::move(scope);
  return out;
}

absl::StatusOr<std::optional<Planner::Source>> Planner::PlanCteRef(const ast::TableRef& ref) {
  const std::string& name = ref.names[0];
  for (size_t level = ctes_.size(); level-- > 0;) {
    const std::shared_ptr<CteScope> scope = ctes_[level];
    for (const ast::CommonTableExpr& cte : scope->owner->ctes) {
      if (cte.name != name) continue;
      Source source;
      auto working = scope->working.find(name);
      if (working != scope->working.end()) {  // the recursive term reading the last iteration
        source.op = std::make_unique<BufferScanOperator>(working->second.types, working->second.table);
        for (size_t i = 0; i < working->second.types.size(); ++i) {
          source.scope.columns.push_back(ScopeColumn{name, working->second.names[i], working->second.types[i], false});
        }
        return std::optional<Source>(std::move(source));
      }
      if (scope->recursive && cte.query->op == ast::SetOp::kUnion) {
        auto recursive = PlanRecursiveCte(cte, scope, name);
        if (!recursive.ok()) return recursive.status();
        return std::optional<Source>(std::move(*recursive));
      }
      // Inlined: planned afresh at each reference (PostgreSQL's NOT MATERIALIZED).
      CteStack saved(ctes_.begin() + static_cast<std::ptrdiff_t>(level) + 1, ctes_.end());
      ctes_.resize(level + 1);
      auto plan = PlanQuery(*cte.query);
      ctes_.insert(ctes_.end(), saved.begin(), saved.end());
      if (!plan.ok()) return plan.status();
      auto coerced = CoerceOutput(std::move(plan->root), nullptr, CastContext::kImplicit);
      if (!coerced.ok()) return coerced.status();
      source.op = std::move(*coerced);
      const std::vector<Type> types = source.op->types();
      if (cte.columns.size() > types.size()) {
        return SqlError("42P10", absl::StrCat("WITH query \"", name, "\" has ", types.size(), " columns available but ",
                                              cte.columns.size(), " columns specified"), ref.position);
      }
      for (size_t i = 0; i < types.size(); ++i) {
        source.scope.columns.push_back(ScopeColumn{name, i < cte.columns.size() ? cte.columns[i] : plan->names[i], types[i], false});
      }
      return std::optional<Source>(std::move(source));
    }
  }
  return std::optional<Source>();
}

absl::StatusOr<Planner::Source> Planner::PlanRecursiveCte(const ast::CommonTableExpr& cte,
                                                          const std::shared_ptr<CteScope>& scope, const std::string& name) {
  const ast::SelectStmt& query = *cte.query;
  if (scope->working.count(name) > 0) {
    return SqlError(sqlstate::kFeatureNotSupported, "recursive reference to a query nested in its own recursive term",
                    query.position);
  }
  auto initial = PlanQuery(*query.left);
  if (!initial.ok()) return initial.status();
  auto root = CoerceOutput(std::move(initial->root), nullptr, CastContext::kImplicit);
  if (!root.ok()) return root.status();
  CteScope::Working working;
  working.table = std::make_shared<WorkingTable>();
  working.types = (*root)->types();
  for (size_t i = 0; i < working.types.size(); ++i) {
    working.names.push_back(i < cte.columns.size() ? cte.columns[i] : initial->names[i]);
  }
  const std::vector<Type> types = working.types;
  const std::vector<std::string> names = working.names;
  std::shared_ptr<WorkingTable> table = working.table;
  // The recursive term, planned now to report its errors, and afresh per iteration.
  const CteStack stack(ctes_);
  const ast::SelectStmt* step = query.right.get();
  auto plan_step = [this, stack, scope, name, working, step, types]() -> absl::StatusOr<OperatorPtr> {
    CteStack saved = std::move(ctes_);
    ctes_ = stack;
    scope->working[name] = working;
    auto plan = PlanQuery(*step);
    scope->working.erase(name);
    ctes_ = std::move(saved);
    if (!plan.ok()) return plan.status();
    if (plan->names.size() != types.size()) {
      return SqlError(sqlstate::kSyntaxError, "each UNION query must have the same number of columns", step->position);
    }
    return CoerceOutput(std::move(plan->root), &types, CastContext::kAssignment);
  };
  auto check = plan_step();
  if (!check.ok()) return check.status();
  Source source;
  source.op = std::make_unique<RecursiveUnionOperator>(std::move(*root), std::move(plan_step), table, query.set_all);
  for (size_t i = 0; i < types.size(); ++i) source.scope.columns.push_back(ScopeColumn{name, names[i], types[i], false});
  return source;
}

void SplitConjuncts(BoundExprPtr e, std::vector<BoundExprPtr>* out) {
  if (e->kind == BoundKind::kAnd) {
    for (BoundExprPtr& a : e->args) SplitConjuncts(std::move(a), out);
    return;
  }
  out->push_back(std::move(e));
}

OperatorPtr MakeJoin(OperatorPtr left, OperatorPtr right, JoinKind kind, BoundExprPtr condition, size_t left_width) {
  if (condition == nullptr || kind == JoinKind::kCross) {
    return std::make_unique<NestedLoopJoinOperator>(std::move(left), std::move(right), kind, std::move(condition));
  }
  // Equalities between a left and a right column (of one type) become hash keys.
  std::vector<BoundExprPtr> terms, rest, key_terms;
  SplitConjuncts(std::move(condition), &terms);
  std::vector<int> left_keys, right_keys;
  for (BoundExprPtr& t : terms) {
    const bool equality = t->kind == BoundKind::kFunction && t->name == "=" && t->args.size() == 2 &&
                          t->args[0]->kind == BoundKind::kColumn && t->args[1]->kind == BoundKind::kColumn &&
                          t->args[0]->type == t->args[1]->type;
    if (equality) {
      int a = t->args[0]->column, b = t->args[1]->column;
      if (a > b) std::swap(a, b);
      if (a < static_cast<int>(left_width) && b >= static_cast<int>(left_width)) {
        left_keys.push_back(a);
        right_keys.push_back(b - static_cast<int>(left_width));
        key_terms.push_back(std::move(t));
        continue;
      }
    }
    rest.push_back(std::move(t));
  }
  BoundExprPtr residual = rest.empty() ? nullptr : Conjoin(std::move(rest));
  if (left_keys.empty()) {
    return std::make_unique<NestedLoopJoinOperator>(std::move(left), std::move(right), kind, std::move(residual));
  }
  return std::make_unique<HashJoinOperator>(std::move(left), std::move(right), kind, std::move(left_keys),
                                            std::move(right_keys), std::move(residual), std::move(key_terms));
}

absl::StatusOr<Planner::Source> Planner::PlanRightSide(const ast::TableRef& ref, const Scope& left, LateralPlan* lateral) {
  const bool may_be_lateral = ref.lateral || ref.kind == ast::TableRef::Kind::kFunction;
  if (!may_be_lateral) return PlanTableRef(ref);
  // Planned once with the left's names bound as NULLs of their types: the names and
  // types, and whether it reads the left (else it is an ordinary FROM item).
  Scope level = left;
  level.outer = outer_;
  level.outer_used = used_flag_;  // a name it finds further out makes this query correlated
  level.values = nullptr;
  bool used = false;
  Planner sub(*this, &level, &used);
  auto right = sub.PlanTableRef(ref);
  if (!right.ok() || !used) return right;
  std::shared_ptr<OwnedScopes> chain = CopyChain(level);
  const CatalogSnapshot* catalog = &catalog_;
  DataAccess* access = &access_;
  const SessionInfo* session = &session_;
  std::vector<Type>* params = params_;
  const CteStack ctes = ctes_;
  const ast::TableRef* item = &ref;  // the statement's AST outlives its execution
  *lateral = [chain, catalog, access, session, params, ctes, item](const std::vector<Value>& left_row) -> absl::StatusOr<OperatorPtr> {
    Scope outer = *chain->levels.front();
    outer.values = &left_row;
    Planner per_row(*catalog, *access, *session, params);
    per_row.ctes_ = ctes;
    per_row.set_outer(&outer);
    auto planned = per_row.PlanTableRef(*item);
    if (!planned.ok()) return planned.status();
    return std::move(planned->op);
  };
  return right;
}

absl::StatusOr<Planner::Source> Planner::PlanJoin(const ast::TableRef& ref) {
  auto left = PlanTableRef(*ref.left);
  if (!left.ok()) return left.status();
  LateralPlan lateral;
  auto right = PlanRightSide(*ref.right, left->scope, &lateral);
  if (!right.ok()) return right.status();
  Source joined;
  joined.scope = left->scope;
  const size_t left_width = left->scope.columns.size();
  for (const ScopeColumn& c : right->scope.columns) joined.scope.columns.push_back(c);
  std::vector<std::string> using_columns = ref.using_columns;
  if (ref.natural) {
    for (const ScopeColumn& l : left->scope.columns) {
      for (const ScopeColumn& r : right->scope.columns) {
        if (l.name == r.name && !l.merged_away) using_columns.push_back(l.name);
      }
    }
  }
  BoundExprPtr condition;
  const auto conjoin = [&](BoundExprPtr term) {
    if (condition == nullptr) {
      condition = std::move(term);
      return;
    }
    auto both = std::make_unique<BoundExpr>();
    both->kind = BoundKind::kAnd;
    both->type = Type(TypeId::kBool);
    both->args.push_back(std::move(condition));
    both->args.push_back(std::move(term));
    condition = std::move(both);
  };
  std::vector<std::pair<int, int>> merged;  // USING columns: (left index, right index)
  for (const std::string& name : using_columns) {
    int l = -1, r = -1;
    for (size_t i = 0; i < left_width; ++i) {
      if (joined.scope.columns[i].name == name && !joined.scope.columns[i].merged_away) l = static_cast<int>(i);
    }
    for (size_t i = left_width; i < joined.scope.columns.size(); ++i) {
      if (joined.scope.columns[i].name == name) r = static_cast<int>(i);
    }
    if (l < 0 || r < 0) {
      return SqlError(sqlstate::kUndefinedColumn,
                      absl::StrCat("column \"", name, "\" specified in USING clause does not exist in ", l < 0 ? "left" : "right",
                                   " table"), ref.position);
    }
    merged.emplace_back(l, r);
    auto eq = ResolveBinaryOperator("=", joined.scope.columns[static_cast<size_t>(l)].type,
                                    joined.scope.columns[static_cast<size_t>(r)].type);
    if (!eq.ok()) return WithPosition(eq.status(), ref.position);
    auto lc = ExprBinder::Coerce(MakeColumn(l, joined.scope.columns[static_cast<size_t>(l)].type), eq->arg_types[0], CastContext::kImplicit, ref.position);
    auto rc = ExprBinder::Coerce(MakeColumn(r, joined.scope.columns[static_cast<size_t>(r)].type), eq->arg_types[1], CastContext::kImplicit, ref.position);
    if (!lc.ok()) return lc.status();
    if (!rc.ok()) return rc.status();
    auto node = std::make_unique<BoundExpr>();
    node->kind = BoundKind::kFunction;
    node->type = Type(TypeId::kBool);
    node->kernel = eq->kernel;
    node->name = "=";
    node->args.push_back(std::move(*lc));
    node->args.push_back(std::move(*rc));
    conjoin(std::move(node));
  }
  if (ref.on != nullptr) {
    auto on = binder_.BindCondition(*ref.on, joined.scope, nullptr, "JOIN/ON");
    if (!on.ok()) return on.status();
    conjoin(std::move(*on));
  }
  JoinKind kind = JoinKind::kInner;
  switch (ref.join) {
    case ast::JoinType::kInner: kind = JoinKind::kInner; break;
    case ast::JoinType::kLeft: kind = JoinKind::kLeft; break;
    case ast::JoinType::kRight: kind = JoinKind::kRight; break;
    case ast::JoinType::kFull: kind = JoinKind::kFull; break;
    case ast::JoinType::kCross: kind = JoinKind::kCross; break;
  }
  if (lateral) {
    if (kind == JoinKind::kRight || kind == JoinKind::kFull) {
      return SqlError("42P10", "invalid reference to FROM-clause entry: the right side of a RIGHT or FULL JOIN cannot be LATERAL",
                      ref.position);
    }
    joined.op = std::make_unique<LateralJoinOperator>(std::move(left->op), right->op->types(), std::move(lateral), kind,
                                                      std::move(condition));
  } else {
    joined.op = MakeJoin(std::move(left->op), std::move(right->op), kind, std::move(condition), left_width);
  }
  if (!merged.empty()) return MergeUsingColumns(std::move(joined), merged, kind);
  return joined;
}

absl::StatusOr<int64_t> Planner::EvaluateCount(const ast::Expr& e, const char* what, const char* negative_state) {
  Scope none;
  auto bound = binder_.Bind(e, none, nullptr, what);
  if (!bound.ok()) return bound.status();
  auto as_int = ExprBinder::Coerce(std::move(*bound), Type(TypeId::kInt8), CastContext::kAssignment, e.position);
  if (!as_int.ok()) return as_int.status();
  EvalContext ctx;
  auto v = EvaluateConstant(**as_int, ctx);
  if (!v.ok()) return v.status();
  if (v->is_null()) return INT64_MAX;
  if (v->int_value() < 0) return SqlError(negative_state, absl::StrCat(what, " must not be negative"), e.position);
  return v->int_value();
}

absl::Status Planner::ApplyLimit(const ast::SelectStmt& stmt, OperatorPtr* op) {
  if (stmt.limit == nullptr && stmt.offset == nullptr) return absl::OkStatus();
  std::optional<int64_t> limit;
  int64_t offset = 0;
  if (stmt.limit != nullptr) {
    auto n = EvaluateCount(*stmt.limit, "LIMIT", "2201W");
    if (!n.ok()) return n.status();
    if (*n != INT64_MAX) limit = *n;
  }
  if (stmt.offset != nullptr) {
    auto n = EvaluateCount(*stmt.offset, "OFFSET", "2201X");
    if (!n.ok()) return n.status();
    offset = *n == INT64_MAX ? 0 : *n;
  }
  *op = std::make_unique<LimitOperator>(std::move(*op), limit, offset);
  return absl::OkStatus();
}

absl::StatusOr<Plan> Planner::OrderAndLimitByOutput(Plan plan, const ast::SelectStmt& stmt) {
  if (!stmt.order_by.empty()) {
    std::vector<SortKey> keys;
    for (const ast::OrderItem& item : stmt.order_by) {
      int column = -1;
      if (IsOrdinal(*item.expr)) {
        const int64_t n = std::stoll(item.expr->text);
        if (n < 1 || n > static_cast<int64_t>(plan.names.size())) {
          return SqlError("42P10", absl::StrCat("ORDER BY position ", n, " is not in select list"), item.expr->position);
        }
        column = static_cast<int>(n - 1);
      } else if (item.expr->kind == ast::ExprKind::kColumnRef && item.expr->names.size() == 1) {
        for (size_t i = 0; i < plan.names.size(); ++i) {
          if (plan.names[i] == item.expr->names[0]) column = static_cast<int>(i);
        }
      }
      if (column < 0) {
        return SqlError(sqlstate::kFeatureNotSupported,
                        "invalid UNION/INTERSECT/EXCEPT ORDER BY clause: only result column names or positions",
                        item.expr->position);
      }
      keys.push_back(SortKey{column, item.descending, item.nulls_first.value_or(item.descending)});
    }
    plan.root = std::make_unique<SortOperator>(std::move(plan.root), std::move(keys));
  }
  absl::Status limited = ApplyLimit(stmt, &plan.root);
  if (!limited.ok()) return limited;
  return plan;
}

absl::StatusOr<Plan> Planner::PlanValues(const ast::SelectStmt& stmt) {
  const size_t width = stmt.values[0].size();
  std::vector<std::vector<BoundExprPtr>> rows;
  Scope none;
  for (const auto& row : stmt.values) {
    if (row.size() != width) return SqlError(sqlstate::kSyntaxError, "VALUES lists must all be the same length", row[0]->position);
    std::vector<BoundExprPtr> bound;
    for (const ast::ExprPtr& e : row) {
      auto b = binder_.Bind(*e, none, nullptr, "VALUES");
      if (!b.ok()) return b.status();
      bound.push_back(std::move(*b));
    }
    rows.push_back(std::move(bound));
  }
  std::vector<Type> types;
  for (size_t c = 0; c < width; ++c) {
    std::vector<Type> column;
    for (const auto& row : rows) column.push_back(row[c]->type);
    auto common = CommonType(column, "VALUES");
    if (!common.ok()) return WithPosition(common.status(), stmt.values[0][c]->position);
    types.push_back(*common);
    for (auto& row : rows) {
      auto coerced = ExprBinder::Coerce(std::move(row[c]), *common, CastContext::kImplicit, stmt.values[0][c]->position);
      if (!coerced.ok()) return coerced.status();
      row[c] = std::move(*coerced);
    }
  }
  Plan plan;
  plan.root = std::make_unique<ValuesOperator>(types, std::move(rows));
  for (size_t c = 0; c < width; ++c) plan.names.push_back(absl::StrCat("column", c + 1));
  return OrderAndLimitByOutput(std::move(plan), stmt);
}

absl::StatusOr<Plan> Planner::PlanSetOperation(const ast::SelectStmt& stmt) {
  auto left = PlanQuery(*stmt.left);
  if (!left.ok()) return left.status();
  auto right = PlanQuery(*stmt.right);
  if (!right.ok()) return right.status();
  const char* name = stmt.op == ast::SetOp::kUnion ? "UNION" : stmt.op == ast::SetOp::kIntersect ? "INTERSECT" : "EXCEPT";
  if (left->names.size() != right->names.size()) {
    return SqlError(sqlstate::kSyntaxError, absl::StrCat("each ", name, " query must have the same number of columns"),
                    stmt.right->position);
  }
  std::vector<Type> types;
  const std::vector<Type> lt = left->types(), rt = right->types();
  for (size_t i = 0; i < lt.size(); ++i) {
    auto common = CommonType({lt[i], rt[i]}, name);
    if (!common.ok()) return WithPosition(common.status(), stmt.right->position);
    types.push_back(*common);
  }
  auto l = CoerceOutput(std::move(left->root), &types, CastContext::kImplicit);
  if (!l.ok()) return l.status();
  auto r = CoerceOutput(std::move(right->root), &types, CastContext::kImplicit);
  if (!r.ok()) return r.status();
  const SetOperator::Op op = stmt.op == ast::SetOp::kUnion       ? SetOperator::Op::kUnion
                             : stmt.op == ast::SetOp::kIntersect ? SetOperator::Op::kIntersect
                                                                 : SetOperator::Op::kExcept;
  Plan plan;
  plan.root = std::make_unique<SetOperator>(std::move(*l), std::move(*r), op, stmt.set_all);
  plan.names = std::move(left->names);
  return OrderAndLimitByOutput(std::move(plan), stmt);
}

}  // namespace quanta::sql
