#include "sql/execution/operators.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "sql/common/sql_error.h"
#include "sql/execution/kernels.h"
#include "sql/execution/table_scan.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {
namespace {

constexpr size_t kBatchesPerClockCheck = 8;

// Appends row `row` of `src` to `*dst` (same column types), starting a new chunk when
// the last is full.
void AppendRow(const DataChunk& src, size_t row, std::vector<DataChunk>* dst) {
  if (dst->empty() || dst->back().count() == kBatchSize) {
    DataChunk chunk;
    for (const Vector& v : src.columns) chunk.columns.emplace_back(v.type(), kBatchSize);
    chunk.set_count(0);
    dst->push_back(std::move(chunk));
  }
  DataChunk& last = dst->back();
  const size_t at = last.count();
  for (size_t c = 0; c < src.columns.size(); ++c) last.columns[c].CopyRow(src.columns[c], row, at);
  last.set_count(at + 1);
}

// Trims each chunk's vectors to its count (chunks built by AppendRow are allocated full).
void Seal(std::vector<DataChunk>* chunks) {
  for (DataChunk& chunk : *chunks) {
    if (chunk.count() == kBatchSize) continue;
    DataChunk trimmed = chunk.Compact();
    chunk = std::move(trimmed);
  }
}

}  // namespace

void ChargeRows(ExecContext& ctx, size_t rows) {
  if (ctx.env == nullptr || rows == 0) return;
  const absl::Duration cost = ctx.row_cost * static_cast<int64_t>(rows);
  ctx.env->ChargeCpu(cost);
  ctx.charged_since_yield += cost;
}

Task<void> MaybeYield(ExecContext& ctx) {
  if (ctx.env == nullptr) co_return;
  bool due = ctx.charged_since_yield >= ctx.yield_every;
  if (!due && ++ctx.batches_since_yield >= kBatchesPerClockCheck) {
    ctx.batches_since_yield = 0;
    due = ctx.env->MonotonicNow() - ctx.last_yield >= ctx.yield_every;
  }
  if (!due) co_return;
  (void)co_await ctx.env->Sleep(absl::ZeroDuration());
  ctx.last_yield = ctx.env->MonotonicNow();
  ctx.timed_out = ctx.timed_out || ctx.last_yield >= ctx.deadline;
  ctx.charged_since_yield = absl::ZeroDuration();
  ctx.batches_since_yield = 0;
}

void AppendGroupKey(const Vector& v, size_t row, std::string* out) {
  if (v.IsNull(row)) {
    out->push_back('\x01');
    return;
  }
  switch (v.storage()) {
    case Storage::kInt: {
      out->push_back('\x02');
      const int64_t i = v.Int(row);
      out->append(reinterpret_cast<const char*>(&i), sizeof i);
      return;
    }
    case Storage::kString: {
      std::string_view s = v.Str(row);
      if (v.type().id == TypeId::kBpchar) {
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);  // char(n) ignores padding
      }
      const uint32_t n = static_cast<uint32_t>(s.size());
      out->push_back('\x03');
      out->append(reinterpret_cast<const char*>(&n), sizeof n);
      out->append(s);
      return;
    }
    case Storage::kFloat:
    case Storage::kNumeric:
      AppendKey(v, row, out);  // the canonical ordered key: -0 = 0, one NaN, 1.0 = 1.00
      return;
  }
  QUANTA_UNREACHABLE("a storage class without a group key");
}

std::string GroupKey(const std::vector<const Vector*>& columns, size_t row) {
  std::string key;
  for (const Vector* v : columns) AppendGroupKey(*v, row, &key);
  return key;
}

Task<absl::StatusOr<bool>> Operator::TimedOut() {
  co_return SqlError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
}

Task<absl::StatusOr<bool>> Operator::TimedNext(ExecContext& ctx, DataChunk* out) {
  QUANTA_ASSERT(ctx.instrument && ctx.env != nullptr);
  const bool starts_loop = !in_loop_;
  if (starts_loop) ++stats_.loops;
  in_loop_ = true;
  const absl::Duration start = ctx.env->MonotonicNow();
  auto more = co_await NextBatch(ctx, out);
  const absl::Duration took = ctx.env->MonotonicNow() - start;
  if (starts_loop) stats_.startup += took;
  stats_.total += took;
  ++stats_.batches;
  if (more.ok()) stats_.rows += CountedRows(*out);
  in_loop_ = more.ok() && *more;
  QUANTA_ASSERT(stats_.loops <= stats_.batches && stats_.startup <= stats_.total);
  co_return more;
}

