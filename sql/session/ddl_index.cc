// CREATE INDEX and DROP INDEX (and the index parts of CREATE/DROP TABLE): an index is
// part of its table's catalog record; creating one fills its tree from the table's
// rows in the same write set as the record, so a replica sees the table with the full
// index or without it.
#include "absl/container/btree_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/table_scan.h"
#include "sql/session/ddl_internal.h"
#include "sql/session/sql_engine.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {

std::string ChooseRelationName(const CatalogSnapshot& catalog, const std::string& schema, std::string name1,
                               std::string name2, const std::string& suffix, const std::vector<std::string>& taken) {
  const auto free = [&](const std::string& name) {
    return !catalog.RelationExists(schema, name) && std::find(taken.begin(), taken.end(), name) == taken.end();
  };
  for (int pass = 0;; ++pass) {
    const std::string label = pass == 0 ? suffix : absl::StrCat(suffix, pass);
    // PostgreSQL's makeObjectName: shorten the longer part until "name1_name2_label" fits.
    const size_t overhead = label.size() + 1 + (name2.empty() ? 0 : 1);
    std::string a = name1, b = name2;
    while (a.size() + b.size() + overhead > kMaxIdentifierBytes) {
      if (a.size() > b.size()) {
        a.pop_back();
      } else {
        b.pop_back();
      }
    }
    const std::string name = b.empty() ? absl::StrCat(a, "_", label) : absl::StrCat(a, "_", b, "_", label);
    QUANTA_ASSERT(name.size() <= kMaxIdentifierBytes);
    if (free(name)) return name;
  }
}

absl::Status IndexBuildDuplicate(const TableDef& table, const std::string& index, const std::vector<int>& columns,
                                 const std::vector<Value>& row) {
  std::vector<std::string> names, values;
  for (int c : columns) {
    QUANTA_ASSERT(c >= 0 && static_cast<size_t>(c) < row.size());
    names.push_back(table.columns[static_cast<size_t>(c)].name);
    values.push_back(row[static_cast<size_t>(c)].is_null() ? "null" : FormatValue(row[static_cast<size_t>(c)]));
  }
  return SqlError(sqlstate::kUniqueViolation, absl::StrCat("could not create unique index \"", index, "\""), 0,
                  absl::StrCat("Key (", absl::StrJoin(names, ", "), ")=(", absl::StrJoin(values, ", "), ") is duplicated."));
}

absl::StatusOr<std::vector<int>> ResolveIndexColumns(const TableDef& table, const std::vector<std::string>& names,
                                                     bool constraint) {
  if (names.size() > kMaxIndexColumns) {
    return SqlError("54011", absl::StrCat("cannot use more than ", kMaxIndexColumns, " columns in an index"));
  }
  std::vector<int> columns;
  for (const std::string& name : names) {
    const int c = table.FindColumn(name);
    if (c < 0) {
      return SqlError(sqlstate::kUndefinedColumn,
                      constraint ? absl::StrCat("column \"", name, "\" named in key does not exist")
                                 : absl::StrCat("column \"", name, "\" does not exist"));
    }
    if (constraint && std::find(columns.begin(), columns.end(), c) != columns.end()) {
      return SqlError(sqlstate::kDuplicateColumn, absl::StrCat("column \"", name, "\" appears twice in unique constraint"));
    }
    columns.push_back(c);
  }
  QUANTA_ASSERT(columns.size() == names.size());
  return columns;
}

Task<absl::Status> SqlEngine::DeleteTreeRows(storage::TreeId tree, const std::string& what, storage::WriteSet* ws) {
  storage::ScanRange range;
  range.limit = kMaxDropRows + 1;
  auto rows = co_await access_.Scan(tree, std::move(range));
  if (!rows.ok()) co_return rows.status();
  if (rows->size() > kMaxDropRows) {
    co_return SqlError(sqlstate::kProgramLimitExceeded,
                       absl::StrCat(what, " has more than ", kMaxDropRows,
                                    " rows: dropping it needs more than one write set, not supported yet"));
  }
  for (const storage::KeyValue& kv : *rows) ws->Delete(tree, kv.key);
  co_return absl::OkStatus();
}

