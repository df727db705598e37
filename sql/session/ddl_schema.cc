// CREATE SCHEMA and DROP SCHEMA. A schema is a catalog record ("n/<name>"); public and
// pg_catalog are built in and cannot be dropped. Objects name their schema, and
// unqualified names resolve through search_path (CatalogSnapshot::LookupSchema).
// DROP SCHEMA ... CASCADE drops what the schemas hold in the same write set: their
// tables (with the views reading them and the foreign keys referencing them, wherever
// those are), views and sequences.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/session/ddl_internal.h"
#include "sql/session/sql_engine.h"

namespace quanta::sql {

Task<absl::StatusOr<StatementResult>> SqlEngine::CreateSchema(const ast::CreateSchemaStmt& stmt,
                                                              const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "CREATE SCHEMA";
  const std::string name = stmt.name.substr(0, kMaxIdentifierBytes);
  QUANTA_ASSERT(!name.empty());
  if (catalog.FindSchema(name) != nullptr) {
    if (stmt.if_not_exists) {
      result.notices.push_back(absl::StrCat("schema \"", name, "\" already exists, skipping"));
      co_return result;
    }
    co_return SqlError("42P06", absl::StrCat("schema \"", name, "\" already exists"));
  }
  if (name.rfind("pg_", 0) == 0) {
    co_return SqlError("42939", absl::StrCat("unacceptable schema name \"", name, "\""), 0,
                       "The prefix \"pg_\" is reserved for system schemas.");
  }
  CatalogWriter writer(catalog);
  SchemaDef schema;
  schema.oid = writer.AssignOid();
  schema.name = name;
  storage::WriteSet ws;
  writer.PutSchema(schema, &ws);
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

Task<absl::Status> SqlEngine::DropSchemaContents(const std::vector<const SchemaDef*>& schemas, const CatalogSnapshot& catalog,
                                                 const CatalogWriter& writer, std::vector<std::string>* notices,
                                                 storage::WriteSet* ws) {
  const auto inside = [&](const std::string& schema) {
    return std::any_of(schemas.begin(), schemas.end(), [&](const SchemaDef* s) { return s->name == schema; });
  };
  // Every table of every schema at once: keys between them go with their tables.
  std::vector<const TableDef*> tables;
  std::vector<std::string> dropped;  // "kind schema.name", for the notice
  for (const auto& [key, table] : catalog.tables()) {
    if (!inside(table.schema)) continue;
    tables.push_back(&table);
    dropped.push_back(absl::StrCat("table ", key));
  }
  for (const auto& [key, sequence] : catalog.sequences()) {
    if (!inside(sequence.schema)) continue;
    const TableDef* owner = catalog.FindTableByOid(sequence.owner_table);
    if (owner != nullptr && !inside(owner->schema)) {
      co_return SqlError("2BP01", absl::StrCat("cannot drop schema ", sequence.schema, " because other objects depend on it"),
                         0, absl::StrCat("table ", owner->schema, ".", owner->name, " owns sequence ", key));
    }
    if (owner == nullptr) dropped.push_back(absl::StrCat("sequence ", key));
  }
  std::vector<std::string> dropped_views;
  absl::Status dropped_tables = co_await DropTablesInto(tables, /*cascade=*/true, catalog, writer, &dropped_views, notices, ws);
  if (!dropped_tables.ok()) co_return dropped_tables;
  for (const auto& [key, view] : catalog.views()) {
    if (!inside(view.schema)) continue;
    if (std::find(dropped_views.begin(), dropped_views.end(), key) == dropped_views.end()) {
      DropViewsCascading(catalog, view, writer, &dropped_views, ws);
    }
  }
  for (const std::string& view : dropped_views) dropped.push_back(absl::StrCat("view ", view));
  for (const auto& [key, sequence] : catalog.sequences()) {
    if (inside(sequence.schema) && catalog.FindTableByOid(sequence.owner_table) == nullptr) writer.DeleteSequence(sequence, ws);
  }
  if (dropped.size() == 1) {
    notices->push_back(absl::StrCat("drop cascades to ", dropped[0]));
  } else if (!dropped.empty()) {
    notices->push_back(absl::StrCat("drop cascades to ", dropped.size(), " other objects"));
  }
  co_return absl::OkStatus();
}

Task<absl::StatusOr<StatementResult>> SqlEngine::DropSchema(const ast::DropStmt& stmt, const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "DROP SCHEMA";
  std::vector<const SchemaDef*> targets;
  for (const std::vector<std::string>& names : stmt.names) {
    QUANTA_ASSERT(!names.empty());
    if (names.size() > 1) {
      co_return SqlError(sqlstate::kSyntaxError, absl::StrCat("schema name cannot be qualified"));
    }
    const SchemaDef* schema = catalog.FindSchema(names[0]);
    if (schema == nullptr) {
      if (stmt.if_exists) {
        result.notices.push_back(absl::StrCat("schema \"", names[0], "\" does not exist, skipping"));
        continue;
      }
      co_return SqlError("3F000", absl::StrCat("schema \"", names[0], "\" does not exist"));
    }
    if (schema->builtin) {
      if (schema->name == "pg_catalog") {
        co_return SqlError("2BP01", "cannot drop schema pg_catalog because it is required by the database system");
      }
      co_return SqlError(sqlstate::kFeatureNotSupported, absl::StrCat("dropping schema ", schema->name, " is not supported"));
    }
    if (catalog.SchemaHasObjects(schema->name) && !stmt.cascade) {
      co_return SqlError("2BP01", absl::StrCat("cannot drop schema ", schema->name, " because other objects depend on it"));
    }
    if (std::find(targets.begin(), targets.end(), schema) == targets.end()) targets.push_back(schema);
  }
  if (targets.empty()) co_return result;
  CatalogWriter writer(catalog);
  storage::WriteSet ws;
  if (stmt.cascade) {
    absl::Status contents = co_await DropSchemaContents(targets, catalog, writer, &result.notices, &ws);
    if (!contents.ok()) co_return contents;
  }
  for (const SchemaDef* schema : targets) writer.DeleteSchema(*schema, &ws);
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

}  // namespace quanta::sql
