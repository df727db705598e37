// The operators of a plan (see operator.h for the model). Scans of tables live in
// table_scan.h; aggregation in aggregate.h.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "sql/execution/join.h"
#include "sql/execution/operator.h"
#include "sql/execution/sort.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

// One row of no columns (SELECT without FROM).
class OneRowOperator : public Operator {
 public:
  OneRowOperator() : Operator({}) {}
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return "Result"; }

 private:
  bool done_ = false;
};

// Rows of expressions (VALUES): each row's expressions are evaluated once.
class ValuesOperator : public Operator {
 public:
  ValuesOperator(std::vector<Type> types, std::vector<std::vector<BoundExprPtr>> rows)
      : Operator(std::move(types)), rows_(std::move(rows)) {}
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return "Values Scan on \"*VALUES*\""; }
  size_t row_count() const { return rows_.size(); }

 private:
  std::vector<std::vector<BoundExprPtr>> rows_;
  size_t next_ = 0;
};

class FilterOperator : public Operator {
 public:
  FilterOperator(OperatorPtr child, BoundExprPtr predicate)
      : Operator(child->types()), child_(std::move(child)), predicate_(std::move(predicate)) {}
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return "Filter"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }
  // Planning only (before the first NextBatch): the input, and the predicate taken out.
  OperatorPtr& mutable_child() { return child_; }
  BoundExprPtr TakePredicate() { return std::move(predicate_); }
  const BoundExpr& predicate() const {
    QUANTA_ASSERT(predicate_ != nullptr);
    return *predicate_;
  }

 private:
  OperatorPtr child_;
  BoundExprPtr predicate_;
  bool started_ = false;
  bool pushed_ = false;  // into the table scan below, which then returns only passing rows
};

class ProjectOperator : public Operator {
 public:
  ProjectOperator(OperatorPtr child, std::vector<BoundExprPtr> exprs);
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return "Project"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }
  OperatorPtr& mutable_child() { return child_; }  // planning only
  const std::vector<BoundExprPtr>& exprs() const { return exprs_; }

 private:
  OperatorPtr child_;
  std::vector<BoundExprPtr> exprs_;
};

// SELECT DISTINCT ON: the first row of each distinct value list of `columns`, in input
// order (after the sort that makes "first" mean what ORDER BY says).
class FirstPerKeyOperator : public Operator {
 public:
  FirstPerKeyOperator(OperatorPtr child, std::vector<int> columns)
      : Operator(child->types()), child_(std::move(child)), columns_(std::move(columns)) {}
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return "Unique"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }

 private:
  OperatorPtr child_;
  std::vector<int> columns_;
  absl::btree_set<std::string> seen_;  // key encodings of the values kept
};

class LimitOperator : public Operator {
 public:
  LimitOperator(OperatorPtr child, std::optional<int64_t> limit, int64_t offset)
      : Operator(child->types()), child_(std::move(child)), limit_(limit), offset_(offset) {}
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return "Limit"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }
  OperatorPtr& mutable_child() { return child_; }  // planning only
  std::optional<int64_t> limit() const { return limit_; }
  int64_t offset() const { return offset_; }

 private:
  OperatorPtr child_;
  std::optional<int64_t> limit_;
  int64_t offset_;
  int64_t skipped_ = 0;
  int64_t emitted_ = 0;
};

// Set operations over whole inputs: UNION, INTERSECT, EXCEPT, [ALL].
class SetOperator : public Operator {
 public:
  enum class Op : uint8_t { kUnion, kIntersect, kExcept };
  SetOperator(OperatorPtr left, OperatorPtr right, Op op, bool all)
      : Operator(left->types()), left_(std::move(left)), right_(std::move(right)), op_(op), all_(all) {}
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override;
  std::vector<const Operator*> children() const override { return {left_.get(), right_.get()}; }

 private:
  Task<absl::Status> Compute(ExecContext& ctx);
  OperatorPtr left_, right_;
  Op op_;
  bool all_;
  bool computed_ = false;
  std::vector<DataChunk> result_;
  size_t next_ = 0;
};

// A recursive CTE's working table: the rows of the last iteration.
struct WorkingTable {
  std::vector<DataChunk> chunks;
};

// Reads a working table's batches (as they are when the scan runs).
class BufferScanOperator : public Operator {
 public:
  BufferScanOperator(std::vector<Type> types, std::shared_ptr<WorkingTable> source)
      : Operator(std::move(types)), source_(std::move(source)) {}
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return "WorkTable Scan"; }

 private:
  std::shared_ptr<WorkingTable> source_;
  size_t next_ = 0;
};

// WITH RECURSIVE: the initial term's rows, then each iteration's rows of the recursive
// term (planned afresh by `plan_step` over the working table, which holds the previous
// iteration's rows), until an iteration adds none. Without ALL, rows already produced
// are dropped. At most kMaxRecursiveRows rows (54001 past it: no runaway recursion).
class RecursiveUnionOperator : public Operator {
 public:
  static constexpr size_t kMaxRecursiveRows = size_t{1} << 22;
  using PlanStep = std::function<absl::StatusOr<OperatorPtr>()>;
  RecursiveUnionOperator(OperatorPtr initial, PlanStep plan_step, std::shared_ptr<WorkingTable> working, bool all)
      : Operator(initial->types()),
        initial_(std::move(initial)),
        plan_step_(std::move(plan_step)),
        working_(std::move(working)),
        all_(all) {}
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return "Recursive Union"; }

 private:
  // Keeps the rows of `chunks` not seen before (all of them with ALL), flat.
  std::vector<DataChunk> Fresh(std::vector<DataChunk> chunks);

  OperatorPtr initial_;
  PlanStep plan_step_;
  std::shared_ptr<WorkingTable> working_;
  bool all_;
  bool started_ = false;
  absl::btree_set<std::string> seen_;
  std::vector<DataChunk> pending_;
  size_t produced_ = 0;
};

// The group key of row `row` of `columns`: equal exactly when SQL grouping treats the
// values as equal (1.0 = 1.00, all NaNs alike, char(n) padding ignored).
// Keys are only compared for equality, never ordered or stored: integers and strings
// are their raw bytes, length-prefixed (no Value, no escaping).
std::string GroupKey(const std::vector<const Vector*>& columns, size_t row);
// Appends one column's part of a group key.
void AppendGroupKey(const Vector& v, size_t row, std::string* out);

}  // namespace quanta::sql
