// ApplyOperator: runs a clause's subqueries for its input rows and appends their
// results as columns (PostgreSQL's SubPlans). A correlated subquery is planned and run
// once per input row with that row's values bound to its outer references; an
// uncorrelated one runs once and its rows are kept.
//
// Results: a scalar subquery gives its one value (NULL for no rows; 21000 for more
// than one); EXISTS whether it returned a row; IN / op ANY / op ALL compare the
// needle with every returned value with three-valued logic (ANY: true if any compare
// is true, else NULL if any is NULL; ALL the dual; NOT IN negates IN); ARRAY(...) the
// values as an array, in the subquery's order ({} for no rows).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "sql/execution/operator.h"
#include "sql/planner/expr_binder.h"

namespace quanta::sql {

class ApplyOperator : public Operator {
 public:
  // Plans `entry`'s subquery for one outer row: the values of the outer level's columns,
  // column i read from input column outer_columns[i] (-1: none, a NULL the subquery
  // cannot name, as an ungrouped column over groups).
  using PlanSubquery = std::function<absl::StatusOr<OperatorPtr>(const SubqueryEntry& entry, const std::vector<Value>& outer_row)>;
  ApplyOperator(OperatorPtr child, std::vector<SubqueryEntry> entries, std::vector<int> outer_columns, PlanSubquery plan);
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return "SubPlan"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }

 private:
  // The subquery's rows for input row `row` (cached when uncorrelated).
  Task<absl::StatusOr<const std::vector<DataChunk>*>> Rows(ExecContext& ctx, size_t entry, const DataChunk& in, size_t row);
  absl::StatusOr<Value> Result(const SubqueryEntry& entry, const std::vector<DataChunk>& rows, const Vector* needle,
                               size_t row) const;

  OperatorPtr child_;
  std::vector<SubqueryEntry> entries_;
  std::vector<int> outer_columns_;
  PlanSubquery plan_;
  std::vector<std::optional<std::vector<DataChunk>>> cached_;  // uncorrelated entries' rows
  std::vector<DataChunk> current_;                             // the last correlated run's rows
};

}  // namespace quanta::sql
