// COMMENT ON: a text attached to a table, view, index, sequence, schema or column, kept
// in the catalog (CommentsRecord, one per object) and read back by obj_description and
// col_description. IS NULL or IS '' removes it. Dropping an object drops its comments.
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/session/sql_engine.h"

namespace quanta::sql {
namespace {

struct Commented {
  uint32_t oid = 0;
  int32_t subid = 0;
};

std::string LastName(const std::vector<std::string>& names) { return names.empty() ? "" : names.back(); }

absl::Status NoRelation(const std::string& name) {
  return SqlError(sqlstate::kUndefinedTable, absl::StrCat("relation \"", name, "\" does not exist"));
}

// The object COMMENT ON names. Errors: 42P01, 42809 (a view named as a table or the
// reverse), 3F000, 42703, as PostgreSQL's.
absl::StatusOr<Commented> Resolve(const ast::CommentStmt& stmt, const CatalogSnapshot& catalog, const SearchPath& path) {
  using Object = ast::CommentStmt::Object;
  if (stmt.object == Object::kSchema) {
    if (stmt.names.size() > 1) return SqlError(sqlstate::kSyntaxError, "schema name cannot be qualified");
    const SchemaDef* schema = catalog.FindSchema(stmt.names[0]);
    if (schema == nullptr) return SqlError("3F000", absl::StrCat("schema \"", stmt.names[0], "\" does not exist"));
    return Commented{schema->oid, 0};
  }
  std::vector<std::string> relation = stmt.names;
  std::string column;
  if (stmt.object == Object::kColumn) {
    QUANTA_ASSERT(relation.size() >= 2);
    column = relation.back();
    relation.pop_back();
  }
  const std::string name = LastName(relation);
  const std::string schema = catalog.LookupSchema(relation, path);
  const TableDef* table = catalog.FindTable(schema, name);
  const ViewDef* view = catalog.FindView(schema, name);
  switch (stmt.object) {
    case Object::kTable:
      if (table != nullptr) return Commented{table->oid, 0};
      if (view != nullptr) return SqlError(sqlstate::kWrongObjectType, absl::StrCat("\"", name, "\" is not a table"));
      return NoRelation(name);
    case Object::kView:
      if (view != nullptr) return Commented{view->oid, 0};
      if (table != nullptr) return SqlError(sqlstate::kWrongObjectType, absl::StrCat("\"", name, "\" is not a view"));
      return NoRelation(name);
    case Object::kIndex: {
      size_t position = 0;
      const TableDef* owner = catalog.FindIndex(schema, name, &position);
      if (owner == nullptr) return NoRelation(name);
      return Commented{owner->indexes[position].oid, 0};
    }
    case Object::kSequence: {
      const SequenceDef* sequence = catalog.FindSequence(schema, name);
      if (sequence == nullptr) return NoRelation(name);
      return Commented{sequence->oid, 0};
    }
    case Object::kColumn: {
      if (table != nullptr) {
        const int c = table->FindColumn(column);
        if (c >= 0) return Commented{table->oid, table->columns[static_cast<size_t>(c)].attnum};
      } else if (view != nullptr) {
        for (size_t i = 0; i < view->columns.size(); ++i) {
          if (view->columns[i] == column) return Commented{view->oid, static_cast<int32_t>(i + 1)};
        }
      } else {
        return NoRelation(name);
      }
      return SqlError(sqlstate::kUndefinedColumn, absl::StrCat("column \"", column, "\" of relation \"", name, "\" does not exist"));
    }
    case Object::kSchema: break;
  }
  QUANTA_ASSERT(false);
  return absl::InternalError("unreachable");
}

}  // namespace

Task<absl::StatusOr<StatementResult>> SqlEngine::Comment(const ast::CommentStmt& stmt, const CatalogSnapshot& catalog) {
  QUANTA_ASSERT(!stmt.names.empty());
  auto target = Resolve(stmt, catalog, session_.search_path);
  if (!target.ok()) co_return WithPosition(target.status(), stmt.position);
  QUANTA_ASSERT(target->oid > 0 && target->subid >= 0);
  std::map<int32_t, std::string> comments = catalog.CommentsOf(target->oid);
  if (stmt.text.has_value() && !stmt.text->empty()) {
    comments[target->subid] = *stmt.text;
  } else {
    comments.erase(target->subid);
  }
  CatalogWriter writer(catalog);
  storage::WriteSet ws;
  writer.PutComments(target->oid, comments, &ws);
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  StatementResult result;
  result.tag = "COMMENT";
  co_return result;
}

}  // namespace quanta::sql
