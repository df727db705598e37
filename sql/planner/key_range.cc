#include "sql/planner/key_range.h"

#include <algorithm>
#include <vector>

#include "engine/env/assert.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {
namespace {

void Conjuncts(const BoundExpr& e, std::vector<const BoundExpr*>* out) {
  if (e.kind == BoundKind::kAnd) {
    for (const BoundExprPtr& a : e.args) Conjuncts(*a, out);
    return;
  }
  out->push_back(&e);
}

std::string Flip(const std::string& op) {
  if (op == "<") return ">";
  if (op == "<=") return ">=";
  if (op == ">") return "<";
  if (op == ">=") return "<=";
  return op;
}

// One comparison of a column with a constant of its own type (the key encoding
// orders that type): column op key-encoded constant.
struct Comparison {
  int column = 0;
  std::string op;
  std::string bound;
};

std::vector<Comparison> Comparisons(const TableDef& table, const BoundExpr& predicate) {
  std::vector<const BoundExpr*> terms;
  Conjuncts(predicate, &terms);
  std::vector<Comparison> out;
  for (const BoundExpr* t : terms) {
    if (t->kind != BoundKind::kFunction || t->args.size() != 2) continue;
    const std::string& name = t->name;
    if (name != "=" && name != "<" && name != "<=" && name != ">" && name != ">=") continue;
    const BoundExpr* column = t->args[0].get();
    const BoundExpr* constant = t->args[1].get();
    std::string op = name;
    if (column->kind == BoundKind::kConstant) {
      std::swap(column, constant);
      op = Flip(op);
    }
    if (column->kind != BoundKind::kColumn || constant->kind != BoundKind::kConstant) continue;
    if (column->column < 0 || static_cast<size_t>(column->column) >= table.columns.size()) continue;
    const Type& type = table.columns[static_cast<size_t>(column->column)].type;
    if (!(column->type == type) || !constant->type.SameBase(type) || constant->constant.is_null()) continue;
    Comparison c;
    c.column = column->column;
    c.op = std::move(op);
    AppendKeyValue(constant->constant, &c.bound);
    out.push_back(std::move(c));
  }
  return out;
}

// How a key range constrains its key: leading columns fixed by equalities, then the
// sides (0-2) of a range on the next.
struct RangeShape {
  std::vector<int> fixed;  // the equality columns (table positions)
  int range_sides = 0;
};

// The range over keys that start with `columns`' encodings, from `comparisons`;
// *score: 2 per leading column fixed by an equality, +1 for a range on the next
// (+1 more if bounded on both sides). nullopt if the first column is unconstrained.
std::optional<KeyRange> ColumnsRange(const std::vector<int>& columns, const std::vector<Comparison>& comparisons,
                                     int* score, RangeShape* shape) {
  *score = 0;
  *shape = RangeShape();
  KeyRange range;
  std::string prefix;
  for (int column : columns) {
    const Comparison* eq = nullptr;
    std::optional<std::string> start, end;
    for (const Comparison& c : comparisons) {
      if (c.column != column) continue;
      if (c.op == "=") {
        if (eq != nullptr && eq->bound != c.bound) range.empty = true;  // a = 1 AND a = 2
        if (eq == nullptr) eq = &c;
        continue;
      }
      std::optional<std::string> lo, hi;
      if (c.op == ">=") lo = c.bound;
      if (c.op == ">") lo = PrefixSuccessor(c.bound).value_or(c.bound);
      if (c.op == "<=") hi = PrefixSuccessor(c.bound);
      if (c.op == "<") hi = c.bound;
      if (lo && (!start || *lo > *start)) start = lo;
      if (hi && (!end || *hi < *end)) end = hi;
    }
    if (eq != nullptr) {
      prefix += eq->bound;
      *score += 2;
      shape->fixed.push_back(column);
      continue;
    }
    if (start || end) {
      *score += start && end ? 2 : 1;
      shape->range_sides = start && end ? 2 : 1;
      // A bound only above still skips NULLs (tag 0x01 sorts before values' 0x02).
      range.start = prefix + start.value_or(std::string(1, '\x02'));
      range.end = end ? std::optional<std::string>(prefix + *end) : PrefixSuccessor(prefix);
      break;
    }
    if (*score == 0) return std::nullopt;
    range.start = prefix;
    range.end = PrefixSuccessor(prefix);
    break;
  }
  if (*score == 0) return std::nullopt;
  if (range.start.empty() && !range.end.has_value()) range.start = prefix;  // every column fixed
  if (!range.end.has_value() && range.start == prefix) range.end = PrefixSuccessor(prefix);
  range.empty = range.empty || (range.end.has_value() && *range.end <= range.start);
  QUANTA_ASSERT(range.start.starts_with(prefix));
  return range;
}

}  // namespace

