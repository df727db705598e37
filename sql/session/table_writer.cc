#include "sql/session/table_writer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "engine/env/planted.h"
#include "engine/util/coding.h"
#include "sql/common/sql_error.h"
#include "sql/execution/expression.h"
#include "sql/parser/parser.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {
namespace {

Scope TableScope(const TableDef& table) {
  Scope scope;
  for (const ColumnDef& c : table.columns) scope.columns.push_back(ScopeColumn{table.name, c.name, c.type, false});
  return scope;
}

// Parses `text` as a lone expression ("SELECT <text>").
absl::StatusOr<std::vector<ast::Statement>> ParseExpression(const std::string& text) {
  return Parse("SELECT " + text);
}

}  // namespace

std::string DescribeRow(const std::vector<Value>& row) {
  std::vector<std::string> parts;
  for (const Value& v : row) parts.push_back(v.is_null() ? "null" : FormatValue(v));
  return absl::StrCat("(", absl::StrJoin(parts, ", "), ")");
}

absl::StatusOr<BoundExprPtr> TableWriter::BindDefault(const ColumnDef& c, ExprBinder& binder) {
  if (!c.has_default) return MakeConstant(Value::Null(c.type));
  auto parsed = ParseExpression(c.default_sql);
  if (!parsed.ok()) return absl::DataLossError(absl::StrCat("catalog: DEFAULT of column ", c.name, " does not parse"));
  Scope none;
  auto bound = binder.Bind(*(*parsed)[0].select->targets[0].expr, none, nullptr, "DEFAULT expressions");
  if (!bound.ok()) return bound.status();
  return ExprBinder::Coerce(std::move(*bound), c.type, CastContext::kAssignment, 0);
}

Task<absl::Status> TableWriter::Prepare(ExprBinder& binder) {
  const Scope scope = TableScope(table_);
  for (const CheckDef& check : table_.checks) {
    auto parsed = ParseExpression(check.sql);
    if (!parsed.ok()) co_return absl::DataLossError(absl::StrCat("catalog: check constraint ", check.name, " does not parse"));
    auto bound = binder.BindCondition(*(*parsed)[0].select->targets[0].expr, scope, nullptr, "check constraints");
    if (!bound.ok()) co_return bound.status();
    checks_.push_back(std::move(*bound));
  }
  if (table_.primary_key.empty()) {
    auto counter = co_await access_.Get(kCatalogTree, RowIdKey(table_.oid));
    if (!counter.ok()) co_return counter.status();
    if (counter->has_value()) {
      if ((*counter)->size() != 8) co_return absl::DataLossError("catalog: malformed row id counter");
      next_row_id_ = GetU64((*counter)->data());
    }
  }
  co_return absl::OkStatus();
}

absl::Status TableWriter::Check(const std::vector<Value>& row) const {
  QUANTA_ASSERT(row.size() == table_.columns.size());
  for (size_t i = 0; i < row.size(); ++i) {
    const ColumnDef& c = table_.columns[i];
    bool in_key = false;
    for (int k : table_.primary_key) in_key = in_key || static_cast<size_t>(k) == i;
    if (row[i].is_null() && (c.not_null || in_key)) {
      return SqlError(sqlstate::kNotNullViolation,
                      absl::StrCat("null value in column \"", c.name, "\" of relation \"", table_.name,
                                   "\" violates not-null constraint"),
                      0, absl::StrCat("Failing row contains ", DescribeRow(row), "."));
    }
  }
  if (checks_.empty()) return absl::OkStatus();
  const DataChunk chunk = RowChunk(row);
  for (size_t i = 0; i < checks_.size(); ++i) {
    EvalContext ctx;
    Vector scratch;
    auto value = Evaluate(*checks_[i], chunk, Rows::Of(chunk), ctx, &scratch);
    if (!value.ok()) return value.status();
    const bool violated = !(*value)->IsNull(0) && (*value)->Int(0) == 0;  // NULL passes, as in SQL
    if (violated) {
      return SqlError(sqlstate::kCheckViolation,
                      absl::StrCat("new row for relation \"", table_.name, "\" violates check constraint \"",
                                   table_.checks[i].name, "\""),
                      0, absl::StrCat("Failing row contains ", DescribeRow(row), "."));
    }
  }
  return absl::OkStatus();
}

std::string TableWriter::KeyOf(const std::vector<Value>& row) {
  QUANTA_ASSERT(row.size() == table_.columns.size());
  if (table_.primary_key.empty()) {
    row_id_moved_ = true;
    return RowIdKeyBytes(next_row_id_++);
  }
  std::string key;
  for (int k : table_.primary_key) AppendKeyValue(row[static_cast<size_t>(k)], &key);
  return key;
}

