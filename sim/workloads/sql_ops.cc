#include "sim/workloads/sql_ops.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace quanta::sim {
namespace {

using replication::ClientRequest;
using replication::ClientResponse;

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY, balance bigint NOT NULL);"
    "CREATE TABLE IF NOT EXISTS events (id text PRIMARY KEY, client int NOT NULL, seq bigint, payload text);"
    "CREATE INDEX IF NOT EXISTS events_client ON events (client);"
    "CREATE TABLE IF NOT EXISTS tickets (id bigserial PRIMARY KEY, client int NOT NULL);"
    "CREATE TABLE IF NOT EXISTS notes (id text PRIMARY KEY, event text REFERENCES events ON DELETE CASCADE, "
    "body jsonb, tags text[])";

// Notes whose event is gone: the foreign key (ON DELETE CASCADE) allows none.
constexpr char kOrphanNotes[] =
    "SELECT count(*) FROM notes n LEFT JOIN events e ON n.event = e.id WHERE e.id IS NULL";

// Moved events (client + 1000) counted through the index on client and by a full scan
// (an expression no index serves): the final check wants the same count.
constexpr char kMovedByIndex[] = "SELECT count(*) FROM events WHERE client BETWEEN 1000 AND 1999";
constexpr char kMovedByScan[] = "SELECT count(*) FROM events WHERE client + 0 BETWEEN 1000 AND 1999";

std::string Address(int node) { return absl::StrCat("n", node, ":5432"); }

Task<absl::StatusOr<ClientResponse>> Sql(net::KvClient& client, std::string sql, absl::Duration timeout) {
  ClientRequest request;
  request.kind = ClientRequest::Kind::kSql;
  request.sql = std::move(sql);
  auto answer = co_await client.Call(std::move(request), timeout);
  co_return answer;
}

std::string Seed() {
  std::vector<std::string> rows;
  for (int i = 0; i < kSqlAccounts; ++i) rows.push_back(absl::StrCat("(", i, ", ", kSqlAccountBalance, ")"));
  return absl::StrCat("INSERT INTO accounts VALUES ", absl::StrJoin(rows, ", "));
}

// Checks an accounts read ("SELECT count(*), sum(balance) FROM accounts"); "" or the problem.
std::string CheckAccounts(const ClientResponse& r) {
  if (r.sql_rows.size() != 1 || r.sql_rows[0].size() != 2 || !r.sql_rows[0][0]) return "malformed accounts read";
  const std::string count = *r.sql_rows[0][0];
  if (count == "0") return "";
  const std::string sum = r.sql_rows[0][1].value_or("NULL");
  if (count != absl::StrCat(kSqlAccounts) || sum != absl::StrCat(kSqlAccounts * kSqlAccountBalance)) {
    return absl::StrCat("the accounts read ", count, " rows totalling ", sum, ", not ", kSqlAccounts, " totalling ",
                        kSqlAccounts * kSqlAccountBalance, " (a statement's write set seen in part, or lost updates)");
  }
  return "";
}

// SpillingSort: a sort of kSortRows rows past work_mem (several runs in temporary files, merged). It
// sets work_mem for the node's session, which only makes later sorts spill sooner. The
// rows' order is known: by k descending, then g.
constexpr int kSortRows = 6000;
constexpr int kSortModulus = 3001;
std::string SpillingSort() {
  return absl::StrCat("SET work_mem = '64kB'; SELECT g, (g * 7919) % ", kSortModulus, " AS k FROM generate_series(1, ",
                      kSortRows, ") g ORDER BY k DESC, g");
}

