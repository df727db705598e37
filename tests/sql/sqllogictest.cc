// sqllogictest runner: runs tests/sql/*.test files against QuantaDB in-process (the
// default: a store on a simulated disk, deterministic) or against a PostgreSQL server
// over libpq (--postgres=CONNINFO: each file gets a fresh database), and reports
// every record whose outcome differs from the file's expectation.
//
//   sqllogictest FILE...                      QuantaDB (engine name "quanta")
//   sqllogictest --postgres="host=..." FILE... PostgreSQL (engine name "postgres")
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/env/assert.h"
#include "engine/storage/store.h"
#include "engine/replication/node.h"
#include "sim/sim_world.h"
#include "sim/testing.h"
#include "sql/execution/sequences.h"
#include "sql/parser/parser.h"
#include "sql/session/node_access.h"
#include "sql/common/sql_error.h"
#include "sql/session/sql_engine.h"
#include "sql/storage/store_access.h"
#include "tests/sql/slt_file.h"
#ifdef QUANTA_HAVE_LIBPQ
#include <libpq-fe.h>
#endif

ABSL_FLAG(std::string, postgres, "", "run against PostgreSQL at this libpq conninfo instead of QuantaDB");
ABSL_FLAG(bool, verbose, false, "print every record as it runs");
ABSL_FLAG(bool, cluster, false,
          "run against a simulated 3-node cluster: statements on the primary, queries on a replica once it has caught up");
ABSL_FLAG(bool, rewrite, false,
          "completion mode: rewrite each file so its records expect what this engine did (run it with --postgres to "
          "take PostgreSQL's answers)");

namespace quanta::sql::slt {
namespace {

struct Outcome {
  bool ok = true;
  std::string state, message;
  bool returns_rows = false;
  size_t columns = 0;
  std::string types;  // one letter per column: I, R, T, B
  std::vector<std::vector<std::string>> rows;  // rendered: NULL, (empty)
};

std::string RenderValue(const std::optional<std::string>& v) {
  if (!v) return "NULL";
  if (v->empty()) return "(empty)";
  return *v;
}

char TypeLetter(uint32_t oid) {
  switch (oid) {
    case 20: case 21: case 23: case 26: return 'I';
    case 700: case 701: case 1700: return 'R';
    case 16: return 'B';
    default: return 'T';
  }
}

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual Outcome Run(const std::string& sql) = 0;
};

// Copies an engine's answer into the runner's outcome.
void CopyResult(const ExecuteResult& r, Outcome* out) {
  if (!r.error.ok()) {
    out->ok = false;
    out->state = SqlStateOf(r.error);
    out->message = std::string(r.error.message());
    return;
  }
  if (r.results.empty()) return;
  const StatementResult& last = r.results.back();
  out->returns_rows = last.returns_rows;
  out->columns = last.columns.size();
  for (const ResultColumn& c : last.columns) out->types.push_back(TypeLetter(c.type.oid()));
  for (const auto& row : last.rows) {
    std::vector<std::string> rendered;
    for (const auto& v : row) rendered.push_back(RenderValue(v));
    out->rows.push_back(std::move(rendered));
  }
}

// QuantaDB on one simulated process: a Store and an SqlEngine over it.
class QuantaBackend : public Backend {
 public:
  QuantaBackend() : node_(1) {
    node_.Run(Open(this));
    QUANTA_ASSERT(engine_ != nullptr);
  }
  ~QuantaBackend() override {
    engine_.reset();
    access_.reset();
    store_.reset();
  }
  std::string name() const override { return "quanta"; }
  Outcome Run(const std::string& sql) override {
    Outcome out;
    node_.Run(Execute(this, sql, &out));
    return out;
  }

 private:
  static Task<void> Open(QuantaBackend* self) {
    storage::StoreOptions options;
    options.dir = "slt";
    auto store = co_await storage::Store::Open(self->node_.env(), options);
    QUANTA_ASSERT(store.ok());
    self->store_ = std::move(*store);
    self->access_ = std::make_unique<StoreAccess>(*self->store_);
    self->engine_ = std::make_unique<SqlEngine>(self->node_.env(), *self->access_);
  }
  static Task<void> Execute(QuantaBackend* self, std::string sql, Outcome* out) {
    ExecuteResult r = co_await self->engine_->Execute(std::move(sql));
    CopyResult(r, out);
  }

