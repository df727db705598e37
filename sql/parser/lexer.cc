#include "sql/parser/lexer.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/util/strings.h"
#include "engine/env/status.h"
#include "sql/common/sql_error.h"
#include "sql/common/utf8.h"

namespace quanta::sql {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }
bool IsIdentChar(char c) { return IsIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsOpChar(char c) { return std::string_view("+-*/<>=~!@#%^&|`?").find(c) != std::string_view::npos; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  explicit Lexer(std::string_view sql) : sql_(sql) {}

  absl::StatusOr<std::vector<Token>> Run() {
    while (true) {
      absl::Status skipped = SkipSpaceAndComments();
      if (!skipped.ok()) return skipped;
      if (pos_ >= sql_.size()) break;
      if (tokens_.size() >= kMaxTokens) {
        return SqlError(sqlstate::kProgramLimitExceeded, absl::StrCat("statement has more than ", kMaxTokens, " tokens"));
      }
      absl::Status next = Next();
      if (!next.ok()) return next;
    }
    Token end;
    end.kind = TokenKind::kEnd;
    end.position = PositionAt(sql_.size());
    end.offset = end.end = sql_.size();
    tokens_.push_back(std::move(end));
    return std::move(tokens_);
  }

 private:
  char At(size_t i) const { return i < sql_.size() ? sql_[i] : '\0'; }
  absl::Status ErrorAt(size_t offset, std::string_view message) const {
    return SqlError(sqlstate::kSyntaxError, message, CharPosition(sql_, offset));
  }
  // CharPosition, incrementally: tokens arrive in order, so lexing stays linear.
  int PositionAt(size_t offset) {
    if (offset < counted_offset_) {
      counted_offset_ = 0;
      counted_chars_ = 0;
    }
    for (; counted_offset_ < offset; ++counted_offset_) {
      if ((static_cast<unsigned char>(sql_[counted_offset_]) & 0xC0) != 0x80) ++counted_chars_;
    }
    return counted_chars_ + 1;
  }
  void Emit(TokenKind kind, std::string text, size_t start) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.position = PositionAt(start);
    t.offset = start;
    t.end = pos_;
    QUANTA_ASSERT(start <= pos_);
    QUANTA_ASSERT(tokens_.empty() || tokens_.back().end <= start);
    tokens_.push_back(std::move(t));
  }

  // Skips whitespace and comments; reports whether a newline was crossed (for string
  // continuation) through saw_newline_.
  absl::Status SkipSpaceAndComments() {
    saw_newline_ = false;
    while (pos_ < sql_.size()) {
      const char c = sql_[pos_];
      if (IsSpace(c)) {
        if (c == '\n' || c == '\r') saw_newline_ = true;
        ++pos_;
      } else if (c == '-' && At(pos_ + 1) == '-') {
        while (pos_ < sql_.size() && sql_[pos_] != '\n') ++pos_;
      } else if (c == '/' && At(pos_ + 1) == '*') {
        absl::Status s = SkipBlockComment();
        if (!s.ok()) return s;
      } else {
        break;
      }
    }
    return absl::OkStatus();
  }

  absl::Status SkipBlockComment() {
    const size_t start = pos_;
    int depth = 0;
    while (pos_ < sql_.size()) {
      if (sql_[pos_] == '/' && At(pos_ + 1) == '*') {
        ++depth;
        pos_ += 2;
      } else if (sql_[pos_] == '*' && At(pos_ + 1) == '/') {
        pos_ += 2;
        if (--depth == 0) return absl::OkStatus();
      } else {
        ++pos_;
      }
    }
    return ErrorAt(start, "unterminated /* comment");
  }

  absl::Status Next() {
    const char c = sql_[pos_];
    const char n = At(pos_ + 1);
    if ((c == 'e' || c == 'E') && n == '\'') return LexString(pos_ + 1, pos_, /*escapes=*/true);
    if ((c == 'u' || c == 'U') && n == '&' && At(pos_ + 2) == '\'') return LexUnicodeString();
    if ((c == 'u' || c == 'U') && n == '&' && At(pos_ + 2) == '"') return LexQuotedIdent(pos_ + 2, pos_, true);
    if (c == '\'') return LexString(pos_, pos_, /*escapes=*/false);
    if (c == '"') return LexQuotedIdent(pos_, pos_, false);
    if (c == '$') return LexDollar();
    if (IsIdentStart(c)) return LexIdent();
    if (IsDigit(c) || (c == '.' && IsDigit(n))) return LexNumber();
    if (c == ':' && n == ':') {
      pos_ += 2;
      Emit(TokenKind::kPunct, "::", pos_ - 2);
      return absl::OkStatus();
    }
    if (std::string_view("(),;[].:").find(c) != std::string_view::npos) {
      ++pos_;
      Emit(TokenKind::kPunct, std::string(1, c), pos_ - 1);
      return absl::OkStatus();
    }
    if (IsOpChar(c)) return LexOperator();
    return ErrorAt(pos_, absl::StrCat("syntax error at or near \"", std::string(1, c), "\""));
  }

  absl::Status LexIdent() {
    const size_t start = pos_;
    while (pos_ < sql_.size() && IsIdentChar(sql_[pos_])) ++pos_;
    Emit(TokenKind::kIdent, absl::AsciiStrToLower(ToAbsl(sql_.substr(start, pos_ - start))), start);
    return absl::OkStatus();
  }

  absl::Status LexQuotedIdent(size_t quote, size_t start, bool unicode) {
    std::string text;
    size_t i = quote + 1;
    while (true) {
      if (i >= sql_.size()) return ErrorAt(start, "unterminated quoted identifier");
      if (sql_[i] == '"') {
        if (At(i + 1) == '"') {
          text.push_back('"');
          i += 2;
          continue;
        }
        break;
      }
      text.push_back(sql_[i++]);
    }
    if (text.empty()) return ErrorAt(start, "zero-length delimited identifier");
    pos_ = i + 1;
    if (unicode) {
      auto decoded = DecodeUnicodeEscapes(text, start);
      if (!decoded.ok()) return decoded.status();
      text = std::move(*decoded);
      RETURN_IF_ERROR(CheckUtf8(text));
    }
    Emit(TokenKind::kQuotedIdent, std::move(text), start);
    return absl::OkStatus();
  }

  // Reads '...' from `quote` ('' is a quote; with `escapes`, backslash escapes), and any
  // continuation literals separated by whitespace holding a newline.
  absl::Status LexString(size_t quote, size_t start, bool escapes) {
    std::string value;
    size_t i = quote;
    while (true) {
      auto end = ReadQuoted(i, escapes, &value);
      if (!end.ok()) return ErrorAt(start, ToStd(end.status().message()));
      pos_ = *end;
      const size_t after = pos_;
      absl::Status s = SkipSpaceAndComments();
      if (!s.ok()) return s;
      if (saw_newline_ && At(pos_) == '\'') {
        i = pos_;
        continue;
      }
      pos_ = after;
      break;
    }
    if (escapes) RETURN_IF_ERROR(CheckUtf8(value));  // E'\xff' makes bytes that are no text
    Emit(TokenKind::kString, std::move(value), start);
    return absl::OkStatus();
  }

  // Appends the body of the literal opening at `quote` to *out; returns the offset
  // past its closing quote.
  absl::StatusOr<size_t> ReadQuoted(size_t quote, bool escapes, std::string* out) const {
    QUANTA_ASSERT(sql_[quote] == '\'');
    size_t i = quote + 1;
    while (i < sql_.size()) {
      const char c = sql_[i];
      if (c == '\'') {
        if (At(i + 1) != '\'') return i + 1;
        out->push_back('\'');
        i += 2;
      } else if (c == '\\' && escapes) {
        auto next = ReadEscape(i, out);
        if (!next.ok()) return next.status();
        i = *next;
      } else {
        out->push_back(c);
        ++i;
      }
    }
    return absl::InvalidArgumentError("unterminated quoted string");
  }

  // One backslash escape of an E'' string at `i`; returns the offset after it.
  absl::StatusOr<size_t> ReadEscape(size_t i, std::string* out) const {
    const char e = At(i + 1);
    switch (e) {
      case 'b': out->push_back('\b'); return i + 2;
      case 'f': out->push_back('\f'); return i + 2;
      case 'n': out->push_back('\n'); return i + 2;
      case 'r': out->push_back('\r'); return i + 2;
      case 't': out->push_back('\t'); return i + 2;
      case '\0': return absl::InvalidArgumentError("unterminated quoted string");
      default: break;
    }
    if (e >= '0' && e <= '7') {
      int v = 0;
      size_t j = i + 1;
      for (int k = 0; k < 3 && At(j) >= '0' && At(j) <= '7'; ++k, ++j) v = v * 8 + (At(j) - '0');
      if (v == 0) return absl::InvalidArgumentError("invalid byte sequence for encoding \"UTF8\": 0x00");
      out->push_back(static_cast<char>(v & 0xFF));
      return j;
    }
    if (e == 'x' && HexValue(At(i + 2)) >= 0) {
      int v = 0;
      size_t j = i + 2;
      for (int k = 0; k < 2 && HexValue(At(j)) >= 0; ++k, ++j) v = v * 16 + HexValue(At(j));
      if (v == 0) return absl::InvalidArgumentError("invalid byte sequence for encoding \"UTF8\": 0x00");
      out->push_back(static_cast<char>(v));
      return j;
    }
    if (e == 'u' || e == 'U') {
      const int digits = e == 'u' ? 4 : 8;
      uint32_t cp = 0;
      for (int k = 0; k < digits; ++k) {
        const int h = HexValue(At(i + 2 + k));
        if (h < 0) return absl::InvalidArgumentError("invalid Unicode escape");
        cp = cp * 16 + static_cast<uint32_t>(h);
      }
      if (cp == 0 || cp > 0x10FFFF) return absl::InvalidArgumentError("invalid Unicode escape value");
      AppendUtf8(cp, out);
      return i + 2 + digits;
    }
    out->push_back(e);
    return i + 2;
  }

  absl::Status LexUnicodeString() {
    const size_t start = pos_;
    std::string raw;
    auto end = ReadQuoted(pos_ + 2, false, &raw);
    if (!end.ok()) return ErrorAt(start, ToStd(end.status().message()));
    pos_ = *end;
    auto decoded = DecodeUnicodeEscapes(raw, start);
    if (!decoded.ok()) return decoded.status();
    RETURN_IF_ERROR(CheckUtf8(*decoded));  // U&'\D800': a surrogate alone
    Emit(TokenKind::kString, std::move(*decoded), start);
    return absl::OkStatus();
  }

  // U&'' and U&"" bodies: \XXXX, \+XXXXXX and \\ (UESCAPE is not supported).
  absl::StatusOr<std::string> DecodeUnicodeEscapes(std::string_view raw, size_t start) const {
    std::string out;
    for (size_t i = 0; i < raw.size();) {
      if (raw[i] != '\\') {
        out.push_back(raw[i++]);
        continue;
      }
      if (i + 1 < raw.size() && raw[i + 1] == '\\') {
        out.push_back('\\');
        i += 2;
        continue;
      }
      const bool plus = i + 1 < raw.size() && raw[i + 1] == '+';
      const size_t digits = plus ? 6 : 4;
      const size_t first = i + (plus ? 2 : 1);
      if (first + digits > raw.size()) return ErrorAt(start, "invalid Unicode escape");
      uint32_t cp = 0;
      for (size_t k = 0; k < digits; ++k) {
        const int h = HexValue(raw[first + k]);
        if (h < 0) return ErrorAt(start, "invalid Unicode escape");
        cp = cp * 16 + static_cast<uint32_t>(h);
      }
      if (cp == 0 || cp > 0x10FFFF) return ErrorAt(start, "invalid Unicode escape value");
      AppendUtf8(cp, &out);
      i = first + digits;
    }
    return out;
  }

  absl::Status LexDollar() {
    const size_t start = pos_;
    if (IsDigit(At(pos_ + 1))) {
      size_t i = pos_ + 1;
      while (IsDigit(At(i))) ++i;
      pos_ = i;
      Emit(TokenKind::kParam, std::string(sql_.substr(start + 1, i - start - 1)), start);
      return absl::OkStatus();
    }
    size_t i = pos_ + 1;
    while (i < sql_.size() && sql_[i] != '$' && IsIdentChar(sql_[i]) && sql_[i] != '$') ++i;
    if (At(i) != '$' || (i > pos_ + 1 && IsDigit(sql_[pos_ + 1]))) {
      return ErrorAt(start, "syntax error at or near \"$\"");
    }
    const std::string_view tag = sql_.substr(pos_, i - pos_ + 1);
    const size_t body = i + 1;
    const size_t close = sql_.find(tag, body);
    if (close == std::string_view::npos) return ErrorAt(start, "unterminated dollar-quoted string");
    pos_ = close + tag.size();
    Emit(TokenKind::kString, std::string(sql_.substr(body, close - body)), start);
    return absl::OkStatus();
  }

  absl::Status LexNumber() {
    const size_t start = pos_;
    bool numeric = false;
    while (IsDigit(At(pos_))) ++pos_;
    if (At(pos_) == '.' && At(pos_ + 1) != '.') {
      numeric = true;
      ++pos_;
      while (IsDigit(At(pos_))) ++pos_;
    }
    if (At(pos_) == 'e' || At(pos_) == 'E') {
      size_t j = pos_ + 1;
      if (At(j) == '+' || At(j) == '-') ++j;
      if (IsDigit(At(j))) {
        numeric = true;
        pos_ = j;
        while (IsDigit(At(pos_))) ++pos_;
      }
    }
    if (IsIdentStart(At(pos_))) {
      return ErrorAt(start, absl::StrCat("trailing junk after numeric literal at or near \"",
                                         ToAbsl(sql_.substr(start, pos_ - start + 1)), "\""));
    }
    Emit(numeric ? TokenKind::kNumeric : TokenKind::kInteger, std::string(sql_.substr(start, pos_ - start)), start);
    return absl::OkStatus();
  }

  absl::Status LexOperator() {
    const size_t start = pos_;
    size_t end = pos_;
    while (end < sql_.size() && IsOpChar(sql_[end])) {
      if (end > start && ((sql_[end] == '-' && At(end + 1) == '-') || (sql_[end] == '/' && At(end + 1) == '*'))) break;
      if (sql_[end] == '-' && At(end + 1) == '-') break;
      ++end;
    }
    if (end == start) end = start + 1;  // a lone '-' before '-' cannot happen (a comment)
    std::string op(sql_.substr(start, end - start));
    // A multi-character operator cannot end in + or - unless it holds a "special" char.
    if (op.size() > 1 && op.find_first_of("~!@#%^&|`?") == std::string::npos) {
      while (op.size() > 1 && (op.back() == '+' || op.back() == '-')) op.pop_back();
    }
    pos_ = start + op.size();
    Emit(TokenKind::kOperator, std::move(op), start);
    return absl::OkStatus();
  }

  std::string_view sql_;
  size_t pos_ = 0;
  bool saw_newline_ = false;
  size_t counted_offset_ = 0;
  int counted_chars_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

bool IsPlainIdentifier(std::string_view name) {
  bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  return plain;
}

std::string QuoteIdentifier(std::string_view name) {
  if (IsPlainIdentifier(name)) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

int CharPosition(std::string_view sql, size_t offset) {
  QUANTA_ASSERT(offset <= sql.size());
  int chars = 0;
  for (size_t i = 0; i < offset; ++i) {
    if ((static_cast<unsigned char>(sql[i]) & 0xC0) != 0x80) ++chars;
  }
  return chars + 1;
}

absl::StatusOr<std::vector<Token>> Lex(std::string_view sql) {
  if (sql.size() > kMaxStatementBytes) {
    return SqlError(sqlstate::kProgramLimitExceeded,
                    absl::StrCat("statement of ", sql.size(), " bytes exceeds the limit of ", kMaxStatementBytes));
  }
  RETURN_IF_ERROR(CheckUtf8(sql));
  return Lexer(sql).Run();
}

}  // namespace quanta::sql
