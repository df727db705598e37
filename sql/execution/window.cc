#include "sql/execution/window.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/expression.h"
#include "sql/execution/kernels.h"
#include "sql/types/datetime.h"

namespace quanta::sql {
namespace {

// One chunk holding every row of `chunks` (flat).
DataChunk Concatenate(const std::vector<DataChunk>& chunks, const std::vector<Type>& types) {
  size_t n = 0;
  for (const DataChunk& c : chunks) n += c.count();
  DataChunk all;
  for (const Type& t : types) all.columns.emplace_back(t, n);
  size_t row = 0;
  for (const DataChunk& c : chunks) {
    QUANTA_ASSERT(!c.has_selection());
    for (size_t r = 0; r < c.count(); ++r, ++row) {
      for (size_t col = 0; col < types.size(); ++col) all.columns[col].SetValue(row, c.columns[col].Get(r));
    }
  }
  all.set_count(n);
  return all;
}

// Ordering of rows by evaluated keys: NULLs by nulls_first, the rest by CompareValues.
int CompareKeys(const std::vector<const Vector*>& keys, const std::vector<bool>& descending,
                const std::vector<bool>& nulls_first, size_t a, size_t b) {
  for (size_t k = 0; k < keys.size(); ++k) {
    const Vector& v = *keys[k];
    const bool na = v.IsNull(a), nb = v.IsNull(b);
    if (na || nb) {
      if (na && nb) continue;
      const bool first = k < nulls_first.size() && nulls_first[k];
      return na == first ? -1 : 1;
    }
    int c = CompareValues(v, a, v, b, v.type().id == TypeId::kBpchar);
    if (k < descending.size() && descending[k]) c = -c;
    if (c != 0) return c;
  }
  return 0;
}

// A frame offset's value, checked as PostgreSQL checks it when the window starts.
absl::Status CheckOffset(const Value& v, bool start, bool rows) {
  if (v.is_null()) {
    return SqlError("22004", start ? "frame starting offset must not be null" : "frame ending offset must not be null");
  }
  bool negative = false;
  switch (v.type().id) {
    case TypeId::kNumeric: negative = v.numeric().negative() || v.numeric().is_nan(); break;
    case TypeId::kFloat8: negative = v.float_value() < 0 || std::isnan(v.float_value()); break;
    case TypeId::kInterval: negative = IntervalSpan(DecodeInterval(v.str())) < 0; break;
    default: negative = v.int_value() < 0; break;
  }
  if (!negative) return absl::OkStatus();
  if (!rows) return SqlError("22013", "invalid preceding or following size in window function");
  return SqlError("22013", start ? "frame starting offset must not be negative" : "frame ending offset must not be negative");
}

}  // namespace

absl::StatusOr<WindowOperator::FrameInputs> WindowOperator::EvaluateFrame(const WindowFrame& f, const DataChunk& all,
                                                                          ExecContext& ctx, std::vector<Vector>* scratch) {
  FrameInputs in;
  const Rows rows = Rows::Of(all);
  for (const bool start : {true, false}) {
    const BoundExprPtr& offset = start ? f.start_offset : f.end_offset;
    if (offset == nullptr) continue;
    auto v = EvaluateConstant(*offset, ctx.eval);
    if (!v.ok()) return v.status();
    absl::Status checked = CheckOffset(*v, start, f.rows);
    if (!checked.ok()) return checked;
    if (f.rows) (start ? in.start_rows : in.end_rows) = v->int_value();
  }
  if (f.range_key == nullptr) return in;
  QUANTA_ASSERT(!f.rows && (f.start_target != nullptr || f.end_target != nullptr));
  scratch->resize(3);
  const BoundExpr* exprs[] = {f.range_key.get(), f.start_target.get(), f.end_target.get()};
  const Vector** outs[] = {&in.key, &in.start_target, &in.end_target};
  for (size_t i = 0; i < 3; ++i) {
    if (exprs[i] == nullptr) continue;
    auto v = Evaluate(*exprs[i], all, rows, ctx.eval, &(*scratch)[i]);
    if (!v.ok()) return v.status();
    *outs[i] = *v;
  }
  return in;
}

WindowOperator::WindowOperator(OperatorPtr child, std::vector<WindowCall> calls)
    : Operator(child->types()), child_(std::move(child)), calls_(std::move(calls)) {
  for (const WindowCall& c : calls_) types_.push_back(c.result);
}

absl::StatusOr<Vector> WindowOperator::Compute(const WindowCall& call, const DataChunk& all, ExecContext& ctx) const {
  const size_t n = all.count();
  const Rows rows = Rows::Of(all);
  // Evaluated partition keys, order keys and arguments.
  std::vector<Vector> scratch(call.partition.size() + call.order.size() + call.args.size());
  std::vector<const Vector*> part, order, args;
  size_t s = 0;
  for (const auto* list : {&call.partition, &call.order, &call.args}) {
    for (const BoundExprPtr& e : *list) {
      auto v = Evaluate(*e, all, rows, ctx.eval, &scratch[s++]);
      if (!v.ok()) return v.status();
      (list == &call.partition ? part : list == &call.order ? order : args).push_back(*v);
    }
  }
  std::vector<size_t> sorted(n);
  std::iota(sorted.begin(), sorted.end(), 0);
  const std::vector<bool> no_flags(part.size(), false);
  std::stable_sort(sorted.begin(), sorted.end(), [&](size_t a, size_t b) {
    const int c = CompareKeys(part, no_flags, no_flags, a, b);
    if (c != 0) return c < 0;
    return CompareKeys(order, call.descending, call.nulls_first, a, b) < 0;
  });
  std::vector<Vector> frame_scratch;
  auto frame_inputs = EvaluateFrame(call.frame, all, ctx, &frame_scratch);
  if (!frame_inputs.ok()) return frame_inputs.status();
  const FrameInputs& in = *frame_inputs;
  ChargeRows(ctx, n);
  Vector out(call.result, n);
  size_t p0 = 0;
  while (p0 < n) {
    size_t p1 = p0 + 1;
    while (p1 < n && CompareKeys(part, no_flags, no_flags, sorted[p0], sorted[p1]) == 0) ++p1;
    const size_t size = p1 - p0;
    const auto peers = [&](size_t i, size_t j) {
      return CompareKeys(order, call.descending, call.nulls_first, sorted[p0 + i], sorted[p0 + j]) == 0;
    };
    // Peer groups: first and last+1 partition positions of each row's group.
    std::vector<size_t> group_start(size), group_end(size);
    for (size_t i = 0; i < size; ++i) group_start[i] = (i > 0 && peers(i - 1, i)) ? group_start[i - 1] : i;
    for (size_t i = size; i-- > 0;) group_end[i] = (i + 1 < size && peers(i, i + 1)) ? group_end[i + 1] : i + 1;
    const WindowFrame& f = call.frame;
    // RANGE offsets: the partition's non-NULL keys are positions [nn0, nn1).
    size_t nn0 = 0, nn1 = size;
    if (in.key != nullptr) {
      while (nn0 < size && in.key->IsNull(sorted[p0 + nn0])) ++nn0;
      while (nn1 > nn0 && in.key->IsNull(sorted[p0 + nn1 - 1])) --nn1;
    }
    // A RANGE offset bound of row i: the first non-NULL key past those before the
    // start target (or not after the end target); a NULL key's frame is its peers.
    const auto range_bound = [&](size_t i, bool is_end) -> size_t {
      const size_t row = sorted[p0 + i];
      if (in.key->IsNull(row)) return is_end ? group_end[i] : group_start[i];
      const Vector* target = is_end ? in.end_target : in.start_target;
      QUANTA_ASSERT(target != nullptr && !target->IsNull(row));
      size_t lo = nn0, hi = nn1;
      while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        int c = CompareValues(*in.key, sorted[p0 + mid], *target, row, false);
        if (call.descending[0]) c = -c;
        if (is_end ? c <= 0 : c < 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    };
    const auto frame = [&](size_t i, size_t* fs, size_t* fe) {
      if (f.whole_partition) {
        *fs = 0, *fe = size;
        return;
      }
      const auto bound = [&](WindowFrame::Bound b, int64_t offset, bool is_end) -> size_t {
        using B = WindowFrame::Bound;
        if (b == B::kUnboundedPreceding) return 0;
        if (b == B::kUnboundedFollowing) return size;
        if (b == B::kCurrentRow) {
          if (f.rows) return is_end ? i + 1 : i;
          return is_end ? group_end[i] : group_start[i];
        }
        if (!f.rows) return range_bound(i, is_end);
        const __int128 at = static_cast<__int128>(i) + (b == B::kPreceding ? -offset : offset) + (is_end ? 1 : 0);
        return static_cast<size_t>(std::clamp<__int128>(at, 0, static_cast<__int128>(size)));
      };
      *fs = bound(f.start, in.start_rows, false);
      *fe = std::max(*fs, bound(f.end, in.end_rows, true));
    };
    size_t dense = 0;
    for (size_t i = 0; i < size; ++i) {
      const size_t row = sorted[p0 + i];
      if (group_start[i] == i) ++dense;
      switch (call.kind) {
        case WindowKind::kRowNumber: out.SetInt(row, static_cast<int64_t>(i + 1)); break;
        case WindowKind::kRank: out.SetInt(row, static_cast<int64_t>(group_start[i] + 1)); break;
        case WindowKind::kDenseRank: out.SetInt(row, static_cast<int64_t>(dense)); break;
        case WindowKind::kPercentRank:
          out.SetFloat(row, size <= 1 ? 0.0 : static_cast<double>(group_start[i]) / static_cast<double>(size - 1));
          break;
        case WindowKind::kCumeDist: out.SetFloat(row, static_cast<double>(group_end[i]) / static_cast<double>(size)); break;
        case WindowKind::kNtile: {
          if (args[0]->IsNull(row)) break;
          const int64_t buckets = args[0]->Int(row);
          if (buckets <= 0) return SqlError("22014", "argument of ntile must be greater than zero");
          // PostgreSQL: the first (size % buckets) buckets get one row more.
          const int64_t per = static_cast<int64_t>(size) / buckets, extra = static_cast<int64_t>(size) % buckets;
          const int64_t big = (per + 1) * extra;
          const int64_t pos = static_cast<int64_t>(i);
          out.SetInt(row, pos < big ? pos / (per + 1) + 1 : extra + (pos - big) / std::max<int64_t>(per, 1) + 1);
          break;
        }
        case WindowKind::kLag:
        case WindowKind::kLead: {
          const int64_t offset = args.size() > 1 ? (args[1]->IsNull(row) ? 0 : args[1]->Int(row)) : 1;
          if (args.size() > 1 && args[1]->IsNull(row)) break;
          const int64_t at = static_cast<int64_t>(i) + (call.kind == WindowKind::kLead ? offset : -offset);
          if (at >= 0 && at < static_cast<int64_t>(size)) {
            out.SetValue(row, args[0]->Get(sorted[p0 + static_cast<size_t>(at)]));
          } else if (args.size() > 2) {
            out.SetValue(row, args[2]->Get(row));
          }
          break;
        }
        case WindowKind::kFirstValue:
        case WindowKind::kLastValue:
        case WindowKind::kNthValue: {
          size_t fs = 0, fe = 0;
          frame(i, &fs, &fe);
          size_t pick = 0;
          if (call.kind == WindowKind::kNthValue) {
            if (args[1]->IsNull(row)) break;
            const int64_t nth = args[1]->Int(row);
            if (nth <= 0) return SqlError("22016", "argument of nth_value must be greater than zero");
            if (static_cast<int64_t>(fe - fs) < nth) break;
            pick = fs + static_cast<size_t>(nth - 1);
          } else {
            if (fs == fe) break;
            pick = call.kind == WindowKind::kFirstValue ? fs : fe - 1;
          }
          out.SetValue(row, args[0]->Get(sorted[p0 + pick]));
          break;
        }
        case WindowKind::kAggregate: {
          size_t fs = 0, fe = 0;
          frame(i, &fs, &fe);
          AggregateState state;
          for (size_t j = fs; j < fe; ++j) {
            absl::Status fed = UpdateAggregate(call.aggregate, state, args, sorted[p0 + j]);
            if (!fed.ok()) return fed;
          }
          ChargeRows(ctx, fe - fs);
          auto v = FinishAggregate(call.aggregate, state);
          if (!v.ok()) return v.status();
          out.SetValue(row, *v);
          break;
        }
      }
    }
    p0 = p1;
  }
  return out;
}

Task<absl::StatusOr<bool>> WindowOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  out->Reset();
  if (!computed_) {
    computed_ = true;
    auto chunks = co_await Drain(*child_, ctx);
    if (!chunks.ok()) co_return chunks.status();
    all_ = Concatenate(*chunks, child_->types());
    for (const WindowCall& call : calls_) {
      auto column = Compute(call, all_, ctx);
      if (!column.ok()) co_return column.status();
      all_.columns.push_back(std::move(*column));
      co_await MaybeYield(ctx);
    }
    QUANTA_ASSERT(all_.columns.size() == types_.size());
  }
  const size_t n = std::min(kBatchSize, all_.count() - next_);
  for (size_t c = 0; c < types_.size(); ++c) {
    out->columns.emplace_back(types_[c], n);
    for (size_t r = 0; r < n; ++r) out->columns[c].SetValue(r, all_.columns[c].Get(next_ + r));
  }
  out->set_count(n);
  next_ += n;
  co_return next_ < all_.count();
}

}  // namespace quanta::sql
