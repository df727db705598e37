// TableScanOperator: a table's rows in key order, kBatchSize at a time, through a
// cursor over the store (each batch one bounded Scan resuming after the last key), so
// a full scan runs in bounded memory. Rows decode straight into the batch's vectors.
//
// With `with_keys`, a last bytea column carries each row's key (UPDATE and DELETE
// rewrite rows by key). Until MVCC lands, batches of one scan may come from different
// store states (a write set committed between two batches is seen by the later ones).
#pragma once

#include <optional>
#include <string>

#include "sql/catalog/catalog.h"
#include "sql/execution/operator.h"
#include "sql/storage/data_access.h"

namespace quanta::sql {

class TableScanOperator : public Operator {
 public:
  TableScanOperator(DataAccess& access, const TableDef& table, bool with_keys);
  Task<absl::StatusOr<bool>> Next(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return (ranged_ ? "Index Scan using pkey on " : "Seq Scan on ") + table_name_; }
  const TableDef& table() const { return table_; }

  // Restricts the scan to keys in [start, end) (an index range from the planner).
  void SetRange(std::string start, std::optional<std::string> end) {
    resume_ = std::move(start);
    end_ = std::move(end);
    ranged_ = true;
  }

 private:
  DataAccess& access_;
  const TableDef& table_;  // the catalog snapshot's, which outlives the plan
  bool ranged_ = false;
  storage::TreeId tree_;
  std::string table_name_;
  size_t column_count_;
  bool with_keys_;
  std::string resume_;
  std::optional<std::string> end_;
  bool done_ = false;
};

}  // namespace quanta::sql
