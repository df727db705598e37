#include "sql/types/json.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "engine/util/strings.h"
#include "sql/common/sql_error.h"
#include "sql/types/numeric.h"

namespace quanta::sql {
namespace {

// ---------------------------------------------------------------------------------
// Errors, with PostgreSQL 15's texts (src/common/jsonapi.c, json_errdetail).

constexpr char kSyntaxMessage[] = "invalid input syntax for type json";
constexpr char kUntranslatableCharacter[] = "22P05";  // ERRCODE_UNTRANSLATABLE_CHARACTER

absl::Status SyntaxError(std::string_view detail) {
  return SqlError(sqlstate::kInvalidTextRepresentation, kSyntaxMessage, 0, detail);
}

absl::Status InvalidToken(std::string_view token) {
  return SyntaxError(absl::StrCat("Token \"", ToAbsl(token), "\" is invalid."));
}

absl::Status LowSurrogateError() {
  return SyntaxError("Unicode low surrogate must follow a high surrogate.");
}

absl::Status DepthError() {
  return SqlError(sqlstate::kProgramLimitExceeded, "stack depth limit exceeded", 0,
                  absl::StrCat("JSON nesting exceeds ", kMaxJsonDepth, " levels."));
}

// ---------------------------------------------------------------------------------
// Characters.

constexpr char kHexDigits[] = "0123456789abcdef";

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// PostgreSQL's JSON_ALPHANUMERIC_CHAR: what a bad word or number token runs over, so the
// error names the whole word. Bytes >= 0x80 count, so "é" is one invalid token.
bool IsJsonAlnum(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || IsDigit(c) || u == '_' || u >= 0x80;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The length of the UTF-8 character starting at `pos` (pg_utf_mblen), cut at the end.
size_t Utf8CharLength(std::string_view text, size_t pos) {
  QUANTA_ASSERT(pos < text.size());
  const unsigned char lead = static_cast<unsigned char>(text[pos]);
  size_t length = 1;
  if ((lead & 0xe0) == 0xc0) length = 2;
  if ((lead & 0xf0) == 0xe0) length = 3;
  if ((lead & 0xf8) == 0xf0) length = 4;
  return std::min(length, text.size() - pos);
}

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (const char c : s) {
    switch (c) {
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out->append("\\u00");
          out->push_back(kHexDigits[(c >> 4) & 0xf]);
          out->push_back(kHexDigits[c & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

// ---------------------------------------------------------------------------------
// Lexer: PostgreSQL's json_lex, one token of lookahead.

enum class Tok : uint8_t {
  kEnd, kObjectStart, kObjectEnd, kArrayStart, kArrayEnd, kComma, kColon,
  kString, kNumber, kTrue, kFalse, kNull,
};

struct Token {
  Tok type = Tok::kEnd;
  size_t begin = 0;  // byte offsets into the text; begin == end == size at kEnd
  size_t end = 0;
  std::string contents;  // kString when decoding: the unescaped bytes (else empty)
};

class Lexer {
 public:
  // decode_strings: unescape strings, which also rejects \u0000 and unpaired surrogates
  // (jsonb_in, and every json operator); otherwise only the escapes' form is checked
  // (json_in).
  Lexer(std::string_view text, bool decode_strings) : text_(text), decode_(decode_strings) {}

  // Reads the next token (the first, on the first call). Errors: 22P02, 22P05.
  absl::Status Next();
  const Token& token() const { return token_; }
  // Moves the current string token's unescaped contents out.
  std::string TakeContents() { return std::move(token_.contents); }
  std::string_view TokenText() const { return text_.substr(token_.begin, token_.end - token_.begin); }

 private:
  absl::Status Punctuation(Tok type);
  absl::Status LexString();
  // Reads the escape whose backslash is at *pos; leaves *pos past it.
  absl::Status LexEscape(size_t* pos, int32_t* high_surrogate);
  absl::Status DecodeUnicode(uint32_t unit, int32_t* high_surrogate);
  absl::Status LexNumber();
  absl::Status LexWord();

  std::string_view text_;
  bool decode_;
  size_t pos_ = 0;  // the first byte not yet lexed
  Token token_;
};

absl::Status Lexer::Next() {
  while (pos_ < text_.size() && IsJsonSpace(text_[pos_])) ++pos_;
  token_.begin = pos_;
  token_.contents.clear();
  if (pos_ == text_.size()) {
    token_.type = Tok::kEnd;
    token_.end = pos_;
    return absl::OkStatus();
  }
  switch (text_[pos_]) {
    case '{': return Punctuation(Tok::kObjectStart);
    case '}': return Punctuation(Tok::kObjectEnd);
    case '[': return Punctuation(Tok::kArrayStart);
    case ']': return Punctuation(Tok::kArrayEnd);
    case ',': return Punctuation(Tok::kComma);
    case ':': return Punctuation(Tok::kColon);
    case '"': return LexString();
    default:
      if (text_[pos_] == '-' || IsDigit(text_[pos_])) return LexNumber();
      return LexWord();
  }
}

absl::Status Lexer::Punctuation(Tok type) {
  token_.type = type;
  token_.end = ++pos_;
  return absl::OkStatus();
}

absl::Status Lexer::LexString() {
  token_.type = Tok::kString;
  int32_t high_surrogate = -1;  // a decoded \uD800-\uDBFF still waiting for its low half
  size_t pos = token_.begin + 1;
  while (true) {
    if (pos >= text_.size()) return InvalidToken(text_.substr(token_.begin));
    const char c = text_[pos];
    if (c == '"') break;
    if (static_cast<unsigned char>(c) < 0x20) {
      const char value[] = {'0', 'x', kHexDigits[(c >> 4) & 0xf], kHexDigits[c & 0xf], '\0'};
      return SyntaxError(absl::StrCat("Character with value ", value, " must be escaped."));
    }
    if (c == '\\') {
      const size_t before = pos;
      RETURN_IF_ERROR(LexEscape(&pos, &high_surrogate));
      QUANTA_ASSERT(pos > before);
      continue;
    }
    if (decode_) {
      if (high_surrogate != -1) return LowSurrogateError();
      token_.contents.push_back(c);
    }
    ++pos;
  }
  if (high_surrogate != -1) return LowSurrogateError();
  token_.end = pos + 1;
  pos_ = token_.end;
  return absl::OkStatus();
}

absl::Status Lexer::LexEscape(size_t* pos, int32_t* high_surrogate) {
  QUANTA_ASSERT(text_[*pos] == '\\');
  size_t p = *pos + 1;
  if (p >= text_.size()) return InvalidToken(text_.substr(token_.begin));
  const char escape = text_[p];
  if (escape == 'u') {
    uint32_t unit = 0;
    for (int i = 0; i < 4; ++i) {
      if (++p >= text_.size()) return InvalidToken(text_.substr(token_.begin));
      const int digit = HexValue(text_[p]);
      if (digit < 0) return SyntaxError("\"\\u\" must be followed by four hexadecimal digits.");
      unit = unit * 16 + static_cast<uint32_t>(digit);
    }
    *pos = p + 1;
    return decode_ ? DecodeUnicode(unit, high_surrogate) : absl::OkStatus();
  }
  if (decode_ && *high_surrogate != -1) return LowSurrogateError();
  char decoded = escape;
  switch (escape) {
    case '"': case '\\': case '/': break;
    case 'b': decoded = '\b'; break;
    case 'f': decoded = '\f'; break;
    case 'n': decoded = '\n'; break;
    case 'r': decoded = '\r'; break;
    case 't': decoded = '\t'; break;
    default:
      return SyntaxError(absl::StrCat("Escape sequence \"\\",
                                      ToAbsl(text_.substr(p, Utf8CharLength(text_, p))),
                                      "\" is invalid."));
  }
  if (decode_) token_.contents.push_back(decoded);
  *pos = p + 1;
  return absl::OkStatus();
}

absl::Status Lexer::DecodeUnicode(uint32_t unit, int32_t* high_surrogate) {
  QUANTA_ASSERT(decode_);
  QUANTA_ASSERT(unit <= 0xffff);
  uint32_t code_point = unit;
  if (unit >= 0xd800 && unit <= 0xdbff) {
    if (*high_surrogate != -1) return SyntaxError("Unicode high surrogate must not follow a high surrogate.");
    *high_surrogate = static_cast<int32_t>(unit);
    return absl::OkStatus();
  }
  if (unit >= 0xdc00 && unit <= 0xdfff) {
    if (*high_surrogate == -1) return LowSurrogateError();
    code_point = 0x10000 + ((static_cast<uint32_t>(*high_surrogate) - 0xd800) << 10) + (unit - 0xdc00);
    *high_surrogate = -1;
  }
  if (*high_surrogate != -1) return LowSurrogateError();
  if (code_point == 0) {
    return SqlError(kUntranslatableCharacter, "unsupported Unicode escape sequence", 0,
                    "\\u0000 cannot be converted to text.");
  }
  QUANTA_ASSERT(code_point > 0 && code_point <= 0x10ffff);
  AppendUtf8(code_point, &token_.contents);
  return absl::OkStatus();
}

// json_lex_number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and any letters or
// digits run on belong to the (then invalid) token.
absl::Status Lexer::LexNumber() {
  token_.type = Tok::kNumber;
  const size_t n = text_.size();
  size_t s = token_.begin;
  bool error = false;
  if (text_[s] == '-') ++s;
  if (s < n && text_[s] == '0') {
    ++s;
  } else if (s < n && IsDigit(text_[s])) {
    while (s < n && IsDigit(text_[s])) ++s;
  } else {
    error = true;
  }
  if (s < n && text_[s] == '.') {
    ++s;
    if (s == n || !IsDigit(text_[s])) error = true;
    while (s < n && IsDigit(text_[s])) ++s;
  }
  if (s < n && (text_[s] == 'e' || text_[s] == 'E')) {
    ++s;
    if (s < n && (text_[s] == '+' || text_[s] == '-')) ++s;
    if (s == n || !IsDigit(text_[s])) error = true;
    while (s < n && IsDigit(text_[s])) ++s;
  }
  for (; s < n && IsJsonAlnum(text_[s]); ++s) error = true;
  token_.end = pos_ = s;
  if (error) return InvalidToken(TokenText());
  return absl::OkStatus();
}

absl::Status Lexer::LexWord() {
  size_t s = token_.begin;
  while (s < text_.size() && IsJsonAlnum(text_[s])) ++s;
  if (s == token_.begin) ++s;  // one unexpected punctuation byte
  token_.end = pos_ = s;
  const std::string_view word = TokenText();
  if (word == "true") {
    token_.type = Tok::kTrue;
  } else if (word == "false") {
    token_.type = Tok::kFalse;
  } else if (word == "null") {
    token_.type = Tok::kNull;
  } else {
    return InvalidToken(word);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------
// Parser: PostgreSQL's pg_parse_json, made iterative. Containers being read wait on an
// explicit stack (at most kMaxJsonDepth frames), so nesting costs heap, not stack.

// What the parser expected when it found something else (JsonParseContext); picks the
// DETAIL of the error.
enum class Context : uint8_t { kEnd, kValue, kString, kArrayNext, kObjectStart, kObjectNext, kColon };

struct ParseOptions {
  bool decode_strings = true;  // see Lexer; off, string values and keys are left empty
  bool jsonb = false;          // canonical numbers, deduplicated sorted keys
};

// Sorts `members` by JsonbKeyLess and keeps the last of each run of equal keys, as
// uniqueifyJsonbObject does.
void CanonicalizeMembers(std::vector<JsonMember>* members) {
  std::stable_sort(members->begin(), members->end(),
                   [](const auto& a, const auto& b) { return JsonbKeyLess(a.key, b.key); });
  size_t kept = 0;
  for (size_t i = 0; i < members->size(); ++i) {
    if (i + 1 < members->size() && (*members)[i + 1].key == (*members)[i].key) continue;
    if (kept != i) (*members)[kept] = std::move((*members)[i]);
    ++kept;
  }
  members->resize(kept);
  QUANTA_DEBUG_ASSERT(std::is_sorted(members->begin(), members->end(), [](const auto& a, const auto& b) {
    return JsonbKeyLess(a.key, b.key);
  }));
}

class Parser {
 public:
  Parser(std::string_view text, ParseOptions options)
      : text_size_(text.size()), lexer_(text, options.decode_strings), options_(options) {}

  absl::StatusOr<JsonValue> Parse();

 private:
  struct Frame {
    JsonValue container;  // kArray or kObject, filled as its values complete
    std::string key;      // objects: the key of the value being read
  };

  absl::Status ParseError(Context context) const;
  // The current token is '[' or '{': pushes its frame and reads past it.
  absl::Status Open();
  // After Open: returns true with the container in *done if it closes at once.
  absl::StatusOr<bool> AfterOpen(JsonValue* done);
  // The current token is a key: reads it and the ':' after it.
  absl::Status ReadKey(Context context);
  absl::Status ReadScalar(JsonValue* out);
  // Adds the completed `value` to the innermost container and reads what follows it:
  // returns false after a ',' (a value is next), true with the container in *done
  // after its closing bracket.
  absl::StatusOr<bool> Attach(JsonValue value, JsonValue* done);
  // Pops the innermost container at its closing bracket into *done.
  absl::Status Close(JsonValue* done);

  size_t text_size_;
  Lexer lexer_;
  ParseOptions options_;
  std::vector<Frame> stack_;
};

absl::StatusOr<JsonValue> Parser::Parse() {
  RETURN_IF_ERROR(lexer_.Next());
  JsonValue done;
  bool have_value = false;  // `done` holds a completed value not yet attached
  // Every step but the last reads at least one token, and tokens are nonempty.
  const size_t steps_max = text_size_ + 2;
  for (size_t step = 0;; ++step) {
    QUANTA_ASSERT(step <= steps_max);
    if (!have_value) {
      const Tok type = lexer_.token().type;
      if (type == Tok::kArrayStart || type == Tok::kObjectStart) {
        RETURN_IF_ERROR(Open());
        ASSIGN_OR_RETURN(have_value, AfterOpen(&done));
      } else {
        RETURN_IF_ERROR(ReadScalar(&done));
        have_value = true;
      }
    } else if (stack_.empty()) {
      if (lexer_.token().type != Tok::kEnd) return ParseError(Context::kEnd);
      return done;
    } else {
      ASSIGN_OR_RETURN(have_value, Attach(std::move(done), &done));
    }
  }
}

absl::Status Parser::ParseError(Context context) const {
  // report_parse_error: running out of input has its own message in every context.
  if (lexer_.token().type == Tok::kEnd) return SyntaxError("The input string ended unexpectedly.");
  const absl::string_view found = ToAbsl(lexer_.TokenText());
  switch (context) {
    case Context::kEnd: return SyntaxError(absl::StrCat("Expected end of input, but found \"", found, "\"."));
    case Context::kValue: return SyntaxError(absl::StrCat("Expected JSON value, but found \"", found, "\"."));
    case Context::kString: return SyntaxError(absl::StrCat("Expected string, but found \"", found, "\"."));
    case Context::kArrayNext:
      return SyntaxError(absl::StrCat("Expected \",\" or \"]\", but found \"", found, "\"."));
    case Context::kObjectStart:
      return SyntaxError(absl::StrCat("Expected string or \"}\", but found \"", found, "\"."));
    case Context::kObjectNext:
      return SyntaxError(absl::StrCat("Expected \",\" or \"}\", but found \"", found, "\"."));
    case Context::kColon: return SyntaxError(absl::StrCat("Expected \":\", but found \"", found, "\"."));
  }
  QUANTA_UNREACHABLE("json parse context");
}

absl::Status Parser::Open() {
  // PostgreSQL runs check_stack_depth() here, before reading on.
  if (stack_.size() >= static_cast<size_t>(kMaxJsonDepth)) return DepthError();
  Frame frame;
  frame.container.kind = lexer_.token().type == Tok::kArrayStart ? JsonKind::kArray : JsonKind::kObject;
  frame.container.source_begin = lexer_.token().begin;
  stack_.push_back(std::move(frame));
  QUANTA_ASSERT(stack_.size() <= static_cast<size_t>(kMaxJsonDepth));
  return lexer_.Next();
}

absl::StatusOr<bool> Parser::AfterOpen(JsonValue* done) {
  QUANTA_ASSERT(!stack_.empty());
  const Tok type = lexer_.token().type;
  if (stack_.back().container.kind == JsonKind::kArray) {
    if (type != Tok::kArrayEnd) return false;  // the first element is next
    RETURN_IF_ERROR(Close(done));
    return true;
  }
  if (type == Tok::kObjectEnd) {
    RETURN_IF_ERROR(Close(done));
    return true;
  }
  if (type != Tok::kString) return ParseError(Context::kObjectStart);
  RETURN_IF_ERROR(ReadKey(Context::kString));
  return false;
}

absl::Status Parser::ReadKey(Context context) {
  QUANTA_ASSERT(!stack_.empty());
  QUANTA_ASSERT(stack_.back().container.kind == JsonKind::kObject);
  if (lexer_.token().type != Tok::kString) return ParseError(context);
  stack_.back().key = lexer_.TakeContents();
  RETURN_IF_ERROR(lexer_.Next());
  if (lexer_.token().type != Tok::kColon) return ParseError(Context::kColon);
  return lexer_.Next();
}

absl::Status Parser::ReadScalar(JsonValue* out) {
  const Token& token = lexer_.token();
  JsonValue value;
  switch (token.type) {
    case Tok::kString:
      value.kind = JsonKind::kString;
      value.text = lexer_.TakeContents();
      break;
    case Tok::kNumber:
      value.kind = JsonKind::kNumber;
      value.text = std::string(lexer_.TokenText());
      break;
    case Tok::kTrue: case Tok::kFalse:
      value.kind = JsonKind::kBool;
      value.boolean = token.type == Tok::kTrue;
      break;
    case Tok::kNull: value.kind = JsonKind::kNull; break;
    default: return ParseError(Context::kValue);
  }
  value.source_begin = token.begin;
  value.source_end = token.end;
  // As in parse_scalar, the next token is read before the value is converted.
  RETURN_IF_ERROR(lexer_.Next());
  if (options_.jsonb && value.kind == JsonKind::kNumber) {
    ASSIGN_OR_RETURN(const Numeric number, Numeric::Parse(value.text));
    value.text = number.ToString();
  }
  *out = std::move(value);
  return absl::OkStatus();
}

absl::StatusOr<bool> Parser::Attach(JsonValue value, JsonValue* done) {
  QUANTA_ASSERT(!stack_.empty());
  Frame& top = stack_.back();
  const bool is_array = top.container.kind == JsonKind::kArray;
  if (is_array) {
    top.container.elements.push_back(std::move(value));
  } else {
    top.container.members.push_back(JsonMember{std::move(top.key), std::move(value)});
  }
  const Tok type = lexer_.token().type;
  if (type == Tok::kComma) {
    RETURN_IF_ERROR(lexer_.Next());
    if (!is_array) RETURN_IF_ERROR(ReadKey(Context::kString));
    return false;
  }
  if (type == (is_array ? Tok::kArrayEnd : Tok::kObjectEnd)) {
    RETURN_IF_ERROR(Close(done));
    return true;
  }
  return ParseError(is_array ? Context::kArrayNext : Context::kObjectNext);
}

absl::Status Parser::Close(JsonValue* done) {
  QUANTA_ASSERT(!stack_.empty());
  *done = std::move(stack_.back().container);
  stack_.pop_back();
  done->source_end = lexer_.token().end;
  QUANTA_ASSERT(done->source_end > done->source_begin);
  if (options_.jsonb && done->kind == JsonKind::kObject) CanonicalizeMembers(&done->members);
  return lexer_.Next();
}

absl::StatusOr<JsonValue> ParseWith(std::string_view text, ParseOptions options) {
  Parser parser(text, options);
  return parser.Parse();
}

// ---------------------------------------------------------------------------------
// Serializer, iterative like the parser.

struct Layout {
  bool jsonb = false;           // ", " and ": " rather than "," and ":"
  bool canonicalize = false;    // numbers through numeric (when not already canonical)
};

void AppendScalar(const JsonValue& value, Layout layout, std::string* out) {
  switch (value.kind) {
    case JsonKind::kNull: out->append("null"); return;
    case JsonKind::kBool: out->append(value.boolean ? "true" : "false"); return;
    case JsonKind::kString: AppendQuoted(value.text, out); return;
    case JsonKind::kNumber:
      if (layout.canonicalize) {
        if (auto number = Numeric::Parse(value.text); number.ok()) {
          out->append(number->ToString());
          return;
        }
      }
      out->append(value.text);
      return;
    case JsonKind::kArray: case JsonKind::kObject: break;
  }
  QUANTA_UNREACHABLE("container passed as a scalar");
}

size_t ChildCount(const JsonValue& value) {
  return value.kind == JsonKind::kArray ? value.elements.size() : value.members.size();
}

bool IsContainer(const JsonValue& value) {
  return value.kind == JsonKind::kArray || value.kind == JsonKind::kObject;
}

void Serialize(const JsonValue& root, Layout layout, std::string* out) {
  struct Cursor {
    const JsonValue* container;
    size_t next;  // the child to write next
  };
  std::vector<Cursor> stack;
  const JsonValue* value = &root;
  while (value != nullptr) {
    if (IsContainer(*value)) {
      out->push_back(value->kind == JsonKind::kArray ? '[' : '{');
      stack.push_back({value, 0});
    } else {
      AppendScalar(*value, layout, out);
    }
    value = nullptr;
    while (value == nullptr && !stack.empty()) {
      Cursor& top = stack.back();
      const JsonValue& container = *top.container;
      if (top.next == ChildCount(container)) {
        out->push_back(container.kind == JsonKind::kArray ? ']' : '}');
        stack.pop_back();
        continue;
      }
      if (top.next > 0) out->append(layout.jsonb ? ", " : ",");
      if (container.kind == JsonKind::kArray) {
        value = &container.elements[top.next];
      } else {
        AppendQuoted(container.members[top.next].key, out);
        out->append(layout.jsonb ? ": " : ":");
        value = &container.members[top.next].value;
      }
      ++top.next;
    }
  }
  QUANTA_ASSERT(stack.empty());
}

std::string ToText(const JsonValue& value, Layout layout) {
  std::string out;
  Serialize(value, layout, &out);
  return out;
}

}  // namespace

absl::StatusOr<JsonValue> ParseJson(std::string_view text) { return ParseWith(text, ParseOptions{}); }

absl::StatusOr<JsonValue> ParseJsonb(std::string_view text) {
  return ParseWith(text, ParseOptions{.decode_strings = true, .jsonb = true});
}

absl::StatusOr<std::string> NormalizeJson(std::string_view text) {
  RETURN_IF_ERROR(ParseWith(text, ParseOptions{.decode_strings = false, .jsonb = false}).status());
  return std::string(text);
}

absl::StatusOr<std::string> NormalizeJsonb(std::string_view text) {
  ASSIGN_OR_RETURN(const JsonValue value, ParseJsonb(text));
  return ToText(value, Layout{.jsonb = true, .canonicalize = false});
}

std::string SerializeJson(const JsonValue& value, bool jsonb_style) {
  return ToText(value, Layout{.jsonb = jsonb_style, .canonicalize = jsonb_style});
}

std::string JsonQuoteString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendQuoted(s, &out);
  return out;
}

bool JsonbKeyLess(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a.compare(b) < 0;
}

// ---------------------------------------------------------------------------------
// Extraction operators.

namespace {

absl::StatusOr<JsonValue> ParseOperand(std::string_view doc, bool jsonb) {
  return jsonb ? ParseJsonb(doc) : ParseJson(doc);
}

// The operator result for `value`, found in `doc`: json gives its verbatim slice of
// `doc`, jsonb its jsonb_out text; as text, a string unescaped and a null SQL NULL.
std::optional<std::string> ResultOf(const JsonValue& value, std::string_view doc, bool as_text, bool jsonb) {
  if (as_text && value.kind == JsonKind::kNull) return std::nullopt;
  if (as_text && value.kind == JsonKind::kString) return value.text;
  if (jsonb) return ToText(value, Layout{.jsonb = true, .canonicalize = false});
  QUANTA_ASSERT(value.source_begin < value.source_end);
  QUANTA_ASSERT(value.source_end <= doc.size());
  return std::string(doc.substr(value.source_begin, value.source_end - value.source_begin));
}

// The last member of `object` named `key` (the one json's operators return).
const JsonValue* FindMember(const JsonValue& object, std::string_view key) {
  QUANTA_ASSERT(object.kind == JsonKind::kObject);
  for (size_t i = object.members.size(); i-- > 0;) {
    if (object.members[i].key == key) return &object.members[i].value;
  }
  return nullptr;
}

// The element at `index` (negative: from the end), null when out of range.
const JsonValue* FindElement(const JsonValue& array, int64_t index) {
  QUANTA_ASSERT(array.kind == JsonKind::kArray);
  const int64_t size = static_cast<int64_t>(array.elements.size());
  if (index < 0) index += size;
  if (index < 0 || index >= size) return nullptr;
  return &array.elements[static_cast<size_t>(index)];
}

// Reads a path element as an array index the way strtoint does: leading whitespace,
// an optional sign, decimal digits and nothing after, within int4. INT_MIN is refused
// too: both json and jsonb treat it as "no such element".
bool ParsePathIndex(std::string_view s, int64_t* index) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return false;
  int64_t magnitude = 0;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) return false;
    magnitude = magnitude * 10 + (s[i] - '0');
    if (magnitude > std::numeric_limits<int32_t>::max()) return false;
  }
  *index = negative ? -magnitude : magnitude;
  return true;
}

}  // namespace

absl::StatusOr<std::optional<std::string>> JsonField(std::string_view doc, std::string_view key,
                                                     bool as_text, bool jsonb) {
  ASSIGN_OR_RETURN(const JsonValue root, ParseOperand(doc, jsonb));
  if (root.kind != JsonKind::kObject) return std::nullopt;
  const JsonValue* member = FindMember(root, key);
  if (member == nullptr) return std::nullopt;
  return ResultOf(*member, doc, as_text, jsonb);
}

absl::StatusOr<std::optional<std::string>> JsonElement(std::string_view doc, int64_t index,
                                                       bool as_text, bool jsonb) {
  ASSIGN_OR_RETURN(const JsonValue root, ParseOperand(doc, jsonb));
  if (root.kind != JsonKind::kArray) return std::nullopt;
  const JsonValue* element = FindElement(root, index);
  if (element == nullptr) return std::nullopt;
  return ResultOf(*element, doc, as_text, jsonb);
}

// json objects may repeat a key, and PostgreSQL's json #> answers with the last value
// in document order that the whole path reaches (so {"a":{"b":1},"a":2} #> {a,b} is 1).
// The search is depth first, latest candidates first; each value is visited at most
// once, so it is bounded by the document's size.
absl::StatusOr<std::optional<std::string>> JsonPath(std::string_view doc,
                                                    const std::vector<std::string>& path,
                                                    bool as_text, bool jsonb) {
  ASSIGN_OR_RETURN(const JsonValue root, ParseOperand(doc, jsonb));
  struct Candidate {
    const JsonValue* value;
    size_t steps;  // path elements already followed
  };
  std::vector<Candidate> stack = {{&root, 0}};
  while (!stack.empty()) {
    const Candidate candidate = stack.back();
    stack.pop_back();
    QUANTA_ASSERT(candidate.steps <= path.size());
    if (candidate.steps == path.size()) return ResultOf(*candidate.value, doc, as_text, jsonb);
    const JsonValue& value = *candidate.value;
    const std::string& step = path[candidate.steps];
    if (value.kind == JsonKind::kObject) {
      for (const JsonMember& member : value.members) {
        if (member.key == step) stack.push_back({&member.value, candidate.steps + 1});
      }
    } else if (int64_t index = 0; value.kind == JsonKind::kArray && ParsePathIndex(step, &index)) {
      if (const JsonValue* element = FindElement(value, index)) stack.push_back({element, candidate.steps + 1});
    }
  }
  return std::nullopt;
}

absl::StatusOr<std::string> JsonTypeof(std::string_view doc) {
  ASSIGN_OR_RETURN(const JsonValue root, ParseWith(doc, ParseOptions{.decode_strings = false}));
  switch (root.kind) {
    case JsonKind::kObject: return std::string("object");
    case JsonKind::kArray: return std::string("array");
    case JsonKind::kString: return std::string("string");
    case JsonKind::kNumber: return std::string("number");
    case JsonKind::kBool: return std::string("boolean");
    case JsonKind::kNull: return std::string("null");
  }
  QUANTA_UNREACHABLE("json kind");
}

absl::StatusOr<std::vector<std::optional<std::string>>> JsonArrayElements(std::string_view doc, bool as_text, bool jsonb,
                                                                          std::string_view function) {
  ASSIGN_OR_RETURN(const JsonValue root, ParseOperand(doc, jsonb));
  if (root.kind != JsonKind::kArray) {
    const bool object = root.kind == JsonKind::kObject;
    return SqlError(sqlstate::kInvalidParameterValue,
                    jsonb ? absl::StrCat("cannot extract elements from ", object ? "an object" : "a scalar")
                          : absl::StrCat("cannot call ", std::string(function), " on ", object ? "a non-array" : "a scalar"));
  }
  std::vector<std::optional<std::string>> elements;
  elements.reserve(root.elements.size());
  for (const JsonValue& element : root.elements) elements.push_back(ResultOf(element, doc, as_text, jsonb));
  QUANTA_ASSERT(elements.size() == root.elements.size());
  return elements;
}

absl::StatusOr<std::vector<std::string>> JsonObjectKeys(std::string_view doc, bool jsonb, std::string_view function) {
  ASSIGN_OR_RETURN(const JsonValue root, ParseOperand(doc, jsonb));
  if (root.kind != JsonKind::kObject) {
    return SqlError(sqlstate::kInvalidParameterValue,
                    absl::StrCat("cannot call ", std::string(function), " on ", root.kind == JsonKind::kArray ? "an array" : "a scalar"));
  }
  std::vector<std::string> keys;
  for (const JsonMember& m : root.members) keys.push_back(m.key);
  return keys;
}

absl::StatusOr<std::vector<std::pair<std::string, std::optional<std::string>>>> JsonObjectMembers(std::string_view doc,
                                                                                                  bool as_text, bool jsonb,
                                                                                                  std::string_view function) {
  ASSIGN_OR_RETURN(const JsonValue root, ParseOperand(doc, jsonb));
  if (root.kind != JsonKind::kObject) {
    if (jsonb) return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat("cannot call ", std::string(function), " on a non-object"));
    return SqlError(sqlstate::kInvalidParameterValue, root.kind == JsonKind::kArray ? "cannot deconstruct an array as an object"
                                                                                    : "cannot deconstruct a scalar");
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> members;
  for (const JsonMember& m : root.members) members.emplace_back(m.key, ResultOf(m.value, doc, as_text, jsonb));
  QUANTA_ASSERT(members.size() == root.members.size());
  return members;
}

absl::StatusOr<int64_t> JsonArrayLength(std::string_view doc) {
  ASSIGN_OR_RETURN(const JsonValue root, ParseWith(doc, ParseOptions{.decode_strings = false}));
  if (root.kind == JsonKind::kObject) {
    return SqlError(sqlstate::kInvalidParameterValue, "cannot get array length of a non-array");
  }
  if (root.kind != JsonKind::kArray) {
    return SqlError(sqlstate::kInvalidParameterValue, "cannot get array length of a scalar");
  }
  return static_cast<int64_t>(root.elements.size());
}

absl::StatusOr<bool> JsonbExists(std::string_view doc, std::string_view key) {
  ASSIGN_OR_RETURN(const JsonValue root, ParseJsonb(doc));
  switch (root.kind) {
    case JsonKind::kObject: return FindMember(root, key) != nullptr;
    case JsonKind::kArray:
      return std::any_of(root.elements.begin(), root.elements.end(), [key](const JsonValue& element) {
        return element.kind == JsonKind::kString && element.text == key;
      });
    case JsonKind::kString: return root.text == key;
    default: return false;
  }
}

absl::StatusOr<bool> JsonbContains(std::string_view a, std::string_view b) {
  ASSIGN_OR_RETURN(const JsonValue left, ParseJsonb(a));
  ASSIGN_OR_RETURN(const JsonValue right, ParseJsonb(b));
  return JsonbValueContains(left, right);
}

absl::StatusOr<int> JsonbCompare(std::string_view a, std::string_view b) {
  ASSIGN_OR_RETURN(const JsonValue left, ParseJsonb(a));
  ASSIGN_OR_RETURN(const JsonValue right, ParseJsonb(b));
  return CompareJsonbValues(left, right);
}

// ---------------------------------------------------------------------------------
// Containment and ordering (jsonb_util.c).

namespace {

Numeric CanonicalNumber(const JsonValue& value) {
  QUANTA_ASSERT(value.kind == JsonKind::kNumber);
  auto number = Numeric::Parse(value.text);
  QUANTA_ASSERT_MSG(number.ok(), "jsonb number not from ParseJsonb");
  return *std::move(number);
}

// equalsScalarValue. REQUIRES: both scalars.
bool ScalarsEqual(const JsonValue& a, const JsonValue& b) {
  QUANTA_ASSERT(!IsContainer(a));
  QUANTA_ASSERT(!IsContainer(b));
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case JsonKind::kNull: return true;
    case JsonKind::kBool: return a.boolean == b.boolean;
    case JsonKind::kString: return a.text == b.text;
    case JsonKind::kNumber: return a.text == b.text || CanonicalNumber(a).Compare(CanonicalNumber(b)) == 0;
    default: break;
  }
  QUANTA_UNREACHABLE("scalar kind");
}

bool HasScalarElement(const std::vector<JsonValue>& elements, const JsonValue& scalar) {
  return std::any_of(elements.begin(), elements.end(), [&scalar](const JsonValue& element) {
    return !IsContainer(element) && ScalarsEqual(element, scalar);
  });
}

// The member of sorted `object` named `key`. REQUIRES: members from ParseJsonb.
const JsonValue* FindSortedMember(const JsonValue& object, std::string_view key) {
  const auto it = std::lower_bound(
      object.members.begin(), object.members.end(), key,
      [](const JsonMember& member, std::string_view k) { return JsonbKeyLess(member.key, k); });
  return it != object.members.end() && it->key == key ? &it->value : nullptr;
}

// One open question of JsonbDeepContains, "does container a contain container b?",
// with how far it has got. The search backtracks (an array's container element may be
// tried against several candidates), so it runs on an explicit stack: at most one task
// per nesting level of b.
struct ContainsTask {
  const JsonValue* a;
  const JsonValue* b;
  size_t wanted = 0;     // the child of b being looked for
  size_t candidate = 0;  // arrays: the element of a being tried for a container child
};

// Moves `task` on after its last child task answered `child_answer` (nullopt if none
// ran). Returns the task's answer once known; otherwise sets *child to the next
// question to ask and returns nullopt.
std::optional<bool> AdvanceObject(ContainsTask* task, std::optional<bool> child_answer, ContainsTask* child) {
  if (child_answer.has_value()) {
    if (!*child_answer) return false;
    ++task->wanted;
  }
  // Keys are unique, so a smaller object cannot contain a larger one.
  if (task->a->members.size() < task->b->members.size()) return false;
  for (; task->wanted < task->b->members.size(); ++task->wanted) {
    const JsonMember& wanted = task->b->members[task->wanted];
    const JsonValue* have = FindSortedMember(*task->a, wanted.key);
    if (have == nullptr || have->kind != wanted.value.kind) return false;
    if (IsContainer(*have)) {
      *child = ContainsTask{have, &wanted.value};
      return std::nullopt;
    }
    if (!ScalarsEqual(*have, wanted.value)) return false;
  }
  return true;
}

std::optional<bool> AdvanceArray(ContainsTask* task, std::optional<bool> child_answer, ContainsTask* child) {
  if (child_answer.has_value()) {
    if (*child_answer) {
      ++task->wanted;
      task->candidate = 0;
    } else {
      ++task->candidate;
    }
  }
  const std::vector<JsonValue>& have = task->a->elements;
  for (; task->wanted < task->b->elements.size(); ++task->wanted, task->candidate = 0) {
    const JsonValue& wanted = task->b->elements[task->wanted];
    if (!IsContainer(wanted)) {
      if (!HasScalarElement(have, wanted)) return false;
      continue;
    }
    while (task->candidate < have.size() && have[task->candidate].kind != wanted.kind) ++task->candidate;
    if (task->candidate == have.size()) return false;
    *child = ContainsTask{&have[task->candidate], &wanted};
    return std::nullopt;
  }
  return true;
}

// Does container a contain container b of the same kind?
bool ContainerContains(const JsonValue& a, const JsonValue& b) {
  QUANTA_ASSERT(IsContainer(a));
  QUANTA_ASSERT(a.kind == b.kind);
  std::vector<ContainsTask> stack = {ContainsTask{&a, &b}};
  std::optional<bool> answer;  // the answer of the task just finished
  while (true) {
    ContainsTask& task = stack.back();
    QUANTA_ASSERT(task.a->kind == task.b->kind);
    ContainsTask child{nullptr, nullptr};
    answer = task.a->kind == JsonKind::kObject ? AdvanceObject(&task, answer, &child)
                                                : AdvanceArray(&task, answer, &child);
    if (answer.has_value()) {
      stack.pop_back();
      if (stack.empty()) return *answer;
      continue;
    }
    QUANTA_ASSERT(child.a != nullptr);
    stack.push_back(child);
    QUANTA_ASSERT(stack.size() <= static_cast<size_t>(kMaxJsonDepth));
  }
}

// JsonbValue's type order: jbvNull < jbvString < jbvNumeric < jbvBool < jbvArray < jbvObject.
int KindRank(JsonKind kind) {
  switch (kind) {
    case JsonKind::kNull: return 0;
    case JsonKind::kString: return 1;
    case JsonKind::kNumber: return 2;
    case JsonKind::kBool: return 3;
    case JsonKind::kArray: return 4;
    case JsonKind::kObject: return 5;
  }
  QUANTA_UNREACHABLE("json kind");
}

int Sign(int v) { return (v > 0) - (v < 0); }

// compareJsonbScalarValue with the C collation. REQUIRES: same scalar kind.
int CompareScalars(const JsonValue& a, const JsonValue& b) {
  QUANTA_ASSERT(a.kind == b.kind);
  switch (a.kind) {
    case JsonKind::kNull: return 0;
    case JsonKind::kString: return Sign(std::string_view(a.text).compare(b.text));
    case JsonKind::kNumber: return CanonicalNumber(a).Compare(CanonicalNumber(b));
    case JsonKind::kBool: return static_cast<int>(a.boolean) - static_cast<int>(b.boolean);
    default: break;
  }
  QUANTA_UNREACHABLE("scalar kind");
}

// compareJsonbContainers below the top level, walking both values in step: kinds
// first, then sizes, then children in order (object: key, value, key, value...).
int CompareNested(const JsonValue& a, const JsonValue& b) {
  struct Pair {
    const JsonValue* a;
    const JsonValue* b;
    size_t next;  // the child to compare next
  };
  std::vector<Pair> stack;
  // Compares two values as far as their heads go; equal containers are pushed.
  const auto compare_head = [&stack](const JsonValue& x, const JsonValue& y) {
    if (x.kind != y.kind) return KindRank(x.kind) < KindRank(y.kind) ? -1 : 1;
    if (!IsContainer(x)) return CompareScalars(x, y);
    if (ChildCount(x) != ChildCount(y)) return ChildCount(x) < ChildCount(y) ? -1 : 1;
    stack.push_back({&x, &y, 0});
    QUANTA_ASSERT(stack.size() <= static_cast<size_t>(kMaxJsonDepth));
    return 0;
  };
  int result = compare_head(a, b);
  while (result == 0 && !stack.empty()) {
    const Pair top = stack.back();
    if (top.next == ChildCount(*top.a)) {
      stack.pop_back();
      continue;
    }
    ++stack.back().next;
    if (top.a->kind == JsonKind::kArray) {
      result = compare_head(top.a->elements[top.next], top.b->elements[top.next]);
    } else {
      const JsonMember& member_a = top.a->members[top.next];
      const JsonMember& member_b = top.b->members[top.next];
      result = Sign(std::string_view(member_a.key).compare(member_b.key));
      if (result == 0) result = compare_head(member_a.value, member_b.value);
    }
  }
  return result;
}

}  // namespace

bool JsonbValueContains(const JsonValue& a, const JsonValue& b) {
  // jsonb_contains: an object root against a non-object root never matches.
  if ((a.kind == JsonKind::kObject) != (b.kind == JsonKind::kObject)) return false;
  if (a.kind == JsonKind::kObject) return ContainerContains(a, b);
  // Both roots are arrays or raw scalars (jsonb stores a top-level scalar as a
  // one-element array marked raw). An array may contain a raw scalar, a raw scalar
  // only an equal raw scalar.
  const bool a_raw = !IsContainer(a);
  const bool b_raw = !IsContainer(b);
  if (a_raw && !b_raw) return false;
  if (a_raw) return ScalarsEqual(a, b);
  if (b_raw) return HasScalarElement(a.elements, b);
  return ContainerContains(a, b);
}

int CompareJsonbValues(const JsonValue& a, const JsonValue& b) {
  const bool a_raw = !IsContainer(a);
  const bool b_raw = !IsContainer(b);
  if (a_raw == b_raw) return CompareNested(a, b);
  // A raw scalar against a container: as a one-element array it is below any object;
  // against a real array the element count decides first (so it is above []), and
  // with equal counts the raw scalar sorts first.
  const JsonValue& container = a_raw ? b : a;
  const int raw_vs_container = container.kind == JsonKind::kArray && container.elements.empty() ? 1 : -1;
  return a_raw ? raw_vs_container : -raw_vs_container;
}

}  // namespace quanta::sql
