#include "sql/execution/sequences.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/util/coding.h"
#include "sql/common/sql_error.h"

namespace quanta::sql {
namespace {

// A regclass input: dot-separated identifiers, each folded to lower case unless
// double-quoted. nullopt: malformed.
std::optional<std::vector<std::string>> ParseRelationName(std::string_view text) {
  std::vector<std::string> parts(1);
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        parts.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        parts.back().push_back(c);
      }
      continue;
    }
    if (c == '"') {
      quoted = any = true;
    } else if (c == '.') {
      if (parts.back().empty()) return std::nullopt;
      parts.emplace_back();
    } else if (c == ' ' && parts.back().empty()) {
      continue;
    } else {
      parts.back().push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
      any = true;
    }
  }
  if (quoted || !any || parts.back().empty() || parts.size() > 3) return std::nullopt;
  return parts;
}

}  // namespace

std::string EncodeSequenceValue(const SequenceValue& v) {
  std::string out;
  AppendU64(&out, static_cast<uint64_t>(v.last));
  out.push_back(v.is_called ? 1 : 0);
  return out;
}

absl::StatusOr<SequenceValue> DecodeSequenceValue(std::string_view bytes) {
  if (bytes.size() != 9 || static_cast<uint8_t>(bytes[8]) > 1) {
    return absl::DataLossError("catalog: malformed sequence state");
  }
  SequenceValue v;
  v.last = static_cast<int64_t>(GetU64(bytes.data()));
  v.is_called = bytes[8] == 1;
  return v;
}

bool MentionsSequenceFunction(std::string_view sql) {
  std::string lower(sql);
  for (char& c : lower) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return absl::StrContains(lower, "nextval") || absl::StrContains(lower, "currval") || absl::StrContains(lower, "setval") ||
         absl::StrContains(lower, "lastval");
}

StatementSequences::StatementSequences(const CatalogSnapshot& catalog, SearchPath path,
                                       std::map<uint32_t, SequenceValue> states, SequenceSession session,
                                       absl::Status writable)
    : catalog_(catalog), path_(std::move(path)), states_(std::move(states)), session_(std::move(session)), writable_(std::move(writable)) {}

absl::StatusOr<const SequenceDef*> StatementSequences::Resolve(std::string_view name) const {
  auto parts = ParseRelationName(name);
  if (!parts) return SqlError(sqlstate::kInvalidNameSyntax, absl::StrCat("invalid name syntax"));
  const std::string schema = catalog_.LookupSchema(*parts, path_);
  const SequenceDef* def = catalog_.FindSequence(schema, parts->back());
  if (def == nullptr) {
    if (catalog_.RelationExists(schema, parts->back())) {
      return SqlError(sqlstate::kWrongObjectType, absl::StrCat("\"", parts->back(), "\" is not a sequence"));
    }
    return SqlError(sqlstate::kUndefinedTable, absl::StrCat("relation \"", std::string(name), "\" does not exist"));
  }
  return def;
}

absl::StatusOr<int64_t> StatementSequences::Next(std::string_view name) {
  auto def = Resolve(name);
  if (!def.ok()) return def.status();
  const SequenceDef& s = **def;
  if (!writable_.ok()) {
    return SqlError(sqlstate::kReadOnlyTransaction, "cannot execute nextval() in a read-only transaction");
  }
  auto it = states_.find(s.oid);
  SequenceValue v = it != states_.end() ? it->second : SequenceValue{s.start, false};
  int64_t next = v.last;
  if (v.is_called) {
    const bool up = s.increment > 0;
    const bool past = up ? v.last > s.max_value - s.increment : v.last < s.min_value - s.increment;
    if (past) {
      if (!s.cycle) {
        return SqlError("2200H", absl::StrCat("nextval: reached ", up ? "maximum" : "minimum", " value of sequence \"", s.name,
                                              "\" (", up ? s.max_value : s.min_value, ")"));
      }
      next = up ? s.min_value : s.max_value;
    } else {
      next = v.last + s.increment;
    }
  }
  QUANTA_ASSERT(next >= s.min_value && next <= s.max_value);
  states_[s.oid] = SequenceValue{next, true};
  moved_[s.oid] = true;
  session_.current[s.oid] = next;
  session_.last_used = s.oid;
  return next;
}

absl::StatusOr<int64_t> StatementSequences::Current(std::string_view name) const {
  auto def = Resolve(name);
  if (!def.ok()) return def.status();
  auto it = session_.current.find((*def)->oid);
  if (it == session_.current.end()) {
    return SqlError("55000", absl::StrCat("currval of sequence \"", (*def)->name, "\" is not yet defined in this session"));
  }
  return it->second;
}

absl::StatusOr<int64_t> StatementSequences::Set(std::string_view name, int64_t value, bool is_called) {
  auto def = Resolve(name);
  if (!def.ok()) return def.status();
  const SequenceDef& s = **def;
  if (!writable_.ok()) {
    return SqlError(sqlstate::kReadOnlyTransaction, "cannot execute setval() in a read-only transaction");
  }
  if (value < s.min_value || value > s.max_value) {
    return SqlError(sqlstate::kNumericOutOfRange, absl::StrCat("setval: value ", value, " is out of bounds for sequence \"",
                                                               s.name, "\" (", s.min_value, "..", s.max_value, ")"));
  }
  states_[s.oid] = SequenceValue{value, is_called};
  moved_[s.oid] = true;
  if (is_called) session_.current[s.oid] = value;
  return value;
}

absl::StatusOr<int64_t> StatementSequences::Last() const {
  if (!session_.last_used.has_value()) return SqlError("55000", "lastval is not yet defined in this session");
  auto it = session_.current.find(*session_.last_used);
  QUANTA_ASSERT(it != session_.current.end());
  return it->second;
}

void StatementSequences::AppendWrites(storage::WriteSet* ws) const {
  for (const auto& [oid, unused] : moved_) {
    auto it = states_.find(oid);
    QUANTA_ASSERT(it != states_.end());
    ws->Put(kCatalogTree, SequenceStateKey(oid), EncodeSequenceValue(it->second));
  }
}

}  // namespace quanta::sql
