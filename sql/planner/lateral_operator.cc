#include "sql/planner/lateral_operator.h"

#include "engine/env/assert.h"
#include "sql/execution/expression.h"

namespace quanta::sql {

LateralJoinOperator::LateralJoinOperator(OperatorPtr left, std::vector<Type> right_types, PlanRight plan, JoinKind kind,
                                         BoundExprPtr condition)
    : Operator(left->types()),
      left_(std::move(left)),
      left_width_(types_.size()),
      plan_(std::move(plan)),
      kind_(kind),
      condition_(std::move(condition)) {
  QUANTA_ASSERT(kind_ == JoinKind::kCross || kind_ == JoinKind::kInner || kind_ == JoinKind::kLeft);
  QUANTA_ASSERT(kind_ != JoinKind::kCross || condition_ == nullptr);
  for (const Type& t : right_types) types_.push_back(t);
}

Task<absl::Status> LateralJoinOperator::JoinRow(ExecContext& ctx, std::vector<Value> left_row) {
  QUANTA_ASSERT(left_row.size() == left_width_);
  auto right = plan_(left_row);
  if (!right.ok()) co_return right.status();
  QUANTA_ASSERT((*right)->types().size() == types_.size() - left_width_);
  auto chunks = co_await Drain(**right, ctx);
  if (!chunks.ok()) co_return chunks.status();
  bool matched = false;
  for (const DataChunk& chunk : *chunks) {
    for (size_t k = 0; k < chunk.active(); ++k) {
      std::vector<Value> joined = left_row;
      for (const Vector& v : chunk.columns) joined.push_back(v.Get(chunk.row(k)));
      for (size_t c = 0; c < joined.size(); ++c) joined[c].set_type(types_[c]);
      if (condition_ != nullptr) {
        const DataChunk one = RowChunk(joined);
        auto kept = EvaluateFilter(*condition_, one, Rows::Of(one), ctx.eval);
        if (!kept.ok()) co_return kept.status();
        if (kept->empty()) continue;
      }
      matched = true;
      pending_.push_back(std::move(joined));
    }
  }
  if (kind_ == JoinKind::kLeft && !matched) {
    for (size_t c = left_width_; c < types_.size(); ++c) left_row.push_back(Value::Null(types_[c]));
    pending_.push_back(std::move(left_row));
  }
  co_return absl::OkStatus();
}

Task<absl::StatusOr<bool>> LateralJoinOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  // Refill: whole left batches, until a batch's worth of joined rows waits.
  while (!left_done_ && pending_.size() - emitted_ < kBatchSize) {
    if (emitted_ > 0) {
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(emitted_));
      emitted_ = 0;
    }
    DataChunk in;
    auto more = co_await left_->Next(ctx, &in);
    if (!more.ok()) co_return more.status();
    for (size_t k = 0; k < in.active(); ++k) {
      std::vector<Value> row;
      for (size_t c = 0; c < left_width_; ++c) row.push_back(in.columns[c].Get(in.row(k)));
      absl::Status joined = co_await JoinRow(ctx, std::move(row));
      if (!joined.ok()) co_return joined;
    }
    left_done_ = !*more;
    co_await MaybeYield(ctx);
  }
  out->Reset();
  const size_t n = std::min(kBatchSize, pending_.size() - emitted_);
  for (const Type& t : types_) out->columns.emplace_back(t, n);
  for (size_t i = 0; i < n; ++i) {
    const std::vector<Value>& row = pending_[emitted_ + i];
    QUANTA_ASSERT(row.size() == types_.size());
    for (size_t c = 0; c < row.size(); ++c) out->columns[c].SetValue(i, row[c]);
  }
  out->set_count(n);
  emitted_ += n;
  ChargeRows(ctx, n);
  co_return !left_done_ || emitted_ < pending_.size();
}

}  // namespace quanta::sql
