#include "sql/execution/index_join.h"

#include "engine/env/assert.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {

IndexNestedLoopJoinOperator::IndexNestedLoopJoinOperator(OperatorPtr left, std::unique_ptr<TableScanOperator> inner,
                                                         std::vector<int> left_keys, JoinKind kind,
                                                         BoundExprPtr condition)
    : Operator(left->types()),
      left_(std::move(left)),
      inner_(std::move(inner)),
      left_keys_(std::move(left_keys)),
      kind_(kind),
      condition_(std::move(condition)) {
  QUANTA_ASSERT(kind_ == JoinKind::kInner || kind_ == JoinKind::kLeft);
  QUANTA_ASSERT(inner_->ranged() && !inner_->backward() && !inner_->with_keys());
  QUANTA_ASSERT(!left_keys_.empty());
  for (int k : left_keys_) QUANTA_ASSERT(k >= 0 && static_cast<size_t>(k) < types_.size());
  for (const Type& t : inner_->types()) types_.push_back(t);
}

absl::StatusOr<size_t> IndexNestedLoopJoinOperator::AppendMatches(ExecContext& ctx, const DataChunk& left, size_t row,
                                                                  const DataChunk& right) {
  DataChunk pairs = RowBesideBatch(left, row, right);
  if (condition_ != nullptr) {
    auto kept = EvaluateFilter(*condition_, pairs, Rows::Of(pairs), ctx.eval);
    if (!kept.ok()) return kept.status();
    pairs.Select(std::move(*kept));
  }
  const size_t left_width = left.columns.size();
  for (size_t k = 0; k < pairs.active(); ++k) AppendJoinedRow(types_, left_width, &left, row, &right, pairs.row(k), &produced_);
  ChargeRows(ctx, right.count());
  return pairs.active();
}

Task<absl::Status> IndexNestedLoopJoinOperator::JoinRow(ExecContext& ctx, const DataChunk& left, size_t row) {
  std::string prefix;
  bool null_key = false;
  for (int k : left_keys_) {
    const Vector& v = left.columns[static_cast<size_t>(k)];
    null_key = null_key || v.IsNull(row);
    AppendKey(v, row, &prefix);
  }
  size_t matched = 0;
  if (!null_key) {
    inner_->Rescan(prefix, PrefixSuccessor(prefix));
    bool more = true;
    while (more) {
      DataChunk right;
      auto next = co_await inner_->Next(ctx, &right);
      if (!next.ok()) co_return next.status();
      more = *next;
      if (right.active() == 0) continue;
      QUANTA_ASSERT(!right.has_selection());  // a scan's batches are whole
      auto appended = AppendMatches(ctx, left, row, right);
      if (!appended.ok()) co_return appended.status();
      matched += *appended;
    }
  }
  if (matched == 0 && kind_ == JoinKind::kLeft) {
    AppendJoinedRow(types_, left.columns.size(), &left, row, nullptr, 0, &produced_);
  }
  co_return absl::OkStatus();
}

Task<absl::StatusOr<bool>> IndexNestedLoopJoinOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  while (true) {
    // Hand out a chunk once it is full, or whatever is left at the end.
    const size_t queued = produced_.size() - delivered_;
    if (queued > 0 && (queued > 1 || produced_[delivered_].count() == kBatchSize || left_done_)) {
      *out = produced_[delivered_++].Compact();  // (chunks are allocated full: trim to their rows)
      if (delivered_ == produced_.size()) {
        produced_.clear();
        delivered_ = 0;
      }
      co_return !(left_done_ && produced_.empty());
    }
    if (left_done_) {
      out->Reset();
      for (const Type& t : types_) out->columns.emplace_back(t, 0);
      co_return false;
    }
    DataChunk left;
    auto more = co_await left_->Next(ctx, &left);
    if (!more.ok()) co_return more.status();
    left_done_ = !*more;
    for (size_t k = 0; k < left.active(); ++k) {
      absl::Status joined = co_await JoinRow(ctx, left, left.row(k));
      if (!joined.ok()) co_return joined;
    }
    co_await MaybeYield(ctx);
  }
}

}  // namespace quanta::sql
