// ALTER TABLE: its actions applied in order to a copy of the table's definition, then
// committed with whatever the table's data needs, in one write set:
//   - nothing (renames, defaults, DROP NOT NULL, a column added without a default:
//     rows written before it read it as NULL);
//   - a check of every row (SET NOT NULL, ADD CHECK) or an index filled (ADD UNIQUE);
//   - a rewrite of every row (a column added with a default, a dropped column, a new
//     type, a primary key added or dropped: the key is the table's B+tree key), with
//     every index rebuilt and every constraint checked.
#include <map>
#include <memory>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "engine/util/coding.h"
#include "sql/common/sql_error.h"
#include "sql/execution/expression.h"
#include "sql/execution/table_scan.h"
#include "sql/parser/parser.h"
#include "sql/session/ddl_internal.h"
#include "sql/session/foreign_keys.h"
#include "sql/session/sql_engine.h"
#include "sql/session/table_writer.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {
namespace {

using Kind = ast::AlterTableCmd::Kind;

Scope ScopeOf(const TableDef& table) {
  Scope scope;
  for (const ColumnDef& c : table.columns) scope.columns.push_back(ScopeColumn{table.name, c.name, c.type, false});
  return scope;
}

absl::StatusOr<BoundExprPtr> BindText(const std::string& sql, const Scope& scope, ExprBinder& binder, const char* what) {
  auto parsed = Parse("SELECT " + sql);
  if (!parsed.ok()) return absl::DataLossError(absl::StrCat("catalog: ", what, " does not parse"));
  return binder.Bind(*(*parsed)[0].select->targets[0].expr, scope, nullptr, what);
}

absl::Status NoColumn(const std::string& name, const TableDef& table) {
  return SqlError(sqlstate::kUndefinedColumn,
                  absl::StrCat("column \"", name, "\" of relation \"", table.name, "\" does not exist"));
}

absl::Status ContainsNulls(const std::string& column, const TableDef& table) {
  return SqlError(sqlstate::kNotNullViolation,
                  absl::StrCat("column \"", column, "\" of relation \"", table.name, "\" contains null values"));
}

}  // namespace

// The state of one ALTER TABLE: the definition so far and how each of its columns is
// computed from a row of the table as stored (`sources`, bound over the old columns).
struct SqlEngine::AlterPlan {
  const TableDef* old = nullptr;
  TableDef table;
  std::vector<BoundExprPtr> sources;  // per new column
  bool rewrite = false;               // every row rewritten
  bool verify = false;                // every row checked (NOT NULL, CHECK)
  std::vector<IndexDef> pending_indexes;     // UNIQUE constraints added (OIDs assigned at the end)
  std::vector<storage::TreeId> dropped_indexes;  // their entries deleted (without a rewrite)
  std::string renamed_from;           // RENAME TO: the old catalog name
  std::vector<const SequenceDef*> dropped_sequences;  // owned by dropped columns
  std::vector<std::string> notices;
  // ADD CONSTRAINT ... FOREIGN KEY: each new key's position in table.foreign_keys and
  // its referenced table (as stored: the rows are checked against it).
  std::vector<std::pair<size_t, const TableDef*>> new_foreign_keys;
};

