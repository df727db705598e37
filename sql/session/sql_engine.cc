#include "sql/session/sql_engine.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/planted.h"
#include "sql/common/sql_error.h"
#include "sql/execution/operator.h"
#include "sql/parser/parser.h"
#include "sql/planner/planner.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {

namespace {

const char* CommandName(const ast::Statement& stmt) {
  switch (stmt.kind) {
    case ast::Statement::Kind::kSelect: return "SELECT";
    case ast::Statement::Kind::kInsert: return "INSERT";
    case ast::Statement::Kind::kUpdate: return "UPDATE";
    case ast::Statement::Kind::kDelete: return "DELETE";
    case ast::Statement::Kind::kCreateTable: return "CREATE TABLE";
    case ast::Statement::Kind::kCreateIndex: return "CREATE INDEX";
    case ast::Statement::Kind::kCreateSequence: return "CREATE SEQUENCE";
    case ast::Statement::Kind::kAlterSequence: return "ALTER SEQUENCE";
    case ast::Statement::Kind::kSet: return "SET";
    case ast::Statement::Kind::kShow: return "SHOW";
    case ast::Statement::Kind::kReset: return "RESET";
    case ast::Statement::Kind::kTruncate: return "TRUNCATE TABLE";
    case ast::Statement::Kind::kAlterTable: return "ALTER TABLE";
    case ast::Statement::Kind::kExplain: return "EXPLAIN";
    case ast::Statement::Kind::kCreateView: return "CREATE VIEW";
    case ast::Statement::Kind::kCreateSchema: return "CREATE SCHEMA";
    case ast::Statement::Kind::kComment: return "COMMENT";
    case ast::Statement::Kind::kVacuum: return "VACUUM";
    case ast::Statement::Kind::kAnalyze: return "ANALYZE";
    case ast::Statement::Kind::kDrop:
      switch (stmt.drop->object) {
        case ast::DropStmt::Object::kIndex: return "DROP INDEX";
        case ast::DropStmt::Object::kSequence: return "DROP SEQUENCE";
        case ast::DropStmt::Object::kView: return "DROP VIEW";
        case ast::DropStmt::Object::kSchema: return "DROP SCHEMA";
        default: return "DROP TABLE";
      }
  }
  return "?";
}

}  // namespace

SqlEngine::SqlEngine(Env& env, DataAccess& access, SessionInfo session, SqlEngineOptions options)
    : env_(env),
      access_(access),
      session_(std::move(session)),
      options_(options),
      writers_(env),
      temp_(env, options_.temp_dir) {
  SyncSession();
}

ExecContext SqlEngine::NewContext(const std::vector<Value>& params) {
  ExecContext ctx;
  ctx.env = &env_;
  ctx.eval.params = &params;
  ctx.eval.sequences = sequences_;
  ctx.eval.now_micros = statement_micros_;
  ctx.yield_every = options_.yield_every;
  ctx.row_cost = options_.row_cost;
  ctx.scan_batch = options_.scan_batch;
  ctx.work_mem_bytes = settings_.WorkMemBytes();
  ctx.temp = &temp_;
  ctx.instrument = explain_capture_ != nullptr && explain_capture_->execute;
  QUANTA_ASSERT(ctx.scan_batch >= 1 && ctx.scan_batch <= kBatchSize);
  ctx.last_yield = env_.MonotonicNow();
  const absl::Duration timeout = settings_.StatementTimeout();
  if (timeout > absl::ZeroDuration()) ctx.deadline = ctx.last_yield + timeout;
  return ctx;
}

Task<absl::Status> SqlEngine::CommitStatement(storage::WriteSet writes) {
  QUANTA_ASSERT(!writes.ops.empty());
  if (sequences_ != nullptr && sequences_->dirty()) {  // the values it drew commit with its rows
    sequences_->AppendWrites(&writes);
    sequences_committed_ = true;
  }
  if (!PlantedActive(PlantedBug::kSqlSplitWriteSet)) {
    absl::Status committed = co_await access_.Commit(std::move(writes));
    co_return committed;
  }
  for (storage::WriteOp& op : writes.ops) {  // the planted bug: one write set per row
    storage::WriteSet one;
    one.ops.push_back(std::move(op));
    absl::Status committed = co_await access_.Commit(std::move(one));
    if (!committed.ok()) co_return committed;
  }
  co_return absl::OkStatus();
}

Task<absl::StatusOr<std::shared_ptr<const CatalogSnapshot>>> SqlEngine::LoadCatalog() {
  auto version = co_await CatalogSnapshot::ReadVersion(access_);
  if (!version.ok()) co_return version.status();
  if (catalog_ != nullptr && catalog_->version() == *version) co_return catalog_;
  if (catalog_ != nullptr && PlantedActive(PlantedBug::kSqlStaleCatalog)) co_return catalog_;
  auto loaded = co_await CatalogSnapshot::Load(access_);
  if (!loaded.ok()) co_return loaded.status();
  catalog_ = std::move(*loaded);
  co_return catalog_;
}

