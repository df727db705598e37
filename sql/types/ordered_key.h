// Order-preserving encodings of single SQL values: memcmp order of the encodings equals
// SQL order of the values. Index keys (storage/row_codec.h) and arrays (array.h) are
// built from them.
//
// Per storage class: integers 8 bytes big-endian with the sign bit flipped; floats by
// IEEE bits made orderable (-0 folds into 0, every NaN into one NaN that sorts last);
// strings with 0x00 escaped as 0x00 0xFF and ended by 0x00 0x01; numerics a class byte
// (0x10 negative, 0x20 zero, 0x28 positive, 0x30 NaN), then for non-zero values the
// decimal exponent (4 bytes) and the significant digits as a string (both inverted for
// negatives). Every encoding is self-delimiting: a key that starts with one value's
// encoding holds exactly that value first, whatever follows.
//
// Integers, floats and strings decode back exactly (char(n) padding aside: keys ignore
// it); a numeric key keeps the value but not the display scale (1.50 reads as 1.5).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sql/types/value.h"

namespace quanta::sql {

// Appends the encoding of `v`. REQUIRES: !v.is_null(). char(n) drops its padding.
void AppendOrderedKey(const Value& v, std::string* out);
// The length of the encoding of a `type` value at the start of `in`; 0 if `in` does
// not start with a whole one (damaged bytes).
size_t OrderedKeyLength(std::string_view in, const Type& type);
// Decodes the encoding at the start of *in as a `type` value and consumes it.
// Errors: kDataLoss if the bytes are not a whole encoding.
absl::StatusOr<Value> DecodeOrderedKey(std::string_view* in, const Type& type);

}  // namespace quanta::sql