absl::Status SqlEngine::ApplyAlterCmd(const ast::AlterTableCmd& cmd, const CatalogSnapshot& catalog, AlterPlan* plan) {
  TableDef& t = plan->table;
  ExprBinder binder(session_, nullptr);
  const int column = cmd.name.empty() ? -1 : t.FindColumn(cmd.name);
  const bool needs_column = cmd.kind == Kind::kDropColumn || cmd.kind == Kind::kRenameColumn ||
                            cmd.kind == Kind::kSetDefault || cmd.kind == Kind::kDropDefault ||
                            cmd.kind == Kind::kSetNotNull || cmd.kind == Kind::kDropNotNull || cmd.kind == Kind::kSetType;
  if (needs_column && column < 0) {
    if (cmd.kind == Kind::kDropColumn && cmd.missing_ok) {
      plan->notices.push_back(absl::StrCat("column \"", cmd.name, "\" of relation \"", t.name, "\" does not exist, skipping"));
      return absl::OkStatus();
    }
    return NoColumn(cmd.name, t);
  }
  const size_t c = static_cast<size_t>(column);
  const auto in_primary_key = [&](size_t i) {
    return std::find(t.primary_key.begin(), t.primary_key.end(), static_cast<int>(i)) != t.primary_key.end();
  };
  switch (cmd.kind) {
    case Kind::kNoop:
      // OWNER TO: one role exists, the session's.
      if (!cmd.new_name.empty() && cmd.new_name != session_.user && cmd.new_name != "current_user" &&
          cmd.new_name != "session_user" && cmd.new_name != "current_role") {
        return SqlError(sqlstate::kUndefinedObject, absl::StrCat("role \"", cmd.new_name, "\" does not exist"));
      }
      return absl::OkStatus();
    case Kind::kRenameTable: {
      const std::string name = cmd.new_name.substr(0, kMaxIdentifierBytes);
      if (catalog.RelationExists(t.schema, name)) {
        return SqlError(sqlstate::kDuplicateTable, absl::StrCat("relation \"", name, "\" already exists"));
      }
      plan->renamed_from = t.name;
      t.name = name;
      return absl::OkStatus();
    }
    case Kind::kRenameColumn: {
      const std::string name = cmd.new_name.substr(0, kMaxIdentifierBytes);
      if (t.FindColumn(name) >= 0) {
        return SqlError(sqlstate::kDuplicateColumn,
                        absl::StrCat("column \"", name, "\" of relation \"", t.name, "\" already exists"));
      }
      // CHECK constraints are kept as text naming columns: one naming this column would
      // no longer bind.
      TableDef renamed = t;
      renamed.columns[c].name = name;
      for (const CheckDef& check : t.checks) {
        if (!BindText(check.sql, ScopeOf(renamed), binder, "check constraints").ok()) {
          return SqlError(sqlstate::kFeatureNotSupported,
                          absl::StrCat("cannot rename column \"", cmd.name, "\": check constraint \"", check.name,
                                       "\" uses it (not supported yet)"));
        }
      }
      t.columns[c].name = name;
      return absl::OkStatus();
    }
    case Kind::kSetDefault: {
      absl::Status valid = CheckDefaultExpr(*cmd.expr, t.columns[c].type, session_);
      if (!valid.ok()) return valid;
      t.columns[c].has_default = true;
      t.columns[c].default_sql = cmd.expr_text;
      return absl::OkStatus();
    }
    case Kind::kDropDefault:
      t.columns[c].has_default = false;
      t.columns[c].default_sql.clear();
      return absl::OkStatus();
    case Kind::kSetNotNull:
      if (!t.columns[c].not_null) plan->verify = true;
      t.columns[c].not_null = true;
      return absl::OkStatus();
    case Kind::kDropNotNull:
      if (in_primary_key(c)) {
        return SqlError(sqlstate::kInvalidTableDefinition, absl::StrCat("column \"", cmd.name, "\" is in a primary key"));
      }
      if (t.columns[c].identity != 0) {
        return SqlError(sqlstate::kInvalidTableDefinition,
                        absl::StrCat("column \"", cmd.name, "\" of relation \"", t.name, "\" is an identity column"));
      }
      t.columns[c].not_null = false;
      return absl::OkStatus();
    case Kind::kSetType: {
      auto type = ExprBinder::ResolveType(cmd.type);
      if (!type.ok()) return type.status();
      BoundExprPtr value;
      if (cmd.expr != nullptr) {
        auto bound = binder.Bind(*cmd.expr, ScopeOf(*plan->old), nullptr, "transform expressions");
        if (!bound.ok()) return bound.status();
        value = std::move(*bound);
      } else {
        value = plan->sources[c]->Clone();
        if (!CanCast(value->type, *type, CastContext::kAssignment)) {
          return SqlError(sqlstate::kDatatypeMismatch,
                          absl::StrCat("column \"", cmd.name, "\" cannot be cast automatically to type ", type->Name()));
        }
      }
      auto coerced = ExprBinder::Coerce(std::move(value), *type, CastContext::kAssignment, cmd.position);
      if (!coerced.ok()) return coerced.status();
      plan->sources[c] = std::move(*coerced);
      t.columns[c].type = *type;
      plan->rewrite = true;
      return absl::OkStatus();
    }
    case Kind::kAddColumn: return AddColumn(cmd, catalog, plan);
    case Kind::kDropColumn: {
      // A primary key using the column goes with it (PostgreSQL's too): the rows are
      // re-keyed by hidden row ids. Otherwise key and index positions shift down.
      if (in_primary_key(c)) {
        t.primary_key.clear();
        t.primary_key_name.clear();
      }
      for (int& k : t.primary_key) k -= k > column ? 1 : 0;
      std::vector<IndexDef> kept;
      for (IndexDef& index : t.indexes) {
        if (std::find(index.columns.begin(), index.columns.end(), column) != index.columns.end()) continue;
        for (int& i : index.columns) i -= i > column ? 1 : 0;
        kept.push_back(std::move(index));
      }
      t.indexes = std::move(kept);
      DropColumnFromForeignKeys(&t, column);
      for (const auto& [key, sequence] : catalog.sequences()) {
        if (sequence.owner_table == t.oid && sequence.owner_attnum == t.columns[c].attnum) {
          plan->dropped_sequences.push_back(&sequence);
        }
      }
      t.columns.erase(t.columns.begin() + column);
      plan->sources.erase(plan->sources.begin() + column);
      // Checks naming the column go with it, as in PostgreSQL.
      std::vector<CheckDef> checks;
      for (CheckDef& check : t.checks) {
        if (BindText(check.sql, ScopeOf(t), binder, "check constraints").ok()) checks.push_back(std::move(check));
      }
      t.checks = std::move(checks);
      plan->rewrite = true;
      return absl::OkStatus();
    }
    case Kind::kAddConstraint: return AddConstraint(cmd, catalog, plan);
    case Kind::kDropConstraint: return DropConstraint(cmd, plan);
  }
  QUANTA_UNREACHABLE("ALTER TABLE action");
}

