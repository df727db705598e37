// Helpers shared by the DDL statements (ddl.cc, ddl_index.cc).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/catalog/catalog.h"
#include "sql/parser/ast.h"
#include "sql/planner/expr_binder.h"

namespace quanta::sql {

inline constexpr size_t kMaxDropRows = 1u << 20;  // rows one DROP deletes in its write set

// A name for a new relation as PostgreSQL chooses one: "name1_name2_suffix" (parts
// shortened to fit 63 bytes), then suffix1, suffix2... until no relation of `schema`
// and none of `taken` has it.
std::string ChooseRelationName(const CatalogSnapshot& catalog, const std::string& schema, std::string name1,
                               std::string name2, const std::string& suffix, const std::vector<std::string>& taken);
// The positions of index (or UNIQUE constraint) columns `names` in `table`; errors as
// PostgreSQL's (42703, for a constraint also 42701 for a column named twice).
absl::StatusOr<std::vector<int>> ResolveIndexColumns(const TableDef& table, const std::vector<std::string>& names,
                                                     bool constraint);

// 23505 "could not create unique index" with PostgreSQL's DETAIL "Key (a, b)=(1, 2) is
// duplicated." for `row`'s values of `columns` (positions in `table`).
absl::Status IndexBuildDuplicate(const TableDef& table, const std::string& index, const std::vector<int>& columns,
                                 const std::vector<Value>& row);

// Validates a DEFAULT: it must bind with no columns in scope and convert to `type`.
absl::Status CheckDefaultExpr(const ast::Expr& e, const Type& type, const SessionInfo& session);

// `s` with the options applied, validated as PostgreSQL does (22023 naming the bad
// option). `creating`: unset bounds and start take their defaults for the direction.
absl::StatusOr<SequenceDef> ApplySequenceOptions(SequenceDef s, const ast::SequenceOptions& options, bool creating);

// One name of a DROP of a `kind` ("table", "index", "sequence", "view") that `found` or
// not: true to drop it; false to skip it (IF EXISTS: a notice goes to *notices); or
// the error: 42809 when another kind of relation has the name, else `missing_state`
// (42P01, 42704 for indexes) "<kind> "name" does not exist".
absl::StatusOr<bool> CheckDropTarget(bool found, const CatalogSnapshot& catalog, const SearchPath& path,
                                     const std::vector<std::string>& names, const char* kind, const char* missing_state,
                                     bool if_exists, std::vector<std::string>* notices);

// Views whose FROM clauses name `schema.name`.
std::vector<const ViewDef*> DependentViews(const CatalogSnapshot& catalog, const std::string& schema, const std::string& name);
// 2BP01 "cannot drop <kind> <name> because other objects depend on it", naming `views`.
absl::Status DependentsError(const char* kind, const std::string& name, const std::vector<const ViewDef*>& views);
// Adds dropping `view` and, transitively, the views that depend on it (once each: *dropped).
void DropViewsCascading(const CatalogSnapshot& catalog, const ViewDef& view, const CatalogWriter& writer,
                        std::vector<std::string>* dropped, storage::WriteSet* ws);

// A FOREIGN KEY constraint of `table` (being created: its oid and indexes assigned)
// resolved against the catalog or, for a self-reference, `table` itself. Errors as
// PostgreSQL's: 42P01, 42703, 42830 (no matching unique key, column counts), 42804
// (incompatible types), 0A000 for the actions not supported yet.
absl::StatusOr<ForeignKeyDef> ResolveForeignKey(const CatalogSnapshot& catalog, const SearchPath& path,
                                                const TableDef& table, const ast::TableConstraint& c);
// DROP TABLE of `dropped`: the foreign keys of other tables referencing them are refused
// (2BP01) or, with CASCADE, dropped from those tables (a notice each).
absl::Status DropReferencingKeys(const CatalogSnapshot& catalog, const std::vector<const TableDef*>& dropped, bool cascade,
                                 const CatalogWriter& writer, std::vector<std::string>* notices, storage::WriteSet* ws);
// DROP COLUMN: `table`'s own foreign keys using `column` go with it; the others' column
// positions shift down.
void DropColumnFromForeignKeys(TableDef* table, int column);
// ALTER TABLE of `old` into `now`: the keys other tables reference keep their columns
// (same positions, comparable types, still unique), else 2BP01; `now`'s own keys stay
// implementable (42804 for a retyped column).
absl::Status CheckForeignKeysKept(const CatalogSnapshot& catalog, const TableDef& old, const TableDef& now);
// TRUNCATE of `truncated`: 0A000 if a table outside the list references one of them.
absl::Status CheckTruncatable(const CatalogSnapshot& catalog, const std::vector<const TableDef*>& truncated);
// The foreign keys of other tables that reference `table`.
std::vector<std::pair<const TableDef*, const ForeignKeyDef*>> ReferencingKeys(const CatalogSnapshot& catalog,
                                                                               const TableDef& table);

}  // namespace quanta::sql
