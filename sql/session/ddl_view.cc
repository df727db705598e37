// CREATE [OR REPLACE] VIEW and DROP VIEW. A view keeps its query's text and output
// columns; the planner plans the query where the view is named. What its FROM clauses
// name is recorded, so a table or view it reads cannot be dropped from under it
// (2BP01; CASCADE drops the view too). Columns it reads are not tracked: dropping one
// makes the view fail when used, with an error naming it.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/planner/planner.h"
#include "sql/session/ddl_internal.h"
#include "sql/session/sql_engine.h"

namespace quanta::sql {
namespace {

// Where the view's names resolve (at creation, as PostgreSQL binds them then).
struct Resolution {
  const CatalogSnapshot& catalog;
  const SearchPath& path;
};

void CollectFrom(const Resolution& at, const ast::SelectStmt& stmt, std::vector<std::string>* out);

void CollectRef(const Resolution& at, const ast::TableRef& ref, const std::vector<std::string>& ctes,
                std::vector<std::string>* out) {
  switch (ref.kind) {
    case ast::TableRef::Kind::kTable: {
      if (ref.names.size() == 1 && std::find(ctes.begin(), ctes.end(), ref.names[0]) != ctes.end()) return;
      const std::string name = absl::StrCat(at.catalog.LookupSchema(ref.names, at.path), ".", ref.names.back());
      if (std::find(out->begin(), out->end(), name) == out->end()) out->push_back(name);
      return;
    }
    case ast::TableRef::Kind::kJoin:
      CollectRef(at, *ref.left, ctes, out);
      CollectRef(at, *ref.right, ctes, out);
      return;
    case ast::TableRef::Kind::kSubquery:
    case ast::TableRef::Kind::kValues:
      if (ref.subquery != nullptr) CollectFrom(at, *ref.subquery, out);
      return;
    case ast::TableRef::Kind::kFunction: return;
  }
}

// The relations `stmt`'s FROM clauses (and its set operations' and CTEs') name.
void CollectFrom(const Resolution& at, const ast::SelectStmt& stmt, std::vector<std::string>* out) {
  std::vector<std::string> ctes;
  for (const ast::CommonTableExpr& cte : stmt.ctes) {
    ctes.push_back(cte.name);
    CollectFrom(at, *cte.query, out);
  }
  if (stmt.left != nullptr) CollectFrom(at, *stmt.left, out);
  if (stmt.right != nullptr) CollectFrom(at, *stmt.right, out);
  for (const ast::TableRefPtr& ref : stmt.from) CollectRef(at, *ref, ctes, out);
}

}  // namespace

absl::StatusOr<bool> CheckDropTarget(bool found, const CatalogSnapshot& catalog, const SearchPath& path,
                                     const std::vector<std::string>& names, const char* kind, const char* missing_state,
                                     bool if_exists, std::vector<std::string>* notices) {
  QUANTA_ASSERT(!names.empty());
  if (found) return true;
  const std::string schema = catalog.LookupSchema(names, path);
  if (catalog.RelationExists(schema, names.back())) {
    return SqlError(sqlstate::kWrongObjectType, absl::StrCat("\"", names.back(), "\" is not a", kind[0] == 'i' ? "n " : " ", kind));
  }
  if (if_exists) {
    notices->push_back(absl::StrCat(kind, " \"", names.back(), "\" does not exist, skipping"));
    return false;
  }
  return SqlError(missing_state, absl::StrCat(kind, " \"", names.back(), "\" does not exist"));
}

std::vector<const ViewDef*> DependentViews(const CatalogSnapshot& catalog, const std::string& schema, const std::string& name) {
  const std::string key = absl::StrCat(schema, ".", name);
  std::vector<const ViewDef*> out;
  for (const auto& [view_key, view] : catalog.views()) {
    if (std::find(view.depends.begin(), view.depends.end(), key) != view.depends.end()) out.push_back(&view);
  }
  return out;
}

absl::Status DependentsError(const char* kind, const std::string& name, const std::vector<const ViewDef*>& views) {
  QUANTA_ASSERT(!views.empty());
  std::vector<std::string> lines;
  for (const ViewDef* v : views) lines.push_back(absl::StrCat("view ", v->name, " depends on ", kind, " ", name));
  return SqlError("2BP01", absl::StrCat("cannot drop ", kind, " ", name, " because other objects depend on it"), 0,
                  absl::StrJoin(lines, "\n"));
}

void DropViewsCascading(const CatalogSnapshot& catalog, const ViewDef& view, const CatalogWriter& writer,
                        std::vector<std::string>* dropped, storage::WriteSet* ws) {
  const std::string key = absl::StrCat(view.schema, ".", view.name);
  if (std::find(dropped->begin(), dropped->end(), key) != dropped->end()) return;
  dropped->push_back(key);
  writer.DeleteView(view, ws);
  for (const ViewDef* dependent : DependentViews(catalog, view.schema, view.name)) {
    DropViewsCascading(catalog, *dependent, writer, dropped, ws);
  }
}

Task<absl::StatusOr<StatementResult>> SqlEngine::CreateView(const ast::CreateViewStmt& stmt, const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "CREATE VIEW";
  ViewDef view;
  auto schema = catalog.CreationSchema(stmt.names, session_.search_path);
  if (!schema.ok()) co_return schema.status();
  view.schema = *std::move(schema);
  view.name = stmt.names.back().substr(0, kMaxIdentifierBytes);
  const ViewDef* existing = catalog.FindView(view.schema, view.name);
  if (existing == nullptr && catalog.RelationExists(view.schema, view.name)) {
    co_return SqlError(sqlstate::kDuplicateTable, absl::StrCat("relation \"", view.name, "\" already exists"));
  }
  if (existing != nullptr && !stmt.or_replace) {
    co_return SqlError(sqlstate::kDuplicateTable, absl::StrCat("relation \"", view.name, "\" already exists"));
  }
  // Planned now: a query that does not plan is refused here, not where it is used.
  std::vector<Type> no_params;
  Planner planner(catalog, access_, session_, &no_params);
  auto plan = planner.PlanQuery(*stmt.query);
  if (!plan.ok()) co_return plan.status();
  auto root = CoerceOutput(std::move(plan->root), nullptr, CastContext::kImplicit);  // unknown → text
  if (!root.ok()) co_return root.status();
  view.types = (*root)->types();
  view.columns = plan->names;
  if (stmt.columns.size() > view.columns.size()) {
    co_return SqlError(sqlstate::kSyntaxError, "CREATE VIEW specifies more column names than columns");
  }
  for (size_t i = 0; i < stmt.columns.size(); ++i) view.columns[i] = stmt.columns[i];
  for (size_t i = 0; i < view.columns.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (view.columns[i] == view.columns[j]) {
        co_return SqlError(sqlstate::kDuplicateColumn, absl::StrCat("column \"", view.columns[i], "\" specified more than once"));
      }
    }
  }
  if (existing != nullptr) {
    // OR REPLACE keeps the old columns, as PostgreSQL requires (new ones may follow).
    if (view.columns.size() < existing->columns.size()) co_return SqlError(sqlstate::kInvalidTableDefinition, "cannot drop columns from view");
    for (size_t i = 0; i < existing->columns.size(); ++i) {
      if (view.columns[i] != existing->columns[i]) {
        co_return SqlError(sqlstate::kInvalidTableDefinition,
                           absl::StrCat("cannot change name of view column \"", existing->columns[i], "\" to \"",
                                        view.columns[i], "\""));
      }
      if (!(view.types[i] == existing->types[i])) {
        co_return SqlError(sqlstate::kInvalidTableDefinition,
                           absl::StrCat("cannot change data type of view column \"", existing->columns[i], "\" from ",
                                        existing->types[i].Name(), " to ", view.types[i].Name()));
      }
    }
  }
  view.sql = stmt.query_text;
  CollectFrom(Resolution{catalog, session_.search_path}, *stmt.query, &view.depends);
  const std::string self = absl::StrCat(view.schema, ".", view.name);
  if (std::find(view.depends.begin(), view.depends.end(), self) != view.depends.end()) {
    co_return SqlError("42P17", absl::StrCat("infinite recursion detected in rules for relation \"", view.name, "\""));
  }
  CatalogWriter writer(catalog);
  view.oid = existing != nullptr ? existing->oid : writer.AssignOid();
  storage::WriteSet ws;
  writer.PutView(view, &ws);
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

Task<absl::StatusOr<StatementResult>> SqlEngine::DropView(const ast::DropStmt& stmt, const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "DROP VIEW";
  CatalogWriter writer(catalog);
  storage::WriteSet ws;
  std::vector<std::string> dropped;
  for (const auto& names : stmt.names) {
    const std::string schema = catalog.LookupSchema(names, session_.search_path);
    const ViewDef* view = catalog.FindView(schema, names.back());
    auto drop = CheckDropTarget(view != nullptr, catalog, session_.search_path, names, "view", sqlstate::kUndefinedTable, stmt.if_exists,
                                &result.notices);
    if (!drop.ok()) co_return drop.status();
    if (!*drop) continue;
    std::vector<const ViewDef*> dependents = DependentViews(catalog, view->schema, view->name);
    if (!dependents.empty() && !stmt.cascade) co_return DependentsError("view", view->name, dependents);
    DropViewsCascading(catalog, *view, writer, &dropped, &ws);
  }
  if (dropped.empty()) co_return result;
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

}  // namespace quanta::sql