absl::Status SqlEngine::AddColumn(const ast::AlterTableCmd& cmd, const CatalogSnapshot& catalog, AlterPlan* plan) {
  TableDef& t = plan->table;
  const ast::ColumnDef& c = *cmd.column;
  const std::string name = c.name.substr(0, kMaxIdentifierBytes);
  if (t.FindColumn(name) >= 0) {
    if (cmd.missing_ok) {
      plan->notices.push_back(absl::StrCat("column \"", name, "\" of relation \"", t.name, "\" already exists, skipping"));
      return absl::OkStatus();
    }
    return SqlError(sqlstate::kDuplicateColumn, absl::StrCat("column \"", name, "\" of relation \"", t.name, "\" already exists"));
  }
  if (t.columns.size() >= kMaxColumns) {
    return SqlError("54011", absl::StrCat("tables can have at most ", kMaxColumns, " columns"));
  }
  const std::string& tn = c.type.name;
  if (c.identity != 0 || (c.type.array_dims == 0 && tn.find("serial") != std::string::npos)) {
    return SqlError(sqlstate::kFeatureNotSupported, "adding a serial or identity column is not supported yet", c.position);
  }
  if (c.primary_key) {
    return SqlError(sqlstate::kFeatureNotSupported, "ADD COLUMN ... PRIMARY KEY is not supported; add the column, then the key",
                    c.position);
  }
  auto type = ExprBinder::ResolveType(c.type);
  if (!type.ok()) return type.status();
  ColumnDef column;
  column.name = name;
  column.type = *type;
  column.not_null = c.not_null;
  int attnum = 0;
  for (const ColumnDef& existing : t.columns) attnum = std::max(attnum, existing.attnum);
  for (const ColumnDef& existing : plan->old->columns) attnum = std::max(attnum, existing.attnum);
  column.attnum = attnum + 1;
  ExprBinder binder(session_, nullptr);
  BoundExprPtr source = MakeConstant(Value::Null(*type));
  if (c.default_expr != nullptr) {
    absl::Status valid = CheckDefaultExpr(*c.default_expr, *type, session_);
    if (!valid.ok()) return valid;
    column.has_default = true;
    column.default_sql = c.default_text;
    // Existing rows take the default: a constant is evaluated once, here.
    auto bound = TableWriter::BindDefault(column, binder);
    if (!bound.ok()) return bound.status();
    source = std::move(*bound);
    plan->rewrite = plan->rewrite || !(source->IsConstant() && source->constant.is_null());
  }
  if (column.not_null) plan->verify = true;  // NULL in existing rows (no default): 23502
  if (c.check != nullptr) {
    t.checks.push_back(CheckDef{absl::StrCat(t.name, "_", name, "_check"), c.check_text});
    plan->verify = true;
  }
  t.columns.push_back(std::move(column));
  plan->sources.push_back(std::move(source));
  if (c.unique) {
    IndexDef index;
    index.name = ChooseRelationName(catalog, t.schema, t.name, name, "key", {});
    index.columns = {static_cast<int>(t.columns.size()) - 1};
    index.unique = index.constraint = true;
    plan->pending_indexes.push_back(std::move(index));
  }
  return absl::OkStatus();
}

