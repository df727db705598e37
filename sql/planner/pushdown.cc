// Predicate pushdown: WHERE's conjuncts go down through inner and cross joins to the
// inputs whose columns they read (planner.h, PushDownFilters).
#include <algorithm>

#include "engine/env/assert.h"
#include "sql/execution/join.h"
#include "sql/execution/operators.h"
#include "sql/planner/planner.h"

namespace quanta::sql {
namespace {

// The lowest and highest input column `e` reads (lo > hi if none).
void ColumnSpan(const BoundExpr& e, int* lo, int* hi) {
  if (e.kind == BoundKind::kColumn) {
    *lo = std::min(*lo, e.column);
    *hi = std::max(*hi, e.column);
  }
  for (const BoundExprPtr& a : e.args) ColumnSpan(*a, lo, hi);
}

OperatorPtr FilterHere(OperatorPtr op, std::vector<BoundExprPtr> conjuncts) {
  if (conjuncts.empty()) return op;
  BoundExprPtr predicate = Conjoin(std::move(conjuncts));
  NarrowScan(op.get(), *predicate);
  return std::make_unique<FilterOperator>(std::move(op), std::move(predicate));
}

}  // namespace

OperatorPtr PushDownFilters(OperatorPtr op, std::vector<BoundExprPtr> conjuncts, int collapse_limit) {
  if (conjuncts.empty()) return op;
  if (ReordersJoins(*op, collapse_limit)) return ReorderJoins(std::move(op), std::move(conjuncts));
  auto* join = dynamic_cast<JoinOperator*>(op.get());
  if (join == nullptr || (join->kind() != JoinKind::kInner && join->kind() != JoinKind::kCross)) {
    return FilterHere(std::move(op), std::move(conjuncts));
  }
  const int width = static_cast<int>(join->left_width());
  std::vector<BoundExprPtr> left, right, both;
  for (BoundExprPtr& c : conjuncts) {
    int lo = INT32_MAX, hi = -1;
    ColumnSpan(*c, &lo, &hi);
    if (hi < width) {
      left.push_back(std::move(c));  // (also a conjunct reading no column)
    } else if (lo >= width) {
      ShiftColumns(c.get(), -width);
      right.push_back(std::move(c));
    } else {
      both.push_back(std::move(c));
    }
  }
  join->mutable_left() = PushDownFilters(std::move(join->mutable_left()), std::move(left), collapse_limit);
  join->mutable_right() = PushDownFilters(std::move(join->mutable_right()), std::move(right), collapse_limit);
  if (both.empty()) return op;
  auto* loop = dynamic_cast<NestedLoopJoinOperator*>(join);
  if (loop == nullptr) return FilterHere(std::move(op), std::move(both));  // a hash join already
  if (BoundExprPtr on = loop->TakeCondition()) both.push_back(std::move(on));
  return MakeJoin(std::move(loop->mutable_left()), std::move(loop->mutable_right()), JoinKind::kInner,
                  Conjoin(std::move(both)), static_cast<size_t>(width));
}

}  // namespace quanta::sql
