#include "sql/execution/aggregate.h"

#include <algorithm>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "sql/common/sql_error.h"
#include "sql/execution/kernels.h"
#include "sql/execution/operators.h"
#include "sql/storage/row_codec.h"
#include "sql/types/array.h"
#include "sql/types/ordered_key.h"

namespace quanta::sql {

struct AggregateOperator::Group {
  size_t set = 0;  // its grouping set
  std::vector<Value> keys;
  std::vector<State> states;
};

namespace {

absl::Status NoAggregate(std::string_view name, const std::vector<Type>& args) {
  std::string list;
  for (size_t i = 0; i < args.size(); ++i) absl::StrAppend(&list, i ? ", " : "", args[i].Name());
  return SqlError(sqlstate::kUndefinedFunction, absl::StrCat("function ", std::string(name), "(", list, ") does not exist"));
}

}  // namespace

absl::StatusOr<AggregateSpec> ResolveAggregate(std::string_view name, const std::vector<Type>& args, bool star) {
  AggregateSpec spec;
  spec.name = std::string(name);
  if (name == "count") {
    if (star) {
      spec.kind = AggregateKind::kCountStar;
    } else if (args.size() == 1) {
      spec.kind = AggregateKind::kCount;
    } else {
      return NoAggregate(name, args);
    }
    spec.result = Type(TypeId::kInt8);
    return spec;
  }
  if (star) return SqlError(sqlstate::kSyntaxError, absl::StrCat(std::string(name), "(*) is not an aggregate with a * argument"));
  const auto stringish = [](const Type& t) { return t.is_string() || t.id == TypeId::kUnknown; };
  if (name == "array_agg" && args.size() == 1) {
    const TypeId element = args[0].id == TypeId::kUnknown ? TypeId::kText : args[0].id;
    if (element == TypeId::kArray) return SqlError(sqlstate::kFeatureNotSupported, "array_agg of arrays is not supported yet");
    spec.kind = AggregateKind::kArrayAgg;
    spec.result = Type::Array(element);
    return spec;
  }
  if (name == "string_agg" && args.size() == 2 && stringish(args[0]) && stringish(args[1])) {
    spec.kind = AggregateKind::kStringAgg;
    spec.result = Type(TypeId::kText);
    return spec;
  }
  if (args.size() != 1) return NoAggregate(name, args);
  const Type& t = args[0];
  if (name == "sum" || name == "avg") {
    if (!t.is_numeric_category()) return NoAggregate(name, args);
    spec.kind = name == "sum" ? AggregateKind::kSum : AggregateKind::kAvg;
    if (t.is_float()) {
      spec.result = name == "sum" ? Type(t.id) : Type(TypeId::kFloat8);
    } else if (name == "avg" || t.id == TypeId::kInt8 || t.id == TypeId::kNumeric) {
      spec.result = Type(TypeId::kNumeric);
    } else {
      spec.result = Type(TypeId::kInt8);
    }
    return spec;
  }
  if (name == "min" || name == "max") {
    if (t.id == TypeId::kJson || t.id == TypeId::kArray) return NoAggregate(name, args);
    spec.kind = name == "min" ? AggregateKind::kMin : AggregateKind::kMax;
    spec.result = t.id == TypeId::kUnknown ? Type(TypeId::kText) : Type(t.id, t.typmod);
    return spec;
  }
  if (name == "bool_and" || name == "every" || name == "bool_or") {
    if (t.id != TypeId::kBool && t.id != TypeId::kUnknown) return NoAggregate(name, args);
    spec.kind = name == "bool_or" ? AggregateKind::kBoolOr : AggregateKind::kBoolAnd;
    spec.result = Type(TypeId::kBool);
    return spec;
  }
  return NoAggregate(name, args);
}

AggregateOperator::AggregateOperator(OperatorPtr child, std::vector<BoundExprPtr> groups,
                                     std::vector<AggregateSpec> aggregates)
    : Operator({}), child_(std::move(child)), groups_(std::move(groups)), aggregates_(std::move(aggregates)) {
  for (const BoundExprPtr& g : groups_) types_.push_back(g->type);
  for (const AggregateSpec& a : aggregates_) types_.push_back(a.result);
}

AggregateOperator::~AggregateOperator() = default;

void AggregateOperator::set_grouping_sets(std::vector<std::vector<bool>> sets) {
  QUANTA_ASSERT(!sets.empty());
  for (const std::vector<bool>& s : sets) QUANTA_ASSERT(s.size() == groups_.size());
  sets_ = std::move(sets);
}

namespace {

// array_agg keeps NULL inputs (as NULL elements).
absl::Status UpdateArrayAgg(const AggregateSpec& spec, AggregateState& s, const Vector& v, size_t row) {
  if (spec.distinct) {
    std::string key;
    AppendKey(v, row, &key);
    if (!s.seen.insert(std::move(key)).second) return absl::OkStatus();
  }
  if (static_cast<size_t>(s.count) >= kMaxArrayElements) {
    return SqlError("54000", absl::StrCat("array size exceeds the maximum allowed (", kMaxArrayElements, ")"));
  }
  ++s.count;
  AppendArrayElement(v.Get(row), &s.text);
  s.have = true;
  return absl::OkStatus();
}

// The sort key of `row` for an aggregate's ORDER BY: per key a NULL tag placed by
// NULLS FIRST/LAST, then the value's ordered key, inverted when descending.
std::string OrderKey(const AggregateSpec& spec, const std::vector<const Vector*>& args, size_t row) {
  std::string key;
  const size_t first = spec.input_count();
  for (size_t i = 0; i < spec.order.size(); ++i) {
    const AggregateOrder& o = spec.order[i];
    const Vector& v = *args[first + i];
    if (v.IsNull(row)) {
      key.push_back(o.nulls_first ? '\x00' : '\x02');
      continue;
    }
    key.push_back('\x01');
    const size_t start = key.size();
    AppendOrderedKey(v.Get(row), &key);
    if (o.descending) {
      for (size_t b = start; b < key.size(); ++b) key[b] = static_cast<char>(~key[b]);
    }
  }
  return key;
}

absl::Status UpdateInput(const AggregateSpec& spec, AggregateState& s, const std::vector<const Vector*>& args,
                         size_t row) {
  if (spec.kind == AggregateKind::kCountStar) {
    ++s.count;
    return absl::OkStatus();
  }
  const Vector& v = *args[0];
  if (spec.kind == AggregateKind::kArrayAgg) return UpdateArrayAgg(spec, s, v, row);
  if (v.IsNull(row)) return absl::OkStatus();
  if (spec.distinct) {
    std::string key;
    AppendKey(v, row, &key);
    if (!s.seen.insert(std::move(key)).second) return absl::OkStatus();
  }
  ++s.count;
  switch (spec.kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount:
      return absl::OkStatus();
    case AggregateKind::kSum:
    case AggregateKind::kAvg:
      switch (v.storage()) {
        case Storage::kInt: s.int_sum += v.Int(row); break;
        case Storage::kFloat: s.float_sum += v.Float(row); break;
        case Storage::kNumeric:
          if (v.decimal()) {
            RETURN_IF_ERROR(s.numeric_sum.AddUnscaled(v.Unscaled(row), v.decimal_scale()));
          } else {
            RETURN_IF_ERROR(s.numeric_sum.Add(v.Num(row)));
          }
          break;
        case Storage::kString: QUANTA_UNREACHABLE("sum of strings");
      }
      return absl::OkStatus();
    case AggregateKind::kMin:
    case AggregateKind::kMax: {
      if (s.have) {
        Vector held;
        held.SetConstant(s.best);
        const int c = CompareValues(v, row, held, 0, v.type().id == TypeId::kBpchar);
        if ((spec.kind == AggregateKind::kMin) ? c >= 0 : c <= 0) return absl::OkStatus();
      }
      s.best = v.Get(row);
      s.have = true;
      return absl::OkStatus();
    }
    case AggregateKind::kBoolAnd:
    case AggregateKind::kBoolOr:
      s.flag = s.have ? (spec.kind == AggregateKind::kBoolAnd ? (s.flag && v.Int(row) != 0) : (s.flag || v.Int(row) != 0))
                      : v.Int(row) != 0;
      s.have = true;
      return absl::OkStatus();
    case AggregateKind::kStringAgg:
      if (s.have && !args[1]->IsNull(row)) s.text += args[1]->Str(row);
      s.text += v.Str(row);
      s.have = true;
      return absl::OkStatus();
    case AggregateKind::kArrayAgg: QUANTA_UNREACHABLE("array_agg is fed by UpdateArrayAgg");
    case AggregateKind::kGrouping: QUANTA_UNREACHABLE("GROUPING has no input");
  }
  return absl::OkStatus();
}

// Feeds the buffered inputs of an ordered aggregate in sort order to a fresh state.
absl::StatusOr<AggregateState> ReplayOrdered(const AggregateSpec& spec, const AggregateState& buffered) {
  std::vector<size_t> order(buffered.buffered.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return buffered.buffered[a].first < buffered.buffered[b].first;
  });
  AggregateState s;
  for (size_t i : order) {
    const DataChunk chunk = RowChunk(buffered.buffered[i].second);
    std::vector<const Vector*> args;
    for (const Vector& c : chunk.columns) args.push_back(&c);
    RETURN_IF_ERROR(UpdateInput(spec, s, args, 0));
  }
  return s;
}

absl::StatusOr<Value> FinishInput(const AggregateSpec& spec, const AggregateState& s);

}  // namespace

