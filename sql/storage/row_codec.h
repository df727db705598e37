// Row and key encodings of SQL tables in the store's B+trees.
//
// Row (the value): u16 column count, a NULL bitmap (bit i set: column i is NULL), one
// 8-byte slot per column (so column i is found without walking the others), then a
// heap of variable-length bytes. Slots, little-endian, by storage class: integers and
// floats their 8 bytes; strings (u32 offset of the bytes in the row) << 32 | u32 length;
// numerics inline when the unscaled value fits 56 signed bits and the scale 0..127
// (unscaled << 8 | scale, so a numeric(15,2) column is an int64 at a fixed place), else
// offset << 32 | length << 8 | 0xFF with Numeric::Encode in the heap. A NULL's slot is
// zero. Rows written before a column was added hold fewer columns; the missing ones
// read as NULL.
//
// Key: an order-preserving encoding of the primary key's values (memcmp order equals
// SQL order): per column a tag byte (0x01 NULL, 0x02 value), then the value's
// types/ordered_key.h encoding. Tables without a primary key use a hidden row id
// (8 bytes big-endian). Every value's encoding is self-delimiting, so a key that starts
// with a value list's encoding holds exactly those values first.
//
// Decoding validates every length: bytes from disk are outside input (kDataLoss).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "sql/execution/vector.h"

namespace quanta::sql {

// Encodes row `row` of `columns` (one vector per table column).
std::string EncodeRow(const std::vector<const Vector*>& columns, size_t row);
std::string EncodeRowValues(const std::vector<Value>& values);
// The bytes before a row's heap: count, bitmap and slots.
size_t RowHeaderBytes(size_t columns);
// Decodes `bytes` into row `row` of `out` (flat vectors of the table's column types).
// With `needed`, only the columns it marks (the rest are skipped over, their vectors
// untouched: constant NULLs, as a pruned scan makes them).
absl::Status DecodeRow(std::string_view bytes, std::vector<Vector>* out, size_t row,
                       const std::vector<bool>* needed = nullptr);

// RowBatchDecoder: a batch of rows decoded a column at a time (a scan's inner loops).
// Add checks a row's header once (its count, bitmap and slots inside the bytes); then
// DecodeColumn reads one column of every row, or of the selected ones, straight into a
// vector. A heap reference is checked against its row's bounds when it is read.
// REQUIRES: the added rows' bytes outlive the decoder's use of them.
class RowBatchDecoder {
 public:
  explicit RowBatchDecoder(size_t table_columns) : table_columns_(table_columns) {}
  void Clear() { rows_.clear(); }
  absl::Status Add(std::string_view row);
  size_t size() const { return rows_.size(); }
  // Column `c` of the rows `selection` names (nullptr: all) into *out, a flat vector of
  // the column's type: batch row k into row first_out_row + k; other rows untouched.
  absl::Status DecodeColumn(size_t c, const std::vector<uint32_t>* selection, Vector* out,
                            size_t first_out_row = 0) const;

 private:
  struct RowRef {
    const char* data;
    uint32_t size;
    uint16_t count;     // columns the row holds
    uint16_t slots_at;  // its first slot's offset
  };
  size_t table_columns_;
  std::vector<RowRef> rows_;
};

// Appends the order-preserving key encoding of `v` to *out.
void AppendKeyValue(const Value& v, std::string* out);
void AppendKey(const Vector& column, size_t row, std::string* out);
std::string RowIdKeyBytes(uint64_t row_id);
// A secondary index entry's key starts with the key encoding of the indexed columns
// `columns` of `row` (then the row's key follows, making entries unique); its value is
// the row's key. *has_null: whether an indexed value is NULL (never a duplicate).
// The least string greater than every string starting with `prefix` (nullopt: none).
std::optional<std::string> PrefixSuccessor(std::string prefix);
std::string IndexKeyPrefix(const std::vector<int>& columns, const std::vector<Value>& row, bool* has_null);

}  // namespace quanta::sql
