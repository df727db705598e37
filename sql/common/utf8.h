// UTF-8 validation: every text QuantaDB takes in (statement text, string literals after
// their escapes) must be well-formed UTF-8 without NUL bytes, as PostgreSQL's UTF8
// server encoding requires (22021 otherwise). Names then reach the catalog's protobuf
// string fields only as valid UTF-8.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace quanta::sql {

// The offset of the first byte that does not begin a well-formed UTF-8 sequence
// (overlong forms, surrogates, code points past U+10FFFF and NUL included); nullopt if
// every byte is in place.
std::optional<size_t> InvalidUtf8At(std::string_view s);

// OK for well-formed UTF-8; else 22021 with PostgreSQL's message, naming the bytes of
// the bad sequence ("invalid byte sequence for encoding "UTF8": 0xc3 0x28").
absl::Status CheckUtf8(std::string_view s);

}  // namespace quanta::sql
