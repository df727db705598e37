#include "sql/common/utf8.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_format.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"

namespace quanta::sql {
namespace {

// The length a sequence's first byte announces (1 for a byte that begins none), as
// PostgreSQL's pg_utf8_mblen.
size_t AnnouncedLength(unsigned char b) {
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) return 2;
  if ((b & 0xF0) == 0xE0) return 3;
  if ((b & 0xF8) == 0xF0) return 4;
  return 1;
}

bool Continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Whether the sequence at s[i] is well-formed; its length in *length.
bool WellFormedAt(std::string_view s, size_t i, size_t* length) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char first = b(0);
  *length = AnnouncedLength(first);
  if (first == 0) return false;
  if (first < 0x80) return true;
  if (*length == 1 || i + *length > s.size()) return false;
  for (size_t k = 1; k < *length; ++k) {
    if (!Continuation(b(k))) return false;
  }
  switch (*length) {
    case 2: return first >= 0xC2;                                              // no overlong forms
    case 3: return !(first == 0xE0 && b(1) < 0xA0) && !(first == 0xED && b(1) >= 0xA0);  // overlong, surrogates
    case 4: return first <= 0xF4 && !(first == 0xF0 && b(1) < 0x90) && !(first == 0xF4 && b(1) >= 0x90);
  }
  return false;
}

}  // namespace

std::optional<size_t> InvalidUtf8At(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) >= 0x80 || s[i] == '\0') {
      size_t length = 0;
      if (!WellFormedAt(s, i, &length)) return i;
      QUANTA_ASSERT(length >= 2 && length <= 4);
      i += length;
      continue;
    }
    ++i;  // ASCII
  }
  return std::nullopt;
}

absl::Status CheckUtf8(std::string_view s) {
  const std::optional<size_t> at = InvalidUtf8At(s);
  if (!at) return absl::OkStatus();
  QUANTA_ASSERT(*at < s.size());
  const size_t n = std::min(AnnouncedLength(static_cast<unsigned char>(s[*at])), s.size() - *at);
  std::string bytes;
  for (size_t k = 0; k < n; ++k) {
    absl::StrAppendFormat(&bytes, "%s0x%02x", k == 0 ? "" : " ", static_cast<unsigned char>(s[*at + k]));
  }
  return SqlError("22021", absl::StrCat("invalid byte sequence for encoding \"UTF8\": ", bytes));
}

}  // namespace quanta::sql
