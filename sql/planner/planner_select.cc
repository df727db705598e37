// Planning a simple SELECT: FROM, WHERE, GROUP BY/aggregates, HAVING, the select
// list, DISTINCT, ORDER BY and LIMIT (see planner.h for the shape).
#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/aggregate.h"
#include "sql/execution/operators.h"
#include "sql/execution/project_set.h"
#include "sql/execution/window.h"
#include "sql/execution/table_scan.h"
#include "sql/planner/key_range.h"
#include "sql/planner/planner.h"

namespace quanta::sql {
namespace {

bool IsOrdinal(const ast::Expr& e) { return e.kind == ast::ExprKind::kLiteral && e.literal == ast::LiteralKind::kInteger; }

struct Target {
  const ast::Expr* expr = nullptr;  // null: an expanded * column
  int column = -1;
  std::string name;
  int position = 0;
};

absl::StatusOr<std::vector<Target>> Expand(const std::vector<ast::SelectItem>& items, const Scope& scope) {
  std::vector<Target> out;
  for (const ast::SelectItem& item : items) {
    if (item.expr->kind != ast::ExprKind::kStar) {
      out.push_back(Target{item.expr.get(), -1, item.alias.empty() ? DeriveColumnName(*item.expr) : item.alias, item.position});
      continue;
    }
    const bool qualified = !item.expr->names.empty();
    const std::string table = qualified ? item.expr->names.back() : std::string();
    if (qualified && !scope.HasTable(table)) {
      return SqlError(sqlstate::kUndefinedTable, absl::StrCat("missing FROM-clause entry for table \"", table, "\""),
                      item.position);
    }
    if (!qualified && scope.columns.empty()) {
      return SqlError(sqlstate::kSyntaxError, "SELECT * with no tables specified is not valid", item.position);
    }
    for (size_t i = 0; i < scope.columns.size(); ++i) {
      const ScopeColumn& c = scope.columns[i];
      if (qualified ? c.table != table : c.merged_away) continue;
      out.push_back(Target{nullptr, static_cast<int>(i), c.name, item.position});
    }
  }
  return out;
}

bool AnyAggregate(const ast::SelectStmt& stmt) {
  for (const ast::SelectItem& t : stmt.targets) {
    if (t.expr->kind != ast::ExprKind::kStar && ContainsAggregate(*t.expr)) return true;
  }
  for (const ast::OrderItem& o : stmt.order_by) {
    if (ContainsAggregate(*o.expr)) return true;
  }
  return stmt.having != nullptr || !stmt.group_by.empty();
}

// GROUP BY's group expressions are deduplicated: the index of `e` in agg->groups.
absl::StatusOr<int> AddGroup(AggregationBinding* agg, BoundExprPtr e) {
  for (size_t i = 0; i < agg->groups.size(); ++i) {
    if (agg->groups[i]->Equals(*e)) return static_cast<int>(i);
  }
  agg->groups.push_back(std::move(e));
  return static_cast<int>(agg->groups.size() - 1);
}

constexpr size_t kMaxCubeElements = 12;    // CUBE of n elements is 2^n sets (PostgreSQL: 12)
constexpr size_t kMaxGroupingSets = 4096;  // after expanding every ROLLUP, CUBE and product

using GroupSet = std::vector<int>;  // indexes into AggregationBinding::groups
using BindGroup = std::function<absl::StatusOr<int>(const ast::Expr&)>;

bool IsSetConstruct(const ast::Expr& e) {
  return (e.kind == ast::ExprKind::kFunc && e.names.empty()) || e.kind == ast::ExprKind::kRow;
}

// An element of ROLLUP/CUBE/GROUPING SETS: `e`, or a parenthesized list as one set.
absl::StatusOr<GroupSet> BindElement(const ast::Expr& e, const BindGroup& bind) {
  GroupSet set;
  if (e.kind == ast::ExprKind::kRow) {
    for (const ast::ExprPtr& a : e.args) {
      auto i = bind(*a);
      if (!i.ok()) return i.status();
      set.push_back(*i);
    }
    return set;
  }
  auto i = bind(e);
  if (!i.ok()) return i.status();
  set.push_back(*i);
  return set;
}

GroupSet Union(GroupSet a, const GroupSet& b) {
  for (int i : b) {
    if (std::find(a.begin(), a.end(), i) == a.end()) a.push_back(i);
  }
  return a;
}

// The grouping sets one GROUP BY item stands for, in PostgreSQL's order.
absl::StatusOr<std::vector<GroupSet>> ItemSets(const ast::Expr& item, const BindGroup& bind) {
  if (!(item.kind == ast::ExprKind::kFunc && item.names.empty())) {
    auto set = BindElement(item, bind);
    if (!set.ok()) return set.status();
    return std::vector<GroupSet>{*set};
  }
  std::vector<GroupSet> out;
  if (item.text == "grouping sets") {
    for (const ast::ExprPtr& a : item.args) {
      auto sets = ItemSets(*a, bind);
      if (!sets.ok()) return sets.status();
      out.insert(out.end(), sets->begin(), sets->end());
    }
    return out;
  }
  std::vector<GroupSet> elements;
  for (const ast::ExprPtr& a : item.args) {
    auto set = BindElement(*a, bind);
    if (!set.ok()) return set.status();
    elements.push_back(std::move(*set));
  }
  if (item.text == "rollup") {
    for (size_t k = elements.size() + 1; k-- > 0;) {
      GroupSet set;
      for (size_t i = 0; i < k; ++i) set = Union(std::move(set), elements[i]);
      out.push_back(std::move(set));
    }
    return out;
  }
  QUANTA_ASSERT(item.text == "cube");
  if (elements.size() > kMaxCubeElements) {
    return SqlError(sqlstate::kProgramLimitExceeded, absl::StrCat("CUBE is limited to ", kMaxCubeElements, " elements"),
                    item.position);
  }
  const size_t n = elements.size();
  for (size_t mask = (size_t{1} << n); mask-- > 0;) {
    GroupSet set;
    for (size_t i = 0; i < n; ++i) {
      if (mask & (size_t{1} << (n - 1 - i))) set = Union(std::move(set), elements[i]);
    }
    out.push_back(std::move(set));
  }
  return out;
}

// GROUP BY's grouping sets as masks over the bound groups: the product of its items'
// sets. Empty for a plain GROUP BY (one set of every expression).
absl::StatusOr<std::vector<std::vector<bool>>> GroupingSets(const std::vector<ast::ExprPtr>& items, const BindGroup& bind,
                                                           const AggregationBinding& agg) {
  std::vector<GroupSet> product = {{}};
  bool plain = true;
  for (const ast::ExprPtr& item : items) {
    plain = plain && !IsSetConstruct(*item);
    auto options = ItemSets(*item, bind);
    if (!options.ok()) return options.status();
    std::vector<GroupSet> next;
    for (const GroupSet& p : product) {
      for (const GroupSet& o : *options) next.push_back(Union(p, o));
    }
    if (next.size() > kMaxGroupingSets) {
      return SqlError(sqlstate::kProgramLimitExceeded, absl::StrCat("too many grouping sets present (limit ", kMaxGroupingSets, ")"),
                      item->position);
    }
    product = std::move(next);
  }
  if (plain) return std::vector<std::vector<bool>>();
  std::vector<std::vector<bool>> masks;
  for (const GroupSet& set : product) {
    std::vector<bool> mask(agg.groups.size(), false);
    for (int g : set) mask[static_cast<size_t>(g)] = true;
    masks.push_back(std::move(mask));
  }
  QUANTA_ASSERT(masks.size() == product.size());
  return masks;
}

// Whether `scan`'s key order gives ORDER BY `keys` (over the select list `exprs`): the
// keys are the primary key's leading columns, in order, all ascending or all
// descending (key columns are never NULL, so NULLS FIRST/LAST does not matter).
bool OrderedByScan(const TableScanOperator* scan, const std::vector<SortKey>& keys, const std::vector<BoundExprPtr>& exprs) {
  if (scan == nullptr || !scan->InKeyOrder() || scan->backward()) return false;
  const std::vector<int>& pk = scan->table().primary_key;
  if (keys.size() > pk.size()) return false;
  for (size_t i = 0; i < keys.size(); ++i) {
    const BoundExpr& e = *exprs[static_cast<size_t>(keys[i].column)];
    if (e.kind != BoundKind::kColumn || e.column != pk[i] || keys[i].descending != keys[0].descending) return false;
  }
  return true;
}

// Whether a WHERE conjunct may filter below the subqueries: it reads only the first
// `width` (FROM's) columns and calls nothing volatile.
bool Pushable(const BoundExpr& e, size_t width) {
  if (e.kind == BoundKind::kSequence) return false;
  if (e.kind == BoundKind::kColumn && static_cast<size_t>(e.column) >= width) return false;
  return std::all_of(e.args.begin(), e.args.end(), [&](const BoundExprPtr& a) { return Pushable(*a, width); });
}

// Stacks one ProjectSetOperator per nesting level of `calls` on `op` (innermost first)
// and renumbers their placeholders, in `exprs` and in the calls' own arguments, to the
// columns the operators append: level by level, in call order within a level.
OperatorPtr PlaceProjectSets(OperatorPtr op, std::vector<SetFunctionCall> calls, std::vector<BoundExprPtr>* exprs) {
  QUANTA_ASSERT(!calls.empty());
  int levels = 0;
  for (const SetFunctionCall& c : calls) levels = std::max(levels, c.level + 1);
  std::vector<int> columns(calls.size(), -1);
  int next = static_cast<int>(op->types().size());
  for (int level = 0; level < levels; ++level) {
    for (size_t i = 0; i < calls.size(); ++i) {
      if (calls[i].level == level) columns[i] = next++;
    }
  }
  QUANTA_ASSERT(next == static_cast<int>(op->types().size() + calls.size()));
  for (BoundExprPtr& e : *exprs) RenumberSetColumns(e.get(), columns);
  for (SetFunctionCall& c : calls) {
    for (BoundExprPtr& a : c.args) RenumberSetColumns(a.get(), columns);
  }
  for (int level = 0; level < levels; ++level) {
    std::vector<SetFunctionCall> at;
    for (SetFunctionCall& c : calls) {
      if (c.level == level) at.push_back(std::move(c));
    }
    QUANTA_ASSERT(!at.empty());  // a level-n call nests a level n-1 one
    op = std::make_unique<ProjectSetOperator>(std::move(op), std::move(at));
  }
  return op;
}

}  // namespace

void NarrowScan(Operator* op, const BoundExpr& predicate) {
  auto* scan = dynamic_cast<TableScanOperator*>(op);
  if (scan == nullptr) return;
  auto choice = ChooseScan(scan->table(), predicate);
  if (!choice) return;
  const KeyRange& range = choice->range;
  std::optional<std::string> end = range.empty ? std::optional<std::string>(range.start) : range.end;
  if (choice->index == nullptr) {
    scan->SetRange(range.start, std::move(end));
  } else {
    scan->SetIndexRange(choice->index, range.start, std::move(end));
  }
  scan->set_estimated_rows(range.empty ? 0 : choice->estimated_rows);
}

absl::StatusOr<int> Planner::OutputColumn(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                          const char* clause, bool must_exist, std::vector<BoundExprPtr>* exprs) {
  auto bound = binder_.Bind(e, scope, agg, agg != nullptr ? nullptr : clause);
  if (!bound.ok()) return bound.status();
  for (size_t i = 0; i < exprs->size(); ++i) {
    if ((*exprs)[i]->Equals(**bound)) return static_cast<int>(i);
  }
  if (must_exist) {
    return SqlError("42P10", "for SELECT DISTINCT, ORDER BY expressions must appear in select list", e.position);
  }
  exprs->push_back(std::move(*bound));
  return static_cast<int>(exprs->size() - 1);
}

absl::Status Planner::BindWindowClause(const std::vector<ast::NamedWindow>& windows, const Scope& scope,
                                       AggregationBinding* agg) {
  absl::Status checked = CheckWindowClause(windows);
  if (!checked.ok()) return checked;
  // Every definition binds, used or not (PostgreSQL reports a bad column in either).
  for (const ast::NamedWindow& w : windows) {
    for (const ast::ExprPtr& p : w.spec->partition_by) {
      auto bound = binder_.Bind(*p, scope, agg, agg != nullptr ? nullptr : "window definitions");
      if (!bound.ok()) return bound.status();
    }
    for (const ast::OrderItem& o : w.spec->order_by) {
      auto bound = binder_.Bind(*o.expr, scope, agg, agg != nullptr ? nullptr : "window definitions");
      if (!bound.ok()) return bound.status();
    }
  }
  return absl::OkStatus();
}

namespace {

// Per input column, the aggregate's output column holding it (a group that is exactly
// that column), or -1.
std::vector<int> GroupedColumns(const AggregationBinding& agg) {
  std::vector<int> columns(agg.input->columns.size(), -1);
  for (size_t i = 0; i < columns.size(); ++i) {
    const BoundExprPtr column = MakeColumn(static_cast<int>(i), agg.input->columns[i].type);
    for (size_t g = 0; g < agg.groups.size() && columns[i] < 0; ++g) {
      if (agg.groups[g]->Equals(*column)) columns[i] = static_cast<int>(g);
    }
  }
  return columns;
}

// Splits the subqueries over the groups into HAVING's (`having`: the range of entries
// HAVING added), which run before it filters, and the others, which run after (so only
// for the groups kept, as in PostgreSQL); points the placeholders of everything bound
// over the groups at their columns, which follow the aggregate's `width` outputs.
std::vector<SubqueryEntry> SplitHavingSubqueries(int width, std::pair<size_t, size_t> having_range, SubquerySink* sink,
                                                 std::vector<BoundExprPtr>* exprs, BoundExpr* having,
                                                 std::vector<WindowCall>* windows, std::vector<SetFunctionCall>* sets) {
  std::vector<int> columns(sink->entries.size());
  std::vector<SubqueryEntry> first, rest;
  for (size_t i = 0; i < sink->entries.size(); ++i) {
    const bool in_having = i >= having_range.first && i < having_range.second;
    columns[i] = width + static_cast<int>(in_having ? first.size() : having_range.second - having_range.first + rest.size());
    (in_having ? first : rest).push_back(std::move(sink->entries[i]));
  }
  sink->entries = std::move(rest);
  const auto renumber = [&](BoundExpr* e) { RenumberGroupSubqueryColumns(e, columns); };
  for (BoundExprPtr& e : *exprs) renumber(e.get());
  if (having != nullptr) renumber(having);
  for (WindowCall& w : *windows) {
    for (auto* list : {&w.args, &w.aggregate.args, &w.partition, &w.order}) {
      for (BoundExprPtr& e : *list) renumber(e.get());
    }
  }
  for (SetFunctionCall& c : *sets) {
    for (BoundExprPtr& a : c.args) renumber(a.get());
  }
  return first;
}

}  // namespace

absl::StatusOr<Plan> Planner::PlanSimple(const ast::SelectStmt& stmt) {
  auto source = PlanFrom(stmt.from);
  if (!source.ok()) return source.status();
  // A lone table's scan (it stays at the bottom of the plan): its key order may serve
  // ORDER BY.
  auto* base_scan = dynamic_cast<TableScanOperator*>(source->op.get());
  source->scope.outer = outer_;
  source->scope.outer_used = used_flag_;
  OperatorPtr op = std::move(source->op);
  const Scope& scope = source->scope;
  size_t width = scope.columns.size();  // the input's columns (subquery results append more)
  if (stmt.where != nullptr) {
    if (ContainsAggregate(*stmt.where)) {
      return SqlError(sqlstate::kGroupingError, "aggregate functions are not allowed in WHERE", stmt.where->position);
    }
    // EXISTS / NOT EXISTS / IN subqueries that can become semi and anti joins do; the
    // other conjuncts bind as usual.
    std::vector<const ast::Expr*> conjuncts;
    SplitAstConjuncts(*stmt.where, &conjuncts);
    std::vector<Decorrelated> joins;
    std::vector<const ast::Expr*> rest;
    for (const ast::Expr* c : conjuncts) {
      auto decorrelated = Decorrelate(*c, scope);
      if (!decorrelated.ok()) return decorrelated.status();
      if (decorrelated->has_value()) {
        joins.push_back(std::move(**decorrelated));
      } else {
        rest.push_back(c);
      }
    }
    // Nothing decorrelated: WHERE binds whole (its errors name the AND they are in).
    if (joins.empty()) rest = {stmt.where.get()};
    SubquerySink sink = MakeSink(width);
    std::vector<BoundExprPtr> terms, pushed, kept;
    for (const ast::Expr* c : rest) {
      binder_.set_sink(&sink);
      auto bound = binder_.BindCondition(*c, scope, nullptr, "WHERE");
      binder_.set_sink(nullptr);
      if (!bound.ok()) return bound.status();
      SplitConjuncts(std::move(*bound), &terms);
    }
    // Conjuncts over FROM's columns alone go down to the inputs they read; those reading
    // a subquery's result (or calling nextval) filter above the subqueries.
    for (BoundExprPtr& t : terms) (Pushable(*t, width) ? pushed : kept).push_back(std::move(t));
    op = ChooseJoinMethods(PushDownFilters(std::move(op), std::move(pushed), session_.join_collapse_limit),
                           session_.join_methods);
    for (Decorrelated& j : joins) {
      QUANTA_ASSERT(j.kind == JoinKind::kSemi || j.kind == JoinKind::kAnti);
      op = MakeJoin(std::move(op), std::move(j.inner), j.kind, std::move(j.condition), width);
      QUANTA_ASSERT(op->types().size() == width);  // semi and anti joins keep the query's columns
    }
    width += sink.entries.size();
    op = WrapApply(std::move(op), std::move(sink), scope);
    for (BoundExprPtr& t : kept) op = std::make_unique<FilterOperator>(std::move(op), std::move(t));
  } else {
    op = ChooseJoinMethods(std::move(op), session_.join_methods);
  }
  SubquerySink select_sink = MakeSink(width);  // subqueries of the select list and ORDER BY
  auto targets = Expand(stmt.targets, scope);
  if (!targets.ok()) return targets.status();

  // GROUP BY and aggregates: bind everything that reads the groups, then build.
  std::unique_ptr<AggregationBinding> agg;
  std::vector<std::vector<bool>> grouping_sets;  // empty: plain GROUP BY
  SubquerySink group_sink = MakeSink(ExprBinder::kGroupSubqueryBase);  // subqueries over the groups
  std::vector<int> group_outer;  // their outer row: per input column, its group's output column
  if (AnyAggregate(stmt)) {
    agg = std::make_unique<AggregationBinding>();
    agg->input = &scope;
    // One GROUP BY expression (an ordinal, an input expression, an output column's
    // name) bound into agg->groups once: its index there.
    const auto bind_group = [&](const ast::Expr& g) -> absl::StatusOr<int> {
      const ast::Expr* item = &g;
      if (IsOrdinal(*item)) {
        const int64_t n = std::stoll(item->text);
        if (n < 1 || n > static_cast<int64_t>(targets->size()) || (*targets)[static_cast<size_t>(n - 1)].expr == nullptr) {
          if (n >= 1 && n <= static_cast<int64_t>(targets->size())) {
            const int column = (*targets)[static_cast<size_t>(n - 1)].column;
            return AddGroup(agg.get(), MakeColumn(column, scope.columns[static_cast<size_t>(column)].type));
          }
          return SqlError("42P10", absl::StrCat("GROUP BY position ", n, " is not in select list"), item->position);
        }
        item = (*targets)[static_cast<size_t>(n - 1)].expr;
      }
      auto bound = binder_.Bind(*item, scope, nullptr, "GROUP BY");
      if (!bound.ok() && item->kind == ast::ExprKind::kColumnRef && item->names.size() == 1) {
        // An output column name, when no input column has it (PostgreSQL's rule).
        for (const Target& t : *targets) {
          if (t.name == item->names[0] && t.expr != nullptr) {
            bound = binder_.Bind(*t.expr, scope, nullptr, "GROUP BY");
            break;
          }
        }
      }
      if (!bound.ok()) return bound.status();
      return AddGroup(agg.get(), std::move(*bound));
    };
    auto sets = GroupingSets(stmt.group_by, bind_group, *agg);
    if (!sets.ok()) return sets.status();
    grouping_sets = std::move(*sets);
    group_outer = GroupedColumns(*agg);
    agg->grouped = scope;
    for (size_t i = 0; i < scope.columns.size(); ++i) agg->grouped.columns[i].ungrouped = group_outer[i] < 0;
    agg->sink = &group_sink;
  }

  // The select list (aggregated, if grouping). Window calls go to `windows`, set-returning
  // calls to `sets`.
  std::vector<WindowCall> windows;
  std::vector<SetFunctionCall> sets;
  binder_.set_windows(&windows, &stmt.windows);
  binder_.set_sets(&sets);
  binder_.set_sink(&select_sink);  // (aggregated: those in aggregate calls' arguments)
  std::vector<BoundExprPtr> exprs;
  std::vector<std::string> names;
  for (const Target& t : *targets) {
    absl::StatusOr<BoundExprPtr> bound;
    if (t.expr == nullptr) {
      ast::Expr ref;
      ref.kind = ast::ExprKind::kColumnRef;
      ref.position = t.position;
      ref.names = {scope.columns[static_cast<size_t>(t.column)].table, scope.columns[static_cast<size_t>(t.column)].name};
      if (agg != nullptr) {
        bound = binder_.Bind(ref, scope, agg.get(), nullptr);
      } else {
        bound = MakeColumn(t.column, scope.columns[static_cast<size_t>(t.column)].type);
      }
    } else {
      bound = binder_.Bind(*t.expr, scope, agg.get(), agg != nullptr ? nullptr : "SELECT");
    }
    if (!bound.ok()) {
      binder_.set_sink(nullptr);
      binder_.set_windows(nullptr);
      binder_.set_sets(nullptr);
      return bound.status();
    }
    exprs.push_back(std::move(*bound));
    names.push_back(t.name);
  }
  binder_.set_windows(nullptr);
  binder_.set_sets(nullptr);
  absl::Status defined = BindWindowClause(stmt.windows, scope, agg.get());
  if (!defined.ok()) {
    binder_.set_sink(nullptr);
    return defined;
  }
  BoundExprPtr having;
  std::pair<size_t, size_t> having_range;  // the subqueries over the groups that HAVING added
  if (stmt.having != nullptr) {
    having_range.first = group_sink.entries.size();
    auto h = binder_.BindCondition(*stmt.having, scope, agg.get(), "HAVING");
    if (!h.ok()) return h.status();
    having = std::move(*h);
    having_range.second = group_sink.entries.size();
  }

  // ORDER BY: ordinals and output names first, then expressions (hidden columns).
  binder_.set_windows(&windows, &stmt.windows);
  binder_.set_sets(&sets);
  const size_t visible = exprs.size();
  std::vector<SortKey> keys;
  for (const ast::OrderItem& item : stmt.order_by) {
    int column = -1;
    if (IsOrdinal(*item.expr)) {
      const int64_t n = std::stoll(item.expr->text);
      if (n < 1 || n > static_cast<int64_t>(visible)) {
        return SqlError("42P10", absl::StrCat("ORDER BY position ", n, " is not in select list"), item.expr->position);
      }
      column = static_cast<int>(n - 1);
    } else if (item.expr->kind == ast::ExprKind::kColumnRef && item.expr->names.size() == 1) {
      int matches = 0;
      for (size_t i = 0; i < visible; ++i) {
        if (names[i] == item.expr->names[0]) {
          if (column < 0) column = static_cast<int>(i);
          ++matches;
        }
      }
      if (matches > 1) {
        return SqlError(sqlstate::kAmbiguousColumn, absl::StrCat("ORDER BY \"", item.expr->names[0], "\" is ambiguous"),
                        item.expr->position);
      }
    }
    if (column < 0) {
      auto found = OutputColumn(*item.expr, scope, agg.get(), "ORDER BY", stmt.distinct && stmt.distinct_on.empty(), &exprs);
      if (!found.ok()) {
        binder_.set_sink(nullptr);
        binder_.set_windows(nullptr);
        binder_.set_sets(nullptr);
        return found.status();
      }
      column = *found;
    }
    keys.push_back(SortKey{column, item.descending, item.nulls_first.value_or(item.descending)});
  }

  // DISTINCT ON (...): output columns like ORDER BY's (ordinals, names, expressions).
  std::vector<int> distinct_on;
  for (const ast::ExprPtr& item : stmt.distinct_on) {
    int column = -1;
    if (IsOrdinal(*item)) {
      const int64_t n = std::stoll(item->text);
      if (n < 1 || n > static_cast<int64_t>(visible)) {
        return SqlError("42P10", absl::StrCat("SELECT DISTINCT ON position ", n, " is not in select list"), item->position);
      }
      column = static_cast<int>(n - 1);
    } else if (item->kind == ast::ExprKind::kColumnRef && item->names.size() == 1) {
      for (size_t i = 0; i < visible && column < 0; ++i) column = names[i] == item->names[0] ? static_cast<int>(i) : -1;
    }
    if (column < 0) {
      auto found = OutputColumn(*item, scope, agg.get(), "DISTINCT ON", /*must_exist=*/false, &exprs);
      if (!found.ok()) {
        binder_.set_sink(nullptr);
        binder_.set_windows(nullptr);
        binder_.set_sets(nullptr);
        return found.status();
      }
      column = *found;
    }
    distinct_on.push_back(column);
  }
  if (!distinct_on.empty() && !keys.empty()) {
    // PostgreSQL: the leading ORDER BY keys are the DISTINCT ON expressions.
    std::vector<int> leading;
    for (size_t i = 0; i < keys.size() && i < distinct_on.size(); ++i) leading.push_back(keys[i].column);
    std::vector<int> on = distinct_on;
    std::sort(leading.begin(), leading.end());
    std::sort(on.begin(), on.end());
    on.erase(std::unique(on.begin(), on.end()), on.end());
    leading.erase(std::unique(leading.begin(), leading.end()), leading.end());
    if (keys.size() < on.size() || !std::includes(on.begin(), on.end(), leading.begin(), leading.end()) ||
        leading.size() != on.size()) {
      return SqlError("42P10", "SELECT DISTINCT ON expressions must match initial ORDER BY expressions",
                      stmt.distinct_on[0]->position);
    }
  }
  binder_.set_sink(nullptr);
  binder_.set_windows(nullptr);
  binder_.set_sets(nullptr);
  op = WrapApply(std::move(op), std::move(select_sink), scope);
  if (agg != nullptr) {
    const int width = static_cast<int>(agg->groups.size() + agg->aggregates.size());
    SubquerySink having_sink = MakeSink(static_cast<size_t>(width));
    having_sink.entries =
        SplitHavingSubqueries(width, having_range, &group_sink, &exprs, having.get(), &windows, &sets);
    auto aggregate = std::make_unique<AggregateOperator>(std::move(op), std::move(agg->groups), std::move(agg->aggregates));
    if (!grouping_sets.empty()) aggregate->set_grouping_sets(std::move(grouping_sets));
    op = std::move(aggregate);
    QUANTA_ASSERT(op->types().size() == static_cast<size_t>(width));
    op = WrapApply(std::move(op), std::move(having_sink), agg->grouped, group_outer);
    if (having != nullptr) op = std::make_unique<FilterOperator>(std::move(op), std::move(having));
    op = WrapApply(std::move(op), std::move(group_sink), agg->grouped, std::move(group_outer));
  }
  if (!windows.empty()) {
    // Window calls see the rows the select list does; their columns follow those.
    const int base = static_cast<int>(op->types().size());
    op = std::make_unique<WindowOperator>(std::move(op), std::move(windows));
    for (BoundExprPtr& e : exprs) RenumberWindowColumns(e.get(), base);
    for (SetFunctionCall& c : sets) {
      for (BoundExprPtr& a : c.args) RenumberWindowColumns(a.get(), base);
    }
  }
  // Set-returning calls see the rows the select list does, windows computed.
  const bool returns_sets = !sets.empty();
  if (returns_sets) op = PlaceProjectSets(std::move(op), std::move(sets), &exprs);
  // Unknown-typed columns stay unknown here: a set operation or INSERT resolves them;
  // at the top of a query they become text (CoerceOutput).
  std::vector<Type> types;
  for (const BoundExprPtr& e : exprs) types.push_back(e->type);
  const bool scan_ordered = !keys.empty() && agg == nullptr && windows.empty() && !returns_sets && !stmt.distinct &&
                            OrderedByScan(base_scan, keys, exprs) && (!keys[0].descending || access_.ScansBackward());
  op = std::make_unique<ProjectOperator>(std::move(op), std::move(exprs));
  if (stmt.distinct && stmt.distinct_on.empty()) {
    std::vector<BoundExprPtr> all;
    for (size_t i = 0; i < types.size(); ++i) all.push_back(MakeColumn(static_cast<int>(i), types[i]));
    op = std::make_unique<AggregateOperator>(std::move(op), std::move(all), std::vector<AggregateSpec>());
  }
  if (scan_ordered) {
    if (keys[0].descending) base_scan->SetBackward();  // the key order serves ORDER BY: no sort
  } else if (!keys.empty()) {
    op = std::make_unique<SortOperator>(std::move(op), std::move(keys));
  }
  if (!distinct_on.empty()) op = std::make_unique<FirstPerKeyOperator>(std::move(op), std::move(distinct_on));
  absl::Status limited = ApplyLimit(stmt, &op);
  if (!limited.ok()) return limited;
  if (types.size() > visible) {
    std::vector<BoundExprPtr> keep;
    for (size_t i = 0; i < visible; ++i) keep.push_back(MakeColumn(static_cast<int>(i), types[i]));
    op = std::make_unique<ProjectOperator>(std::move(op), std::move(keep));
  }
  Plan plan;
  plan.root = std::move(op);
  plan.names = std::move(names);
  return plan;
}

}  // namespace quanta::sql