absl::Status TableWriter::Duplicate(const std::string& constraint, const std::vector<int>& columns,
                                    const std::vector<Value>& row) const {
  std::vector<std::string> names, values;
  for (int k : columns) {
    names.push_back(table_.columns[static_cast<size_t>(k)].name);
    values.push_back(FormatValue(row[static_cast<size_t>(k)]));
  }
  return SqlError(sqlstate::kUniqueViolation,
                  absl::StrCat("duplicate key value violates unique constraint \"", constraint, "\""), 0,
                  absl::StrCat("Key (", absl::StrJoin(names, ", "), ")=(", absl::StrJoin(values, ", "), ") already exists."));
}

void TableWriter::Write(storage::TreeId tree, const std::string& key, std::optional<std::string> value) {
  pending_[tree][key] = value.has_value();
  if (value.has_value()) {
    writes_.Put(tree, key, std::move(*value));
  } else {
    writes_.Delete(tree, key);
  }
}

Task<absl::StatusOr<bool>> TableWriter::Exists(const std::string& key) {
  const auto& pending = pending_[table_.tree];
  auto it = pending.find(key);
  if (it != pending.end()) co_return it->second;
  auto stored = co_await access_.Get(table_.tree, key);
  if (!stored.ok()) co_return stored.status();
  co_return stored->has_value();
}

Task<absl::StatusOr<std::optional<std::string>>> TableWriter::PrefixEntry(const IndexDef& index,
                                                                         const std::string& prefix) {
  const auto& pending = pending_[index.tree];
  for (auto it = pending.lower_bound(prefix); it != pending.end() && it->first.starts_with(prefix); ++it) {
    if (it->second) co_return it->first.substr(prefix.size());  // entry = prefix + row key
  }
  // Stored entries, skipping those this statement deleted.
  storage::ScanRange range;
  range.start = prefix;
  range.end = PrefixSuccessor(prefix);
  range.limit = 64;
  while (true) {
    auto entries = co_await access_.Scan(index.tree, range);
    if (!entries.ok()) co_return entries.status();
    for (const storage::KeyValue& kv : *entries) {
      QUANTA_ASSERT(kv.key.starts_with(prefix));
      auto it = pending.find(kv.key);
      if (it == pending.end() || it->second) co_return std::optional<std::string>(kv.value);
    }
    if (entries->size() < range.limit) co_return std::optional<std::string>();
    range.start = entries->back().key + std::string(1, '\0');
  }
}

Task<absl::StatusOr<std::optional<std::string>>> TableWriter::FindConflict(const std::vector<Value>& row, bool primary,
                                                                          const std::vector<const IndexDef*>& indexes) {
  QUANTA_ASSERT(row.size() == table_.columns.size());
  if (primary && !table_.primary_key.empty()) {
    std::string key;
    for (int k : table_.primary_key) AppendKeyValue(row[static_cast<size_t>(k)], &key);
    auto exists = co_await Exists(key);
    if (!exists.ok()) co_return exists.status();
    if (*exists) co_return std::optional<std::string>(key);
  }
  for (const IndexDef* index : indexes) {
    QUANTA_ASSERT(index->unique);
    bool has_null = false;
    const std::string prefix = IndexKeyPrefix(index->columns, row, &has_null);
    if (has_null) continue;  // NULLs never conflict
    auto entry = co_await PrefixEntry(*index, prefix);
    if (!entry.ok() || entry->has_value()) co_return entry;
  }
  co_return std::optional<std::string>();
}

Task<absl::StatusOr<std::vector<Value>>> TableWriter::ReadRow(const std::string& key) {
  QUANTA_ASSERT(!pending_[table_.tree].contains(key));
  auto stored = co_await access_.Get(table_.tree, key);
  if (!stored.ok()) co_return stored.status();
  if (!stored->has_value()) co_return absl::NotFoundError("the conflicting row is gone");
  std::vector<Vector> columns;
  for (const ColumnDef& c : table_.columns) columns.emplace_back(c.type, 1);
  absl::Status decoded = DecodeRow(**stored, &columns, 0);
  if (!decoded.ok()) co_return decoded;
  std::vector<Value> row;
  for (const Vector& v : columns) row.push_back(v.Get(0));
  co_return row;
}

Task<absl::Status> TableWriter::PutIndexEntries(const std::string& key, const std::vector<Value>& row,
                                                const std::string* old_key, const std::vector<Value>* old_row) {
  QUANTA_ASSERT((old_key == nullptr) == (old_row == nullptr));
  for (const IndexDef& index : table_.indexes) {
    bool has_null = false;
    const std::string prefix = IndexKeyPrefix(index.columns, row, &has_null);
    if (old_row != nullptr) {
      bool old_null = false;
      const std::string old_prefix = IndexKeyPrefix(index.columns, *old_row, &old_null);
      if (old_prefix == prefix && *old_key == key) continue;  // the entry stays as it is
      Write(index.tree, old_prefix + *old_key, std::nullopt);
    }
    if (index.unique && !has_null) {
      auto existing = co_await PrefixEntry(index, prefix);
      if (!existing.ok()) co_return existing.status();
      if (existing->has_value()) co_return Duplicate(index.name, index.columns, row);
    }
    Write(index.tree, prefix + key, key);
  }
  co_return absl::OkStatus();
}

