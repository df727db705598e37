// Join methods and row estimates (planner.h: ChooseJoinMethods, EstimateRows).
#include <algorithm>

#include "engine/env/assert.h"
#include "sql/execution/aggregate.h"
#include "sql/execution/hash_join.h"
#include "sql/execution/index_join.h"
#include "sql/execution/merge_join.h"
#include "sql/execution/operators.h"
#include "sql/execution/sort.h"
#include "sql/execution/table_scan.h"
#include "sql/planner/key_range.h"
#include "sql/planner/planner.h"

namespace quanta::sql {
namespace {

constexpr double kFilterSelectivity = 1.0 / 3;
constexpr double kDefaultDistinct = 200;  // PostgreSQL's DEFAULT_NUM_DISTINCT
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

// A merge join pays over a hash join once the inputs come in key order and the hash
// table would be big: below this many rows (estimated) on either side, hashing stays.
constexpr double kMergeMinRows = 10000;

// The table scan under `op`'s filters, if it reads rows in ascending primary key order.
const TableScanOperator* KeyOrderedScan(const Operator& op) {
  const Operator* at = &op;
  while (dynamic_cast<const FilterOperator*>(at) != nullptr) at = at->children()[0];
  const auto* scan = dynamic_cast<const TableScanOperator*>(at);
  return scan != nullptr && scan->InKeyOrder() && !scan->backward() ? scan : nullptr;
}

// Whether `op`'s rows come sorted on `columns`, in that order (ascending, NULLs last).
bool SortedOn(const Operator& op, const std::vector<int>& columns) {
  const TableScanOperator* scan = KeyOrderedScan(op);
  if (scan == nullptr || columns.size() > scan->table().primary_key.size()) return false;
  return std::equal(columns.begin(), columns.end(), scan->table().primary_key.begin());
}

// The join's key pairs (indexes into left_keys/right_keys) that both inputs come sorted
// on, in that order: the pairs matching both tables' primary keys column by column from
// the first. Empty if the inputs are not in a common order.
std::vector<size_t> PresortedPairs(HashJoinOperator& join) {
  const TableScanOperator* left = KeyOrderedScan(*join.mutable_left());
  const TableScanOperator* right = KeyOrderedScan(*join.mutable_right());
  std::vector<size_t> pairs;
  if (left == nullptr || right == nullptr) return pairs;
  const std::vector<int>& left_pk = left->table().primary_key;
  const std::vector<int>& right_pk = right->table().primary_key;
  for (size_t i = 0; i < left_pk.size() && i < right_pk.size(); ++i) {
    size_t p = 0;
    while (p < join.left_keys().size() && !(join.left_keys()[p] == left_pk[i] && join.right_keys()[p] == right_pk[i])) ++p;
    if (p == join.left_keys().size() || std::find(pairs.begin(), pairs.end(), p) != pairs.end()) break;
    pairs.push_back(p);
  }
  return pairs;
}

// `op` sorted on `columns` (ascending, NULLs last), unless it already is.
OperatorPtr SortedBy(OperatorPtr op, const std::vector<int>& columns) {
  if (SortedOn(*op, columns)) return op;
  std::vector<SortKey> keys;
  for (int c : columns) keys.push_back(SortKey{c, false, false});
  return std::make_unique<SortOperator>(std::move(op), std::move(keys));
}

// Rebuilds `join` as a merge join when its inputs come in key order and are big, or
// (`forced`: hash joins disabled) always, sorting the inputs as needed.
OperatorPtr MaybeMergeJoin(OperatorPtr op, bool forced) {
  auto* join = dynamic_cast<HashJoinOperator*>(op.get());
  if (join == nullptr) return op;
  std::vector<size_t> pairs = PresortedPairs(*join);
  if (pairs.empty()) {
    if (!forced) return op;
    for (size_t p = 0; p < join->left_keys().size(); ++p) pairs.push_back(p);
  } else if (!forced && std::min(EstimateRows(*join->mutable_left()), EstimateRows(*join->mutable_right())) < kMergeMinRows) {
    return op;
  }
  const std::vector<int> all_left = join->left_keys(), all_right = join->right_keys();
  std::vector<BoundExprPtr> terms = join->TakeCondition();  // the key equalities, pair by pair, then the residual
  QUANTA_ASSERT(terms.size() >= all_left.size());
  std::vector<int> left_keys, right_keys;
  std::vector<BoundExprPtr> residual;
  for (size_t p : pairs) {
    left_keys.push_back(all_left[p]);
    right_keys.push_back(all_right[p]);
  }
  for (size_t t = 0; t < terms.size(); ++t) {
    if (std::find(pairs.begin(), pairs.end(), t) == pairs.end()) residual.push_back(std::move(terms[t]));
  }
  OperatorPtr left = SortedBy(std::move(join->mutable_left()), left_keys);
  OperatorPtr right = SortedBy(std::move(join->mutable_right()), right_keys);
  return std::make_unique<MergeJoinOperator>(std::move(left), std::move(right), join->kind(), std::move(left_keys),
                                             std::move(right_keys), residual.empty() ? nullptr : Conjoin(std::move(residual)));
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

namespace {

// The groups an aggregate forms: one without GROUP BY; else the product of its group
// columns' distinct counts (ANALYZE's, a NULL counting as one more value, where a group
// is a column of a table scanned below filters; PostgreSQL's default of 200 otherwise),
// at most its input's rows.
double EstimateGroups(const AggregateOperator& aggregate) {
  if (aggregate.groups().empty()) return 1;
  const Operator* input = aggregate.children()[0];
  const double input_rows = EstimateRows(*input);
  while (dynamic_cast<const FilterOperator*>(input) != nullptr) input = input->children()[0];
  const auto* scan = dynamic_cast<const TableScanOperator*>(input);
  const TableStats* stats = scan != nullptr && scan->table().stats.analyzed ? &scan->table().stats : nullptr;
  double groups = 1;
  for (const BoundExprPtr& g : aggregate.groups()) {
    double distinct = kDefaultDistinct;
    if (stats != nullptr && g->kind == BoundKind::kColumn && g->column >= 0 &&
        static_cast<size_t>(g->column) < stats->n_distinct.size()) {
      const size_t c = static_cast<size_t>(g->column);
      distinct = std::max(1.0, stats->n_distinct[c]) + (stats->null_frac[c] > 0 ? 1 : 0);
    }
    groups = std::min(groups * distinct, std::max(1.0, input_rows));
  }
  return std::max(1.0, std::min(groups, input_rows));
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
  if (const auto* merge = dynamic_cast<const MergeJoinOperator*>(&op)) {
    const double left = EstimateRows(*children[0]), right = EstimateRows(*children[1]);
    return merge->kind() == JoinKind::kSemi || merge->kind() == JoinKind::kAnti ? left / 2 : std::max(left, right);
  }
  if (dynamic_cast<const IndexNestedLoopJoinOperator*>(&op) != nullptr) return EstimateRows(*children[0]);
  if (dynamic_cast<const FilterOperator*>(&op) != nullptr) {
    const auto* scan = dynamic_cast<const TableScanOperator*>(children[0]);
    const double rows = EstimateRows(*children[0]);
    return scan != nullptr && scan->ranged() ? rows : rows * kFilterSelectivity;  // a range already counted it
  }
  if (dynamic_cast<const OneRowOperator*>(&op) != nullptr) return 1;
  if (const auto* values = dynamic_cast<const ValuesOperator*>(&op)) return static_cast<double>(values->row_count());
  if (const auto* limit = dynamic_cast<const LimitOperator*>(&op)) {
    const double rows = std::max(0.0, EstimateRows(*children[0]) - static_cast<double>(limit->offset()));
    return limit->limit().has_value() ? std::min(rows, static_cast<double>(*limit->limit())) : rows;
  }
  if (const auto* aggregate = dynamic_cast<const AggregateOperator*>(&op)) return EstimateGroups(*aggregate);
  double rows = children.empty() ? static_cast<double>(kUnknownTableRows) : 0;
  for (const Operator* child : children) rows = std::max(rows, EstimateRows(*child));
  return rows;
}

OperatorPtr ChooseJoinMethods(OperatorPtr op, const JoinMethods& methods) {
  if (auto* filter = dynamic_cast<FilterOperator*>(op.get())) {
    filter->mutable_child() = ChooseJoinMethods(std::move(filter->mutable_child()), methods);
    return op;
  }
  if (auto* project = dynamic_cast<ProjectOperator*>(op.get())) {  // over reordered joins
    project->mutable_child() = ChooseJoinMethods(std::move(project->mutable_child()), methods);
    return op;
  }
  auto* join = dynamic_cast<JoinOperator*>(op.get());
  if (join == nullptr) return op;
  join->mutable_left() = ChooseJoinMethods(std::move(join->mutable_left()), methods);
  join->mutable_right() = ChooseJoinMethods(std::move(join->mutable_right()), methods);
  if (methods.nestloop) op = MaybeIndexJoin(std::move(op));
  if (methods.mergejoin) op = MaybeMergeJoin(std::move(op), !methods.hashjoin);
  return MaybeSwapSides(std::move(op));
}

}  // namespace quanta::sql
