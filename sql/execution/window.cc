#include "sql/execution/window.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/expression.h"
#include "sql/execution/kernels.h"

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

}  // namespace

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
    const auto frame = [&](size_t i, size_t* fs, size_t* fe) {
      if (f.whole_partition) {
        *fs = 0, *fe = size;
        return;
      }
      const auto bound = [&](WindowFrame::Bound b, int64_t offset, bool is_end) -> size_t {
        switch (b) {
          case WindowFrame::Bound::kUnboundedPreceding: return 0;
          case WindowFrame::Bound::kUnboundedFollowing: return size;
          case WindowFrame::Bound::kCurrentRow:
            if (f.rows) return is_end ? i + 1 : i;
            return is_end ? group_end[i] : group_start[i];
          case WindowFrame::Bound::kPreceding: {
            const int64_t at = static_cast<int64_t>(i) - offset + (is_end ? 1 : 0);
            return static_cast<size_t>(std::clamp<int64_t>(at, 0, static_cast<int64_t>(size)));
          }
          case WindowFrame::Bound::kFollowing: {
            const int64_t at = static_cast<int64_t>(i) + offset + (is_end ? 1 : 0);
            return static_cast<size_t>(std::clamp<int64_t>(at, 0, static_cast<int64_t>(size)));
          }
        }
        return 0;
      };
      *fs = bound(f.start, f.start_offset, false);
      *fe = std::max(*fs, bound(f.end, f.end_offset, true));
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