absl::Status SqlEngine::AddConstraint(const ast::AlterTableCmd& cmd, const CatalogSnapshot& catalog, AlterPlan* plan) {
  TableDef& t = plan->table;
  const ast::TableConstraint& tc = *cmd.constraint;
  ExprBinder binder(session_, nullptr);
  if (tc.kind == ast::TableConstraint::Kind::kForeignKey) {
    auto fk = ResolveForeignKey(catalog, session_.search_path, t, tc);
    if (!fk.ok()) return fk.status();
    if (std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(), [&](const ForeignKeyDef& d) { return d.name == fk->name; })) {
      return SqlError("42710", absl::StrCat("constraint \"", fk->name, "\" for relation \"", t.name, "\" already exists"));
    }
    const TableDef* parent = fk->ref_table == t.oid ? plan->old : catalog.FindTableByOid(fk->ref_table);
    QUANTA_ASSERT(parent != nullptr);
    plan->new_foreign_keys.emplace_back(t.foreign_keys.size(), parent);
    t.foreign_keys.push_back(std::move(*fk));
    plan->verify = true;
    return absl::OkStatus();
  }
  if (tc.kind == ast::TableConstraint::Kind::kCheck) {
    auto bound = binder.BindCondition(*tc.check, ScopeOf(t), nullptr, "check constraints");
    if (!bound.ok()) return bound.status();
    std::string name = tc.name.empty() ? absl::StrCat(t.name, "_check") : tc.name;
    for (int n = 1; std::any_of(t.checks.begin(), t.checks.end(), [&](const CheckDef& d) { return d.name == name; }); ++n) {
      if (!tc.name.empty()) {
        return SqlError("42710", absl::StrCat("constraint \"", name, "\" for relation \"", t.name, "\" already exists"));
      }
      name = absl::StrCat(t.name, "_check", n);
    }
    t.checks.push_back(CheckDef{name, tc.check_text});
    plan->verify = true;
    return absl::OkStatus();
  }
  auto columns = ResolveIndexColumns(t, tc.columns, /*constraint=*/true);
  if (!columns.ok()) return columns.status();
  if (tc.kind == ast::TableConstraint::Kind::kPrimaryKey) {
    if (!t.primary_key.empty()) {
      return SqlError(sqlstate::kInvalidTableDefinition,
                      absl::StrCat("multiple primary keys for table \"", t.name, "\" are not allowed"));
    }
    t.primary_key = *columns;
    t.primary_key_name = tc.name.empty() ? absl::StrCat(t.name, "_pkey") : tc.name;
    if (catalog.RelationExists(t.schema, t.primary_key_name)) {
      return SqlError(sqlstate::kDuplicateTable, absl::StrCat("relation \"", t.primary_key_name, "\" already exists"));
    }
    for (int k : t.primary_key) t.columns[static_cast<size_t>(k)].not_null = true;
    plan->rewrite = true;  // the rows' keys change
    return absl::OkStatus();
  }
  IndexDef index;
  std::vector<std::string> names;
  for (int k : *columns) names.push_back(t.columns[static_cast<size_t>(k)].name);
  index.name = tc.name.empty() ? ChooseRelationName(catalog, t.schema, t.name, absl::StrJoin(names, "_"), "key", {})
                               : tc.name.substr(0, kMaxIdentifierBytes);
  if (catalog.RelationExists(t.schema, index.name)) {
    return SqlError(sqlstate::kDuplicateTable, absl::StrCat("relation \"", index.name, "\" already exists"));
  }
  index.columns = std::move(*columns);
  index.unique = index.constraint = true;
  plan->pending_indexes.push_back(std::move(index));
  return absl::OkStatus();
}

