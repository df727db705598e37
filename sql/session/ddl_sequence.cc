// CREATE, ALTER and DROP SEQUENCE, and the sequences serial and identity columns own.
// A sequence's definition is catalog (versioned); its state ("q/<oid>") is data moved
// by nextval/setval (sql/execution/sequences.h) and by ALTER SEQUENCE ... RESTART.
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/sequences.h"
#include "sql/session/ddl_internal.h"
#include "sql/session/sql_engine.h"

namespace quanta::sql {
namespace {

absl::Status BadOption(std::string message) { return SqlError(sqlstate::kInvalidParameterValue, message); }

absl::StatusOr<TypeId> SequenceType(const std::string& name) {
  if (name == "smallint" || name == "int2") return TypeId::kInt2;
  if (name == "integer" || name == "int" || name == "int4") return TypeId::kInt4;
  if (name == "bigint" || name == "int8") return TypeId::kInt8;
  return BadOption("sequence type must be smallint, integer, or bigint");
}

std::pair<int64_t, int64_t> TypeRange(TypeId type) {
  if (type == TypeId::kInt2) return {INT16_MIN, INT16_MAX};
  if (type == TypeId::kInt4) return {INT32_MIN, INT32_MAX};
  return {INT64_MIN, INT64_MAX};
}

}  // namespace

absl::StatusOr<SequenceDef> ApplySequenceOptions(SequenceDef s, const ast::SequenceOptions& o, bool creating) {
  if (o.type) {
    auto type = SequenceType(*o.type);
    if (!type.ok()) return type.status();
    s.type = *type;
  }
  if (o.increment) {
    if (*o.increment == 0) return BadOption("INCREMENT must not be zero");
    s.increment = *o.increment;
  }
  const auto [type_min, type_max] = TypeRange(s.type);
  const bool up = s.increment > 0;
  if (o.min) {
    s.min_value = *o.min;
  } else if (creating || o.no_min || o.type) {
    s.min_value = up ? 1 : type_min;
  }
  if (o.max) {
    s.max_value = *o.max;
  } else if (creating || o.no_max || o.type) {
    s.max_value = up ? type_max : -1;
  }
  const std::string type_name = Type(s.type).Name();
  if (s.min_value < type_min || s.min_value > type_max) {
    return BadOption(absl::StrCat("MINVALUE (", s.min_value, ") is out of range for sequence data type ", type_name));
  }
  if (s.max_value < type_min || s.max_value > type_max) {
    return BadOption(absl::StrCat("MAXVALUE (", s.max_value, ") is out of range for sequence data type ", type_name));
  }
  if (s.min_value >= s.max_value) {
    return BadOption(absl::StrCat("MINVALUE (", s.min_value, ") must be less than MAXVALUE (", s.max_value, ")"));
  }
  if (o.start) {
    s.start = *o.start;
  } else if (creating) {
    s.start = up ? s.min_value : s.max_value;
  }
  if (s.start < s.min_value) {
    return BadOption(absl::StrCat("START value (", s.start, ") cannot be less than MINVALUE (", s.min_value, ")"));
  }
  if (s.start > s.max_value) {
    return BadOption(absl::StrCat("START value (", s.start, ") cannot be greater than MAXVALUE (", s.max_value, ")"));
  }
  if (o.cache) {
    if (*o.cache < 1) return BadOption(absl::StrCat("CACHE (", *o.cache, ") must be greater than zero"));
    s.cache = *o.cache;
  }
  if (o.cycle) s.cycle = *o.cycle;
  QUANTA_ASSERT(s.min_value <= s.start && s.start <= s.max_value);
  return s;
}

Task<absl::StatusOr<StatementResult>> SqlEngine::CreateSequence(const ast::CreateSequenceStmt& stmt,
                                                                const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "CREATE SEQUENCE";
  SequenceDef s;
  auto schema = catalog.CreationSchema(stmt.names, session_.search_path);
  if (!schema.ok()) co_return schema.status();
  s.schema = *std::move(schema);
  s.name = stmt.names.back().substr(0, kMaxIdentifierBytes);
  if (catalog.RelationExists(s.schema, s.name)) {
    if (stmt.if_not_exists) {
      result.notices.push_back(absl::StrCat("relation \"", s.name, "\" already exists, skipping"));
      co_return result;
    }
    co_return SqlError(sqlstate::kDuplicateTable, absl::StrCat("relation \"", s.name, "\" already exists"));
  }
  auto applied = ApplySequenceOptions(s, stmt.options, /*creating=*/true);
  if (!applied.ok()) co_return applied.status();
  s = std::move(*applied);
  if (!stmt.options.owned_by.empty() && stmt.options.owned_by != std::vector<std::string>{"none"}) {
    const auto& by = stmt.options.owned_by;
    if (by.size() < 2) co_return BadOption("invalid OWNED BY option");
    const TableDef* table = catalog.FindTable(s.schema, by[by.size() - 2]);
    if (table == nullptr) co_return SqlError(sqlstate::kUndefinedTable, absl::StrCat("relation \"", by[by.size() - 2], "\" does not exist"));
    const int column = table->FindColumn(by.back());
    if (column < 0) {
      co_return SqlError(sqlstate::kUndefinedColumn,
                         absl::StrCat("column \"", by.back(), "\" of relation \"", table->name, "\" does not exist"));
    }
    s.owner_table = table->oid;
    s.owner_attnum = table->columns[static_cast<size_t>(column)].attnum;
  }
  CatalogWriter writer(catalog);
  s.oid = writer.AssignOid();
  storage::WriteSet ws;
  writer.PutSequence(s, &ws);
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

Task<absl::StatusOr<StatementResult>> SqlEngine::AlterSequence(const ast::AlterSequenceStmt& stmt,
                                                               const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "ALTER SEQUENCE";
  const std::string schema = catalog.LookupSchema(stmt.names, session_.search_path);
  const SequenceDef* found = catalog.FindSequence(schema, stmt.names.back());
  if (found == nullptr) {
    if (catalog.RelationExists(schema, stmt.names.back())) {
      co_return SqlError(sqlstate::kWrongObjectType, absl::StrCat("\"", stmt.names.back(), "\" is not a sequence"));
    }
    if (stmt.if_exists) {
      result.notices.push_back(absl::StrCat("relation \"", stmt.names.back(), "\" does not exist, skipping"));
      co_return result;
    }
    co_return SqlError(sqlstate::kUndefinedTable, absl::StrCat("relation \"", stmt.names.back(), "\" does not exist"));
  }
  if (!stmt.options.owned_by.empty()) co_return SqlError(sqlstate::kFeatureNotSupported, "ALTER SEQUENCE ... OWNED BY is not supported");
  auto altered = ApplySequenceOptions(*found, stmt.options, /*creating=*/false);
  if (!altered.ok()) co_return altered.status();
  CatalogWriter writer(catalog);
  storage::WriteSet ws;
  writer.PutSequence(*altered, &ws);
  if (stmt.options.restart) {
    const int64_t value = stmt.options.restart_with.value_or(altered->start);
    if (value < altered->min_value) {
      co_return BadOption(absl::StrCat("RESTART value (", value, ") cannot be less than MINVALUE (", altered->min_value, ")"));
    }
    if (value > altered->max_value) {
      co_return BadOption(absl::StrCat("RESTART value (", value, ") cannot be greater than MAXVALUE (", altered->max_value, ")"));
    }
    ws.Put(kCatalogTree, SequenceStateKey(altered->oid), EncodeSequenceValue(SequenceValue{value, false}));
  }
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

Task<absl::StatusOr<StatementResult>> SqlEngine::DropSequence(const ast::DropStmt& stmt, const CatalogSnapshot& catalog) {
  StatementResult result;
  result.tag = "DROP SEQUENCE";
  std::vector<const SequenceDef*> sequences;
  for (const auto& names : stmt.names) {
    const std::string schema = catalog.LookupSchema(names, session_.search_path);
    const SequenceDef* s = catalog.FindSequence(schema, names.back());
    auto drop = CheckDropTarget(s != nullptr, catalog, session_.search_path, names, "sequence", sqlstate::kUndefinedTable, stmt.if_exists,
                                &result.notices);
    if (!drop.ok()) co_return drop.status();
    if (!*drop) continue;
    for (const auto& [key, table] : catalog.tables()) {
      if (table.oid != s->owner_table) continue;
      for (const ColumnDef& c : table.columns) {
        if (c.attnum != s->owner_attnum || !c.has_default) continue;
        co_return SqlError("2BP01", absl::StrCat("cannot drop sequence ", s->name, " because other objects depend on it"), 0,
                           absl::StrCat("default value for column ", c.name, " of table ", table.name,
                                        " depends on sequence ", s->name));
      }
    }
    if (std::find(sequences.begin(), sequences.end(), s) == sequences.end()) sequences.push_back(s);
  }
  if (sequences.empty()) co_return result;
  CatalogWriter writer(catalog);
  storage::WriteSet ws;
  for (const SequenceDef* s : sequences) writer.DeleteSequence(*s, &ws);
  writer.Finish(&ws);
  absl::Status committed = co_await access_.Commit(std::move(ws));
  if (!committed.ok()) co_return committed;
  co_return result;
}

}  // namespace quanta::sql