absl::Status UpdateAggregate(const AggregateSpec& spec, AggregateState& s, const std::vector<const Vector*>& args,
                             size_t row) {
  QUANTA_ASSERT(args.size() == spec.args.size());
  if (spec.order.empty()) return UpdateInput(spec, s, args, row);
  std::vector<Value> inputs;
  for (size_t i = 0; i < spec.input_count(); ++i) inputs.push_back(args[i]->Get(row));
  s.buffered.emplace_back(OrderKey(spec, args, row), std::move(inputs));
  return absl::OkStatus();
}

absl::StatusOr<Value> FinishAggregate(const AggregateSpec& spec, const AggregateState& s) {
  if (spec.order.empty()) return FinishInput(spec, s);
  auto replayed = ReplayOrdered(spec, s);
  if (!replayed.ok()) return replayed.status();
  return FinishInput(spec, *replayed);
}

namespace {

absl::StatusOr<Value> FinishInput(const AggregateSpec& spec, const AggregateState& s) {
  const Type& t = spec.result;
  switch (spec.kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount:
      return Value::Int(t, s.count);
    case AggregateKind::kSum:
    case AggregateKind::kAvg: {
      if (s.count == 0) return Value::Null(t);
      const Type& input = spec.args[0]->type;
      if (input.is_float()) {
        const double sum = s.float_sum;
        if (spec.kind == AggregateKind::kSum) return Value::Float(t, t.id == TypeId::kFloat4 ? static_cast<float>(sum) : sum);
        return Value::Float(t, sum / static_cast<double>(s.count));
      }
      auto total = s.numeric_sum.Total();
      if (!total.ok()) return total.status();
      Numeric sum = *std::move(total);
      if (input.is_integer()) {
        const __int128 v = s.int_sum;
        sum = Numeric::FromUnscaled(v, 0);
        if (spec.kind == AggregateKind::kSum && t.id == TypeId::kInt8) {
          if (v < INT64_MIN || v > INT64_MAX) return SqlError(sqlstate::kNumericOutOfRange, "bigint out of range");
          return Value::Int(t, static_cast<int64_t>(v));
        }
      }
      if (spec.kind == AggregateKind::kSum) return Value::Num(std::move(sum), t);
      auto avg = sum.Div(Numeric::FromInt64(s.count));
      if (!avg.ok()) return avg.status();
      return Value::Num(std::move(*avg), t);
    }
    case AggregateKind::kMin:
    case AggregateKind::kMax: {
      if (!s.have) return Value::Null(t);
      Value v = s.best;
      v.set_type(t);
      return v;
    }
    case AggregateKind::kBoolAnd:
    case AggregateKind::kBoolOr:
      return s.have ? Value::Bool(s.flag) : Value::Null(t);
    case AggregateKind::kStringAgg:
    case AggregateKind::kArrayAgg:
      return s.have ? Value::String(t, s.text) : Value::Null(t);
    case AggregateKind::kGrouping: QUANTA_UNREACHABLE("GROUPING is computed by the operator");
  }
  QUANTA_UNREACHABLE("aggregate kind");
}

}  // namespace