Task<ExecuteResult> SqlEngine::Execute(std::string sql, std::vector<Value> params) {
  ExecuteResult out;
  auto statements = Parse(sql);
  if (!statements.ok()) {
    out.error = statements.status();
    co_return out;
  }
  const bool mentions_sequences = MentionsSequenceFunction(sql);  // once per request, not per statement
  for (const ast::Statement& stmt : *statements) {
    auto result = co_await ExecuteStatement(stmt, mentions_sequences, params);
    if (!result.ok()) {
      out.error = result.status();
      co_return out;
    }
    out.results.push_back(std::move(*result));
  }
  co_return out;
}

namespace {

// Whether a DML statement's target table has a DEFAULT that calls nextval (a serial or
// identity column's).
bool TargetDefaultsUseSequences(const ast::Statement& stmt, const CatalogSnapshot& catalog, const SearchPath& path) {
  const std::vector<std::string>* names = nullptr;
  if (stmt.kind == ast::Statement::Kind::kInsert) names = &stmt.insert->table;
  if (stmt.kind == ast::Statement::Kind::kUpdate) names = &stmt.update->table;
  if (names == nullptr || names->empty()) return false;
  const TableDef* table = catalog.FindTable(catalog.LookupSchema(*names, path), names->back());
  if (table == nullptr) return false;
  return std::any_of(table->columns.begin(), table->columns.end(),
                     [](const ColumnDef& c) { return c.has_default && MentionsSequenceFunction(c.default_sql); });
}

}  // namespace

Task<absl::StatusOr<std::map<uint32_t, SequenceValue>>> SqlEngine::LoadSequenceStates() {
  storage::ScanRange range;
  range.start = kSequenceStatePrefix;
  range.end = PrefixSuccessor(kSequenceStatePrefix);
  auto rows = co_await access_.Scan(kCatalogTree, std::move(range));
  if (!rows.ok()) co_return rows.status();
  std::map<uint32_t, SequenceValue> states;
  for (const storage::KeyValue& kv : *rows) {
    uint32_t oid = 0;
    if (!absl::SimpleAtoi(kv.key.substr(2), &oid)) {
      co_return absl::DataLossError("catalog: malformed sequence state key");
    }
    auto value = DecodeSequenceValue(kv.value);
    if (!value.ok()) co_return value.status();
    states[oid] = *value;
  }
  co_return states;
}

namespace {

// Ends the access's writing statement when the statement's frame goes, on every path.
class WriteScope {
 public:
  explicit WriteScope(DataAccess& access) : access_(access) {}
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
  ~WriteScope() { access_.EndWrite(); }

 private:
  DataAccess& access_;
};

}  // namespace

Task<absl::StatusOr<StatementResult>> SqlEngine::ExecuteStatement(const ast::Statement& stmt, bool mentions_sequences,
                                                                   const std::vector<Value>& params) {
  // now() for this statement (PostgreSQL: the transaction's start; each statement is one here).
  statement_micros_ = absl::ToUnixMicros(env_.WallNow()) - int64_t{946684800} * 1000000;
  if (stmt.kind == ast::Statement::Kind::kSet || stmt.kind == ast::Statement::Kind::kShow ||
      stmt.kind == ast::Statement::Kind::kReset) {
    co_return RunSetting(stmt);  // session state only: no catalog, no store, any node
  }
  // EXPLAIN ANALYZE of a write runs the write: it is one.
  const ast::Statement& effective =
      stmt.kind == ast::Statement::Kind::kExplain && stmt.explain->analyze ? *stmt.explain->target : stmt;
  const bool writes = effective.kind != ast::Statement::Kind::kSelect && effective.kind != ast::Statement::Kind::kExplain;
  if (writes) {
    absl::Status writable = access_.Writable(CommandName(effective));
    if (!writable.ok()) co_return writable;
  }
  // A query that may call nextval writes too: serialized like any writer, so two
  // statements never draw from one sequence state (a replica refuses in nextval).
  const bool serialize = (writes || mentions_sequences) && !PlantedActive(PlantedBug::kSqlUnserializedWriters);
  if (serialize) co_await writers_.Lock();
  std::optional<AsyncMutex::Held> held;
  if (serialize) held.emplace(writers_);
  std::optional<WriteScope> write_scope;
  if (serialize && (writes || access_.Writable("nextval").ok())) {
    // A read-modify-write reads every earlier write, pending ones too, in one term.
    const absl::Status begun = co_await access_.BeginWrite(CommandName(effective));
    if (!begun.ok()) co_return begun;
    write_scope.emplace(access_);
  }
  auto catalog = co_await LoadCatalog();
  if (!catalog.ok()) co_return catalog.status();
  const CatalogSnapshot& snapshot = **catalog;
  const std::vector<std::string> path_schemas = snapshot.PathSchemas(session_.search_path);
  session_.current_schema = path_schemas.empty() ? "" : path_schemas.front();
  session_.catalog = &snapshot;
  std::optional<StatementSequences> sequences;
  if (mentions_sequences || TargetDefaultsUseSequences(effective, snapshot, session_.search_path)) {
    auto states = co_await LoadSequenceStates();
    if (!states.ok()) co_return states.status();
    sequences.emplace(snapshot, session_.search_path, std::move(*states), sequence_session_, access_.Writable("nextval"));
  }
  sequences_ = sequences ? &*sequences : nullptr;
  sequences_committed_ = false;
  absl::StatusOr<StatementResult> result = co_await Dispatch(stmt, snapshot, params);
  sequences_ = nullptr;
  session_.catalog = nullptr;
  if (result.ok() && sequences && sequences->dirty() && !sequences_committed_) {
    // A query's nextval/setval (no rows written): the states alone, one write set.
    storage::WriteSet ws;
    sequences->AppendWrites(&ws);
    absl::Status committed = co_await access_.Commit(std::move(ws));
    if (!committed.ok()) co_return committed;
  }
  if (result.ok() && sequences) sequence_session_ = sequences->session();
  co_return result;
}

