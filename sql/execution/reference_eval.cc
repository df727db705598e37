#include "sql/execution/reference_eval.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/types/cast.h"

namespace quanta::sql {
namespace {

absl::StatusOr<Value> Arithmetic(const std::string& op, const Type& t, const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return Value::Null(t);
  if (t.is_integer()) {
    const __int128 x = a.int_value(), y = b.int_value();
    __int128 v = 0;
    if (op == "+") v = x + y;
    if (op == "-") v = x - y;
    if (op == "*") v = x * y;
    if (op == "/" || op == "%") {
      if (y == 0) return SqlError(sqlstate::kDivisionByZero, "division by zero");
      v = op == "/" ? x / y : x % y;
    }
    if (v < INT64_MIN || v > INT64_MAX) return IntOutOfRange(t.id);
    auto checked = CheckIntRange(static_cast<int64_t>(v), t.id);
    if (!checked.ok()) return checked.status();
    return Value::Int(t, *checked);
  }
  if (t.is_float()) {
    const double x = a.float_value(), y = b.float_value();
    double v = 0;
    if (op == "+") v = x + y;
    if (op == "-") v = x - y;
    if (op == "*") v = x * y;
    if (op == "/") {
      if (y == 0) return SqlError(sqlstate::kDivisionByZero, "division by zero");
      v = x / y;
    }
    if (t.id == TypeId::kFloat4) v = static_cast<float>(v);
    if (std::isinf(v) && !std::isinf(x) && !std::isinf(y)) {
      return SqlError(sqlstate::kNumericOutOfRange, "value out of range: overflow");
    }
    if (v == 0 && op == "*" && x != 0 && y != 0) return SqlError(sqlstate::kNumericOutOfRange, "value out of range: underflow");
    return Value::Float(t, v);
  }
  absl::StatusOr<Numeric> v;
  if (op == "+") v = a.numeric().Add(b.numeric());
  if (op == "-") v = a.numeric().Sub(b.numeric());
  if (op == "*") v = a.numeric().Mul(b.numeric());
  if (op == "/") v = a.numeric().Div(b.numeric());
  if (op == "%") v = a.numeric().Mod(b.numeric());
  if (!v.ok()) return v.status();
  return Value::Num(std::move(*v), t);
}

int Compare(const Value& a, const Value& b) {
  switch (StorageOf(a.type())) {
    case Storage::kInt: return a.int_value() < b.int_value() ? -1 : a.int_value() > b.int_value();
    case Storage::kFloat: {
      const double x = a.float_value(), y = b.float_value();
      if (std::isnan(x) || std::isnan(y)) return std::isnan(x) == std::isnan(y) ? 0 : (std::isnan(x) ? 1 : -1);
      return x < y ? -1 : x > y;
    }
    case Storage::kNumeric: return a.numeric().Compare(b.numeric());
    case Storage::kString: {
      std::string x = a.str(), y = b.str();
      if (a.type().id == TypeId::kBpchar && b.type().id == TypeId::kBpchar) {
        while (!x.empty() && x.back() == ' ') x.pop_back();
        while (!y.empty() && y.back() == ' ') y.pop_back();
      }
      return x < y ? -1 : x > y;
    }
  }
  return 0;
}

Value Comparison(const std::string& op, const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return Value::Null(Type(TypeId::kBool));
  const int c = Compare(a, b);
  bool r = false;
  if (op == "=") r = c == 0;
  if (op == "<>") r = c != 0;
  if (op == "<") r = c < 0;
  if (op == "<=") r = c <= 0;
  if (op == ">") r = c > 0;
  if (op == ">=") r = c >= 0;
  return Value::Bool(r);
}

absl::StatusOr<Value> Function(const BoundExpr& e, const std::vector<Value>& args) {
  const std::string& n = e.name;
  if (args.size() == 2 && (n == "+" || n == "-" || n == "*" || n == "/" || n == "%")) {
    return Arithmetic(n, e.type, args[0], args[1]);
  }
  if (args.size() == 2 && (n == "=" || n == "<>" || n == "<" || n == "<=" || n == ">" || n == ">=")) {
    return Comparison(n, args[0], args[1]);
  }
  for (const Value& a : args) {
    if (a.is_null()) return Value::Null(e.type);
  }
  if (n == "||") return Value::String(e.type, args[0].str() + args[1].str());
  if (n == "-" && args.size() == 1) {
    if (e.type.is_integer()) {
      if (args[0].int_value() == INT64_MIN) return IntOutOfRange(e.type.id);
      auto checked = CheckIntRange(-args[0].int_value(), e.type.id);
      if (!checked.ok()) return checked.status();
      return Value::Int(e.type, *checked);
    }
    if (e.type.is_float()) return Value::Float(e.type, -args[0].float_value());
    return Value::Num(args[0].numeric().Negate(), e.type);
  }
  if (n == "abs") {
    if (e.type.is_integer()) {
      if (args[0].int_value() == INT64_MIN) return IntOutOfRange(e.type.id);
      auto checked = CheckIntRange(std::abs(args[0].int_value()), e.type.id);
      if (!checked.ok()) return checked.status();
      return Value::Int(e.type, *checked);
    }
    if (e.type.is_float()) return Value::Float(e.type, std::fabs(args[0].float_value()));
    return Value::Num(args[0].numeric().Abs(), e.type);
  }
  if (n == "lower") return Value::String(e.type, absl::AsciiStrToLower(args[0].str()));
  if (n == "upper") return Value::String(e.type, absl::AsciiStrToUpper(args[0].str()));
  if (n == "length") {
    int64_t chars = 0;
    for (char c : args[0].str()) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return Value::Int(e.type, chars);
  }
  QUANTA_UNREACHABLE("the reference evaluator has no model of this function");
}

}  // namespace

absl::StatusOr<Value> EvaluateRow(const BoundExpr& e, const std::vector<Value>& row) {
  const Type boolean(TypeId::kBool);
  switch (e.kind) {
    case BoundKind::kConstant: return e.constant;
    case BoundKind::kColumn: return row[static_cast<size_t>(e.column)];
    case BoundKind::kParam: return SqlError(sqlstate::kUndefinedObject, "no parameters here");
    case BoundKind::kCast: {
      auto v = EvaluateRow(*e.args[0], row);
      if (!v.ok()) return v.status();
      return CastValue(*v, e.type, e.cast_context);
    }
    case BoundKind::kFunction: {
      std::vector<Value> args;
      for (const BoundExprPtr& a : e.args) {
        auto v = EvaluateRow(*a, row);
        if (!v.ok()) return v.status();
        args.push_back(std::move(*v));
      }
      return Function(e, args);
    }
    case BoundKind::kAnd:
    case BoundKind::kOr: {
      const bool is_and = e.kind == BoundKind::kAnd;
      auto l = EvaluateRow(*e.args[0], row);
      if (!l.ok()) return l.status();
      if (!l->is_null() && l->bool_value() != is_and) return Value::Bool(!is_and);
      auto r = EvaluateRow(*e.args[1], row);
      if (!r.ok()) return r.status();
      if (!r->is_null() && r->bool_value() != is_and) return Value::Bool(!is_and);
      if (l->is_null() || r->is_null()) return Value::Null(boolean);
      return Value::Bool(is_and);
    }
    case BoundKind::kNot: {
      auto v = EvaluateRow(*e.args[0], row);
      if (!v.ok()) return v.status();
      return v->is_null() ? Value::Null(boolean) : Value::Bool(!v->bool_value());
    }
    case BoundKind::kIsNull: {
      auto v = EvaluateRow(*e.args[0], row);
      if (!v.ok()) return v.status();
      return Value::Bool(v->is_null() != e.negated);
    }
    case BoundKind::kIsBool: {
      auto v = EvaluateRow(*e.args[0], row);
      if (!v.ok()) return v.status();
      const int actual = v->is_null() ? 2 : (v->bool_value() ? 1 : 0);
      return Value::Bool((actual == e.bool_target) != e.negated);
    }
    case BoundKind::kCase: {
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        auto cond = EvaluateRow(*e.args[i], row);
        if (!cond.ok()) return cond.status();
        if (!cond->is_null() && cond->bool_value()) return EvaluateRow(*e.args[i + 1], row);
      }
      return EvaluateRow(*e.args.back(), row);
    }
    case BoundKind::kCoalesce: {
      for (const BoundExprPtr& a : e.args) {
        auto v = EvaluateRow(*a, row);
        if (!v.ok()) return v.status();
        if (!v->is_null()) return v;
      }
      return Value::Null(e.type);
    }
    case BoundKind::kInList: {
      auto needle = EvaluateRow(*e.args[0], row);
      if (!needle.ok()) return needle.status();
      // Every item is evaluated first (PostgreSQL builds the list as an array).
      std::vector<Value> items;
      for (size_t i = 1; i < e.args.size(); ++i) {
        auto item = EvaluateRow(*e.args[i], row);
        if (!item.ok()) return item.status();
        items.push_back(std::move(*item));
      }
      bool saw_null = false;
      for (const Value& item : items) {
        const Value eq = Comparison("=", *needle, item);
        if (eq.is_null()) {
          saw_null = true;
        } else if (eq.bool_value()) {
          return Value::Bool(!e.negated);
        }
      }
      return saw_null ? Value::Null(boolean) : Value::Bool(e.negated);
    }
    case BoundKind::kSequence:
    case BoundKind::kClock:
      return SqlError(sqlstate::kFeatureNotSupported, "the reference evaluator has no sequences or clock");
  }
  QUANTA_UNREACHABLE("bound expression kind");
}

}  // namespace quanta::sql