// Whether a successful answer to SpillingSort() has every row in its place.
std::string CheckSpillingSort(const ClientResponse& r) {
  std::vector<std::pair<int64_t, int64_t>> want;  // (k, g)
  for (int64_t g = 1; g <= kSortRows; ++g) want.emplace_back((g * 7919) % kSortModulus, g);
  std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (r.sql_rows.size() != want.size()) return absl::StrCat(r.sql_rows.size(), " rows, not ", want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& row = r.sql_rows[i];
    const std::string expected = absl::StrCat(want[i].second, "|", want[i].first);
    const std::string got = row.size() == 2 ? absl::StrCat(row[0].value_or("NULL"), "|", row[1].value_or("NULL")) : "?";
    if (got != expected) return absl::StrCat("row ", i + 1, " is ", got, ", not ", expected);
  }
  return "";
}

// A table nobody was told about may be missing (the schema is two statements).
bool Excused(const ClientResponse& r, const SqlLedger& ledger) {
  return r.sqlstate == "42P01" && !ledger.seeded && ledger.events.empty() && ledger.deleted.empty();
}

std::string Render(const ClientResponse& r) {
  std::string out = r.tag;
  for (const auto& row : r.sql_rows) {
    absl::StrAppend(&out, "\n");
    for (const auto& v : row) absl::StrAppend(&out, v.value_or("NULL"), "\t");
  }
  return out;
}

// The primary's final answers to kMovedByIndex and kMovedByScan (queries 3 and 4) agree.
void CheckMovedCounts(int node, const std::vector<std::string>& answers, ClusterOracle& oracle) {
  if (answers.size() < 5 || answers[3] == answers[4]) return;
  oracle.OnMissing(absl::StrCat("the primary n", node, " counts moved events through the index on events.client as ",
                                answers[3], " but by a full scan as ", answers[4]));
}

// Every acknowledged ticket id is among the primary's final tickets (query 5).
void CheckTickets(int node, const std::vector<std::string>& answers, const SqlLedger& ledger, ClusterOracle& oracle) {
  if (answers.size() < 6) return;
  absl::btree_set<int64_t> present;
  for (absl::string_view line : absl::StrSplit(answers[5], '\n')) {
    int64_t id = 0;
    if (absl::SimpleAtoi(absl::StripSuffix(line, "\t"), &id)) present.insert(id);
  }
  for (int64_t id : ledger.tickets) {
    if (!present.contains(id)) oracle.OnMissing(absl::StrCat("the primary n", node, " lost acknowledged ticket ", id));
  }
}

// The first column of each row of a rendered answer.
absl::btree_set<std::string> FirstColumn(const std::string& answer) {
  absl::btree_set<std::string> out;
  bool tag = true;
  for (absl::string_view line : absl::StrSplit(answer, '\n')) {
    if (tag) {
      tag = false;
      continue;
    }
    out.insert(std::string(line.substr(0, line.find('\t'))));
  }
  return out;
}

// An acknowledged note stays while its event does (query 7 against query 1): its
// absence with the event present is a lost write; with the event gone, the cascade.
void CheckNotes(int node, const std::vector<std::string>& answers, const SqlLedger& ledger, ClusterOracle& oracle) {
  if (answers.size() < 8) return;
  const absl::btree_set<std::string> events = FirstColumn(answers[1]);
  const absl::btree_set<std::string> notes = FirstColumn(answers[7]);
  for (const auto& [note, event] : ledger.notes) {
    if (events.contains(event) && !notes.contains(note)) {
      oracle.OnMissing(absl::StrCat("the primary n", node, " lost acknowledged note ", note, " of event ", event));
    }
  }
}

}  // namespace

Task<void> SqlCheckedRead(SimProcessEnv& env, net::KvClient& reader, const std::string& node, absl::Duration timeout) {
  auto r = co_await Sql(reader, "SELECT count(*), sum(balance) FROM accounts", timeout);
  if (!r.ok() || !r->status.ok()) co_return;
  const std::string problem = CheckAccounts(*r);
  if (!problem.empty()) env.world().Fail(absl::StrCat("read of ", node, " at index ", r->index, ": ", problem));
}