Task<absl::Status> TableWriter::Insert(std::vector<Value> row) {
  absl::Status checked = Check(row);
  if (!checked.ok()) co_return checked;
  const std::string key = KeyOf(row);
  if (!table_.primary_key.empty()) {
    auto exists = co_await Exists(key);
    if (!exists.ok()) co_return exists.status();
    if (*exists) co_return Duplicate(table_.primary_key_name, table_.primary_key, row);
  }
  absl::Status indexed = co_await PutIndexEntries(key, row, nullptr, nullptr);
  if (!indexed.ok()) co_return indexed;
  Write(table_.tree, key, EncodeRowValues(row));
  last_key_ = key;
  ++rows_;
  added_.push_back(RowChange{key, std::move(row), false});
  co_return absl::OkStatus();
}

Task<absl::Status> TableWriter::Update(const std::string& old_key, const std::vector<Value>& old_row,
                                       std::vector<Value> row) {
  QUANTA_ASSERT(old_row.size() == row.size());
  absl::Status checked = Check(row);
  if (!checked.ok()) co_return checked;
  std::string key = old_key;
  if (!table_.primary_key.empty()) {
    key = KeyOf(row);
    if (key != old_key) {
      auto exists = co_await Exists(key);
      if (!exists.ok()) co_return exists.status();
      if (*exists) co_return Duplicate(table_.primary_key_name, table_.primary_key, row);
      Write(table_.tree, old_key, std::nullopt);
    }
  }
  const bool stale = PlantedActive(PlantedBug::kSqlIndexNotMaintainedOnUpdate);
  if (!stale) {
    absl::Status indexed = co_await PutIndexEntries(key, row, &old_key, &old_row);
    if (!indexed.ok()) co_return indexed;
  }
  Write(table_.tree, key, EncodeRowValues(row));
  last_key_ = key;
  ++rows_;
  removed_.push_back(RowChange{old_key, old_row, false, added_.size()});
  added_.push_back(RowChange{key, std::move(row), false, std::nullopt});
  co_return absl::OkStatus();
}

void TableWriter::Delete(const std::string& key, const std::vector<Value>& row) {
  QUANTA_ASSERT(row.size() == table_.columns.size());
  for (const IndexDef& index : table_.indexes) {
    bool has_null = false;
    Write(index.tree, IndexKeyPrefix(index.columns, row, &has_null) + key, std::nullopt);
  }
  Write(table_.tree, key, std::nullopt);
  ++rows_;
  removed_.push_back(RowChange{key, row, true});
}

bool TableWriter::Touched(const std::string& key) const {
  auto it = pending_.find(table_.tree);
  return it != pending_.end() && it->second.contains(key);
}

Task<absl::StatusOr<bool>> TableWriter::HasRowWith(const std::vector<int>& columns, const std::vector<Value>& values) {
  QUANTA_ASSERT(columns.size() == values.size());
  const auto value_of = [&](int column) -> const Value& {
    const auto it = std::find(columns.begin(), columns.end(), column);
    QUANTA_ASSERT(it != columns.end());
    return values[static_cast<size_t>(it - columns.begin())];
  };
  const auto same_set = [&](const std::vector<int>& other) {
    return other.size() == columns.size() && std::is_permutation(other.begin(), other.end(), columns.begin());
  };
  if (same_set(table_.primary_key)) {
    std::string key;
    for (int k : table_.primary_key) AppendKeyValue(value_of(k), &key);
    auto exists = co_await Exists(key);
    co_return exists;
  }
  for (const IndexDef& index : table_.indexes) {
    if (!index.unique || !same_set(index.columns)) continue;
    std::string prefix;
    for (int c : index.columns) AppendKeyValue(value_of(c), &prefix);
    auto entry = co_await PrefixEntry(index, prefix);
    if (!entry.ok()) co_return entry.status();
    co_return entry->has_value();
  }
  QUANTA_UNREACHABLE("a foreign key references columns without a unique index");
}

storage::WriteSet TableWriter::Finish() {
  QUANTA_ASSERT(!finished_);
  finished_ = true;
  QUANTA_ASSERT(writes_.ops.size() >= rows_);  // each row one op at least (an update that moves its key: two)
  if (row_id_moved_) {
    std::string counter;
    AppendU64(&counter, next_row_id_);
    writes_.Put(kCatalogTree, RowIdKey(table_.oid), std::move(counter));
  }
  return std::move(writes_);
}

}  // namespace quanta::sql
