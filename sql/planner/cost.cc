#include "sql/planner/cost.h"

#include <algorithm>
#include <cmath>

#include "engine/env/assert.h"
#include "sql/execution/aggregate.h"
#include "sql/execution/hash_join.h"
#include "sql/execution/index_join.h"
#include "sql/execution/merge_join.h"
#include "sql/execution/operators.h"
#include "sql/execution/sort.h"
#include "sql/execution/table_scan.h"
#include "sql/execution/window.h"
#include "sql/planner/planner.h"

namespace quanta::sql {
namespace {

constexpr double kSeqPageCost = 1.0;
constexpr double kRandomPageCost = 4.0;
constexpr double kCpuTupleCost = 0.01;
constexpr double kCpuIndexTupleCost = 0.005;
constexpr double kCpuOperatorCost = 0.0025;
constexpr double kPageBytes = 8192;
constexpr double kTupleOverhead = 28;  // a heap tuple's header and line pointer
constexpr double kIndexDescentCost = 0.29;  // PostgreSQL's startup for a small btree's descent

int RowWidth(const std::vector<Type>& types) {
  int width = 0;
  for (const Type& t : types) width += AverageWidth(t);
  return width;
}

double Pages(double rows, int width) { return std::max(1.0, std::ceil(rows * (width + kTupleOverhead) / kPageBytes)); }

// The nodes of an expression: each costs one cpu_operator_cost per row it is evaluated.
double Operations(const BoundExpr& e) {
  if (e.kind == BoundKind::kColumn || e.kind == BoundKind::kConstant || e.kind == BoundKind::kParam) return 0;
  double n = 1;
  for (const BoundExprPtr& a : e.args) n += Operations(*a);
  return n;
}

CostEstimate Scan(const TableScanOperator& scan, double rows) {
  const int table_width = RowWidth(scan.table().ColumnTypes());
  CostEstimate e;
  if (!scan.ranged()) {  // a sequential read of every page
    e.total = Pages(rows, table_width) * kSeqPageCost + rows * kCpuTupleCost;
    return e;
  }
  // A key range: the descent, then the rows' pages (random for a secondary index's
  // second read, sequential along the primary key).
  const double pages = Pages(rows, table_width);
  e.startup = kIndexDescentCost;
  e.total = e.startup + kRandomPageCost + rows * (kCpuIndexTupleCost + kCpuTupleCost) +
            pages * (scan.through_index() ? kRandomPageCost : kSeqPageCost);
  return e;
}

// The cost of `op` itself over its children's estimates (rows and width set after).
CostEstimate OwnCost(const Operator& op, const std::vector<CostEstimate>& in, double rows) {
  CostEstimate e;
  const auto child = [&](size_t i) -> const CostEstimate& {
    QUANTA_ASSERT(i < in.size());
    return in[i];
  };
  if (const auto* scan = dynamic_cast<const TableScanOperator*>(&op)) return Scan(*scan, rows);
  if (const auto* filter = dynamic_cast<const FilterOperator*>(&op)) {
    e.startup = child(0).startup;
    e.total = child(0).total + child(0).rows * kCpuOperatorCost * std::max(1.0, Operations(filter->predicate()));
    return e;
  }
  if (const auto* project = dynamic_cast<const ProjectOperator*>(&op)) {
    double ops = 0;
    for (const BoundExprPtr& x : project->exprs()) ops += Operations(*x);
    e.startup = child(0).startup;
    e.total = child(0).total + child(0).rows * kCpuOperatorCost * ops;
    return e;
  }
  if (const auto* limit = dynamic_cast<const LimitOperator*>(&op)) {
    // The child's rows up to the last one returned, in proportion.
    const double wanted = rows + static_cast<double>(limit->offset());
    const double fraction = child(0).rows > 0 ? std::min(1.0, wanted / child(0).rows) : 1.0;
    e.startup = child(0).startup;
    e.total = child(0).startup + (child(0).total - child(0).startup) * fraction;
    return e;
  }
  if (const auto* sort = dynamic_cast<const SortOperator*>(&op)) {
    const double n = std::max(2.0, child(0).rows);
    const double compares = 2.0 * kCpuOperatorCost * static_cast<double>(sort->keys().size());
    e.startup = child(0).total + compares * n * std::log2(n);
    e.total = e.startup + child(0).rows * kCpuOperatorCost;
    return e;
  }
  if (const auto* aggregate = dynamic_cast<const AggregateOperator*>(&op)) {
    const double per_row = kCpuOperatorCost * static_cast<double>(aggregate->groups().size() + aggregate->aggregates().size());
    e.startup = child(0).total + child(0).rows * per_row;
    e.total = e.startup + rows * kCpuTupleCost;
    return e;
  }
  if (dynamic_cast<const HashJoinOperator*>(&op) != nullptr) {
    // Builds a table of the right input, then probes it with the left's rows.
    e.startup = child(1).total + child(1).rows * (kCpuOperatorCost + kCpuTupleCost);
    e.total = e.startup + child(0).total + child(0).rows * kCpuOperatorCost + rows * kCpuTupleCost;
    return e;
  }
  if (dynamic_cast<const MergeJoinOperator*>(&op) != nullptr) {
    e.startup = child(0).startup + child(1).startup;
    e.total = child(0).total + child(1).total + (child(0).rows + child(1).rows) * kCpuOperatorCost + rows * kCpuTupleCost;
    return e;
  }
  if (dynamic_cast<const IndexNestedLoopJoinOperator*>(&op) != nullptr) {
    // The inner scan's estimate is one lookup; it runs per left row.
    e.startup = child(0).startup + child(1).startup;
    e.total = child(0).total + child(0).rows * child(1).total + rows * kCpuTupleCost;
    return e;
  }
  if (dynamic_cast<const JoinOperator*>(&op) != nullptr) {  // a nested loop: the right side per left row
    e.startup = child(0).startup + child(1).startup;
    e.total = child(0).total + child(0).rows * child(1).total + child(0).rows * child(1).rows * kCpuOperatorCost;
    return e;
  }
  // The rest (windows, set operations, subplans, set-returning functions, values, one
  // row): their inputs' costs, then a tuple's cost per row returned.
  for (const CostEstimate& c : in) {
    e.startup = std::max(e.startup, c.startup);
    e.total += c.total;
  }
  e.total += rows * kCpuTupleCost;
  return e;
}

}  // namespace

int AverageWidth(const Type& type) {
  switch (type.id) {
    case TypeId::kBool: return 1;
    case TypeId::kInt2: return 2;
    case TypeId::kInt4:
    case TypeId::kOid:
    case TypeId::kFloat4:
    case TypeId::kDate: return 4;
    case TypeId::kInt8:
    case TypeId::kFloat8:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: return 8;
    case TypeId::kInterval:
    case TypeId::kUuid: return 16;
    default: break;
  }
  // A varlena: its maximum size when the type declares one (UTF-8's 4 bytes a
  // character for varchar(n)/char(n)), averaged toward 32 as PostgreSQL does.
  int maximum = 0;
  if (auto n = type.max_length()) maximum = *n * 4 + 4;
  if (auto p = type.precision()) maximum = 8 + ((*p + 3) / 4 + 1) * 2;
  if (maximum <= 0) return 32;
  if (type.id == TypeId::kBpchar || maximum <= 32) return maximum;
  return 32 + (std::min(maximum, 1000) - 32) / 2;
}

namespace {

const CostEstimate& Estimate(const Operator& op, CostEstimates* out) {
  std::vector<CostEstimate> in;
  for (const Operator* c : op.children()) in.push_back(Estimate(*c, out));
  const double rows = std::max(0.0, EstimateRows(op));
  CostEstimate e = OwnCost(op, in, rows);
  e.rows = rows;
  e.width = RowWidth(op.types());
  if (const auto* scan = dynamic_cast<const TableScanOperator*>(&op)) {  // pruned columns take no room
    e.width = 0;
    for (size_t i = 0; i < op.types().size(); ++i) e.width += scan->decodes(i) ? AverageWidth(op.types()[i]) : 0;
  }
  const bool passes_rows_on = dynamic_cast<const FilterOperator*>(&op) != nullptr ||
                              dynamic_cast<const LimitOperator*>(&op) != nullptr ||
                              dynamic_cast<const SortOperator*>(&op) != nullptr;
  if (passes_rows_on) {  // the child's rows, columns as they are
    QUANTA_ASSERT(in.size() == 1);
    e.width = in[0].width;
  }
  QUANTA_ASSERT(e.startup >= 0 && e.startup <= e.total + 1e-9);
  QUANTA_ASSERT(e.width >= 0);
  e.total = std::max(e.total, e.startup);
  auto [it, inserted] = out->emplace(&op, e);
  QUANTA_ASSERT(inserted);  // a tree: each operator once
  return it->second;
}

}  // namespace

CostEstimates EstimateCosts(const Operator& root) {
  CostEstimates estimates;
  Estimate(root, &estimates);
  QUANTA_ASSERT(estimates.contains(&root));
  return estimates;
}

}  // namespace quanta::sql
