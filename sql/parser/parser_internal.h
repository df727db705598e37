// The parser's shared state, split over parse_expr.cc (expressions and types),
// parse_select.cc (queries) and parser.cc (the other statements). Internal to
// sql/parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/parser/ast.h"
#include "sql/parser/lexer.h"

namespace quanta::sql::internal {

// Keywords that cannot name a column alias without AS, nor a table unquoted.
bool IsReservedKeyword(std::string_view word);

class Parser {
 public:
  Parser(std::string_view source, std::vector<Token> tokens) : source_(source), tokens_(std::move(tokens)) {}

  absl::StatusOr<std::vector<ast::Statement>> ParseAll();

 private:
  friend class DepthGuard;
  // Tokens.
  const Token& Peek(size_t ahead = 0) const;
  const Token& Advance();
  bool AtEnd() const { return Peek().kind == TokenKind::kEnd; }
  bool IsKeyword(std::string_view word, size_t ahead = 0) const;
  bool IsPunct(std::string_view p, size_t ahead = 0) const;
  bool IsOperator(std::string_view op, size_t ahead = 0) const;
  bool AcceptKeyword(std::string_view word);
  bool AcceptPunct(std::string_view p);
  absl::Status ExpectKeyword(std::string_view word);
  absl::Status ExpectPunct(std::string_view p);
  absl::Status SyntaxError() const;  // at the current token
  absl::Status SyntaxErrorAt(const Token& t) const;
  absl::Status Enter();  // nesting depth, 54001 past the limit
  void Leave() { --depth_; }
  absl::Status CheckListSize(size_t n) const;
  // The statement text from token `first` up to (not including) the current token.
  std::string TextFrom(size_t first) const;

  // Names.
  absl::StatusOr<std::string> ParseName();        // any identifier (keywords too)
  absl::StatusOr<std::string> ParseColumnName();  // not a reserved keyword, unless quoted
  absl::StatusOr<std::vector<std::string>> ParseQualifiedName();
  absl::StatusOr<std::vector<std::string>> ParseNameList();  // (a, b, c)
  absl::StatusOr<std::string> ParseOptionalAlias(bool require_as_for_keywords);

  // Statements (parser.cc).
  absl::StatusOr<ast::Statement> ParseStatement();
  absl::StatusOr<ast::Statement> ParseCreate();
  absl::StatusOr<ast::Statement> ParseCreateTable();
  absl::StatusOr<ast::Statement> ParseCreateIndex(bool unique);
  absl::StatusOr<ast::Statement> ParseCreateSequence();
  absl::StatusOr<ast::Statement> ParseCreateView(bool or_replace);
  absl::StatusOr<ast::Statement> ParseCreateSchema();
  absl::StatusOr<ast::Statement> ParseAlter();
  absl::StatusOr<ast::Statement> ParseAlterTable();
  absl::StatusOr<ast::AlterTableCmd> ParseAlterTableCmd();
  absl::Status SkipParenthesized();
  absl::StatusOr<ast::Statement> ParseSet();
  absl::StatusOr<ast::Statement> ParseExplain();
  absl::StatusOr<ast::Statement> ParseMaintenance();  // TRUNCATE, VACUUM, ANALYZE
  absl::StatusOr<ast::Statement> ParseShowOrReset();
  // Sequence options until none follows; `alter` also takes RESTART.
  absl::Status ParseSequenceOptions(bool alter, ast::SequenceOptions* out);
  absl::StatusOr<int64_t> ParseSignedInteger();
  // IF [NOT] EXISTS: whether it was written.
  absl::StatusOr<bool> ParseIfExists(bool with_not);
  absl::Status SkipStorageParameters();
  absl::StatusOr<std::string> ParseIndexColumn();
  absl::StatusOr<ast::ColumnDef> ParseColumnDef();
  absl::StatusOr<ast::TableConstraint> ParseTableConstraint();
  absl::Status ParseReferences(ast::ForeignKeyClause* fk);
  absl::StatusOr<ast::Statement> ParseDrop();
  absl::StatusOr<ast::Statement> ParseComment();
  absl::StatusOr<ast::Statement> ParseInsert();
  absl::StatusOr<ast::Statement> ParseUpdate();
  absl::Status ParseSetClauses(std::vector<ast::SetClause>* sets);  // a = x, b = DEFAULT
  absl::StatusOr<ast::Statement> ParseDelete();
  absl::StatusOr<std::vector<ast::SelectItem>> ParseReturning();

