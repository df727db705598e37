// Row and key encodings of SQL tables in the store's B+trees.
//
// Row (the value): u16 column count, a NULL bitmap (bit i set: column i is NULL), then
// each non-NULL column by storage class: integers and floats 8 bytes LE, strings u32
// length + bytes, numerics u32 length + Numeric::Encode. Rows written before a column
// was added hold fewer columns; the missing ones read as NULL.
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
// Decodes `bytes` into row `row` of `out` (flat vectors of the table's column types).
// With `needed`, only the columns it marks (the rest are skipped over, their vectors
// untouched: constant NULLs, as a pruned scan makes them).
absl::Status DecodeRow(std::string_view bytes, std::vector<Vector>* out, size_t row,
                       const std::vector<bool>* needed = nullptr);

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
