// EXPLAIN [ANALYZE]: the plan of a query as a tree of its operators, one line each,
// indented as PostgreSQL's text format indents children ("  ->  "). With ANALYZE the
// query runs (its rows discarded) with the operators counting, and each line gets the
// actual time (first batch..last, ms), rows and loops, per loop as PostgreSQL averages
// them (an index nested loop's inner scan runs once per outer row). No cost estimates:
// the output is PostgreSQL's with COSTS OFF.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/planner/planner.h"
#include "sql/session/sql_engine.h"

namespace quanta::sql {
namespace {

double Millis(absl::Duration d) { return absl::ToDoubleMicroseconds(d) / 1000.0; }

void Render(const Operator& op, int depth, const ast::ExplainStmt& explain, std::vector<std::string>* lines) {
  std::string line = depth == 0 ? "" : absl::StrCat(std::string(2 + 6 * (depth - 1), ' '), "->  ");
  absl::StrAppend(&line, op.Describe());
  if (explain.analyze) {
    const Operator::Stats& s = op.stats();
    // Per loop, as PostgreSQL averages them: rows rounded, times in ms.
    const double loops = static_cast<double>(s.loops);
    if (s.loops == 0) {
      absl::StrAppend(&line, " (never executed)");
    } else if (explain.timing) {
      absl::StrAppend(&line, absl::StrFormat("  (actual time=%.3f..%.3f rows=%.0f loops=%d)", Millis(s.startup) / loops,
                                             Millis(s.total) / loops, static_cast<double>(s.rows) / loops, s.loops));
    } else {
      absl::StrAppend(&line, absl::StrFormat("  (actual rows=%.0f loops=%d)", static_cast<double>(s.rows) / loops, s.loops));
    }
  }
  lines->push_back(std::move(line));
  if (explain.analyze) {  // indented as the children's arrows are
    for (const std::string& detail : op.AnalyzeDetails()) lines->push_back(std::string(2 + 6 * depth, ' ') + detail);
  }
  for (const Operator* child : op.children()) Render(*child, depth + 1, explain, lines);
}

}  // namespace

Task<absl::StatusOr<StatementResult>> SqlEngine::Explain(const ast::ExplainStmt& explain, const CatalogSnapshot& catalog,
                                                         const std::vector<Value>& params) {
  const ast::Statement& target = *explain.target;
  if (target.kind != ast::Statement::Kind::kSelect) {
    co_return SqlError(sqlstate::kFeatureNotSupported, "EXPLAIN supports queries (SELECT, VALUES, WITH) only, for now");
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
  Render(**root, 0, explain, &lines);
  if (explain.analyze && explain.summary) {
    lines.push_back(absl::StrFormat("Planning Time: %.3f ms", Millis(planned)));
    lines.push_back(absl::StrFormat("Execution Time: %.3f ms", Millis(executed)));
  }
  StatementResult result;
  result.tag = "EXPLAIN";
  result.returns_rows = true;
  result.columns.push_back(ResultColumn{"QUERY PLAN", Type(TypeId::kText)});
  for (std::string& line : lines) result.rows.push_back({std::move(line)});
  co_return result;
}

}  // namespace quanta::sql