  sim::TestNode node_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<StoreAccess> access_;
  std::unique_ptr<SqlEngine> engine_;
};

// A simulated 3-node cluster: every statement that writes runs on the primary; every
// query runs on a replica once the replica has applied all the primary has.
class ClusterBackend : public Backend {
 public:
  static constexpr int kNodes = 3;
  ClusterBackend() : world_(7) {
    for (int i = 0; i < kNodes; ++i) {
      world_.AddProcess(absl::StrCat("n", i + 1), [this, i](Env& env) { return std::make_unique<Body>(env, i + 1, this); });
    }
    RunUntil([&] { return Primary() >= 0; }, absl::Seconds(10));
    QUANTA_ASSERT_MSG(Primary() >= 0, "no primary was elected");
  }
  ~ClusterBackend() override {
    for (auto& e : engines_) e.reset();
    for (auto& a : access_) a.reset();
    world_.loop().Clear();
  }
  std::string name() const override { return "quanta"; }
  Outcome Run(const std::string& sql) override {
    const int primary = Primary();
    QUANTA_ASSERT(primary >= 0);
    int target = primary;
    if (ReadOnly(sql)) {
      target = (primary + 1) % kNodes;
      const raft::Index want = nodes_[primary]->applied();
      RunUntil([&] { return nodes_[target]->applied() >= want; }, absl::Seconds(10));
      QUANTA_ASSERT_MSG(nodes_[target]->applied() >= want, "the replica did not catch up");
    }
    if (absl::GetFlag(FLAGS_verbose)) std::printf("  on n%d (primary n%d)\n", target + 1, primary + 1);
    if (Setting(sql)) {  // the client's session spans the nodes: every engine takes a SET
      for (int i = 0; i < kNodes; ++i) {
        if (i != target) RunOn(i, sql);
      }
    }
    return RunOn(target, sql);
  }

 private:
  Outcome RunOn(int target, const std::string& sql) {
    Outcome out;
    bool done = false;
    world_.processes()[static_cast<size_t>(target)]->env()->Spawn(Execute(engines_[static_cast<size_t>(target)].get(), sql, &out, &done));
    RunUntil([&] { return done; }, absl::Seconds(60));
    QUANTA_ASSERT_MSG(done, "a statement did not finish within 60 simulated seconds");
    return out;
  }
  static bool Setting(const std::string& sql) {
    auto statements = Parse(sql);
    if (!statements.ok() || statements->empty()) return false;
    for (const ast::Statement& s : *statements) {
      if (s.kind != ast::Statement::Kind::kSet && s.kind != ast::Statement::Kind::kReset) return false;
    }
    return true;
  }
  class Body : public sim::ProcessBody {
   public:
    Body(Env& env, int id, ClusterBackend* owner) : owner_(owner), id_(id) { env.Spawn(Main(env)); }
    ~Body() override { owner_->nodes_[id_ - 1] = nullptr; }

   private:
    Task<void> Main(Env& env) {
      replication::NodeOptions o;
      o.id = id_;
      for (int i = 1; i <= kNodes; ++i) {
        o.members.emplace_back(i, absl::StrCat("n", i),
                               replication::PeerAddresses(absl::StrCat("n", i, ":7432"), absl::StrCat("n", i, ":6432")),
                               absl::StrCat("n", i, ":5432"));
      }
      o.on_fatal = [](absl::Status status) { QUANTA_ASSERT_MSG(false, std::string(status.message()).c_str()); };
      auto node = co_await replication::ReplicatedNode::Open(env, std::move(o));
      QUANTA_ASSERT(node.ok());
      node_ = std::move(*node);
      QUANTA_ASSERT(node_->Start().ok());
      const size_t i = static_cast<size_t>(id_ - 1);
      owner_->nodes_[i] = node_.get();
      owner_->access_[i] = std::make_unique<NodeAccess>(*node_);
      owner_->engines_[i] = std::make_unique<SqlEngine>(env, *owner_->access_[i]);
    }
    ClusterBackend* owner_;
    int id_;
    std::unique_ptr<replication::ReplicatedNode> node_;
  };

