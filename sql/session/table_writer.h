// TableWriter: the rows one DML statement writes to one table. It checks each row as
// PostgreSQL does, row by row (NOT NULL 23502, CHECK 23514, primary key and unique
// index uniqueness 23505 against the table and the statement's own earlier rows),
// builds its key (the primary key's encoding, or the next hidden row id), keeps every
// secondary index in step with the rows (an entry per row, moved when its indexed
// values or its key change) and collects the write set.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "engine/env/task.h"
#include "engine/storage/write_set.h"
#include "sql/catalog/catalog.h"
#include "sql/planner/expr_binder.h"
#include "sql/storage/data_access.h"

namespace quanta::sql {

class TableWriter {
 public:
  TableWriter(const TableDef& table, DataAccess& access) : table_(table), access_(access) {}

  // Binds the table's CHECK constraints and reads its row-id counter.
  Task<absl::Status> Prepare(ExprBinder& binder);
  // Adds `row` (one value per column, already of the column types).
  Task<absl::Status> Insert(std::vector<Value> row);
  // Replaces `old_row`, stored under `old_key`, with `row` (its key may change).
  Task<absl::Status> Update(const std::string& old_key, const std::vector<Value>& old_row, std::vector<Value> row);
  void Delete(const std::string& key, const std::vector<Value>& row);
  // ON CONFLICT: the key of the row `row` would collide with on the primary key (if
  // `primary`) or on one of `indexes` (unique ones of this table), counting this
  // statement's writes; nullopt if none.
  Task<absl::StatusOr<std::optional<std::string>>> FindConflict(const std::vector<Value>& row, bool primary,
                                                                const std::vector<const IndexDef*>& indexes);
  // The stored row under `key` (one this statement has not written). Errors: the store's,
  // kDataLoss for a malformed row, kNotFound if there is none.
  Task<absl::StatusOr<std::vector<Value>>> ReadRow(const std::string& key);
  // The write set, with the row-id counter if it moved. Call once, at the end.
  storage::WriteSet Finish();
  size_t rows() const { return rows_; }
  // The key of the row the last Insert or Update wrote.
  const std::string& last_key() const { return last_key_; }

  // What this statement changed, for the foreign keys (foreign_keys.h): rows added
  // (inserted, or an update's new version) and removed (deleted, or an update's old
  // version), in order.
  struct RowChange {
    std::string key;
    std::vector<Value> row;
    bool deleted = false;  // removed by a delete (not replaced by an update)
    // An update's old version: its new version's index in added().
    std::optional<size_t> replaced_by;
  };
  const std::vector<RowChange>& added() const { return added_; }
  const std::vector<RowChange>& removed() const { return removed_; }
  // Whether this statement wrote the row stored under `key`.
  bool Touched(const std::string& key) const;
  // Whether a row now has `values` in `columns` (counting this statement's writes).
  // REQUIRES: `columns` are, as a set, the primary key's or a unique index's.
  Task<absl::StatusOr<bool>> HasRowWith(const std::vector<int>& columns, const std::vector<Value>& values);

  // The bound DEFAULT of column `c` (NULL if it has none), coerced to its type.
  static absl::StatusOr<BoundExprPtr> BindDefault(const ColumnDef& c, ExprBinder& binder);

 private:
  absl::Status Check(const std::vector<Value>& row) const;
  // Whether `key` holds a row now, counting this statement's writes.
  Task<absl::StatusOr<bool>> Exists(const std::string& key);
  // The row key of an entry of `index` starting with `prefix` now, counting this
  // statement's writes; nullopt if none.
  Task<absl::StatusOr<std::optional<std::string>>> PrefixEntry(const IndexDef& index, const std::string& prefix);
  std::string KeyOf(const std::vector<Value>& row);
  absl::Status Duplicate(const std::string& constraint, const std::vector<int>& columns,
                         const std::vector<Value>& row) const;
  // Adds `row`'s entries (under `key`) to the indexes, checking unique ones; an update
  // passes the replaced row, whose entries are removed (and kept where unchanged).
  Task<absl::Status> PutIndexEntries(const std::string& key, const std::vector<Value>& row, const std::string* old_key,
                                     const std::vector<Value>* old_row);
  void Write(storage::TreeId tree, const std::string& key, std::optional<std::string> value);

  const TableDef& table_;
  DataAccess& access_;
  std::vector<BoundExprPtr> checks_;
  uint64_t next_row_id_ = 1;
  bool row_id_moved_ = false;
  // tree → key → present after this statement (rows and index entries it wrote)
  absl::btree_map<storage::TreeId, absl::btree_map<std::string, bool>> pending_;
  storage::WriteSet writes_;
  size_t rows_ = 0;
  std::string last_key_;
  std::vector<RowChange> added_;
  std::vector<RowChange> removed_;
  bool finished_ = false;
};

// "(1, null, abc)": a row as PostgreSQL's "Failing row contains" detail shows it.
std::string DescribeRow(const std::vector<Value>& row);

}  // namespace quanta::sql