namespace {

// Feeds rows[k] of `arg` to state_of(k) for every k the FILTER flags keep (`included`:
// empty for all) in one tight loop, for count and for sum/avg of integers, floats and
// decimals without DISTINCT or ORDER BY. False if `spec` needs UpdateAggregate's
// general path. Errors: a sum past numeric's range (22003).
template <typename StateOf>
absl::StatusOr<bool> UpdateSimple(const AggregateSpec& spec, const Vector* arg, const Rows& rows,
                                  const std::vector<uint8_t>& included, StateOf state_of) {
  if (spec.distinct || !spec.order.empty()) return false;
  const bool all = included.empty();
  if (spec.kind == AggregateKind::kCountStar) {
    for (size_t k = 0; k < rows.size(); ++k) state_of(k).count += (all || included[rows[k]]) ? 1 : 0;
    return true;
  }
  QUANTA_ASSERT(arg != nullptr);
  const bool sum = spec.kind == AggregateKind::kSum || spec.kind == AggregateKind::kAvg;
  if (!sum && spec.kind != AggregateKind::kCount) return false;
  const Storage storage = arg->storage();
  if (sum && storage == Storage::kNumeric && !arg->decimal()) return false;
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    if ((!all && !included[r]) || arg->IsNull(r)) continue;
    AggregateState& s = state_of(k);
    ++s.count;
    if (!sum) continue;
    switch (storage) {
      case Storage::kInt: s.int_sum += arg->Int(r); break;
      case Storage::kFloat: s.float_sum += arg->Float(r); break;
      case Storage::kNumeric:
        RETURN_IF_ERROR(s.numeric_sum.AddUnscaled(arg->Unscaled(r), arg->decimal_scale()));
        break;
      case Storage::kString: QUANTA_UNREACHABLE("sum of strings");
    }
  }
  return true;
}

}  // namespace

