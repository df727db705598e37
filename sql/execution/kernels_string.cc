// String kernels: ||, LIKE/ILIKE and the common string functions, on UTF-8 text
// (character positions count code points; case mapping is ASCII, as PostgreSQL's
// "C" ctype does).
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/util/strings.h"
#include "sql/common/sql_error.h"
#include "sql/execution/kernels.h"

namespace quanta::sql {
namespace {

using Args = std::vector<const Vector*>;

bool IsLead(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

size_t CharCount(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), IsLead));
}

// Byte offset of character `n` (0-based) of `s`, or s.size().
size_t CharOffset(std::string_view s, int64_t n) {
  if (n <= 0) return 0;
  int64_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsLead(s[i])) {
      if (seen == n) return i;
      ++seen;
    }
  }
  return s.size();
}

size_t CharBytes(std::string_view s, size_t i) {
  size_t j = i + 1;
  while (j < s.size() && !IsLead(s[j])) ++j;
  return j - i;
}

// LIKE with % and _ (one character) and an escape character, iterative with
// backtracking to the last %, linear in practice.
bool LikeMatch(std::string_view s, std::string_view p, char escape) {
  size_t si = 0, pi = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size()) {
      const char pc = p[pi];
      if (pc == '%') {
        star_p = ++pi;
        star_s = si;
        continue;
      }
      if (pc == '_') {
        si += CharBytes(s, si);
        pi += CharBytes(p, pi);
        continue;
      }
      size_t literal = pi;
      if (pc == escape && pi + 1 < p.size()) literal = pi + 1;
      const size_t n = CharBytes(p, literal);
      if (s.substr(si, n) == p.substr(literal, n)) {
        si += n;
        pi = literal + n;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    star_s += CharBytes(s, star_s);
    si = star_s;
    pi = star_p;
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

absl::Status Concat(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    out->SetStr(r, args[0]->Str(r) + args[1]->Str(r));
    return absl::OkStatus();
  });
}

template <bool kInsensitive>
absl::Status Like(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    char escape = '\\';
    if (args.size() > 2) {
      const std::string& e = args[2]->Str(r);
      if (CharCount(e) > 1) return SqlError("22025", "invalid escape string", 0, "Escape string must be empty or one character.");
      escape = e.empty() ? '\0' : e[0];
    }
    const std::string& p = args[1]->Str(r);
    if (!p.empty() && p.back() == escape && escape != '\0') {
      size_t run = 0;
      for (size_t i = p.size(); i-- > 0 && p[i] == escape;) ++run;
      if (run % 2 == 1) return SqlError("22025", "LIKE pattern must not end with escape character");
    }
    if constexpr (kInsensitive) {
      out->SetInt(r, LikeMatch(absl::AsciiStrToLower(args[0]->Str(r)), absl::AsciiStrToLower(p), escape));
    } else {
      out->SetInt(r, LikeMatch(args[0]->Str(r), p, escape));
    }
    return absl::OkStatus();
  });
}

template <class F>
absl::Status MapString(const Args& args, const Rows& rows, Vector* out, F f) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    out->SetStr(r, f(args[0]->Str(r)));
    return absl::OkStatus();
  });
}

absl::Status Lower(const BoundExpr&, const Args& a, const Rows& rows, Vector* out) {
  return MapString(a, rows, out, [](const std::string& s) { return absl::AsciiStrToLower(s); });
}
absl::Status Upper(const BoundExpr&, const Args& a, const Rows& rows, Vector* out) {
  return MapString(a, rows, out, [](const std::string& s) { return absl::AsciiStrToUpper(s); });
}
absl::Status Reverse(const BoundExpr&, const Args& a, const Rows& rows, Vector* out) {
  return MapString(a, rows, out, [](const std::string& s) {
    std::string rev;
    for (size_t i = s.size(); i > 0;) {
      size_t start = i - 1;
      while (start > 0 && !IsLead(s[start])) --start;
      rev.append(s, start, i - start);
      i = start;
    }
    return rev;
  });
}

absl::Status Length(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  const bool padded = args[0]->type().id == TypeId::kBpchar;
  return ForStrictRows(args, rows, [&](uint32_t r) {
    std::string_view s = args[0]->Str(r);
    if (padded) {
      while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    }
    out->SetInt(r, static_cast<int64_t>(CharCount(s)));
    return absl::OkStatus();
  });
}

absl::Status OctetLength(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    out->SetInt(r, static_cast<int64_t>(args[0]->Str(r).size()));
    return absl::OkStatus();
  });
}