absl::StatusOr<StatementResult> SqlEngine::RunSetting(const ast::Statement& stmt) {
  const ast::SetStmt& set = *stmt.set;
  StatementResult result;
  const std::string name = absl::AsciiStrToLower(set.name);
  if (stmt.kind == ast::Statement::Kind::kShow) {
    result.tag = "SHOW";
    result.returns_rows = true;
    if (name == "all") {
      for (const char* column : {"name", "setting"}) result.columns.push_back(ResultColumn{column, Type(TypeId::kText)});
      for (auto& [n, v] : settings_.All()) result.rows.push_back({n, v});
      return result;
    }
    auto value = settings_.Show(name);
    if (!value.ok()) return value.status();
    result.columns.push_back(ResultColumn{absl::AsciiStrToLower(settings_.DisplayName(name)), Type(TypeId::kText)});
    result.rows.push_back({*value});
    return result;
  }
  if (stmt.kind == ast::Statement::Kind::kReset) {
    result.tag = "RESET";
    if (name == "all") {
      settings_.ResetAll();
      SyncSession();
      return result;
    }
    absl::Status reset = settings_.Reset(name);
    if (!reset.ok()) return reset;
    SyncSession();
    return result;
  }
  result.tag = "SET";
  if (set.local) {
    // Outside a transaction block SET LOCAL has no effect (PostgreSQL warns the same).
    result.notices.push_back("SET LOCAL can only be used in transaction blocks");
    return result;
  }
  absl::Status applied = set.to_default ? settings_.Reset(name) : settings_.Set(name, absl::StrJoin(set.values, ", "));
  if (!applied.ok()) return applied;
  SyncSession();
  return result;
}

