// Regular expressions through RE2: ~, ~*, !~, !~* (POSIX-style matching anywhere in the
// string), SIMILAR TO (SQL's regular expressions, matching the whole string) and
// regexp_replace, regexp_split_to_array (and, through it, regexp_split_to_table). RE2 is PostgreSQL's ARE syntax for the common constructs; it has no
// back-references or lookaround, which are refused with 2201B naming the pattern.
#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "re2/re2.h"
#include "sql/common/sql_error.h"
#include "sql/execution/kernels.h"
#include "sql/types/array.h"

namespace quanta::sql {
namespace {

using Args = std::vector<const Vector*>;

// Compiles `pattern` (cached across the rows of one call while it repeats).
class PatternCache {
 public:
  explicit PatternCache(bool case_insensitive) : case_insensitive_(case_insensitive) {}
  absl::StatusOr<const RE2*> Get(const std::string& pattern) {
    if (re_ != nullptr && pattern == pattern_) return re_.get();
    RE2::Options options;
    options.set_case_sensitive(!case_insensitive_);
    options.set_log_errors(false);
    auto re = std::make_unique<RE2>(pattern, options);
    if (!re->ok()) {
      return SqlError("2201B", absl::StrCat("invalid regular expression: ", re->error()));
    }
    pattern_ = pattern;
    re_ = std::move(re);
    return re_.get();
  }

 private:
  bool case_insensitive_;
  std::string pattern_;
  std::unique_ptr<RE2> re_;
};

template <bool kInsensitive, bool kNegated>
absl::Status RegexMatch(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  PatternCache cache(kInsensitive);
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto re = cache.Get(args[1]->Str(r));
    if (!re.ok()) return re.status();
    const bool found = RE2::PartialMatch(args[0]->Str(r), **re);
    out->SetInt(r, found != kNegated ? 1 : 0);
    return absl::OkStatus();
  });
}

// SQL's SIMILAR TO pattern as an RE2 pattern for the whole string: % and _ are .* and
// ., the escape character quotes the next one, `.` is literal; | * + ? {} () [] keep
// their regular-expression meaning.
absl::StatusOr<std::string> SimilarToRegex(const std::string& pattern, char escape, bool has_escape) {
  std::string out = "^(?:";
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (has_escape && c == escape) {
      if (i + 1 == pattern.size()) {
        return SqlError("2201B", "invalid regular expression: SIMILAR TO pattern ends with the escape character");
      }
      const char next = pattern[++i];
      if (!((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || (next >= '0' && next <= '9'))) out += '\\';
      out += next;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      if (c == '\\') out += '\\';
      out += c;
      continue;
    }
    switch (c) {
      case '%': out += ".*"; break;
      case '_': out += '.'; break;
      case '[': in_class = true; out += c; break;
      case '.': case '^': case '$': case '\\': out += '\\'; out += c; break;
      default: out += c;
    }
  }
  return out + ")$";
}

absl::Status Similar(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  PatternCache cache(false);
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    char escape = '\\';
    bool has_escape = true;
    if (args.size() > 2) {
      const std::string& e = args[2]->Str(r);
      if (e.size() > 1) return SqlError("2201B", "invalid escape string");
      has_escape = !e.empty();
      if (has_escape) escape = e[0];
    }
    auto regex = SimilarToRegex(args[1]->Str(r), escape, has_escape);
    if (!regex.ok()) return regex.status();
    auto re = cache.Get(*regex);
    if (!re.ok()) return re.status();
    out->SetInt(r, RE2::FullMatch(args[0]->Str(r), **re) ? 1 : 0);
    return absl::OkStatus();
  });
}

// PostgreSQL's replacement string: \1..\9 and \& (the match); RE2's: \1..\9 and \0.
std::string Replacement(const std::string& pg) {
  std::string out;
  for (size_t i = 0; i < pg.size(); ++i) {
    if (pg[i] == '\\' && i + 1 < pg.size()) {
      const char next = pg[++i];
      if (next == '&') {
        out += "\\0";
      } else if (next >= '1' && next <= '9') {
        out += '\\';
        out += next;
      } else {
        out += next == '\\' ? "\\\\" : std::string(1, next);
      }
      continue;
    }
    out += pg[i];
  }
  return out;
}

