#include "sql/session/foreign_keys.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "engine/env/planted.h"
#include "engine/env/status.h"
#include "sql/common/sql_error.h"
#include "sql/storage/row_codec.h"
#include "sql/types/cast.h"

namespace quanta::sql {
namespace {

constexpr size_t kScanBatch = 256;

// A referenced key no row holds any more.
struct Gone {
  std::vector<Value> values;
  bool deleted = false;            // by a delete (else an update replaced it)
  std::vector<Value> replacement;  // an update's: the referenced columns' new values
};

std::vector<Value> Pick(const std::vector<Value>& row, const std::vector<int>& columns) {
  std::vector<Value> out;
  for (int c : columns) out.push_back(row[static_cast<size_t>(c)]);
  return out;
}

bool AnyNull(const std::vector<Value>& values) {
  return std::any_of(values.begin(), values.end(), [](const Value& v) { return v.is_null(); });
}

std::string EncodeValues(const std::vector<Value>& values) {
  std::string key;
  for (const Value& v : values) AppendKeyValue(v, &key);
  return key;
}

// "Key (a, b)=(1, x)": PostgreSQL's DETAIL for key values.
std::string KeyText(const TableDef& table, const std::vector<int>& columns, const std::vector<Value>& values) {
  std::vector<std::string> names, texts;
  for (int c : columns) names.push_back(table.columns[static_cast<size_t>(c)].name);
  for (const Value& v : values) texts.push_back(v.is_null() ? "null" : FormatValue(v));
  return absl::StrCat("Key (", absl::StrJoin(names, ", "), ")=(", absl::StrJoin(texts, ", "), ")");
}

absl::Status StillReferenced(const TableDef& parent, const TableDef& child, const ForeignKeyDef& fk,
                             const std::vector<Value>& values) {
  return SqlError(sqlstate::kForeignKeyViolation,
                  absl::StrCat("update or delete on table \"", parent.name, "\" violates foreign key constraint \"",
                               fk.name, "\" on table \"", child.name, "\""),
                  0, absl::StrCat(KeyText(parent, fk.ref_columns, values), " is still referenced from table \"", child.name, "\"."));
}

// The committed rows of `table` the statement has not written, in key order, a batch
// at a time: `f(key, row)` for each (f must not suspend).
template <class F>
Task<absl::Status> ForEachStoredRow(DataAccess& access, const TableDef& table, const TableWriter& writer, F f) {
  storage::ScanRange range;
  range.limit = kScanBatch;
  std::vector<Vector> columns;
  for (const ColumnDef& c : table.columns) columns.emplace_back(c.type, 1);
  while (true) {
    auto rows = co_await access.Scan(table.tree, range);
    if (!rows.ok()) co_return rows.status();
    for (const storage::KeyValue& kv : *rows) {
      if (writer.Touched(kv.key)) continue;  // its new version (if any) is among added()
      CO_RETURN_IF_ERROR(DecodeRow(kv.value, &columns, 0));
      std::vector<Value> row;
      for (const Vector& v : columns) row.push_back(v.Get(0));
      f(kv.key, std::move(row));
    }
    if (rows->size() < range.limit) co_return absl::OkStatus();
    range.start = rows->back().key + std::string(1, '\0');
  }
}

}  // namespace

absl::Status MissingReference(const TableDef& child, const ForeignKeyDef& fk, const std::vector<Value>& values,
                              const TableDef& parent) {
  return SqlError(sqlstate::kForeignKeyViolation,
                  absl::StrCat("insert or update on table \"", child.name, "\" violates foreign key constraint \"", fk.name, "\""),
                  0, absl::StrCat(KeyText(child, fk.columns, values), " is not present in table \"", parent.name, "\"."));
}

ForeignKeys::ForeignKeys(const CatalogSnapshot& catalog, DataAccess& access, TableWriter& primary, const TableDef& table)
    : catalog_(catalog), access_(access), primary_(primary), table_(table) {}

bool ForeignKeys::Relevant() const {
  for (const auto& [name, t] : catalog_.tables()) {
    if (!t.foreign_keys.empty()) return true;
  }
  return false;
}

Task<absl::StatusOr<TableWriter*>> ForeignKeys::WriterFor(const TableDef& table, ExprBinder& binder) {
  if (table.oid == table_.oid) co_return &primary_;
  auto it = writers_.find(table.oid);
  if (it != writers_.end()) co_return it->second.get();
  auto writer = std::make_unique<TableWriter>(table, access_);
  absl::Status prepared = co_await writer->Prepare(binder);
  if (!prepared.ok()) co_return prepared;
  TableWriter* raw = writer.get();
  writers_.emplace(table.oid, std::move(writer));
  co_return raw;
}

Task<absl::Status> ForeignKeys::ApplyRemovals(const TableDef& parent, const TableDef& child, const ForeignKeyDef& fk,
                                              const std::vector<TableWriter::RowChange>& removed, ExprBinder& binder) {
  auto parent_writer = co_await WriterFor(parent, binder);
  if (!parent_writer.ok()) co_return parent_writer.status();
  // The referenced values no row holds any more: removed by a delete, or replaced by an
  // update (with the values it put in their place, for ON UPDATE CASCADE).
  absl::btree_map<std::string, Gone> gone;
  for (const TableWriter::RowChange& change : removed) {
    std::vector<Value> values = Pick(change.row, fk.ref_columns);
    if (AnyNull(values)) continue;
    auto present = co_await (*parent_writer)->HasRowWith(fk.ref_columns, values);
    if (!present.ok()) co_return present.status();
    if (*present) continue;  // an update kept the values, or another row holds them
    QUANTA_ASSERT(change.deleted != change.replaced_by.has_value());
    std::vector<Value> replacement;
    if (change.replaced_by) {
      QUANTA_ASSERT(*change.replaced_by < (*parent_writer)->added().size());
      replacement = Pick((*parent_writer)->added()[*change.replaced_by].row, fk.ref_columns);
    }
    std::string key = EncodeValues(values);
    gone.emplace(std::move(key), Gone{std::move(values), change.deleted, std::move(replacement)});
  }
  if (gone.empty()) co_return absl::OkStatus();
  auto child_writer = co_await WriterFor(child, binder);
  if (!child_writer.ok()) co_return child_writer.status();
  TableWriter& writer = **child_writer;
  // Matches first, actions after: the scan must not see its own cascades.
  std::vector<std::pair<std::string, std::vector<Value>>> matches;
  absl::Status scanned = co_await ForEachStoredRow(access_, child, writer,
                                                   [&](const std::string& key, std::vector<Value> row) {
    const std::vector<Value> values = Pick(row, fk.columns);
    if (!AnyNull(values) && gone.contains(EncodeValues(values))) matches.emplace_back(key, std::move(row));
  });
  if (!scanned.ok()) co_return scanned;
  for (auto& [key, row] : matches) {
    const Gone& g = gone.at(EncodeValues(Pick(row, fk.columns)));
    const char action = g.deleted ? fk.on_delete : fk.on_update;
    if (action == 'a' || action == 'r') co_return StillReferenced(parent, child, fk, g.values);
    if (writer.Touched(key)) continue;  // an earlier cascade already changed it
    if (action == 'c' && g.deleted) {
      if (!PlantedActive(PlantedBug::kSqlForeignKeyCascadeSkipped)) writer.Delete(key, row);
      continue;
    }
    QUANTA_ASSERT(action == 'n' || action == 'c');
    std::vector<Value> changed = row;
    for (size_t i = 0; i < fk.columns.size(); ++i) {
      const size_t c = static_cast<size_t>(fk.columns[i]);
      const Type& type = child.columns[c].type;
      if (action == 'n') {
        changed[c] = Value::Null(type);
        continue;
      }
      // ON UPDATE CASCADE: the referenced row's new values, in the referencing column's type.
      QUANTA_ASSERT(g.replacement.size() == fk.columns.size());
      auto cast = CastValue(g.replacement[i], type, CastContext::kAssignment);
      if (!cast.ok()) co_return cast.status();
      changed[c] = std::move(*cast);
    }
    absl::Status updated = co_await writer.Update(key, row, std::move(changed));
    if (!updated.ok()) co_return updated;
  }
  co_return absl::OkStatus();
}

Task<absl::Status> ForeignKeys::CheckAdded(const TableDef& child, const TableWriter::RowChange& change, ExprBinder& binder) {
  for (const ForeignKeyDef& fk : child.foreign_keys) {
    const std::vector<Value> values = Pick(change.row, fk.columns);
    if (AnyNull(values)) continue;  // MATCH SIMPLE
    const TableDef* parent = catalog_.FindTableByOid(fk.ref_table);
    QUANTA_ASSERT(parent != nullptr);  // DROP TABLE refuses to leave a key dangling
    auto writer = co_await WriterFor(*parent, binder);
    if (!writer.ok()) co_return writer.status();
    auto present = co_await (*writer)->HasRowWith(fk.ref_columns, values);
    if (!present.ok()) co_return present.status();
    if (*present) continue;
    co_return MissingReference(child, fk, values, *parent);
  }
  co_return absl::OkStatus();
}

Task<absl::Status> ForeignKeys::Enforce(ExprBinder& binder) {
  // Removals, round by round until the cascades stop.
  for (bool progress = true; progress;) {
    progress = false;
    std::vector<const TableDef*> touched = {&table_};
    for (const auto& [oid, writer] : writers_) {
      const TableDef* t = catalog_.FindTableByOid(oid);
      QUANTA_ASSERT(t != nullptr);
      touched.push_back(t);
    }
    for (const TableDef* parent : touched) {
      auto writer = co_await WriterFor(*parent, binder);
      if (!writer.ok()) co_return writer.status();
      const std::vector<TableWriter::RowChange>& removed = (*writer)->removed();
      size_t& done = removals_done_[parent->oid];
      if (done == removed.size()) continue;
      const std::vector<TableWriter::RowChange> batch(removed.begin() + static_cast<std::ptrdiff_t>(done), removed.end());
      done = removed.size();
      progress = true;
      for (const auto& [name, child] : catalog_.tables()) {
        for (const ForeignKeyDef& fk : child.foreign_keys) {
          if (fk.ref_table != parent->oid) continue;
          absl::Status applied = co_await ApplyRemovals(*parent, child, fk, batch, binder);
          if (!applied.ok()) co_return applied;
        }
      }
    }
  }
  // Additions: every new row's references exist.
  std::vector<std::pair<const TableDef*, TableWriter*>> all = {{&table_, &primary_}};
  for (const auto& [oid, writer] : writers_) all.emplace_back(catalog_.FindTableByOid(oid), writer.get());
  for (const auto& [table, writer] : all) {
    if (table->foreign_keys.empty()) continue;
    for (const TableWriter::RowChange& change : writer->added()) {
      absl::Status checked = co_await CheckAdded(*table, change, binder);
      if (!checked.ok()) co_return checked;
    }
  }
  co_return absl::OkStatus();
}

storage::WriteSet ForeignKeys::Finish() {
  storage::WriteSet all = primary_.Finish();
  for (auto& [oid, writer] : writers_) {
    if (writer->rows() == 0) continue;  // a lookup writer: nothing written
    storage::WriteSet more = writer->Finish();
    for (storage::WriteOp& op : more.ops) all.ops.push_back(std::move(op));
  }
  return all;
}

}  // namespace quanta::sql