Task<absl::StatusOr<std::vector<DataChunk>>> Drain(Operator& op, ExecContext& ctx) {
  std::vector<DataChunk> out;
  while (true) {
    DataChunk chunk;
    auto more = co_await op.Next(ctx, &chunk);
    if (!more.ok()) co_return more.status();
    if (chunk.active() > 0) out.push_back(chunk.has_selection() ? chunk.Compact() : std::move(chunk));
    if (!*more) break;
    co_await MaybeYield(ctx);
  }
  co_return out;
}

Task<absl::StatusOr<bool>> OneRowOperator::NextBatch(ExecContext&, DataChunk* out) {
  out->Reset();
  if (done_) co_return false;
  done_ = true;
  out->set_count(1);
  co_return true;
}

Task<absl::StatusOr<bool>> ValuesOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  out->Reset();
  for (const Type& t : types_) out->columns.emplace_back(t, std::min(kBatchSize, rows_.size() - next_));
  const size_t n = std::min(kBatchSize, rows_.size() - next_);
  for (size_t i = 0; i < n; ++i) {
    const auto& row = rows_[next_ + i];
    QUANTA_ASSERT(row.size() == types_.size());
    for (size_t c = 0; c < row.size(); ++c) {
      auto v = EvaluateConstant(*row[c], ctx.eval);
      if (!v.ok()) co_return v.status();
      out->columns[c].SetValue(i, *v);
    }
  }
  out->set_count(n);
  next_ += n;
  co_return next_ < rows_.size();
}

Task<absl::StatusOr<bool>> FilterOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  if (!started_) {  // the plan is final: a scan right below applies the predicate itself
    started_ = true;
    if (auto* scan = dynamic_cast<TableScanOperator*>(child_.get())) {
      scan->PushFilter(predicate_.get());
      pushed_ = true;
    }
  }
  while (true) {
    auto more = co_await child_->Next(ctx, out);
    if (!more.ok()) co_return more.status();
    if (out->active() > 0 && !pushed_) {
      auto kept = EvaluateFilter(*predicate_, *out, Rows::Of(*out), ctx.eval);
      if (!kept.ok()) co_return kept.status();
      out->Select(std::move(*kept));
    }
    if (out->active() > 0 || !*more) co_return *more;
    co_await MaybeYield(ctx);
  }
}

ProjectOperator::ProjectOperator(OperatorPtr child, std::vector<BoundExprPtr> exprs)
    : Operator({}), child_(std::move(child)), exprs_(std::move(exprs)) {
  for (const BoundExprPtr& e : exprs_) types_.push_back(e->type);
}

Task<absl::StatusOr<bool>> ProjectOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  DataChunk in;
  auto more = co_await child_->Next(ctx, &in);
  if (!more.ok()) co_return more.status();
  out->Reset();
  const Rows rows = Rows::Of(in);
  for (const BoundExprPtr& e : exprs_) {
    Vector scratch;
    auto v = Evaluate(*e, in, rows, ctx.eval, &scratch);
    if (!v.ok()) co_return v.status();
    Vector result = *v == &scratch ? std::move(scratch) : **v;
    if (result.is_constant()) result.Flatten(in.count());
    QUANTA_ASSERT(result.size() == in.count());
    out->columns.push_back(std::move(result));
  }
  out->set_count(in.count());
  QUANTA_ASSERT(out->columns.size() == types_.size());
  if (in.has_selection()) out->Select(in.selection());
  co_return *more;
}

Task<absl::StatusOr<bool>> FirstPerKeyOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  DataChunk in;
  auto more = co_await child_->Next(ctx, &in);
  if (!more.ok()) co_return more.status();
  std::vector<uint32_t> keep;
  for (size_t k = 0; k < in.active(); ++k) {
    const size_t r = in.row(k);
    std::string key;
    for (int c : columns_) AppendKey(in.columns[static_cast<size_t>(c)], r, &key);
    if (seen_.insert(std::move(key)).second) keep.push_back(static_cast<uint32_t>(r));
  }
  ChargeRows(ctx, in.active());
  *out = std::move(in);
  out->Select(std::move(keep));
  co_return *more;
}

Task<absl::StatusOr<bool>> LimitOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  while (true) {
    if (limit_ && emitted_ >= *limit_) {
      out->Reset();
      for (const Type& t : types_) out->columns.emplace_back(t, 0);
      co_return false;
    }
    auto more = co_await child_->Next(ctx, out);
    if (!more.ok()) co_return more.status();
    std::vector<uint32_t> keep;
    for (size_t k = 0; k < out->active(); ++k) {
      if (skipped_ < offset_) {
        ++skipped_;
        continue;
      }
      if (limit_ && emitted_ >= *limit_) break;
      keep.push_back(static_cast<uint32_t>(out->row(k)));
      ++emitted_;
    }
    out->Select(std::move(keep));
    if (out->active() > 0 || !*more) co_return *more && !(limit_ && emitted_ >= *limit_);
  }
}