absl::Status RegexpReplace(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  std::unique_ptr<PatternCache> cache;
  bool cached_insensitive = false;
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    bool global = false, insensitive = false;
    if (args.size() > 3) {
      for (char f : args[3]->Str(r)) {
        if (f == 'g') global = true;
        else if (f == 'i') insensitive = true;
        else if (f != 'c') return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat("invalid regular expression option: \"", std::string(1, f), "\""));
      }
    }
    if (cache == nullptr || cached_insensitive != insensitive) {
      cache = std::make_unique<PatternCache>(insensitive);
      cached_insensitive = insensitive;
    }
    auto re = cache->Get(args[1]->Str(r));
    if (!re.ok()) return re.status();
    std::string s = args[0]->Str(r);
    const std::string rewrite = Replacement(args[2]->Str(r));
    if (global) {
      RE2::GlobalReplace(&s, **re, rewrite);
    } else {
      RE2::Replace(&s, **re, rewrite);
    }
    out->SetStr(r, std::move(s));
    return absl::OkStatus();
  });
}

// The flags of regexp_split_*: 'i' case-insensitive, 'c' sensitive (the last wins);
// PostgreSQL's 'g' makes no sense for a split (22023), other letters are refused.
absl::StatusOr<bool> SplitFlags(const std::string& flags, const std::string& function) {
  bool insensitive = false;
  for (char f : flags) {
    if (f == 'i' || f == 'c') {
      insensitive = f == 'i';
    } else if (f == 'g') {
      return SqlError(sqlstate::kInvalidParameterValue, absl::StrCat(function, "() does not support the \"global\" option"));
    } else {
      return SqlError(sqlstate::kInvalidParameterValue,
                      absl::StrCat("invalid regular expression option: \"", std::string(1, f), "\""));
    }
  }
  return insensitive;
}

size_t Utf8Length(const std::string& s, size_t at) {
  size_t n = 1;
  while (at + n < s.size() && (static_cast<unsigned char>(s[at + n]) & 0xC0) == 0x80) ++n;
  return n;
}

// The pieces of `s` between the matches of `re`, PostgreSQL's way: a match counts
// unless it is empty at the end of the string or ends where the last counted one did
// (so an empty match at the start is skipped and empty matches split characters); an
// empty match moves the search on one character.
std::string SplitByPattern(const std::string& s, const RE2& re) {
  const Type text(TypeId::kText);
  std::string bytes;
  size_t piece_start = 0, search = 0, last_end = 0;
  re2::StringPiece match;
  while (search <= s.size() && re.Match(s, search, s.size(), RE2::UNANCHORED, &match, 1)) {
    const size_t begin = static_cast<size_t>(match.data() - s.data());
    const size_t end = begin + match.size();
    QUANTA_ASSERT(begin >= search && end <= s.size());
    if (begin < s.size() && end > last_end) {
      AppendArrayElement(Value::String(text, s.substr(piece_start, begin - piece_start)), &bytes);
      piece_start = end;
      last_end = end;
    }
    search = begin == end ? end + (end < s.size() ? Utf8Length(s, end) : 1) : end;
  }
  AppendArrayElement(Value::String(text, s.substr(piece_start)), &bytes);
  return bytes;
}

absl::Status RegexpSplit(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  std::unique_ptr<PatternCache> cache;
  bool cached_insensitive = false;
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto insensitive = SplitFlags(args.size() > 2 ? args[2]->Str(r) : std::string(), self.name);
    if (!insensitive.ok()) return insensitive.status();
    if (cache == nullptr || cached_insensitive != *insensitive) {
      cache = std::make_unique<PatternCache>(*insensitive);
      cached_insensitive = *insensitive;
    }
    auto re = cache->Get(args[1]->Str(r));
    if (!re.ok()) return re.status();
    out->SetStr(r, SplitByPattern(args[0]->Str(r), **re));
    return absl::OkStatus();
  });
}

}  // namespace

ScalarKernel RegexMatchKernel(std::string_view op) {
  if (op == "~") return &RegexMatch<false, false>;
  if (op == "~*") return &RegexMatch<true, false>;
  if (op == "!~") return &RegexMatch<false, true>;
  if (op == "!~*") return &RegexMatch<true, true>;
  return nullptr;
}

ScalarKernel SimilarKernel() { return &Similar; }
ScalarKernel RegexpReplaceKernel() { return &RegexpReplace; }
ScalarKernel RegexpSplitKernel() { return &RegexpSplit; }

}  // namespace quanta::sql
