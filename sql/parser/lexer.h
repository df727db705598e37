// Lexer: PostgreSQL's lexical structure (the "SQL Syntax / Lexical Structure" chapter)
// turned into tokens for the parser.
//
// Identifiers: unquoted ones fold to lower case; "quoted" ones keep their case ("" is a
// quote). Keywords are identifiers the parser recognizes by their folded text (only
// unquoted identifiers can be keywords). Strings: '...' ('' is a quote), E'...' with
// backslash escapes, U&'...' with \XXXX / \+XXXXXX escapes, $tag$...$tag$ dollar
// quoting; adjacent '...' literals separated by a newline concatenate. Numbers:
// integers, decimals, exponents (kept as text: the parser types them). Parameters: $n.
// Operators: PostgreSQL's rule (a multi-character operator cannot end in + or - unless
// it holds one of ~ ! @ # % ^ & | ` ?; -- and /* start comments). Comments: -- to end
// of line and nested /* */.
//
// Errors: 42601 with the character position (1-based) PostgreSQL would report. Input
// longer than kMaxStatementBytes is refused (54001) before lexing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace quanta::sql {

inline constexpr size_t kMaxStatementBytes = 1u << 20;  // one statement's text
inline constexpr size_t kMaxTokens = 1u << 18;           // tokens in one request

enum class TokenKind : uint8_t {
  kIdent,        // unquoted identifier or keyword (text folded)
  kQuotedIdent,  // "quoted" identifier (text as written)
  kString,       // a string literal's value
  kInteger,      // digits only
  kNumeric,      // with a point or an exponent
  kParam,        // $n (text: the digits)
  kOperator,     // + - * / < > = ~ ! @ # % ^ & | ` ? and their combinations
  kPunct,        // ( ) , ; [ ] . : ::
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  int position = 0;  // 1-based character offset of the token's start
  size_t offset = 0;  // byte offset of the token's start
  size_t end = 0;     // byte offset just past the token
};

absl::StatusOr<std::vector<Token>> Lex(std::string_view sql);

// The 1-based character position (UTF-8 aware) of byte `offset` in `sql`.
int CharPosition(std::string_view sql, size_t offset);

// Whether `name` reads back as itself unquoted: lower-case letters, digits and
// underscores, not starting with a digit (PostgreSQL's quote_identifier test, keywords
// aside).
bool IsPlainIdentifier(std::string_view name);
// `name` as SQL writes it: as is when plain, else double-quoted ("" inside).
std::string QuoteIdentifier(std::string_view name);

}  // namespace quanta::sql
