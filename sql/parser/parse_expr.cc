// Expressions and type names, with PostgreSQL's precedence (lowest first): OR, AND,
// NOT, IS, comparison, BETWEEN/IN/LIKE/ILIKE/SIMILAR, other operators, + -, * / %, ^,
// unary + -, :: and [] , then primaries. Comparisons and the BETWEEN/IN/LIKE group
// do not associate (a = b = c is a syntax error), as in PostgreSQL.
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "sql/common/sql_error.h"
#include "sql/parser/parser_internal.h"

namespace quanta::sql::internal {
namespace {

bool IsComparison(const Token& t) {
  if (t.kind != TokenKind::kOperator) return false;
  return t.text == "=" || t.text == "<" || t.text == ">" || t.text == "<=" || t.text == ">=" || t.text == "<>" ||
         t.text == "!=";
}

bool IsArithmetic(std::string_view op) {
  return op == "+" || op == "-" || op == "*" || op == "/" || op == "%" || op == "^";
}

bool IsOr(const Token& t) { return t.kind == TokenKind::kIdent && t.text == "or"; }
bool IsAnd(const Token& t) { return t.kind == TokenKind::kIdent && t.text == "and"; }
bool IsAdditive(const Token& t) { return t.kind == TokenKind::kOperator && (t.text == "+" || t.text == "-"); }
bool IsMultiplicative(const Token& t) {
  return t.kind == TokenKind::kOperator && (t.text == "*" || t.text == "/" || t.text == "%");
}
bool IsExponent(const Token& t) { return t.kind == TokenKind::kOperator && t.text == "^"; }
bool IsOtherOperator(const Token& t) {
  return t.kind == TokenKind::kOperator && !IsArithmetic(t.text) && !IsComparison(t);
}

ast::ExprPtr Binary(std::string op, ast::ExprPtr left, ast::ExprPtr right, int position) {
  auto e = MakeExpr(ast::ExprKind::kBinary, position);
  e->text = std::move(op);
  e->args.push_back(std::move(left));
  e->args.push_back(std::move(right));
  return e;
}

}  // namespace

absl::StatusOr<ast::ExprPtr> Parser::ParseExpr() {
  DepthGuard guard(*this);
  RETURN_IF_ERROR(guard.status());
  return ParseOr();
}

// Left-deep chains (a + b + ...) are parsed by one loop each; every link counts as one
// level of nesting, so thousands of terms are refused like deep parentheses.
// One left-associative level: operands from `next`, joined by operators `is_op` accepts.
absl::StatusOr<ast::ExprPtr> Parser::ParseChain(absl::StatusOr<ast::ExprPtr> (Parser::*next)(), bool (*is_op)(const Token&)) {
  auto left = (this->*next)();
  if (!left.ok()) return left;
  int levels = 0;
  absl::StatusOr<ast::ExprPtr> result = std::move(left);
  while (is_op(Peek())) {
    const Token& op = Advance();
    if (absl::Status s = Enter(); !s.ok()) {
      result = s;
      break;
    }
    ++levels;
    auto right = (this->*next)();
    if (!right.ok()) {
      result = right.status();
      break;
    }
    result = Binary(op.text, std::move(*result), std::move(*right), op.position);
  }
  for (int i = 0; i < levels; ++i) Leave();
  return result;
}

absl::StatusOr<ast::ExprPtr> Parser::ParseOr() { return ParseChain(&Parser::ParseAnd, &IsOr); }

absl::StatusOr<ast::ExprPtr> Parser::ParseAnd() { return ParseChain(&Parser::ParseNot, &IsAnd); }

absl::StatusOr<ast::ExprPtr> Parser::ParseNot() {
  if (!IsKeyword("not")) return ParseIs();
  const int position = Advance().position;
  DepthGuard guard(*this);
  RETURN_IF_ERROR(guard.status());
  auto operand = ParseNot();
  if (!operand.ok()) return operand;
  auto e = MakeExpr(ast::ExprKind::kUnary, position);
  e->text = "not";
  e->args.push_back(std::move(*operand));
  return e;
}

absl::StatusOr<ast::ExprPtr> Parser::ParseIs() {
  auto left = ParseComparison();
  if (!left.ok()) return left;
  ast::ExprPtr e = std::move(*left);
  while (IsKeyword("is") || IsKeyword("isnull") || IsKeyword("notnull")) {
    const int position = Peek().position;
    if (AcceptKeyword("isnull") || AcceptKeyword("notnull")) {
      auto n = MakeExpr(ast::ExprKind::kIsNull, position);
      n->negated = tokens_[pos_ - 1].text == "notnull";
      n->args.push_back(std::move(e));
      e = std::move(n);
      continue;
    }
    Advance();  // IS
    const bool negated = AcceptKeyword("not");
    ast::ExprPtr n;
    if (AcceptKeyword("null")) {
      n = MakeExpr(ast::ExprKind::kIsNull, position);
    } else if (IsKeyword("true") || IsKeyword("false") || IsKeyword("unknown")) {
      n = MakeExpr(ast::ExprKind::kIsBool, position);
      n->text = Advance().text;
    } else if (AcceptKeyword("distinct")) {
      RETURN_IF_ERROR(ExpectKeyword("from"));
      auto right = ParseComparison();
      if (!right.ok()) return right;
      n = MakeExpr(ast::ExprKind::kIsDistinct, position);
      n->args.push_back(std::move(e));
      n->args.push_back(std::move(*right));
      n->negated = negated;
      e = std::move(n);
      continue;
    } else {
      return SyntaxError();
    }
    n->negated = negated;
    n->args.push_back(std::move(e));
    e = std::move(n);
  }
  return e;
}

absl::StatusOr<ast::ExprPtr> Parser::ParseComparison() {
  auto left = ParsePredicate();
  if (!left.ok()) return left;
  if (!IsComparison(Peek())) return left;
  const Token& op = Advance();
  std::string text = op.text == "!=" ? "<>" : op.text;
  const int position = op.position;
  if (IsKeyword("any") || IsKeyword("some") || IsKeyword("all")) {
    return ParseQuantified(std::move(*left), std::move(text), position);
  }
  auto right = ParsePredicate();
  if (!right.ok()) return right;
  if (IsComparison(Peek())) return SyntaxError();
  return Binary(std::move(text), std::move(*left), std::move(*right), position);
}

absl::StatusOr<ast::ExprPtr> Parser::ParseQuantified(ast::ExprPtr left, std::string op, int position) {
  const std::string quantifier = Advance().text == "all" ? "all" : "any";
  RETURN_IF_ERROR(ExpectPunct("("));
  auto e = MakeExpr(ast::ExprKind::kQuantified, position);
  e->text = quantifier;
  e->op = std::move(op);
  e->args.push_back(std::move(left));
  if (StartsSelect()) {
    auto query = ParseSelect();
    if (!query.ok()) return query.status();
    e->subquery = std::move(*query);
  } else {
    auto array = ParseExpr();
    if (!array.ok()) return array;
    e->args.push_back(std::move(*array));
  }
  RETURN_IF_ERROR(ExpectPunct(")"));
  return e;
}

absl::StatusOr<ast::ExprPtr> Parser::ParsePredicate() {
  auto left = ParseOtherOp();
  if (!left.ok()) return left;
  const bool negated = IsKeyword("not") && (IsKeyword("between", 1) || IsKeyword("in", 1) || IsKeyword("like", 1) ||
                                            IsKeyword("ilike", 1) || IsKeyword("similar", 1));
  if (negated) Advance();
  const int position = Peek().position;
  if (AcceptKeyword("between")) {
    auto e = MakeExpr(ast::ExprKind::kBetween, position);
    e->negated = negated;
    e->symmetric = AcceptKeyword("symmetric");
    if (!e->symmetric) AcceptKeyword("asymmetric");
    auto low = ParseOtherOp();
    if (!low.ok()) return low;
    RETURN_IF_ERROR(ExpectKeyword("and"));
    auto high = ParseOtherOp();
    if (!high.ok()) return high;
    e->args.push_back(std::move(*left));
    e->args.push_back(std::move(*low));
    e->args.push_back(std::move(*high));
    return e;
  }
  if (AcceptKeyword("in")) {
    RETURN_IF_ERROR(ExpectPunct("("));
    ast::ExprPtr e;
    if (StartsSelect()) {
      e = MakeExpr(ast::ExprKind::kInSubquery, position);
      auto query = ParseSelect();
      if (!query.ok()) return query.status();
      e->subquery = std::move(*query);
      e->args.push_back(std::move(*left));
    } else {
      e = MakeExpr(ast::ExprKind::kInList, position);
      auto list = ParseExprList();
      if (!list.ok()) return list.status();
      e->args.push_back(std::move(*left));
      for (auto& item : *list) e->args.push_back(std::move(item));
    }
    RETURN_IF_ERROR(ExpectPunct(")"));
    e->negated = negated;
    return e;
  }
  const bool similar = IsKeyword("similar");
  if (IsKeyword("like") || IsKeyword("ilike") || similar) {
    auto e = MakeExpr(ast::ExprKind::kLike, position);
    e->text = Advance().text;
    if (similar) RETURN_IF_ERROR(ExpectKeyword("to"));
    e->negated = negated;
    auto pattern = ParseOtherOp();
    if (!pattern.ok()) return pattern;
    e->args.push_back(std::move(*left));
    e->args.push_back(std::move(*pattern));
    if (AcceptKeyword("escape")) {
      auto escape = ParseOtherOp();
      if (!escape.ok()) return escape;
      e->args.push_back(std::move(*escape));
    }
    return e;
  }
  QUANTA_ASSERT(!negated);
  return left;
}

absl::StatusOr<ast::ExprPtr> Parser::ParseOtherOp() { return ParseChain(&Parser::ParseAdditive, &IsOtherOperator); }

absl::StatusOr<ast::ExprPtr> Parser::ParseAdditive() { return ParseChain(&Parser::ParseMultiplicative, &IsAdditive); }

absl::StatusOr<ast::ExprPtr> Parser::ParseMultiplicative() { return ParseChain(&Parser::ParseExponent, &IsMultiplicative); }

absl::StatusOr<ast::ExprPtr> Parser::ParseExponent() { return ParseChain(&Parser::ParseUnary, &IsExponent); }

absl::StatusOr<ast::ExprPtr> Parser::ParseUnary() {
  const Token& t = Peek();
  const bool prefix = t.kind == TokenKind::kOperator &&
                      (t.text == "-" || t.text == "+" || t.text == "~" || t.text == "@" || t.text == "|/");
  if (!prefix) return ParsePostfix();
  Advance();
  DepthGuard guard(*this);
  RETURN_IF_ERROR(guard.status());
  auto operand = ParseUnary();
  if (!operand.ok()) return operand;
  // -<number> is a negative literal, as PostgreSQL folds it (so -2147483648 is an int).
  if (t.text == "-" && (*operand)->kind == ast::ExprKind::kLiteral &&
      ((*operand)->literal == ast::LiteralKind::kInteger || (*operand)->literal == ast::LiteralKind::kNumeric) &&
      !(*operand)->has_type && (*operand)->text[0] != '-') {
    (*operand)->text = absl::StrCat("-", (*operand)->text);
    (*operand)->position = t.position;
    return operand;
  }
  auto e = MakeExpr(ast::ExprKind::kUnary, t.position);
  e->text = t.text;
  e->args.push_back(std::move(*operand));
  return e;
}

absl::StatusOr<ast::ExprPtr> Parser::ParsePostfix() {
  auto primary = ParsePrimary();
  if (!primary.ok()) return primary;
  ast::ExprPtr e = std::move(*primary);
  int levels = 0;
  absl::Status status;
  while (status.ok() && (IsPunct("::") || IsPunct("["))) {
    status = Enter();
    if (!status.ok()) break;
    ++levels;
    const Token& t = Advance();
    if (t.text == "::") {
      auto type = ParseTypeName();
      if (!type.ok()) {
        status = type.status();
        break;
      }
      auto cast = MakeExpr(ast::ExprKind::kCast, t.position);
      cast->type = std::move(*type);
      cast->args.push_back(std::move(e));
      e = std::move(cast);
      continue;
    }
    auto index = ParseExpr();
    if (!index.ok()) {
      status = index.status();
      break;
    }
    status = ExpectPunct("]");
    auto sub = MakeExpr(ast::ExprKind::kSubscript, t.position);
    sub->args.push_back(std::move(e));
    sub->args.push_back(std::move(*index));
    e = std::move(sub);
  }
  for (int i = 0; i < levels; ++i) Leave();
  if (!status.ok()) return status;
  return e;
}

absl::StatusOr<std::vector<ast::ExprPtr>> Parser::ParseExprList() {
  std::vector<ast::ExprPtr> list;
  do {
    auto e = ParseExpr();
    if (!e.ok()) return e.status();
    list.push_back(std::move(*e));
    RETURN_IF_ERROR(CheckListSize(list.size()));
  } while (AcceptPunct(","));
  return list;
}

absl::StatusOr<ast::ExprPtr> Parser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kInteger:
    case TokenKind::kNumeric:
    case TokenKind::kString: {
      auto e = MakeExpr(ast::ExprKind::kLiteral, t.position);
      e->literal = t.kind == TokenKind::kInteger   ? ast::LiteralKind::kInteger
                   : t.kind == TokenKind::kNumeric ? ast::LiteralKind::kNumeric
                                                   : ast::LiteralKind::kString;
      e->text = Advance().text;
      return e;
    }
    case TokenKind::kParam: {
      auto e = MakeExpr(ast::ExprKind::kParam, t.position);
      int index = 0;
      for (char c : t.text) {
        index = index * 10 + (c - '0');
        if (index > 65535) return SqlError(sqlstate::kSyntaxError, "parameter number too large", t.position);
      }
      if (index == 0) return SqlError(sqlstate::kSyntaxError, "there is no parameter $0", t.position);
      e->param_index = index;
      Advance();
      return e;
    }
    case TokenKind::kPunct:
      if (t.text == "(") return ParseParenthesized();
      return SyntaxError();
    case TokenKind::kIdent:
    case TokenKind::kQuotedIdent:
      return ParseIdentifierExpr();
    default:
      return SyntaxError();
  }
}