absl::Status SqlEngine::DropConstraint(const ast::AlterTableCmd& cmd, AlterPlan* plan) {
  TableDef& t = plan->table;
  for (auto it = t.checks.begin(); it != t.checks.end(); ++it) {
    if (it->name != cmd.name) continue;
    t.checks.erase(it);
    return absl::OkStatus();
  }
  for (auto it = t.foreign_keys.begin(); it != t.foreign_keys.end(); ++it) {
    if (it->name != cmd.name) continue;
    t.foreign_keys.erase(it);
    return absl::OkStatus();
  }
  for (auto it = t.indexes.begin(); it != t.indexes.end(); ++it) {
    if (!it->constraint || it->name != cmd.name) continue;
    plan->dropped_indexes.push_back(it->tree);
    t.indexes.erase(it);
    return absl::OkStatus();
  }
  if (!t.primary_key.empty() && t.primary_key_name == cmd.name) {
    t.primary_key.clear();
    t.primary_key_name.clear();
    plan->rewrite = true;  // re-keyed by hidden row ids
    return absl::OkStatus();
  }
  if (cmd.missing_ok) {
    plan->notices.push_back(
        absl::StrCat("constraint \"", cmd.name, "\" of relation \"", t.name, "\" does not exist, skipping"));
    return absl::OkStatus();
  }
  return SqlError(sqlstate::kUndefinedObject,
                  absl::StrCat("constraint \"", cmd.name, "\" of relation \"", t.name, "\" does not exist"));
}

