#include "sql/execution/hash_join.h"

#include "engine/env/assert.h"
#include "sql/execution/operators.h"

namespace quanta::sql {
namespace {

// The join key of `row` (none if any key column is NULL: NULL joins nothing).
std::optional<std::string> KeyOf(const DataChunk& chunk, const std::vector<int>& keys, size_t row) {
  std::vector<const Vector*> columns;
  for (int k : keys) {
    const Vector& v = chunk.columns[static_cast<size_t>(k)];
    if (v.IsNull(row)) return std::nullopt;
    columns.push_back(&v);
  }
  return GroupKey(columns, row);
}

}  // namespace

HashJoinOperator::HashJoinOperator(OperatorPtr left, OperatorPtr right, JoinKind kind, std::vector<int> left_keys,
                                   std::vector<int> right_keys, BoundExprPtr residual)
    : JoinOperator(std::move(left), std::move(right), kind),
      left_keys_(std::move(left_keys)),
      right_keys_(std::move(right_keys)),
      residual_(std::move(residual)) {
  QUANTA_ASSERT(!left_keys_.empty());
  QUANTA_ASSERT(left_keys_.size() == right_keys_.size());
  QUANTA_ASSERT(kind_ != JoinKind::kCross);
}

void HashJoinOperator::Index(ExecContext& ctx) {
  for (uint32_t c = 0; c < right_chunks_.size(); ++c) {
    const DataChunk& chunk = right_chunks_[c];
    ChargeRows(ctx, chunk.count());
    for (uint32_t r = 0; r < chunk.count(); ++r) {
      std::optional<std::string> key = KeyOf(chunk, right_keys_, r);
      if (key) table_[*key].emplace_back(c, r);
    }
  }
}

absl::Status HashJoinOperator::Probe(ExecContext& ctx, std::vector<DataChunk>* produced) {
  ChargeRows(ctx, left_chunk_.active() - left_pos_);
  while (left_pos_ < left_chunk_.active() && (produced->empty() || produced->back().count() < kBatchSize / 2)) {
    const size_t lrow = left_chunk_.row(left_pos_++);
    std::optional<std::string> key = KeyOf(left_chunk_, left_keys_, lrow);
    auto it = key ? table_.find(*key) : table_.end();
    const std::vector<std::pair<uint32_t, uint32_t>> none;
    const auto& candidates = it == table_.end() ? none : it->second;
    // The candidate pairs, with the residual condition over all of them at once.
    std::vector<DataChunk> pairs;
    for (const auto& [c, r] : candidates) AppendPair(&left_chunk_, lrow, &right_chunks_[c], r, &pairs);
    size_t matched = 0;
    size_t index = 0;  // into candidates, across the pair batches
    for (DataChunk& batch : pairs) {
      batch = batch.Compact();  // allocated full: trimmed, so every vector has the batch's row count
      std::vector<uint8_t> keep(batch.count(), 1);
      if (residual_ != nullptr) {
        auto kept = EvaluateFilter(*residual_, batch, Rows::Of(batch), ctx.eval);
        if (!kept.ok()) return kept.status();
        keep.assign(batch.count(), 0);
        for (uint32_t r : *kept) keep[r] = 1;
      }
      for (size_t r = 0; r < batch.count(); ++r, ++index) {
        if (!keep[r]) continue;
        const auto [c, rr] = candidates[index];
        right_matched_[c][rr] = 1;
        AppendPair(&left_chunk_, lrow, &right_chunks_[c], rr, produced);
        ++matched;
      }
    }
    QUANTA_ASSERT(index == candidates.size());
    if (matched == 0 && KeepsUnmatchedLeft()) AppendPair(&left_chunk_, lrow, nullptr, 0, produced);
  }
  return absl::OkStatus();
}

}  // namespace quanta::sql
