// Column pruning (planner.h: PruneColumns): which columns each operator's consumer
// reads, passed down to the table scans, which then decode only those.
//
// Only operators whose reads are known pass a narrower need down: filters, projections,
// aggregates, sorts, limits, hash and merge joins. Below any other operator (and below
// an index nested loop, a window, a subquery's Apply...) nothing is pruned: a scan
// there decodes every column, as without this pass. A column nothing reads is a
// constant NULL in the scan's batches.
#include <vector>

#include "engine/env/assert.h"
#include "sql/execution/aggregate.h"
#include "sql/execution/hash_join.h"
#include "sql/execution/merge_join.h"
#include "sql/execution/operators.h"
#include "sql/execution/sort.h"
#include "sql/execution/table_scan.h"
#include "sql/planner/planner.h"

namespace quanta::sql {
namespace {

using Needed = std::vector<bool>;

void Prune(Operator* op, Needed needed);

// A join's inputs: the columns its consumer reads (left ++ right; a semi or anti
// join's output is the left's alone), its keys and its residual condition.
void PruneJoin(OperatorPtr& left, OperatorPtr& right, const Needed& needed, const std::vector<int>& left_keys,
               const std::vector<int>& right_keys, const BoundExpr* residual) {
  const size_t left_width = left->types().size();
  Needed both(left_width + right->types().size(), false);
  for (size_t c = 0; c < needed.size(); ++c) both[c] = needed[c];
  for (int k : left_keys) both[static_cast<size_t>(k)] = true;
  for (int k : right_keys) both[left_width + static_cast<size_t>(k)] = true;
  if (residual != nullptr) MarkColumns(*residual, &both);
  Prune(left.get(), Needed(both.begin(), both.begin() + static_cast<std::ptrdiff_t>(left_width)));
  Prune(right.get(), Needed(both.begin() + static_cast<std::ptrdiff_t>(left_width), both.end()));
}

void Prune(Operator* op, Needed needed) {
  QUANTA_ASSERT(needed.size() == op->types().size());
  if (auto* scan = dynamic_cast<TableScanOperator*>(op)) {
    if (!scan->with_keys()) scan->set_needed_columns(std::move(needed));
    return;
  }
  if (auto* filter = dynamic_cast<FilterOperator*>(op)) {
    MarkColumns(filter->predicate(), &needed);
    return Prune(filter->mutable_child().get(), std::move(needed));
  }
  if (auto* project = dynamic_cast<ProjectOperator*>(op)) {
    Needed below(project->mutable_child()->types().size(), false);
    for (size_t i = 0; i < project->exprs().size(); ++i) {
      if (needed[i]) MarkColumns(*project->exprs()[i], &below);
    }
    return Prune(project->mutable_child().get(), std::move(below));
  }
  if (auto* aggregate = dynamic_cast<AggregateOperator*>(op)) {
    Needed below(aggregate->mutable_child()->types().size(), false);
    for (const BoundExprPtr& g : aggregate->groups()) MarkColumns(*g, &below);
    for (const AggregateSpec& spec : aggregate->aggregates()) {
      for (const BoundExprPtr& a : spec.args) MarkColumns(*a, &below);
      if (spec.filter != nullptr) MarkColumns(*spec.filter, &below);
    }
    return Prune(aggregate->mutable_child().get(), std::move(below));
  }
  if (auto* sort = dynamic_cast<SortOperator*>(op)) {
    for (const SortKey& k : sort->keys()) needed[static_cast<size_t>(k.column)] = true;
    return Prune(sort->mutable_child().get(), std::move(needed));
  }
  if (auto* limit = dynamic_cast<LimitOperator*>(op)) return Prune(limit->mutable_child().get(), std::move(needed));
  if (auto* hash = dynamic_cast<HashJoinOperator*>(op)) {
    return PruneJoin(hash->mutable_left(), hash->mutable_right(), needed, hash->left_keys(), hash->right_keys(),
                     hash->residual());
  }
  if (auto* merge = dynamic_cast<MergeJoinOperator*>(op)) {
    return PruneJoin(merge->mutable_left(), merge->mutable_right(), needed, merge->left_keys(), merge->right_keys(),
                     merge->residual());
  }
  // Anything else: its reads are not known here, so nothing below is pruned.
}

}  // namespace

void PruneColumns(Operator* root) { Prune(root, Needed(root->types().size(), true)); }

}  // namespace quanta::sql
