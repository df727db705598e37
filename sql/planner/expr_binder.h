// ExprBinder: ast::Expr → BoundExpr against a Scope: resolves column names, types
// literals (integers as int4/int8/numeric, strings as unknown until context decides),
// resolves operators and functions, inserts casts (implicit, assignment or explicit),
// folds constant subexpressions, and reports PostgreSQL's errors with positions
// (42703 undefined column, 42702 ambiguous, 42P01 missing FROM entry, 42883 no such
// operator/function, 42804 wrong type, 42803 grouping errors).
//
// Aggregation: with an AggregationBinding, expressions are bound as they read after a
// GROUP BY: aggregate calls become references to aggregate outputs (registered in the
// binding), expressions equal to a group expression become references to it, and any
// other column reference is 42803.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/catalog/catalog.h"
#include "sql/execution/aggregate.h"
#include "sql/execution/set_function.h"
#include "sql/execution/window.h"
#include "sql/parser/ast.h"
#include "sql/planner/bound_expr.h"
#include "sql/planner/scope.h"

namespace quanta::sql {

// The join methods the planner may choose (SET enable_nestloop, enable_hashjoin,
// enable_mergejoin; PostgreSQL's, all on by default).
struct JoinMethods {
  bool nestloop = true;   // off: no index nested loops (equi-joins stay hash joins)
  bool hashjoin = true;   // off: equi-joins become merge joins, their inputs sorted if need be
  bool mergejoin = true;  // off: no merge joins
};

// Facts about the session that functions like current_user() read.
struct SessionInfo {
  std::string user = "quanta";
  std::string database = "quanta";
  std::string version = "PostgreSQL 15.0 (QuantaDB 0.1)";
  SearchPath search_path;      // follows SET search_path (the engine keeps it current)
  std::string current_schema;  // the path's first existing schema at this statement's catalog ("": none)
  JoinMethods join_methods;
  int join_collapse_limit = 8;  // SET join_collapse_limit: joins of more inputs keep their written order
  const CatalogSnapshot* catalog = nullptr;  // the running statement's (obj_description reads its comments)
};


// A subquery found while binding one clause: run by an ApplyOperator, which appends
// its result (per input row, or once if uncorrelated) as a column.
struct SubqueryEntry {
  enum class Kind : uint8_t { kScalar, kExists, kAny, kAll, kArray };
  Kind kind = Kind::kScalar;
  const ast::SelectStmt* query = nullptr;
  bool correlated = false;
  Type type;                    // the appended column's type
  BoundExprPtr needle;          // kAny/kAll: the left operand, over the input row
  ScalarKernel compare = nullptr;
  Type element_type;            // kAny/kAll: the subquery's column is converted to this; kArray: the elements' type
  bool negated = false;         // NOT IN
};

// Collects the subqueries of one clause; their columns start at `base` in the input.
struct SubquerySink {
  size_t base = 0;
  std::vector<SubqueryEntry> entries;
  // Plans `query` as a subquery of `outer` (outer names bind as NULLs of their types):
  // its output types, and whether it referred to `outer`.
  std::function<absl::StatusOr<std::vector<Type>>(const ast::SelectStmt& query, const Scope& outer, bool* correlated)>
      validate;
};

// GROUP BY's binding state. The aggregate's output is the groups, then the aggregates.
// A subquery outside aggregate calls runs once per group, from an ApplyOperator above
// the aggregate (`sink`, its columns ExprBinder::kGroupSubqueryBase + i until the
// planner knows the output's width: RenumberGroupSubqueryColumns). Its outer level is
// `grouped`: the input's columns, each not itself a group expression flagged ungrouped.
struct AggregationBinding {
  const Scope* input = nullptr;
  std::vector<BoundExprPtr> groups;      // bound against `input`
  std::vector<AggregateSpec> aggregates; // registered while binding
  SubquerySink* sink = nullptr;          // null: subqueries over the groups are refused
  Scope grouped;
};

// Whether `e` calls an aggregate (outside subqueries); whether it has a subquery.
bool ContainsAggregate(const ast::Expr& e);
bool ContainsSubquery(const ast::Expr& e);
// Renumbers the placeholder columns first + i (those in [first, limit)) to columns[i].
void RenumberPlaceholders(BoundExpr* e, int first, int limit, const std::vector<int>& columns);
// Renumbers group-subquery placeholders (ExprBinder::kGroupSubqueryBase + i) to columns[i].
void RenumberGroupSubqueryColumns(BoundExpr* e, const std::vector<int>& columns);

// The column name PostgreSQL gives an unaliased select-list expression ("?column?").
std::string DeriveColumnName(const ast::Expr& e);

class ExprBinder {
 public:
  ExprBinder(const SessionInfo& session, std::vector<Type>* param_types) : session_(session), params_(param_types) {}

