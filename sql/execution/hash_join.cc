#include "sql/execution/hash_join.h"

#include "engine/env/assert.h"

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
    : Operator({}),
      left_(std::move(left)),
      right_(std::move(right)),
      kind_(kind),
      left_keys_(std::move(left_keys)),
      right_keys_(std::move(right_keys)),
      residual_(std::move(residual)) {
  QUANTA_ASSERT(!left_keys_.empty());
  QUANTA_ASSERT(left_keys_.size() == right_keys_.size());
  QUANTA_ASSERT(kind_ != JoinKind::kCross);
  types_ = left_->types();
  for (const Type& t : right_->types()) types_.push_back(t);
}

Task<absl::Status> HashJoinOperator::Build(ExecContext& ctx) {
  auto chunks = co_await Drain(*right_, ctx);
  if (!chunks.ok()) co_return chunks.status();
  right_chunks_ = std::move(*chunks);
  for (uint32_t c = 0; c < right_chunks_.size(); ++c) {
    const DataChunk& chunk = right_chunks_[c];
    right_matched_.emplace_back(chunk.count(), 0);
    ChargeRows(ctx, chunk.count());
    QUANTA_ASSERT(chunk.columns.size() == right_->types().size());
    for (uint32_t r = 0; r < chunk.count(); ++r) {
      std::optional<std::string> key = KeyOf(chunk, right_keys_, r);
      if (key) table_[*key].emplace_back(c, r);
    }
  }
  built_ = true;
  co_return absl::OkStatus();
}

void HashJoinOperator::AppendPair(const DataChunk* left, size_t lrow, const DataChunk* right, size_t rrow,
                                  std::vector<DataChunk>* rows) {
  if (rows->empty() || rows->back().count() == kBatchSize) {
    DataChunk chunk;
    for (const Type& t : types_) chunk.columns.emplace_back(t, kBatchSize);
    chunk.set_count(0);
    rows->push_back(std::move(chunk));
  }
  DataChunk& out = rows->back();
  QUANTA_ASSERT(out.columns.size() == types_.size());
  const size_t at = out.count();
  const size_t left_width = left_->types().size();
  if (left != nullptr) {
    for (size_t c = 0; c < left_width; ++c) out.columns[c].CopyRow(left->columns[c], lrow, at);
  }
  if (right != nullptr) {
    for (size_t c = 0; c < right->columns.size(); ++c) out.columns[left_width + c].CopyRow(right->columns[c], rrow, at);
  }
  out.set_count(at + 1);
}

absl::Status HashJoinOperator::Probe(ExecContext& ctx, DataChunk* out) {
  std::vector<DataChunk> produced;
  ChargeRows(ctx, left_chunk_.active() - left_pos_);
  while (left_pos_ < left_chunk_.active() && (produced.empty() || produced.back().count() < kBatchSize / 2)) {
    const size_t lrow = left_chunk_.row(left_pos_++);
    std::optional<std::string> key = KeyOf(left_chunk_, left_keys_, lrow);
    bool matched = false;
    auto it = key ? table_.find(*key) : table_.end();
    if (it != table_.end()) {
      for (const auto& [c, r] : it->second) {
        if (residual_ != nullptr) {
          // The residual condition, on this one pair.
          std::vector<DataChunk> pair;
          AppendPair(&left_chunk_, lrow, &right_chunks_[c], r, &pair);
          DataChunk one = pair.front().Compact();
          auto kept = EvaluateFilter(*residual_, one, Rows::Of(one), ctx.eval);
          if (!kept.ok()) return kept.status();
          if (kept->empty()) continue;
        }
        matched = true;
        right_matched_[c][r] = 1;
        AppendPair(&left_chunk_, lrow, &right_chunks_[c], r, &produced);
      }
    }
    if (!matched && (kind_ == JoinKind::kLeft || kind_ == JoinKind::kFull)) {
      AppendPair(&left_chunk_, lrow, nullptr, 0, &produced);
    }
  }
  out->Reset();
  if (produced.empty()) {
    for (const Type& t : types_) out->columns.emplace_back(t, 0);
    return absl::OkStatus();
  }
  *out = produced.front().Compact();
  for (size_t i = 1; i < produced.size(); ++i) pending_.push_back(produced[i].Compact());
  return absl::OkStatus();
}

void HashJoinOperator::EmitUnmatchedRight(DataChunk* out) {
  std::vector<DataChunk> produced;
  for (; unmatched_chunk_ < right_chunks_.size() && produced.empty(); ++unmatched_chunk_) {
    const DataChunk& chunk = right_chunks_[unmatched_chunk_];
    for (size_t r = 0; r < chunk.count(); ++r) {
      if (!right_matched_[unmatched_chunk_][r]) AppendPair(nullptr, 0, &chunk, r, &produced);
    }
  }
  out->Reset();
  if (produced.empty()) {
    for (const Type& t : types_) out->columns.emplace_back(t, 0);
    return;
  }
  *out = produced.front().Compact();
  for (size_t i = 1; i < produced.size(); ++i) pending_.push_back(produced[i].Compact());
}

Task<absl::StatusOr<bool>> HashJoinOperator::Next(ExecContext& ctx, DataChunk* out) {
  if (!built_) {
    absl::Status s = co_await Build(ctx);
    if (!s.ok()) co_return s;
  }
  while (true) {
    if (!pending_.empty()) {
      *out = std::move(pending_.front());
      pending_.erase(pending_.begin());
      co_return true;
    }
    if (emitting_unmatched_) {
      EmitUnmatchedRight(out);
      const bool more = unmatched_chunk_ < right_chunks_.size() || !pending_.empty();
      if (out->active() > 0 || !more) co_return more;
      continue;
    }
    if (left_pos_ >= left_chunk_.active()) {
      if (left_done_) {
        if (kind_ == JoinKind::kRight || kind_ == JoinKind::kFull) {
          emitting_unmatched_ = true;
          continue;
        }
        out->Reset();
        for (const Type& t : types_) out->columns.emplace_back(t, 0);
        co_return false;
      }
      auto more = co_await left_->Next(ctx, &left_chunk_);
      if (!more.ok()) co_return more.status();
      left_done_ = !*more;
      left_pos_ = 0;
      continue;
    }
    absl::Status s = Probe(ctx, out);
    if (!s.ok()) co_return s;
    co_await MaybeYield(ctx);
    if (out->active() > 0) co_return true;
  }
}

}  // namespace quanta::sql
