#include "tests/sql/slt_file.h"

#include <algorithm>
#include <openssl/evp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace quanta::sql::slt {

bool Record::AppliesTo(const std::string& engine) const {
  for (const std::string& s : skipif) {
    if (s == engine) return false;
  }
  if (onlyif.empty()) return true;
  return std::find(onlyif.begin(), onlyif.end(), engine) != onlyif.end();
}

absl::StatusOr<std::vector<Record>> ParseFile(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  std::vector<Record> records;
  Record pending;
  size_t i = 0;
  const auto blank = [](const std::string& l) { return absl::StripAsciiWhitespace(l).empty(); };
  while (i < lines.size()) {
    std::string line = lines[i];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (blank(line) || line[0] == '#') {
      ++i;
      continue;
    }
    std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    const int at = static_cast<int>(i) + 1;
    if (words[0] == "skipif" || words[0] == "onlyif") {
      if (words.size() < 2) return absl::InvalidArgumentError(absl::StrCat("line ", at, ": ", words[0], " needs an engine"));
      (words[0] == "skipif" ? pending.skipif : pending.onlyif).push_back(words[1]);
      ++i;
      continue;
    }
    Record r = std::move(pending);
    pending = Record();
    r.line = at;
    r.first_line = i;
    if (words[0] == "statement" && words.size() >= 2 && words[1] == "ok") {
      r.kind = Record::Kind::kStatementOk;
    } else if (words[0] == "statement" && words.size() >= 2 && words[1] == "error") {
      r.kind = Record::Kind::kStatementError;
      if (words.size() >= 3) r.error_state = words[2];
    } else if (words[0] == "query" && words.size() >= 2) {
      r.kind = Record::Kind::kQuery;
      r.types = words[1];
      if (words.size() >= 3) r.sort = words[2];
      if (r.sort != "nosort" && r.sort != "rowsort" && r.sort != "valuesort") {
        return absl::InvalidArgumentError(absl::StrCat("line ", at, ": unknown sort mode ", r.sort));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("line ", at, ": expected a record, found: ", line));
    }
    ++i;
    std::vector<std::string> sql;
    while (i < lines.size() && !blank(lines[i]) && lines[i] != "----") sql.push_back(lines[i++]);
    r.sql = absl::StrJoin(sql, "\n");
    if (r.sql.empty()) return absl::InvalidArgumentError(absl::StrCat("line ", at, ": record without SQL"));
    if (i < lines.size() && lines[i] == "----") {
      ++i;
      std::vector<std::string> body;
      while (i < lines.size() && !(blank(lines[i]) && lines[i].empty())) body.push_back(lines[i++]);
      if (r.kind == Record::Kind::kStatementError) {
        r.error_message = absl::StrJoin(body, "\n");
      } else if (r.kind == Record::Kind::kQuery) {
        size_t n = 0;
        std::vector<std::string> hashed = absl::StrSplit(body.empty() ? "" : body[0], ' ');
        if (body.size() == 1 && hashed.size() == 5 && hashed[1] == "values" && hashed[2] == "hashing" &&
            absl::SimpleAtoi(hashed[0], &n)) {
          r.hashed = true;
          r.hash_count = n;
          r.hash = hashed[4];
        } else {
          r.expected = std::move(body);
        }
      } else {
        return absl::InvalidArgumentError(absl::StrCat("line ", at, ": statement ok takes no ---- section"));
      }
    }
    r.end_line = i;
    records.push_back(std::move(r));
  }
  return records;
}

std::vector<std::string> Render(const std::vector<std::vector<std::string>>& rows, const std::string& sort) {
  std::vector<std::string> out;
  if (sort == "valuesort") {
    for (const auto& row : rows) out.insert(out.end(), row.begin(), row.end());
    std::sort(out.begin(), out.end());
    return out;
  }
  for (const auto& row : rows) out.push_back(absl::StrJoin(row, "\t"));
  if (sort == "rowsort") std::sort(out.begin(), out.end());
  return out;
}

std::string HashValues(const std::vector<std::string>& values) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_md5(), nullptr);
  for (const std::string& v : values) {
    EVP_DigestUpdate(ctx, v.data(), v.size());
    EVP_DigestUpdate(ctx, "\n", 1);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, digest, &n);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned int k = 0; k < n; ++k) absl::StrAppend(&hex, absl::Hex(digest[k], absl::kZeroPad2));
  return hex;
}

}  // namespace quanta::sql::slt

namespace quanta::sql::slt {

std::string Regenerate(const Record& r, const Observed& o) {
  constexpr size_t kMaxShownValues = 60;
  if (!o.ok) {
    // A record that expects a message keeps it (or takes the one observed, if it differs).
    std::string out = absl::StrCat("statement error ", o.state, "\n", r.sql, "\n");
    if (r.error_message.empty()) return out;
    const bool kept = o.message.find(r.error_message) != std::string::npos;
    return absl::StrCat(out, "----\n", kept ? r.error_message : o.message, "\n");
  }
  if (r.kind != Record::Kind::kQuery || !o.returns_rows) return absl::StrCat("statement ok\n", r.sql, "\n");
  std::string out = absl::StrCat("query ", o.types.empty() ? "T" : o.types, " ", r.sort, "\n", r.sql, "\n----\n");
  const std::vector<std::string> lines = Render(o.rows, r.sort);
  const size_t values = o.rows.size() * o.types.size();
  if (values > kMaxShownValues) return absl::StrCat(out, values, " values hashing to ", HashValues(lines), "\n");
  std::vector<std::string> sorted = lines;
  for (const std::string& l : sorted) absl::StrAppend(&out, l, "\n");
  return out;
}

}  // namespace quanta::sql::slt
