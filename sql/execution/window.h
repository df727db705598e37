// Window functions: f(...) OVER (PARTITION BY ... ORDER BY ... [frame]).
//
// WindowOperator reads its whole input, and per window call sorts the rows by the
// partition and order keys (stably: ties keep input order), walks each partition and
// computes the call's value for every row; it outputs the input rows, in input order,
// with one more column per call.
//
// Functions: row_number, rank, dense_rank, percent_rank, cume_dist, ntile, lag, lead,
// first_value, last_value, nth_value, and the aggregates count/sum/avg/min/max/bool_and/
// bool_or/string_agg over the frame. Frames as PostgreSQL's: without ORDER BY the whole
// partition; with it RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (the current
// row's peers included); ROWS BETWEEN n PRECEDING/FOLLOWING, UNBOUNDED, CURRENT ROW;
// RANGE with UNBOUNDED, CURRENT ROW and offset bounds (one numeric, date or timestamp
// order key: rows whose key is within the offset of the current row's; a NULL key's
// frame is its NULL peers, and NULL keys are in no other row's offset range).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sql/execution/aggregate.h"
#include "sql/execution/operator.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

enum class WindowKind : uint8_t {
  kRowNumber, kRank, kDenseRank, kPercentRank, kCumeDist, kNtile, kLag, kLead, kFirstValue, kLastValue, kNthValue,
  kAggregate
};

struct WindowFrame {
  enum class Bound : uint8_t { kUnboundedPreceding, kPreceding, kCurrentRow, kFollowing, kUnboundedFollowing };
  bool rows = false;  // ROWS (else RANGE: peers move together)
  Bound start = Bound::kUnboundedPreceding;
  Bound end = Bound::kCurrentRow;
  // The offsets of kPreceding/kFollowing bounds (else null): constants (or parameters),
  // evaluated once per execution; ROWS: bigint; RANGE: the order key's offset type.
  BoundExprPtr start_offset, end_offset;
  // RANGE with an offset: the single order key as the type the frame compares in
  // (integers as numeric, date as timestamp), and per bound with an offset the value
  // that bound reaches from each row (key - offset or key + offset, as the bound and the
  // sort direction say). The frame holds the rows whose key lies between the targets.
  BoundExprPtr range_key, start_target, end_target;
  bool whole_partition = false;  // no ORDER BY and no frame: every row of the partition
};

struct WindowCall {
  WindowKind kind = WindowKind::kRowNumber;
  std::string name;
  std::vector<BoundExprPtr> args;        // over the input
  AggregateSpec aggregate;               // kAggregate (its args are `args`)
  std::vector<BoundExprPtr> partition;   // over the input
  std::vector<BoundExprPtr> order;       // over the input
  std::vector<bool> descending, nulls_first;
  WindowFrame frame;
  Type result;
};

class WindowOperator : public Operator {
 public:
  WindowOperator(OperatorPtr child, std::vector<WindowCall> calls);
  std::string Describe() const override { return "WindowAgg"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }

 protected:
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;

 private:
  // A frame's evaluated parts: ROWS offsets; for RANGE offsets the compared keys and
  // the bounds' targets, one per row (null when the frame has none).
  struct FrameInputs {
    int64_t start_rows = 0, end_rows = 0;
    const Vector* key = nullptr;
    const Vector* start_target = nullptr;
    const Vector* end_target = nullptr;
  };
  // Evaluates `f`'s offsets (checked: 22004 NULL, 22013 negative) and RANGE targets
  // over `all`; the vectors may live in `scratch`.
  static absl::StatusOr<FrameInputs> EvaluateFrame(const WindowFrame& f, const DataChunk& all, ExecContext& ctx,
                                                   std::vector<Vector>* scratch);
  // Computes `call` for every row of `all` (one chunk holding the whole input).
  absl::StatusOr<Vector> Compute(const WindowCall& call, const DataChunk& all, ExecContext& ctx) const;

  OperatorPtr child_;
  std::vector<WindowCall> calls_;
  bool computed_ = false;
  DataChunk all_;  // the input, then the calls' columns
  size_t next_ = 0;
};

}  // namespace quanta::sql