// substr(s, start [, count]) with SQL's 1-based start (which may be < 1).
absl::Status Substr(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const std::string& s = args[0]->Str(r);
    const int64_t start = args[1]->Int(r);
    int64_t end = INT64_MAX;
    if (args.size() > 2) {
      const int64_t count = args[2]->Int(r);
      if (count < 0) return SqlError("22011", "negative substring length not allowed");
      end = __builtin_add_overflow(start, count, &end) ? INT64_MAX : end;
    }
    const int64_t first = std::max<int64_t>(start, 1);
    if (end <= first) {
      out->SetStr(r, "");
      return absl::OkStatus();
    }
    const size_t from = CharOffset(s, first - 1);
    const size_t to = end == INT64_MAX ? s.size() : CharOffset(s, end - 1);
    out->SetStr(r, s.substr(from, to - from));
    return absl::OkStatus();
  });
}

absl::Status Position(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  // position(needle IN haystack) = strpos(haystack, needle); args are (needle, haystack).
  return ForStrictRows(args, rows, [&](uint32_t r) {
    const std::string& needle = args[0]->Str(r);
    const std::string& hay = args[1]->Str(r);
    const size_t at = hay.find(needle);
    out->SetInt(r, at == std::string::npos ? 0 : static_cast<int64_t>(CharCount(std::string_view(hay).substr(0, at))) + 1);
    return absl::OkStatus();
  });
}

absl::Status Strpos(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  return Position(self, {args[1], args[0]}, rows, out);
}

absl::Status Replace(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    const std::string& s = args[0]->Str(r);
    const std::string& from = args[1]->Str(r);
    const std::string& to = args[2]->Str(r);
    if (from.empty()) {
      out->SetStr(r, s);
      return absl::OkStatus();
    }
    std::string result;
    size_t pos = 0;
    for (size_t at; (at = s.find(from, pos)) != std::string::npos; pos = at + from.size()) {
      result.append(s, pos, at - pos);
      result += to;
    }
    result.append(s, pos, std::string::npos);
    out->SetStr(r, std::move(result));
    return absl::OkStatus();
  });
}

template <bool kLeft, bool kRight>
absl::Status Trim(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    std::string_view s = args[0]->Str(r);
    const std::string set = args.size() > 1 ? args[1]->Str(r) : std::string(" ");
    if (kLeft) {
      while (!s.empty() && set.find(s.front()) != std::string::npos) s.remove_prefix(1);
    }
    if (kRight) {
      while (!s.empty() && set.find(s.back()) != std::string::npos) s.remove_suffix(1);
    }
    out->SetStr(r, std::string(s));
    return absl::OkStatus();
  });
}

template <bool kLeft>
absl::Status LeftRight(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    const std::string& s = args[0]->Str(r);
    const int64_t n = args[1]->Int(r);
    const int64_t chars = static_cast<int64_t>(CharCount(s));
    int64_t keep = n >= 0 ? std::min(n, chars) : std::max<int64_t>(chars + n, 0);
    if (kLeft) {
      out->SetStr(r, s.substr(0, CharOffset(s, keep)));
    } else {
      out->SetStr(r, s.substr(CharOffset(s, chars - keep)));
    }
    return absl::OkStatus();
  });
}

absl::Status Repeat(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const std::string& s = args[0]->Str(r);
    const int64_t n = std::max<int64_t>(args[1]->Int(r), 0);
    if (s.size() * static_cast<uint64_t>(n) > (64u << 20)) {
      return SqlError(sqlstate::kProgramLimitExceeded, "requested length too large");
    }
    std::string result;
    result.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) result += s;
    out->SetStr(r, std::move(result));
    return absl::OkStatus();
  });
}

// concat(...): NULL arguments are skipped (not strict); arguments arrive as text.
absl::Status ConcatFunction(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    std::string result;
    for (const Vector* a : args) {
      if (!a->IsNull(r)) result += a->Str(r);
    }
    out->SetStr(r, std::move(result));
  }
  return absl::OkStatus();
}

}  // namespace

ScalarKernel ConcatKernel() { return &Concat; }
ScalarKernel LikeKernel(bool case_insensitive) { return case_insensitive ? &Like<true> : &Like<false>; }

ScalarKernel StringFunctionKernel(std::string_view name) {
  if (name == "lower") return &Lower;
  if (name == "upper") return &Upper;
  if (name == "reverse") return &Reverse;
  if (name == "length" || name == "char_length" || name == "character_length") return &Length;
  if (name == "octet_length") return &OctetLength;
  if (name == "substr" || name == "substring") return &Substr;
  if (name == "position") return &Position;
  if (name == "strpos") return &Strpos;
  if (name == "replace") return &Replace;
  if (name == "btrim") return &Trim<true, true>;
  if (name == "ltrim") return &Trim<true, false>;
  if (name == "rtrim") return &Trim<false, true>;
  if (name == "left") return &LeftRight<true>;
  if (name == "right") return &LeftRight<false>;
  if (name == "repeat") return &Repeat;
  if (name == "concat") return &ConcatFunction;
  return nullptr;
}

}  // namespace quanta::sql
