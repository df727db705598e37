// Vector and DataChunk: the column batches operators exchange (DuckDB's model).
//
// A Vector holds up to kBatchSize values of one type: a flat array per storage class
// (StorageOf) and a validity mask (1 = value, 0 = NULL), or a constant (one value
// standing for every row: literals, parameters). A DataChunk is one vector per column
// with a row count and an optional selection vector: the rows still in play after a
// filter, in ascending order, so filters narrow a batch without copying it.
//
// Decimal mode: a flat numeric vector may hold its values as int64 unscaled values at
// one scale (value = unscaled × 10^-scale) instead of Numerics. A numeric(p,s) vector
// with p <= kMaxDecimalPrecision starts in it (every value of such a column fits), and
// + - * of decimal inputs give decimal results (kernels_arith.cc), so scans, arithmetic
// and sums of typical money columns run on integers. It is exact and invisible: Num()
// returns the Numeric (display scale included), and a value that does not fit (another
// scale, 19+ digits) switches the vector back to Numerics first.
//
// Invariant: every vector of a chunk is constant or has size() == the chunk's count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/env/assert.h"
#include "sql/types/value.h"

namespace quanta::sql {

inline constexpr size_t kBatchSize = 2048;
inline constexpr int kMaxDecimalPrecision = kSmallDigits;  // digits an int64 always holds

class Vector {
 public:
  Vector() = default;
  explicit Vector(Type type, size_t size = 0) { Reset(type, size); }

  // A flat vector of `size` rows, all NULL until set.
  void Reset(Type type, size_t size);
  // A constant vector: `value` for every row.
  void SetConstant(const Value& value);

  const Type& type() const { return type_; }
  void set_type(Type t) { type_ = t; }  // same storage only (casts between varchar and text)
  size_t size() const { return size_; }
  bool is_constant() const { return constant_; }
  Storage storage() const { return storage_; }

  bool IsNull(size_t row) const { return valid_[Slot(row)] == 0; }
  void SetNull(size_t row) { valid_[Slot(row)] = 0; }
  int64_t Int(size_t row) const { return ints_[Slot(row)]; }
  double Float(size_t row) const { return floats_[Slot(row)]; }
  const std::string& Str(size_t row) const { return strings_[Slot(row)]; }
  Numeric Num(size_t row) const {
    if (decimal_scale_ >= 0) return Numeric::FromUnscaled(ints_[Slot(row)], decimal_scale_);
    return numerics_[Slot(row)];
  }
  void SetInt(size_t row, int64_t v) {
    Set(row);
    ints_[row] = v;
  }
  void SetFloat(size_t row, double v) {
    Set(row);
    floats_[row] = v;
  }
  void SetStr(size_t row, std::string v) {
    Set(row);
    strings_[row] = std::move(v);
  }
  void SetNum(size_t row, Numeric v);

  // Decimal mode (see the top): whether the vector is in it, its scale, and a row's
  // unscaled value. REQUIRES for the last two: decimal().
  bool decimal() const { return decimal_scale_ >= 0; }
  int decimal_scale() const {
    QUANTA_DEBUG_ASSERT(decimal());
    return decimal_scale_;
  }
  int64_t Unscaled(size_t row) const {
    QUANTA_DEBUG_ASSERT(decimal());
    return ints_[Slot(row)];
  }
  void SetUnscaled(size_t row, int64_t unscaled) {
    QUANTA_DEBUG_ASSERT(decimal());
    Set(row);
    ints_[row] = unscaled;
  }
  // Puts a flat numeric vector whose rows are all NULL (as Reset leaves them) in
  // decimal mode at `scale` (0..kMaxDecimalPrecision).
  void MakeDecimal(int scale);

  Value Get(size_t row) const;
  void SetValue(size_t row, const Value& v);  // REQUIRES: flat; v of this storage (or NULL)
  // Copies row `from` of `src` (same storage) into row `to`.
  void CopyRow(const Vector& src, size_t from, size_t to);
  // Turns a constant vector into a flat one of `size` rows.
  void Flatten(size_t size);

 private:
  size_t Slot(size_t row) const {
    QUANTA_DEBUG_ASSERT(constant_ || row < size_);
    return constant_ ? 0 : row;
  }
  void Set(size_t row) {
    QUANTA_DEBUG_ASSERT(!constant_);
    QUANTA_DEBUG_ASSERT(row < size_);
    valid_[row] = 1;
  }
  // Leaves decimal mode: every value becomes a Numeric.
  void Undecimalize();

  Type type_;
  Storage storage_ = Storage::kString;
  size_t size_ = 0;
  bool constant_ = false;
  int decimal_scale_ = -1;  // >= 0: decimal mode, the values unscaled in ints_
  std::vector<uint8_t> valid_;
  std::vector<int64_t> ints_;
  std::vector<double> floats_;
  std::vector<std::string> strings_;
  std::vector<Numeric> numerics_;
};

class DataChunk {
 public:
  std::vector<Vector> columns;

  size_t count() const { return count_; }
  void set_count(size_t n) {
    QUANTA_ASSERT(n <= kBatchSize);
    count_ = n;
  }
  // Rows in play: all of [0, count) or the selection.
  bool has_selection() const { return has_selection_; }
  size_t active() const { return has_selection_ ? selection_.size() : count_; }
  size_t row(size_t k) const { return has_selection_ ? selection_[k] : k; }
  const std::vector<uint32_t>& selection() const { return selection_; }
  // Narrows the rows in play to `rows` (ascending, a subset of the active rows).
  void Select(std::vector<uint32_t> rows);
  void ClearSelection() {
    has_selection_ = false;
    selection_.clear();
  }
  void Reset() {
    columns.clear();
    ResetRows();
  }
  // No rows and no selection; the column vectors stay, for the producer to reset in
  // place (reusing their buffers) or to replace.
  void ResetRows() {
    count_ = 0;
    ClearSelection();
  }
  // A copy holding only the active rows, flat and without a selection.
  DataChunk Compact() const;

 private:
  size_t count_ = 0;
  bool has_selection_ = false;
  std::vector<uint32_t> selection_;
};

}  // namespace quanta::sql
