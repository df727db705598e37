#include "sql/execution/project_set.h"

#include "engine/env/assert.h"
#include "sql/execution/expression.h"

namespace quanta::sql {

std::vector<Type> ProjectSetOperator::OutputTypes(const Operator& child, const std::vector<SetFunctionCall>& calls) {
  std::vector<Type> types = child.types();
  for (const SetFunctionCall& c : calls) types.push_back(c.type);
  return types;
}

ProjectSetOperator::ProjectSetOperator(OperatorPtr child, std::vector<SetFunctionCall> calls)
    : Operator(OutputTypes(*child, calls)), child_(std::move(child)), calls_(std::move(calls)), cursors_(calls_.size()) {
  QUANTA_ASSERT(!calls_.empty());
  QUANTA_ASSERT(types_.size() == child_->types().size() + calls_.size());
}

absl::Status ProjectSetOperator::EvaluateArguments(const EvalContext& ctx) {
  const Rows rows = Rows::Of(in_);
  args_.assign(calls_.size(), {});
  for (size_t c = 0; c < calls_.size(); ++c) {
    for (const BoundExprPtr& a : calls_[c].args) {
      Vector scratch;
      auto v = Evaluate(*a, in_, rows, ctx, &scratch);
      if (!v.ok()) return v.status();
      Vector result = *v == &scratch ? std::move(scratch) : **v;
      if (result.is_constant()) result.Flatten(in_.count());
      QUANTA_ASSERT(result.size() == in_.count());
      args_[c].push_back(std::move(result));
    }
  }
  return absl::OkStatus();
}

absl::Status ProjectSetOperator::StartRow() {
  QUANTA_ASSERT(next_ < in_.active());
  const size_t r = in_.row(next_);
  for (size_t c = 0; c < calls_.size(); ++c) {
    std::vector<Value> values;
    for (const Vector& v : args_[c]) values.push_back(v.Get(r));
    absl::Status s = cursors_[c].Start(calls_[c], std::move(values));
    if (!s.ok()) return s;
  }
  row_started_ = true;
  return absl::OkStatus();
}

void ProjectSetOperator::Emit(const std::vector<uint32_t>& from, const std::vector<std::vector<Value>>& values,
                              DataChunk* out) const {
  QUANTA_ASSERT(from.size() == values.size());
  const size_t n = from.size();
  const size_t width = in_.columns.size();
  out->Reset();
  for (size_t c = 0; c < width; ++c) {
    Vector column(types_[c], n);
    for (size_t i = 0; i < n; ++i) column.CopyRow(in_.columns[c], from[i], i);
    out->columns.push_back(std::move(column));
  }
  for (size_t c = 0; c < calls_.size(); ++c) {
    Vector column(calls_[c].type, n);
    for (size_t i = 0; i < n; ++i) column.SetValue(i, values[i][c]);
    out->columns.push_back(std::move(column));
  }
  out->set_count(n);
  QUANTA_ASSERT(out->columns.size() == types_.size());
}

Task<absl::StatusOr<bool>> ProjectSetOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  std::vector<uint32_t> from;
  std::vector<std::vector<Value>> values;
  while (from.size() < kBatchSize) {
    if (next_ >= in_.active()) {
      if (!from.empty() || child_done_) break;  // a batch never spans two input batches
      auto more = co_await child_->Next(ctx, &in_);
      if (!more.ok()) co_return more.status();
      child_done_ = !*more;
      next_ = 0;
      row_started_ = false;
      absl::Status evaluated = EvaluateArguments(ctx.eval);
      if (!evaluated.ok()) co_return evaluated;
      continue;
    }
    if (!row_started_) {
      absl::Status started = StartRow();
      if (!started.ok()) co_return started;
    }
    std::vector<Value> row(calls_.size());
    bool any = false;
    for (size_t c = 0; c < calls_.size(); ++c) {
      auto more = cursors_[c].Next(&row[c]);
      if (!more.ok()) co_return more.status();
      if (!*more) row[c] = Value::Null(calls_[c].type);
      any = any || *more;
    }
    if (!any) {  // every set of this row is exhausted: on to the next row
      ++next_;
      row_started_ = false;
      continue;
    }
    from.push_back(static_cast<uint32_t>(in_.row(next_)));
    values.push_back(std::move(row));
  }
  Emit(from, values, out);
  ChargeRows(ctx, from.size());
  co_await MaybeYield(ctx);
  co_return !(child_done_ && next_ >= in_.active());
}

}  // namespace quanta::sql