  static Task<void> Execute(SqlEngine* engine, std::string sql, Outcome* out, bool* done) {
    ExecuteResult r = co_await engine->Execute(std::move(sql));
    CopyResult(r, out);
    *done = true;
  }
  // Queries run on a replica; those that may call sequence functions (which write, and
  // keep currval in the primary's session) run on the primary.
  static bool ReadOnly(const std::string& sql) {
    if (MentionsSequenceFunction(sql)) return false;
    auto statements = Parse(sql);
    if (!statements.ok()) return false;
    for (const ast::Statement& s : *statements) {
      if (s.kind != ast::Statement::Kind::kSelect) return false;
    }
    return true;
  }
  int Primary() const {
    for (int i = 0; i < kNodes; ++i) {
      if (nodes_[i] != nullptr && nodes_[i]->AcceptingWrites() && engines_[static_cast<size_t>(i)] != nullptr) return i;
    }
    return -1;
  }
  template <class Pred>
  void RunUntil(Pred done, absl::Duration limit) {
    const auto end = world_.Now() + limit;
    while (!done() && world_.Now() < end) world_.loop().RunUntil(world_.Now() + absl::Milliseconds(5));
  }

  replication::ReplicatedNode* nodes_[kNodes] = {nullptr, nullptr, nullptr};
  std::unique_ptr<NodeAccess> access_[kNodes];
  std::unique_ptr<SqlEngine> engines_[kNodes];
  sim::SimWorld world_;
};

#ifdef QUANTA_HAVE_LIBPQ
// PostgreSQL: a fresh database per file, created and dropped through `conninfo`.
class PostgresBackend : public Backend {
 public:
  PostgresBackend(const std::string& conninfo, int file_index) : admin_(PQconnectdb(conninfo.c_str())) {
    QUANTA_ASSERT_MSG(PQstatus(admin_) == CONNECTION_OK, PQerrorMessage(admin_));
    PQsetNoticeProcessor(admin_, [](void*, const char*) {}, nullptr);
    db_ = absl::StrCat("slt_", file_index);
    Admin(absl::StrCat("DROP DATABASE IF EXISTS ", db_));
    Admin(absl::StrCat("CREATE DATABASE ", db_, " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"));
    conn_ = PQconnectdb(absl::StrCat(conninfo, " dbname=", db_).c_str());
    QUANTA_ASSERT_MSG(PQstatus(conn_) == CONNECTION_OK, PQerrorMessage(conn_));
    PQclear(PQexec(conn_, "SET client_min_messages = warning"));
  }
  ~PostgresBackend() override {
    PQfinish(conn_);
    Admin(absl::StrCat("DROP DATABASE IF EXISTS ", db_));
    PQfinish(admin_);
  }
  std::string name() const override { return "postgres"; }
  Outcome Run(const std::string& sql) override {
    Outcome out;
    PGresult* res = PQexec(conn_, sql.c_str());
    const ExecStatusType status = PQresultStatus(res);
    if (status == PGRES_FATAL_ERROR) {
      out.ok = false;
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      const char* message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
      out.state = state ? state : "";
      out.message = message ? message : "";
    } else if (status == PGRES_TUPLES_OK) {
      out.returns_rows = true;
      out.columns = static_cast<size_t>(PQnfields(res));
      for (int c = 0; c < PQnfields(res); ++c) out.types.push_back(TypeLetter(PQftype(res, c)));
      for (int r = 0; r < PQntuples(res); ++r) {
        std::vector<std::string> row;
        for (int c = 0; c < PQnfields(res); ++c) {
          row.push_back(PQgetisnull(res, r, c) ? "NULL" : RenderValue(std::string(PQgetvalue(res, r, c))));
        }
        out.rows.push_back(std::move(row));
      }
    }
    PQclear(res);
    return out;
  }

