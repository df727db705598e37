#include "sql/catalog/catalog.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "catalog.pb.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "engine/util/coding.h"
#include "sql/common/sql_error.h"

namespace quanta::sql {
namespace {

constexpr char kVersionKey[] = "v";
constexpr char kNextOidKey[] = "o";
constexpr char kTablePrefix[] = "t/";
constexpr char kSequencePrefix[] = "s/";
constexpr char kSchemaPrefix[] = "n/";
constexpr char kViewPrefix[] = "w/";
constexpr char kCommentsPrefix[] = "d/";

std::string CommentsKey(uint32_t oid) { return absl::StrCat(kCommentsPrefix, oid); }

std::string U64(uint64_t v) {
  std::string out;
  AppendU64(&out, v);
  return out;
}

absl::StatusOr<uint64_t> ReadU64(const std::string& bytes, const char* what) {
  if (bytes.size() != 8) return absl::DataLossError(absl::StrCat("catalog: malformed ", what));
  return GetU64(bytes.data());
}

absl::StatusOr<Type> DecodeType(const catalog::ColumnRecord& c) {
  Type t(static_cast<TypeId>(c.type_oid()), c.typmod());
  t.element = static_cast<TypeId>(c.element_oid());
  const bool known = t.id == TypeId::kArray ? ArrayOid(t.element).has_value() : LookupType(Type(t.id).TypName()).has_value();
  if (!known) return absl::DataLossError(absl::StrCat("catalog: column ", c.name(), " has unknown type ", c.type_oid()));
  return t;
}

}  // namespace

int TableDef::FindColumn(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<Type> TableDef::ColumnTypes() const {
  std::vector<Type> types;
  types.reserve(columns.size());
  for (const ColumnDef& c : columns) types.push_back(c.type);
  return types;
}

std::string TableKey(std::string_view schema, std::string_view name) {
  return absl::StrCat(kTablePrefix, std::string(schema), ".", std::string(name));
}

std::string RowIdKey(uint32_t oid) { return absl::StrCat("r/", oid); }
std::string SequenceStateKey(uint32_t oid) { return absl::StrCat(kSequenceStatePrefix, oid); }

namespace {

std::string SequenceKey(std::string_view schema, std::string_view name) {
  return absl::StrCat(kSequencePrefix, std::string(schema), ".", std::string(name));
}

std::string ViewKey(std::string_view schema, std::string_view name) {
  return absl::StrCat(kViewPrefix, std::string(schema), ".", std::string(name));
}

std::string EncodeView(const ViewDef& v) {
  catalog::ViewRecord r;
  r.set_oid(v.oid);
  r.set_schema(v.schema);
  r.set_name(v.name);
  r.set_sql(v.sql);
  for (const std::string& c : v.columns) r.add_columns(c);
  for (const Type& t : v.types) {
    r.add_column_types(static_cast<uint32_t>(t.id));
    r.add_column_typmods(t.typmod);
  }
  for (const std::string& d : v.depends) r.add_depends(d);
  return r.SerializeAsString();
}

absl::StatusOr<ViewDef> DecodeView(std::string_view bytes) {
  catalog::ViewRecord r;
  if (!r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return absl::DataLossError("catalog: malformed view record");
  if (r.columns_size() != r.column_types_size() || r.columns_size() != r.column_typmods_size()) {
    return absl::DataLossError(absl::StrCat("catalog: view ", r.name(), " has malformed columns"));
  }
  ViewDef v;
  v.oid = r.oid();
  v.schema = r.schema();
  v.name = r.name();
  v.sql = r.sql();
  for (int i = 0; i < r.columns_size(); ++i) {
    v.columns.push_back(r.columns(i));
    Type t(static_cast<TypeId>(r.column_types(i)), r.column_typmods(i));
    if (!LookupType(t.TypName()).has_value() && t.id != TypeId::kUnknown) {
      return absl::DataLossError(absl::StrCat("catalog: view ", v.name, " has a column of unknown type"));
    }
    v.types.push_back(t);
  }
  v.depends.assign(r.depends().begin(), r.depends().end());
  return v;
}

std::string EncodeSequence(const SequenceDef& s) {
  catalog::SequenceRecord r;
  r.set_oid(s.oid);
  r.set_schema(s.schema);
  r.set_name(s.name);
  r.set_type_oid(static_cast<uint32_t>(s.type));
  r.set_increment(s.increment);
  r.set_min_value(s.min_value);
  r.set_max_value(s.max_value);
  r.set_start(s.start);
  r.set_cache(s.cache);
  r.set_cycle(s.cycle);
  r.set_owner_table(s.owner_table);
  r.set_owner_attnum(s.owner_attnum);
  return r.SerializeAsString();
}

absl::StatusOr<SequenceDef> DecodeSequence(std::string_view bytes) {
  catalog::SequenceRecord r;
  if (!r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("catalog: malformed sequence record");
  }
  SequenceDef s;
  s.oid = r.oid();
  s.schema = r.schema();
  s.name = r.name();
  s.type = static_cast<TypeId>(r.type_oid());
  s.increment = r.increment();
  s.min_value = r.min_value();
  s.max_value = r.max_value();
  s.start = r.start();
  s.cache = r.cache();
  s.cycle = r.cycle();
  s.owner_table = r.owner_table();
  s.owner_attnum = r.owner_attnum();
  const bool integer = s.type == TypeId::kInt2 || s.type == TypeId::kInt4 || s.type == TypeId::kInt8;
  if (!integer || s.increment == 0 || s.min_value > s.max_value || s.start < s.min_value || s.start > s.max_value) {
    return absl::DataLossError(absl::StrCat("catalog: sequence ", s.name, " has inconsistent bounds"));
  }
  return s;
}

}  // namespace

std::string EncodeTable(const TableDef& table) {
  catalog::TableRecord r;
  r.set_oid(table.oid);
  r.set_schema(table.schema);
  r.set_name(table.name);
  r.set_tree(table.tree);
  r.set_primary_key_name(table.primary_key_name);
  for (const ColumnDef& c : table.columns) {
    catalog::ColumnRecord* cr = r.add_columns();
    cr->set_name(c.name);
    cr->set_type_oid(static_cast<uint32_t>(c.type.id));
    cr->set_typmod(c.type.typmod);
    cr->set_element_oid(static_cast<uint32_t>(c.type.element));
    cr->set_not_null(c.not_null);
    cr->set_has_default(c.has_default);
    cr->set_default_sql(c.default_sql);
    cr->set_attnum(c.attnum);
    if (c.identity != 0) cr->set_identity(std::string(1, c.identity));
  }
  for (int k : table.primary_key) r.add_primary_key(k);
  if (table.stats.analyzed) {
    catalog::TableStatsRecord* st = r.mutable_stats();
    st->set_analyzed(true);
    st->set_rows(table.stats.rows);
    for (double f : table.stats.null_frac) st->add_null_frac(f);
    for (double d : table.stats.n_distinct) st->add_n_distinct(d);
  }
  for (const IndexDef& index : table.indexes) {
    catalog::IndexRecord* ir = r.add_indexes();
    ir->set_oid(index.oid);
    ir->set_name(index.name);
    for (int c : index.columns) ir->add_columns(c);
    ir->set_unique(index.unique);
    ir->set_constraint(index.constraint);
    ir->set_tree(index.tree);
  }
  for (const CheckDef& check : table.checks) {
    r.add_check_names(check.name);
    r.add_check_sql(check.sql);
  }
  for (const ForeignKeyDef& fk : table.foreign_keys) {
    catalog::ForeignKeyRecord* fr = r.add_foreign_keys();
    fr->set_name(fk.name);
    for (int c : fk.columns) fr->add_columns(c);
    fr->set_ref_table(fk.ref_table);
    for (int c : fk.ref_columns) fr->add_ref_columns(c);
    fr->set_on_delete(std::string(1, fk.on_delete));
    fr->set_on_update(std::string(1, fk.on_update));
  }
  return r.SerializeAsString();
}

namespace {

absl::StatusOr<ForeignKeyDef> DecodeForeignKey(const catalog::ForeignKeyRecord& fr, size_t columns) {
  ForeignKeyDef fk;
  fk.name = fr.name();
  fk.ref_table = fr.ref_table();
  const auto bad = [&] { return absl::DataLossError(absl::StrCat("catalog: foreign key ", fk.name, " is malformed")); };
  if (fr.columns_size() == 0 || fr.columns_size() != fr.ref_columns_size() ||
      fr.columns_size() > static_cast<int>(kMaxIndexColumns)) {
    return bad();
  }
  for (int c : fr.columns()) {
    if (c < 0 || static_cast<size_t>(c) >= columns) return bad();
    fk.columns.push_back(c);
  }
  for (int c : fr.ref_columns()) {
    if (c < 0 || c >= static_cast<int>(kMaxColumns)) return bad();
    fk.ref_columns.push_back(c);
  }
  const std::string_view actions = "arcn";
  if (fr.on_delete().size() != 1 || actions.find(fr.on_delete()[0]) == std::string_view::npos) return bad();
  if (fr.on_update().size() != 1 || actions.find(fr.on_update()[0]) == std::string_view::npos) return bad();
  fk.on_delete = fr.on_delete()[0];
  fk.on_update = fr.on_update()[0];
  return fk;
}

}  // namespace

absl::StatusOr<TableDef> DecodeTable(std::string_view bytes) {
  catalog::TableRecord r;
  if (!r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("catalog: malformed table record");
  }
  TableDef t;
  t.oid = r.oid();
  t.schema = r.schema();
  t.name = r.name();
  t.tree = r.tree();
  t.primary_key_name = r.primary_key_name();
  if (t.tree != kFirstTableTree + t.oid) return absl::DataLossError(absl::StrCat("catalog: table ", t.name, " names the wrong tree"));
  if (r.columns_size() > static_cast<int>(kMaxColumns)) return absl::DataLossError("catalog: too many columns");
  for (const catalog::ColumnRecord& cr : r.columns()) {
    ColumnDef c;
    c.name = cr.name();
    auto type = DecodeType(cr);
    if (!type.ok()) return type.status();
    c.type = *type;
    c.not_null = cr.not_null();
    c.has_default = cr.has_default();
    c.default_sql = cr.default_sql();
    c.attnum = cr.attnum();
    if (cr.identity() == "a" || cr.identity() == "d") {
      c.identity = cr.identity()[0];
    } else if (!cr.identity().empty()) {
      return absl::DataLossError(absl::StrCat("catalog: column ", c.name, " has a bad identity kind"));
    }
    t.columns.push_back(std::move(c));
  }
  for (int k : r.primary_key()) {
    if (k < 0 || k >= static_cast<int>(t.columns.size())) return absl::DataLossError("catalog: bad primary key column");
    t.primary_key.push_back(k);
  }
  if (r.check_sql_size() != r.check_names_size()) return absl::DataLossError("catalog: bad check constraints");
  for (int i = 0; i < r.check_sql_size(); ++i) t.checks.push_back(CheckDef{r.check_names(i), r.check_sql(i)});
  if (r.has_stats() && r.stats().analyzed()) {
    const catalog::TableStatsRecord& st = r.stats();
    if (st.null_frac_size() != st.n_distinct_size()) return absl::DataLossError("catalog: malformed statistics");
    t.stats.analyzed = true;
    t.stats.rows = st.rows();
    t.stats.null_frac.assign(st.null_frac().begin(), st.null_frac().end());
    t.stats.n_distinct.assign(st.n_distinct().begin(), st.n_distinct().end());
  }
  for (const catalog::IndexRecord& ir : r.indexes()) {
    IndexDef index;
    index.oid = ir.oid();
    index.name = ir.name();
    index.unique = ir.unique();
    index.constraint = ir.constraint();
    index.tree = ir.tree();
    if (index.tree != kFirstTableTree + index.oid || index.oid == t.oid) {
      return absl::DataLossError(absl::StrCat("catalog: index ", index.name, " names the wrong tree"));
    }
    if (ir.columns_size() == 0 || ir.columns_size() > static_cast<int>(kMaxIndexColumns)) {
      return absl::DataLossError(absl::StrCat("catalog: index ", index.name, " has a bad column count"));
    }
    for (int c : ir.columns()) {
      if (c < 0 || c >= static_cast<int>(t.columns.size())) {
        return absl::DataLossError(absl::StrCat("catalog: index ", index.name, " names a bad column"));
      }
      index.columns.push_back(c);
    }
    t.indexes.push_back(std::move(index));
  }
  for (const catalog::ForeignKeyRecord& fr : r.foreign_keys()) {
    auto fk = DecodeForeignKey(fr, t.columns.size());
    if (!fk.ok()) return fk.status();
    t.foreign_keys.push_back(std::move(*fk));
  }
  return t;
}

const TableDef* CatalogSnapshot::FindTableByOid(uint32_t oid) const {
  for (const auto& [name, table] : tables_) {
    if (table.oid == oid) return &table;
  }
  return nullptr;
}

const TableDef* CatalogSnapshot::FindIndex(std::string_view schema, std::string_view name, size_t* index) const {
  auto it = indexes_.find(absl::StrCat(std::string(schema), ".", std::string(name)));
  if (it == indexes_.end()) return nullptr;
  auto table = tables_.find(it->second.first);
  QUANTA_ASSERT(table != tables_.end());
  QUANTA_ASSERT(it->second.second < table->second.indexes.size());
  *index = it->second.second;
  return &table->second;
}

bool CatalogSnapshot::RelationExists(std::string_view schema, std::string_view name) const {
  size_t unused = 0;
  return FindTable(schema, name) != nullptr || FindIndex(schema, name, &unused) != nullptr ||
         FindSequence(schema, name) != nullptr || FindView(schema, name) != nullptr;
}

const ViewDef* CatalogSnapshot::FindView(std::string_view schema, std::string_view name) const {
  auto it = views_.find(absl::StrCat(std::string(schema), ".", std::string(name)));
  return it == views_.end() ? nullptr : &it->second;
}

const SequenceDef* CatalogSnapshot::FindSequence(std::string_view schema, std::string_view name) const {
  auto it = sequences_.find(absl::StrCat(std::string(schema), ".", std::string(name)));
  return it == sequences_.end() ? nullptr : &it->second;
}

const TableDef* CatalogSnapshot::FindTable(std::string_view schema, std::string_view name) const {
  auto it = tables_.find(absl::StrCat(std::string(schema), ".", std::string(name)));
  return it == tables_.end() ? nullptr : &it->second;
}

Task<absl::StatusOr<uint64_t>> CatalogSnapshot::ReadVersion(DataAccess& access) {
  auto v = co_await access.Get(kCatalogTree, kVersionKey);
  if (!v.ok()) co_return v.status();
  if (!v->has_value()) co_return uint64_t{0};
  co_return ReadU64(**v, "catalog version");
}

Task<absl::StatusOr<std::shared_ptr<const CatalogSnapshot>>> CatalogSnapshot::Load(DataAccess& access) {
  auto snapshot = std::make_shared<CatalogSnapshot>();
  storage::ScanRange range;  // the catalog is small: one scan
  auto rows = co_await access.Scan(kCatalogTree, std::move(range));
  if (!rows.ok()) co_return rows.status();
  for (const storage::KeyValue& kv : *rows) {
    if (kv.key == kVersionKey) {
      CO_ASSIGN_OR_RETURN(snapshot->version_, ReadU64(kv.value, "catalog version"));
    } else if (kv.key == kNextOidKey) {
      CO_ASSIGN_OR_RETURN(uint64_t next, ReadU64(kv.value, "OID counter"));
      if (next < kFirstUserOid || next > UINT32_MAX) co_return absl::DataLossError("catalog: OID counter out of range");
      snapshot->next_oid_ = static_cast<uint32_t>(next);
    } else if (kv.key.rfind(kTablePrefix, 0) == 0) {
      CO_ASSIGN_OR_RETURN(TableDef table, DecodeTable(kv.value));
      if (TableKey(table.schema, table.name) != kv.key) co_return absl::DataLossError("catalog: table record under the wrong key");
      QUANTA_ASSERT(table.oid < snapshot->next_oid_);
      const std::string key = absl::StrCat(table.schema, ".", table.name);
      for (size_t i = 0; i < table.indexes.size(); ++i) {
        const std::string index_key = absl::StrCat(table.schema, ".", table.indexes[i].name);
        if (!snapshot->indexes_.emplace(index_key, std::make_pair(key, i)).second) {
          co_return absl::DataLossError(absl::StrCat("catalog: two indexes named ", index_key));
        }
      }
      snapshot->tables_.emplace(key, std::move(table));
    } else if (kv.key.rfind(kViewPrefix, 0) == 0) {
      CO_ASSIGN_OR_RETURN(ViewDef view, DecodeView(kv.value));
      if (ViewKey(view.schema, view.name) != kv.key) co_return absl::DataLossError("catalog: view record under the wrong key");
      snapshot->views_.emplace(absl::StrCat(view.schema, ".", view.name), std::move(view));
    } else if (kv.key.rfind(kSchemaPrefix, 0) == 0) {
      catalog::SchemaRecord r;
      if (!r.ParseFromString(kv.value)) co_return absl::DataLossError("catalog: malformed schema record");
      if (kv.key != absl::StrCat(kSchemaPrefix, r.name()) || r.name().empty()) {
        co_return absl::DataLossError("catalog: schema record under the wrong key");
      }
      if (!snapshot->schemas_.emplace(r.name(), SchemaDef{r.oid(), r.name(), false}).second) {
        co_return absl::DataLossError(absl::StrCat("catalog: schema ", r.name(), " recorded twice"));
      }
    } else if (kv.key.rfind(kCommentsPrefix, 0) == 0) {
      catalog::CommentsRecord r;
      if (!r.ParseFromString(kv.value) || kv.key != CommentsKey(r.oid())) {
        co_return absl::DataLossError("catalog: malformed comments record");
      }
      std::map<int32_t, std::string>& comments = snapshot->comments_[r.oid()];
      for (const auto& c : r.comments()) {
        if (c.text().empty() || !comments.emplace(c.subid(), c.text()).second) {
          co_return absl::DataLossError(absl::StrCat("catalog: malformed comment of object ", r.oid()));
        }
      }
    } else if (kv.key.rfind(kSequencePrefix, 0) == 0) {
      CO_ASSIGN_OR_RETURN(SequenceDef sequence, DecodeSequence(kv.value));
      if (SequenceKey(sequence.schema, sequence.name) != kv.key) {
        co_return absl::DataLossError("catalog: sequence record under the wrong key");
      }
      snapshot->sequences_.emplace(absl::StrCat(sequence.schema, ".", sequence.name), std::move(sequence));
    }
  }
  co_return std::shared_ptr<const CatalogSnapshot>(std::move(snapshot));
}

void CatalogWriter::PutSchema(const SchemaDef& schema, storage::WriteSet* ws) const {
  QUANTA_ASSERT(!schema.builtin && !schema.name.empty());
  QUANTA_ASSERT(schema.oid >= kFirstUserOid && schema.oid < next_oid_);
  catalog::SchemaRecord r;
  r.set_oid(schema.oid);
  r.set_name(schema.name);
  ws->Put(kCatalogTree, absl::StrCat(kSchemaPrefix, schema.name), r.SerializeAsString());
}

void CatalogWriter::DeleteSchema(const SchemaDef& schema, storage::WriteSet* ws) const {
  QUANTA_ASSERT(!schema.builtin);
  ws->Delete(kCatalogTree, absl::StrCat(kSchemaPrefix, schema.name));
  DeleteComments(schema.oid, ws);
}

void CatalogWriter::PutComments(uint32_t oid, const std::map<int32_t, std::string>& comments,
                                storage::WriteSet* ws) const {
  QUANTA_ASSERT(oid > 0 && oid < next_oid_);
  if (comments.empty()) {
    DeleteComments(oid, ws);
    return;
  }
  catalog::CommentsRecord r;
  r.set_oid(oid);
  for (const auto& [subid, text] : comments) {
    QUANTA_ASSERT(subid >= 0 && !text.empty());
    auto* c = r.add_comments();
    c->set_subid(subid);
    c->set_text(text);
  }
  ws->Put(kCatalogTree, CommentsKey(oid), r.SerializeAsString());
}

void CatalogWriter::DeleteComments(uint32_t oid, storage::WriteSet* ws) const { ws->Delete(kCatalogTree, CommentsKey(oid)); }

const std::string* CatalogSnapshot::Comment(uint32_t oid, int32_t subid) const {
  auto it = comments_.find(oid);
  if (it == comments_.end()) return nullptr;
  auto c = it->second.find(subid);
  return c == it->second.end() ? nullptr : &c->second;
}

std::map<int32_t, std::string> CatalogSnapshot::CommentsOf(uint32_t oid) const {
  auto it = comments_.find(oid);
  return it == comments_.end() ? std::map<int32_t, std::string>() : it->second;
}

const SchemaDef* CatalogSnapshot::FindSchema(std::string_view name) const {
  auto it = schemas_.find(std::string(name));
  return it == schemas_.end() ? nullptr : &it->second;
}

bool CatalogSnapshot::SchemaHasObjects(std::string_view schema) const {
  const auto in = [&](const auto& objects) {
    return std::any_of(objects.begin(), objects.end(), [&](const auto& o) { return o.second.schema == schema; });
  };
  return in(tables_) || in(views_) || in(sequences_);
}

std::vector<std::string> CatalogSnapshot::PathSchemas(const SearchPath& path) const {
  std::vector<std::string> out;
  for (const std::string& entry : path.schemas) {
    const std::string& name = entry == "$user" ? path.user : entry;
    if (FindSchema(name) == nullptr || std::find(out.begin(), out.end(), name) != out.end()) continue;
    out.push_back(name);
  }
  return out;
}

std::string CatalogSnapshot::LookupSchema(const std::vector<std::string>& names, const SearchPath& path) const {
  QUANTA_ASSERT(!names.empty());
  if (names.size() > 1) return names[names.size() - 2];
  const std::vector<std::string> schemas = PathSchemas(path);
  for (const std::string& schema : schemas) {
    if (RelationExists(schema, names.back()) || FindView(schema, names.back()) != nullptr) return schema;
  }
  return schemas.empty() ? "" : schemas.front();  // "": no schema, so nothing is found
}

absl::StatusOr<std::string> CatalogSnapshot::CreationSchema(const std::vector<std::string>& names,
                                                            const SearchPath& path) const {
  QUANTA_ASSERT(!names.empty());
  if (names.size() > 1) {
    const std::string& schema = names[names.size() - 2];
    if (FindSchema(schema) == nullptr) return SqlError("3F000", absl::StrCat("schema \"", schema, "\" does not exist"));
    if (schema == "pg_catalog") {
      return SqlError("42501", absl::StrCat("permission denied to create \"pg_catalog.", names.back(), "\""));
    }
    return schema;
  }
  const std::vector<std::string> schemas = PathSchemas(path);
  if (schemas.empty()) return SqlError("3F000", "no schema has been selected to create in");
  if (schemas.front() == "pg_catalog") {
    return SqlError("42501", absl::StrCat("permission denied to create \"pg_catalog.", names.back(), "\""));
  }
  return schemas.front();
}

void CatalogWriter::PutTable(const TableDef& table, storage::WriteSet* ws) const {
  QUANTA_ASSERT(table.tree == kFirstTableTree + table.oid);
  QUANTA_ASSERT(!table.name.empty());
  QUANTA_ASSERT(table.columns.size() <= kMaxColumns);
  QUANTA_ASSERT(table.oid < next_oid_);
  for (const IndexDef& index : table.indexes) {
    QUANTA_ASSERT(index.tree == kFirstTableTree + index.oid);
    QUANTA_ASSERT(index.oid < next_oid_ && index.oid != table.oid);
    QUANTA_ASSERT(!index.columns.empty() && index.columns.size() <= kMaxIndexColumns);
  }
  ws->Put(kCatalogTree, TableKey(table.schema, table.name), EncodeTable(table));
}

void CatalogWriter::DeleteTable(const TableDef& table, storage::WriteSet* ws) const {
  ws->Delete(kCatalogTree, TableKey(table.schema, table.name));
  ws->Delete(kCatalogTree, RowIdKey(table.oid));
}

void CatalogWriter::PutSequence(const SequenceDef& sequence, storage::WriteSet* ws) const {
  QUANTA_ASSERT(sequence.oid >= kFirstUserOid && sequence.oid < next_oid_);
  QUANTA_ASSERT(sequence.increment != 0 && sequence.min_value <= sequence.max_value);
  ws->Put(kCatalogTree, SequenceKey(sequence.schema, sequence.name), EncodeSequence(sequence));
}

void CatalogWriter::DeleteSequence(const SequenceDef& sequence, storage::WriteSet* ws) const {
  ws->Delete(kCatalogTree, SequenceKey(sequence.schema, sequence.name));
  ws->Delete(kCatalogTree, SequenceStateKey(sequence.oid));
  DeleteComments(sequence.oid, ws);
}

void CatalogWriter::PutView(const ViewDef& view, storage::WriteSet* ws) const {
  QUANTA_ASSERT(view.oid >= kFirstUserOid && view.oid < next_oid_);
  QUANTA_ASSERT(view.columns.size() == view.types.size());
  ws->Put(kCatalogTree, ViewKey(view.schema, view.name), EncodeView(view));
}

void CatalogWriter::DeleteView(const ViewDef& view, storage::WriteSet* ws) const {
  ws->Delete(kCatalogTree, ViewKey(view.schema, view.name));
  DeleteComments(view.oid, ws);
}

void CatalogWriter::Finish(storage::WriteSet* ws) const {
  ws->Put(kCatalogTree, kVersionKey, U64(version_ + 1));
  ws->Put(kCatalogTree, kNextOidKey, U64(next_oid_));
}

}  // namespace quanta::sql
