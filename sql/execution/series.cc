#include "sql/execution/series.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
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
    const Interval i = DecodeInterval(step.str());
    const __int128 span = (static_cast<__int128>(i.months) * 30 + i.days) * kMicrosPerDay + i.micros;
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

GenerateSeriesOperator::GenerateSeriesOperator(Type type, std::vector<BoundExprPtr> args)
    : Operator({type}), args_(std::move(args)) {
  QUANTA_ASSERT(args_.size() == 2 || args_.size() == 3);
  QUANTA_ASSERT(type.id == TypeId::kInt4 || type.id == TypeId::kInt8 || type.id == TypeId::kNumeric || IsTimestamp(type));
}

absl::Status GenerateSeriesOperator::Start(const EvalContext& ctx) {
  started_ = true;
  std::vector<Value> v;
  for (const BoundExprPtr& a : args_) {
    auto value = EvaluateConstant(*a, ctx);
    if (!value.ok()) return value.status();
    v.push_back(std::move(*value));
  }
  const Type& type = types_[0];
  if (std::any_of(v.begin(), v.end(), [](const Value& x) { return x.is_null(); })) {
    done_ = true;  // strict: no rows
    return absl::OkStatus();
  }
  next_ = v[0];
  stop_ = v[1];
  if (v.size() == 3) {
    step_ = v[2];
  } else if (IsTimestamp(type)) {
    return SqlError(sqlstate::kUndefinedFunction,
                    absl::StrCat("function generate_series(", type.Name(), ", ", type.Name(), ") does not exist"));
  } else {
    step_ = type.id == TypeId::kNumeric ? Value::Num(Numeric::FromInt64(1)) : Value::Int(type, 1);
  }
  if (StepSign(step_) == 0) return SqlError(sqlstate::kInvalidParameterValue, "step size cannot equal zero");
  return absl::OkStatus();
}

Task<absl::StatusOr<bool>> GenerateSeriesOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  out->Reset();
  if (!started_) {
    absl::Status s = Start(ctx.eval);
    if (!s.ok()) co_return s;
  }
  const Type& type = types_[0];
  std::vector<Value> values;
  size_t n = 0;
  const int direction = done_ ? 0 : StepSign(step_);
  while (!done_ && n < kBatchSize) {
    const int c = Compare(next_, stop_);
    if ((direction > 0 && c > 0) || (direction < 0 && c < 0)) {
      done_ = true;
      break;
    }
    values.push_back(next_);
    ++n;
    // The next value; one past the type's range ends the series (PostgreSQL's too).
    if (type.id == TypeId::kNumeric) {
      auto sum = next_.numeric().Add(step_.numeric());
      if (!sum.ok()) co_return sum.status();
      next_ = Value::Num(std::move(*sum), type);
    } else if (IsTimestamp(type)) {
      auto t = TimestampPlusInterval(next_.int_value(), DecodeInterval(step_.str()));
      if (!t.ok()) co_return t.status();
      next_ = Value::Int(type, *t);
    } else {
      int64_t sum = 0;
      const bool overflow = __builtin_add_overflow(next_.int_value(), step_.int_value(), &sum) ||
                            (type.id == TypeId::kInt4 && (sum > INT32_MAX || sum < INT32_MIN));
      if (overflow) done_ = true;
      next_ = Value::Int(type, sum);
    }
  }
  out->columns.emplace_back(type, n);
  for (size_t i = 0; i < n; ++i) out->columns[0].SetValue(i, values[i]);
  out->set_count(n);
  ChargeRows(ctx, n);
  co_await MaybeYield(ctx);
  co_return !done_;
}

UnnestOperator::UnnestOperator(Type element, BoundExprPtr array) : Operator({element}), array_(std::move(array)) {
  QUANTA_ASSERT(array_->type.id == TypeId::kArray && array_->type.element == element.id);
}

Task<absl::StatusOr<bool>> UnnestOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  if (!started_) {
    started_ = true;
    auto array = EvaluateConstant(*array_, ctx.eval);
    if (!array.ok()) co_return array.status();
    if (!array->is_null()) elements_ = DecodeArray(array->str(), types_[0]);
  }
  out->Reset();
  const size_t n = std::min(kBatchSize, elements_.size() - next_);
  out->columns.emplace_back(types_[0], n);
  for (size_t i = 0; i < n; ++i) out->columns[0].SetValue(i, elements_[next_ + i]);
  out->set_count(n);
  next_ += n;
  ChargeRows(ctx, n);
  co_return next_ < elements_.size();
}

}  // namespace quanta::sql
