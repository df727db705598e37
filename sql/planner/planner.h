// Planner: a bound, executable operator tree for a query (SELECT, VALUES, set
// operations), built from the AST against a catalog snapshot.
//
// Shape for a simple select: FROM (scans, joins) → WHERE (filter) → GROUP BY /
// aggregates (hash aggregate) → HAVING (filter) → select list (project, with ORDER BY
// expressions not in it as hidden columns) → DISTINCT → ORDER BY (sort) → LIMIT/OFFSET
// → projection dropping the hidden columns. Name resolution follows PostgreSQL:
// ORDER BY takes ordinals and output names first, then input expressions; GROUP BY
// takes ordinals, input columns, then output names.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/catalog/catalog.h"
#include "sql/execution/operators.h"
#include "sql/parser/ast.h"
#include "sql/planner/expr_binder.h"
#include "sql/storage/data_access.h"

namespace quanta::sql {

// The common table expressions visible at one query level (WITH), innermost last.
struct CteScope {
  const ast::SelectStmt* owner = nullptr;
  bool recursive = false;
  // A recursive CTE being planned has its working table here (its recursive term reads it).
  struct Working {
    std::shared_ptr<WorkingTable> table;
    std::vector<Type> types;
    std::vector<std::string> names;
  };
  std::map<std::string, Working> working;
};
using CteStack = std::vector<std::shared_ptr<CteScope>>;

struct Plan {
  OperatorPtr root;
  std::vector<std::string> names;  // output column names
  std::vector<Type> types() const { return root->types(); }
};

class Planner {
 public:
  Planner(const CatalogSnapshot& catalog, DataAccess& access, const SessionInfo& session, std::vector<Type>* params)
      : catalog_(catalog), access_(access), session_(session), params_(params), binder_(session, params) {}
  // A planner for a query nested in `parent`'s (same catalog, session and CTEs) whose
  // names not found in its own FROM resolve in `outer`, setting *used when one does.
  Planner(const Planner& parent, const Scope* outer, bool* used)
      : Planner(parent.catalog_, parent.access_, parent.session_, parent.params_) {
    ctes_ = parent.ctes_;
    outer_ = outer;
    used_flag_ = used;
  }
  // Makes this a subquery's planner: names not found in its own FROM resolve in `outer`.
  void set_outer(const Scope* outer) { outer_ = outer; }
  // A sink for one clause's subqueries, whose result columns will start at `base`.
  SubquerySink MakeSink(size_t base);
  // Runs `sink`'s subqueries over `op`'s rows (appending their columns), if any. Their
  // outer level is `scope`, its columns the input's first ones or, with `outer_columns`,
  // input column outer_columns[i] for scope column i (-1: none).
  OperatorPtr WrapApply(OperatorPtr op, SubquerySink sink, const Scope& scope);
  OperatorPtr WrapApply(OperatorPtr op, SubquerySink sink, const Scope& scope, std::vector<int> outer_columns);

  absl::StatusOr<Plan> PlanQuery(const ast::SelectStmt& stmt);
  // The table `names` refers to ([schema.]table), or 42P01 at `position`.
  absl::StatusOr<const TableDef*> FindTable(const std::vector<std::string>& names, int position) const;
  ExprBinder& binder() { return binder_; }
  // generate_series(...) in FROM.
  // A function in FROM; *names gets its columns' names (before aliases).
  absl::StatusOr<OperatorPtr> PlanFunctionScan(const ast::TableRef& ref, std::vector<std::string>* names);
  // A view named in FROM: its query planned afresh (no outer names, no CTEs).
  absl::StatusOr<OperatorPtr> PlanView(const ViewDef& view, int position);
  // A FROM list (UPDATE ... FROM, DELETE ... USING): its items cross-joined, and their columns.
  absl::StatusOr<std::pair<OperatorPtr, Scope>> PlanFromList(const std::vector<ast::TableRefPtr>& from);
  DataAccess& access() { return access_; }

 private:
  struct Source {
    OperatorPtr op;
    Scope scope;
  };
  absl::StatusOr<Plan> PlanBody(const ast::SelectStmt& stmt);  // PlanQuery after WITH
  absl::StatusOr<Plan> PlanSimple(const ast::SelectStmt& stmt);
  // Checks a SELECT's WINDOW clause and binds its definitions (errors as PostgreSQL's,
  // for unused windows too).
  absl::Status BindWindowClause(const std::vector<ast::NamedWindow>& windows, const Scope& scope, AggregationBinding* agg);
  // A WHERE conjunct (EXISTS, NOT EXISTS, IN over a subquery) as a semi or anti join
  // of the query's rows (`scope`) with the subquery's FROM (decorrelate.cc); nullopt
  // when it does not qualify (it then runs per row through ApplyOperator).
  struct Decorrelated {
    OperatorPtr inner;
    JoinKind kind;
    BoundExprPtr condition;  // over the query's columns, then the subquery's; null: none
  };
  absl::StatusOr<std::optional<Decorrelated>> Decorrelate(const ast::Expr& conjunct, const Scope& scope);
  // ORDER BY / DISTINCT ON `e` as a column of the select list `exprs`: an equal one, or
  // a hidden one appended (42P10 instead when `must_exist`, for SELECT DISTINCT).
  absl::StatusOr<int> OutputColumn(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause,
                                   bool must_exist, std::vector<BoundExprPtr>* exprs);
  absl::StatusOr<Plan> PlanValues(const ast::SelectStmt& stmt);
  absl::StatusOr<Plan> PlanSetOperation(const ast::SelectStmt& stmt);
  absl::StatusOr<Source> PlanFrom(const std::vector<ast::TableRefPtr>& from);
  absl::StatusOr<Source> PlanTableRef(const ast::TableRef& ref);
  using LateralPlan = std::function<absl::StatusOr<OperatorPtr>(const std::vector<Value>&)>;
  absl::StatusOr<Source> PlanJoin(const ast::TableRef& ref);
  // The right side of a join beside `left` (a FROM list's later item, or JOIN's right):
  // a LATERAL subquery or a function that reads `left`'s columns comes back with
  // *lateral set (plan it per left row; the Source's op is then unused); anything else
  // plans as usual.
  absl::StatusOr<Source> PlanRightSide(const ast::TableRef& ref, const Scope& left,
                                       LateralPlan* lateral);
  absl::StatusOr<Source> MergeUsingColumns(Source joined, const std::vector<std::pair<int, int>>& merged, JoinKind kind);
  // A FROM item naming a CTE of an enclosing WITH (null if `ref` names none).
  absl::StatusOr<std::optional<Source>> PlanCteRef(const ast::TableRef& ref);
  absl::StatusOr<Source> PlanRecursiveCte(const ast::CommonTableExpr& cte, const std::shared_ptr<CteScope>& scope,
                                          const std::string& alias);
  // ORDER BY and LIMIT over a plan's output columns (set operations, VALUES).
  absl::StatusOr<Plan> OrderAndLimitByOutput(Plan plan, const ast::SelectStmt& stmt);
  absl::Status ApplyLimit(const ast::SelectStmt& stmt, OperatorPtr* op);
  absl::StatusOr<int64_t> EvaluateCount(const ast::Expr& e, const char* what, const char* negative_state);

