#include "sql/execution/vector.h"

#include <algorithm>

namespace quanta::sql {

void Vector::Reset(Type type, size_t size) {
  QUANTA_ASSERT(size <= kBatchSize);
  type_ = type;
  storage_ = StorageOf(type);
  size_ = size;
  constant_ = false;
  valid_.assign(size, 0);
  ints_.clear();
  floats_.clear();
  strings_.clear();
  numerics_.clear();
  switch (storage_) {
    case Storage::kInt: ints_.assign(size, 0); break;
    case Storage::kFloat: floats_.assign(size, 0); break;
    case Storage::kString: strings_.resize(size); break;
    case Storage::kNumeric: numerics_.resize(size); break;
  }
}

void Vector::SetConstant(const Value& value) {
  Reset(value.type(), 1);
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
    case Storage::kNumeric: SetNum(to, src.Num(from)); break;
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
