#include "sql/execution/merge_join.h"

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "sql/common/sql_error.h"
#include "sql/execution/kernels.h"

namespace quanta::sql {
namespace {

// Row `ra` of `a` against row `rb` of `b` on their key columns, as ORDER BY ... ASC
// NULLS LAST compares them.
int CompareKeys(const DataChunk& a, const std::vector<int>& a_keys, size_t ra, const DataChunk& b,
                const std::vector<int>& b_keys, size_t rb) {
  QUANTA_ASSERT(a_keys.size() == b_keys.size());
  for (size_t i = 0; i < a_keys.size(); ++i) {
    const Vector& va = a.columns[static_cast<size_t>(a_keys[i])];
    const Vector& vb = b.columns[static_cast<size_t>(b_keys[i])];
    const bool na = va.IsNull(ra), nb = vb.IsNull(rb);
    if (na || nb) {
      if (na == nb) continue;
      return na ? 1 : -1;
    }
    const int c = CompareValues(va, ra, vb, rb, va.type().id == TypeId::kBpchar);
    if (c != 0) return c;
  }
  return 0;
}

bool HasNullKey(const DataChunk& chunk, const std::vector<int>& keys, size_t row) {
  for (int k : keys) {
    if (chunk.columns[static_cast<size_t>(k)].IsNull(row)) return true;
  }
  return false;
}

absl::Status OutOfOrder(const char* side) {
  return SqlError(sqlstate::kInternalError, absl::StrCat("merge join: the ", side, " input is not sorted on its join keys"));
}

// A one-row copy of `chunk`'s last row.
DataChunk LastRow(const DataChunk& chunk) {
  QUANTA_ASSERT(chunk.count() > 0 && !chunk.has_selection());
  DataChunk row;
  for (const Vector& column : chunk.columns) {
    Vector v(column.type(), 1);
    v.CopyRow(column, chunk.count() - 1, 0);
    row.columns.push_back(std::move(v));
  }
  row.set_count(1);
  return row;
}

}  // namespace

MergeJoinOperator::MergeJoinOperator(OperatorPtr left, OperatorPtr right, JoinKind kind, std::vector<int> left_keys,
                                     std::vector<int> right_keys, BoundExprPtr residual)
    : Operator(left->types()), kind_(kind), residual_(std::move(residual)) {
  QUANTA_ASSERT(kind_ != JoinKind::kCross);
  QUANTA_ASSERT(!left_keys.empty() && left_keys.size() == right_keys.size());
  for (size_t i = 0; i < left_keys.size(); ++i) {
    QUANTA_ASSERT(left_keys[i] >= 0 && static_cast<size_t>(left_keys[i]) < left->types().size());
    QUANTA_ASSERT(right_keys[i] >= 0 && static_cast<size_t>(right_keys[i]) < right->types().size());
    QUANTA_ASSERT(left->types()[static_cast<size_t>(left_keys[i])].id == right->types()[static_cast<size_t>(right_keys[i])].id);
  }
  if (EmitsPairs()) {
    for (const Type& t : right->types()) types_.push_back(t);
  }
  left_.op = std::move(left);
  left_.keys = std::move(left_keys);
  right_.op = std::move(right);
  right_.keys = std::move(right_keys);
}

std::string MergeJoinOperator::Describe() const {
  const std::string suffix = JoinKindSuffix(kind_);
  return absl::StrCat("Merge", suffix.empty() ? " Join" : suffix);
}

Task<absl::Status> MergeJoinOperator::Fill(ExecContext& ctx, Input& in) {
  while (!in.has_row() && !in.exhausted) {
    if (in.chunk.count() > 0) in.previous = LastRow(in.chunk);  // the next batch must not sort before it
    auto more = co_await in.op->Next(ctx, &in.scratch);
    if (!more.ok()) co_return more.status();
    in.exhausted = !*more;
    if (in.scratch.has_selection()) {
      in.chunk = in.scratch.Compact();
    } else {
      std::swap(in.chunk, in.scratch);  // the spent batch's vectors go back to the producer
    }
    in.pos = 0;
    ChargeRows(ctx, in.chunk.count());
    if (in.has_row() && in.previous.count() > 0 && CompareKeys(in.chunk, in.keys, 0, in.previous, in.keys, 0) < 0) {
      co_return OutOfOrder(&in == &left_ ? "left" : "right");
    }
  }
  QUANTA_ASSERT(in.has_row() || in.exhausted);
  co_return absl::OkStatus();
}

absl::Status MergeJoinOperator::Advance(Input& in) {
  QUANTA_ASSERT(in.has_row());
  ++in.pos;
  if (in.has_row() && CompareKeys(in.chunk, in.keys, in.pos, in.chunk, in.keys, in.pos - 1) < 0) {
    return OutOfOrder(&in == &left_ ? "left" : "right");
  }
  return absl::OkStatus();
}

void MergeJoinOperator::UnmatchedLeft() {
  if (KeepsLeft()) AppendJoinedRow(types_, left_.op->types().size(), &left_.chunk, left_.pos, nullptr, 0, &produced_);
}

void MergeJoinOperator::UnmatchedRight(const DataChunk& chunk, size_t row) {
  QUANTA_ASSERT(KeepsRight());
  AppendJoinedRow(types_, left_.op->types().size(), nullptr, 0, &chunk, row, &produced_);
}

void MergeJoinOperator::AddToGroup(const DataChunk& chunk, size_t row) {
  AppendJoinedRow(right_.op->types(), right_.op->types().size(), &chunk, row, nullptr, 0, &group_);
  if (group_matched_.size() < group_.size()) group_matched_.emplace_back(kBatchSize, 0);
  QUANTA_ASSERT(group_matched_.size() == group_.size() && !GroupEmpty());
}

void MergeJoinOperator::ClearGroup() {
  if (group_.empty()) return;
  group_.resize(1);
  group_matched_.resize(1);
  std::fill_n(group_matched_[0].begin(), group_[0].count(), 0);  // only the rows used
  group_[0].ResetRows();
  QUANTA_ASSERT(GroupEmpty());
}

absl::StatusOr<bool> MergeJoinOperator::JoinLeftRow(ExecContext& ctx) {
  QUANTA_ASSERT(left_.has_row() && !GroupEmpty());
  const size_t lrow = left_.pos;
  const size_t left_width = left_.op->types().size();
  bool matched = false;
  for (size_t g = 0; g < group_.size() && !(matched && !EmitsPairs()); ++g) {
    const DataChunk& rows = group_[g];
    ChargeRows(ctx, rows.count());
    if (residual_ == nullptr) {  // every row of the group pairs
      matched = matched || rows.count() > 0;
      if (!EmitsPairs()) continue;
      for (uint32_t r = 0; r < rows.count(); ++r) {
        group_matched_[g][r] = 1;
        AppendJoinedRow(types_, left_width, &left_.chunk, lrow, &rows, r, &produced_);
      }
      continue;
    }
    DataChunk pairs = RowBesideBatch(left_.chunk, lrow, rows);
    auto kept = EvaluateFilter(*residual_, pairs, Rows::Of(pairs), ctx.eval);
    if (!kept.ok()) return kept.status();
    matched = matched || !kept->empty();
    if (!EmitsPairs()) continue;
    for (uint32_t r : *kept) {
      group_matched_[g][r] = 1;
      AppendJoinedRow(types_, left_width, &left_.chunk, lrow, &rows, r, &produced_);
    }
  }
  if (kind_ == JoinKind::kSemi && matched) AppendJoinedRow(types_, left_width, &left_.chunk, lrow, nullptr, 0, &produced_);
  return matched;
}

size_t MergeJoinOperator::ReadyChunks() const {
  const size_t queued = produced_.size() - delivered_;
  if (queued == 0) return 0;
  return produced_.back().count() == kBatchSize ? queued : queued - 1;
}

absl::StatusOr<MergeJoinOperator::Need> MergeJoinOperator::Merge(ExecContext& ctx) {
  while (ReadyChunks() == 0) {
    if (!left_.has_row() && !left_.exhausted) return Need::kLeft;
    if (!right_.has_row() && !right_.exhausted) return Need::kRight;
    switch (phase_) {
      case Phase::kCollecting:  // the right rows of the group's key
        if (right_.has_row() && CompareKeys(right_.chunk, right_.keys, right_.pos, group_[0], right_.keys, 0) == 0) {
          AddToGroup(right_.chunk, right_.pos);
          RETURN_IF_ERROR(Advance(right_));
          continue;
        }
        phase_ = Phase::kPairing;
        continue;
      case Phase::kPairing:  // the left rows of the group's key
        if (left_.has_row() && CompareKeys(left_.chunk, left_.keys, left_.pos, group_[0], right_.keys, 0) == 0) {
          ASSIGN_OR_RETURN(const bool matched, JoinLeftRow(ctx));
          if (!matched) UnmatchedLeft();
          RETURN_IF_ERROR(Advance(left_));
          continue;
        }
        for (size_t g = 0; g < group_.size() && KeepsRight(); ++g) {
          for (size_t r = 0; r < group_[g].count(); ++r) {
            if (!group_matched_[g][r]) UnmatchedRight(group_[g], r);
          }
        }
        ClearGroup();
        phase_ = Phase::kMerging;
        continue;
      case Phase::kMerging:
        break;
    }
    const bool l = left_.has_row(), r = right_.has_row();
    if (!l && (!r || !KeepsRight())) return Need::kNothing;  // the rest joins nothing
    if (!r && !KeepsLeft()) return Need::kNothing;
    const int c = !l ? 1 : !r ? -1 : CompareKeys(left_.chunk, left_.keys, left_.pos, right_.chunk, right_.keys, right_.pos);
    if (c < 0 || (c == 0 && HasNullKey(left_.chunk, left_.keys, left_.pos))) {  // NULL joins nothing
      UnmatchedLeft();
      RETURN_IF_ERROR(Advance(left_));
    } else if (c > 0) {
      if (KeepsRight()) UnmatchedRight(right_.chunk, right_.pos);
      RETURN_IF_ERROR(Advance(right_));
    } else {
      // A group starts with the right row; it is collected before the left rows pair with it.
      QUANTA_ASSERT(GroupEmpty());
      AddToGroup(right_.chunk, right_.pos);
      RETURN_IF_ERROR(Advance(right_));
      phase_ = Phase::kCollecting;
    }
  }
  return Need::kOutput;
}

Task<absl::StatusOr<bool>> MergeJoinOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  while (!finished_ && ReadyChunks() == 0) {
    auto need = Merge(ctx);
    if (!need.ok()) co_return need.status();
    if (*need == Need::kLeft || *need == Need::kRight) {
      CO_RETURN_IF_ERROR(co_await Fill(ctx, *need == Need::kLeft ? left_ : right_));
      co_await MaybeYield(ctx);
    }
    finished_ = *need == Need::kNothing;
  }
  if (produced_.size() > delivered_) {
    DataChunk& next = produced_[delivered_++];
    // (Chunks are allocated full: a full one goes as it is, the last is trimmed to its rows.)
    *out = next.count() == kBatchSize ? std::move(next) : next.Compact();
    if (delivered_ == produced_.size()) {
      produced_.clear();
      delivered_ = 0;
    }
    co_return !(finished_ && produced_.empty());
  }
  out->Reset();
  for (const Type& t : types_) out->columns.emplace_back(t, 0);
  co_return false;
}

}  // namespace quanta::sql
