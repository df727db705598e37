#include "sql/execution/vector.h"

#include <algorithm>

namespace quanta::sql {

void Vector::Reset(Type type, size_t size) {
  QUANTA_ASSERT(size <= kBatchSize);
  type_ = type;
  storage_ = StorageOf(type);
  size_ = size;
  constant_ = false;
  decimal_scale_ = -1;
  valid_.assign(size, 0);
  ints_.clear();
  floats_.clear();
  strings_.clear();
  numerics_.clear();
  switch (storage_) {
    case Storage::kInt: ints_.assign(size, 0); break;
    case Storage::kFloat: floats_.assign(size, 0); break;
    case Storage::kString: strings_.resize(size); break;
    case Storage::kNumeric: {
      const std::optional<int32_t> precision = type.precision();
      if (precision && *precision <= kMaxDecimalPrecision) {
        decimal_scale_ = std::clamp(type.scale().value_or(0), 0, kMaxDecimalPrecision);
        ints_.assign(size, 0);
      } else {
        numerics_.resize(size);
      }
      break;
    }
  }
}

void Vector::MakeDecimal(int scale) {
  QUANTA_ASSERT(storage_ == Storage::kNumeric && !constant_);
  QUANTA_ASSERT(scale >= 0 && scale <= kMaxDecimalPrecision);
  QUANTA_DEBUG_ASSERT(std::count(valid_.begin(), valid_.end(), 1) == 0);
  decimal_scale_ = scale;
  numerics_.clear();
  ints_.assign(size_, 0);
}

void Vector::Undecimalize() {
  QUANTA_ASSERT(decimal() && !constant_);
  numerics_.resize(size_);
  for (size_t i = 0; i < size_; ++i) {
    if (valid_[i]) numerics_[i] = Numeric::FromUnscaled(ints_[i], decimal_scale_);
  }
  decimal_scale_ = -1;
  ints_.clear();
  QUANTA_ASSERT(!decimal() && numerics_.size() == size_);
}

void Vector::SetNum(size_t row, Numeric v) {
  if (decimal_scale_ >= 0) {
    int64_t unscaled = 0;
    if (v.scale() == decimal_scale_ && v.SmallUnscaled(&unscaled)) {
      SetUnscaled(row, unscaled);
      return;
    }
    Undecimalize();
  }
  Set(row);
  numerics_[row] = std::move(v);
}

void Vector::SetConstant(const Value& value) {
  Reset(value.type(), 1);
  if (decimal()) Undecimalize();  // constants hold Numerics
  constant_ = true;
  size_ = 1;
  if (value.is_null()) return;
  valid_[0] = 1;
  switch (storage_) {
    case Storage::kInt: ints_[0] = value.int_value(); break;
    case Storage::kFloat: floats_[0] = value.float_value(); break;
    case Storage::kString: strings_[0] = value.str(); break;
    case Storage::kNumeric: numerics_[0] = value.numeric(); break;
  }
}

Value Vector::Get(size_t row) const {
  if (IsNull(row)) return Value::Null(type_);
  switch (storage_) {
    case Storage::kInt: return Value::Int(type_, Int(row));
    case Storage::kFloat: return Value::Float(type_, Float(row));
    case Storage::kString: return Value::String(type_, Str(row));
    case Storage::kNumeric: return Value::Num(Num(row), type_);
  }
  QUANTA_UNREACHABLE("storage");
}

void Vector::SetValue(size_t row, const Value& v) {
  QUANTA_ASSERT(!constant_);
  if (v.is_null()) {
    valid_[row] = 0;
    return;
  }
  QUANTA_ASSERT(StorageOf(v.type()) == storage_);
  switch (storage_) {
    case Storage::kInt: SetInt(row, v.int_value()); break;
    case Storage::kFloat: SetFloat(row, v.float_value()); break;
    case Storage::kString: SetStr(row, v.str()); break;
    case Storage::kNumeric: SetNum(row, v.numeric()); break;
  }
}

void Vector::CopyRow(const Vector& src, size_t from, size_t to) {
  QUANTA_ASSERT(src.storage_ == storage_);
  if (src.IsNull(from)) {
    valid_[to] = 0;
    return;
  }
  switch (storage_) {
    case Storage::kInt: SetInt(to, src.Int(from)); break;
    case Storage::kFloat: SetFloat(to, src.Float(from)); break;
    case Storage::kString: SetStr(to, src.Str(from)); break;
    case Storage::kNumeric:
      if (decimal() && src.decimal() && src.decimal_scale_ == decimal_scale_) {
        SetUnscaled(to, src.Unscaled(from));
      } else {
        SetNum(to, src.Num(from));
      }
      break;
  }
}

void Vector::Flatten(size_t size) {
  if (!constant_) return;
  const Value v = Get(0);
  Reset(type_, size);
  for (size_t i = 0; i < size; ++i) SetValue(i, v);
}

void DataChunk::Select(std::vector<uint32_t> rows) {
  QUANTA_DEBUG_ASSERT(std::is_sorted(rows.begin(), rows.end()));
  QUANTA_ASSERT(rows.size() <= active());
  selection_ = std::move(rows);
  has_selection_ = true;
}

DataChunk DataChunk::Compact() const {
  DataChunk out;
  const size_t n = active();
  out.columns.reserve(columns.size());
  for (const Vector& column : columns) {
    Vector v(column.type(), n);
    for (size_t k = 0; k < n; ++k) v.CopyRow(column, row(k), k);
    out.columns.push_back(std::move(v));
  }
  out.set_count(n);
  return out;
}

}  // namespace quanta::sql
