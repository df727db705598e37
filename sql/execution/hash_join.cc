#include "sql/execution/hash_join.h"

#include <algorithm>

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
                                   std::vector<int> right_keys, BoundExprPtr residual, std::vector<BoundExprPtr> key_terms)
    : JoinOperator(std::move(left), std::move(right), kind),
      left_keys_(std::move(left_keys)),
      right_keys_(std::move(right_keys)),
      residual_(std::move(residual)),
      key_terms_(std::move(key_terms)) {
  QUANTA_ASSERT(!left_keys_.empty());
  QUANTA_ASSERT(left_keys_.size() == right_keys_.size());
  QUANTA_ASSERT(key_terms_.size() == left_keys_.size());
  QUANTA_ASSERT(kind_ != JoinKind::kCross);
}

std::string HashJoinOperator::Describe() const {
  const std::string suffix = JoinKindSuffix(kind_);
  return "Hash" + (suffix.empty() ? std::string(" Join") : suffix);
}

std::vector<BoundExprPtr> HashJoinOperator::TakeCondition() {
  std::vector<BoundExprPtr> terms = std::move(key_terms_);
  if (residual_ != nullptr) terms.push_back(std::move(residual_));
  key_terms_.clear();
  return terms;
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

DataChunk HashJoinOperator::PairBatch(size_t lrow, const std::vector<std::pair<uint32_t, uint32_t>>& candidates,
                                      size_t begin, size_t n) const {
  QUANTA_ASSERT(n > 0 && n <= kBatchSize && begin + n <= candidates.size());
  DataChunk batch;
  const size_t left_width = left_chunk_.columns.size();
  // Left ++ right columns (a semi or anti join outputs the left ones only; its residual reads both).
  for (const Vector& v : left_chunk_.columns) batch.columns.emplace_back(v.type(), n);  // exactly n rows: no trimming
  for (const Type& t : right_->types()) batch.columns.emplace_back(t, n);
  for (size_t i = 0; i < n; ++i) {
    const auto [c, r] = candidates[begin + i];
    for (size_t col = 0; col < left_width; ++col) batch.columns[col].CopyRow(left_chunk_.columns[col], lrow, i);
    const DataChunk& right = right_chunks_[c];
    for (size_t col = 0; col < right.columns.size(); ++col) batch.columns[left_width + col].CopyRow(right.columns[col], r, i);
  }
  batch.set_count(n);
  return batch;
}

absl::Status HashJoinOperator::Probe(ExecContext& ctx, std::vector<DataChunk>* produced) {
  ChargeRows(ctx, left_chunk_.active() - left_pos_);
  while (left_pos_ < left_chunk_.active() && (produced->empty() || produced->back().count() < kBatchSize / 2)) {
    const size_t lrow = left_chunk_.row(left_pos_++);
    std::optional<std::string> key = KeyOf(left_chunk_, left_keys_, lrow);
    auto it = key ? table_.find(*key) : table_.end();
    const std::vector<std::pair<uint32_t, uint32_t>> none;
    const auto& candidates = it == table_.end() ? none : it->second;
    size_t matched = 0;
    // The candidate pairs, with the residual condition over a batch of them at once.
    for (size_t begin = 0; begin < candidates.size(); begin += kBatchSize) {
      const size_t n = std::min(kBatchSize, candidates.size() - begin);
      std::vector<uint8_t> keep(n, 1);
      if (residual_ != nullptr) {
        const DataChunk batch = PairBatch(lrow, candidates, begin, n);
        auto kept = EvaluateFilter(*residual_, batch, Rows::Of(batch), ctx.eval);
        if (!kept.ok()) return kept.status();
        keep.assign(n, 0);
        for (uint32_t r : *kept) keep[r] = 1;
      }
      for (size_t i = 0; i < n; ++i) {
        if (!keep[i]) continue;
        ++matched;
        if (!EmitsPairs()) break;  // one partner decides
        const auto [c, rr] = candidates[begin + i];
        right_matched_[c][rr] = 1;
        AppendPair(&left_chunk_, lrow, &right_chunks_[c], rr, produced);
      }
      if (!EmitsPairs() && matched > 0) break;
    }
    FinishLeftRow(lrow, matched, produced);
  }
  return absl::OkStatus();
}

}  // namespace quanta::sql
