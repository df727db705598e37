// RapidCheck: random typed expressions over random tables give the same values, NULLs
// and errors evaluated vectorized (batches of 1, 7 and 2048 rows) as row by row with
// the reference evaluator.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "sql/common/sql_error.h"
#include "sql/execution/expression.h"
#include "sql/execution/reference_eval.h"
#include "sql/parser/parser.h"
#include "sql/planner/expr_binder.h"

namespace quanta::sql {
namespace {

const std::vector<std::pair<std::string, Type>>& Columns() {
  static const std::vector<std::pair<std::string, Type>> columns = {
      {"i4", Type(TypeId::kInt4)},   {"i8", Type(TypeId::kInt8)}, {"n", Type(TypeId::kNumeric)},
      {"f", Type(TypeId::kFloat8)},  {"s", Type(TypeId::kText)},  {"b", Type(TypeId::kBool)},
      // numeric(15,2) and numeric(18,4): decimal vectors (int64 unscaled), whose + - *
      // and comparisons take the integer path, and overflow it near 18 digits
      {"d", Type(TypeId::kNumeric, (15 << 16 | 2) + 4)}, {"e", Type(TypeId::kNumeric, (18 << 16 | 4) + 4)},
  };
  return columns;
}

rc::Gen<Value> GenValue(const Type& t) {
  const auto null = rc::gen::just(Value::Null(t));
  switch (t.id) {
    case TypeId::kInt4:
      return rc::gen::weightedOneOf<Value>({{1, null}, {4, rc::gen::map(rc::gen::elementOf(std::vector<int64_t>{0, 1, -1, 2, 7, -3, 100, 2147483647, -2147483648}), [t](int64_t v) { return Value::Int(t, v); })}});
    case TypeId::kInt8:
      return rc::gen::weightedOneOf<Value>({{1, null}, {4, rc::gen::map(rc::gen::elementOf(std::vector<int64_t>{0, 1, -5, 3, 9223372036854775807, 1000000}), [t](int64_t v) { return Value::Int(t, v); })}});
    case TypeId::kNumeric: {
      // Values at the typmod's scale (as a column holds them).
      std::vector<std::string> values = {"0", "1.5", "-2.25", "3", "0.001", "123456789.123"};
      if (t.scale() == 2) values = {"0.00", "2.50", "-0.01", "7.00", "9999999999999.99", "-1234567890123.45"};
      if (t.scale() == 4) values = {"0.0000", "1.5000", "-0.0001", "3.0000", "99999999999999.9999", "-12345678901234.5678"};
      return rc::gen::weightedOneOf<Value>({{1, null}, {4, rc::gen::map(rc::gen::elementOf(values), [t](std::string v) { return Value::Num(*Numeric::Parse(v), t); })}});
    }
    case TypeId::kFloat8:
      return rc::gen::weightedOneOf<Value>({{1, null}, {4, rc::gen::map(rc::gen::elementOf(std::vector<double>{0, 0.5, -1.25, 3, 1e300, 1e-300}), [t](double v) { return Value::Float(t, v); })}});
    case TypeId::kText:
      return rc::gen::weightedOneOf<Value>({{1, null}, {4, rc::gen::map(rc::gen::elementOf(std::vector<std::string>{"", "a", "B", "abc", "héllo"}), [t](std::string v) { return Value::String(t, v); })}});
    default:
      return rc::gen::weightedOneOf<Value>({{1, null}, {4, rc::gen::map(rc::gen::arbitrary<bool>(), [](bool v) { return Value::Bool(v); })}});
  }
}

enum class Kind { kNumber, kBool, kText };

// A random SQL expression of `kind`, at most `depth` deep.
rc::Gen<std::string> GenExpr(Kind kind, int depth);

rc::Gen<std::string> Leaf(Kind kind) {
  switch (kind) {
    case Kind::kNumber:
      return rc::gen::elementOf(std::vector<std::string>{"i4", "i8", "n", "f", "d", "e", "0", "1", "2", "1.5", "-3", "2147483647",
                                                         "0.5::float8", "0.05"});
    case Kind::kBool:
      return rc::gen::elementOf(std::vector<std::string>{"b", "true", "false", "NULL::bool"});
    case Kind::kText:
      return rc::gen::elementOf(std::vector<std::string>{"s", "'x'", "''", "'Ab'", "NULL::text"});
  }
  return rc::gen::just(std::string("NULL"));
}

rc::Gen<std::string> GenExpr(Kind kind, int depth) {
  if (depth <= 0) return Leaf(kind);
  const auto sub = [depth](Kind k) { return GenExpr(k, depth - 1); };
  const auto wrap = [](std::string pre, rc::Gen<std::string> a, std::string post) {
    return rc::gen::map(a, [pre, post](std::string x) { return pre + x + post; });
  };
  const auto binary = [](rc::Gen<std::string> a, std::vector<std::string> ops, rc::Gen<std::string> b) {
    return rc::gen::apply([](std::string x, std::string op, std::string y) { return "(" + x + " " + op + " " + y + ")"; }, a,
                          rc::gen::elementOf(ops), b);
  };
  const auto cased = [&](Kind k) {
    return rc::gen::apply([](std::string c, std::string t, std::string e) { return "CASE WHEN " + c + " THEN " + t + " ELSE " + e + " END"; },
                          sub(Kind::kBool), sub(k), sub(k));
  };
  const auto coalesce = [&](Kind k) {
    return rc::gen::apply([](std::string a, std::string b) { return "coalesce(" + a + ", " + b + ")"; }, sub(k), sub(k));
  };
  switch (kind) {
    case Kind::kNumber:
      return rc::gen::oneOf(Leaf(kind), binary(sub(kind), {"+", "-", "*", "/"}, sub(kind)), wrap("-(", sub(kind), ")"),
                            wrap("abs(", sub(kind), ")"), cased(kind), coalesce(kind),
                            wrap("(", sub(kind), ")::numeric"), wrap("(", sub(kind), ")::float8"), wrap("(", sub(kind), ")::int"),
                            wrap("length(", sub(Kind::kText), ")"));
    case Kind::kBool:
      return rc::gen::oneOf(Leaf(kind), binary(sub(Kind::kNumber), {"=", "<>", "<", "<=", ">", ">="}, sub(Kind::kNumber)),
                            binary(sub(Kind::kText), {"=", "<", ">="}, sub(Kind::kText)), binary(sub(kind), {"AND", "OR"}, sub(kind)),
                            wrap("NOT ", sub(kind), ""), wrap("(", sub(Kind::kNumber), ") IS NULL"),
                            rc::gen::apply([](std::string a, std::string b, std::string c) { return a + " IN (" + b + ", " + c + ")"; },
                                           sub(Kind::kNumber), sub(Kind::kNumber), sub(Kind::kNumber)),
                            cased(kind), coalesce(kind));
    case Kind::kText:
      return rc::gen::oneOf(Leaf(kind), binary(sub(kind), {"||"}, sub(kind)), wrap("lower(", sub(kind), ")"),
                            wrap("upper(", sub(kind), ")"), cased(kind), coalesce(kind), wrap("(", sub(Kind::kNumber), ")::text"));
  }
  return Leaf(kind);
}

std::string Show(const absl::StatusOr<Value>& v) {
  if (!v.ok()) return absl::StrCat("error ", SqlStateOf(v.status()));
  if (v->is_null()) return "NULL";
  return FormatValue(*v);
}

DataChunk ChunkOf(const std::vector<std::vector<Value>>& rows, size_t from, size_t n) {
  DataChunk chunk;
  for (const auto& [name, type] : Columns()) chunk.columns.emplace_back(type, n);
  for (size_t r = 0; r < n; ++r) {
    for (size_t c = 0; c < Columns().size(); ++c) chunk.columns[c].SetValue(r, rows[from + r][c]);
  }
  chunk.set_count(n);
  return chunk;
}

RC_GTEST_PROP(ExpressionProperty, VectorizedEqualsRowAtATime, ()) {
  const Kind kind = *rc::gen::element(Kind::kNumber, Kind::kBool, Kind::kText);
  const std::string sql = *GenExpr(kind, *rc::gen::inRange(0, 5));
  const size_t row_count = *rc::gen::inRange<size_t>(0, 40);
  std::vector<std::vector<Value>> rows;
  for (size_t r = 0; r < row_count; ++r) {
    std::vector<Value> row;
    for (const auto& [name, type] : Columns()) row.push_back(*GenValue(type));
    rows.push_back(std::move(row));
  }
  auto parsed = Parse("SELECT " + sql);
  RC_ASSERT(parsed.ok());
  Scope scope;
  for (const auto& [name, type] : Columns()) scope.columns.push_back(ScopeColumn{"t", name, type, false});
  SessionInfo session;
  ExprBinder binder(session, nullptr);
  auto bound = binder.Bind(*(*parsed)[0].select->targets[0].expr, scope, nullptr, "SELECT");
  RC_PRE(bound.ok());
  RC_TAG(kind == Kind::kNumber ? "number" : kind == Kind::kBool ? "bool" : "text");
  std::vector<absl::StatusOr<Value>> expected;
  bool any_error = false;
  for (const auto& row : rows) {
    expected.push_back(EvaluateRow(**bound, row));
    any_error = any_error || !expected.back().ok();
  }
  // Whether a row of [from, from + n) raises `error`'s SQLSTATE row by row.
  const auto SomeRowRaises = [&](const absl::Status& error, size_t from, size_t n) {
    for (size_t r = from; r < from + n; ++r) {
      if (!expected[r].ok() && SqlStateOf(expected[r].status()) == SqlStateOf(error)) return true;
    }
    return false;
  };
  for (size_t batch : {size_t{1}, size_t{7}, size_t{2048}}) {
    bool errored = false;
    for (size_t from = 0; from < rows.size(); from += batch) {
      const size_t n = std::min(batch, rows.size() - from);
      const DataChunk chunk = ChunkOf(rows, from, n);
      Vector scratch;
      EvalContext ctx;
      auto result = Evaluate(**bound, chunk, Rows::Of(chunk), ctx, &scratch);
      if (!result.ok()) {
        RC_ASSERT(SomeRowRaises(result.status(), from, n));  // the batch's error: some row's
        errored = true;
        break;
      }
      for (size_t r = 0; r < n; ++r) {
        const Value got = (*result)->Get(r);
        if (batch == 1 || !any_error) RC_ASSERT(Show(got) == Show(expected[from + r]));
      }
    }
    RC_ASSERT(errored == any_error);
  }
  // As a filter (WHERE's evaluation, conjunctions narrowed conjunct by conjunct): the
  // rows whose value is true, or an error some row raises.
  if (kind != Kind::kBool) return;
  for (size_t batch : {size_t{1}, size_t{7}, size_t{2048}}) {
    bool errored = false;
    for (size_t from = 0; from < rows.size(); from += batch) {
      const size_t n = std::min(batch, rows.size() - from);
      const DataChunk chunk = ChunkOf(rows, from, n);
      auto kept = EvaluateFilter(**bound, chunk, Rows::Of(chunk), EvalContext{});
      if (!kept.ok()) {
        RC_ASSERT(SomeRowRaises(kept.status(), from, n));
        errored = true;
        break;
      }
      if (any_error && batch != 1) continue;
      std::vector<uint32_t> want;
      for (uint32_t r = 0; r < n; ++r) {
        const absl::StatusOr<Value>& v = expected[from + r];
        if (v.ok() && !v->is_null() && v->int_value() != 0) want.push_back(r);
      }
      RC_ASSERT(*kept == want);
    }
    RC_ASSERT(errored == any_error);
  }
}

}  // namespace
}  // namespace quanta::sql
