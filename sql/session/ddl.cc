// CREATE TABLE and DROP TABLE: validated against the catalog snapshot, committed as one
// write set with the catalog's version bump.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/parser/lexer.h"
#include "sql/planner/expr_binder.h"
#include "sql/session/ddl_internal.h"
#include "sql/session/sql_engine.h"
#include "sql/session/table_writer.h"

namespace quanta::sql {

absl::Status CheckDefaultExpr(const ast::Expr& e, const Type& type, const SessionInfo& session) {
  ExprBinder binder(session, nullptr);
  Scope none;
  auto bound = binder.Bind(e, none, nullptr, "DEFAULT expressions");
  if (!bound.ok()) {
    if (SqlStateOf(bound.status()) == sqlstate::kUndefinedColumn) {
      return SqlError(sqlstate::kFeatureNotSupported, "cannot use column reference in DEFAULT expression", e.position);
    }
    return bound.status();
  }
  auto coerced = ExprBinder::Coerce(std::move(*bound), type, CastContext::kAssignment, e.position);
  return coerced.status();
}

namespace {

std::string Truncated(std::string name) {
  if (name.size() > kMaxIdentifierBytes) name.resize(kMaxIdentifierBytes);
  return name;
}

absl::Status CheckDefault(const ast::ColumnDef& c, const Type& type, const SessionInfo& session) {
  return CheckDefaultExpr(*c.default_expr, type, session);
}

// A UNIQUE constraint as written: its name (empty: to be chosen) and columns.
struct UniqueSpec {
  std::string name;
  std::vector<std::string> columns;
};

// A serial or identity column's sequence, to be made with the table.
struct OwnedSequenceSpec {
  size_t column = 0;                              // position in the table
  const ast::SequenceOptions* options = nullptr;  // the identity's options (empty for serial)
};

// The table `stmt` defines, without OIDs; its UNIQUE constraints go to *uniques, its
// serial and identity columns to *owned.
absl::StatusOr<TableDef> BuildTable(const ast::CreateTableStmt& stmt, const CatalogSnapshot& catalog,
                                    const SessionInfo& session, std::vector<UniqueSpec>* uniques,
                                    std::vector<OwnedSequenceSpec>* owned) {
  TableDef table;
  auto schema = catalog.CreationSchema(stmt.names, session.search_path);
  if (!schema.ok()) return schema.status();
  table.schema = *std::move(schema);
  table.name = Truncated(stmt.names.back());
  if (stmt.columns.size() > kMaxColumns) {
    return SqlError("54011", absl::StrCat("tables can have at most ", kMaxColumns, " columns"));
  }
  std::vector<std::string> key_columns;
  for (const ast::ColumnDef& c : stmt.columns) {
    ColumnDef column;
    column.name = Truncated(c.name);
    if (table.FindColumn(column.name) >= 0) {
      return SqlError(sqlstate::kDuplicateColumn, absl::StrCat("column \"", column.name, "\" specified more than once"), c.position);
    }
    const bool serial = c.type.array_dims == 0 && (c.type.name == "serial" || c.type.name == "serial4" ||
                                                   c.type.name == "bigserial" || c.type.name == "serial8" ||
                                                   c.type.name == "smallserial" || c.type.name == "serial2");
    auto type = ExprBinder::ResolveType(c.type);
    if (!type.ok()) return type.status();
    column.type = *type;
    column.not_null = c.not_null;
    column.attnum = static_cast<int>(table.columns.size()) + 1;
    if (serial || c.identity != 0) {
      if (c.default_expr != nullptr) {
        return SqlError(sqlstate::kSyntaxError,
                        serial ? absl::StrCat("multiple default values specified for column \"", column.name, "\" of table \"",
                                              table.name, "\"")
                               : absl::StrCat("both default and identity specified for column \"", column.name,
                                              "\" of table \"", table.name, "\""),
                        c.position);
      }
      if (type->id != TypeId::kInt2 && type->id != TypeId::kInt4 && type->id != TypeId::kInt8) {
        return SqlError(sqlstate::kInvalidParameterValue, "identity column type must be smallint, integer, or bigint",
                        c.position);
      }
      column.not_null = true;
      column.identity = c.identity;
      owned->push_back(OwnedSequenceSpec{table.columns.size(), &c.identity_options});
    }
    if (c.default_expr != nullptr) {
      absl::Status valid = CheckDefault(c, *type, session);
      if (!valid.ok()) return valid;
      column.has_default = true;
      column.default_sql = c.default_text;
    }
    if (c.unique) uniques->push_back({"", {column.name}});
    if (c.primary_key) {
      if (!key_columns.empty()) {
        return SqlError(sqlstate::kInvalidTableDefinition,
                        absl::StrCat("multiple primary keys for table \"", table.name, "\" are not allowed"), c.position);
      }
      key_columns.push_back(column.name);
    }
    if (c.check != nullptr) table.checks.push_back(CheckDef{absl::StrCat(table.name, "_", column.name, "_check"), c.check_text});
    table.columns.push_back(std::move(column));
  }
  for (const ast::TableConstraint& tc : stmt.constraints) {
    if (tc.kind == ast::TableConstraint::Kind::kForeignKey) continue;  // resolved once the table has its indexes
    if (tc.kind == ast::TableConstraint::Kind::kUnique) {
      uniques->push_back({tc.name, tc.columns});
      continue;
    }
    if (tc.kind == ast::TableConstraint::Kind::kCheck) {
      std::string name = tc.name.empty() ? absl::StrCat(table.name, "_check") : tc.name;
      for (int n = 1; std::any_of(table.checks.begin(), table.checks.end(), [&](const CheckDef& d) { return d.name == name; }); ++n) {
        name = absl::StrCat(table.name, "_check", n);
      }
      table.checks.push_back(CheckDef{name, tc.check_text});
      continue;
    }
    if (!key_columns.empty()) {
      return SqlError(sqlstate::kInvalidTableDefinition,
                      absl::StrCat("multiple primary keys for table \"", table.name, "\" are not allowed"), tc.position);
    }
    key_columns = tc.columns;
    if (!tc.name.empty()) table.primary_key_name = tc.name;
  }
  for (const std::string& name : key_columns) {
    const int index = table.FindColumn(name);
    if (index < 0) {
      return SqlError(sqlstate::kUndefinedColumn, absl::StrCat("column \"", name, "\" named in key does not exist"));
    }
    table.columns[static_cast<size_t>(index)].not_null = true;
    table.primary_key.push_back(index);
  }
  if (table.primary_key_name.empty() && !table.primary_key.empty()) table.primary_key_name = table.name + "_pkey";
  // Each CHECK must bind against the table's columns and be boolean.
  Scope scope;
  for (const ColumnDef& c : table.columns) scope.columns.push_back(ScopeColumn{table.name, c.name, c.type, false});
  ExprBinder binder(session, nullptr);
  for (const ast::ColumnDef& c : stmt.columns) {
    if (c.check == nullptr) continue;
    auto bound = binder.BindCondition(*c.check, scope, nullptr, "check constraints");
    if (!bound.ok()) return bound.status();
  }
  for (const ast::TableConstraint& tc : stmt.constraints) {
    if (tc.check == nullptr) continue;
    auto bound = binder.BindCondition(*tc.check, scope, nullptr, "check constraints");
    if (!bound.ok()) return bound.status();
  }
  return table;
}

}  // namespace

Task<absl::StatusOr<StatementResult>> SqlEngine::CreateTable(const ast::CreateTableStmt& stmt,
                                                             const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "CREATE TABLE";
  std::vector<UniqueSpec> uniques;
  std::vector<OwnedSequenceSpec> owned;
  auto table = BuildTable(stmt, catalog, session_, &uniques, &owned);
  if (!table.ok()) co_return table.status();
  if (catalog.RelationExists(table->schema, table->name)) {
    if (stmt.if_not_exists) {
      result.notices.push_back(absl::StrCat("relation \"", table->name, "\" already exists, skipping"));
      co_return result;
    }
    co_return SqlError(sqlstate::kDuplicateTable, absl::StrCat("relation \"", table->name, "\" already exists"));
  }
  CatalogWriter writer(catalog);
  table->oid = writer.AssignOid();
  table->tree = kFirstTableTree + table->oid;
  std::vector<std::string> taken = {table->name};
  if (!table->primary_key.empty()) {
    if (catalog.RelationExists(table->schema, table->primary_key_name)) {
      co_return SqlError(sqlstate::kDuplicateTable, absl::StrCat("relation \"", table->primary_key_name, "\" already exists"));
    }
    taken.push_back(table->primary_key_name);
  }
  for (const UniqueSpec& u : uniques) {
    auto columns = ResolveIndexColumns(*table, u.columns, /*constraint=*/true);
    if (!columns.ok()) co_return columns.status();
    IndexDef index;
    index.name = u.name.empty() ? ChooseRelationName(catalog, table->schema, table->name, absl::StrJoin(u.columns, "_"), "key", taken)
                                : Truncated(u.name);
    if (catalog.RelationExists(table->schema, index.name) ||
        std::find(taken.begin(), taken.end(), index.name) != taken.end()) {
      co_return SqlError(sqlstate::kDuplicateTable, absl::StrCat("relation \"", index.name, "\" already exists"));
    }
    taken.push_back(index.name);
    index.oid = writer.AssignOid();
    index.tree = kFirstTableTree + index.oid;
    index.columns = std::move(*columns);
    index.unique = true;
    index.constraint = true;
    table->indexes.push_back(std::move(index));
  }
  std::vector<const ast::TableConstraint*> references;
  for (const ast::ColumnDef& c : stmt.columns) {
    for (const ast::TableConstraint& fk : c.references) references.push_back(&fk);
  }
  for (const ast::TableConstraint& tc : stmt.constraints) {
    if (tc.kind == ast::TableConstraint::Kind::kForeignKey) references.push_back(&tc);
  }
  for (const ast::TableConstraint* c : references) {
    auto fk = ResolveForeignKey(catalog, session_.search_path, *table, *c);
    if (!fk.ok()) co_return fk.status();
    const std::string base = fk->name;
    for (int n = 1; std::any_of(table->foreign_keys.begin(), table->foreign_keys.end(),
                                [&](const ForeignKeyDef& d) { return d.name == fk->name; });
         ++n) {
      fk->name = absl::StrCat(base, n);
    }
    table->foreign_keys.push_back(std::move(*fk));
  }
  storage::WriteSet ws;
  for (const OwnedSequenceSpec& spec : owned) {
    ColumnDef& column = table->columns[spec.column];
    SequenceDef base;
    base.schema = table->schema;
    base.type = column.type.id;
    auto sequence = ApplySequenceOptions(base, *spec.options, /*creating=*/true);
    if (!sequence.ok()) co_return sequence.status();
    sequence->name = ChooseRelationName(catalog, table->schema, table->name, column.name, "seq", taken);
    taken.push_back(sequence->name);
    sequence->oid = writer.AssignOid();
    sequence->owner_table = table->oid;
    sequence->owner_attnum = column.attnum;
    column.has_default = true;
    // Qualified outside public, so the default finds its sequence whatever the search_path.
    const std::string qualified = table->schema == "public"
                                      ? QuoteIdentifier(sequence->name)
                                      : absl::StrCat(QuoteIdentifier(table->schema), ".", QuoteIdentifier(sequence->name));
    column.default_sql = absl::StrCat("nextval('", absl::StrReplaceAll(qualified, {{"'", "''"}}), "'::regclass)");
    writer.PutSequence(*sequence, &ws);
  }
  writer.PutTable(*table, &ws);
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

Task<absl::StatusOr<StatementResult>> SqlEngine::DropTable(const ast::DropStmt& stmt, const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "DROP TABLE";
  std::vector<const TableDef*> tables;
  for (const auto& names : stmt.names) {
    const std::string schema = catalog.LookupSchema(names, session_.search_path);
    const TableDef* table = catalog.FindTable(schema, names.back());
    auto drop = CheckDropTarget(table != nullptr, catalog, session_.search_path, names, "table", sqlstate::kUndefinedTable, stmt.if_exists,
                                &result.notices);
    if (!drop.ok()) co_return drop.status();
    if (!*drop) continue;
    if (std::find(tables.begin(), tables.end(), table) == tables.end()) tables.push_back(table);  // once, if named twice
  }
  if (tables.empty()) co_return result;
  CatalogWriter writer(catalog);
  storage::WriteSet ws;
  std::vector<std::string> dropped_views;
  absl::Status dropped = co_await DropTablesInto(tables, stmt.cascade, catalog, writer, &dropped_views, &result.notices, &ws);
  if (!dropped.ok()) co_return dropped;
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

Task<absl::Status> SqlEngine::DropTablesInto(const std::vector<const TableDef*>& tables, bool cascade,
                                             const CatalogSnapshot& catalog, const CatalogWriter& writer,
                                             std::vector<std::string>* dropped_views, std::vector<std::string>* notices,
                                             storage::WriteSet* ws) {
  for (const TableDef* table : tables) {
    std::vector<const ViewDef*> dependents = DependentViews(catalog, table->schema, table->name);
    if (!dependents.empty() && !cascade) co_return DependentsError("table", table->name, dependents);
    for (const ViewDef* view : dependents) DropViewsCascading(catalog, *view, writer, dropped_views, ws);
  }
  absl::Status keys = DropReferencingKeys(catalog, tables, cascade, writer, notices, ws);
  if (!keys.ok()) co_return keys;
  for (const TableDef* table : tables) {
    absl::Status deleted = co_await DeleteTreeRows(table->tree, absl::StrCat("table \"", table->name, "\""), ws);
    for (const IndexDef& index : table->indexes) {
      if (!deleted.ok()) break;
      deleted = co_await DeleteTreeRows(index.tree, absl::StrCat("index \"", index.name, "\""), ws);
    }
    if (!deleted.ok()) co_return deleted;
    writer.DeleteTable(*table, ws);
    writer.DeleteComments(table->oid, ws);
    for (const IndexDef& index : table->indexes) writer.DeleteComments(index.oid, ws);
    for (const auto& [key, sequence] : catalog.sequences()) {
      if (sequence.owner_table == table->oid) writer.DeleteSequence(sequence, ws);
    }
  }
  co_return absl::OkStatus();
}

}  // namespace quanta::sql