Task<absl::StatusOr<bool>> BufferScanOperator::NextBatch(ExecContext&, DataChunk* out) {
  const std::vector<DataChunk>& chunks = source_->chunks;
  out->Reset();
  if (next_ >= chunks.size()) {
    for (const Type& t : types_) out->columns.emplace_back(t, 0);
    co_return false;
  }
  *out = chunks[next_++];
  co_return next_ < chunks.size();
}

std::vector<DataChunk> RecursiveUnionOperator::Fresh(std::vector<DataChunk> chunks) {
  if (all_) return chunks;
  std::vector<DataChunk> out;
  for (const DataChunk& c : chunks) {
    std::vector<const Vector*> cols;
    for (const Vector& v : c.columns) cols.push_back(&v);
    for (size_t r = 0; r < c.count(); ++r) {
      if (seen_.insert(GroupKey(cols, r)).second) AppendRow(c, r, &out);
    }
  }
  Seal(&out);
  return out;
}

Task<absl::StatusOr<bool>> RecursiveUnionOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  if (!started_) {
    started_ = true;
    auto rows = co_await Drain(*initial_, ctx);
    if (!rows.ok()) co_return rows.status();
    working_->chunks = Fresh(std::move(*rows));
    pending_ = working_->chunks;
  }
  while (pending_.empty() && !working_->chunks.empty()) {
    auto step = plan_step_();
    if (!step.ok()) co_return step.status();
    auto rows = co_await Drain(**step, ctx);
    if (!rows.ok()) co_return rows.status();
    working_->chunks = Fresh(std::move(*rows));
    pending_ = working_->chunks;
    co_await MaybeYield(ctx);
  }
  out->Reset();
  if (pending_.empty()) {
    for (const Type& t : types_) out->columns.emplace_back(t, 0);
    co_return false;
  }
  *out = std::move(pending_.front());
  pending_.erase(pending_.begin());
  produced_ += out->count();
  if (produced_ > kMaxRecursiveRows) {
    co_return SqlError(sqlstate::kProgramLimitExceeded,
                       absl::StrCat("recursive query produced more than ", kMaxRecursiveRows, " rows"));
  }
  co_return true;
}

std::string SetOperator::Describe() const {
  const char* name = op_ == Op::kUnion ? "Union" : op_ == Op::kIntersect ? "Intersect" : "Except";
  return absl::StrCat(all_ ? "" : "Distinct ", name, all_ ? " All" : "");
}

Task<absl::Status> SetOperator::Compute(ExecContext& ctx) {
  auto left = co_await Drain(*left_, ctx);
  if (!left.ok()) co_return left.status();
  auto right = co_await Drain(*right_, ctx);
  if (!right.ok()) co_return right.status();
  // Right-side multiplicities by group key (lookup-only map; output follows left order).
  absl::btree_map<std::string, int64_t> right_counts;
  for (const DataChunk& c : *right) {
    std::vector<const Vector*> cols;
    for (const Vector& v : c.columns) cols.push_back(&v);
    for (size_t r = 0; r < c.count(); ++r) ++right_counts[GroupKey(cols, r)];
  }
  absl::btree_map<std::string, int64_t> emitted;
  const auto take = [&](const DataChunk& c, size_t r, const std::string& key) {
    int64_t& n = emitted[key];
    const int64_t in_right = right_counts.count(key) ? right_counts[key] : 0;
    bool keep = false;
    switch (op_) {
      case Op::kUnion: keep = all_ || n == 0; break;
      case Op::kIntersect: keep = all_ ? n < in_right : (n == 0 && in_right > 0); break;
      case Op::kExcept: keep = all_ ? n >= in_right : (n == 0 && in_right == 0); break;  // ALL: right copies cancel
    }
    ++n;
    if (keep) AppendRow(c, r, &result_);
  };
  for (const DataChunk& c : *left) {
    std::vector<const Vector*> cols;
    for (const Vector& v : c.columns) cols.push_back(&v);
    for (size_t r = 0; r < c.count(); ++r) take(c, r, GroupKey(cols, r));
  }
  if (op_ == Op::kUnion) {
    for (const DataChunk& c : *right) {
      std::vector<const Vector*> cols;
      for (const Vector& v : c.columns) cols.push_back(&v);
      for (size_t r = 0; r < c.count(); ++r) take(c, r, GroupKey(cols, r));
    }
  }
  Seal(&result_);
  computed_ = true;
  co_return absl::OkStatus();
}

Task<absl::StatusOr<bool>> SetOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  if (!computed_) {
    absl::Status s = co_await Compute(ctx);
    if (!s.ok()) co_return s;
  }
  out->Reset();
  if (next_ >= result_.size()) {
    for (const Type& t : types_) out->columns.emplace_back(t, 0);
    co_return false;
  }
  *out = std::move(result_[next_++]);
  co_return next_ < result_.size();
}

}  // namespace quanta::sql