 private:
  void Admin(const std::string& sql) { PQclear(PQexec(admin_, sql.c_str())); }
  PGconn* admin_;
  PGconn* conn_ = nullptr;
  std::string db_;
};
#endif

struct Tally {
  size_t run = 0, failed = 0, skipped = 0;
};

void Fail(const std::string& file, const Record& r, const std::string& why, Tally* tally) {
  ++tally->failed;
  std::printf("FAIL %s:%d: %s\n  %s\n", file.c_str(), r.line, why.c_str(), r.sql.c_str());
}

void Check(const std::string& file, const Record& r, const Outcome& got, Tally* tally) {
  switch (r.kind) {
    case Record::Kind::kStatementOk:
      if (!got.ok) Fail(file, r, absl::StrCat("expected success, got ", got.state, ": ", got.message), tally);
      return;
    case Record::Kind::kStatementError:
      if (got.ok) {
        Fail(file, r, "expected an error, the statement succeeded", tally);
      } else if (!r.error_state.empty() && r.error_state != got.state) {
        Fail(file, r, absl::StrCat("expected SQLSTATE ", r.error_state, ", got ", got.state, ": ", got.message), tally);
      } else if (!r.error_message.empty() && got.message.find(r.error_message) == std::string::npos) {
        Fail(file, r, absl::StrCat("expected a message containing \"", r.error_message, "\", got \"", got.message, "\""), tally);
      }
      return;
    case Record::Kind::kQuery: {
      if (!got.ok) {
        Fail(file, r, absl::StrCat("query failed: ", got.state, ": ", got.message), tally);
        return;
      }
      if (!got.returns_rows || got.columns != r.types.size()) {
        Fail(file, r, absl::StrCat("expected ", r.types.size(), " columns, got ", got.columns), tally);
        return;
      }
      const std::vector<std::string> lines = Render(got.rows, r.sort);
      if (r.hashed) {
        const std::string hash = HashValues(lines);
        const size_t values = got.rows.size() * got.columns;
        if (values != r.hash_count || hash != r.hash) {
          Fail(file, r, absl::StrCat("expected ", r.hash_count, " values hashing to ", r.hash, ", got ", values,
                                     " values hashing to ", hash), tally);
        }
        return;
      }
      std::vector<std::string> expected = r.expected;
      if (r.sort == "rowsort" || r.sort == "valuesort") std::sort(expected.begin(), expected.end());
      if (lines != expected) {
        Fail(file, r, absl::StrCat("wrong result\n  expected:\n    ", absl::StrJoin(expected, "\n    "), "\n  actual:\n    ",
                                   absl::StrJoin(lines, "\n    ")), tally);
      }
      return;
    }
  }
}

int RunFile(const std::string& path, int index, Tally* tally) {
  std::ifstream in(path);
  if (!in) {
    std::printf("FAIL %s: cannot read the file\n", path.c_str());
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto records = ParseFile(text.str());
  if (!records.ok()) {
    std::printf("FAIL %s: %s\n", path.c_str(), std::string(records.status().message()).c_str());
    return 1;
  }
  std::unique_ptr<Backend> backend;
  const std::string conninfo = absl::GetFlag(FLAGS_postgres);
  if (!conninfo.empty()) {
#ifdef QUANTA_HAVE_LIBPQ
    backend = std::make_unique<PostgresBackend>(conninfo, index);
#else
    std::printf("this runner was built without libpq: --postgres is unavailable\n");
    return 2;
#endif
  } else if (absl::GetFlag(FLAGS_cluster)) {
    backend = std::make_unique<ClusterBackend>();
  } else {
    backend = std::make_unique<QuantaBackend>();
  }
  const bool rewrite = absl::GetFlag(FLAGS_rewrite);
  std::vector<std::string> lines = absl::StrSplit(text.str(), '\n');
  std::string rewritten;
  size_t copied = 0;
  for (const Record& r : *records) {
    if (!r.AppliesTo(backend->name())) {
      ++tally->skipped;
      continue;
    }
    ++tally->run;
    if (absl::GetFlag(FLAGS_verbose)) std::printf("%s:%d\n", path.c_str(), r.line);
    const Outcome got = backend->Run(r.sql);
    if (!rewrite) {
      Check(path, r, got, tally);
      continue;
    }
    for (; copied < r.first_line; ++copied) absl::StrAppend(&rewritten, lines[copied], "\n");
    Observed o{got.ok, got.state, got.message, got.returns_rows, got.types, got.rows};
    absl::StrAppend(&rewritten, Regenerate(r, o));
    copied = r.end_line;
  }
  if (rewrite) {
    for (; copied < lines.size(); ++copied) absl::StrAppend(&rewritten, lines[copied], copied + 1 < lines.size() ? "\n" : "");
    std::ofstream(path) << rewritten;
  }
  return 0;
}

}  // namespace
}  // namespace quanta::sql::slt

int main(int argc, char** argv) {
  std::vector<char*> files = absl::ParseCommandLine(argc, argv);
  quanta::sql::slt::Tally tally;
  int status = 0;
  for (size_t i = 1; i < files.size(); ++i) status |= quanta::sql::slt::RunFile(files[i], static_cast<int>(i), &tally);
  std::printf("sqllogictest: %zu records run, %zu failed, %zu skipped\n", tally.run, tally.failed, tally.skipped);
  return status != 0 || tally.failed > 0 ? 1 : 0;
}