Task<absl::Status> SqlEngine::RewriteRows(AlterPlan& plan, storage::WriteSet* ws) {
  const TableDef& old = *plan.old;
  const TableDef& t = plan.table;
  ExprBinder binder(session_, nullptr);
  std::vector<BoundExprPtr> checks;
  for (const CheckDef& check : t.checks) {
    auto bound = BindText(check.sql, ScopeOf(t), binder, "check constraints");
    if (!bound.ok()) co_return bound.status();
    checks.push_back(std::move(*bound));
  }
  // Hidden row ids for a table without a key: kept if it had none, fresh if it loses one.
  uint64_t next_row_id = 1;
  if (t.primary_key.empty() && !old.primary_key.empty()) {
    auto counter = co_await access_.Get(kCatalogTree, RowIdKey(t.oid));
    if (!counter.ok()) co_return counter.status();
    if (counter->has_value() && (*counter)->size() == 8) next_row_id = GetU64((*counter)->data());
  }
  if (plan.rewrite) {
    absl::Status cleared = co_await DeleteTreeRows(t.tree, absl::StrCat("table \"", t.name, "\""), ws);
    for (const IndexDef& index : old.indexes) {
      if (!cleared.ok()) break;
      cleared = co_await DeleteTreeRows(index.tree, absl::StrCat("index \"", index.name, "\""), ws);
    }
    if (!cleared.ok()) co_return cleared;
  }
  // Lookups in the tables new foreign keys reference (read-only writers).
  std::map<size_t, std::unique_ptr<TableWriter>> lookups;
  for (const auto& [position, parent] : plan.new_foreign_keys) lookups[position] = std::make_unique<TableWriter>(*parent, access_);
  TableScanOperator scan(access_, old, /*with_keys=*/true);
  const std::vector<Value> no_params;
  ExecContext ctx = NewContext(no_params);
  absl::btree_set<std::string> keys;
  std::vector<absl::btree_set<std::string>> unique_prefixes(t.indexes.size());
  while (true) {
    DataChunk chunk;
    auto more = co_await scan.Next(ctx, &chunk);
    if (!more.ok()) co_return more.status();
    const Rows rows = Rows::Of(chunk);
    std::vector<Vector> scratch(plan.sources.size());
    std::vector<const Vector*> values;
    for (size_t i = 0; i < plan.sources.size(); ++i) {
      auto v = Evaluate(*plan.sources[i], chunk, rows, ctx.eval, &scratch[i]);
      if (!v.ok()) co_return v.status();
      values.push_back(*v);
    }
    for (size_t r = 0; r < chunk.count(); ++r) {
      std::vector<Value> row;
      for (size_t i = 0; i < values.size(); ++i) {
        Value v = values[i]->Get(r);
        v.set_type(t.columns[i].type);
        row.push_back(std::move(v));
      }
      for (size_t i = 0; i < row.size(); ++i) {
        if (row[i].is_null() && t.columns[i].not_null) co_return ContainsNulls(t.columns[i].name, t);
      }
      for (size_t i = 0; i < checks.size(); ++i) {
        const DataChunk one = RowChunk(row);
        Vector out;
        auto ok = Evaluate(*checks[i], one, Rows::Of(one), ctx.eval, &out);
        if (!ok.ok()) co_return ok.status();
        if (!(*ok)->IsNull(0) && (*ok)->Int(0) == 0) {
          co_return SqlError(sqlstate::kCheckViolation, absl::StrCat("check constraint \"", t.checks[i].name,
                                                                     "\" of relation \"", t.name, "\" is violated by some row"));
        }
      }
      for (const auto& [position, parent] : plan.new_foreign_keys) {
        const ForeignKeyDef& fk = t.foreign_keys[position];
        std::vector<Value> values;
        for (int c : fk.columns) values.push_back(row[static_cast<size_t>(c)]);
        if (std::any_of(values.begin(), values.end(), [](const Value& v) { return v.is_null(); })) continue;
        auto present = co_await lookups[position]->HasRowWith(fk.ref_columns, values);
        if (!present.ok()) co_return present.status();
        if (!*present) co_return MissingReference(t, fk, values, *parent);
      }
      if (!plan.rewrite) continue;  // checked only
      std::string key = chunk.columns[old.columns.size()].Str(r);
      if (!t.primary_key.empty()) {
        key.clear();
        for (int k : t.primary_key) AppendKeyValue(row[static_cast<size_t>(k)], &key);
        if (!keys.insert(key).second) co_return IndexBuildDuplicate(t, t.primary_key_name, t.primary_key, row);
      } else if (!old.primary_key.empty()) {
        key = RowIdKeyBytes(next_row_id++);
      }
      for (size_t i = 0; i < t.indexes.size(); ++i) {
        const IndexDef& index = t.indexes[i];
        bool has_null = false;
        const std::string prefix = IndexKeyPrefix(index.columns, row, &has_null);
        if (index.unique && !has_null && !unique_prefixes[i].insert(prefix).second) {
          co_return IndexBuildDuplicate(t, index.name, index.columns, row);
        }
        ws->Put(index.tree, prefix + key, key);
      }
      ws->Put(t.tree, key, EncodeRowValues(row));
      if (ws->ops.size() >= storage::kMaxWriteSetOps - 16) {
        co_return SqlError(sqlstate::kProgramLimitExceeded,
                           absl::StrCat("table \"", t.name, "\" has too many rows to rewrite in one write set"));
      }
    }
    if (!*more) break;
  }
  if (plan.rewrite && t.primary_key.empty() && !old.primary_key.empty()) {
    std::string counter;
    AppendU64(&counter, next_row_id);
    ws->Put(kCatalogTree, RowIdKey(t.oid), std::move(counter));
  }
  co_return absl::OkStatus();
}