absl::StatusOr<ast::ExprPtr> Parser::ParseParenthesized() {
  const int position = Advance().position;  // (
  DepthGuard guard(*this);
  RETURN_IF_ERROR(guard.status());
  if (StartsSelect()) {
    auto query = ParseSelect();
    if (!query.ok()) return query.status();
    RETURN_IF_ERROR(ExpectPunct(")"));
    auto e = MakeExpr(ast::ExprKind::kSubquery, position);
    e->subquery = std::move(*query);
    return e;
  }
  auto first = ParseExpr();
  if (!first.ok()) return first;
  if (AcceptPunct(")")) return first;
  if (!IsPunct(",")) return SyntaxError();
  auto row = MakeExpr(ast::ExprKind::kRow, position);
  row->args.push_back(std::move(*first));
  while (AcceptPunct(",")) {
    auto next = ParseExpr();
    if (!next.ok()) return next;
    row->args.push_back(std::move(*next));
    RETURN_IF_ERROR(CheckListSize(row->args.size()));
  }
  RETURN_IF_ERROR(ExpectPunct(")"));
  return row;
}

bool Parser::StartsTypedLiteral() const {
  const Token& t = Peek();
  if (t.kind != TokenKind::kIdent) return false;
  if (Peek(1).kind == TokenKind::kString) return !IsReservedKeyword(t.text) || t.text == "time" || t.text == "timestamp";
  if (t.text == "double" && IsKeyword("precision", 1) && Peek(2).kind == TokenKind::kString) return true;
  const bool zoned = (t.text == "timestamp" || t.text == "time") && (IsKeyword("with", 1) || IsKeyword("without", 1));
  return zoned && Peek(4).kind == TokenKind::kString;
}

