// IndexNestedLoopJoinOperator: an equi-join that finds each left row's partners by a
// lookup in the right table's primary key or one of its indexes, instead of reading the
// whole right table into a hash table. Per left row: the row's values of `left_keys`,
// key-encoded, are the leading columns of the lookup key (the index's first
// left_keys.size() columns); the inner scan reads that key range. A left row with a NULL
// key finds nothing (NULL equals nothing). The key encoding is the one hash joins group
// by (SQL equality: 1.0 = 1.00), so the range holds every right row the equalities can
// match; `condition` (left ++ right columns, the equalities included) is then checked on
// every candidate pair, so the lookup only needs to find a superset.
//
// INNER or LEFT joins. Output: left's columns, then right's. EXPLAIN shows it as
// PostgreSQL does: "Nested Loop" over the left input and the inner index scan.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sql/execution/join.h"
#include "sql/execution/table_scan.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

class IndexNestedLoopJoinOperator : public Operator {
 public:
  // REQUIRES: `inner` is a ranged forward scan (its range is replaced per left row);
  // left_keys non-empty, each of the type of the index column it looks up.
  IndexNestedLoopJoinOperator(OperatorPtr left, std::unique_ptr<TableScanOperator> inner, std::vector<int> left_keys,
                              JoinKind kind, BoundExprPtr condition);
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return std::string("Nested Loop") + JoinKindSuffix(kind_); }
  std::vector<const Operator*> children() const override { return {left_.get(), inner_.get()}; }
  const std::vector<int>& left_keys() const { return left_keys_; }  // one per leading inner key column

 private:
  // Looks up the partners of left row `row` and appends the joined rows to produced_.
  Task<absl::Status> JoinRow(ExecContext& ctx, const DataChunk& left, size_t row);
  // Appends (left row, right row) pairs that pass the condition; returns how many.
  absl::StatusOr<size_t> AppendMatches(ExecContext& ctx, const DataChunk& left, size_t row, const DataChunk& right);

  OperatorPtr left_;
  std::unique_ptr<TableScanOperator> inner_;
  std::vector<int> left_keys_;
  JoinKind kind_;
  BoundExprPtr condition_;
  bool left_done_ = false;
  std::vector<DataChunk> produced_;  // joined rows not handed out yet, in order
  size_t delivered_ = 0;             // chunks of produced_ handed out
};

}  // namespace quanta::sql
