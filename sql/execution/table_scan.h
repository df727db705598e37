// TableScanOperator: a table's rows in key order, kBatchSize at a time, through a
// cursor over the store (each batch one bounded Scan resuming after the last key), so
// a full scan runs in bounded memory. Rows decode straight into the batch's vectors.
//
// Through a secondary index (SetIndexRange): the index entries in a key range, each
// row then read by its key (a row gone meanwhile is skipped; the planner's filter still
// applies the whole predicate, so a row that changed is checked again).
//
// With `with_keys`, a last bytea column carries each row's key (UPDATE and DELETE
// rewrite rows by key). Until MVCC lands, batches of one scan may come from different
// store states (a write set committed between two batches is seen by the later ones).
#pragma once

#include <optional>
#include <string>

#include "engine/env/assert.h"
#include "sql/catalog/catalog.h"
#include "sql/execution/operator.h"
#include "sql/storage/data_access.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {

class TableScanOperator : public Operator {
 public:
  TableScanOperator(DataAccess& access, const TableDef& table, bool with_keys);
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override;
  const TableDef& table() const { return table_; }
  // The name the query gave the table (FROM t AS x): EXPLAIN prints it after the table's.
  void set_alias(std::string alias) { alias_ = std::move(alias); }
  // The alias, or the table's name without one.
  const std::string& label() const { return alias_.empty() ? table_name_ : alias_; }
  // The key columns (table positions) a ranged scan's range is over: its index's, or
  // the primary key's; empty for an unranged scan.
  const std::vector<int>& range_columns() const;

  // Restricts the scan to keys in [start, end) (a primary key range from the planner).
  void SetRange(std::string start, std::optional<std::string> end) {
    resume_ = std::move(start);
    end_ = std::move(end);
    ranged_ = true;
  }
  // Reads the rows through `index` (the table's), its entries in [start, end).
  void SetIndexRange(const IndexDef* index, std::string start, std::optional<std::string> end) {
    SetRange(std::move(start), std::move(end));
    index_ = index;
  }
  // Starts the scan again over [start, end) of the same tree (an index nested loop's
  // lookup per outer row). REQUIRES: a ranged, forward scan.
  void Rescan(std::string start, std::optional<std::string> end) {
    QUANTA_ASSERT(ranged_ && !backward_);
    resume_ = std::move(start);
    end_ = std::move(end);
    done_ = false;
  }
  bool ranged() const { return ranged_; }
  bool through_index() const { return index_ != nullptr; }
  bool with_keys() const { return with_keys_; }
  // The planner's estimate of the rows the scan reads (negative: none; see ScanChoice).
  double estimated_rows() const { return estimated_rows_; }
  void set_estimated_rows(double rows) { estimated_rows_ = rows; }
  // Rows in descending key order (ORDER BY ... DESC on the key). Before the first batch.
  void SetBackward() { backward_ = true; }
  // Whether rows come in primary key order (ascending unless backward): a table with a
  // primary key, read without a secondary index.
  bool InKeyOrder() const { return index_ == nullptr && !table_.primary_key.empty(); }
  bool backward() const { return backward_; }
  // Decode only the columns marked (one flag per table column; the others read as NULL):
  // the planner's column pruning, for columns nothing above reads. Before the first batch.
  void set_needed_columns(std::vector<bool> needed) {
    QUANTA_ASSERT(needed.size() == column_count_ && !with_keys_);
    needed_ = std::move(needed);
  }
  // Applies `predicate` (a FilterOperator's, directly above, which owns it) while
  // decoding: the columns each conjunct reads first, the others only for the rows that
  // passed, so batches carry a selection and may have no active rows before the last
  // (the filter above passes them on or skips them). Before the first batch.
  void PushFilter(const BoundExpr* predicate) {
    QUANTA_ASSERT(predicate != nullptr && filter_ == nullptr);
    filter_ = predicate;
  }
  // EXPLAIN ANALYZE counts the rows read, as before a pushed filter.
  size_t CountedRows(const DataChunk& out) const override { return out.count(); }
  // Whether column `i` is decoded (not pruned).
  bool decodes(size_t i) const { return needed_.empty() || (i < needed_.size() && needed_[i]); }

 private:
  // Fills rows_ with the next batch of (key, row) pairs in key order, through the index
  // if there is one.
  Task<absl::Status> NextRows(size_t batch);
  // Decodes `rows` into out's columns (allocated), applying the pushed filter if any.
  absl::Status Decode(ExecContext& ctx, const storage::ScanBatch& rows, DataChunk* out);

  DataAccess& access_;
  const TableDef& table_;  // the catalog snapshot's, which outlives the plan
  bool ranged_ = false;
  const IndexDef* index_ = nullptr;  // the catalog snapshot's
  bool backward_ = false;
  double estimated_rows_ = -1;
  storage::TreeId tree_;
  std::string table_name_;
  std::string alias_;
  size_t column_count_;
  bool with_keys_;
  std::vector<bool> needed_;  // empty: every column
  std::string resume_;
  std::optional<std::string> end_;
  bool done_ = false;
  storage::ScanBatch entries_;  // reused batch to batch
  storage::ScanBatch rows_;     // through an index: the rows entries_ name
  RowBatchDecoder decoder_{column_count_};  // reused batch to batch
  const BoundExpr* filter_ = nullptr;       // pushed down by the filter above
};

}  // namespace quanta::sql
