#include "sql/types/array.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "engine/util/coding.h"
#include "engine/util/strings.h"
#include "sql/common/sql_error.h"
#include "sql/types/cast.h"
#include "sql/types/ordered_key.h"

namespace quanta::sql {
namespace {

// One element's extent in an encoding: [begin, key_end) tag and key, then the exact
// numeric form up to `end`.
struct Extent {
  bool null = false;
  size_t key_begin = 0, key_end = 0, end = 0;
};

// The element starting at `pos`; nullopt-like (end == 0) if the bytes are damaged.
Extent NextElement(std::string_view bytes, size_t pos, const Type& element) {
  Extent x;
  if (pos >= bytes.size()) return x;
  if (bytes[pos] == kElementNull) {
    x.null = true;
    x.key_begin = x.key_end = x.end = pos + 1;
    return x;
  }
  if (bytes[pos] != kElementValue) return x;
  x.key_begin = pos + 1;
  const size_t key = OrderedKeyLength(bytes.substr(x.key_begin), element);
  if (key == 0) return x;
  x.key_end = x.end = x.key_begin + key;
  if (StorageOf(element) == Storage::kNumeric) {
    if (bytes.size() - x.key_end < 4) return Extent{};
    const uint32_t n = GetU32(bytes.data() + x.key_end);
    if (bytes.size() - x.key_end - 4 < n) return Extent{};
    x.end = x.key_end + 4 + n;
  }
  return x;
}

std::vector<Extent> Extents(std::string_view bytes, const Type& element, bool* damaged) {
  std::vector<Extent> out;
  *damaged = false;
  for (size_t pos = 0; pos < bytes.size();) {
    const Extent x = NextElement(bytes, pos, element);
    if (x.end == 0) {
      *damaged = true;
      return out;
    }
    out.push_back(x);
    pos = x.end;
  }
  return out;
}

absl::StatusOr<Value> ElementValue(std::string_view bytes, const Extent& x, const Type& element) {
  if (x.null) return Value::Null(element);
  if (StorageOf(element) == Storage::kNumeric) {
    auto n = Numeric::Decode(bytes.substr(x.key_end + 4, x.end - x.key_end - 4));
    if (!n.ok()) return n.status();
    return Value::Num(std::move(*n), element);
  }
  std::string_view key = bytes.substr(x.key_begin, x.key_end - x.key_begin);
  return DecodeOrderedKey(&key, element);
}

absl::Status Malformed(std::string_view text, std::string_view detail) {
  return SqlError(sqlstate::kInvalidTextRepresentation, absl::StrCat("malformed array literal: \"", ToAbsl(text), "\""), 0, detail);
}

// array_in's scanner over one-dimensional literals.
class LiteralParser {
 public:
  LiteralParser(std::string_view text, const Type& element) : text_(text), element_(element) {}

  absl::StatusOr<std::string> Parse() {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '[') {
      return SqlError(sqlstate::kFeatureNotSupported, "array dimension decorations are not supported yet");
    }
    if (pos_ >= text_.size() || text_[pos_] != '{') {
      return Malformed(text_, "Array value must start with \"{\" or dimension information.");
    }
    ++pos_;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return Finish();
    }
    for (;;) {
      RETURN_IF_ERROR(Element());
      SkipSpace();
      if (pos_ >= text_.size()) return Malformed(text_, "Unexpected end of input.");
      const char c = text_[pos_++];
      if (c == '}') return Finish();
      if (c != ',') return Malformed(text_, absl::StrCat("Unexpected \"", std::string(1, c), "\" character."));
      SkipSpace();
    }
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  absl::StatusOr<std::string> Finish() {
    SkipSpace();
    if (pos_ != text_.size()) return Malformed(text_, "Junk after closing right brace.");
    return std::move(out_);
  }

  absl::Status Element() {
    if (pos_ >= text_.size()) return Malformed(text_, "Unexpected end of input.");
    const char c = text_[pos_];
    if (c == '{') return SqlError(sqlstate::kFeatureNotSupported, "multidimensional arrays are not supported yet");
    if (c == ',' || c == '}') return Malformed(text_, absl::StrCat("Unexpected \"", std::string(1, c), "\" character."));
    std::string raw;
    bool quoted = false;
    RETURN_IF_ERROR(c == '"' ? Quoted(&raw) : Unquoted(&raw));
    quoted = c == '"';
    if (++count_ > kMaxArrayElements) {
      return SqlError("54000", absl::StrCat("array size exceeds the maximum allowed (", kMaxArrayElements, ")"));
    }
    if (!quoted && absl::AsciiStrToLower(raw) == "null") {
      AppendArrayElement(Value::Null(element_), &out_);
      return absl::OkStatus();
    }
    auto v = ParseValue(raw, element_);
    if (!v.ok()) return v.status();
    AppendArrayElement(*v, &out_);
    return absl::OkStatus();
  }