absl::Status AggregateOperator::Accumulate(const DataChunk& in, const ExecContext& ctx) {
  const Rows rows = Rows::Of(in);
  std::vector<Vector> group_scratch(groups_.size());
  std::vector<const Vector*> group_values;
  for (size_t g = 0; g < groups_.size(); ++g) {
    auto v = Evaluate(*groups_[g], in, rows, ctx.eval, &group_scratch[g]);
    if (!v.ok()) return v.status();
    group_values.push_back(*v);
  }
  // Per aggregate: its evaluated arguments and the rows its FILTER keeps.
  std::vector<std::vector<Vector>> arg_scratch(aggregates_.size());
  std::vector<std::vector<const Vector*>> arg_values(aggregates_.size());
  std::vector<std::vector<uint8_t>> included(aggregates_.size());
  for (size_t a = 0; a < aggregates_.size(); ++a) {
    const AggregateSpec& spec = aggregates_[a];
    arg_scratch[a].resize(spec.args.size());
    for (size_t i = 0; i < spec.args.size(); ++i) {
      auto v = Evaluate(*spec.args[i], in, rows, ctx.eval, &arg_scratch[a][i]);
      if (!v.ok()) return v.status();
      arg_values[a].push_back(*v);
    }
    if (spec.filter != nullptr) {
      auto kept = EvaluateFilter(*spec.filter, in, rows, ctx.eval);
      if (!kept.ok()) return kept.status();
      included[a].assign(in.count(), 0);
      for (uint32_t r : *kept) included[a][r] = 1;
    }
  }
  const size_t set_count = std::max<size_t>(sets_.size(), 1);
  std::vector<std::vector<Group*>> targets(set_count, std::vector<Group*>(rows.size()));
  GroupsOf(group_values, rows, &targets);
  for (size_t set = 0; set < set_count; ++set) {
    for (size_t a = 0; a < aggregates_.size(); ++a) {
      if (aggregates_[a].kind == AggregateKind::kGrouping) continue;
      const std::vector<Group*>& of = targets[set];
      const Vector* arg = arg_values[a].empty() ? nullptr : arg_values[a][0];
      ASSIGN_OR_RETURN(const bool done, UpdateSimple(aggregates_[a], arg, rows, included[a],
                                                     [&](size_t k) -> State& { return of[k]->states[a]; }));
      if (done) continue;
      for (size_t k = 0; k < rows.size(); ++k) {
        const uint32_t r = rows[k];
        if (!included[a].empty() && !included[a][r]) continue;
        RETURN_IF_ERROR(UpdateAggregate(aggregates_[a], of[k]->states[a], arg_values[a], r));
      }
    }
  }
  return absl::OkStatus();
}

void AggregateOperator::GroupsOf(const std::vector<const Vector*>& group_values, const Rows& rows,
                                 std::vector<std::vector<Group*>>* targets) {
  QUANTA_ASSERT(targets->size() == std::max<size_t>(sets_.size(), 1));
  if (sets_.empty() && groups_.empty()) {  // one group for every row
    if (rows.size() > 0) std::fill((*targets)[0].begin(), (*targets)[0].end(), &GroupOf(0, group_values, rows[0]));
    return;
  }
  // Row by row, then set by set: groups are created (and come out) in that order.
  for (size_t k = 0; k < rows.size(); ++k) {
    for (size_t set = 0; set < targets->size(); ++set) {
      QUANTA_DEBUG_ASSERT((*targets)[set].size() == rows.size());
      (*targets)[set][k] = &GroupOf(set, group_values, rows[k]);
    }
  }
}

