// Subquery decorrelation (planner.h: Planner::Decorrelate): a WHERE conjunct
//   EXISTS (SELECT ... FROM f WHERE c1 AND c2 ...)      → a semi join
//   NOT EXISTS (...)                                      → an anti join
//   x IN (SELECT e FROM f WHERE ...)                      → a semi join on x = e
// with the subquery's conditions (which may name the query's columns: the correlation)
// as the join condition, its equalities of columns hash keys. A subquery qualifies
// when it is a plain SELECT over a FROM list — no aggregates, GROUP BY, HAVING, LIMIT,
// OFFSET, set operations, WITH, or subqueries of its own — that names the query's
// columns only in WHERE (and IN's expression). Anything else keeps ApplyOperator's
// per-row evaluation. NOT IN stays too: its NULL semantics are not an anti join's.
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/planner/expr_binder.h"
#include "sql/planner/planner.h"

namespace quanta::sql {
namespace {

// The subquery a conjunct decorrelates, with the join it becomes (null: none).
const ast::SelectStmt* Candidate(const ast::Expr& conjunct, JoinKind* kind, const ast::Expr** needle) {
  *needle = nullptr;
  const ast::Expr* e = &conjunct;
  bool negated = false;
  if (e->kind == ast::ExprKind::kUnary && e->text == "not" && e->args.size() == 1 &&
      e->args[0]->kind == ast::ExprKind::kExists) {
    e = e->args[0].get();
    negated = true;
  }
  if (e->kind == ast::ExprKind::kExists) {
    negated = negated != e->negated;
    *kind = negated ? JoinKind::kAnti : JoinKind::kSemi;
  } else if (e->kind == ast::ExprKind::kInSubquery && !e->negated && e->args.size() == 1) {
    *kind = JoinKind::kSemi;
    *needle = e->args[0].get();
  } else {
    return nullptr;
  }
  const ast::SelectStmt* q = e->subquery.get();
  if (q == nullptr || q->op != ast::SetOp::kNone || !q->ctes.empty() || q->from.empty() || !q->group_by.empty() ||
      q->having != nullptr || !q->values.empty() || q->limit != nullptr || q->offset != nullptr || !q->distinct_on.empty()) {
    return nullptr;
  }
  for (const ast::SelectItem& t : q->targets) {
    if (t.expr != nullptr && (ContainsAggregate(*t.expr) || ContainsSubquery(*t.expr))) return nullptr;
  }
  if (*needle != nullptr && (q->targets.size() != 1 || q->targets[0].expr == nullptr ||
                           q->targets[0].expr->kind == ast::ExprKind::kStar)) return nullptr;
  if (q->where != nullptr && ContainsSubquery(*q->where)) return nullptr;
  return q;
}

// Renumbers a term bound over the subquery's columns, with the query's columns bound as
// -(i + 1) (Scope::as_join_input), to the join's layout: the query's, then the subquery's.
void ToJoinLayout(BoundExpr* e, int outer_width) {
  if (e->kind == BoundKind::kColumn) e->column = e->column < 0 ? -(e->column + 1) : e->column + outer_width;
  for (BoundExprPtr& a : e->args) ToJoinLayout(a.get(), outer_width);
}

// Numbers the query's columns of `e` as Scope::as_join_input binds them: -(i + 1).
void MarkOuter(BoundExpr* e) {
  if (e->kind == BoundKind::kColumn) {
    QUANTA_ASSERT(e->column >= 0);
    e->column = -(e->column + 1);
  }
  for (BoundExprPtr& a : e->args) MarkOuter(a.get());
}

// Whether `e` reads none of the query's columns (none numbered -(i + 1)) and calls
// nothing volatile, so it may filter the subquery's side alone.
bool ReadsOnlyInner(const BoundExpr& e) {
  if (e.kind == BoundKind::kColumn && e.column < 0) return false;
  if (e.kind == BoundKind::kSequence) return false;
  for (const BoundExprPtr& a : e.args) {
    if (!ReadsOnlyInner(*a)) return false;
  }
  return true;
}

}  // namespace

void SplitAstConjuncts(const ast::Expr& e, std::vector<const ast::Expr*>* out) {
  if (e.kind == ast::ExprKind::kBinary && e.text == "and" && e.args.size() == 2) {
    SplitAstConjuncts(*e.args[0], out);
    SplitAstConjuncts(*e.args[1], out);
    return;
  }
  out->push_back(&e);
}

absl::StatusOr<std::optional<Planner::Decorrelated>> Planner::Decorrelate(const ast::Expr& conjunct, const Scope& scope) {
  JoinKind kind = JoinKind::kSemi;
  const ast::Expr* needle = nullptr;
  const ast::SelectStmt* q = Candidate(conjunct, &kind, &needle);
  if (q == nullptr) return std::nullopt;
  // A set-returning select list decides how many rows the subquery has: per row only.
  for (const ast::SelectItem& t : q->targets) {
    if (t.expr->kind != ast::ExprKind::kStar && ContainsSetFunction(*t.expr)) return std::nullopt;
  }
  // Its FROM, planned apart: a name of the query there (a LATERAL-like reference)
  // keeps the per-row form.
  Scope level = scope;
  level.values = nullptr;
  level.outer_used = nullptr;
  bool from_used = false;
  Planner sub(*this, &level, &from_used);
  auto from = sub.PlanFrom(q->from);
  if (!from.ok() || from_used) return std::nullopt;  // (an error there surfaces when the subquery is planned per row)
  // Its conditions (and IN's comparison) over the query's columns and the subquery's.
  Scope join_input = scope;
  join_input.values = nullptr;
  join_input.as_join_input = true;
  join_input.outer = nullptr;  // a name of an enclosing query fails to bind: no decorrelation
  Scope inner = from->scope;
  inner.outer = &join_input;
  bool correlated = false;
  inner.outer_used = &correlated;
  const int outer_width = static_cast<int>(scope.columns.size());
  std::vector<BoundExprPtr> terms;
  std::vector<const ast::Expr*> conditions;
  if (q->where != nullptr) SplitAstConjuncts(*q->where, &conditions);
  for (const ast::Expr* c : conditions) {
    auto bound = binder_.BindCondition(*c, inner, nullptr, "WHERE");
    if (!bound.ok()) return std::nullopt;  // reported as PostgreSQL would by the per-row plan
    terms.push_back(std::move(*bound));
  }
  if (needle != nullptr) {
    auto target = binder_.Bind(*q->targets[0].expr, inner, nullptr, "SELECT");
    if (!target.ok()) return std::nullopt;
    Scope own = scope;
    own.outer_used = nullptr;
    auto left = binder_.Bind(*needle, own, nullptr, "WHERE");
    if (!left.ok()) return std::nullopt;
    MarkOuter(left->get());  // the query's columns, numbered as the target's outer references
    auto eq = binder_.BindComparison("=", std::move(*left), std::move(*target), conjunct.position);
    if (!eq.ok()) return std::nullopt;
    terms.push_back(std::move(*eq));
  }
  if (!correlated && needle == nullptr) return std::nullopt;  // an uncorrelated EXISTS runs once already
  // Conditions over the subquery's columns alone filter its side (and narrow its scans).
  std::vector<BoundExprPtr> own, joining;
  for (BoundExprPtr& t : terms) {
    if (ReadsOnlyInner(*t)) {
      own.push_back(std::move(t));
    } else {
      ToJoinLayout(t.get(), outer_width);
      joining.push_back(std::move(t));
    }
  }
  OperatorPtr side = ChooseJoinMethods(PushDownFilters(std::move(from->op), std::move(own), session_.join_collapse_limit),
                                       session_.join_methods);
  return Decorrelated{std::move(side), kind, joining.empty() ? nullptr : Conjoin(std::move(joining))};
}

}  // namespace quanta::sql
