// RapidCheck: window frames (ROWS and RANGE, every kind of bound, offsets, ASC/DESC,
// NULLS FIRST/LAST, integer, numeric and float keys) give, for every row, the frame a
// reference computes from the definition: the rows of the partition that satisfy both
// the start bound and the end bound, each bound judged row by row (no positions, no
// binary search). Checked through count(*), count(x) and sum(id) over a named window.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "sim/testing.h"
#include "sql/common/sql_error.h"
#include "sql/session/engine_testing.h"

namespace quanta::sql {
namespace {

struct Row {
  int id = 0;
  int g = 0;
  std::optional<int> x;
};

enum class BoundKind { kUnboundedPreceding, kPreceding, kCurrentRow, kFollowing, kUnboundedFollowing };

struct FrameBound {
  BoundKind kind = BoundKind::kCurrentRow;
  double offset = 0;  // kPreceding/kFollowing
};

struct Window {
  bool rows = false;
  bool descending = false;
  bool nulls_first = false;
  std::string key = "x";  // x, x::numeric or x::float8
  FrameBound start, end;
};

std::string BoundSql(const FrameBound& b) {
  switch (b.kind) {
    case BoundKind::kUnboundedPreceding: return "UNBOUNDED PRECEDING";
    case BoundKind::kPreceding: return absl::StrCat(b.offset, " PRECEDING");
    case BoundKind::kCurrentRow: return "CURRENT ROW";
    case BoundKind::kFollowing: return absl::StrCat(b.offset, " FOLLOWING");
    case BoundKind::kUnboundedFollowing: return "UNBOUNDED FOLLOWING";
  }
  return "";
}

std::string WindowSql(const Window& w) {
  // ROWS orders by id too, so that no two rows tie and positions are defined.
  return absl::StrCat("PARTITION BY g ORDER BY ", w.key, w.descending ? " DESC" : "", w.nulls_first ? " NULLS FIRST" : " NULLS LAST",
                      w.rows ? ", id" : "", w.rows ? " ROWS" : " RANGE", " BETWEEN ", BoundSql(w.start), " AND ", BoundSql(w.end));
}

// -1, 0, 1 as row a sorts before, with, after row b in the window's order.
int Order(const Window& w, const Row& a, const Row& b) {
  if (a.x.has_value() != b.x.has_value()) return a.x.has_value() == w.nulls_first ? 1 : -1;
  if (a.x.has_value() && *a.x != *b.x) return (*a.x < *b.x) != w.descending ? -1 : 1;
  if (w.rows && a.id != b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

// Whether `s` is on the frame's side of `b`, the bound of current row `r`: at or after
// the start bound (is_start), at or before the end bound. `position` counts rows of
// the partition in the window's order (ROWS).
bool WithinBound(const Window& w, const FrameBound& b, bool is_start, const Row& r, const Row& s,
                 const std::vector<Row>& partition) {
  const auto position = [&](const Row& row) {
    return std::count_if(partition.begin(), partition.end(), [&](const Row& o) { return Order(w, o, row) < 0; });
  };
  const int side = is_start ? 1 : -1;  // start: s at or after; end: s at or before
  switch (b.kind) {
    case BoundKind::kUnboundedPreceding:
    case BoundKind::kUnboundedFollowing: return true;
    case BoundKind::kCurrentRow: return side * Order(w, s, r) >= 0;
    case BoundKind::kPreceding:
    case BoundKind::kFollowing: break;
  }
  const double step = b.kind == BoundKind::kPreceding ? -b.offset : b.offset;
  if (w.rows) return side * (static_cast<double>(position(s)) - (static_cast<double>(position(r)) + step)) >= 0;
  // RANGE: a NULL current row's offset bounds are its NULL peers' edges; a NULL row is
  // in no other row's offset range, but lies past it on the side the NULLs sort to.
  if (!r.x.has_value()) return side * Order(w, s, r) >= 0;
  if (!s.x.has_value()) return is_start ? !w.nulls_first : w.nulls_first;
  const double dir = w.descending ? -1 : 1;  // in sort order: dir * x ascends
  const double target = dir * *r.x + step;
  return side * (dir * *s.x - target) >= 0;
}

// count(*), count(x) and sum(id) over the frame of each row, in id order ("NULL" sums).
std::vector<std::string> Reference(const Window& w, const std::vector<Row>& rows) {
  std::vector<std::string> out;
  for (const Row& r : rows) {
    std::vector<Row> partition;
    for (const Row& s : rows) {
      if (s.g == r.g) partition.push_back(s);
    }
    int64_t count = 0, count_x = 0, sum = 0;
    for (const Row& s : partition) {
      if (!WithinBound(w, w.start, true, r, s, partition) || !WithinBound(w, w.end, false, r, s, partition)) continue;
      ++count;
      count_x += s.x.has_value() ? 1 : 0;
      sum += s.id;
    }
    out.push_back(absl::StrCat(r.id, "|", count, "|", count_x, "|", count == 0 ? "NULL" : absl::StrCat(sum)));
  }
  return out;
}

Task<void> Execute(SqlEngine& engine, std::string sql, ExecuteResult* out) { *out = co_await engine.Execute(std::move(sql)); }

rc::Gen<FrameBound> GenBound(bool fractional) {
  return rc::gen::apply(
      [fractional](BoundKind kind, int offset, bool half) {
        return FrameBound{kind, offset + (fractional && half ? 0.5 : 0.0)};
      },
      rc::gen::element(BoundKind::kUnboundedPreceding, BoundKind::kPreceding, BoundKind::kCurrentRow, BoundKind::kFollowing,
                       BoundKind::kUnboundedFollowing),
      rc::gen::inRange(0, 5), rc::gen::arbitrary<bool>());
}

// PostgreSQL's grammar refuses these frames (42P20): the start may not lie after the end.
bool Refused(const Window& w) {
  const BoundKind s = w.start.kind, e = w.end.kind;
  return s == BoundKind::kUnboundedFollowing || e == BoundKind::kUnboundedPreceding ||
         (s == BoundKind::kCurrentRow && e == BoundKind::kPreceding) ||
         (s == BoundKind::kFollowing && (e == BoundKind::kPreceding || e == BoundKind::kCurrentRow));
}

void FramesAgree() {
  const auto rows = *rc::gen::container<std::vector<Row>>(
      rc::gen::apply(
          [](int g, int x, bool null) {
            Row r;
            r.g = g;
            if (!null) r.x = x;
            return r;
          },
          rc::gen::inRange(0, 2), rc::gen::inRange(-6, 7), rc::gen::weightedElement<bool>({{1, true}, {4, false}})));
  Window w;
  w.rows = *rc::gen::arbitrary<bool>();
  w.descending = *rc::gen::arbitrary<bool>();
  w.nulls_first = *rc::gen::arbitrary<bool>();
  w.key = w.rows ? "x" : *rc::gen::element<std::string>("x", "x::numeric", "x::float8");
  const bool fractional = w.key != "x";
  w.start = *GenBound(fractional);
  w.end = *GenBound(fractional);
  RC_PRE(!Refused(w));
  std::vector<Row> table = rows;
  for (size_t i = 0; i < table.size(); ++i) table[i].id = static_cast<int>(i + 1);

  sim::TestNode node(1);
  testing::LocalEngine local;
  node.Run(testing::OpenLocalEngine(node.env(), "frames", SqlEngineOptions(), &local));
  std::string insert = "CREATE TABLE t (id int PRIMARY KEY, g int, x int)";
  if (!table.empty()) absl::StrAppend(&insert, "; INSERT INTO t VALUES ");
  for (size_t i = 0; i < table.size(); ++i) {
    const Row& r = table[i];
    absl::StrAppend(&insert, i == 0 ? "" : ", ", "(", r.id, ", ", r.g, ", ", r.x ? absl::StrCat(*r.x) : "NULL", ")");
  }
  ExecuteResult result;
  node.Run(Execute(*local.engine, insert, &result));
  RC_ASSERT(result.error.ok());
  const std::string query = absl::StrCat("SELECT id, count(*) OVER w, count(x) OVER w, sum(id) OVER w FROM t WINDOW w AS (",
                                         WindowSql(w), ") ORDER BY id");
  node.Run(Execute(*local.engine, query, &result));
  if (!result.error.ok()) RC_FAIL(absl::StrCat(query, "\nfailed: ", result.error.ToString()));
  RC_ASSERT(result.results.size() == 1u);
  std::vector<std::string> got;
  for (const auto& row : result.results[0].rows) {
    std::vector<std::string> cells;
    for (const auto& v : row) cells.push_back(v.value_or("NULL"));
    got.push_back(absl::StrJoin(cells, "|"));
  }
  const std::vector<std::string> want = Reference(w, table);
  RC_ASSERT(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (got[i] != want[i]) RC_FAIL(absl::StrCat(query, "\nrow ", i + 1, ": got ", got[i], ", want ", want[i]));
  }
  local.engine.reset();
}

RC_GTEST_PROP(WindowFrameProperty, FramesMatchTheirDefinition, ()) { FramesAgree(); }

}  // namespace
}  // namespace quanta::sql
