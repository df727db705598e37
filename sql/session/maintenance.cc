// TRUNCATE, VACUUM and ANALYZE.
//
// TRUNCATE empties tables and their indexes in one write set (RESTART IDENTITY also
// restarts the sequences their columns own). ANALYZE reads every row of each table and
// records its row count and, per column, the fraction of NULLs and the number of
// distinct values (catalog, one write set), which the planner's scan choice uses.
// VACUUM has no dead rows to reclaim here (no MVCC yet): it checks its tables and, with
// ANALYZE, analyzes them.
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/table_scan.h"
#include "sql/session/ddl_internal.h"
#include "sql/session/sql_engine.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {
namespace {

constexpr size_t kMaxTrackedDistinct = 1u << 16;  // past this, a column counts as all-distinct

// The tables named (or every table, for an empty list); 42P01 for a name that is none.
absl::StatusOr<std::vector<const TableDef*>> NamedTables(const std::vector<std::vector<std::string>>& names,
                                                         const CatalogSnapshot& catalog,
                                                         const SearchPath& path) {
  std::vector<const TableDef*> tables;
  if (names.empty()) {
    for (const auto& [key, table] : catalog.tables()) tables.push_back(&table);
    return tables;
  }
  for (const auto& n : names) {
    const std::string schema = catalog.LookupSchema(n, path);
    const TableDef* table = catalog.FindTable(schema, n.back());
    if (table == nullptr) {
      if (catalog.RelationExists(schema, n.back())) {
        return SqlError(sqlstate::kWrongObjectType, absl::StrCat("\"", n.back(), "\" is not a table"));
      }
      return SqlError(sqlstate::kUndefinedTable, absl::StrCat("relation \"", n.back(), "\" does not exist"));
    }
    if (std::find(tables.begin(), tables.end(), table) == tables.end()) tables.push_back(table);
  }
  return tables;
}

}  // namespace

Task<absl::StatusOr<StatementResult>> SqlEngine::Truncate(const ast::MaintenanceStmt& stmt, const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "TRUNCATE TABLE";
  auto tables = NamedTables(stmt.tables, catalog, session_.search_path);
  if (!tables.ok()) co_return tables.status();
  absl::Status truncatable = CheckTruncatable(catalog, *tables);
  if (!truncatable.ok()) co_return truncatable;
  storage::WriteSet ws;
  for (const TableDef* table : *tables) {
    absl::Status deleted = co_await DeleteTreeRows(table->tree, absl::StrCat("table \"", table->name, "\""), &ws);
    for (const IndexDef& index : table->indexes) {
      if (!deleted.ok()) break;
      deleted = co_await DeleteTreeRows(index.tree, absl::StrCat("index \"", index.name, "\""), &ws);
    }
    if (!deleted.ok()) co_return deleted;
    if (!stmt.restart_identity) continue;
    for (const auto& [key, sequence] : catalog.sequences()) {
      if (sequence.owner_table == table->oid) ws.Delete(kCatalogTree, SequenceStateKey(sequence.oid));  // fresh again
    }
  }
  if (ws.ops.empty()) co_return result;  // already empty
  absl::Status committed = co_await CommitStatement(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

Task<absl::StatusOr<TableStats>> SqlEngine::MeasureTable(const TableDef& table) {
  TableScanOperator scan(access_, table, /*with_keys=*/false);
  const std::vector<Value> no_params;
  ExecContext ctx = NewContext(no_params);
  const size_t width = table.columns.size();
  std::vector<uint64_t> nulls(width, 0);
  std::vector<absl::flat_hash_set<std::string>> distinct(width);  // lookup-only (counted, never iterated)
  std::vector<bool> overflowed(width, false);
  TableStats stats;
  stats.analyzed = true;
  while (true) {
    DataChunk chunk;
    auto more = co_await scan.Next(ctx, &chunk);
    if (!more.ok()) co_return more.status();
    stats.rows += chunk.count();
    for (size_t c = 0; c < width; ++c) {
      const Vector& v = chunk.columns[c];
      for (size_t r = 0; r < chunk.count(); ++r) {
        if (v.IsNull(r)) {
          ++nulls[c];
          continue;
        }
        if (overflowed[c]) continue;
        std::string key;
        AppendKey(v, r, &key);
        distinct[c].insert(std::move(key));
        if (distinct[c].size() > kMaxTrackedDistinct) {
          overflowed[c] = true;
          distinct[c].clear();
        }
      }
    }
    if (!*more) break;
  }
  for (size_t c = 0; c < width; ++c) {
    const double rows = static_cast<double>(stats.rows);
    const double non_null = rows - static_cast<double>(nulls[c]);
    stats.null_frac.push_back(stats.rows == 0 ? 0 : static_cast<double>(nulls[c]) / rows);
    stats.n_distinct.push_back(overflowed[c] ? non_null : static_cast<double>(distinct[c].size()));
  }
  QUANTA_ASSERT(stats.null_frac.size() == width && stats.n_distinct.size() == width);
  co_return stats;
}

Task<absl::StatusOr<StatementResult>> SqlEngine::Analyze(const ast::MaintenanceStmt& stmt, const CatalogSnapshot& catalog,
                                                         const char* tag) {
  StatementResult result;
  result.tag = tag;
  auto tables = NamedTables(stmt.tables, catalog, session_.search_path);
  if (!tables.ok()) co_return tables.status();
  if (!stmt.analyze || tables->empty()) co_return result;  // VACUUM alone: nothing to reclaim yet
  CatalogWriter writer(catalog);
  storage::WriteSet ws;
  for (const TableDef* table : *tables) {
    auto stats = co_await MeasureTable(*table);
    if (!stats.ok()) co_return stats.status();
    TableDef measured = *table;
    measured.stats = std::move(*stats);
    writer.PutTable(measured, &ws);
  }
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

}  // namespace quanta::sql