Task<absl::Status> SqlEngine::FillIndex(const TableDef& table, const IndexDef& index, storage::WriteSet* ws) {
  TableScanOperator scan(access_, table, /*with_keys=*/true);
  const std::vector<Value> no_params;
  ExecContext ctx = NewContext(no_params);
  absl::btree_map<std::string, bool> seen;  // unique indexes: the prefixes so far
  const size_t width = table.columns.size();
  while (true) {
    DataChunk chunk;
    auto more = co_await scan.Next(ctx, &chunk);
    if (!more.ok()) co_return more.status();
    for (size_t r = 0; r < chunk.count(); ++r) {
      std::vector<Value> row;
      for (size_t c = 0; c < width; ++c) row.push_back(chunk.columns[c].Get(r));
      bool has_null = false;
      const std::string prefix = IndexKeyPrefix(index.columns, row, &has_null);
      if (index.unique && !has_null && !seen.emplace(prefix, true).second) {
        co_return IndexBuildDuplicate(table, index.name, index.columns, row);
      }
      if (ws->ops.size() >= storage::kMaxWriteSetOps - 16) {
        co_return SqlError(sqlstate::kProgramLimitExceeded,
                           absl::StrCat("table \"", table.name, "\" has too many rows to index in one write set"));
      }
      const std::string& key = chunk.columns[width].Str(r);
      ws->Put(index.tree, prefix + key, key);
    }
    if (!*more) break;
  }
  co_return absl::OkStatus();
}

Task<absl::StatusOr<StatementResult>> SqlEngine::CreateIndex(const ast::CreateIndexStmt& stmt, const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "CREATE INDEX";
  const std::string schema = catalog.LookupSchema(stmt.table, session_.search_path);
  const TableDef* found = catalog.FindTable(schema, stmt.table.back());
  if (found == nullptr) {
    co_return SqlError(sqlstate::kUndefinedTable, absl::StrCat("relation \"", stmt.table.back(), "\" does not exist"));
  }
  auto columns = ResolveIndexColumns(*found, stmt.columns, /*constraint=*/false);
  if (!columns.ok()) co_return columns.status();
  std::string name = stmt.name;
  if (name.size() > kMaxIdentifierBytes) name.resize(kMaxIdentifierBytes);
  if (!name.empty() && catalog.RelationExists(schema, name)) {
    if (stmt.if_not_exists) {
      result.notices.push_back(absl::StrCat("relation \"", name, "\" already exists, skipping"));
      co_return result;
    }
    co_return SqlError(sqlstate::kDuplicateTable, absl::StrCat("relation \"", name, "\" already exists"));
  }
  if (name.empty()) name = ChooseRelationName(catalog, schema, found->name, absl::StrJoin(stmt.columns, "_"), "idx", {});
  TableDef table = *found;
  CatalogWriter writer(catalog);
  IndexDef index;
  index.oid = writer.AssignOid();
  index.tree = kFirstTableTree + index.oid;
  index.name = name;
  index.columns = *columns;
  index.unique = stmt.unique;
  storage::WriteSet ws;
  absl::Status filled = co_await FillIndex(table, index, &ws);
  if (!filled.ok()) co_return filled;
  table.indexes.push_back(std::move(index));
  writer.PutTable(table, &ws);
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

Task<absl::StatusOr<StatementResult>> SqlEngine::DropIndex(const ast::DropStmt& stmt, const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "DROP INDEX";
  // The tables, as rewritten so far (two indexes of one table dropped together).
  std::map<std::string, TableDef> changed;
  CatalogWriter writer(catalog);
  storage::WriteSet ws;
  for (const auto& names : stmt.names) {
    const std::string schema = catalog.LookupSchema(names, session_.search_path);
    size_t position = 0;
    const TableDef* owner = catalog.FindIndex(schema, names.back(), &position);
    auto drop = CheckDropTarget(owner != nullptr, catalog, session_.search_path, names, "index", sqlstate::kUndefinedObject, stmt.if_exists,
                                &result.notices);
    if (!drop.ok()) co_return drop.status();
    if (!*drop) continue;
    const IndexDef& index = owner->indexes[position];
    if (index.constraint) {
      co_return SqlError("2BP01", absl::StrCat("cannot drop index ", index.name, " because constraint ", index.name,
                                               " on table ", owner->name, " requires it"));
    }
    const std::string key = TableKey(owner->schema, owner->name);
    TableDef& table = changed.try_emplace(key, *owner).first->second;
    auto it = std::find_if(table.indexes.begin(), table.indexes.end(), [&](const IndexDef& d) { return d.oid == index.oid; });
    if (it == table.indexes.end()) continue;  // named twice
    absl::Status deleted = co_await DeleteTreeRows(index.tree, absl::StrCat("index \"", index.name, "\""), &ws);
    if (!deleted.ok()) co_return deleted;
    writer.DeleteComments(index.oid, &ws);
    table.indexes.erase(it);
  }
  if (changed.empty()) co_return result;
  for (const auto& [key, table] : changed) writer.PutTable(table, &ws);
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

}  // namespace quanta::sql