// The rows a range of `shape` is estimated to read, from ANALYZE's statistics: each
// fixed column keeps 1/n_distinct of the rows, a range on the next a third (one side)
// or a twentieth (both), as PostgreSQL guesses without a histogram.
double EstimatedRows(const TableStats& stats, const RangeShape& shape) {
  double rows = static_cast<double>(stats.rows);
  for (int c : shape.fixed) {
    const size_t i = static_cast<size_t>(c);
    const double distinct = i < stats.n_distinct.size() ? std::max(1.0, stats.n_distinct[i]) : 200.0;
    const double non_null = i < stats.null_frac.size() ? 1 - stats.null_frac[i] : 1;
    rows *= non_null / distinct;
  }
  if (shape.range_sides == 1) rows /= 3;
  if (shape.range_sides == 2) rows /= 20;
  return rows;
}

// Reading a row through an index costs a point read besides the entry.
constexpr double kIndexRowCost = 4;
constexpr uint64_t kMinAnalyzedRows = 1000;

std::optional<ScanChoice> ChooseScan(const TableDef& table, const BoundExpr& predicate) {
  const std::vector<Comparison> comparisons = Comparisons(table, predicate);
  if (comparisons.empty()) return std::nullopt;
  std::optional<ScanChoice> best;
  int best_score = 0;
  // With statistics: the cheapest of a full scan, the key range and each index range.
  // (Statistics of a small table say little about what it holds now: the rules then.)
  const bool analyzed = table.stats.analyzed && table.stats.rows >= kMinAnalyzedRows;
  double best_cost = static_cast<double>(table.stats.rows);
  RangeShape shape;
  // Every column of a unique key fixed: at most one row. A table never analyzed is
  // taken to hold kUnknownTableRows rows of 200 distinct values a column.
  TableStats guessed;
  guessed.rows = kUnknownTableRows;
  const TableStats& stats = table.stats.analyzed ? table.stats : guessed;
  const auto estimate = [&](const std::vector<int>& columns, bool unique) {
    if (unique && shape.fixed.size() == columns.size()) return 1.0;
    return EstimatedRows(stats, shape);
  };
  if (!table.primary_key.empty()) {
    auto range = ColumnsRange(table.primary_key, comparisons, &best_score, &shape);
    if (range) {
      best = ScanChoice{nullptr, std::move(*range), estimate(table.primary_key, true)};
      best_cost = std::min(best_cost, EstimatedRows(table.stats, shape));
    }
  }
  for (const IndexDef& index : table.indexes) {
    int score = 0;
    auto range = ColumnsRange(index.columns, comparisons, &score, &shape);
    if (!range) continue;
    if (analyzed) {
      const double cost = EstimatedRows(table.stats, shape) * kIndexRowCost;
      if (cost >= best_cost) continue;
      best_cost = cost;
    } else if (score < 2 || score <= best_score) {
      continue;
    }
    best = ScanChoice{&index, std::move(*range), estimate(index.columns, index.unique)};
    best_score = score;
  }
  QUANTA_ASSERT(!best || best_score > 0);
  return best;
}

}  // namespace quanta::sql
