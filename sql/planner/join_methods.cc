// Join methods and row estimates (planner.h: ChooseJoinMethods, EstimateRows).
#include <algorithm>

#include "engine/env/assert.h"
#include "sql/execution/hash_join.h"
#include "sql/execution/index_join.h"
#include "sql/execution/operators.h"
#include "sql/execution/table_scan.h"
#include "sql/planner/key_range.h"
#include "sql/planner/planner.h"

namespace quanta::sql {
namespace {

constexpr double kFilterSelectivity = 1.0 / 3;
// An index lookup per left row costs about this many rows of a full scan (a descent of
// the tree and, through a secondary index, a second read).
constexpr double kLookupCost = 10;

double TableRows(const TableDef& table) {
  return static_cast<double>(table.stats.analyzed ? table.stats.rows : kUnknownTableRows);
}

// A lookup key for the right table: its primary key or one of its indexes, of which
// `left_keys.size()` leading columns are fixed by the join's equalities.
struct Lookup {
  const IndexDef* index = nullptr;  // null: the primary key
  std::vector<int> left_keys;       // per fixed leading column, the left column equal to it
};

// The leading columns of `columns` each equal to a left column (right_keys[i] =
// left_keys[i] pairs), as left columns.
std::vector<int> FixedPrefix(const std::vector<int>& columns, const HashJoinOperator& join) {
  std::vector<int> fixed;
  for (int column : columns) {
    const auto it = std::find(join.right_keys().begin(), join.right_keys().end(), column);
    if (it == join.right_keys().end()) break;
    fixed.push_back(join.left_keys()[static_cast<size_t>(it - join.right_keys().begin())]);
  }
  return fixed;
}

// The key of `table` the join can look rows up by: the most leading columns fixed, the
// primary key on a tie (it holds the rows).
std::optional<Lookup> FindLookup(const TableDef& table, const HashJoinOperator& join) {
  std::optional<Lookup> best;
  if (!table.primary_key.empty()) {
    std::vector<int> fixed = FixedPrefix(table.primary_key, join);
    if (!fixed.empty()) best = Lookup{nullptr, std::move(fixed)};
  }
  for (const IndexDef& index : table.indexes) {
    std::vector<int> fixed = FixedPrefix(index.columns, join);
    if (!fixed.empty() && (!best || fixed.size() > best->left_keys.size())) best = Lookup{&index, std::move(fixed)};
  }
  return best;
}

// Rebuilds `join` as an index nested loop over its right input's table when that pays.
OperatorPtr MaybeIndexJoin(OperatorPtr op) {
  auto* join = dynamic_cast<HashJoinOperator*>(op.get());
  if (join == nullptr || (join->kind() != JoinKind::kInner && join->kind() != JoinKind::kLeft)) return op;
  // The right input: a whole-table scan under filters.
  OperatorPtr* slot = &join->mutable_right();
  std::vector<FilterOperator*> filters;
  while (auto* filter = dynamic_cast<FilterOperator*>(slot->get())) {
    filters.push_back(filter);
    slot = &filter->mutable_child();
  }
  auto* scan = dynamic_cast<TableScanOperator*>(slot->get());
  if (scan == nullptr || scan->ranged() || scan->backward() || scan->with_keys()) return op;
  std::optional<Lookup> lookup = FindLookup(scan->table(), *join);
  if (!lookup) return op;
  if (EstimateRows(*join->mutable_left()) * kLookupCost >= TableRows(scan->table())) return op;

  const int left_width = static_cast<int>(join->left_width());
  std::vector<BoundExprPtr> terms = join->TakeCondition();
  for (FilterOperator* filter : filters) {  // right-side filters: over left ++ right now
    BoundExprPtr predicate = filter->TakePredicate();
    ShiftColumns(predicate.get(), left_width);
    terms.push_back(std::move(predicate));
  }
  QUANTA_ASSERT(!terms.empty());
  std::unique_ptr<TableScanOperator> inner(static_cast<TableScanOperator*>(slot->release()));
  if (lookup->index == nullptr) {
    inner->SetRange("", std::nullopt);
  } else {
    inner->SetIndexRange(lookup->index, "", std::nullopt);
  }
  return std::make_unique<IndexNestedLoopJoinOperator>(std::move(join->mutable_left()), std::move(inner),
                                                       std::move(lookup->left_keys), join->kind(), Conjoin(std::move(terms)));
}

// An INNER hash join builds its hash table from the right input: when the left is
// estimated much smaller, the inputs trade places (a projection restores the columns).
constexpr double kSwapRatio = 2;

OperatorPtr MaybeSwapSides(OperatorPtr op) {
  auto* join = dynamic_cast<HashJoinOperator*>(op.get());
  if (join == nullptr || join->kind() != JoinKind::kInner) return op;
  const double left_rows = EstimateRows(*join->mutable_left());
  const double right_rows = EstimateRows(*join->mutable_right());
  if (right_rows <= left_rows * kSwapRatio) return op;
  const std::vector<Type> types = join->types();
  const int left_width = static_cast<int>(join->left_width());
  const int width = static_cast<int>(types.size());
  std::vector<int> to(types.size());  // left ++ right → right ++ left
  for (int c = 0; c < width; ++c) to[static_cast<size_t>(c)] = c < left_width ? c + (width - left_width) : c - left_width;
  std::vector<BoundExprPtr> terms = join->TakeCondition();
  for (BoundExprPtr& t : terms) MapColumns(t.get(), to);
  OperatorPtr swapped = MakeJoin(std::move(join->mutable_right()), std::move(join->mutable_left()), JoinKind::kInner,
                                 Conjoin(std::move(terms)), static_cast<size_t>(width - left_width));
  QUANTA_ASSERT(dynamic_cast<HashJoinOperator*>(swapped.get()) != nullptr);  // the same equalities, mirrored
  std::vector<BoundExprPtr> columns;
  for (int c = 0; c < width; ++c) columns.push_back(MakeColumn(to[static_cast<size_t>(c)], types[static_cast<size_t>(c)]));
  return std::make_unique<ProjectOperator>(std::move(swapped), std::move(columns));
}

}  // namespace

double EstimateRows(const Operator& op) {
  if (const auto* scan = dynamic_cast<const TableScanOperator*>(&op)) {
    if (scan->estimated_rows() >= 0) return scan->estimated_rows();
    const double rows = TableRows(scan->table());
    return scan->ranged() ? rows * kFilterSelectivity : rows;
  }
  const std::vector<const Operator*> children = op.children();
  if (const auto* join = dynamic_cast<const JoinOperator*>(&op)) {
    const double left = EstimateRows(*children[0]), right = EstimateRows(*children[1]);
    // An equi-join: as a foreign key's, each row of the larger side finds about one.
    if (!join->EmitsPairs()) return left / 2;  // semi, anti: some of the left rows
    return join->kind() == JoinKind::kCross ? left * right : std::max(left, right);
  }
  if (dynamic_cast<const IndexNestedLoopJoinOperator*>(&op) != nullptr) return EstimateRows(*children[0]);
  if (dynamic_cast<const FilterOperator*>(&op) != nullptr) {
    const auto* scan = dynamic_cast<const TableScanOperator*>(children[0]);
    const double rows = EstimateRows(*children[0]);
    return scan != nullptr && scan->ranged() ? rows : rows * kFilterSelectivity;  // a range already counted it
  }
  if (dynamic_cast<const OneRowOperator*>(&op) != nullptr) return 1;
  double rows = children.empty() ? static_cast<double>(kUnknownTableRows) : 0;
  for (const Operator* child : children) rows = std::max(rows, EstimateRows(*child));
  return rows;
}

OperatorPtr ChooseJoinMethods(OperatorPtr op, bool index_joins) {
  if (auto* filter = dynamic_cast<FilterOperator*>(op.get())) {
    filter->mutable_child() = ChooseJoinMethods(std::move(filter->mutable_child()), index_joins);
    return op;
  }
  if (auto* project = dynamic_cast<ProjectOperator*>(op.get())) {  // over reordered joins
    project->mutable_child() = ChooseJoinMethods(std::move(project->mutable_child()), index_joins);
    return op;
  }
  auto* join = dynamic_cast<JoinOperator*>(op.get());
  if (join == nullptr) return op;
  join->mutable_left() = ChooseJoinMethods(std::move(join->mutable_left()), index_joins);
  join->mutable_right() = ChooseJoinMethods(std::move(join->mutable_right()), index_joins);
  if (index_joins) op = MaybeIndexJoin(std::move(op));
  return MaybeSwapSides(std::move(op));
}

}  // namespace quanta::sql
