#include "sql/types/binary.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/util/strings.h"
#include "sql/common/sql_error.h"

namespace quanta::sql {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr size_t kBase64LineLength = 76;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsHexSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

absl::Status BadBytea() { return SqlError(sqlstate::kInvalidTextRepresentation, "invalid input syntax for type bytea"); }

// PostgreSQL's hex_decode: pairs of hex digits, whitespace allowed between pairs.
absl::StatusOr<std::string> DecodeHex(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size();) {
    if (IsHexSpace(hex[i])) {
      ++i;
      continue;
    }
    const int hi = HexValue(hex[i]);
    if (hi < 0) return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat("invalid hexadecimal digit: \"", ToAbsl(hex.substr(i, 1)), "\""));
    if (i + 1 >= hex.size()) return SqlError(sqlstate::kInvalidParameterValue, "invalid hexadecimal data: odd number of digits");
    const int lo = HexValue(hex[i + 1]);
    if (lo < 0) return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat("invalid hexadecimal digit: \"", ToAbsl(hex.substr(i + 1, 1)), "\""));
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string EncodeHex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0xF]);
  }
  return out;
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

// The escape format: \\ is a backslash, \ooo (first digit 0-3) one byte.
absl::StatusOr<std::string> DecodeEscape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
      continue;
    }
    if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' && IsOctal(text[i + 2]) && IsOctal(text[i + 3])) {
      out.push_back(static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0')));
      i += 3;
      continue;
    }
    return BadBytea();
  }
  return out;
}

// Zero bytes and bytes with the high bit as \ooo, backslashes doubled.
std::string EncodeEscape(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    if (b == '\\') {
      out += "\\\\";
    } else if (b == 0 || b >= 0x80) {
      out.push_back('\\');
      out.push_back(static_cast<char>('0' + (b >> 6)));
      out.push_back(static_cast<char>('0' + ((b >> 3) & 7)));
      out.push_back(static_cast<char>('0' + (b & 7)));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string EncodeBase64(std::string_view bytes) {
  const std::string flat = absl::Base64Escape(ToAbsl(bytes));
  std::string out;
  for (size_t i = 0; i < flat.size(); i += kBase64LineLength) {
    if (i > 0) out.push_back('\n');
    out.append(flat, i, kBase64LineLength);
  }
  return out;
}

absl::StatusOr<std::string> DecodeBase64(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (!IsHexSpace(c)) compact.push_back(c);
  }
  std::string out;
  if (compact.size() % 4 != 0 || !absl::Base64Unescape(compact, &out)) {
    return SqlError(sqlstate::kInvalidParameterValue, "invalid base64 sequence");
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> ParseUuid(std::string_view text) {
  const auto bad = [&] {
    return SqlError(sqlstate::kInvalidTextRepresentation, absl::StrCat("invalid input syntax for type uuid: \"", ToAbsl(text), "\""));
  };
  std::string_view s = text;
  const bool braces = !s.empty() && s.front() == '{';
  if (braces) {
    if (s.size() < 2 || s.back() != '}') return bad();
    s = s.substr(1, s.size() - 2);
  }
  std::string out;
  size_t digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-' && digits > 0 && digits % 4 == 0 && i + 1 < s.size() && s[i - 1] != '-') continue;
    const int v = HexValue(s[i]);
    if (v < 0 || digits == 32) return bad();
    if (digits % 2 == 0) {
      out.push_back(static_cast<char>(v << 4));
    } else {
      out.back() = static_cast<char>(out.back() | v);
    }
    ++digits;
  }
  if (digits != 32) return bad();
  QUANTA_ASSERT(out.size() == 16);
  return out;
}

std::string FormatUuid(std::string_view bytes) {
  QUANTA_ASSERT(bytes.size() == 16);
  const std::string hex = EncodeHex(bytes);
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-", hex.substr(16, 4), "-",
                      hex.substr(20));
}

absl::StatusOr<std::string> ParseBytea(std::string_view text) {
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') return DecodeHex(text.substr(2));
  return DecodeEscape(text);
}

std::string FormatBytea(std::string_view bytes) { return absl::StrCat("\\x", EncodeHex(bytes)); }

absl::StatusOr<std::string> EncodeBytes(std::string_view bytes, std::string_view format) {
  const std::string f = absl::AsciiStrToLower(std::string(format));
  if (f == "hex") return EncodeHex(bytes);
  if (f == "base64") return EncodeBase64(bytes);
  if (f == "escape") return EncodeEscape(bytes);
  return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat("unrecognized encoding: \"", ToAbsl(format), "\""));
}

absl::StatusOr<std::string> DecodeBytes(std::string_view text, std::string_view format) {
  const std::string f = absl::AsciiStrToLower(std::string(format));
  if (f == "hex") return DecodeHex(text);
  if (f == "base64") return DecodeBase64(text);
  if (f == "escape") return DecodeEscape(text);
  return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat("unrecognized encoding: \"", ToAbsl(format), "\""));
}

}  // namespace quanta::sql
