// Hash aggregation: GROUP BY and aggregate functions (count, sum, avg, min, max,
// bool_and/bool_or/every, string_agg, array_agg), with DISTINCT, FILTER and ORDER BY
// inside the call (string_agg(x, ',' ORDER BY y)).
//
// Output columns: the group expressions' values, then one column per aggregate. Groups
// come out in the order they were first seen (deterministic for a given input order).
// Without group expressions there is exactly one group, even over no rows (count 0,
// the others NULL), as SQL requires.
//
// Result types follow PostgreSQL: count → bigint; sum(int2/int4) → bigint, sum(int8)
// → numeric, sum(float4/float8/numeric) → the same; avg(integers, numeric) → numeric
// (numeric division's scale), avg(floats) → double precision.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "sql/execution/operator.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

// kGrouping is GROUPING(...): no input; the operator computes it from a group's set.
enum class AggregateKind : uint8_t {
  kCountStar, kCount, kSum, kAvg, kMin, kMax, kBoolAnd, kBoolOr, kStringAgg, kArrayAgg, kGrouping
};

// One ORDER BY key inside an aggregate call.
struct AggregateOrder {
  bool descending = false;
  bool nulls_first = false;
};

struct AggregateSpec {
  AggregateKind kind = AggregateKind::kCount;
  // 0 (count(*)), 1, or 2 (string_agg's delimiter), then one per `order` key.
  std::vector<BoundExprPtr> args;
  BoundExprPtr filter;             // FILTER (WHERE ...), or null
  bool distinct = false;
  // ORDER BY inside the call: inputs are buffered with their sort keys and fed to the
  // aggregate in that order when it finishes (ties keep their input order).
  std::vector<AggregateOrder> order;
  // GROUPING(a, b): the group expressions (indexes) its arguments name; bit i from the
  // right is set when grouping_refs[n - 1 - i] is not grouped in the row's set.
  std::vector<int> grouping_refs;
  Type result;
  std::string name;
  size_t input_count() const { return args.size() - order.size(); }
};

// Resolves an aggregate by name for its argument types: kind and result type, or
// 42883 "function sum(text) does not exist".
absl::StatusOr<AggregateSpec> ResolveAggregate(std::string_view name, const std::vector<Type>& arg_types, bool star);

// One aggregate's running state over the rows fed to it (also window aggregates').
struct AggregateState {
  int64_t count = 0;       // non-NULL inputs seen
  __int128 int_sum = 0;    // integer sums (exact; converted at the end)
  double float_sum = 0;
  NumericSum numeric_sum;
  bool have = false;       // min/max/bool/string_agg: a value is held
  Value best;
  bool flag = false;
  std::string text;                   // string_agg's text, array_agg's encoding
  absl::btree_set<std::string> seen;  // DISTINCT: group keys of inputs counted
  // ORDER BY inside the call: (sort key, input values) in arrival order.
  std::vector<std::pair<std::string, std::vector<Value>>> buffered;
};

// Feeds row `row` of the evaluated arguments to `state`.
absl::Status UpdateAggregate(const AggregateSpec& spec, AggregateState& state, const std::vector<const Vector*>& args,
                             size_t row);
// The aggregate's value over what `state` was fed.
absl::StatusOr<Value> FinishAggregate(const AggregateSpec& spec, const AggregateState& state);

class AggregateOperator : public Operator {
 public:
  AggregateOperator(OperatorPtr child, std::vector<BoundExprPtr> groups, std::vector<AggregateSpec> aggregates);
  // GROUPING SETS / ROLLUP / CUBE: each row joins one group per set; a set says which
  // group expressions it groups by (the others read NULL in its rows). An empty set's
  // group exists even over no rows. Default: one set of every group expression.
  void set_grouping_sets(std::vector<std::vector<bool>> sets);
  ~AggregateOperator() override;
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return groups_.empty() ? "Aggregate" : "HashAggregate"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }
  // Planning only: the input, and what the operator reads of it.
  OperatorPtr& mutable_child() { return child_; }
  const std::vector<BoundExprPtr>& groups() const { return groups_; }
  const std::vector<AggregateSpec>& aggregates() const { return aggregates_; }

 private:
  using State = AggregateState;
  struct Group;
  Task<absl::Status> Consume(ExecContext& ctx);
  bool Grouped(size_t set, size_t group) const;
  Group& GroupOf(size_t set, const std::vector<const Vector*>& group_values, uint32_t row);
  // (*targets)[set][k] = the group of grouping set `set` that rows[k] belongs to
  // (created if new).
  void GroupsOf(const std::vector<const Vector*>& group_values, const Rows& rows,
                std::vector<std::vector<Group*>>* targets);
  Value GroupingValue(const AggregateSpec& spec, const Group& group) const;
  absl::Status Accumulate(const DataChunk& in, const ExecContext& ctx);

  OperatorPtr child_;
  std::vector<BoundExprPtr> groups_;
  std::vector<AggregateSpec> aggregates_;
  std::vector<std::vector<bool>> sets_;              // one per grouping set (see set_grouping_sets)
  absl::flat_hash_map<std::string, size_t> index_;  // lookup-only: group key → groups_seen_
  std::string key_scratch_;                          // GroupOf's key buffer
  std::vector<std::unique_ptr<Group>> groups_seen_;   // in first-seen order
  bool consumed_ = false;
  size_t next_ = 0;
};

}  // namespace quanta::sql