Task<absl::StatusOr<StatementResult>> SqlEngine::AlterTable(const ast::AlterTableStmt& stmt, const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "ALTER TABLE";
  const std::string schema = catalog.LookupSchema(stmt.names, session_.search_path);
  const TableDef* old = catalog.FindTable(schema, stmt.names.back());
  if (old == nullptr) {
    if (catalog.RelationExists(schema, stmt.names.back())) {
      co_return SqlError(sqlstate::kWrongObjectType, absl::StrCat("\"", stmt.names.back(), "\" is not a table"));
    }
    if (stmt.if_exists) {
      result.notices.push_back(absl::StrCat("relation \"", stmt.names.back(), "\" does not exist, skipping"));
      co_return result;
    }
    co_return SqlError(sqlstate::kUndefinedTable, absl::StrCat("relation \"", stmt.names.back(), "\" does not exist"));
  }
  AlterPlan plan;
  plan.old = old;
  plan.table = *old;
  for (size_t i = 0; i < old->columns.size(); ++i) plan.sources.push_back(MakeColumn(static_cast<int>(i), old->columns[i].type));
  for (const ast::AlterTableCmd& cmd : stmt.cmds) {
    absl::Status applied = ApplyAlterCmd(cmd, catalog, &plan);
    if (!applied.ok()) co_return applied;
  }
  QUANTA_ASSERT(plan.sources.size() == plan.table.columns.size());
  absl::Status keys = CheckForeignKeysKept(catalog, *old, plan.table);
  if (!keys.ok()) co_return keys;
  CatalogWriter writer(catalog);
  for (IndexDef& index : plan.pending_indexes) {
    index.oid = writer.AssignOid();
    index.tree = kFirstTableTree + index.oid;
    plan.table.indexes.push_back(std::move(index));
  }
  storage::WriteSet ws;
  if (plan.rewrite || plan.verify) {
    absl::Status rewritten = co_await RewriteRows(plan, &ws);
    if (!rewritten.ok()) co_return rewritten;
  }
  if (!plan.rewrite) {
    const size_t first_new = plan.table.indexes.size() - plan.pending_indexes.size();
    for (size_t i = first_new; i < plan.table.indexes.size(); ++i) {
      absl::Status filled = co_await FillIndex(plan.table, plan.table.indexes[i], &ws);
      if (!filled.ok()) co_return filled;
    }
    for (storage::TreeId tree : plan.dropped_indexes) {
      absl::Status deleted = co_await DeleteTreeRows(tree, "an index", &ws);
      if (!deleted.ok()) co_return deleted;
    }
  }
  if (!plan.renamed_from.empty()) {
    QUANTA_ASSERT(!plan.rewrite);  // RENAME is an ALTER TABLE's only action
    writer.DeleteTable(*old, &ws);
    // DeleteTable also drops the row-id counter: the renamed table keeps it.
    auto counter = co_await access_.Get(kCatalogTree, RowIdKey(old->oid));
    if (!counter.ok()) co_return counter.status();
    if (counter->has_value()) ws.Put(kCatalogTree, RowIdKey(old->oid), **counter);
  }
  for (const SequenceDef* sequence : plan.dropped_sequences) writer.DeleteSequence(*sequence, &ws);
  writer.PutTable(plan.table, &ws);
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  result.notices = std::move(plan.notices);
  co_return result;
}

}  // namespace quanta::sql
