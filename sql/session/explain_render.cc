#include "sql/session/explain_render.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "sql/execution/aggregate.h"
#include "sql/execution/hash_join.h"
#include "sql/execution/index_join.h"
#include "sql/execution/merge_join.h"
#include "sql/execution/operators.h"
#include "sql/execution/table_scan.h"
#include "sql/planner/deparse.h"

namespace quanta::sql {
namespace {

double Millis(absl::Duration d) { return absl::ToDoubleMicroseconds(d) / 1000.0; }

std::string Indent(int depth) { return std::string(depth == 0 ? 0 : 2 + 6 * (depth - 1), ' '); }
// Detail lines sit under their node's name, as the children's arrows do.
std::string DetailIndent(int depth) { return std::string(2 + 6 * depth, ' '); }

bool IsRelationScan(const Operator& op) { return dynamic_cast<const TableScanOperator*>(&op) != nullptr; }

int CountRelations(const Operator& op) {
  int n = IsRelationScan(op) ? 1 : 0;
  for (const Operator* child : op.children()) n += CountRelations(*child);
  return n;
}

// The names `op`'s output columns print as in its parent's quals.
std::vector<std::string> Labels(const Operator& op, bool qualified);

std::vector<std::string> ChildLabels(const Operator& op, size_t child, bool qualified) {
  const std::vector<const Operator*> children = op.children();
  QUANTA_ASSERT(child < children.size());
  return Labels(*children[child], qualified);
}

std::string AggregateLabel(const AggregateSpec& spec, const std::vector<std::string>& input) {
  std::vector<std::string> args;
  for (size_t i = 0; i < spec.input_count(); ++i) args.push_back(DeparseExpr(*spec.args[i], input));
  return absl::StrCat(spec.name, "(", spec.distinct ? "DISTINCT " : "", args.empty() ? "*" : absl::StrJoin(args, ", "), ")");
}

std::vector<std::string> Labels(const Operator& op, bool qualified) {
  std::vector<std::string> out;
  if (const auto* scan = dynamic_cast<const TableScanOperator*>(&op)) {
    for (const ColumnDef& c : scan->table().columns) {
      out.push_back(qualified ? absl::StrCat(QuoteIdentifier(scan->label()), ".", QuoteIdentifier(c.name)) : QuoteIdentifier(c.name));
    }
    if (scan->with_keys()) out.push_back("ctid");
  } else if (const auto* project = dynamic_cast<const ProjectOperator*>(&op)) {
    const std::vector<std::string> input = ChildLabels(op, 0, qualified);
    for (const BoundExprPtr& e : project->exprs()) out.push_back(DeparseExpr(*e, input));
  } else if (const auto* agg = dynamic_cast<const AggregateOperator*>(&op)) {
    const std::vector<std::string> input = ChildLabels(op, 0, qualified);
    for (const BoundExprPtr& g : agg->groups()) out.push_back(DeparseExpr(*g, input));
    for (const AggregateSpec& spec : agg->aggregates()) out.push_back(AggregateLabel(spec, input));
  } else {
    // Filters, sorts, limits and joins pass their inputs' columns on (a semi or anti
    // join the left's only: the fit below cuts the rest).
    for (const Operator* child : op.children()) {
      const std::vector<std::string> labels = Labels(*child, qualified);
      out.insert(out.end(), labels.begin(), labels.end());
    }
  }
  out.resize(op.types().size(), "?column?");  // an operator of its own columns names them so
  return out;
}

// "(l = r)" for each key pair, joined as PostgreSQL prints a conjunction.
std::string KeyCondition(const std::vector<int>& left_keys, const std::vector<std::string>& left,
                         const std::vector<int>& right_keys, const std::vector<std::string>& right) {
  QUANTA_ASSERT(left_keys.size() == right_keys.size() && !left_keys.empty());
  std::vector<std::string> terms;
  for (size_t i = 0; i < left_keys.size(); ++i) {
    terms.push_back(absl::StrCat("(", left.at(left_keys[i]), " = ", right.at(right_keys[i]), ")"));
  }
  return terms.size() == 1 ? terms[0] : absl::StrCat("(", absl::StrJoin(terms, " AND "), ")");
}

// The detail lines of `op` itself (its quals, sort and group keys).
std::vector<std::string> Details(const Operator& op, bool qualified) {
  std::vector<std::string> out;
  if (const auto* sort = dynamic_cast<const SortOperator*>(&op)) {
    const std::vector<std::string> input = ChildLabels(op, 0, qualified);
    std::vector<std::string> keys;
    for (const SortKey& k : sort->keys()) {
      std::string key = input.at(k.column);
      if (k.descending) absl::StrAppend(&key, " DESC", k.nulls_first ? "" : " NULLS LAST");
      if (!k.descending && k.nulls_first) absl::StrAppend(&key, " NULLS FIRST");
      keys.push_back(std::move(key));
    }
    out.push_back(absl::StrCat("Sort Key: ", absl::StrJoin(keys, ", ")));
  } else if (const auto* agg = dynamic_cast<const AggregateOperator*>(&op)) {
    if (!agg->groups().empty()) {
      const std::vector<std::string> input = ChildLabels(op, 0, qualified);
      std::vector<std::string> keys;
      for (const BoundExprPtr& g : agg->groups()) keys.push_back(DeparseExpr(*g, input));
      out.push_back(absl::StrCat("Group Key: ", absl::StrJoin(keys, ", ")));
    }
  } else if (const auto* hash = dynamic_cast<const HashJoinOperator*>(&op)) {
    const std::vector<std::string> left = ChildLabels(op, 0, qualified), right = ChildLabels(op, 1, qualified);
    out.push_back(absl::StrCat("Hash Cond: ", KeyCondition(hash->left_keys(), left, hash->right_keys(), right)));
    if (hash->residual() != nullptr) {
      std::vector<std::string> both = left;
      both.insert(both.end(), right.begin(), right.end());
      out.push_back(absl::StrCat("Join Filter: ", DeparseExpr(*hash->residual(), both)));
    }
  } else if (const auto* merge = dynamic_cast<const MergeJoinOperator*>(&op)) {
    const std::vector<std::string> left = ChildLabels(op, 0, qualified), right = ChildLabels(op, 1, qualified);
    out.push_back(absl::StrCat("Merge Cond: ", KeyCondition(merge->left_keys(), left, merge->right_keys(), right)));
    if (merge->residual() != nullptr) {
      std::vector<std::string> both = left;
      both.insert(both.end(), right.begin(), right.end());
      out.push_back(absl::StrCat("Join Filter: ", DeparseExpr(*merge->residual(), both)));
    }
  } else if (const auto* loop = dynamic_cast<const NestedLoopJoinOperator*>(&op)) {
    if (loop->condition() != nullptr) {
      std::vector<std::string> both = ChildLabels(op, 0, qualified);
      const std::vector<std::string> right = ChildLabels(op, 1, qualified);
      both.insert(both.end(), right.begin(), right.end());
      out.push_back(absl::StrCat("Join Filter: ", DeparseExpr(*loop->condition(), both)));
    }
  }
  return out;
}

void Conjuncts(const BoundExpr& e, std::vector<const BoundExpr*>* out) {
  if (e.kind == BoundKind::kAnd) {
    for (const BoundExprPtr& a : e.args) Conjuncts(*a, out);
    return;
  }
  out->push_back(&e);
}

// Whether `term` compares one of `columns` with a constant or parameter: a conjunct a
// ranged scan's key range came from.
bool IsRangeTerm(const BoundExpr& term, const std::vector<int>& columns) {
  static constexpr std::string_view kComparisons[] = {"=", "<", "<=", ">", ">="};
  if (term.kind != BoundKind::kFunction || term.args.size() != 2) return false;
  if (std::find(std::begin(kComparisons), std::end(kComparisons), term.name) == std::end(kComparisons)) return false;
  auto key = [&](const BoundExpr& side) {
    return side.kind == BoundKind::kColumn && std::find(columns.begin(), columns.end(), side.column) != columns.end();
  };
  auto value = [](const BoundExpr& side) { return side.kind == BoundKind::kConstant || side.kind == BoundKind::kParam; };
  return (key(*term.args[0]) && value(*term.args[1])) || (value(*term.args[0]) && key(*term.args[1]));
}

std::string Conjunction(const std::vector<std::string>& terms) {
  QUANTA_ASSERT(!terms.empty());
  return terms.size() == 1 ? terms[0] : absl::StrCat("(", absl::StrJoin(terms, " AND "), ")");
}

// The qual lines of `filters` (a chain, top first, over `input`): on a ranged scan
// the conjuncts its range came from are its Index Cond, the rest its Filter. Returns
// whether there is a Filter line.
bool FilterLines(const std::vector<const FilterOperator*>& filters, const Operator& input, bool qualified,
                 std::vector<std::string>* out) {
  if (filters.empty()) return false;
  const std::vector<std::string> labels = Labels(input, qualified);
  const auto* scan = dynamic_cast<const TableScanOperator*>(&input);
  const std::vector<int> none;
  const std::vector<int>& range = scan != nullptr ? scan->range_columns() : none;
  std::vector<std::string> index_cond, filter;
  for (auto it = filters.rbegin(); it != filters.rend(); ++it) {  // innermost first, as applied
    std::vector<const BoundExpr*> terms;
    Conjuncts((*it)->predicate(), &terms);
    for (const BoundExpr* t : terms) (IsRangeTerm(*t, range) ? index_cond : filter).push_back(DeparseExpr(*t, labels));
  }
  if (!index_cond.empty()) out->push_back(absl::StrCat("Index Cond: ", Conjunction(index_cond)));
  if (!filter.empty()) out->push_back(absl::StrCat("Filter: ", Conjunction(filter)));
  return !filter.empty();
}

// An index nested loop's lookup, as the inner scan's Index Cond: each leading key
// column of the inner's index equal to the outer row's column.
std::string LookupCondition(const IndexNestedLoopJoinOperator& join, bool qualified) {
  const std::vector<const Operator*> children = join.children();
  const auto* inner = dynamic_cast<const TableScanOperator*>(children[1]);
  QUANTA_ASSERT(inner != nullptr);
  const std::vector<std::string> outer = Labels(*children[0], qualified), labels = Labels(*inner, qualified);
  const std::vector<int>& keys = inner->range_columns();
  QUANTA_ASSERT(join.left_keys().size() <= keys.size());
  std::vector<std::string> terms;
  for (size_t i = 0; i < join.left_keys().size(); ++i) {
    terms.push_back(absl::StrCat("(", labels.at(keys[i]), " = ", outer.at(join.left_keys()[i]), ")"));
  }
  return absl::StrCat("Index Cond: ", Conjunction(terms));
}

struct RenderContext {
  const ast::ExplainStmt& explain;
  const CostEstimates& costs;
  bool qualified;
  std::vector<std::string>* lines;
};

// The figures after a node's name: its estimate, then with ANALYZE its counts per loop.
std::string Figures(const Operator& counted, const RenderContext& rc) {
  std::string out;
  if (rc.explain.costs) {
    const CostEstimate& e = rc.costs.at(&counted);
    // Rows as PostgreSQL shows an estimate: rounded, at least 1.
    absl::StrAppend(&out, absl::StrFormat("  (cost=%.2f..%.2f rows=%.0f width=%d)", e.startup, e.total,
                                          std::max(1.0, std::rint(e.rows)), e.width));
  }
  if (!rc.explain.analyze) return out;
  const Operator::Stats& s = counted.stats();
  const double loops = static_cast<double>(s.loops);
  if (s.loops == 0) {
    absl::StrAppend(&out, " (never executed)");
  } else if (rc.explain.timing) {
    absl::StrAppend(&out, absl::StrFormat(" (actual time=%.3f..%.3f rows=%.0f loops=%d)", Millis(s.startup) / loops,
                                          Millis(s.total) / loops, static_cast<double>(s.rows) / loops, s.loops));
  } else {
    absl::StrAppend(&out, absl::StrFormat(" (actual rows=%.0f loops=%d)", static_cast<double>(s.rows) / loops, s.loops));
  }
  return out;
}

// `lead`: a detail line its parent gives the node (an index lookup's Index Cond), or "".
void Render(const Operator& op, int depth, const RenderContext& rc, const std::string& lead = "");

// A node line for `shown`, counted as `counted` (the top of what it stands for); the
// quals of `filters` read the output of `filtered` (`shown`, or a projection over it).
void RenderNode(const Operator& shown, const Operator& counted, const std::vector<const FilterOperator*>& filters,
                const Operator& filtered, int depth, const RenderContext& rc, const std::string& lead) {
  const std::string arrow = depth == 0 ? "" : "->  ";
  rc.lines->push_back(absl::StrCat(Indent(depth), arrow, shown.Describe(), Figures(counted, rc)));
  std::vector<std::string> details;
  if (!lead.empty()) details.push_back(lead);
  for (std::string& d : Details(shown, rc.qualified)) details.push_back(std::move(d));
  const bool filtered_rows = FilterLines(filters, filtered, rc.qualified, &details);
  if (rc.explain.analyze && filtered_rows && shown.stats().loops > 0) {
    const double removed = static_cast<double>(shown.stats().rows - std::min(shown.stats().rows, counted.stats().rows));
    details.push_back(absl::StrFormat("Rows Removed by Filter: %.0f", removed / static_cast<double>(shown.stats().loops)));
  }
  if (rc.explain.analyze) {
    for (std::string& d : shown.AnalyzeDetails()) details.push_back(std::move(d));
  }
  for (const std::string& d : details) rc.lines->push_back(DetailIndent(depth) + d);
  const std::vector<const Operator*> children = shown.children();
  for (size_t i = 0; i < children.size(); ++i) {
    if (i == 1 && dynamic_cast<const HashJoinOperator*>(&shown) != nullptr) {
      // PostgreSQL's Hash node: the build side, hashed (its figures are its input's).
      rc.lines->push_back(absl::StrCat(Indent(depth + 1), "->  Hash", Figures(*children[i], rc)));
      Render(*children[i], depth + 2, rc);
      continue;
    }
    const auto* lookup = dynamic_cast<const IndexNestedLoopJoinOperator*>(&shown);
    Render(*children[i], depth + 1, rc, i == 1 && lookup != nullptr ? LookupCondition(*lookup, rc.qualified) : "");
  }
}

void Render(const Operator& op, int depth, const RenderContext& rc, const std::string& lead) {
  const Operator* shown = &op;
  std::vector<const FilterOperator*> filters;
  while (true) {
    if (const auto* f = dynamic_cast<const FilterOperator*>(shown)) {
      filters.push_back(f);
      shown = f->children()[0];
    } else if (filters.empty() && dynamic_cast<const ProjectOperator*>(shown) != nullptr) {
      shown = shown->children()[0];  // a projection is part of the node below
    } else {
      break;
    }
  }
  // Filters over a projection read its columns; the node below it carries them.
  if (!filters.empty() && dynamic_cast<const ProjectOperator*>(shown) != nullptr) {
    RenderNode(*shown->children()[0], op, filters, *shown, depth, rc, lead);
    return;
  }
  RenderNode(*shown, filters.empty() ? *shown : op, filters, *shown, depth, rc, lead);
}

}  // namespace

void RenderPlan(const Operator& root, int depth, const ast::ExplainStmt& explain, const CostEstimates& costs,
                std::vector<std::string>* lines) {
  const RenderContext rc{explain, costs, CountRelations(root) > 1, lines};
  Render(root, depth, rc);
}

}  // namespace quanta::sql
