// ForeignKeys: enforces the foreign keys one DML statement's writes touch, at the end
// of the statement and before its write set commits (a statement is its own
// transaction, so NO ACTION, RESTRICT and DEFERRABLE constraints all check there).
//
// First the removals: for every row the statement removed from a referenced table
// whose referenced values no row holds any more, the referencing rows of every table
// are found (one scan per foreign key and round) and, by the key's ON DELETE action,
// refused (23503), deleted (CASCADE) or nulled (SET NULL) through a writer of their
// own table; those changes are removals in turn, until none is left. Then the
// additions: every row added anywhere must find its referenced row (23503).
//
// Invariant: after Enforce succeeds, every row the statement leaves in a table with
// foreign keys references existing rows, and no removed row is still referenced.
#pragma once

#include <map>
#include <memory>

#include "absl/container/btree_set.h"
#include "engine/env/task.h"
#include "engine/storage/write_set.h"
#include "sql/catalog/catalog.h"
#include "sql/session/table_writer.h"

namespace quanta::sql {

// 23503 "insert or update on table ... violates foreign key constraint" with
// PostgreSQL's DETAIL "Key (a)=(1) is not present in table "parent"."
absl::Status MissingReference(const TableDef& child, const ForeignKeyDef& fk, const std::vector<Value>& values,
                              const TableDef& parent);

class ForeignKeys {
 public:
  // `primary`: the writer of the statement's target table (not owned).
  ForeignKeys(const CatalogSnapshot& catalog, DataAccess& access, TableWriter& primary, const TableDef& table);

  // Whether any foreign key involves the tables the statement may touch (none: Enforce
  // has nothing to do).
  bool Relevant() const;
  Task<absl::Status> Enforce(ExprBinder& binder);
  // The statement's write set: the primary writer's, then each cascade's.
  storage::WriteSet Finish();

 private:
  Task<absl::StatusOr<TableWriter*>> WriterFor(const TableDef& table, ExprBinder& binder);
  // Applies the ON DELETE / ON UPDATE actions of `fk` (of table `child`) to the rows of
  // `parent` in `removed`.
  Task<absl::Status> ApplyRemovals(const TableDef& parent, const TableDef& child, const ForeignKeyDef& fk,
                                   const std::vector<TableWriter::RowChange>& removed, ExprBinder& binder);
  Task<absl::Status> CheckAdded(const TableDef& child, const TableWriter::RowChange& change, ExprBinder& binder);

  const CatalogSnapshot& catalog_;
  DataAccess& access_;
  TableWriter& primary_;
  const TableDef& table_;
  std::map<uint32_t, std::unique_ptr<TableWriter>> writers_;  // table oid → cascade or lookup writer
  std::map<uint32_t, size_t> removals_done_;                   // table oid → removed() entries handled
};

}  // namespace quanta::sql