absl::StatusOr<ast::ExprPtr> Parser::ParseIdentifierExpr() {
  const Token& t = Peek();
  const int position = t.position;
  if (t.kind == TokenKind::kIdent) {
    if (t.text == "null" || t.text == "true" || t.text == "false") {
      auto e = MakeExpr(ast::ExprKind::kLiteral, position);
      e->literal = t.text == "null" ? ast::LiteralKind::kNull : ast::LiteralKind::kBool;
      e->text = Advance().text;
      return e;
    }
    if (t.text == "case") return ParseCase();
    if ((t.text == "exists" || t.text == "array") && IsPunct("(", 1)) {
      // EXISTS (SELECT ...), ARRAY(SELECT ...)
      const ast::ExprKind kind = t.text == "exists" ? ast::ExprKind::kExists : ast::ExprKind::kArraySubquery;
      Advance();
      Advance();
      auto query = ParseSelect();
      if (!query.ok()) return query.status();
      RETURN_IF_ERROR(ExpectPunct(")"));
      auto e = MakeExpr(kind, position);
      e->subquery = std::move(*query);
      return e;
    }
    if (t.text == "array" && IsPunct("[", 1)) {
      Advance();
      Advance();
      auto e = MakeExpr(ast::ExprKind::kArray, position);
      if (!IsPunct("]")) {
        auto items = ParseExprList();
        if (!items.ok()) return items.status();
        e->args = std::move(*items);
      }
      RETURN_IF_ERROR(ExpectPunct("]"));
      return e;
    }
    if (t.text == "row" && IsPunct("(", 1)) {
      Advance();
      Advance();
      auto e = MakeExpr(ast::ExprKind::kRow, position);
      if (!IsPunct(")")) {
        auto items = ParseExprList();
        if (!items.ok()) return items.status();
        e->args = std::move(*items);
      }
      RETURN_IF_ERROR(ExpectPunct(")"));
      return e;
    }
    if (StartsTypedLiteral()) {
      auto type = ParseTypeName();
      if (!type.ok()) return type.status();
      if (Peek().kind != TokenKind::kString) return SyntaxError();
      auto e = MakeExpr(ast::ExprKind::kLiteral, position);
      e->literal = ast::LiteralKind::kString;
      e->text = Advance().text;
      e->type = std::move(*type);
      e->has_type = true;
      return e;
    }
    bool handled = false;
    auto special = ParseSpecialFunction(t.text, position, &handled);
    if (handled) return special;
    const bool function_keyword = (t.text == "left" || t.text == "right") && IsPunct("(", 1);
    if (IsReservedKeyword(t.text) && !function_keyword) return SyntaxError();
  }
  std::vector<std::string> names;
  names.push_back(Advance().text);
  while (IsPunct(".")) {
    Advance();
    if (IsOperator("*")) {
      Advance();
      auto star = MakeExpr(ast::ExprKind::kStar, position);
      star->names = std::move(names);
      return star;
    }
    auto next = ParseName();
    if (!next.ok()) return next.status();
    names.push_back(std::move(*next));
    if (names.size() > 4) return SyntaxError();
  }
  if (IsPunct("(")) return ParseFunctionCall(std::move(names), position);
  auto e = MakeExpr(ast::ExprKind::kColumnRef, position);
  e->names = std::move(names);
  return e;
}

absl::StatusOr<ast::ExprPtr> Parser::ParseCase() {
  auto e = MakeExpr(ast::ExprKind::kCase, Advance().position);
  if (!IsKeyword("when")) {
    auto operand = ParseExpr();
    if (!operand.ok()) return operand;
    e->case_operand = std::move(*operand);
  }
  if (!IsKeyword("when")) return SyntaxError();
  while (AcceptKeyword("when")) {
    auto when = ParseExpr();
    if (!when.ok()) return when;
    RETURN_IF_ERROR(ExpectKeyword("then"));
    auto then = ParseExpr();
    if (!then.ok()) return then;
    e->args.push_back(std::move(*when));
    e->args.push_back(std::move(*then));
    RETURN_IF_ERROR(CheckListSize(e->args.size()));
  }
  if (AcceptKeyword("else")) {
    auto otherwise = ParseExpr();
    if (!otherwise.ok()) return otherwise;
    e->else_expr = std::move(*otherwise);
  }
  RETURN_IF_ERROR(ExpectKeyword("end"));
  return e;
}

}  // namespace quanta::sql::internal