  absl::Status Quoted(std::string* raw) {
    ++pos_;  // the opening quote
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return absl::OkStatus();
      if (c == '\\') {
        if (pos_ >= text_.size()) break;
        raw->push_back(text_[pos_++]);
        continue;
      }
      raw->push_back(c);
    }
    return Malformed(text_, "Unexpected end of input.");
  }

  // Up to the next unescaped , or } (whitespace after the element is not part of it).
  absl::Status Unquoted(std::string* raw) {
    size_t kept = 0;  // raw's length through its last escaped or non-space character
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ',' || c == '}') break;
      if (c == '{' || c == '"') return Malformed(text_, absl::StrCat("Unexpected \"", std::string(1, c), "\" character."));
      ++pos_;
      if (c == '\\') {
        if (pos_ >= text_.size()) return Malformed(text_, "Unexpected end of input.");
        raw->push_back(text_[pos_++]);
        kept = raw->size();
        continue;
      }
      raw->push_back(c);
      if (!absl::ascii_isspace(static_cast<unsigned char>(c))) kept = raw->size();
    }
    raw->resize(kept);
    return absl::OkStatus();
  }

  std::string_view text_;
  const Type& element_;
  size_t pos_ = 0;
  size_t count_ = 0;
  std::string out_;
};

bool NeedsQuotes(std::string_view s) {
  if (s.empty() || absl::AsciiStrToLower(std::string(s)) == "null") return true;
  for (char c : s) {
    if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || absl::ascii_isspace(static_cast<unsigned char>(c))) {
      return true;
    }
  }
  return false;
}

}  // namespace

void AppendArrayElement(const Value& element, std::string* out) {
  if (element.is_null()) {
    out->push_back(kElementNull);
    return;
  }
  out->push_back(kElementValue);
  AppendOrderedKey(element, out);
  if (StorageOf(element.type()) == Storage::kNumeric) {
    const std::string exact = element.numeric().Encode();
    char b[4];
    PutU32(b, static_cast<uint32_t>(exact.size()));
    out->append(b, 4);
    out->append(exact);
  }
}

std::string EncodeArray(const std::vector<Value>& elements) {
  std::string out;
  for (const Value& v : elements) AppendArrayElement(v, &out);
  return out;
}

std::vector<ArrayElementKey> ArrayElementKeys(std::string_view bytes, const Type& element) {
  bool damaged = false;
  const std::vector<Extent> extents = Extents(bytes, element, &damaged);
  QUANTA_ASSERT(!damaged);
  std::vector<ArrayElementKey> keys;
  keys.reserve(extents.size());
  for (const Extent& x : extents) keys.push_back({x.null, bytes.substr(x.key_begin, x.key_end - x.key_begin)});
  return keys;
}

std::vector<Value> DecodeArray(std::string_view bytes, const Type& element) {
  bool damaged = false;
  const std::vector<Extent> extents = Extents(bytes, element, &damaged);
  QUANTA_ASSERT(!damaged);
  std::vector<Value> out;
  out.reserve(extents.size());
  for (const Extent& x : extents) {
    auto v = ElementValue(bytes, x, element);
    QUANTA_ASSERT(v.ok());
    out.push_back(std::move(*v));
  }
  return out;
}

std::string ElementKey(const Value& v) {
  std::string key;
  AppendOrderedKey(v, &key);
  return key;
}

absl::Status ValidateArray(std::string_view bytes, const Type& element) {
  bool damaged = false;
  const std::vector<Extent> extents = Extents(bytes, element, &damaged);
  if (damaged) return absl::DataLossError(absl::StrCat("array of ", element.Name(), ": an element is damaged"));
  for (const Extent& x : extents) {
    auto v = ElementValue(bytes, x, element);
    if (!v.ok()) return absl::DataLossError(absl::StrCat("array of ", element.Name(), ": ", v.status().message()));
  }
  return absl::OkStatus();
}

size_t ArrayLength(std::string_view bytes, const Type& element) { return ArrayElementKeys(bytes, element).size(); }

absl::StatusOr<std::string> ParseArrayLiteral(std::string_view text, const Type& element) {
  QUANTA_ASSERT(element.id != TypeId::kArray);
  return LiteralParser(text, element).Parse();
}

std::string FormatArray(std::string_view bytes, const Type& element) {
  std::string out = "{";
  bool first = true;
  for (const Value& v : DecodeArray(bytes, element)) {
    if (!first) out.push_back(',');
    first = false;
    if (v.is_null()) {
      out += "NULL";
      continue;
    }
    const std::string s = FormatValue(v);
    if (!NeedsQuotes(s)) {
      out += s;
      continue;
    }
    out.push_back('"');
    for (char c : s) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

}  // namespace quanta::sql
