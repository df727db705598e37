// Set-returning functions: generate_series(start, stop [, step]) over integers,
// numerics or timestamps (stepped by an interval), generate_subscripts(array, dim
// [, reverse]) and unnest(array). The others (regexp_split_to_table, string_to_table,
// json[b]_array_elements[_text], json[b]_object_keys) are unnest over the array a scalar
// function computes, the call keeping its own name. A call is bound
// once (SetFunctionCall); a SetCursor walks the rows of one call for one set of
// argument values. Two operators run them: FunctionScanOperator for a call in FROM
// (arguments evaluated once) and ProjectSetOperator (project_set.h) for calls in the
// select list (arguments evaluated per input row).
#pragma once

#include <string>
#include <vector>

#include "sql/execution/operator.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

enum class SetFunction : uint8_t { kGenerateSeries, kSubscripts, kUnnest };

struct SetFunctionCall {
  SetFunction function = SetFunction::kGenerateSeries;
  const char* sql_name = "generate_series";  // a static string: the name it was called by
  Type type;  // the rows' type (a series': int4, int8, numeric or a timestamp; unnest: the element)
  // generate_series: start and stop of `type`, and a step (an interval for timestamps),
  // if given; generate_subscripts: the array, the dimension (int4), a reverse flag if
  // given; unnest: the array.
  std::vector<BoundExprPtr> args;
  // In a select list: the depth of set-returning calls nested in the arguments (0: none).
  // Calls of one level run in lockstep, levels bottom up (PostgreSQL's ProjectSet nodes).
  int level = 0;

  const char* name() const { return sql_name; }
  SetFunctionCall Clone() const;
};

// The rows of one call for one set of argument values. Strict: a NULL argument gives no
// rows. A series ends past `stop` or one step past the type's range (PostgreSQL's too).
class SetCursor {
 public:
  // Begins over `args`, the call's arguments evaluated. Errors: 22023 a zero step.
  absl::Status Start(const SetFunctionCall& call, std::vector<Value> args);
  // The next row's value into *out; false (and *out untouched) when there are no more.
  absl::StatusOr<bool> Next(Value* out);

 private:
  absl::StatusOr<bool> NextInSeries(Value* out);
  // generate_subscripts(array, dim [, reverse]) as the series over dimension dim's
  // subscripts (arrays here are one-dimensional from 1: other dimensions have none).
  void StartSubscripts(const std::vector<Value>& args);

  SetFunction function_ = SetFunction::kGenerateSeries;
  Type type_;
  bool done_ = true;
  Value next_, stop_, step_;  // series
  int direction_ = 0;         // the step's sign
  std::vector<Value> elements_;  // unnest
  size_t index_ = 0;
};

// Set-returning calls in FROM, one column each, in lockstep as PostgreSQL's ROWS FROM
// (unnest(a, b), json_each's key and value): a row while any call has one, the ended
// calls' columns NULL. With `ordinality`, a last bigint column numbers the rows from 1.
// Arguments are evaluated when the first batch is asked for; rows come kBatchSize at a
// time (a series may be long: work is charged and the operator yields like a scan).
class FunctionScanOperator : public Operator {
 public:
  FunctionScanOperator(std::vector<SetFunctionCall> calls, bool ordinality);
  std::string Describe() const override { return std::string("Function Scan on ") + calls_[0].name(); }

 protected:
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;

 private:
  std::vector<SetFunctionCall> calls_;  // non-empty
  bool ordinality_;
  bool started_ = false;
  bool done_ = false;
  int64_t returned_ = 0;  // rows so far (the ordinality of the last)
  std::vector<SetCursor> cursors_;  // one per call
};

}  // namespace quanta::sql