namespace {

// search_path's value as a list of schema names: comma-separated identifiers, quoted
// ones taken as written ("" an escaped quote), unquoted ones folded to lower case.
std::vector<std::string> ParseSearchPath(std::string_view value) {
  std::vector<std::string> out;
  std::string current;
  bool quoted = false;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      if (c == '"' && i + 1 < value.size() && value[i + 1] == '"') {
        current.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        current.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(current));
      current.clear();
    } else if (c != ' ' && c != '\t') {
      current.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!current.empty() || !out.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace

void SqlEngine::SyncSession() {
  auto value = settings_.Show("search_path");
  QUANTA_ASSERT(value.ok());
  session_.search_path.schemas = ParseSearchPath(*value);
  session_.search_path.user = session_.user;
  auto enabled = [this](const char* name) {
    auto on = settings_.Show(name);
    QUANTA_ASSERT(on.ok());
    return *on == "on";
  };
  session_.join_methods = JoinMethods{enabled("enable_nestloop"), enabled("enable_hashjoin"), enabled("enable_mergejoin")};
  auto collapse = settings_.Show("join_collapse_limit");
  QUANTA_ASSERT(collapse.ok());
  const bool parsed = absl::SimpleAtoi(*collapse, &session_.join_collapse_limit);
  QUANTA_ASSERT(parsed);  // stored values are validated
}

Task<absl::StatusOr<StatementResult>> SqlEngine::Dispatch(const ast::Statement& stmt, const CatalogSnapshot& snapshot,
                                                          const std::vector<Value>& params) {
  absl::StatusOr<StatementResult> result;
  switch (stmt.kind) {
    case ast::Statement::Kind::kSelect: result = co_await RunQuery(*stmt.select, snapshot, params); break;
    case ast::Statement::Kind::kCreateTable: result = co_await CreateTable(*stmt.create_table, snapshot); break;
    case ast::Statement::Kind::kCreateIndex: result = co_await CreateIndex(*stmt.create_index, snapshot); break;
    case ast::Statement::Kind::kCreateSequence: result = co_await CreateSequence(*stmt.create_sequence, snapshot); break;
    case ast::Statement::Kind::kAlterSequence: result = co_await AlterSequence(*stmt.alter_sequence, snapshot); break;
    case ast::Statement::Kind::kDrop:
      if (stmt.drop->object == ast::DropStmt::Object::kIndex) {
        result = co_await DropIndex(*stmt.drop, snapshot);
      } else if (stmt.drop->object == ast::DropStmt::Object::kSequence) {
        result = co_await DropSequence(*stmt.drop, snapshot);
      } else if (stmt.drop->object == ast::DropStmt::Object::kSchema) {
        result = co_await DropSchema(*stmt.drop, snapshot);
      } else if (stmt.drop->object == ast::DropStmt::Object::kView) {
        result = co_await DropView(*stmt.drop, snapshot);
      } else {
        result = co_await DropTable(*stmt.drop, snapshot);
      }
      break;
    case ast::Statement::Kind::kInsert: result = co_await Insert(*stmt.insert, snapshot, params); break;
    case ast::Statement::Kind::kUpdate: result = co_await Update(*stmt.update, snapshot, params); break;
    case ast::Statement::Kind::kDelete: result = co_await Delete(*stmt.del, snapshot, params); break;
    case ast::Statement::Kind::kSet:
    case ast::Statement::Kind::kShow:
    case ast::Statement::Kind::kReset: result = RunSetting(stmt); break;
    case ast::Statement::Kind::kTruncate: result = co_await Truncate(*stmt.maintenance, snapshot); break;
    case ast::Statement::Kind::kAlterTable: result = co_await AlterTable(*stmt.alter_table, snapshot); break;
    case ast::Statement::Kind::kExplain: result = co_await Explain(*stmt.explain, snapshot, params); break;
    case ast::Statement::Kind::kCreateView: result = co_await CreateView(*stmt.create_view, snapshot); break;
    case ast::Statement::Kind::kCreateSchema: result = co_await CreateSchema(*stmt.create_schema, snapshot); break;
    case ast::Statement::Kind::kComment: result = co_await Comment(*stmt.comment, snapshot); break;
    case ast::Statement::Kind::kVacuum: result = co_await Analyze(*stmt.maintenance, snapshot, "VACUUM"); break;
    case ast::Statement::Kind::kAnalyze: result = co_await Analyze(*stmt.maintenance, snapshot, "ANALYZE"); break;
  }
  co_return result;
}

Task<absl::StatusOr<StatementResult>> SqlEngine::RunQuery(const ast::SelectStmt& stmt, const CatalogSnapshot& catalog,
                                                          const std::vector<Value>& params) {
  std::vector<Type> param_types;
  for (const Value& v : params) param_types.push_back(v.type());
  Planner planner(catalog, access_, session_, &param_types);
  auto plan = planner.PlanQuery(stmt);
  if (!plan.ok()) co_return plan.status();
  auto root = CoerceOutput(std::move(plan->root), nullptr, CastContext::kImplicit);
  if (!root.ok()) co_return root.status();
  PruneColumns(root->get());
  StatementResult result;
  result.returns_rows = true;
  const std::vector<Type> types = (*root)->types();
  for (size_t i = 0; i < types.size(); ++i) result.columns.push_back(ResultColumn{plan->names[i], types[i]});
  ExecContext ctx = NewContext(params);
  while (true) {
    DataChunk chunk;
    auto more = co_await (*root)->Next(ctx, &chunk);
    if (!more.ok()) co_return more.status();
    for (size_t k = 0; k < chunk.active(); ++k) {
      const size_t r = chunk.row(k);
      std::vector<std::optional<std::string>> row;
      row.reserve(types.size());
      for (const Vector& v : chunk.columns) {
        if (v.IsNull(r)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(FormatValue(v.Get(r)));
        }
      }
      result.rows.push_back(std::move(row));
    }
    if (result.rows.size() > kMaxResultRows) {
      co_return SqlError(sqlstate::kProgramLimitExceeded,
                         absl::StrCat("query result exceeds ", kMaxResultRows, " rows (use LIMIT or a cursor)"));
    }
    if (!*more) break;
  }
  result.tag = absl::StrCat("SELECT ", result.rows.size());
  co_return result;
}

}  // namespace quanta::sql
