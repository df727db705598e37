// SqlEngine: runs SQL text against a DataAccess (the replicated node, or a local
// store) — parse, plan, execute — and returns results in PostgreSQL's text format.
//
// Transactions (until the transactions issue lands): each statement is its own atomic
// transaction — a DML or DDL statement's writes are one write set, committed whole or
// not at all — and writing statements are serialized by one mutex per engine, so a
// statement's reads see every earlier statement's writes. A request of several
// statements runs them in order and stops at the first error.
//
// The catalog is cached and revalidated by its version before each statement (one
// point read), so DDL committed through another engine (another node) is seen.
//
// Threading: the node's loop. Lifetime: `access` outlives the engine.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/env/async_mutex.h"
#include "engine/env/env.h"
#include "engine/env/task.h"
#include "sql/catalog/catalog.h"
#include "sql/execution/operator.h"
#include "sql/execution/sequences.h"
#include "sql/execution/spill.h"
#include "sql/parser/ast.h"
#include "sql/planner/expr_binder.h"
#include "sql/session/settings.h"
#include "sql/storage/data_access.h"

namespace quanta::sql {

inline constexpr size_t kMaxResultRows = size_t{1} << 24;  // one statement's materialized result

struct ResultColumn {
  std::string name;
  Type type;
};

struct StatementResult {
  std::string tag;  // the CommandComplete tag: "SELECT 3", "INSERT 0 1", "CREATE TABLE"
  bool returns_rows = false;
  std::vector<ResultColumn> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // text format; nullopt is NULL
  std::vector<std::string> notices;  // NOTICE messages ("table "t" does not exist, skipping")
};

struct ExecuteResult {
  std::vector<StatementResult> results;  // of the statements that completed
  absl::Status error;                    // the failing statement's error, or OK
};

struct SqlEngineOptions {
  SqlEngineOptions() {}
  absl::Duration yield_every = absl::Milliseconds(2);  // a statement yields to the loop this often
  absl::Duration row_cost = absl::Nanoseconds(200);    // CPU charged per row (see ExecContext)
  size_t scan_batch = kBatchSize;                      // rows per table-scan batch (see ExecContext)
  std::string temp_dir = kTempDir;                     // temporary files, under the data root (spill.h)
};

class TableWriter;

class SqlEngine {
 public:
  SqlEngine(Env& env, DataAccess& access, SessionInfo session = SessionInfo(), SqlEngineOptions options = SqlEngineOptions());
  SqlEngine(const SqlEngine&) = delete;
  SqlEngine& operator=(const SqlEngine&) = delete;

  Task<ExecuteResult> Execute(std::string sql, std::vector<Value> params = {});

