// ProjectSet: set-returning calls of a select list, one nesting level of them (PostgreSQL
// 10's semantics). For each input row the calls run in lockstep: output row k holds the
// input row and each call's k-th value, NULL for calls already exhausted, until every
// call is; a row on which every call returns nothing is dropped. Output columns: the
// input's, then one per call.
//
// Streaming: at most kBatchSize rows per batch, resuming inside an input row's sets, so
// `SELECT generate_series(1, 1e9) LIMIT 3` stops after one batch, and a long set yields
// to the loop between batches. Arguments are evaluated over whole input batches.
#pragma once

#include <string>
#include <vector>

#include "sql/execution/operator.h"
#include "sql/execution/set_function.h"

namespace quanta::sql {

class ProjectSetOperator : public Operator {
 public:
  // REQUIRES: `calls` non-empty, their arguments over the child's columns.
  ProjectSetOperator(OperatorPtr child, std::vector<SetFunctionCall> calls);
  std::string Describe() const override { return "ProjectSet"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }

 protected:
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;

 private:
  static std::vector<Type> OutputTypes(const Operator& child, const std::vector<SetFunctionCall>& calls);
  // Evaluates every call's arguments over the batch just read into in_.
  absl::Status EvaluateArguments(const EvalContext& ctx);
  // Starts each call's cursor on in_'s active row next_.
  absl::Status StartRow();
  // Fills *out from the gathered rows (input row index; one value per call).
  void Emit(const std::vector<uint32_t>& from, const std::vector<std::vector<Value>>& values, DataChunk* out) const;

  OperatorPtr child_;
  std::vector<SetFunctionCall> calls_;
  DataChunk in_;                           // the input batch being expanded
  std::vector<std::vector<Vector>> args_;  // per call, its arguments over in_ (flat)
  size_t next_ = 0;                        // the active row of in_ being expanded
  bool row_started_ = false;               // cursors_ are on row next_
  bool child_done_ = false;
  std::vector<SetCursor> cursors_;         // one per call
};

}  // namespace quanta::sql
