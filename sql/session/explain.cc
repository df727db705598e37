// EXPLAIN [ANALYZE]: the plan of a query in PostgreSQL's text format (explain_render.h
// lays out the lines). With ANALYZE the query runs (its rows discarded) with the
// operators counting, and each line gets the actual time (first batch..last, ms), rows
// and loops, per loop as PostgreSQL averages them (an index nested loop's inner scan
// runs once per outer row). Unless COSTS OFF, each line first gets the planner's
// estimate (planner/cost.h), in PostgreSQL's form: (cost=startup..total rows=N width=W).
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/planner/cost.h"
#include "sql/planner/planner.h"
#include "sql/session/explain_render.h"
#include "sql/session/sql_engine.h"

namespace quanta::sql {
namespace {

double Millis(absl::Duration d) { return absl::ToDoubleMicroseconds(d) / 1000.0; }

std::string DmlLine(const char* command, const std::vector<std::string>& table, const std::string& alias) {
  QUANTA_ASSERT(!table.empty());
  std::string line = absl::StrCat(command, " on ", table.back());
  if (!alias.empty() && alias != table.back()) absl::StrAppend(&line, " ", alias);
  return line;
}

StatementResult PlanResult(std::vector<std::string> lines) {
  StatementResult result;
  result.tag = "EXPLAIN";
  result.returns_rows = true;
  result.columns.push_back(ResultColumn{"QUERY PLAN", Type(TypeId::kText)});
  for (std::string& line : lines) result.rows.push_back({std::move(line)});
  return result;
}

}  // namespace

Task<absl::StatusOr<StatementResult>> SqlEngine::Explain(const ast::ExplainStmt& explain, const CatalogSnapshot& catalog,
                                                         const std::vector<Value>& params) {
  const ast::Statement& target = *explain.target;
  if (target.kind == ast::Statement::Kind::kInsert || target.kind == ast::Statement::Kind::kUpdate ||
      target.kind == ast::Statement::Kind::kDelete) {
    absl::StatusOr<StatementResult> written = co_await ExplainWrite(explain, catalog, params);
    co_return written;
  }
  if (target.kind != ast::Statement::Kind::kSelect) {
    co_return SqlError(sqlstate::kFeatureNotSupported,
                       "EXPLAIN supports queries (SELECT, VALUES, WITH), INSERT, UPDATE and DELETE only");
  }
  const absl::Duration planning_start = env_.MonotonicNow();
  std::vector<Type> param_types;
  for (const Value& v : params) param_types.push_back(v.type());
  Planner planner(catalog, access_, session_, &param_types);
  auto plan = planner.PlanQuery(*target.select);
  if (!plan.ok()) co_return plan.status();
  auto root = CoerceOutput(std::move(plan->root), nullptr, CastContext::kImplicit);
  if (!root.ok()) co_return root.status();
  PruneColumns(root->get());
  const absl::Duration planned = env_.MonotonicNow() - planning_start;
  absl::Duration executed = absl::ZeroDuration();
  if (explain.analyze) {
    ExecContext ctx = NewContext(params);
    ctx.instrument = true;
    const absl::Duration start = env_.MonotonicNow();
    while (true) {
      DataChunk chunk;
      auto more = co_await (*root)->Next(ctx, &chunk);
      if (!more.ok()) co_return more.status();
      if (!*more) break;
    }
    executed = env_.MonotonicNow() - start;
  }
  std::vector<std::string> lines;
  RenderPlan(**root, 0, explain, explain.costs ? EstimateCosts(**root) : CostEstimates(), &lines);
  if (explain.analyze && explain.summary) {
    lines.push_back(absl::StrFormat("Planning Time: %.3f ms", Millis(planned)));
    lines.push_back(absl::StrFormat("Execution Time: %.3f ms", Millis(executed)));
  }
  co_return PlanResult(std::move(lines));
}

void SqlEngine::CapturePlan(const Operator& source) {
  QUANTA_ASSERT(explain_capture_ != nullptr && explain_capture_->explain != nullptr);
  QUANTA_ASSERT(!explain_capture_->captured);  // one row source per statement
  const CostEstimates costs = EstimateCosts(source);
  RenderPlan(source, 1, *explain_capture_->explain, costs, &explain_capture_->lines);
  explain_capture_->startup = costs.at(&source).startup;
  explain_capture_->total = costs.at(&source).total;
  explain_capture_->captured = true;
}

// The statement's own line ("Update on t"), as PostgreSQL's ModifyTable node prints:
// no rows of its own (without RETURNING), its source's cost; under it the source's plan.
// With ANALYZE the write runs and commits, as PostgreSQL's does.
Task<absl::StatusOr<StatementResult>> SqlEngine::ExplainWrite(const ast::ExplainStmt& explain, const CatalogSnapshot& catalog,
                                                              const std::vector<Value>& params) {
  const ast::Statement& target = *explain.target;
  ExplainCapture capture;
  capture.explain = &explain;
  capture.execute = explain.analyze;
  QUANTA_ASSERT(explain_capture_ == nullptr);
  explain_capture_ = &capture;
  const absl::Duration start = env_.MonotonicNow();
  absl::StatusOr<StatementResult> done;
  std::string line;
  switch (target.kind) {
    case ast::Statement::Kind::kInsert:
      line = DmlLine("Insert", target.insert->table, target.insert->alias);
      done = co_await Insert(*target.insert, catalog, params);
      break;
    case ast::Statement::Kind::kUpdate:
      line = DmlLine("Update", target.update->table, target.update->alias);
      done = co_await Update(*target.update, catalog, params);
      break;
    default:
      QUANTA_ASSERT(target.kind == ast::Statement::Kind::kDelete);
      line = DmlLine("Delete", target.del->table, target.del->alias);
      done = co_await Delete(*target.del, catalog, params);
      break;
  }
  const absl::Duration elapsed = env_.MonotonicNow() - start;
  explain_capture_ = nullptr;
  if (!done.ok()) co_return done.status();
  if (explain.costs) absl::StrAppend(&line, absl::StrFormat("  (cost=%.2f..%.2f rows=0 width=0)", capture.startup, capture.total));
  if (explain.analyze) {
    absl::StrAppend(&line, explain.timing ? absl::StrFormat(" (actual time=%.3f..%.3f rows=0 loops=1)", Millis(elapsed), Millis(elapsed))
                                          : std::string(" (actual rows=0 loops=1)"));
  }
  std::vector<std::string> lines = {std::move(line)};
  for (std::string& l : capture.lines) lines.push_back(std::move(l));
  if (explain.analyze && explain.summary) lines.push_back(absl::StrFormat("Execution Time: %.3f ms", Millis(elapsed)));
  co_return PlanResult(std::move(lines));
}

}  // namespace quanta::sql
