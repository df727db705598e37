// generate_series(start, stop [, step]) as a FROM item: integers (int4, int8), numerics,
// or timestamps stepped by an interval. The bounds are evaluated once, when the first
// batch is asked for; rows come kBatchSize at a time (the series may be long: work is
// charged and the operator yields like a scan).
#pragma once

#include "sql/execution/operator.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

class GenerateSeriesOperator : public Operator {
 public:
  // `args`: start, stop and (optional) step, bound to the series' type (the step: an
  // interval for timestamps).
  GenerateSeriesOperator(Type type, std::vector<BoundExprPtr> args);
  std::string Describe() const override { return "Function Scan on generate_series"; }

 protected:
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;

 private:
  absl::Status Start(const EvalContext& ctx);

  std::vector<BoundExprPtr> args_;
  bool started_ = false;
  bool done_ = false;
  Value next_, stop_, step_;
};

// unnest(array) in FROM: one row per element, in order (a NULL array: no rows).
class UnnestOperator : public Operator {
 public:
  UnnestOperator(Type element, BoundExprPtr array);
  std::string Describe() const override { return "Function Scan on unnest"; }

 protected:
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;

 private:
  BoundExprPtr array_;
  bool started_ = false;
  std::vector<Value> elements_;
  size_t next_ = 0;
};

}  // namespace quanta::sql