  // Binds `e` in `scope`; `clause` names where aggregates are refused ("WHERE") and
  // is null where they are allowed through `agg`.
  absl::StatusOr<BoundExprPtr> Bind(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause);
  // Binds a condition (WHERE, ON, HAVING, CHECK): its type must be boolean.
  absl::StatusOr<BoundExprPtr> BindCondition(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                             const char* clause);

  // `l op r` for bound operands (the operator resolved as in an expression).
  absl::StatusOr<BoundExprPtr> BindComparison(const std::string& op, BoundExprPtr l, BoundExprPtr r, int position) {
    return BindOperator(op, std::move(l), std::move(r), position);
  }
  // Converts `e` to `to` in `context`; constants convert now. Errors: the cast's
  // (with `position`), or 42804/42846 when no such conversion exists.
  static absl::StatusOr<BoundExprPtr> Coerce(BoundExprPtr e, const Type& to, CastContext context, int position);
  // Like Coerce, for `argument of <what> must be type boolean`.
  static absl::StatusOr<BoundExprPtr> CoerceToBool(BoundExprPtr e, const char* what, int position);
  // Resolves a type name with its modifiers (42704 unknown type, 22023 bad modifier).
  static absl::StatusOr<Type> ResolveType(const ast::TypeName& name);
  // Where subqueries of the clauses bound next go (null: subqueries are refused).
  void set_sink(SubquerySink* sink) { sink_ = sink; }
  // Where window calls of the clauses bound next go (null: they are refused, 42P20).
  // Each binds to a column kWindowColumnBase + i, which the planner renumbers once it
  // knows where the window operator's columns start (RenumberWindowColumns).
  // `named`: the WINDOW clause that OVER w and OVER (w ...) refer to.
  void set_windows(std::vector<WindowCall>* windows, const std::vector<ast::NamedWindow>* named = nullptr) {
    windows_ = windows;
    named_windows_ = named;
  }
  static constexpr int kWindowColumnBase = 1 << 24;
  // Where set-returning calls of the clauses bound next go (null: they are refused with
  // PostgreSQL's error for the clause, 0A000). Each binds to a column kSetColumnBase + i,
  // renumbered once the planner has placed the ProjectSet operators (RenumberSetColumns).
  void set_sets(std::vector<SetFunctionCall>* sets) { sets_ = sets; }
  static constexpr int kSetColumnBase = 1 << 25;
  static constexpr int kGroupSubqueryBase = 1 << 26;  // AggregationBinding::sink's columns
  // A set-returning call in FROM, or the select list's before it is placed: its arguments
  // bound (42883 for argument types neither function takes).
  absl::StatusOr<SetFunctionCall> BindSetFunction(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                  const char* clause);
  // A set-returning call in FROM: one call per output column (unnest(a, b, ...) is
  // several, json[b]_each[_text] two: key and value), their names into *names.
  absl::StatusOr<std::vector<SetFunctionCall>> BindFromFunction(const ast::Expr& e, const Scope& scope,
                                                                std::vector<std::string>* names);

 private:
  absl::StatusOr<BoundExprPtr> BindNode(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                        const char* clause);
  absl::StatusOr<BoundExprPtr> BindAggregated(const ast::Expr& e, const Scope& scope, AggregationBinding* agg);
  absl::StatusOr<BoundExprPtr> BindAggregateCall(const ast::Expr& e, AggregationBinding* agg);
  absl::StatusOr<BoundExprPtr> BindOwnAggregateCall(const ast::Expr& e, AggregationBinding* agg, bool* reads_outer);
  absl::StatusOr<BoundExprPtr> BindGroupingCall(const ast::Expr& e, AggregationBinding* agg);
  absl::StatusOr<BoundExprPtr> BindLiteral(const ast::Expr& e);
  absl::StatusOr<BoundExprPtr> BindColumn(const ast::Expr& e, const Scope& scope);
  absl::StatusOr<BoundExprPtr> BindParam(const ast::Expr& e);
  absl::StatusOr<BoundExprPtr> BindUnary(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause);
  absl::StatusOr<BoundExprPtr> BindBinary(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause);
  absl::StatusOr<BoundExprPtr> BindOperator(const std::string& op, BoundExprPtr l, BoundExprPtr r, int position);
  absl::StatusOr<BoundExprPtr> BindFunction(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause);
  // A scalar function `name` over bound arguments (42883 if no overload takes them).
  absl::StatusOr<BoundExprPtr> CallFunction(const std::string& name, std::vector<BoundExprPtr> args, int position);
  // nextval/currval/setval/lastval: a kSequence node (evaluated with the statement's sequences).
  absl::StatusOr<BoundExprPtr> BindSequenceCall(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                const char* clause);
  absl::StatusOr<SetFunctionCall> BindSubscripts(std::vector<BoundExprPtr> args, const std::vector<Type>& types, int position);
  // A set-returning call where sets_ collects them (else its refusal).
  absl::StatusOr<BoundExprPtr> BindSetReturning(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                const char* clause);
  // While alive, set-returning calls are refused as in `place` (a clause, "CASE", ...),
  // even where sets_ would collect them.
  class RefuseSets {
   public:
    RefuseSets(ExprBinder* binder, const char* place) : binder_(binder), saved_(binder->sets_refused_) {
      if (place != nullptr) binder->sets_refused_ = place;
    }
    ~RefuseSets() { binder_->sets_refused_ = saved_; }
    RefuseSets(const RefuseSets&) = delete;
    RefuseSets& operator=(const RefuseSets&) = delete;

