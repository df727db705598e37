// Arrays: one-dimensional SQL arrays with lower bound 1 (PostgreSQL's default) of any
// scalar element type: int[], text[], numeric[]... Multidimensional arrays and other
// lower bounds are refused (0A000).
//
// Encoding (the string a Value or Vector of an array type holds): the elements in
// order, each a tag byte (kElementValue, or kElementNull: NULLs sort after values, as
// PostgreSQL orders them) and for a value its ordered key (ordered_key.h); a numeric
// element also carries its exact form after the key (u32 length + Numeric::Encode) so
// its display scale survives. The empty array encodes as "". So memcmp order of two
// encodings is PostgreSQL's array order (element by element, then the shorter first),
// and equal arrays have equal bytes, with one difference: numerics equal in value but
// not in scale differ ({1.5} < {1.50} here, equal in PostgreSQL).
//
// Encodings read from disk are validated (ValidateArray) before they reach a vector:
// everything else may assume a well-formed encoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/types/value.h"

namespace quanta::sql {

inline constexpr char kElementValue = 0x02;
inline constexpr char kElementNull = 0x03;
// The most elements one array holds (PostgreSQL's MaxArraySize is larger; this bounds
// the memory one literal or array_agg group may take).
inline constexpr size_t kMaxArrayElements = 1 << 20;

// Appends one element (a value of the element type, or NULL) to an encoding.
void AppendArrayElement(const Value& element, std::string* out);
std::string EncodeArray(const std::vector<Value>& elements);

// One element as comparisons see it: NULL, or the ordered key of its value (memcmp
// order is the element type's order; a numeric's exact form is left out).
struct ArrayElementKey {
  bool null = false;
  std::string_view key;
};
// REQUIRES: `bytes` is a well-formed encoding of `element` values.
std::vector<ArrayElementKey> ArrayElementKeys(std::string_view bytes, const Type& element);
std::vector<Value> DecodeArray(std::string_view bytes, const Type& element);
// The key of a non-NULL value as ArrayElementKeys reports it, to compare with elements.
std::string ElementKey(const Value& v);
// Checks an encoding from outside (disk): kDataLoss naming the problem.
absl::Status ValidateArray(std::string_view bytes, const Type& element);
size_t ArrayLength(std::string_view bytes, const Type& element);

// array_in: PostgreSQL's array text ('{1,2,NULL,"a b"}') as an encoding of `element`
// values, each element through the element type's input function. Errors: 22P02
// "malformed array literal: ..." with PostgreSQL's DETAIL, the element's own input
// errors, 0A000 for the unsupported forms, 54000 past kMaxArrayElements.
absl::StatusOr<std::string> ParseArrayLiteral(std::string_view text, const Type& element);
// array_out: elements by their output functions, double-quoted where PostgreSQL quotes.
std::string FormatArray(std::string_view bytes, const Type& element);

}  // namespace quanta::sql
