#include "sql/session/table_writer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
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
  DataChunk chunk;
  for (const Value& v : row) {
    Vector col(v.type(), 1);
    col.SetValue(0, v);
    chunk.columns.push_back(std::move(col));
  }
  chunk.set_count(1);
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

absl::Status TableWriter::Duplicate(const std::vector<Value>& row) const {
  std::vector<std::string> names, values;
  for (int k : table_.primary_key) {
    names.push_back(table_.columns[static_cast<size_t>(k)].name);
    values.push_back(FormatValue(row[static_cast<size_t>(k)]));
  }
  return SqlError(sqlstate::kUniqueViolation,
                  absl::StrCat("duplicate key value violates unique constraint \"", table_.primary_key_name, "\""), 0,
                  absl::StrCat("Key (", absl::StrJoin(names, ", "), ")=(", absl::StrJoin(values, ", "), ") already exists."));
}

Task<absl::StatusOr<bool>> TableWriter::Exists(const std::string& key) {
  auto it = pending_.find(key);
  if (it != pending_.end()) co_return it->second;
  auto stored = co_await access_.Get(table_.tree, key);
  if (!stored.ok()) co_return stored.status();
  co_return stored->has_value();
}

Task<absl::Status> TableWriter::Insert(std::vector<Value> row) {
  absl::Status checked = Check(row);
  if (!checked.ok()) co_return checked;
  const std::string key = KeyOf(row);
  if (!table_.primary_key.empty()) {
    auto exists = co_await Exists(key);
    if (!exists.ok()) co_return exists.status();
    if (*exists) co_return Duplicate(row);
  }
  pending_[key] = true;
  writes_.Put(table_.tree, key, EncodeRowValues(row));
  ++rows_;
  co_return absl::OkStatus();
}

Task<absl::Status> TableWriter::Update(const std::string& old_key, std::vector<Value> row) {
  absl::Status checked = Check(row);
  if (!checked.ok()) co_return checked;
  std::string key = old_key;
  if (!table_.primary_key.empty()) {
    key = KeyOf(row);
    if (key != old_key) {
      auto exists = co_await Exists(key);
      if (!exists.ok()) co_return exists.status();
      if (*exists) co_return Duplicate(row);
      pending_[old_key] = false;
      writes_.Delete(table_.tree, old_key);
    }
  }
  pending_[key] = true;
  writes_.Put(table_.tree, key, EncodeRowValues(row));
  ++rows_;
  co_return absl::OkStatus();
}

void TableWriter::Delete(const std::string& key) {
  pending_[key] = false;
  writes_.Delete(table_.tree, key);
  ++rows_;
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