   private:
    ExprBinder* binder_;
    const char* saved_;
  };
  absl::StatusOr<BoundExprPtr> BindWindowCall(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                              const char* clause);
  // The frame of `call` (its order keys bound) from `spec`.
  absl::Status BindFrame(const ast::WindowSpec& spec, WindowCall* call, int position);
  absl::StatusOr<BoundExprPtr> BindFrameOffset(const ast::Expr& offset, bool rows, const Type* key);
  absl::StatusOr<BoundExprPtr> BindCase(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause);
  absl::StatusOr<BoundExprPtr> BindInList(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause);
  absl::StatusOr<BoundExprPtr> BindLike(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause);
  absl::StatusOr<BoundExprPtr> BindBetween(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause);
  absl::StatusOr<BoundExprPtr> BindIsDistinct(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause);
  // Arrays (expr_binder_array.cc): ARRAY[...], a[i], x op ANY|ALL (array).
  absl::StatusOr<BoundExprPtr> BindArray(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause);
  absl::StatusOr<BoundExprPtr> BindSubscript(const ast::Expr& e, const Scope& scope, AggregationBinding* agg, const char* clause);
  absl::StatusOr<BoundExprPtr> BindQuantifiedArray(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                   const char* clause);
  absl::StatusOr<std::vector<BoundExprPtr>> BindArgs(const std::vector<ast::ExprPtr>& args, const Scope& scope,
                                                     AggregationBinding* agg, const char* clause);

  absl::StatusOr<BoundExprPtr> BindSubquery(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                            const char* clause);

  const SessionInfo& session_;
  std::vector<Type>* params_;
  SubquerySink* sink_ = nullptr;
  std::vector<WindowCall>* windows_ = nullptr;
  const std::vector<ast::NamedWindow>* named_windows_ = nullptr;
  std::vector<SetFunctionCall>* sets_ = nullptr;
  const char* sets_refused_ = nullptr;  // RefuseSets' place
};

// A window's definition with OVER w and OVER (w ...) resolved: the clauses it takes
// from a named window and from itself (pointers into the AST).
struct WindowParts {
  const std::vector<ast::ExprPtr>* partition;
  const std::vector<ast::OrderItem>* order;
  const ast::WindowSpec* frame;  // has_frame, rows, start, end
};
// Resolves `spec` against `named`, of which the first `visible` may be copied (a
// WINDOW clause's definition sees the earlier ones). Errors as PostgreSQL's: 42704 no
// such window; 42P20 overriding PARTITION BY or ORDER BY, copying a frame.
absl::StatusOr<WindowParts> ResolveWindow(const ast::WindowSpec& spec, const std::vector<ast::NamedWindow>* named,
                                          size_t visible);
// Checks a WINDOW clause: names unique, each definition resolves.
absl::Status CheckWindowClause(const std::vector<ast::NamedWindow>& windows);

// Whether `e` is a call of a set-returning function (generate_series, unnest), and
// whether it contains one (outside subqueries).
bool IsSetFunctionCall(const ast::Expr& e);
bool ContainsSetFunction(const ast::Expr& e);
// Whether bound `e` reads a set-returning placeholder (so returns a set).
bool ReturnsSet(const BoundExpr& e);
// Renumbers set-returning placeholders (ExprBinder::kSetColumnBase + i) to columns[i].
void RenumberSetColumns(BoundExpr* e, const std::vector<int>& columns);
// PostgreSQL's refusal of a set-returning call in `place` (a clause; null: "this context").
absl::Status SetFunctionRefused(const char* place, int position);

// Renumbers window placeholders (ExprBinder::kWindowColumnBase + i) in `e` to base + i.
void RenumberWindowColumns(BoundExpr* e, int base);

// Folds `e` to a constant when all of its inputs are constants and it evaluates
// without error (an error is left for execution, where only reached rows raise it).
BoundExprPtr FoldConstants(BoundExprPtr e);

}  // namespace quanta::sql