  // Queries (parse_select.cc).
  absl::StatusOr<std::unique_ptr<ast::SelectStmt>> ParseSelect();  // with WITH, set ops, ORDER/LIMIT
  absl::StatusOr<std::unique_ptr<ast::SelectStmt>> ParseSetOperand(int min_precedence);
  absl::StatusOr<std::unique_ptr<ast::SelectStmt>> ParseSimpleSelect();
  absl::StatusOr<std::unique_ptr<ast::SelectStmt>> ParseValues();
  absl::Status ParseWith(ast::SelectStmt* stmt);
  absl::Status ParseOrderLimit(ast::SelectStmt* stmt);
  absl::StatusOr<std::vector<ast::SelectItem>> ParseTargetList();
  absl::StatusOr<std::vector<ast::TableRefPtr>> ParseFromList();
  absl::StatusOr<ast::TableRefPtr> ParseTableRef();
  absl::StatusOr<ast::TableRefPtr> ParseTablePrimary();
  absl::Status ParseTableAlias(ast::TableRef* ref);
  absl::StatusOr<std::vector<ast::OrderItem>> ParseOrderByList();
  absl::StatusOr<std::vector<ast::ExprPtr>> ParseGroupByList();
  bool StartsSelect(size_t ahead = 0) const;

  // Expressions (parse_expr.cc).
  absl::StatusOr<ast::ExprPtr> ParseExpr();
  absl::StatusOr<ast::ExprPtr> ParseChain(absl::StatusOr<ast::ExprPtr> (Parser::*next)(), bool (*is_op)(const Token&));
  absl::StatusOr<ast::ExprPtr> ParseOr();
  absl::StatusOr<ast::ExprPtr> ParseAnd();
  absl::StatusOr<ast::ExprPtr> ParseNot();
  absl::StatusOr<ast::ExprPtr> ParseIs();
  absl::StatusOr<ast::ExprPtr> ParseComparison();
  absl::StatusOr<ast::ExprPtr> ParsePredicate();  // BETWEEN, IN, LIKE, ILIKE, SIMILAR
  absl::StatusOr<ast::ExprPtr> ParseOtherOp();
  absl::StatusOr<ast::ExprPtr> ParseAdditive();
  absl::StatusOr<ast::ExprPtr> ParseMultiplicative();
  absl::StatusOr<ast::ExprPtr> ParseExponent();
  absl::StatusOr<ast::ExprPtr> ParseUnary();
  absl::StatusOr<ast::ExprPtr> ParsePostfix();  // :: casts and [subscripts]
  absl::StatusOr<ast::ExprPtr> ParsePrimary();
  absl::StatusOr<ast::ExprPtr> ParseIdentifierExpr();
  absl::StatusOr<ast::ExprPtr> ParseFunctionCall(std::vector<std::string> names, int position);
  absl::StatusOr<ast::ExprPtr> ParseSpecialFunction(const std::string& name, int position, bool* handled);
  absl::StatusOr<ast::ExprPtr> ParseCase();
  absl::StatusOr<ast::ExprPtr> ParseParenthesized();
  absl::StatusOr<std::unique_ptr<ast::WindowSpec>> ParseWindowSpec();
  absl::StatusOr<ast::FrameBound> ParseFrameBound();
  absl::StatusOr<std::vector<ast::ExprPtr>> ParseExprList();  // a, b, c
  absl::StatusOr<ast::TypeName> ParseTypeName();
  bool StartsTypedLiteral() const;
  absl::StatusOr<ast::ExprPtr> ParseQuantified(ast::ExprPtr left, std::string op, int position);

  std::string_view source_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// Counts one level of nesting for the scope it lives in.
class DepthGuard {
 public:
  explicit DepthGuard(Parser& p) : p_(p), status_(p.Enter()) {}
  ~DepthGuard() {
    if (status_.ok()) p_.Leave();
  }
  const absl::Status& status() const { return status_; }

 private:
  Parser& p_;
  absl::Status status_;
};

// Makes a node of `kind` at `position`.
ast::ExprPtr MakeExpr(ast::ExprKind kind, int position);

}  // namespace quanta::sql::internal
