#include "sql/execution/set_function.h"

#include <algorithm>

#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/expression.h"
#include "sql/types/array.h"
#include "sql/types/datetime.h"

namespace quanta::sql {
namespace {

bool IsTimestamp(const Type& t) { return t.id == TypeId::kTimestamp || t.id == TypeId::kTimestampTz; }

// Sign of `step` (intervals by their span): +1, -1 or 0.
int StepSign(const Value& step) {
  if (step.type().id == TypeId::kInterval) {
    const __int128 span = IntervalSpan(DecodeInterval(step.str()));
    return span > 0 ? 1 : span < 0 ? -1 : 0;
  }
  if (step.type().id == TypeId::kNumeric) return step.numeric().is_zero() ? 0 : step.numeric().negative() ? -1 : 1;
  return step.int_value() > 0 ? 1 : step.int_value() < 0 ? -1 : 0;
}

// -1, 0, 1 as a < b, a = b, a > b (one type).
int Compare(const Value& a, const Value& b) {
  if (a.type().id == TypeId::kNumeric) return a.numeric().Compare(b.numeric());
  return a.int_value() < b.int_value() ? -1 : a.int_value() > b.int_value() ? 1 : 0;
}

}  // namespace

SetFunctionCall SetFunctionCall::Clone() const {
  SetFunctionCall c;
  c.function = function;
  c.sql_name = sql_name;
  c.type = type;
  for (const BoundExprPtr& a : args) c.args.push_back(a->Clone());
  c.level = level;
  return c;
}

absl::Status SetCursor::Start(const SetFunctionCall& call, std::vector<Value> args) {
  QUANTA_ASSERT(args.size() == call.args.size());
  function_ = call.function;
  type_ = call.type;
  done_ = std::any_of(args.begin(), args.end(), [](const Value& v) { return v.is_null(); });
  elements_.clear();
  index_ = 0;
  if (done_) return absl::OkStatus();
  if (function_ == SetFunction::kUnnest) {
    QUANTA_ASSERT(args.size() == 1 && args[0].type().id == TypeId::kArray);
    elements_ = DecodeArray(args[0].str(), type_);
    done_ = elements_.empty();
    return absl::OkStatus();
  }
  if (function_ == SetFunction::kSubscripts) {
    StartSubscripts(args);
    return absl::OkStatus();
  }
  QUANTA_ASSERT(args.size() == 2 || args.size() == 3);
  QUANTA_ASSERT(args.size() == 3 || !IsTimestamp(type_));
  next_ = std::move(args[0]);
  stop_ = std::move(args[1]);
  if (args.size() == 3) {
    step_ = std::move(args[2]);
  } else {
    step_ = type_.id == TypeId::kNumeric ? Value::Num(Numeric::FromInt64(1)) : Value::Int(type_, 1);
  }
  direction_ = StepSign(step_);
  if (direction_ == 0) {
    done_ = true;
    return SqlError(sqlstate::kInvalidParameterValue, "step size cannot equal zero");
  }
  return absl::OkStatus();
}

void SetCursor::StartSubscripts(const std::vector<Value>& args) {
  QUANTA_ASSERT(args.size() == 2 || args.size() == 3);
  QUANTA_ASSERT(args[0].type().id == TypeId::kArray && type_.id == TypeId::kInt4);
  const int64_t length = static_cast<int64_t>(ArrayLength(args[0].str(), Type(args[0].type().element)));
  const bool reverse = args.size() == 3 && args[2].int_value() != 0;
  done_ = args[1].int_value() != 1 || length == 0;
  function_ = SetFunction::kGenerateSeries;  // from here on, the series of subscripts
  next_ = Value::Int(type_, reverse ? length : 1);
  stop_ = Value::Int(type_, reverse ? 1 : length);
  step_ = Value::Int(type_, reverse ? -1 : 1);
  direction_ = reverse ? -1 : 1;
}

absl::StatusOr<bool> SetCursor::Next(Value* out) {
  if (done_) return false;
  if (function_ == SetFunction::kGenerateSeries) return NextInSeries(out);
  QUANTA_ASSERT(function_ == SetFunction::kUnnest);
  QUANTA_ASSERT(index_ < elements_.size());
  *out = std::move(elements_[index_++]);
  done_ = index_ == elements_.size();
  return true;
}

absl::StatusOr<bool> SetCursor::NextInSeries(Value* out) {
  const int c = Compare(next_, stop_);
  if ((direction_ > 0 && c > 0) || (direction_ < 0 && c < 0)) {
    done_ = true;
    return false;
  }
  *out = next_;
  if (type_.id == TypeId::kNumeric) {
    auto sum = next_.numeric().Add(step_.numeric());
    if (!sum.ok()) return sum.status();
    next_ = Value::Num(std::move(*sum), type_);
  } else if (IsTimestamp(type_)) {
    auto t = TimestampPlusInterval(next_.int_value(), DecodeInterval(step_.str()));
    if (!t.ok()) return t.status();
    next_ = Value::Int(type_, *t);
  } else {
    int64_t sum = 0;
    const bool overflow = __builtin_add_overflow(next_.int_value(), step_.int_value(), &sum) ||
                          (type_.id == TypeId::kInt4 && (sum > INT32_MAX || sum < INT32_MIN));
    done_ = overflow;  // the value just returned was the type's last
    next_ = Value::Int(type_, sum);
  }
  return true;
}

namespace {

std::vector<Type> ScanTypes(const std::vector<SetFunctionCall>& calls, bool ordinality) {
  std::vector<Type> types;
  for (const SetFunctionCall& c : calls) types.push_back(c.type);
  if (ordinality) types.push_back(Type(TypeId::kInt8));
  return types;
}

}  // namespace

FunctionScanOperator::FunctionScanOperator(std::vector<SetFunctionCall> calls, bool ordinality)
    : Operator(ScanTypes(calls, ordinality)), calls_(std::move(calls)), ordinality_(ordinality), cursors_(calls_.size()) {
  QUANTA_ASSERT(!calls_.empty());
  for (const SetFunctionCall& c : calls_) QUANTA_ASSERT(c.level == 0);
}

Task<absl::StatusOr<bool>> FunctionScanOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  out->Reset();
  if (!started_) {
    started_ = true;
    for (size_t c = 0; c < calls_.size(); ++c) {
      std::vector<Value> args;
      for (const BoundExprPtr& a : calls_[c].args) {
        auto value = EvaluateConstant(*a, ctx.eval);
        if (!value.ok()) co_return value.status();
        args.push_back(std::move(*value));
      }
      absl::Status s = cursors_[c].Start(calls_[c], std::move(args));
      if (!s.ok()) co_return s;
    }
  }
  std::vector<std::vector<Value>> columns(calls_.size());
  size_t n = 0;
  while (!done_ && n < kBatchSize) {
    bool any = false;
    for (size_t c = 0; c < calls_.size(); ++c) {
      Value v = Value::Null(calls_[c].type);
      auto more = cursors_[c].Next(&v);
      if (!more.ok()) co_return more.status();
      any = any || *more;
      columns[c].push_back(std::move(v));
    }
    if (!any) {
      for (std::vector<Value>& column : columns) column.pop_back();
      done_ = true;
      break;
    }
    ++n;
  }
  for (size_t c = 0; c < calls_.size(); ++c) {
    QUANTA_ASSERT(columns[c].size() == n);
    out->columns.emplace_back(types_[c], n);
    for (size_t i = 0; i < n; ++i) out->columns[c].SetValue(i, columns[c][i]);
  }
  if (ordinality_) {
    out->columns.emplace_back(types_.back(), n);
    for (size_t i = 0; i < n; ++i) out->columns.back().SetInt(i, ++returned_);
  }
  QUANTA_ASSERT(out->columns.size() == types_.size());
  out->set_count(n);
  ChargeRows(ctx, n);
  co_await MaybeYield(ctx);
  co_return !done_;
}

}  // namespace quanta::sql
