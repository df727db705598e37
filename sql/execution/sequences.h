// Sequences at run time: nextval, currval, setval and lastval for one statement.
//
// A statement that may call them (SqlEngine decides before planning) gets a
// StatementSequences holding every sequence's state as the store had it when the
// statement began (one scan of the catalog tree's "q/" keys). The functions then run
// synchronously inside expression evaluation, and the states they moved go into the
// statement's write set (or, for a query, a write set of their own): one Raft entry, so
// a sequence never hands out a value twice. Unlike PostgreSQL, a statement that fails
// does not consume the values it drew (PostgreSQL leaves a gap; nothing depends on it).
//
// State encoding (the "q/<oid>" value): i64 LE last value, then u8 is_called.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/storage/write_set.h"
#include "sql/catalog/catalog.h"

namespace quanta::sql {

struct SequenceValue {
  int64_t last = 0;
  bool is_called = false;  // false: nextval returns `last` itself (fresh or setval(.., false))
};

std::string EncodeSequenceValue(const SequenceValue& v);
// Errors: kDataLoss for a malformed state.
absl::StatusOr<SequenceValue> DecodeSequenceValue(std::string_view bytes);

// What a session remembers across statements: currval per sequence, and lastval.
struct SequenceSession {
  std::map<uint32_t, int64_t> current;  // by sequence oid
  std::optional<uint32_t> last_used;    // the sequence of the session's latest nextval
};

class StatementSequences {
 public:
  // `states`: every sequence's stored state, by oid (those without one are fresh).
  // `writable`: OK, or why this node may not move a sequence (25006 on a replica).
  // `path`: how unqualified names resolve (the session's search_path).
  StatementSequences(const CatalogSnapshot& catalog, SearchPath path, std::map<uint32_t, SequenceValue> states,
                     SequenceSession session, absl::Status writable);

  // `name` is the function's text argument, parsed as PostgreSQL's regclass input
  // ("s", "public.s", "\"S\""). Errors as PostgreSQL's: 42P01 no such sequence, 2200H
  // bounds reached, 55000 currval/lastval undefined, 22003 setval out of bounds,
  // 25006 on a replica.
  absl::StatusOr<int64_t> Next(std::string_view name);
  absl::StatusOr<int64_t> Current(std::string_view name) const;
  absl::StatusOr<int64_t> Set(std::string_view name, int64_t value, bool is_called);
  absl::StatusOr<int64_t> Last() const;

  bool dirty() const { return !moved_.empty(); }
  // Adds the moved sequences' states; call once, with the statement's last writes.
  void AppendWrites(storage::WriteSet* ws) const;
  // The session's memory after this statement (adopt it only if the statement succeeded).
  const SequenceSession& session() const { return session_; }

 private:
  absl::StatusOr<const SequenceDef*> Resolve(std::string_view name) const;

  const CatalogSnapshot& catalog_;
  SearchPath path_;
  std::map<uint32_t, SequenceValue> states_;
  std::map<uint32_t, bool> moved_;  // oids whose state this statement changed
  SequenceSession session_;
  absl::Status writable_;
};

// Whether `sql` may call a sequence function (a cheap over-approximation: its text
// names one).
bool MentionsSequenceFunction(std::string_view sql);

}  // namespace quanta::sql
