// LateralJoinOperator: a join whose right side reads the left side's columns (LATERAL
// subqueries, functions in FROM over earlier items' columns). For each left row the
// right side is planned with that row's values bound to its outer references and run;
// each of its rows joins the left row where `condition` holds (over the joined row);
// a LEFT join keeps a left row no right row matched, with NULLs.
#pragma once

#include <functional>
#include <vector>

#include "sql/execution/join.h"
#include "sql/execution/operator.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

class LateralJoinOperator : public Operator {
 public:
  // Plans the right side for one left row (all the left's columns' values).
  using PlanRight = std::function<absl::StatusOr<OperatorPtr>(const std::vector<Value>& left_row)>;
  // REQUIRES: kind is kCross, kInner or kLeft; `condition` null for kCross.
  LateralJoinOperator(OperatorPtr left, std::vector<Type> right_types, PlanRight plan, JoinKind kind, BoundExprPtr condition);
  std::string Describe() const override { return "Nested Loop (lateral)"; }
  std::vector<const Operator*> children() const override { return {left_.get()}; }

 protected:
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;

 private:
  // Adds the joined rows of one left row to pending_.
  Task<absl::Status> JoinRow(ExecContext& ctx, std::vector<Value> left_row);

  OperatorPtr left_;
  size_t left_width_;
  PlanRight plan_;
  JoinKind kind_;
  BoundExprPtr condition_;
  std::vector<std::vector<Value>> pending_;  // joined rows not yet returned
  size_t emitted_ = 0;                       // of pending_
  bool left_done_ = false;
};

}  // namespace quanta::sql