  const CatalogSnapshot& catalog_;
  DataAccess& access_;
  const SessionInfo& session_;
  std::vector<Type>* params_;
  ExprBinder binder_;
  CteStack ctes_;
  const Scope* outer_ = nullptr;
  int view_depth_ = 0;  // views being expanded around this planner
  static constexpr int kMaxViewDepth = 32;
  bool* used_flag_ = nullptr;  // set when a name resolves in outer_ (correlation)
};

// A join of `left` and `right` on `condition` (over left's columns then right's): a hash
// join on the equalities between left and right columns it holds (the rest checked per
// pair), a nested loop if it holds none.
OperatorPtr MakeJoin(OperatorPtr left, OperatorPtr right, JoinKind kind, BoundExprPtr condition, size_t left_width);

// The terms of a conjunction (a AND b AND c → a, b, c; anything else: itself).
void SplitConjuncts(BoundExprPtr e, std::vector<BoundExprPtr>* out);
// The same, over the syntax tree.
void SplitAstConjuncts(const ast::Expr& e, std::vector<const ast::Expr*>* out);

// Filters `op` by every conjunct, each pushed as far down through inner and cross joins
// as the columns it reads allow (to a table scan, which narrows to the key range it
// can match); a nested-loop join given conjuncts over both its sides is rebuilt as an
// inner join on them (a hash join on their equalities). REQUIRES: the conjuncts read
// only `op`'s columns and call nothing volatile. A tree of 3 to `collapse_limit`
// (join_collapse_limit) INNER/CROSS joins is reordered first (ReorderJoins).
OperatorPtr PushDownFilters(OperatorPtr op, std::vector<BoundExprPtr> conjuncts, int collapse_limit);

// Join order: whether `op` is a tree of INNER/CROSS joins ReorderJoins takes (3 to
// collapse_limit inputs, at most 16), and the tree rebuilt in an order chosen from estimated rows with
// `conjuncts` (WHERE's, over op's columns) placed (join_order.cc). The result has op's
// columns in op's order.
bool ReordersJoins(const Operator& op, int collapse_limit);
OperatorPtr ReorderJoins(OperatorPtr op, std::vector<BoundExprPtr> conjuncts);

// Join methods, once the filters are down, as `methods` allow:
// - a hash join (INNER or LEFT) whose right input is a table, perhaps filtered, with a
//   primary key or an index led by right key columns, becomes an index nested loop
//   (IndexNestedLoopJoinOperator: one key lookup per left row, the right filters joining
//   the condition) when the left input is estimated to hold fewer than 1/kLookupCost of
//   the table's rows (methods.nestloop);
// - else a hash join whose inputs both come in the order of (some of) its keys, tables
//   read in primary key order, becomes a merge join (MergeJoinOperator: no hash table)
//   when both are estimated at kMergeMinRows or more (methods.mergejoin); without
//   methods.hashjoin every hash join becomes one, its inputs sorted where they are not
//   in order;
// - else an INNER hash join whose right (build) input is estimated at over twice the
//   left's has its inputs swapped.
// Recurses through joins, filters and projections.
OperatorPtr ChooseJoinMethods(OperatorPtr op, const JoinMethods& methods);

// Column pruning, on a whole query's plan (every output column read): each table scan
// decodes only the columns the operators above it read, where those are known
// (prune_columns.cc). REQUIRES: planning is finished (no operator is rebuilt after).
void PruneColumns(Operator* root);

// The planner's estimate of the rows `op` returns: a scan's from its key range (1 for a
// unique key fixed) or ANALYZE's row count (1000 for a table never analyzed), a third
// of the input past a filter, as PostgreSQL's default guesses.
double EstimateRows(const Operator& op);

// Restricts `op`, if it is a table scan, to the primary-key range `predicate` can
// match (the predicate is still applied above it).
void NarrowScan(Operator* op, const BoundExpr& predicate);

// Adds a projection converting unknown-typed output columns to text (PostgreSQL
// resolves `SELECT 'a'` as text) and, if `types` is given, casting to those types.
absl::StatusOr<OperatorPtr> CoerceOutput(OperatorPtr op, const std::vector<Type>* types, CastContext context);

}  // namespace quanta::sql
