// Function calls (aggregates with DISTINCT, ORDER BY, FILTER; windows with OVER),
// the SQL-standard special forms (CAST, EXTRACT, POSITION, SUBSTRING, TRIM, the
// niladic CURRENT_* functions) and type names.
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "sql/common/sql_error.h"
#include "sql/parser/parser_internal.h"

namespace quanta::sql::internal {
namespace {

ast::ExprPtr Call(std::string name, int position) {
  auto e = MakeExpr(ast::ExprKind::kFunc, position);
  e->names.push_back(std::move(name));
  return e;
}

bool IsNiladic(std::string_view w) {
  return w == "current_date" || w == "current_time" || w == "current_timestamp" || w == "localtime" ||
         w == "localtimestamp" || w == "current_user" || w == "session_user" || w == "user" || w == "current_role" ||
         w == "current_catalog" || w == "current_schema";
}

}  // namespace

absl::StatusOr<ast::ExprPtr> Parser::ParseFunctionCall(std::vector<std::string> names, int position) {
  DepthGuard guard(*this);
  RETURN_IF_ERROR(guard.status());
  RETURN_IF_ERROR(ExpectPunct("("));
  auto e = MakeExpr(ast::ExprKind::kFunc, position);
  e->names = std::move(names);
  if (IsOperator("*")) {
    Advance();
    e->star_arg = true;
  } else if (!IsPunct(")")) {
    if (AcceptKeyword("distinct")) {
      e->distinct = true;
    } else {
      AcceptKeyword("all");
    }
    auto args = ParseExprList();
    if (!args.ok()) return args.status();
    e->args = std::move(*args);
    if (AcceptKeyword("order")) {
      RETURN_IF_ERROR(ExpectKeyword("by"));
      auto order = ParseOrderByList();
      if (!order.ok()) return order.status();
      e->order_within = std::move(*order);
    }
  }
  RETURN_IF_ERROR(ExpectPunct(")"));
  if (AcceptKeyword("filter")) {
    RETURN_IF_ERROR(ExpectPunct("("));
    RETURN_IF_ERROR(ExpectKeyword("where"));
    auto filter = ParseExpr();
    if (!filter.ok()) return filter;
    e->filter = std::move(*filter);
    RETURN_IF_ERROR(ExpectPunct(")"));
  }
  if (AcceptKeyword("over")) {
    if (Peek().kind == TokenKind::kIdent || Peek().kind == TokenKind::kQuotedIdent) {
      e->over = std::make_unique<ast::WindowSpec>();
      e->over->position = Peek().position;
      e->over->name = Advance().text;
    } else {
      auto spec = ParseWindowSpec();
      if (!spec.ok()) return spec.status();
      e->over = std::move(*spec);
    }
  }
  return e;
}

absl::StatusOr<std::unique_ptr<ast::WindowSpec>> Parser::ParseWindowSpec() {
  auto spec = std::make_unique<ast::WindowSpec>();
  spec->position = Peek().position;
  RETURN_IF_ERROR(ExpectPunct("("));
  const bool clause_word = IsKeyword("partition") || IsKeyword("order") || IsKeyword("rows") || IsKeyword("range");
  if (!clause_word && (Peek().kind == TokenKind::kIdent || Peek().kind == TokenKind::kQuotedIdent)) {
    spec->ref_name = Advance().text;  // (w ...): an existing window's definition, extended
  }
  if (AcceptKeyword("partition")) {
    RETURN_IF_ERROR(ExpectKeyword("by"));
    auto parts = ParseExprList();
    if (!parts.ok()) return parts.status();
    spec->partition_by = std::move(*parts);
  }
  if (AcceptKeyword("order")) {
    RETURN_IF_ERROR(ExpectKeyword("by"));
    auto order = ParseOrderByList();
    if (!order.ok()) return order.status();
    spec->order_by = std::move(*order);
  }
  if (IsKeyword("rows") || IsKeyword("range")) {
    spec->has_frame = true;
    spec->rows = Advance().text == "rows";
    if (AcceptKeyword("between")) {
      spec->between = true;
      auto start = ParseFrameBound();
      if (!start.ok()) return start.status();
      RETURN_IF_ERROR(ExpectKeyword("and"));
      auto end = ParseFrameBound();
      if (!end.ok()) return end.status();
      spec->start = std::move(*start);
      spec->end = std::move(*end);
    } else {
      auto start = ParseFrameBound();
      if (!start.ok()) return start.status();
      spec->start = std::move(*start);
      spec->end.kind = ast::FrameBound::Kind::kCurrentRow;
    }
  }
  RETURN_IF_ERROR(ExpectPunct(")"));
  return spec;
}

absl::StatusOr<ast::FrameBound> Parser::ParseFrameBound() {
  ast::FrameBound bound;
  if (AcceptKeyword("unbounded")) {
    if (AcceptKeyword("preceding")) {
      bound.kind = ast::FrameBound::Kind::kUnboundedPreceding;
    } else {
      RETURN_IF_ERROR(ExpectKeyword("following"));
      bound.kind = ast::FrameBound::Kind::kUnboundedFollowing;
    }
    return bound;
  }
  if (AcceptKeyword("current")) {
    RETURN_IF_ERROR(ExpectKeyword("row"));
    bound.kind = ast::FrameBound::Kind::kCurrentRow;
    return bound;
  }
  auto offset = ParseAdditive();
  if (!offset.ok()) return offset.status();
  bound.offset = std::move(*offset);
  if (AcceptKeyword("preceding")) {
    bound.kind = ast::FrameBound::Kind::kPreceding;
  } else {
    RETURN_IF_ERROR(ExpectKeyword("following"));
    bound.kind = ast::FrameBound::Kind::kFollowing;
  }
  return bound;
}

// The SQL-standard forms with keyword syntax; *handled says whether `name` was one.
absl::StatusOr<ast::ExprPtr> Parser::ParseSpecialFunction(const std::string& name, int position, bool* handled) {
  *handled = true;
  if (IsNiladic(name) && !IsPunct("(", 1)) {
    Advance();
    return Call(name, position);
  }
  if (name == "current_schema" && IsPunct(")", 2)) {  // the one niladic also spelled as a call
    Advance();
    Advance();
    Advance();
    return Call(name, position);
  }
  if (!IsPunct("(", 1)) {
    *handled = false;
    return absl::StatusOr<ast::ExprPtr>(nullptr);
  }
  if (name == "cast") {
    Advance();
    Advance();
    auto value = ParseExpr();
    if (!value.ok()) return value;
    RETURN_IF_ERROR(ExpectKeyword("as"));
    auto type = ParseTypeName();
    if (!type.ok()) return type.status();
    RETURN_IF_ERROR(ExpectPunct(")"));
    auto e = MakeExpr(ast::ExprKind::kCast, position);
    e->args.push_back(std::move(*value));
    e->type = std::move(*type);
    return e;
  }
  if (name == "extract") {
    Advance();
    Advance();
    auto e = Call("extract", position);
    auto field = MakeExpr(ast::ExprKind::kLiteral, Peek().position);
    field->literal = ast::LiteralKind::kString;
    if (Peek().kind != TokenKind::kIdent && Peek().kind != TokenKind::kString) return SyntaxError();
    field->text = Advance().text;
    RETURN_IF_ERROR(ExpectKeyword("from"));
    auto source = ParseExpr();
    if (!source.ok()) return source;
    RETURN_IF_ERROR(ExpectPunct(")"));
    e->args.push_back(std::move(field));
    e->args.push_back(std::move(*source));
    return e;
  }
  if (name == "position") {
    Advance();
    Advance();
    auto needle = ParseOtherOp();  // b_expr: IN would be ambiguous otherwise
    if (!needle.ok()) return needle;
    RETURN_IF_ERROR(ExpectKeyword("in"));
    auto haystack = ParseOtherOp();
    if (!haystack.ok()) return haystack;
    RETURN_IF_ERROR(ExpectPunct(")"));
    auto e = Call("position", position);
    e->args.push_back(std::move(*needle));
    e->args.push_back(std::move(*haystack));
    return e;
  }
  if (name == "substring" && !IsPunct(")", 2)) {
    Advance();
    Advance();
    auto e = Call("substring", position);
    auto source = ParseExpr();
    if (!source.ok()) return source;
    e->args.push_back(std::move(*source));
    if (AcceptPunct(",")) {
      auto rest = ParseExprList();
      if (!rest.ok()) return rest.status();
      for (auto& a : *rest) e->args.push_back(std::move(a));
    } else {
      bool from = false;
      if (AcceptKeyword("from")) {
        auto start = ParseExpr();
        if (!start.ok()) return start;
        e->args.push_back(std::move(*start));
        from = true;
      }
      if (AcceptKeyword("for")) {
        if (!from) {
          auto one = MakeExpr(ast::ExprKind::kLiteral, position);
          one->literal = ast::LiteralKind::kInteger;
          one->text = "1";
          e->args.push_back(std::move(one));
        }
        auto count = ParseExpr();
        if (!count.ok()) return count;
        e->args.push_back(std::move(*count));
      }
    }
    RETURN_IF_ERROR(ExpectPunct(")"));
    return e;
  }
  if (name == "trim") {
    Advance();
    Advance();
    std::string which = "btrim";
    if (AcceptKeyword("leading")) {
      which = "ltrim";
    } else if (AcceptKeyword("trailing")) {
      which = "rtrim";
    } else {
      AcceptKeyword("both");
    }
    auto e = Call(which, position);
    ast::ExprPtr chars;
    if (!IsKeyword("from")) {
      auto first = ParseExpr();
      if (!first.ok()) return first;
      chars = std::move(*first);
    }
    if (AcceptKeyword("from")) {
      auto source = ParseExpr();
      if (!source.ok()) return source;
      e->args.push_back(std::move(*source));
      if (chars != nullptr) e->args.push_back(std::move(chars));
    } else {
      if (chars == nullptr) return SyntaxError();
      e->args.push_back(std::move(chars));
      if (AcceptPunct(",")) {
        auto set = ParseExpr();
        if (!set.ok()) return set;
        e->args.push_back(std::move(*set));
      }
    }
    RETURN_IF_ERROR(ExpectPunct(")"));
    return e;
  }
  *handled = false;
  return absl::StatusOr<ast::ExprPtr>(nullptr);
}

absl::StatusOr<ast::TypeName> Parser::ParseTypeName() {
  ast::TypeName type;
  type.position = Peek().position;
  if (Peek().kind != TokenKind::kIdent && Peek().kind != TokenKind::kQuotedIdent) return SyntaxError();
  std::string name = Advance().text;
  while (IsPunct(".") && (Peek(1).kind == TokenKind::kIdent || Peek(1).kind == TokenKind::kQuotedIdent)) {
    Advance();
    name = Advance().text;  // pg_catalog.int4 names int4
  }
  if (name == "double") {
    RETURN_IF_ERROR(ExpectKeyword("precision"));
    name = "double precision";
  } else if (name == "character" || name == "char" || name == "national") {
    if (name == "national") RETURN_IF_ERROR(ExpectKeyword("character"));
    name = AcceptKeyword("varying") ? "varchar" : "bpchar";
  } else if (name == "bit" && AcceptKeyword("varying")) {
    name = "varbit";
  }
  if (IsPunct("(")) {
    Advance();
    do {
      const Token& t = Peek();
      if (t.kind != TokenKind::kInteger) return SyntaxError();
      int64_t v = 0;
      for (char c : t.text) {
        v = v * 10 + (c - '0');
        if (v > (int64_t{1} << 31)) return SqlError(sqlstate::kSyntaxError, "type modifier is out of range", t.position);
      }
      type.mods.push_back(v);
      Advance();
      if (type.mods.size() > 2) return SyntaxError();
    } while (AcceptPunct(","));
    RETURN_IF_ERROR(ExpectPunct(")"));
  }
  if (name == "time" || name == "timestamp") {
    if (AcceptKeyword("with")) {
      RETURN_IF_ERROR(ExpectKeyword("time"));
      RETURN_IF_ERROR(ExpectKeyword("zone"));
      name += "tz";
    } else if (AcceptKeyword("without")) {
      RETURN_IF_ERROR(ExpectKeyword("time"));
      RETURN_IF_ERROR(ExpectKeyword("zone"));
    }
  }
  type.name = std::move(name);
  while (IsPunct("[")) {
    Advance();
    if (Peek().kind == TokenKind::kInteger) Advance();
    RETURN_IF_ERROR(ExpectPunct("]"));
    if (++type.array_dims > 6) return SqlError(sqlstate::kProgramLimitExceeded, "number of array dimensions exceeds the maximum allowed (6)", type.position);
  }
  if (AcceptKeyword("array")) type.array_dims = std::max(type.array_dims, 1);
  return type;
}

}  // namespace quanta::sql::internal
