// CREATE SCHEMA and DROP SCHEMA. A schema is a catalog record ("n/<name>"); public and
// pg_catalog are built in and cannot be dropped. Objects name their schema, and
// unqualified names resolve through search_path (CatalogSnapshot::LookupSchema).
// DROP SCHEMA ... CASCADE of a schema that still holds objects is not supported yet:
// it answers 0A000 and drops nothing.
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
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
    if (catalog.SchemaHasObjects(schema->name)) {
      if (stmt.cascade) {
        co_return SqlError(sqlstate::kFeatureNotSupported,
                           absl::StrCat("DROP SCHEMA ... CASCADE of a schema that holds objects is not supported yet (schema \"",
                                        schema->name, "\")"));
      }
      co_return SqlError("2BP01", absl::StrCat("cannot drop schema ", schema->name, " because other objects depend on it"));
    }
    targets.push_back(schema);
  }
  if (targets.empty()) co_return result;
  CatalogWriter writer(catalog);
  storage::WriteSet ws;
  for (const SchemaDef* schema : targets) writer.DeleteSchema(*schema, &ws);
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

}  // namespace quanta::sql
