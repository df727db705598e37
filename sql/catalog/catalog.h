// Catalog: the SQL schema (tables, their columns and constraints), stored in the
// replicated store's catalog tree so that every replica has the same one at each log
// index, and it survives restart and failover.
//
// Layout of the catalog tree (kCatalogTree):
//   "v"            u64 LE   the catalog version, bumped by every DDL write set
//   "o"            u64 LE   the next OID to assign (PostgreSQL's first user OID: 16384)
//   "t/<schema>.<name>"     a TableRecord (catalog.proto)
//   "r/<oid>"      u64 LE   a table's next hidden row id
//   "s/<schema>.<name>"     a SequenceRecord
//   "w/<schema>.<name>"     a ViewRecord
//   "n/<name>"     a SchemaRecord (CREATE SCHEMA; public and pg_catalog are built in)
//   "q/<oid>"      a sequence's state (sequence.h), written by nextval/setval without a
//                  version bump (it is data, not schema)
// A table's rows live in tree kFirstTableTree + oid; its secondary indexes are part of
// its record, each in tree kFirstTableTree + the index's oid (index_codec.h: the key
// is the indexed values' encoding followed by the row's key; the value is the row key).
//
// CatalogSnapshot is an immutable in-memory copy at one version (shared by sessions
// and plans); CatalogWriter adds DDL changes to a write set. DDL and the version bump
// commit in one write set: a reader sees the old schema or the new, never a mixture.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/env/task.h"
#include "engine/storage/write_set.h"
#include "sql/storage/data_access.h"
#include "sql/types/type.h"

namespace quanta::sql {

inline constexpr storage::TreeId kCatalogTree = uint64_t{1} << 40;
inline constexpr storage::TreeId kFirstTableTree = uint64_t{1} << 41;
inline constexpr uint32_t kFirstUserOid = 16384;
inline constexpr size_t kMaxColumns = 1600;  // PostgreSQL's MaxHeapAttributeNumber
inline constexpr size_t kMaxIdentifierBytes = 63;  // NAMEDATALEN - 1
inline constexpr size_t kMaxIndexColumns = 32;     // INDEX_MAX_KEYS

struct ColumnDef {
  std::string name;
  Type type;
  bool not_null = false;
  bool has_default = false;
  std::string default_sql;
  int attnum = 0;  // 1-based, stable across drops of other columns
  char identity = 0;  // 'a' GENERATED ALWAYS AS IDENTITY, 'd' BY DEFAULT, 0 not one
};

// A schema (namespace). public (OID 2200) and pg_catalog (OID 11) always exist.
struct SchemaDef {
  uint32_t oid = 0;
  std::string name;
  bool builtin = false;
};
inline constexpr uint32_t kPublicSchemaOid = 2200;     // PostgreSQL's
inline constexpr uint32_t kPgCatalogSchemaOid = 11;

// How unqualified names resolve: search_path's schemas in order ("$user" stands for
// the session's user), as PostgreSQL does. Only schemas that exist take part.
struct SearchPath {
  std::vector<std::string> schemas = {"$user", "public"};
  std::string user;
};

// A view: a query stored as text, planned where it is named (a subquery in FROM).
struct ViewDef {
  uint32_t oid = 0;
  std::string schema = "public";
  std::string name;
  std::string sql;
  std::vector<std::string> columns;
  std::vector<Type> types;
  std::vector<std::string> depends;  // "schema.name" of what its FROM clauses name
};

// A sequence (CREATE SEQUENCE, or a serial or identity column's).
struct SequenceDef {
  uint32_t oid = 0;
  std::string schema = "public";
  std::string name;
  TypeId type = TypeId::kInt8;
  int64_t increment = 1;
  int64_t min_value = 1;
  int64_t max_value = INT64_MAX;
  int64_t start = 1;
  int64_t cache = 1;
  bool cycle = false;
  uint32_t owner_table = 0;  // the table whose column owns it (dropped with it), 0: none
  int owner_attnum = 0;
};

struct CheckDef {
  std::string name;
  std::string sql;
};

// A secondary index (CREATE INDEX, or a UNIQUE constraint's). NULLs never conflict in
// a unique index (NULLS DISTINCT, PostgreSQL's default).
struct IndexDef {
  uint32_t oid = 0;
  std::string name;
  std::vector<int> columns;  // positions in the table's columns, in key order
  bool unique = false;
  bool constraint = false;   // a UNIQUE constraint's index
  storage::TreeId tree = 0;
};

// FOREIGN KEY (columns) REFERENCES ref_table (ref_columns): every row whose `columns`
// are all non-NULL (MATCH SIMPLE) has a row of ref_table with equal ref_columns, which
// are that table's primary key or the columns of one of its unique indexes. Actions:
// 'a' NO ACTION and 'r' RESTRICT refuse to remove a referenced row (checked at the end
// of the statement), 'c' CASCADE deletes the referencing rows, 'n' SET NULL nulls them.
struct ForeignKeyDef {
  std::string name;
  std::vector<int> columns;
  uint32_t ref_table = 0;
  std::vector<int> ref_columns;
  char on_delete = 'a';
  char on_update = 'a';
};

// ANALYZE's measurements (none until the first ANALYZE).
struct TableStats {
  bool analyzed = false;
  uint64_t rows = 0;
  std::vector<double> null_frac;   // per column
  std::vector<double> n_distinct;  // per column, distinct non-NULL values
};

struct TableDef {
  uint32_t oid = 0;
  std::string schema = "public";
  std::string name;
  std::vector<ColumnDef> columns;
  std::vector<int> primary_key;  // positions in `columns`; empty: a hidden row id keys rows
  std::string primary_key_name;
  std::vector<CheckDef> checks;
  std::vector<IndexDef> indexes;
  std::vector<ForeignKeyDef> foreign_keys;
  TableStats stats;
  storage::TreeId tree = 0;

