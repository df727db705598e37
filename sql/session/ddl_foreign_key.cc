// FOREIGN KEY constraints in DDL: resolving REFERENCES clauses when a table is
// created, and what DROP TABLE and TRUNCATE must refuse or cascade.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/session/ddl_internal.h"

namespace quanta::sql {
namespace {

absl::StatusOr<std::vector<int>> ForeignKeyColumns(const TableDef& table, const std::vector<std::string>& names,
                                                   int position) {
  std::vector<int> out;
  for (const std::string& name : names) {
    const int c = table.FindColumn(name);
    if (c < 0) {
      return SqlError(sqlstate::kUndefinedColumn,
                      absl::StrCat("column \"", name, "\" referenced in foreign key constraint does not exist"), position);
    }
    out.push_back(c);
  }
  return out;
}

bool SameSet(const std::vector<int>& a, const std::vector<int>& b) {
  return a.size() == b.size() && std::is_permutation(a.begin(), a.end(), b.begin());
}

bool Unique(const TableDef& parent, const std::vector<int>& columns) {
  if (SameSet(parent.primary_key, columns)) return true;
  return std::any_of(parent.indexes.begin(), parent.indexes.end(),
                     [&](const IndexDef& index) { return index.unique && SameSet(index.columns, columns); });
}

// Values of `a` can be looked up among values of `b` by key encoding.
bool Comparable(const Type& a, const Type& b) {
  if (a.SameBase(b)) return true;
  if (a.is_integer() && b.is_integer()) return true;
  return a.is_string() && b.is_string() && a.id != TypeId::kBpchar && b.id != TypeId::kBpchar;
}

}  // namespace

absl::StatusOr<ForeignKeyDef> ResolveForeignKey(const CatalogSnapshot& catalog, const SearchPath& path,
                                                const TableDef& table, const ast::TableConstraint& c) {
  QUANTA_ASSERT(c.kind == ast::TableConstraint::Kind::kForeignKey);
  const ast::ForeignKeyClause& ref = c.references;
  const std::string schema = catalog.LookupSchema(ref.table, path);
  const bool self = schema == table.schema && ref.table.back() == table.name;
  const TableDef* parent = self ? &table : catalog.FindTable(schema, ref.table.back());
  if (parent == nullptr) {
    return SqlError(sqlstate::kUndefinedTable, absl::StrCat("relation \"", ref.table.back(), "\" does not exist"), c.position);
  }
  ForeignKeyDef fk;
  fk.ref_table = parent->oid;
  auto columns = ForeignKeyColumns(table, c.columns, c.position);
  if (!columns.ok()) return columns.status();
  fk.columns = std::move(*columns);
  if (ref.ref_columns.empty()) {
    if (parent->primary_key.empty()) {
      return SqlError(sqlstate::kInvalidForeignKey, absl::StrCat("there is no primary key for referenced table \"", parent->name, "\""),
                      c.position);
    }
    fk.ref_columns = parent->primary_key;
  } else {
    auto referenced = ForeignKeyColumns(*parent, ref.ref_columns, c.position);
    if (!referenced.ok()) return referenced.status();
    fk.ref_columns = std::move(*referenced);
  }
  if (fk.columns.size() != fk.ref_columns.size()) {
    return SqlError(sqlstate::kInvalidForeignKey, "number of referencing and referenced columns for foreign key disagree",
                    c.position);
  }
  if (!Unique(*parent, fk.ref_columns)) {
    return SqlError(sqlstate::kInvalidForeignKey,
                    absl::StrCat("there is no unique constraint matching given keys for referenced table \"", parent->name, "\""),
                    c.position);
  }
  std::vector<std::string> names;
  for (int col : fk.columns) names.push_back(table.columns[static_cast<size_t>(col)].name);
  fk.name = c.name.empty() ? absl::StrCat(table.name, "_", absl::StrJoin(names, "_"), "_fkey") : c.name;
  if (fk.name.size() > kMaxIdentifierBytes) fk.name.resize(kMaxIdentifierBytes);
  for (size_t i = 0; i < fk.columns.size(); ++i) {
    const ColumnDef& mine = table.columns[static_cast<size_t>(fk.columns[i])];
    const ColumnDef& theirs = parent->columns[static_cast<size_t>(fk.ref_columns[i])];
    if (!Comparable(mine.type, theirs.type)) {
      return SqlError(sqlstate::kDatatypeMismatch, absl::StrCat("foreign key constraint \"", fk.name, "\" cannot be implemented"),
                      c.position,
                      absl::StrCat("Key columns \"", mine.name, "\" and \"", theirs.name, "\" are of incompatible types: ",
                                   mine.type.Name(), " and ", theirs.type.Name(), "."));
    }
  }
  if (ref.on_delete == 'd' || ref.on_update == 'd') {
    return SqlError(sqlstate::kFeatureNotSupported, "ON DELETE / ON UPDATE SET DEFAULT is not supported yet", c.position);
  }
  fk.on_delete = ref.on_delete;
  fk.on_update = ref.on_update;
  return fk;
}

std::vector<std::pair<const TableDef*, const ForeignKeyDef*>> ReferencingKeys(const CatalogSnapshot& catalog,
                                                                               const TableDef& table) {
  std::vector<std::pair<const TableDef*, const ForeignKeyDef*>> out;
  for (const auto& [name, other] : catalog.tables()) {
    if (other.oid == table.oid) continue;  // a self-reference goes with the table
    for (const ForeignKeyDef& fk : other.foreign_keys) {
      if (fk.ref_table == table.oid) out.emplace_back(&other, &fk);
    }
  }
  return out;
}

absl::Status DropReferencingKeys(const CatalogSnapshot& catalog, const std::vector<const TableDef*>& dropped, bool cascade,
                                 const CatalogWriter& writer, std::vector<std::string>* notices, storage::WriteSet* ws) {
  const auto is_dropped = [&](const TableDef* t) { return std::find(dropped.begin(), dropped.end(), t) != dropped.end(); };
  std::map<uint32_t, TableDef> rewritten;  // referencing table oid → its definition without the keys
  for (const TableDef* table : dropped) {
    for (const auto& [child, fk] : ReferencingKeys(catalog, *table)) {
      if (is_dropped(child)) continue;  // goes with its own table
      if (!cascade) {
        return SqlError("2BP01", absl::StrCat("cannot drop table ", table->name, " because other objects depend on it"), 0,
                        absl::StrCat("constraint ", fk->name, " on table ", child->name, " depends on table ", table->name));
      }
      notices->push_back(absl::StrCat("drop cascades to constraint ", fk->name, " on table ", child->name));
      auto [it, inserted] = rewritten.emplace(child->oid, *child);
      std::vector<ForeignKeyDef>& keys = it->second.foreign_keys;
      const std::string& name = fk->name;  // (a structured binding cannot be captured before C++20's clang 16)
      keys.erase(std::remove_if(keys.begin(), keys.end(), [&](const ForeignKeyDef& k) { return k.name == name; }),
                 keys.end());
    }
  }
  for (const auto& [oid, table] : rewritten) writer.PutTable(table, ws);
  return absl::OkStatus();
}

void DropColumnFromForeignKeys(TableDef* table, int column) {
  const auto uses = [&](const ForeignKeyDef& fk) {
    const bool self = fk.ref_table == table->oid;
    return std::find(fk.columns.begin(), fk.columns.end(), column) != fk.columns.end() ||
           (self && std::find(fk.ref_columns.begin(), fk.ref_columns.end(), column) != fk.ref_columns.end());
  };
  std::vector<ForeignKeyDef> kept;
  for (ForeignKeyDef& fk : table->foreign_keys) {
    if (uses(fk)) continue;  // the key goes with its column, as in PostgreSQL
    for (int& c : fk.columns) c -= c > column ? 1 : 0;
    if (fk.ref_table == table->oid) {
      for (int& c : fk.ref_columns) c -= c > column ? 1 : 0;
    }
    kept.push_back(std::move(fk));
  }
  table->foreign_keys = std::move(kept);
}

absl::Status CheckForeignKeysKept(const CatalogSnapshot& catalog, const TableDef& old, const TableDef& now) {
  QUANTA_ASSERT(old.oid == now.oid);
  const auto broken = [&](const ForeignKeyDef& fk, const TableDef& child) {
    return SqlError("2BP01", absl::StrCat("cannot alter table \"", now.name, "\" because constraint ", fk.name, " on table ",
                                          child.name, " depends on its key columns"));
  };
  for (const auto& [child, fk] : ReferencingKeys(catalog, old)) {
    for (size_t i = 0; i < fk->ref_columns.size(); ++i) {
      const auto c = static_cast<size_t>(fk->ref_columns[i]);
      if (c >= now.columns.size() || now.columns[c].attnum != old.columns[c].attnum) return broken(*fk, *child);
      const Type& mine = child->columns[static_cast<size_t>(fk->columns[i])].type;
      if (!Comparable(mine, now.columns[c].type)) return broken(*fk, *child);
    }
    if (!Unique(now, fk->ref_columns)) return broken(*fk, *child);
  }
  for (const ForeignKeyDef& fk : now.foreign_keys) {
    const TableDef* parent = fk.ref_table == now.oid ? &now : catalog.FindTableByOid(fk.ref_table);
    QUANTA_ASSERT(parent != nullptr);
    if (!Unique(*parent, fk.ref_columns)) return broken(fk, now);
    for (size_t i = 0; i < fk.columns.size(); ++i) {
      const ColumnDef& mine = now.columns[static_cast<size_t>(fk.columns[i])];
      const ColumnDef& theirs = parent->columns[static_cast<size_t>(fk.ref_columns[i])];
      if (!Comparable(mine.type, theirs.type)) {
        return SqlError(sqlstate::kDatatypeMismatch, absl::StrCat("foreign key constraint \"", fk.name, "\" cannot be implemented"),
                        0, absl::StrCat("Key columns \"", mine.name, "\" and \"", theirs.name, "\" are of incompatible types: ",
                                        mine.type.Name(), " and ", theirs.type.Name(), "."));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTruncatable(const CatalogSnapshot& catalog, const std::vector<const TableDef*>& truncated) {
  for (const TableDef* table : truncated) {
    for (const auto& [child, fk] : ReferencingKeys(catalog, *table)) {
      if (std::find(truncated.begin(), truncated.end(), child) != truncated.end()) continue;
      return SqlError(sqlstate::kFeatureNotSupported, "cannot truncate a table referenced in a foreign key constraint", 0,
                      absl::StrCat("Table \"", child->name, "\" references \"", table->name, "\"."));
    }
  }
  return absl::OkStatus();
}

}  // namespace quanta::sql
