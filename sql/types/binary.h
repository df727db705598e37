// uuid and bytea: their input and output functions and bytea's encode/decode formats.
//
// A uuid value holds its 16 bytes; a bytea value its raw bytes. Both compare bytewise,
// as PostgreSQL orders them.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace quanta::sql {

// uuid_in: 32 hex digits, upper or lower case, optionally in braces, with a hyphen
// allowed after any group of four digits. Errors: 22P02 naming the text.
absl::StatusOr<std::string> ParseUuid(std::string_view text);
// uuid_out: 8-4-4-4-12 lowercase hex. REQUIRES: 16 bytes.
std::string FormatUuid(std::string_view bytes);

// bytea_in: "\x" then hex pairs (whitespace between pairs allowed), or the escape
// format (\\ for a backslash, \ooo octal, any other byte as is). Errors: 22P02.
absl::StatusOr<std::string> ParseBytea(std::string_view text);
// bytea_out with bytea_output = hex: "\x" and lowercase hex pairs.
std::string FormatBytea(std::string_view bytes);

// encode(bytes, format) and decode(text, format) for format hex, base64 (lines of 76
// characters, as PostgreSQL writes them) and escape. Errors: 22023 for an unknown
// format, 22P02 for bad input.
absl::StatusOr<std::string> EncodeBytes(std::string_view bytes, std::string_view format);
absl::StatusOr<std::string> DecodeBytes(std::string_view text, std::string_view format);

}  // namespace quanta::sql