Task<std::string> SqlClientStep(SimProcessEnv& env, net::KvClient& client, int index, uint64_t seq, bool* seeded,
                                SqlLedger& ledger, absl::Duration timeout) {
  Random& rng = env.Rng();
  std::string sql;
  enum { kSchemaOp, kSeed, kInsert, kTransfer, kRead, kSort, kDelete, kMove, kTicket, kNote, kCreate, kDrop } op;
  std::string object;
  std::string event;  // kNote: the event the note references
  if (!*seeded) {
    op = seq % 2 == 0 ? kSchemaOp : kSeed;
    sql = op == kSchemaOp ? kSchema : Seed();
  } else {
    const double pick = rng.UnitDouble();
    if (pick < 0.3) {
      op = kInsert;
      object = absl::StrCat("c", index, "-", env.incarnation(), "-", seq);
      sql = absl::StrCat("INSERT INTO events VALUES ('", object, "', ", index, ", ", seq, ", repeat('x', ", rng.Uniform(200), "))");
    } else if (pick < 0.55) {
      op = kTransfer;
      const int a = static_cast<int>(rng.Uniform(kSqlAccounts));
      const int b = (a + 1 + static_cast<int>(rng.Uniform(kSqlAccounts - 1))) % kSqlAccounts;
      const int amount = 1 + static_cast<int>(rng.Uniform(20));
      sql = absl::StrCat("UPDATE accounts SET balance = balance + CASE WHEN id = ", a, " THEN -", amount, " ELSE ", amount,
                         " END WHERE id IN (", a, ", ", b, ")");
    } else if (pick < 0.67) {
      op = kRead;
      sql = "SELECT count(*), sum(balance) FROM accounts";
    } else if (pick < 0.7) {
      op = kSort;  // spills to temporary files, under the disk's faults
      sql = SpillingSort();
    } else if (pick < 0.82 && !ledger.events.empty()) {
      op = kDelete;
      auto it = ledger.events.lower_bound(absl::StrCat("c", index, "-"));
      if (it == ledger.events.end() || it->rfind(absl::StrCat("c", index, "-"), 0) != 0) it = ledger.events.begin();
      object = *it;
      sql = absl::StrCat("DELETE FROM events WHERE id = '", object, "'");
    } else if (pick < 0.87 && !ledger.events.empty()) {
      op = kMove;  // an UPDATE of an indexed column
      auto it = ledger.events.lower_bound(absl::StrCat("c", index, "-", rng.Uniform(10)));
      object = it == ledger.events.end() ? *ledger.events.begin() : *it;
      sql = absl::StrCat("UPDATE events SET client = client + 1000 WHERE id = '", object, "' AND client < 1000");
    } else if (pick < 0.92) {
      op = kTicket;  // numbered by a sequence, which must never hand out an id twice
      sql = absl::StrCat("INSERT INTO tickets (client) VALUES (", index, ") RETURNING id");
    } else if (pick < 0.95 && !ledger.events.empty()) {
      op = kNote;  // references an event (23503 if it is gone); its delete cascades here
      auto it = ledger.events.lower_bound(absl::StrCat("c", rng.Uniform(8)));
      event = it == ledger.events.end() ? *ledger.events.begin() : *it;
      object = absl::StrCat("n", index, "-", env.incarnation(), "-", seq);
      sql = absl::StrCat("INSERT INTO notes VALUES ('", object, "', '", event, "', '{\"seq\": ", seq, ", \"by\": ", index,
                         "}', ARRAY['c", index, "', '", event, "'])");
    } else if (pick < 0.97 || ledger.tables.empty()) {
      op = kCreate;
      object = absl::StrCat("s_c", index, "_", env.incarnation(), "_", seq);
      sql = absl::StrCat("CREATE TABLE ", object, " (a int PRIMARY KEY, b text)");
    } else {
      op = kDrop;
      object = *ledger.tables.begin();
      sql = absl::StrCat("DROP TABLE ", object);
    }
  }
  // A statement whose outcome is not known may or may not have happened: forget what
  // it would have changed.
  if (op == kDelete) ledger.events.erase(object);
  if (op == kDrop) ledger.tables.erase(object);
  auto r = co_await Sql(client, sql, timeout);
  ++ledger.statements;
  if (!r.ok()) {
    env.world().Log(absl::StrCat("c", index, ": no answer: ", r.status().ToString()));
    co_return "";
  }
  if (r->status.ok()) {
    ++ledger.succeeded;
  } else {
    env.world().Log(absl::StrCat("c", index, ": ", r->sqlstate, " ", r->status.ToString()));
  }
  if (op == kNote && !r->status.ok() && r->sqlstate != "23503" && r->sqlstate != "42P01" && r->sqlstate != "25006") {
    env.world().Log(absl::StrCat("c", index, ": a note failed unexpectedly: ", r->status.ToString()));
  }
  if (op == kTicket && !r->status.ok() && r->sqlstate == "23505") {
    env.world().Fail(absl::StrCat("c", index, ": a ticket's sequence handed out an id twice: ", r->status.ToString()));
  }
  if (op == kTicket && r->status.ok() && r->sql_rows.size() == 1 && r->sql_rows[0].size() == 1) {
    ledger.tickets.insert(std::stoll(r->sql_rows[0][0].value_or("0")));
  }
  if (op == kSort && r->status.ok()) {
    const std::string problem = CheckSpillingSort(*r);
    if (!problem.empty()) env.world().Fail(absl::StrCat("c", index, ": a sort that spilled answered wrong: ", problem));
  }
  if (op == kRead && r->status.ok()) {
    const std::string problem = CheckAccounts(*r);
    if (!problem.empty()) env.world().Fail(absl::StrCat("read at index ", r->index, ": ", problem));
  }
  if (r->status.ok()) {
    switch (op) {
      case kSchemaOp: break;
      case kSeed: *seeded = true; break;
      case kInsert: ledger.events.insert(object); break;
      case kDelete: ledger.deleted.insert(object); break;
      case kCreate: ledger.tables.insert(object); break;
      case kNote: ledger.notes[object] = event; break;
      default: break;
    }
  } else if (op == kSeed && r->sqlstate == "23505") {
    *seeded = true;  // another client seeded the accounts
  } else if (r->sqlstate == "42P01" && op != kDrop) {
    // The schema is two statements (two write sets): a failover between them leaves
    // one table; run the schema again.
    *seeded = false;
  }
  if (*seeded) ledger.seeded = true;
  co_return r->leader;
}