 private:
  // `mentions_sequences`: the request's text names a sequence function (so the
  // statement may write sequence states: MentionsSequenceFunction).
  Task<absl::StatusOr<StatementResult>> ExecuteStatement(const ast::Statement& stmt, bool mentions_sequences,
                                                         const std::vector<Value>& params);
  // Runs `stmt` against `snapshot` (ExecuteStatement holds the locks and sequences).
  Task<absl::StatusOr<StatementResult>> Dispatch(const ast::Statement& stmt, const CatalogSnapshot& snapshot,
                                                 const std::vector<Value>& params);
  Task<absl::StatusOr<std::shared_ptr<const CatalogSnapshot>>> LoadCatalog();
  Task<absl::StatusOr<StatementResult>> RunQuery(const ast::SelectStmt& stmt, const CatalogSnapshot& catalog,
                                                 const std::vector<Value>& params);
  Task<absl::StatusOr<StatementResult>> CreateTable(const ast::CreateTableStmt& stmt, const CatalogSnapshot& catalog);
  Task<absl::StatusOr<StatementResult>> DropTable(const ast::DropStmt& stmt, const CatalogSnapshot& catalog);
  // Adds the drop of `tables` (their rows, indexes, owned sequences, comments; with
  // `cascade` the views reading them and the foreign keys referencing them, else
  // 2BP01 if there are any) to *ws. `dropped_views` ("schema.name") grows with the views
  // dropped, so none is deleted twice.
  Task<absl::Status> DropTablesInto(const std::vector<const TableDef*>& tables, bool cascade, const CatalogSnapshot& catalog,
                                    const CatalogWriter& writer, std::vector<std::string>* dropped_views,
                                    std::vector<std::string>* notices, storage::WriteSet* ws);
  Task<absl::StatusOr<StatementResult>> CreateIndex(const ast::CreateIndexStmt& stmt, const CatalogSnapshot& catalog);
  Task<absl::StatusOr<StatementResult>> CreateView(const ast::CreateViewStmt& stmt, const CatalogSnapshot& catalog);
  Task<absl::StatusOr<StatementResult>> DropView(const ast::DropStmt& stmt, const CatalogSnapshot& catalog);
  Task<absl::StatusOr<StatementResult>> DropIndex(const ast::DropStmt& stmt, const CatalogSnapshot& catalog);
  Task<absl::StatusOr<StatementResult>> CreateSequence(const ast::CreateSequenceStmt& stmt, const CatalogSnapshot& catalog);
  Task<absl::StatusOr<StatementResult>> AlterSequence(const ast::AlterSequenceStmt& stmt, const CatalogSnapshot& catalog);
  absl::StatusOr<StatementResult> RunSetting(const ast::Statement& stmt);
  // Re-reads the settings the planner follows (search_path, enable_nestloop and the other join methods,
  // join_collapse_limit) into
  // session_ (after SET and RESET).
  void SyncSession();
  // CREATE SCHEMA / DROP SCHEMA (ddl_schema.cc).
  Task<absl::StatusOr<StatementResult>> CreateSchema(const ast::CreateSchemaStmt& stmt, const CatalogSnapshot& catalog);
  // DROP SCHEMA ... CASCADE's part: everything `schemas` hold, into *ws.
  Task<absl::Status> DropSchemaContents(const std::vector<const SchemaDef*>& schemas, const CatalogSnapshot& catalog,
                                        const CatalogWriter& writer, std::vector<std::string>* notices,
                                        storage::WriteSet* ws);
  // COMMENT ON (ddl_comment.cc).
  Task<absl::StatusOr<StatementResult>> Comment(const ast::CommentStmt& stmt, const CatalogSnapshot& catalog);
  Task<absl::StatusOr<StatementResult>> DropSchema(const ast::DropStmt& stmt, const CatalogSnapshot& catalog);
  Task<absl::StatusOr<StatementResult>> Explain(const ast::ExplainStmt& explain, const CatalogSnapshot& catalog,
                                                const std::vector<Value>& params);
  // ALTER TABLE (ddl_alter.cc).
  struct AlterPlan;
  Task<absl::StatusOr<StatementResult>> AlterTable(const ast::AlterTableStmt& stmt, const CatalogSnapshot& catalog);
  absl::Status ApplyAlterCmd(const ast::AlterTableCmd& cmd, const CatalogSnapshot& catalog, AlterPlan* plan);
  absl::Status AddColumn(const ast::AlterTableCmd& cmd, const CatalogSnapshot& catalog, AlterPlan* plan);
  absl::Status AddConstraint(const ast::AlterTableCmd& cmd, const CatalogSnapshot& catalog, AlterPlan* plan);
  absl::Status DropConstraint(const ast::AlterTableCmd& cmd, AlterPlan* plan);
  // Checks (and with plan.rewrite, rewrites) every row of the altered table.
  Task<absl::Status> RewriteRows(AlterPlan& plan, storage::WriteSet* ws);
  Task<absl::StatusOr<StatementResult>> Truncate(const ast::MaintenanceStmt& stmt, const CatalogSnapshot& catalog);
  // VACUUM (tag "VACUUM") and ANALYZE (tag "ANALYZE").
  Task<absl::StatusOr<StatementResult>> Analyze(const ast::MaintenanceStmt& stmt, const CatalogSnapshot& catalog,
                                                const char* tag);
  // ANALYZE's measurements of `table` (one full scan).
  Task<absl::StatusOr<TableStats>> MeasureTable(const TableDef& table);
  Task<absl::StatusOr<StatementResult>> DropSequence(const ast::DropStmt& stmt, const CatalogSnapshot& catalog);
  // Every sequence's stored state (one scan of the catalog tree's "q/" keys).
  Task<absl::StatusOr<std::map<uint32_t, SequenceValue>>> LoadSequenceStates();
  // Adds the deletion of every row of `tree` (`what`, for the error past kMaxDropRows).
  Task<absl::Status> DeleteTreeRows(storage::TreeId tree, const std::string& what, storage::WriteSet* ws);
  // Adds `index`'s entries for every row of `table` (checking uniqueness: 23505).
  Task<absl::Status> FillIndex(const TableDef& table, const IndexDef& index, storage::WriteSet* ws);
  Task<absl::StatusOr<StatementResult>> Insert(const ast::InsertStmt& stmt, const CatalogSnapshot& catalog,
                                               const std::vector<Value>& params);
  Task<absl::StatusOr<StatementResult>> Update(const ast::UpdateStmt& stmt, const CatalogSnapshot& catalog,
                                               const std::vector<Value>& params);
  Task<absl::StatusOr<StatementResult>> Delete(const ast::DeleteStmt& stmt, const CatalogSnapshot& catalog,
                                               const std::vector<Value>& params);

