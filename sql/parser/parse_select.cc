// Queries: WITH, set operations, simple selects, VALUES, FROM lists and joins,
// ORDER BY / LIMIT / OFFSET / FETCH FIRST.
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "sql/common/sql_error.h"
#include "sql/parser/parser_internal.h"

namespace quanta::sql::internal {

bool Parser::StartsSelect(size_t ahead) const {
  size_t i = ahead;
  while (IsPunct("(", i)) ++i;
  return IsKeyword("select", i) || IsKeyword("values", i) || IsKeyword("with", i) || IsKeyword("table", i);
}

absl::StatusOr<std::unique_ptr<ast::SelectStmt>> Parser::ParseSelect() {
  DepthGuard guard(*this);
  RETURN_IF_ERROR(guard.status());
  const int position = Peek().position;
  std::unique_ptr<ast::SelectStmt> with;
  if (IsKeyword("with")) {
    with = std::make_unique<ast::SelectStmt>();
    RETURN_IF_ERROR(ParseWith(with.get()));
  }
  auto stmt = ParseSetOperand(0);
  if (!stmt.ok()) return stmt.status();
  RETURN_IF_ERROR(ParseOrderLimit(stmt->get()));
  if (with != nullptr) {
    (*stmt)->recursive = with->recursive;
    (*stmt)->ctes = std::move(with->ctes);
  }
  (*stmt)->position = position;
  return stmt;
}

absl::Status Parser::ParseWith(ast::SelectStmt* stmt) {
  Advance();  // WITH
  stmt->recursive = AcceptKeyword("recursive");
  do {
    ast::CommonTableExpr cte;
    auto name = ParseName();
    if (!name.ok()) return name.status();
    cte.name = std::move(*name);
    if (IsPunct("(")) {
      auto columns = ParseNameList();
      if (!columns.ok()) return columns.status();
      cte.columns = std::move(*columns);
    }
    RETURN_IF_ERROR(ExpectKeyword("as"));
    if (AcceptKeyword("not")) {
      RETURN_IF_ERROR(ExpectKeyword("materialized"));
    } else {
      AcceptKeyword("materialized");
    }
    RETURN_IF_ERROR(ExpectPunct("("));
    auto query = ParseSelect();
    if (!query.ok()) return query.status();
    cte.query = std::move(*query);
    RETURN_IF_ERROR(ExpectPunct(")"));
    stmt->ctes.push_back(std::move(cte));
    RETURN_IF_ERROR(CheckListSize(stmt->ctes.size()));
  } while (AcceptPunct(","));
  return absl::OkStatus();
}

namespace {

// UNION and EXCEPT bind equally and looser than INTERSECT.
int SetPrecedence(const Token& t) {
  if (t.kind != TokenKind::kIdent) return -1;
  if (t.text == "union" || t.text == "except") return 1;
  if (t.text == "intersect") return 2;
  return -1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ast::SelectStmt>> Parser::ParseSetOperand(int min_precedence) {
  std::unique_ptr<ast::SelectStmt> left;
  if (IsPunct("(")) {
    Advance();
    auto inner = ParseSelect();
    if (!inner.ok()) return inner.status();
    RETURN_IF_ERROR(ExpectPunct(")"));
    left = std::move(*inner);
  } else {
    auto simple = ParseSimpleSelect();
    if (!simple.ok()) return simple.status();
    left = std::move(*simple);
  }
  while (true) {
    const int precedence = SetPrecedence(Peek());
    if (precedence < 0 || precedence < min_precedence) break;
    DepthGuard guard(*this);
    RETURN_IF_ERROR(guard.status());
    const std::string word = Advance().text;
    auto node = std::make_unique<ast::SelectStmt>();
    node->op = word == "union" ? ast::SetOp::kUnion : word == "intersect" ? ast::SetOp::kIntersect : ast::SetOp::kExcept;
    node->set_all = AcceptKeyword("all");
    if (!node->set_all) AcceptKeyword("distinct");
    auto right = ParseSetOperand(precedence + 1);
    if (!right.ok()) return right.status();
    node->left = std::move(left);
    node->right = std::move(*right);
    left = std::move(node);
  }
  return left;
}

absl::StatusOr<std::unique_ptr<ast::SelectStmt>> Parser::ParseValues() {
  Advance();  // VALUES
  auto stmt = std::make_unique<ast::SelectStmt>();
  do {
    RETURN_IF_ERROR(ExpectPunct("("));
    std::vector<ast::ExprPtr> row;
    do {
      if (IsKeyword("default")) {
        row.push_back(MakeExpr(ast::ExprKind::kDefault, Advance().position));
        continue;
      }
      auto e = ParseExpr();
      if (!e.ok()) return e.status();
      row.push_back(std::move(*e));
      RETURN_IF_ERROR(CheckListSize(row.size()));
    } while (AcceptPunct(","));
    RETURN_IF_ERROR(ExpectPunct(")"));
    stmt->values.push_back(std::move(row));
    RETURN_IF_ERROR(CheckListSize(stmt->values.size()));
  } while (AcceptPunct(","));
  return stmt;
}

absl::StatusOr<std::unique_ptr<ast::SelectStmt>> Parser::ParseSimpleSelect() {
  if (IsKeyword("values")) return ParseValues();
  const int position = Peek().position;
  if (AcceptKeyword("table")) {  // TABLE t = SELECT * FROM t
    auto stmt = std::make_unique<ast::SelectStmt>();
    auto ref = std::make_unique<ast::TableRef>();
    ref->position = Peek().position;
    auto names = ParseQualifiedName();
    if (!names.ok()) return names.status();
    ref->names = std::move(*names);
    stmt->from.push_back(std::move(ref));
    ast::SelectItem star;
    star.expr = MakeExpr(ast::ExprKind::kStar, position);
    stmt->targets.push_back(std::move(star));
    return stmt;
  }
  RETURN_IF_ERROR(ExpectKeyword("select"));
  auto stmt = std::make_unique<ast::SelectStmt>();
  stmt->position = position;
  if (AcceptKeyword("distinct")) {
    stmt->distinct = true;
    if (AcceptKeyword("on")) {
      RETURN_IF_ERROR(ExpectPunct("("));
      auto on = ParseExprList();
      if (!on.ok()) return on.status();
      stmt->distinct_on = std::move(*on);
      RETURN_IF_ERROR(ExpectPunct(")"));
    }
  } else {
    AcceptKeyword("all");
  }
  const bool empty_list = AtEnd() || IsPunct(";") || IsPunct(")") || IsKeyword("from") || IsKeyword("where") ||
                          IsKeyword("group") || IsKeyword("order") || IsKeyword("limit") || SetPrecedence(Peek()) > 0;
  if (!empty_list) {
    auto targets = ParseTargetList();
    if (!targets.ok()) return targets.status();
    stmt->targets = std::move(*targets);
  }
  if (AcceptKeyword("from")) {
    auto from = ParseFromList();
    if (!from.ok()) return from.status();
    stmt->from = std::move(*from);
  }
  if (AcceptKeyword("where")) {
    auto where = ParseExpr();
    if (!where.ok()) return where.status();
    stmt->where = std::move(*where);
  }
  if (AcceptKeyword("group")) {
    RETURN_IF_ERROR(ExpectKeyword("by"));
    auto group = ParseGroupByList();
    if (!group.ok()) return group.status();
    stmt->group_by = std::move(*group);
  }
  if (AcceptKeyword("having")) {
    auto having = ParseExpr();
    if (!having.ok()) return having.status();
    stmt->having = std::move(*having);
  }
  if (AcceptKeyword("window")) {
    do {
      ast::NamedWindow w;
      w.position = Peek().position;
      if (Peek().kind != TokenKind::kIdent && Peek().kind != TokenKind::kQuotedIdent) {
        return SyntaxErrorAt(Peek());
      }
      w.name = Advance().text;
      RETURN_IF_ERROR(ExpectKeyword("as"));
      auto spec = ParseWindowSpec();
      if (!spec.ok()) return spec.status();
      w.spec = std::move(*spec);
      stmt->windows.push_back(std::move(w));
    } while (AcceptPunct(","));
  }
  return stmt;
}

absl::StatusOr<std::vector<ast::ExprPtr>> Parser::ParseGroupByList() {
  std::vector<ast::ExprPtr> items;
  do {
    if (IsPunct("(") && IsPunct(")", 1)) {  // () : the empty grouping set
      const int position = Advance().position;
      Advance();
      auto empty = MakeExpr(ast::ExprKind::kRow, position);
      items.push_back(std::move(empty));
      continue;
    }
    const bool sets = IsKeyword("grouping") && IsKeyword("sets", 1);
    if (IsKeyword("rollup") || IsKeyword("cube") || sets) {
      auto e = MakeExpr(ast::ExprKind::kFunc, Peek().position);
      e->text = sets ? "grouping sets" : Peek().text;
      Advance();
      if (sets) Advance();
      RETURN_IF_ERROR(ExpectPunct("("));
      auto list = sets ? ParseGroupByList() : ParseExprList();
      if (!list.ok()) return list.status();
      e->args = std::move(*list);
      RETURN_IF_ERROR(ExpectPunct(")"));
      items.push_back(std::move(e));
      continue;
    }
    auto e = ParseExpr();
    if (!e.ok()) return e.status();
    items.push_back(std::move(*e));
    RETURN_IF_ERROR(CheckListSize(items.size()));
  } while (AcceptPunct(","));
  return items;
}

absl::Status Parser::ParseOrderLimit(ast::SelectStmt* stmt) {
  if (AcceptKeyword("order")) {
    RETURN_IF_ERROR(ExpectKeyword("by"));
    auto order = ParseOrderByList();
    if (!order.ok()) return order.status();
    stmt->order_by = std::move(*order);
  }
  for (int clause = 0; clause < 2; ++clause) {
    if (AcceptKeyword("limit")) {
      if (AcceptKeyword("all")) continue;
      auto limit = ParseExpr();
      if (!limit.ok()) return limit.status();
      stmt->limit = std::move(*limit);
    } else if (AcceptKeyword("offset")) {
      auto offset = ParseAdditive();
      if (!offset.ok()) return offset.status();
      stmt->offset = std::move(*offset);
      if (!AcceptKeyword("rows")) AcceptKeyword("row");
    } else if (AcceptKeyword("fetch")) {
      if (!AcceptKeyword("first")) RETURN_IF_ERROR(ExpectKeyword("next"));
      if (IsKeyword("row") || IsKeyword("rows")) {
        auto one = MakeExpr(ast::ExprKind::kLiteral, Peek().position);
        one->literal = ast::LiteralKind::kInteger;
        one->text = "1";
        stmt->limit = std::move(one);
      } else {
        auto count = ParseAdditive();
        if (!count.ok()) return count.status();
        stmt->limit = std::move(*count);
      }
      if (!AcceptKeyword("rows")) RETURN_IF_ERROR(ExpectKeyword("row"));
      RETURN_IF_ERROR(ExpectKeyword("only"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ast::OrderItem>> Parser::ParseOrderByList() {
  std::vector<ast::OrderItem> items;
  do {
    ast::OrderItem item;
    auto e = ParseExpr();
    if (!e.ok()) return e.status();
    item.expr = std::move(*e);
    if (AcceptKeyword("desc")) {
      item.descending = true;
    } else {
      AcceptKeyword("asc");
    }
    if (AcceptKeyword("nulls")) {
      if (AcceptKeyword("first")) {
        item.nulls_first = true;
      } else {
        RETURN_IF_ERROR(ExpectKeyword("last"));
        item.nulls_first = false;
      }
    }
    items.push_back(std::move(item));
    RETURN_IF_ERROR(CheckListSize(items.size()));
  } while (AcceptPunct(","));
  return items;
}

absl::StatusOr<std::vector<ast::SelectItem>> Parser::ParseTargetList() {
  std::vector<ast::SelectItem> items;
  do {
    ast::SelectItem item;
    item.position = Peek().position;
    if (IsOperator("*")) {
      item.expr = MakeExpr(ast::ExprKind::kStar, Advance().position);
      items.push_back(std::move(item));
      continue;
    }
    auto e = ParseExpr();
    if (!e.ok()) return e.status();
    item.expr = std::move(*e);
    if (item.expr->kind != ast::ExprKind::kStar) {
      auto alias = ParseOptionalAlias(true);
      if (!alias.ok()) return alias.status();
      item.alias = std::move(*alias);
    }
    items.push_back(std::move(item));
    RETURN_IF_ERROR(CheckListSize(items.size()));
  } while (AcceptPunct(","));
  return items;
}

absl::StatusOr<std::vector<ast::TableRefPtr>> Parser::ParseFromList() {
  std::vector<ast::TableRefPtr> refs;
  do {
    auto ref = ParseTableRef();
    if (!ref.ok()) return ref.status();
    refs.push_back(std::move(*ref));
    RETURN_IF_ERROR(CheckListSize(refs.size()));
  } while (AcceptPunct(","));
  return refs;
}

absl::StatusOr<ast::TableRefPtr> Parser::ParseTableRef() {
  auto left = ParseTablePrimary();
  if (!left.ok()) return left.status();
  ast::TableRefPtr ref = std::move(*left);
  while (true) {
    const int position = Peek().position;
    const size_t before = pos_;
    bool natural = AcceptKeyword("natural");
    ast::JoinType type = ast::JoinType::kInner;
    if (AcceptKeyword("cross")) {
      type = ast::JoinType::kCross;
    } else if (AcceptKeyword("left")) {
      type = ast::JoinType::kLeft;
      AcceptKeyword("outer");
    } else if (AcceptKeyword("right")) {
      type = ast::JoinType::kRight;
      AcceptKeyword("outer");
    } else if (AcceptKeyword("full")) {
      type = ast::JoinType::kFull;
      AcceptKeyword("outer");
    } else {
      AcceptKeyword("inner");
    }
    if (!AcceptKeyword("join")) {
      if (pos_ != before) return SyntaxError();  // LEFT, NATURAL ... without JOIN
      break;
    }
    DepthGuard guard(*this);
    RETURN_IF_ERROR(guard.status());
    auto right = ParseTablePrimary();
    if (!right.ok()) return right.status();
    auto join = std::make_unique<ast::TableRef>();
    join->kind = ast::TableRef::Kind::kJoin;
    join->position = position;
    join->join = type;
    join->natural = natural;
    join->left = std::move(ref);
    join->right = std::move(*right);
    if (type != ast::JoinType::kCross && !natural) {
      if (AcceptKeyword("on")) {
        auto on = ParseExpr();
        if (!on.ok()) return on.status();
        join->on = std::move(*on);
      } else if (AcceptKeyword("using")) {
        auto columns = ParseNameList();
        if (!columns.ok()) return columns.status();
        join->using_columns = std::move(*columns);
      } else {
        return SyntaxError();
      }
    }
    ref = std::move(join);
  }
  return ref;
}

absl::StatusOr<ast::TableRefPtr> Parser::ParseTablePrimary() {
  DepthGuard guard(*this);
  RETURN_IF_ERROR(guard.status());
  auto ref = std::make_unique<ast::TableRef>();
  ref->position = Peek().position;
  ref->lateral = AcceptKeyword("lateral");
  if (IsPunct("(") && StartsSelect(1)) {
    Advance();
    auto query = ParseSelect();
    if (!query.ok()) return query.status();
    RETURN_IF_ERROR(ExpectPunct(")"));
    ref->kind = ast::TableRef::Kind::kSubquery;
    ref->subquery = std::move(*query);
  } else if (IsPunct("(")) {
    Advance();
    auto inner = ParseTableRef();
    if (!inner.ok()) return inner.status();
    RETURN_IF_ERROR(ExpectPunct(")"));
    ref = std::move(*inner);
  } else {
    auto names = ParseQualifiedName();
    if (!names.ok()) return names.status();
    if (IsPunct("(")) {
      auto call = ParseFunctionCall(std::move(*names), ref->position);
      if (!call.ok()) return call.status();
      ref->kind = ast::TableRef::Kind::kFunction;
      ref->function = std::move(*call);
      if (IsKeyword("with") && IsKeyword("ordinality", 1)) {
        Advance();
        Advance();
        ref->with_ordinality = true;
      }
    } else {
      ref->kind = ast::TableRef::Kind::kTable;
      ref->names = std::move(*names);
    }
  }
  RETURN_IF_ERROR(ParseTableAlias(ref.get()));
  return ref;
}

absl::Status Parser::ParseTableAlias(ast::TableRef* ref) {
  static constexpr std::string_view kJoinWords[] = {"natural", "cross", "left", "right", "full", "inner", "join"};
  for (std::string_view w : kJoinWords) {
    if (IsKeyword(w)) return absl::OkStatus();
  }
  auto alias = ParseOptionalAlias(false);
  if (!alias.ok()) return alias.status();
  if (alias->empty()) return absl::OkStatus();
  ref->alias = std::move(*alias);
  if (IsPunct("(")) {
    auto columns = ParseNameList();
    if (!columns.ok()) return columns.status();
    ref->column_aliases = std::move(*columns);
  }
  return absl::OkStatus();
}

}  // namespace quanta::sql::internal