Task<void> SqlFinalCheck(SimProcessEnv& env, int nodes, const SqlLedger& ledger, ClusterOracle& oracle,
                         absl::Duration timeout) {
  std::vector<std::string> queries = {"SELECT id, balance FROM accounts ORDER BY id",
                                      "SELECT id, client, seq FROM events ORDER BY id",
                                      "SELECT count(*), sum(balance) FROM accounts", kMovedByIndex, kMovedByScan,
                                      "SELECT id FROM tickets ORDER BY id", kOrphanNotes,
                                      "SELECT id, event, body, tags, body ->> 'seq' FROM notes ORDER BY id",
                                      // Subqueries over groups, and set-returning functions in FROM.
                                      "SELECT client, count(*), (SELECT max(e2.seq) FROM events e2 WHERE e2.client = e.client), "
                                      "(SELECT count(*) FROM accounts) FROM events e GROUP BY client "
                                      "HAVING count(*) > (SELECT 0) ORDER BY client",
                                      "SELECT n.id, j.key, j.value, t.tag, t.ordinality FROM notes n, LATERAL jsonb_each(n.body) AS j, "
                                      "LATERAL unnest(n.tags) WITH ORDINALITY AS t(tag) ORDER BY 1, 2, 5"};
  for (const std::string& table : ledger.tables) queries.push_back(absl::StrCat("SELECT count(*) FROM ", table));
  // Find the primary's answers, then compare every other node's.
  std::vector<std::string> expected;
  int primary = 0;
  for (int attempt = 0; attempt < 40 && primary == 0; ++attempt) {
    for (int i = 1; i <= nodes && primary == 0; ++i) {
      if (oracle.lost(i)) continue;
      auto client = co_await net::KvClient::Connect(env, Address(i));
      if (!client.ok()) continue;
      std::vector<std::string> answers;
      bool is_primary = true;
      for (const std::string& q : queries) {
        auto r = co_await Sql(**client, q, timeout);
        if (!r.ok() || !r->primary) {
          is_primary = false;
          break;
        }
        // (The schema is several statements: tickets may be missing if none was acknowledged.)
        const bool no_tickets = q == queries[5] && ledger.tickets.empty() && r->sqlstate == "42P01";
        const bool no_notes =
            (q == queries[6] || q == queries[7] || q == queries[9]) && ledger.notes.empty() && r->sqlstate == "42P01";
        if (!r->status.ok() && !Excused(*r, ledger) && !no_tickets && !no_notes) {
          oracle.OnMissing(absl::StrCat("the primary n", i, " fails ", q, ": ", r->status.ToString()));
        }
        answers.push_back(r->status.ok() ? Render(*r) : r->status.ToString());
        if (q == queries[6] && r->status.ok() && Render(*r) != "SELECT 1\n0\t") {
          oracle.OnMissing(absl::StrCat("the primary n", i, " holds notes whose event is gone (the foreign key let them be): ",
                                        Render(*r)));
        }
        if (q == queries[2] && r->status.ok()) {
          const std::string problem = CheckAccounts(*r);
          if (!problem.empty()) oracle.OnMissing(absl::StrCat("final ", problem));
        }
        if (q == queries[1] && r->status.ok()) {
          absl::btree_set<std::string> present;
          for (const auto& row : r->sql_rows) present.insert(row[0].value_or(""));
          for (const std::string& id : ledger.events) {
            if (!present.contains(id)) oracle.OnMissing(absl::StrCat("acknowledged event ", id, " is absent"));
          }
          for (const std::string& id : ledger.deleted) {
            if (present.contains(id)) oracle.OnMissing(absl::StrCat("event ", id, " survived its acknowledged delete"));
          }
        }
      }
      if (is_primary) CheckMovedCounts(i, answers, oracle);
      if (is_primary) CheckTickets(i, answers, ledger, oracle);
      if (is_primary) CheckNotes(i, answers, ledger, oracle);
      if (is_primary) {
        primary = i;
        expected = std::move(answers);
      }
    }
    if (primary == 0) co_await env.Sleep(absl::Milliseconds(250));
  }
  if (primary == 0) {
    oracle.OnMissing("no primary answered the final SQL queries");
    co_return;
  }
  env.world().Log(absl::StrCat("sql: final check on primary n", primary, ": ", ledger.succeeded, " of ", ledger.statements, " statements succeeded; ", ledger.events.size(), " events acknowledged, ",
                               ledger.deleted.size(), " deletes, ", ledger.tables.size(), " tables, ", ledger.tickets.size(),
                               " tickets, ", ledger.notes.size(), " notes; answers: ",
                               expected.size() > 1 ? std::count(expected[1].begin(), expected[1].end(), '\n') : 0,
                               " event rows"));
  for (int i = 1; i <= nodes; ++i) {
    if (i == primary || oracle.lost(i)) continue;
    auto client = co_await net::KvClient::Connect(env, Address(i));
    if (!client.ok()) {
      oracle.OnMissing(absl::StrCat("n", i, " did not answer the final SQL queries"));
      continue;
    }
    for (size_t q = 0; q < queries.size(); ++q) {
      auto r = co_await Sql(**client, queries[q], timeout);
      const std::string got = !r.ok() ? r.status().ToString() : r->status.ok() ? Render(*r) : r->status.ToString();
      if (got != expected[q]) {
        oracle.OnMissing(absl::StrCat("n", i, " answers ", queries[q], " with\n", got, "\nbut the primary n", primary,
                                      " with\n", expected[q]));
      }
    }
  }
}

}  // namespace quanta::sim
