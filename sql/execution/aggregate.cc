#include "sql/execution/aggregate.h"

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/kernels.h"
#include "sql/execution/operators.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {

struct AggregateOperator::Group {
  std::vector<Value> keys;
  std::vector<State> states;
};

namespace {

Numeric FromInt128(__int128 v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return Numeric::FromInt64(static_cast<int64_t>(v));
  const bool negative = v < 0;
  unsigned __int128 m = negative ? 0 - static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string digits;
  for (; m != 0; m /= 10) digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
  auto n = Numeric::Parse(negative ? "-" + digits : digits);
  QUANTA_ASSERT(n.ok());
  return *n;
}

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

absl::Status UpdateAggregate(const AggregateSpec& spec, AggregateState& s, const std::vector<const Vector*>& args,
                             size_t row) {
  if (spec.kind == AggregateKind::kCountStar) {
    ++s.count;
    return absl::OkStatus();
  }
  const Vector& v = *args[0];
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
        case Storage::kNumeric: {
          auto sum = s.numeric_sum.Add(v.Num(row));
          if (!sum.ok()) return sum.status();
          s.numeric_sum = std::move(*sum);
          break;
        }
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
  }
  return absl::OkStatus();
}

absl::StatusOr<Value> FinishAggregate(const AggregateSpec& spec, const AggregateState& s) {
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
      Numeric sum = s.numeric_sum;
      if (input.is_integer()) {
        const __int128 v = s.int_sum;
        sum = FromInt128(v);
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
      return s.have ? Value::String(t, s.text) : Value::Null(t);
  }
  QUANTA_UNREACHABLE("aggregate kind");
}

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
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    const std::string key = GroupKey(group_values, r);
    auto [it, inserted] = index_.try_emplace(key, groups_seen_.size());
    if (inserted) {
      auto group = std::make_unique<Group>();
      for (const Vector* v : group_values) group->keys.push_back(v->Get(r));
      group->states.resize(aggregates_.size());
      groups_seen_.push_back(std::move(group));
    }
    QUANTA_ASSERT(index_.size() == groups_seen_.size());
    Group& group = *groups_seen_[it->second];
    QUANTA_ASSERT(group.states.size() == aggregates_.size());
    for (size_t a = 0; a < aggregates_.size(); ++a) {
      if (!included[a].empty() && !included[a][r]) continue;
      absl::Status s = UpdateAggregate(aggregates_[a], group.states[a], arg_values[a], r);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

Task<absl::Status> AggregateOperator::Consume(ExecContext& ctx) {
  while (true) {
    DataChunk in;
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
  if (groups_.empty() && groups_seen_.empty()) {
    auto group = std::make_unique<Group>();
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