  // The column named `name`, or -1.
  int FindColumn(std::string_view name) const;
  std::vector<Type> ColumnTypes() const;
};

std::string EncodeTable(const TableDef& table);
// Errors: kDataLoss naming what is malformed.
absl::StatusOr<TableDef> DecodeTable(std::string_view bytes);

class CatalogSnapshot {
 public:
  uint64_t version() const { return version_; }
  uint32_t next_oid() const { return next_oid_; }
  // The table `schema.name`, or null.
  const TableDef* FindTable(std::string_view schema, std::string_view name) const;
  const std::map<std::string, TableDef>& tables() const { return tables_; }
  // The table with `oid`, or null.
  const TableDef* FindTableByOid(uint32_t oid) const;
  // The table owning index `schema.name`, or null (with *index the index's position).
  const TableDef* FindIndex(std::string_view schema, std::string_view name, size_t* index) const;
  // The view `schema.name`, or null.
  const ViewDef* FindView(std::string_view schema, std::string_view name) const;
  const std::map<std::string, ViewDef>& views() const { return views_; }
  // The sequence `schema.name`, or null.
  const SequenceDef* FindSequence(std::string_view schema, std::string_view name) const;
  const std::map<std::string, SequenceDef>& sequences() const { return sequences_; }
  // Whether a table, an index or a sequence is named `schema.name` (one namespace).
  bool RelationExists(std::string_view schema, std::string_view name) const;
  // The schema `name` (built-in or created), or null.
  const SchemaDef* FindSchema(std::string_view name) const;
  const std::map<std::string, SchemaDef>& schemas() const { return schemas_; }
  // Whether any table, view or sequence lives in `schema`.
  bool SchemaHasObjects(std::string_view schema) const;