bool AggregateOperator::Grouped(size_t set, size_t g) const { return sets_.empty() || sets_[set][g]; }

AggregateOperator::Group& AggregateOperator::GroupOf(size_t set, const std::vector<const Vector*>& group_values,
                                                     uint32_t row) {
  std::string& key = key_scratch_;  // its buffer reused row to row
  key.clear();
  if (!sets_.empty()) key.append(reinterpret_cast<const char*>(&set), sizeof(set));
  for (size_t g = 0; g < group_values.size(); ++g) {
    if (Grouped(set, g)) AppendGroupKey(*group_values[g], row, &key);
  }
  if (auto found = index_.find(key); found != index_.end()) return *groups_seen_[found->second];
  const bool inserted = index_.emplace(key, groups_seen_.size()).second;
  QUANTA_ASSERT(inserted);  // (the lookup above found none)
  auto group = std::make_unique<Group>();
  group->set = set;
  for (size_t g = 0; g < group_values.size(); ++g) {
    group->keys.push_back(Grouped(set, g) ? group_values[g]->Get(row) : Value::Null(groups_[g]->type));
  }
  group->states.resize(aggregates_.size());
  groups_seen_.push_back(std::move(group));
  QUANTA_ASSERT(index_.size() == groups_seen_.size());
  return *groups_seen_.back();
}

// GROUPING(...) of a group: a bit per argument, set where it is not grouped.
Value AggregateOperator::GroupingValue(const AggregateSpec& spec, const Group& group) const {
  int64_t bits = 0;
  for (int ref : spec.grouping_refs) bits = (bits << 1) | (Grouped(group.set, static_cast<size_t>(ref)) ? 0 : 1);
  return Value::Int(spec.result, bits);
}

Task<absl::Status> AggregateOperator::Consume(ExecContext& ctx) {
  DataChunk in;  // one chunk for every batch: the scan below reuses its vectors
  while (true) {
    auto more = co_await child_->Next(ctx, &in);
    if (!more.ok()) co_return more.status();
    if (in.active() > 0) {
      ChargeRows(ctx, in.active());
      absl::Status s = Accumulate(in, ctx);
      if (!s.ok()) co_return s;
    }
    if (!*more) break;
    co_await MaybeYield(ctx);
  }
  // A set grouping by nothing (no GROUP BY, GROUP BY (), a grand total) has its group
  // over no rows too.
  for (size_t set = 0; set < std::max<size_t>(sets_.size(), 1); ++set) {
    bool empty = true;
    for (size_t g = 0; g < groups_.size(); ++g) empty = empty && !Grouped(set, g);
    const bool seen = std::any_of(groups_seen_.begin(), groups_seen_.end(),
                                  [&](const std::unique_ptr<Group>& group) { return group->set == set; });
    if (!empty || seen) continue;
    auto group = std::make_unique<Group>();
    group->set = set;
    for (const BoundExprPtr& g : groups_) group->keys.push_back(Value::Null(g->type));
    group->states.resize(aggregates_.size());
    groups_seen_.push_back(std::move(group));
  }
  consumed_ = true;
  co_return absl::OkStatus();
}

Task<absl::StatusOr<bool>> AggregateOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  if (!consumed_) {
    absl::Status s = co_await Consume(ctx);
    if (!s.ok()) co_return s;
  }
  out->Reset();
  const size_t n = std::min(kBatchSize, groups_seen_.size() - next_);
  for (const Type& t : types_) out->columns.emplace_back(t, n);
  for (size_t i = 0; i < n; ++i) {
    const Group& group = *groups_seen_[next_ + i];
    for (size_t g = 0; g < group.keys.size(); ++g) out->columns[g].SetValue(i, group.keys[g]);
    for (size_t a = 0; a < aggregates_.size(); ++a) {
      if (aggregates_[a].kind == AggregateKind::kGrouping) {
        out->columns[groups_.size() + a].SetValue(i, GroupingValue(aggregates_[a], group));
        continue;
      }
      auto v = FinishAggregate(aggregates_[a], group.states[a]);
      if (!v.ok()) co_return v.status();
      out->columns[groups_.size() + a].SetValue(i, *v);
    }
  }
  out->set_count(n);
  next_ += n;
  QUANTA_ASSERT(next_ <= groups_seen_.size());
  co_return next_ < groups_seen_.size();
}

}  // namespace quanta::sql