  // EXPLAIN of INSERT/UPDATE/DELETE (explain.cc): the statement runs with a capture
  // set, which renders its row source's plan into `lines` (at depth 1, under the
  // statement's own line); without `execute` it stops right after planning, having
  // written nothing.
  struct ExplainCapture {
    const ast::ExplainStmt* explain = nullptr;
    bool execute = false;
    std::vector<std::string> lines;
    bool captured = false;
    double startup = 0, total = 0;  // the source's estimated cost
  };
  Task<absl::StatusOr<StatementResult>> ExplainWrite(const ast::ExplainStmt& explain, const CatalogSnapshot& catalog,
                                                     const std::vector<Value>& params);
  // Renders `source` into explain_capture_ (REQUIRES: one is set).
  void CapturePlan(const Operator& source);
  // Whether a DML statement should stop after planning (EXPLAIN without ANALYZE).
  bool PlanOnly() const { return explain_capture_ != nullptr && !explain_capture_->execute; }

  // A fresh execution context for one statement.
  ExecContext NewContext(const std::vector<Value>& params);
  // Commits the rows a DML statement wrote (none: no write at all).
  // Enforces the foreign keys the writes touch, then commits them (no entry if none).
  Task<absl::Status> CommitRows(TableWriter& writer, const TableDef& table, const CatalogSnapshot& catalog,
                                ExprBinder& binder);
  // Commits one statement's writes as one write set (atomically).
  Task<absl::Status> CommitStatement(storage::WriteSet writes);

  Env& env_;
  DataAccess& access_;
  SessionInfo session_;
  SqlEngineOptions options_;
  AsyncMutex writers_;
  std::shared_ptr<const CatalogSnapshot> catalog_;
  SessionSettings settings_;                     // SET/SHOW/RESET
  TempSpace temp_;                               // where sorts past work_mem spill
  SequenceSession sequence_session_;             // currval/lastval across statements
  StatementSequences* sequences_ = nullptr;      // the running statement's, if it uses any
  bool sequences_committed_ = false;             // their writes went out with the statement's
  int64_t statement_micros_ = 0;                 // the running statement's now()
  ExplainCapture* explain_capture_ = nullptr;    // EXPLAIN of a write, while it runs
};

}  // namespace quanta::sql