  // The existing schemas of `path`, in order (duplicates and missing ones dropped).
  std::vector<std::string> PathSchemas(const SearchPath& path) const;
  // The schema a [schema.]name refers to: the named one, or the first schema of the
  // path holding a relation or view called `name` (else the path's first schema, or
  // "" if none exists: the caller then reports the name as missing).
  std::string LookupSchema(const std::vector<std::string>& names, const SearchPath& path) const;
  // The schema a CREATE puts [schema.]name in. Errors: 3F000 when the named schema
  // does not exist or the path names no existing schema.
  absl::StatusOr<std::string> CreationSchema(const std::vector<std::string>& names, const SearchPath& path) const;

  // Reads the whole catalog through `access`. Errors: the store's, kDataLoss for a
  // malformed record.
  // COMMENT ON's text of object `oid` (subid 0) or of its column with attnum `subid`;
  // null if none.
  const std::string* Comment(uint32_t oid, int32_t subid) const;
  // Every comment of object `oid`, by subid (empty if none).
  std::map<int32_t, std::string> CommentsOf(uint32_t oid) const;
  static Task<absl::StatusOr<std::shared_ptr<const CatalogSnapshot>>> Load(DataAccess& access);
  // The catalog version in the store (one point read), to check a cached snapshot.
  static Task<absl::StatusOr<uint64_t>> ReadVersion(DataAccess& access);

 private:
  uint64_t version_ = 0;
  uint32_t next_oid_ = kFirstUserOid;
  std::map<std::string, TableDef> tables_;  // by "schema.name"
  std::map<std::string, std::pair<std::string, size_t>> indexes_;  // "schema.name" → (table key, position)
  std::map<std::string, SequenceDef> sequences_;  // by "schema.name"
  std::map<std::string, ViewDef> views_;          // by "schema.name"
  std::map<std::string, SchemaDef> schemas_ = {
      {"pg_catalog", SchemaDef{kPgCatalogSchemaOid, "pg_catalog", true}},
      {"public", SchemaDef{kPublicSchemaOid, "public", true}}};
  std::map<uint32_t, std::map<int32_t, std::string>> comments_;  // by object oid, then subid
};

// Builds the catalog part of a DDL write set on top of `base`.
class CatalogWriter {
 public:
  explicit CatalogWriter(const CatalogSnapshot& base) : version_(base.version()), next_oid_(base.next_oid()) {}
  uint32_t AssignOid() { return next_oid_++; }
  void PutTable(const TableDef& table, storage::WriteSet* ws) const;
  // The table's records (not its comments: a rename deletes and puts it again).
  void DeleteTable(const TableDef& table, storage::WriteSet* ws) const;
  void PutSequence(const SequenceDef& sequence, storage::WriteSet* ws) const;
  void PutView(const ViewDef& view, storage::WriteSet* ws) const;
  void DeleteView(const ViewDef& view, storage::WriteSet* ws) const;
  void DeleteSequence(const SequenceDef& sequence, storage::WriteSet* ws) const;
  void PutSchema(const SchemaDef& schema, storage::WriteSet* ws) const;  // REQUIRES: not built in
  void DeleteSchema(const SchemaDef& schema, storage::WriteSet* ws) const;
  // Replaces object `oid`'s comments (none: the record goes).
  void PutComments(uint32_t oid, const std::map<int32_t, std::string>& comments, storage::WriteSet* ws) const;
  // Drops object `oid`'s comments (DROP of the object; a no-op when it has none).
  // Deleting a view, a sequence or a schema drops theirs.
  void DeleteComments(uint32_t oid, storage::WriteSet* ws) const;
  // Adds the version bump and the OID counter; call once, last.
  void Finish(storage::WriteSet* ws) const;

 private:
  uint64_t version_;
  uint32_t next_oid_;
};

std::string TableKey(std::string_view schema, std::string_view name);
std::string RowIdKey(uint32_t oid);
std::string SequenceStateKey(uint32_t oid);
inline constexpr char kSequenceStatePrefix[] = "q/";

}  // namespace quanta::sql
