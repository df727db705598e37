#include "sql/execution/join.h"

#include "engine/env/assert.h"

namespace quanta::sql {

const char* JoinKindSuffix(JoinKind kind) {
  switch (kind) {
    case JoinKind::kInner:
    case JoinKind::kCross: return "";
    case JoinKind::kLeft: return " Left Join";
    case JoinKind::kRight: return " Right Join";
    case JoinKind::kFull: return " Full Join";
    case JoinKind::kSemi: return " Semi Join";
    case JoinKind::kAnti: return " Anti Join";
  }
  QUANTA_UNREACHABLE("join kind");
}

JoinOperator::JoinOperator(OperatorPtr left, OperatorPtr right, JoinKind kind)
    : Operator({}), left_(std::move(left)), right_(std::move(right)), kind_(kind) {
  types_ = left_->types();
  if (EmitsPairs()) {
    for (const Type& t : right_->types()) types_.push_back(t);
  }
}

void JoinOperator::FinishLeftRow(size_t lrow, size_t matched, std::vector<DataChunk>* produced) const {
  const bool emit = kind_ == JoinKind::kSemi ? matched > 0 : kind_ == JoinKind::kAnti ? matched == 0
                                                                                     : matched == 0 && KeepsUnmatchedLeft();
  if (emit) AppendPair(&left_chunk_, lrow, nullptr, 0, produced);
}

Task<absl::Status> JoinOperator::Build(ExecContext& ctx) {
  auto chunks = co_await Drain(*right_, ctx);
  if (!chunks.ok()) co_return chunks.status();
  right_chunks_ = std::move(*chunks);
  for (const DataChunk& c : right_chunks_) {
    QUANTA_ASSERT(c.columns.size() == right_->types().size());
    right_matched_.emplace_back(c.count(), 0);
  }
  Index(ctx);
  built_ = true;
  co_return absl::OkStatus();
}

void AppendJoinedRow(const std::vector<Type>& types, size_t left_width, const DataChunk* left, size_t lrow,
                     const DataChunk* right, size_t rrow, std::vector<DataChunk>* rows) {
  if (rows->empty() || rows->back().count() == kBatchSize) {
    DataChunk chunk;
    for (const Type& t : types) chunk.columns.emplace_back(t, kBatchSize);
    chunk.set_count(0);
    rows->push_back(std::move(chunk));
  }
  DataChunk& out = rows->back();
  QUANTA_ASSERT(out.columns.size() == types.size());
  const size_t at = out.count();
  if (left != nullptr) {
    QUANTA_ASSERT(left->columns.size() == left_width);
    for (size_t c = 0; c < left_width; ++c) out.columns[c].CopyRow(left->columns[c], lrow, at);
  }
  if (right != nullptr) {
    QUANTA_ASSERT(left_width + right->columns.size() == types.size());
    for (size_t c = 0; c < right->columns.size(); ++c) out.columns[left_width + c].CopyRow(right->columns[c], rrow, at);
  }
  out.set_count(at + 1);
}

DataChunk RowBesideBatch(const DataChunk& left, size_t lrow, const DataChunk& right) {
  DataChunk pairs;
  for (const Vector& column : left.columns) {
    Vector v(column.type(), right.count());
    for (size_t r = 0; r < right.count(); ++r) v.CopyRow(column, lrow, r);
    pairs.columns.push_back(std::move(v));
  }
  for (const Vector& v : right.columns) pairs.columns.push_back(v);
  pairs.set_count(right.count());
  return pairs;
}

void JoinOperator::AppendPair(const DataChunk* left, size_t lrow, const DataChunk* right, size_t rrow,
                              std::vector<DataChunk>* rows) const {
  AppendJoinedRow(types_, left_->types().size(), left, lrow, right, rrow, rows);
}

void JoinOperator::EmitUnmatchedRight(std::vector<DataChunk>* produced) {
  for (; unmatched_chunk_ < right_chunks_.size() && produced->empty(); ++unmatched_chunk_) {
    const DataChunk& chunk = right_chunks_[unmatched_chunk_];
    for (size_t r = 0; r < chunk.count(); ++r) {
      if (!right_matched_[unmatched_chunk_][r]) AppendPair(nullptr, 0, &chunk, r, produced);
    }
  }
}

bool JoinOperator::Deliver(std::vector<DataChunk> produced, DataChunk* out) {
  if (produced.empty()) return false;
  *out = produced.front().Compact();  // (batches are allocated full: trim to their rows)
  for (size_t i = 1; i < produced.size(); ++i) pending_.push_back(produced[i].Compact());
  return true;
}

Task<absl::StatusOr<bool>> JoinOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
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
    std::vector<DataChunk> produced;
    if (emitting_unmatched_) {
      EmitUnmatchedRight(&produced);
      if (Deliver(std::move(produced), out)) co_return true;
      if (unmatched_chunk_ < right_chunks_.size()) continue;
      break;
    }
    if (left_pos_ >= left_chunk_.active()) {
      if (left_done_) {
        if (kind_ == JoinKind::kRight || kind_ == JoinKind::kFull) {
          emitting_unmatched_ = true;
          continue;
        }
        break;
      }
      auto more = co_await left_->Next(ctx, &left_chunk_);
      if (!more.ok()) co_return more.status();
      left_done_ = !*more;
      left_pos_ = 0;
      continue;
    }
    absl::Status s = Probe(ctx, &produced);
    if (!s.ok()) co_return s;
    co_await MaybeYield(ctx);
    if (Deliver(std::move(produced), out)) co_return true;
  }
  out->Reset();
  for (const Type& t : types_) out->columns.emplace_back(t, 0);
  co_return false;
}

absl::Status NestedLoopJoinOperator::Probe(ExecContext& ctx, std::vector<DataChunk>* produced) {
  while (left_pos_ < left_chunk_.active()) {
    for (const DataChunk& right : right_chunks_) ChargeRows(ctx, right.count());  // one left row against all
    const size_t lrow = left_chunk_.row(left_pos_++);
    bool matched = false;
    for (size_t rc = 0; rc < right_chunks_.size(); ++rc) {
      const DataChunk& right = right_chunks_[rc];
      DataChunk pairs = RowBesideBatch(left_chunk_, lrow, right);
      if (condition_ != nullptr) {
        auto kept = EvaluateFilter(*condition_, pairs, Rows::Of(pairs), ctx.eval);
        if (!kept.ok()) return kept.status();
        pairs.Select(std::move(*kept));
      }
      matched = matched || pairs.active() > 0;
      if (!EmitsPairs()) {
        if (matched) break;  // one partner decides
        continue;
      }
      for (size_t k = 0; k < pairs.active(); ++k) {
        right_matched_[rc][pairs.row(k)] = 1;
        AppendPair(&left_chunk_, lrow, &right, pairs.row(k), produced);
      }
    }
    FinishLeftRow(lrow, matched ? 1 : 0, produced);
    if (!produced->empty() && (produced->size() > 1 || produced->back().count() >= kBatchSize / 2)) break;
    if (ctx.charged_since_yield >= ctx.yield_every) break;  // let Next yield between left rows
  }
  return absl::OkStatus();
}

}  // namespace quanta::sql
