#include "sql/parser/parser.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "sql/common/sql_error.h"
#include "sql/parser/parser_internal.h"

namespace quanta::sql {

namespace internal {

namespace {

// PostgreSQL's reserved and type/function-name keywords (sorted, for binary search).
constexpr std::array<std::string_view, 98> kReserved = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization",
    "binary", "both", "case", "cast", "check", "collate", "collation", "column", "concurrently",
    "constraint", "create", "cross", "current_catalog", "current_date", "current_role",
    "current_schema", "current_time", "current_timestamp", "current_user", "default", "deferrable",
    "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "freeze",
    "from", "full", "grant", "group", "having", "ilike", "in", "initially", "inner", "intersect",
    "into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
    "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order",
    "outer", "overlaps", "placing", "primary", "references", "returning", "right", "select",
    "session_user", "similar", "some", "symmetric", "table", "tablesample", "then", "to", "trailing",
    "true", "union", "unique", "user", "using", "variadic", "verbose", "when", "where",
};

}  // namespace

bool IsReservedKeyword(std::string_view word) {
  static const bool sorted = std::is_sorted(kReserved.begin(), kReserved.end());
  QUANTA_ASSERT(sorted);
  return std::binary_search(kReserved.begin(), kReserved.end(), word) || word == "window" || word == "with";
}

ast::ExprPtr MakeExpr(ast::ExprKind kind, int position) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = kind;
  e->position = position;
  return e;
}

const Token& Parser::Peek(size_t ahead) const {
  QUANTA_ASSERT(!tokens_.empty());
  const size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
  return tokens_[i];
}

const Token& Parser::Advance() {
  const Token& t = Peek();
  if (pos_ + 1 < tokens_.size()) ++pos_;
  return t;
}

bool Parser::IsKeyword(std::string_view word, size_t ahead) const {
  const Token& t = Peek(ahead);
  return t.kind == TokenKind::kIdent && t.text == word;
}
bool Parser::IsPunct(std::string_view p, size_t ahead) const {
  const Token& t = Peek(ahead);
  return t.kind == TokenKind::kPunct && t.text == p;
}
bool Parser::IsOperator(std::string_view op, size_t ahead) const {
  const Token& t = Peek(ahead);
  return t.kind == TokenKind::kOperator && t.text == op;
}
bool Parser::AcceptKeyword(std::string_view word) {
  if (!IsKeyword(word)) return false;
  Advance();
  return true;
}
bool Parser::AcceptPunct(std::string_view p) {
  if (!IsPunct(p)) return false;
  Advance();
  return true;
}
absl::Status Parser::ExpectKeyword(std::string_view word) {
  return AcceptKeyword(word) ? absl::OkStatus() : SyntaxError();
}
absl::Status Parser::ExpectPunct(std::string_view p) { return AcceptPunct(p) ? absl::OkStatus() : SyntaxError(); }

absl::Status Parser::SyntaxError() const { return SyntaxErrorAt(Peek()); }

absl::Status Parser::SyntaxErrorAt(const Token& t) const {
  if (t.kind == TokenKind::kEnd) return SqlError(sqlstate::kSyntaxError, "syntax error at end of input", t.position);
  std::string shown = t.text;
  if (t.kind == TokenKind::kString) shown = absl::StrCat("'", t.text, "'");
  if (t.kind == TokenKind::kQuotedIdent) shown = absl::StrCat("\"", t.text, "\"");
  if (t.kind == TokenKind::kParam) shown = absl::StrCat("$", t.text);
  return SqlError(sqlstate::kSyntaxError, absl::StrCat("syntax error at or near \"", shown, "\""), t.position);
}

absl::Status Parser::Enter() {
  if (depth_ >= ast::kMaxNestingDepth) {
    return SqlError(sqlstate::kStatementTooComplex,
                    absl::StrCat("statement nests deeper than ", ast::kMaxNestingDepth, " levels"), Peek().position);
  }
  ++depth_;
  return absl::OkStatus();
}

absl::Status Parser::CheckListSize(size_t n) const {
  if (n <= ast::kMaxListItems) return absl::OkStatus();
  return SqlError(sqlstate::kProgramLimitExceeded, absl::StrCat("list has more than ", ast::kMaxListItems, " items"),
                  Peek().position);
}

std::string Parser::TextFrom(size_t first) const {
  QUANTA_ASSERT(first < pos_);
  const size_t begin = tokens_[first].offset;
  const size_t end = tokens_[pos_ - 1].end;
  QUANTA_ASSERT(begin <= end && end <= source_.size());
  return std::string(source_.substr(begin, end - begin));
}

absl::StatusOr<std::string> Parser::ParseName() {
  const Token& t = Peek();
  if (t.kind != TokenKind::kIdent && t.kind != TokenKind::kQuotedIdent) return SyntaxError();
  return Advance().text;
}

absl::StatusOr<std::string> Parser::ParseColumnName() {
  const Token& t = Peek();
  if (t.kind == TokenKind::kIdent && IsReservedKeyword(t.text)) return SyntaxError();
  return ParseName();
}

absl::StatusOr<std::vector<std::string>> Parser::ParseQualifiedName() {
  std::vector<std::string> names;
  auto first = ParseColumnName();
  if (!first.ok()) return first.status();
  names.push_back(std::move(*first));
  while (IsPunct(".") && names.size() < 3) {
    Advance();
    auto next = ParseName();
    if (!next.ok()) return next.status();
    names.push_back(std::move(*next));
  }
  return names;
}

absl::StatusOr<std::vector<std::string>> Parser::ParseNameList() {
  RETURN_IF_ERROR(ExpectPunct("("));
  std::vector<std::string> names;
  do {
    auto name = ParseName();
    if (!name.ok()) return name.status();
    names.push_back(std::move(*name));
    RETURN_IF_ERROR(CheckListSize(names.size()));
  } while (AcceptPunct(","));
  RETURN_IF_ERROR(ExpectPunct(")"));
  return names;
}

// [AS] alias. Without AS, a reserved keyword (or any keyword that could continue the
// statement, when `require_as_for_keywords`) is not an alias.
absl::StatusOr<std::string> Parser::ParseOptionalAlias(bool require_as_for_keywords) {
  if (AcceptKeyword("as")) return ParseName();
  const Token& t = Peek();
  if (t.kind == TokenKind::kQuotedIdent) return Advance().text;
  if (t.kind != TokenKind::kIdent || IsReservedKeyword(t.text)) return std::string();
  if (require_as_for_keywords) {
    static constexpr std::string_view kFollowers[] = {"over", "filter", "within", "set"};
    for (std::string_view f : kFollowers) {
      if (t.text == f) return std::string();
    }
  }
  return Advance().text;
}

absl::StatusOr<std::vector<ast::Statement>> Parser::ParseAll() {
  std::vector<ast::Statement> out;
  while (true) {
    while (AcceptPunct(";")) {
    }
    if (AtEnd()) break;
    auto stmt = ParseStatement();
    if (!stmt.ok()) return stmt.status();
    out.push_back(std::move(*stmt));
    if (!AtEnd() && !IsPunct(";")) return SyntaxError();
  }
  return out;
}

absl::StatusOr<ast::Statement> Parser::ParseStatement() {
  const int position = Peek().position;
  absl::StatusOr<ast::Statement> stmt;
  if (StartsSelect()) {
    auto select = ParseSelect();
    if (!select.ok()) return select.status();
    ast::Statement s;
    s.kind = ast::Statement::Kind::kSelect;
    s.select = std::move(*select);
    stmt = std::move(s);
  } else if (IsKeyword("create")) {
    stmt = ParseCreate();
  } else if (IsKeyword("drop")) {
    stmt = ParseDrop();
  } else if (IsKeyword("alter")) {
    stmt = ParseAlter();
  } else if (IsKeyword("set")) {
    stmt = ParseSet();
  } else if (IsKeyword("explain")) {
    stmt = ParseExplain();
  } else if (IsKeyword("truncate") || IsKeyword("vacuum") || IsKeyword("analyze") || IsKeyword("analyse")) {
    stmt = ParseMaintenance();
  } else if (IsKeyword("show") || IsKeyword("reset")) {
    stmt = ParseShowOrReset();
  } else if (IsKeyword("insert")) {
    stmt = ParseInsert();
  } else if (IsKeyword("update")) {
    stmt = ParseUpdate();
  } else if (IsKeyword("delete")) {
    stmt = ParseDelete();
  } else if (IsKeyword("comment") && IsKeyword("on", 1)) {
    stmt = ParseComment();
  } else {
    return SyntaxError();
  }
  if (stmt.ok()) stmt->position = position;
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseCreate() {
  QUANTA_ASSERT(IsKeyword("create"));
  Advance();
  if (IsKeyword("table")) return ParseCreateTable();
  if (AcceptKeyword("sequence")) return ParseCreateSequence();
  if (AcceptKeyword("schema")) return ParseCreateSchema();
  bool or_replace = false;
  if (IsKeyword("or") && IsKeyword("replace", 1)) {
    Advance();
    Advance();
    or_replace = true;
  }
  if (IsKeyword("temp") || IsKeyword("temporary")) {
    return SqlError(sqlstate::kFeatureNotSupported, "temporary objects are not supported yet", Peek().position);
  }
  if (AcceptKeyword("view")) return ParseCreateView(or_replace);
  if (or_replace) return SyntaxError();
  const bool unique = AcceptKeyword("unique");
  if (AcceptKeyword("index")) return ParseCreateIndex(unique);
  return SyntaxError();
}

absl::StatusOr<ast::Statement> Parser::ParseCreateSchema() {
  auto create = std::make_unique<ast::CreateSchemaStmt>();
  create->position = Peek().position;
  auto if_not_exists = ParseIfExists(/*with_not=*/true);
  if (!if_not_exists.ok()) return if_not_exists.status();
  create->if_not_exists = *if_not_exists;
  if (!IsKeyword("authorization")) {
    auto name = ParseColumnName();
    if (!name.ok()) return name.status();
    create->name = std::move(*name);
  }
  if (AcceptKeyword("authorization")) {
    auto role = ParseColumnName();
    if (!role.ok()) return role.status();
    if (create->name.empty()) create->name = std::move(*role);
  }
  if (create->name.empty()) return SyntaxError();
  if (!AtEnd() && !IsPunct(";")) {
    return SqlError(sqlstate::kFeatureNotSupported, "CREATE SCHEMA with schema elements is not supported yet",
                    Peek().position);
  }
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kCreateSchema;
  stmt.create_schema = std::move(create);
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseCreateIndex(bool unique) {
  auto create = std::make_unique<ast::CreateIndexStmt>();
  create->unique = unique;
  create->position = Peek().position;
  if (IsKeyword("concurrently")) {
    return SqlError(sqlstate::kFeatureNotSupported, "CREATE INDEX CONCURRENTLY is not supported", Peek().position);
  }
  auto if_not_exists_flag = ParseIfExists(/*with_not=*/true);
  if (!if_not_exists_flag.ok()) return if_not_exists_flag.status();
  create->if_not_exists = *if_not_exists_flag;
  if (!IsKeyword("on")) {
    auto name = ParseName();
    if (!name.ok()) return name.status();
    create->name = std::move(*name);
  } else if (create->if_not_exists) {
    return SyntaxError();  // IF NOT EXISTS needs a name
  }
  RETURN_IF_ERROR(ExpectKeyword("on"));
  AcceptKeyword("only");
  auto table = ParseQualifiedName();
  if (!table.ok()) return table.status();
  create->table = std::move(*table);
  if (AcceptKeyword("using")) {
    const int position = Peek().position;
    auto method = ParseName();
    if (!method.ok()) return method.status();
    if (*method != "btree") {
      return SqlError(sqlstate::kFeatureNotSupported, absl::StrCat("access method \"", *method, "\" is not supported"), position);
    }
  }
  RETURN_IF_ERROR(ExpectPunct("("));
  do {
    auto column = ParseIndexColumn();
    if (!column.ok()) return column.status();
    create->columns.push_back(std::move(*column));
    RETURN_IF_ERROR(CheckListSize(create->columns.size()));
  } while (AcceptPunct(","));
  RETURN_IF_ERROR(ExpectPunct(")"));
  if (IsKeyword("include") || IsKeyword("where")) {
    return SqlError(sqlstate::kFeatureNotSupported,
                    absl::StrCat(IsKeyword("where") ? "partial indexes" : "INCLUDE columns", " are not supported"),
                    Peek().position);
  }
  if (AcceptKeyword("with")) RETURN_IF_ERROR(SkipStorageParameters());
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kCreateIndex;
  stmt.create_index = std::move(create);
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseCreateView(bool or_replace) {
  auto create = std::make_unique<ast::CreateViewStmt>();
  create->or_replace = or_replace;
  auto names = ParseQualifiedName();
  if (!names.ok()) return names.status();
  create->names = std::move(*names);
  if (IsPunct("(")) {
    auto columns = ParseNameList();
    if (!columns.ok()) return columns.status();
    create->columns = std::move(*columns);
  }
  if (AcceptKeyword("with")) RETURN_IF_ERROR(SkipStorageParameters());
  RETURN_IF_ERROR(ExpectKeyword("as"));
  const size_t first = pos_;
  auto query = ParseSelect();
  if (!query.ok()) return query.status();
  create->query_text = TextFrom(first);
  create->query = std::move(*query);
  if (IsKeyword("with")) {
    return SqlError(sqlstate::kFeatureNotSupported, "WITH CHECK OPTION is not supported", Peek().position);
  }
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kCreateView;
  stmt.create_view = std::move(create);
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseCreateSequence() {
  auto create = std::make_unique<ast::CreateSequenceStmt>();
  auto if_not_exists_flag = ParseIfExists(/*with_not=*/true);
  if (!if_not_exists_flag.ok()) return if_not_exists_flag.status();
  create->if_not_exists = *if_not_exists_flag;
  auto names = ParseQualifiedName();
  if (!names.ok()) return names.status();
  create->names = std::move(*names);
  RETURN_IF_ERROR(ParseSequenceOptions(/*alter=*/false, &create->options));
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kCreateSequence;
  stmt.create_sequence = std::move(create);
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseAlter() {
  Advance();  // ALTER
  if (AcceptKeyword("table")) return ParseAlterTable();
  if (!AcceptKeyword("sequence")) return SyntaxError();
  auto alter = std::make_unique<ast::AlterSequenceStmt>();
  auto if_exists_flag = ParseIfExists(/*with_not=*/false);
  if (!if_exists_flag.ok()) return if_exists_flag.status();
  alter->if_exists = *if_exists_flag;
  auto names = ParseQualifiedName();
  if (!names.ok()) return names.status();
  alter->names = std::move(*names);
  RETURN_IF_ERROR(ParseSequenceOptions(/*alter=*/true, &alter->options));
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kAlterSequence;
  stmt.alter_sequence = std::move(alter);
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseSet() {
  Advance();  // SET
  auto set = std::make_unique<ast::SetStmt>();
  if (AcceptKeyword("local")) {
    set->local = true;
  } else {
    AcceptKeyword("session");
  }
  if (IsKeyword("transaction") || IsKeyword("characteristics")) {
    return SqlError(sqlstate::kFeatureNotSupported, "SET TRANSACTION is not supported yet (transactions)", Peek().position);
  }
  if (AcceptKeyword("time")) {
    RETURN_IF_ERROR(ExpectKeyword("zone"));
    set->name = "timezone";
    if (AcceptKeyword("local") || AcceptKeyword("default")) {
      set->to_default = true;
    } else if (Peek().kind == TokenKind::kString || Peek().kind == TokenKind::kIdent || Peek().kind == TokenKind::kInteger) {
      set->values.push_back(Advance().text);
    } else if (IsOperator("+") || IsOperator("-")) {
      const std::string sign = Advance().text;
      if (Peek().kind != TokenKind::kInteger && Peek().kind != TokenKind::kNumeric) return SyntaxError();
      set->values.push_back(sign + Advance().text);
    } else {
      return SyntaxError();
    }
  } else {
    if (AcceptKeyword("names")) {
      set->name = "client_encoding";
    } else {
      auto name = ParseName();
      if (!name.ok()) return name.status();
      set->name = std::move(*name);
      while (AcceptPunct(".")) {  // a custom class.name
        auto part = ParseName();
        if (!part.ok()) return part.status();
        set->name += "." + *part;
      }
      if (!AcceptKeyword("to") && !IsOperator("=")) return SyntaxError();
      if (IsOperator("=")) Advance();
    }
    if (AcceptKeyword("default")) {
      set->to_default = true;
    } else {
      do {
        std::string sign;
        if (IsOperator("-") || IsOperator("+")) sign = Advance().text;
        const Token& t = Peek();
        const bool value = t.kind == TokenKind::kString || t.kind == TokenKind::kIdent ||
                           t.kind == TokenKind::kQuotedIdent || t.kind == TokenKind::kInteger || t.kind == TokenKind::kNumeric;
        if (!value || (!sign.empty() && t.kind != TokenKind::kInteger && t.kind != TokenKind::kNumeric)) return SyntaxError();
        // search_path is a list of names: a quoted one keeps its quotes where SHOW shows them.
        const bool quoted_name = t.kind == TokenKind::kQuotedIdent && absl::AsciiStrToLower(set->name) == "search_path";
        set->values.push_back(quoted_name ? QuoteIdentifier(Advance().text) : sign + Advance().text);
        RETURN_IF_ERROR(CheckListSize(set->values.size()));
      } while (AcceptPunct(","));
    }
  }
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kSet;
  stmt.set = std::move(set);
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseMaintenance() {
  const std::string verb = Advance().text;
  auto m = std::make_unique<ast::MaintenanceStmt>();
  ast::Statement stmt;
  if (verb == "truncate") {
    stmt.kind = ast::Statement::Kind::kTruncate;
    AcceptKeyword("table");
  } else {
    stmt.kind = verb == "vacuum" ? ast::Statement::Kind::kVacuum : ast::Statement::Kind::kAnalyze;
    m->analyze = stmt.kind == ast::Statement::Kind::kAnalyze;
    if (AcceptPunct("(")) {  // (VERBOSE, ANALYZE, FREEZE...): options, ANALYZE the one that matters
      do {
        auto option = ParseName();
        if (!option.ok()) return option.status();
        if (*option == "analyze" || *option == "analyse") m->analyze = true;
        if (!IsPunct(",") && !IsPunct(")")) Advance();  // an option's value (true, 0...)
      } while (AcceptPunct(","));
      RETURN_IF_ERROR(ExpectPunct(")"));
    }
    while (IsKeyword("full") || IsKeyword("freeze") || IsKeyword("verbose") || IsKeyword("analyze") || IsKeyword("analyse")) {
      const std::string word = Advance().text;
      if (word == "analyze" || word == "analyse") m->analyze = true;
    }
  }
  while (!AtEnd() && !IsPunct(";")) {
    AcceptKeyword("only");
    auto name = ParseQualifiedName();
    if (!name.ok()) return name.status();
    m->tables.push_back(std::move(*name));
    RETURN_IF_ERROR(CheckListSize(m->tables.size()));
    if (IsPunct("(") && stmt.kind != ast::Statement::Kind::kTruncate) {  // a column list: every column is analyzed
      auto columns = ParseNameList();
      if (!columns.ok()) return columns.status();
    }
    if (!AcceptPunct(",")) break;
  }
  if (stmt.kind == ast::Statement::Kind::kTruncate) {
    if (m->tables.empty()) return SyntaxError();
    if (AcceptKeyword("restart")) {
      RETURN_IF_ERROR(ExpectKeyword("identity"));
      m->restart_identity = true;
    } else if (AcceptKeyword("continue")) {
      RETURN_IF_ERROR(ExpectKeyword("identity"));
    }
    if (!AcceptKeyword("cascade")) AcceptKeyword("restrict");
  }
  stmt.maintenance = std::move(m);
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseExplain() {
  Advance();  // EXPLAIN
  auto explain = std::make_unique<ast::ExplainStmt>();
  if (AcceptPunct("(")) {
    do {
      const int position = Peek().position;
      auto option = ParseName();
      if (!option.ok()) return option.status();
      bool on = true;
      if (AcceptKeyword("false") || AcceptKeyword("off") || (Peek().kind == TokenKind::kInteger && Peek().text == "0")) {
        on = false;
        if (Peek().kind == TokenKind::kInteger) Advance();
      } else if (!AcceptKeyword("true") && !AcceptKeyword("on")) {
        if (Peek().kind == TokenKind::kInteger) Advance();
      }
      if (*option == "format") {
        auto format = ParseName();
        if (!format.ok()) return format.status();
        if (*format != "text") {
          return SqlError(sqlstate::kFeatureNotSupported, absl::StrCat("EXPLAIN format ", *format, " is not supported"), position);
        }
      } else if (*option == "analyze") {
        explain->analyze = on;
      } else if (*option == "timing") {
        explain->timing = on;
      } else if (*option == "summary") {
        explain->summary = on;
      } else if (*option == "costs") {
        explain->costs = on;
      } else if (*option != "verbose" && *option != "buffers" && *option != "settings" &&
                 *option != "wal") {
        return SqlError(sqlstate::kSyntaxError, absl::StrCat("unrecognized EXPLAIN option \"", *option, "\""), position);
      }
    } while (AcceptPunct(","));
    RETURN_IF_ERROR(ExpectPunct(")"));
  } else {
    if (AcceptKeyword("analyze") || AcceptKeyword("analyse")) explain->analyze = true;
    AcceptKeyword("verbose");
  }
  if (IsKeyword("explain")) return SyntaxError();  // no nesting (and no unbounded recursion)
  auto target = ParseStatement();
  if (!target.ok()) return target.status();
  explain->target = std::make_unique<ast::Statement>(std::move(*target));
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kExplain;
  stmt.explain = std::move(explain);
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseShowOrReset() {
  const bool show = Advance().text == "show";
  auto set = std::make_unique<ast::SetStmt>();
  if (AcceptKeyword("time")) {
    RETURN_IF_ERROR(ExpectKeyword("zone"));
    set->name = "timezone";
  } else if (show && AcceptKeyword("transaction")) {
    RETURN_IF_ERROR(ExpectKeyword("isolation"));
    RETURN_IF_ERROR(ExpectKeyword("level"));
    set->name = "transaction_isolation";
  } else {
    auto name = ParseName();
    if (!name.ok()) return name.status();
    set->name = std::move(*name);
  }
  ast::Statement stmt;
  stmt.kind = show ? ast::Statement::Kind::kShow : ast::Statement::Kind::kReset;
  stmt.set = std::move(set);
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseAlterTable() {
  auto alter = std::make_unique<ast::AlterTableStmt>();
  auto if_exists_flag = ParseIfExists(/*with_not=*/false);
  if (!if_exists_flag.ok()) return if_exists_flag.status();
  alter->if_exists = *if_exists_flag;
  AcceptKeyword("only");
  auto names = ParseQualifiedName();
  if (!names.ok()) return names.status();
  alter->names = std::move(*names);
  if (IsOperator("*")) Advance();
  if (IsKeyword("rename")) {  // alone: RENAME [COLUMN] a TO b | RENAME TO t
    ast::AlterTableCmd cmd;
    cmd.position = Advance().position;
    if (IsKeyword("constraint")) {
      return SqlError(sqlstate::kFeatureNotSupported, "ALTER TABLE ... RENAME CONSTRAINT is not supported", Peek().position);
    }
    if (AcceptKeyword("to")) {
      cmd.kind = ast::AlterTableCmd::Kind::kRenameTable;
    } else {
      AcceptKeyword("column");
      cmd.kind = ast::AlterTableCmd::Kind::kRenameColumn;
      auto from = ParseColumnName();
      if (!from.ok()) return from.status();
      cmd.name = std::move(*from);
      RETURN_IF_ERROR(ExpectKeyword("to"));
    }
    auto to = ParseName();
    if (!to.ok()) return to.status();
    cmd.new_name = std::move(*to);
    alter->cmds.push_back(std::move(cmd));
  } else {
    do {
      auto cmd = ParseAlterTableCmd();
      if (!cmd.ok()) return cmd.status();
      alter->cmds.push_back(std::move(*cmd));
      RETURN_IF_ERROR(CheckListSize(alter->cmds.size()));
    } while (AcceptPunct(","));
  }
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kAlterTable;
  stmt.alter_table = std::move(alter);
  return stmt;
}

absl::Status Parser::SkipParenthesized() {
  RETURN_IF_ERROR(ExpectPunct("("));
  int parens = 1;
  while (parens > 0 && !AtEnd()) {
    if (IsPunct("(")) ++parens;
    if (IsPunct(")")) --parens;
    Advance();
  }
  return parens > 0 ? SyntaxError() : absl::OkStatus();
}

absl::StatusOr<ast::AlterTableCmd> Parser::ParseAlterTableCmd() {
  using Kind = ast::AlterTableCmd::Kind;
  ast::AlterTableCmd cmd;
  cmd.position = Peek().position;
  const auto if_exists = [&](bool with_not) -> absl::Status {
    if (!AcceptKeyword("if")) return absl::OkStatus();
    if (with_not) RETURN_IF_ERROR(ExpectKeyword("not"));
    RETURN_IF_ERROR(ExpectKeyword("exists"));
    cmd.missing_ok = true;
    return absl::OkStatus();
  };
  const auto drop_behavior = [&] {
    if (AcceptKeyword("cascade")) {
      cmd.cascade = true;
    } else {
      AcceptKeyword("restrict");
    }
  };
  if (AcceptKeyword("add")) {
    const bool constraint = IsKeyword("constraint") || IsKeyword("primary") || IsKeyword("unique") || IsKeyword("check") ||
                            IsKeyword("foreign") || IsKeyword("exclude");
    if (constraint) {
      if (IsKeyword("exclude")) {
        return SqlError(sqlstate::kFeatureNotSupported, "EXCLUDE constraints are not supported yet", Peek().position);
      }
      auto c = ParseTableConstraint();
      if (!c.ok()) return c.status();
      cmd.kind = Kind::kAddConstraint;
      cmd.constraint = std::make_unique<ast::TableConstraint>(std::move(*c));
      return cmd;
    }
    AcceptKeyword("column");
    RETURN_IF_ERROR(if_exists(/*with_not=*/true));
    auto column = ParseColumnDef();
    if (!column.ok()) return column.status();
    cmd.kind = Kind::kAddColumn;
    cmd.column = std::make_unique<ast::ColumnDef>(std::move(*column));
    return cmd;
  }
  if (AcceptKeyword("drop")) {
    if (AcceptKeyword("constraint")) {
      cmd.kind = Kind::kDropConstraint;
    } else {
      AcceptKeyword("column");
      cmd.kind = Kind::kDropColumn;
    }
    RETURN_IF_ERROR(if_exists(/*with_not=*/false));
    auto name = ParseName();
    if (!name.ok()) return name.status();
    cmd.name = std::move(*name);
    drop_behavior();
    return cmd;
  }
  if (AcceptKeyword("alter")) {
    AcceptKeyword("column");
    auto name = ParseColumnName();
    if (!name.ok()) return name.status();
    cmd.name = std::move(*name);
    if (AcceptKeyword("type") || (IsKeyword("set") && IsKeyword("data", 1))) {
      if (AcceptKeyword("set")) {
        Advance();  // DATA
        RETURN_IF_ERROR(ExpectKeyword("type"));
      }
      auto type = ParseTypeName();
      if (!type.ok()) return type.status();
      cmd.kind = Kind::kSetType;
      cmd.type = std::move(*type);
      if (AcceptKeyword("using")) {
        const size_t first = pos_;
        auto e = ParseExpr();
        if (!e.ok()) return e.status();
        cmd.expr = std::move(*e);
        cmd.expr_text = TextFrom(first);
      }
      return cmd;
    }
    if (AcceptKeyword("set")) {
      if (AcceptKeyword("default")) {
        const size_t first = pos_;
        auto e = ParseAdditive();
        if (!e.ok()) return e.status();
        cmd.kind = Kind::kSetDefault;
        cmd.expr = std::move(*e);
        cmd.expr_text = TextFrom(first);
        return cmd;
      }
      if (AcceptKeyword("not")) {
        RETURN_IF_ERROR(ExpectKeyword("null"));
        cmd.kind = Kind::kSetNotNull;
        return cmd;
      }
      if (AcceptKeyword("statistics") || AcceptKeyword("storage") || IsPunct("(")) {  // accepted, no effect
        if (IsPunct("(")) RETURN_IF_ERROR(SkipParenthesized());
        else Advance();
        cmd.kind = Kind::kNoop;
        return cmd;
      }
      return SyntaxError();
    }
    if (AcceptKeyword("drop")) {
      if (AcceptKeyword("default")) {
        cmd.kind = Kind::kDropDefault;
        return cmd;
      }
      RETURN_IF_ERROR(ExpectKeyword("not"));
      RETURN_IF_ERROR(ExpectKeyword("null"));
      cmd.kind = Kind::kDropNotNull;
      return cmd;
    }
    return SyntaxError();
  }
  if (AcceptKeyword("owner")) {  // no roles yet: accepted, no effect
    RETURN_IF_ERROR(ExpectKeyword("to"));
    auto role = ParseName();
    if (!role.ok()) return role.status();
    cmd.kind = Kind::kNoop;
    cmd.new_name = std::move(*role);  // the owner: checked against the session's user
    return cmd;
  }
  if (AcceptKeyword("set") || AcceptKeyword("reset")) {  // storage parameters
    if (AcceptKeyword("logged") || AcceptKeyword("unlogged")) return cmd;
    RETURN_IF_ERROR(SkipParenthesized());
    cmd.kind = Kind::kNoop;
    return cmd;
  }
  return SyntaxError();
}

absl::StatusOr<bool> Parser::ParseIfExists(bool with_not) {
  if (!AcceptKeyword("if")) return false;
  if (with_not) RETURN_IF_ERROR(ExpectKeyword("not"));
  RETURN_IF_ERROR(ExpectKeyword("exists"));
  return true;
}

absl::StatusOr<int64_t> Parser::ParseSignedInteger() {
  bool negative = false;
  if (IsOperator("-") || IsOperator("+")) negative = Advance().text == "-";
  const Token& t = Peek();
  if (t.kind != TokenKind::kInteger) return SyntaxError();
  int64_t magnitude = 0;
  for (char c : t.text) {
    const int digit = c - '0';
    if (magnitude > (INT64_MAX - digit) / 10) {
      if (negative && t.text == "9223372036854775808") break;
      return SqlError(sqlstate::kNumericOutOfRange, absl::StrCat("value \"", t.text, "\" is out of range for type bigint"),
                      t.position);
    }
    magnitude = magnitude * 10 + digit;
  }
  Advance();
  if (negative && t.text == "9223372036854775808") return INT64_MIN;
  return negative ? -magnitude : magnitude;
}

absl::Status Parser::ParseSequenceOptions(bool alter, ast::SequenceOptions* out) {
  const auto number = [&](std::optional<int64_t>* slot) -> absl::Status {
    auto v = ParseSignedInteger();
    if (!v.ok()) return v.status();
    *slot = *v;
    return absl::OkStatus();
  };
  while (true) {
    if (AcceptKeyword("as")) {
      auto type = ParseName();
      if (!type.ok()) return type.status();
      out->type = *type;
    } else if (AcceptKeyword("increment")) {
      AcceptKeyword("by");
      RETURN_IF_ERROR(number(&out->increment));
    } else if (AcceptKeyword("minvalue")) {
      RETURN_IF_ERROR(number(&out->min));
    } else if (AcceptKeyword("maxvalue")) {
      RETURN_IF_ERROR(number(&out->max));
    } else if (IsKeyword("no") && (IsKeyword("minvalue", 1) || IsKeyword("maxvalue", 1) || IsKeyword("cycle", 1))) {
      Advance();
      const std::string what = Advance().text;
      if (what == "minvalue") out->no_min = true;
      if (what == "maxvalue") out->no_max = true;
      if (what == "cycle") out->cycle = false;
    } else if (AcceptKeyword("start")) {
      AcceptKeyword("with");
      RETURN_IF_ERROR(number(&out->start));
    } else if (AcceptKeyword("cache")) {
      RETURN_IF_ERROR(number(&out->cache));
    } else if (AcceptKeyword("cycle")) {
      out->cycle = true;
    } else if (alter && AcceptKeyword("restart")) {
      out->restart = true;
      if (AcceptKeyword("with") || Peek().kind == TokenKind::kInteger || IsOperator("-")) RETURN_IF_ERROR(number(&out->restart_with));
    } else if (AcceptKeyword("owned")) {
      RETURN_IF_ERROR(ExpectKeyword("by"));
      auto names = ParseQualifiedName();
      if (!names.ok()) return names.status();
      out->owned_by = std::move(*names);
    } else {
      return absl::OkStatus();
    }
  }
}

// One index column: a name, then an optional direction and NULLS placement (accepted:
// an index serves either direction).
absl::StatusOr<std::string> Parser::ParseIndexColumn() {
  if (IsPunct("(")) return SqlError(sqlstate::kFeatureNotSupported, "indexes on expressions are not supported", Peek().position);
  auto name = ParseColumnName();
  if (!name.ok()) return name.status();
  if (IsPunct("(") || IsPunct(".")) {
    return SqlError(sqlstate::kFeatureNotSupported, "indexes on expressions are not supported", Peek().position);
  }
  if (!AcceptKeyword("asc")) AcceptKeyword("desc");
  if (AcceptKeyword("nulls")) {
    if (!AcceptKeyword("first")) RETURN_IF_ERROR(ExpectKeyword("last"));
  }
  return name;
}

absl::StatusOr<ast::Statement> Parser::ParseCreateTable() {
  Advance();  // TABLE
  auto create = std::make_unique<ast::CreateTableStmt>();
  auto if_not_exists_flag = ParseIfExists(/*with_not=*/true);
  if (!if_not_exists_flag.ok()) return if_not_exists_flag.status();
  create->if_not_exists = *if_not_exists_flag;
  auto names = ParseQualifiedName();
  if (!names.ok()) return names.status();
  create->names = std::move(*names);
  RETURN_IF_ERROR(ExpectPunct("("));
  if (!IsPunct(")")) {
    do {
      const bool constraint = IsKeyword("constraint") || IsKeyword("primary") || IsKeyword("unique") || IsKeyword("check") ||
                              IsKeyword("foreign");
      if (constraint) {
        auto c = ParseTableConstraint();
        if (!c.ok()) return c.status();
        create->constraints.push_back(std::move(*c));
      } else {
        auto column = ParseColumnDef();
        if (!column.ok()) return column.status();
        create->columns.push_back(std::move(*column));
      }
      RETURN_IF_ERROR(CheckListSize(create->columns.size()));
    } while (AcceptPunct(","));
  }
  RETURN_IF_ERROR(ExpectPunct(")"));
  if (AcceptKeyword("with")) RETURN_IF_ERROR(SkipStorageParameters());
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kCreateTable;
  stmt.create_table = std::move(create);
  return stmt;
}

// WITH (fillfactor=...): storage parameters, accepted and not used.
absl::Status Parser::SkipStorageParameters() {
  RETURN_IF_ERROR(ExpectPunct("("));
  int parens = 1;
  while (parens > 0 && !AtEnd()) {
    if (IsPunct("(")) ++parens;
    if (IsPunct(")")) --parens;
    Advance();
  }
  if (parens > 0) return SyntaxError();
  return absl::OkStatus();
}

absl::StatusOr<ast::ColumnDef> Parser::ParseColumnDef() {
  ast::ColumnDef column;
  column.position = Peek().position;
  auto name = ParseColumnName();
  if (!name.ok()) return name.status();
  column.name = std::move(*name);
  auto type = ParseTypeName();
  if (!type.ok()) return type.status();
  column.type = std::move(*type);
  while (true) {
    std::string constraint_name;
    const int constraint_position = Peek().position;
    if (AcceptKeyword("constraint")) {
      auto n = ParseName();
      if (!n.ok()) return n.status();
      constraint_name = std::move(*n);
    }
    if (AcceptKeyword("references")) {
      ast::TableConstraint fk;
      fk.kind = ast::TableConstraint::Kind::kForeignKey;
      fk.name = std::move(constraint_name);
      fk.position = constraint_position;
      fk.columns.push_back(column.name);
      RETURN_IF_ERROR(ParseReferences(&fk.references));
      column.references.push_back(std::move(fk));
    } else if (AcceptKeyword("not")) {
      RETURN_IF_ERROR(ExpectKeyword("null"));
      column.not_null = true;
    } else if (AcceptKeyword("null")) {
      column.not_null = false;
    } else if (AcceptKeyword("primary")) {
      RETURN_IF_ERROR(ExpectKeyword("key"));
      column.primary_key = true;
    } else if (AcceptKeyword("unique")) {
      column.unique = true;
    } else if (AcceptKeyword("default")) {
      const size_t first = pos_;
      auto e = ParseAdditive();  // b_expr: no boolean operators without parentheses
      if (!e.ok()) return e.status();
      column.default_expr = std::move(*e);
      column.default_text = TextFrom(first);
    } else if (AcceptKeyword("check")) {
      RETURN_IF_ERROR(ExpectPunct("("));
      const size_t first = pos_;
      auto e = ParseExpr();
      if (!e.ok()) return e.status();
      column.check_text = TextFrom(first);
      RETURN_IF_ERROR(ExpectPunct(")"));
      column.check = std::move(*e);
    } else if (AcceptKeyword("generated")) {
      if (AcceptKeyword("always")) {
        column.identity = 'a';
      } else {
        RETURN_IF_ERROR(ExpectKeyword("by"));
        RETURN_IF_ERROR(ExpectKeyword("default"));
        column.identity = 'd';
      }
      RETURN_IF_ERROR(ExpectKeyword("as"));
      if (IsPunct("(")) {
        return SqlError(sqlstate::kFeatureNotSupported, "generated columns are not supported", Peek().position);
      }
      RETURN_IF_ERROR(ExpectKeyword("identity"));
      if (AcceptPunct("(")) {
        RETURN_IF_ERROR(ParseSequenceOptions(/*alter=*/false, &column.identity_options));
        RETURN_IF_ERROR(ExpectPunct(")"));
      }
    } else {
      break;
    }
  }
  return column;
}

absl::StatusOr<ast::TableConstraint> Parser::ParseTableConstraint() {
  ast::TableConstraint c;
  c.position = Peek().position;
  if (AcceptKeyword("constraint")) {
    auto name = ParseName();
    if (!name.ok()) return name.status();
    c.name = std::move(*name);
  }
  if (AcceptKeyword("primary")) {
    RETURN_IF_ERROR(ExpectKeyword("key"));
    c.kind = ast::TableConstraint::Kind::kPrimaryKey;
  } else if (AcceptKeyword("unique")) {
    c.kind = ast::TableConstraint::Kind::kUnique;
  } else if (AcceptKeyword("check")) {
    c.kind = ast::TableConstraint::Kind::kCheck;
    RETURN_IF_ERROR(ExpectPunct("("));
    const size_t first = pos_;
    auto e = ParseExpr();
    if (!e.ok()) return e.status();
    c.check_text = TextFrom(first);
    RETURN_IF_ERROR(ExpectPunct(")"));
    c.check = std::move(*e);
    return c;
  } else if (AcceptKeyword("foreign")) {
    RETURN_IF_ERROR(ExpectKeyword("key"));
    c.kind = ast::TableConstraint::Kind::kForeignKey;
    auto columns = ParseNameList();
    if (!columns.ok()) return columns.status();
    c.columns = std::move(*columns);
    RETURN_IF_ERROR(ExpectKeyword("references"));
    RETURN_IF_ERROR(ParseReferences(&c.references));
    return c;
  } else {
    return SyntaxError();
  }
  auto columns = ParseNameList();
  if (!columns.ok()) return columns.status();
  c.columns = std::move(*columns);
  return c;
}

// REFERENCES table [(columns)] [MATCH SIMPLE|FULL] [ON DELETE action] [ON UPDATE action]
// [[NOT] DEFERRABLE] [INITIALLY DEFERRED|IMMEDIATE]: a statement is its own transaction
// until transactions land, so deferral changes nothing yet.
absl::Status Parser::ParseReferences(ast::ForeignKeyClause* fk) {
  auto table = ParseQualifiedName();
  if (!table.ok()) return table.status();
  fk->table = std::move(*table);
  if (IsPunct("(")) {
    auto columns = ParseNameList();
    if (!columns.ok()) return columns.status();
    fk->ref_columns = std::move(*columns);
  }
  if (AcceptKeyword("match")) {
    if (IsKeyword("full") || IsKeyword("partial")) {
      return SqlError(sqlstate::kFeatureNotSupported, "MATCH FULL and MATCH PARTIAL are not supported yet", Peek().position);
    }
    RETURN_IF_ERROR(ExpectKeyword("simple"));
  }
  while (true) {
    if (AcceptKeyword("on")) {
      const bool on_delete = AcceptKeyword("delete");
      if (!on_delete) RETURN_IF_ERROR(ExpectKeyword("update"));
      char action = 0;
      if (AcceptKeyword("cascade")) {
        action = 'c';
      } else if (AcceptKeyword("restrict")) {
        action = 'r';
      } else if (AcceptKeyword("no")) {
        RETURN_IF_ERROR(ExpectKeyword("action"));
        action = 'a';
      } else if (AcceptKeyword("set")) {
        action = AcceptKeyword("null") ? 'n' : 'd';
        if (action == 'd') RETURN_IF_ERROR(ExpectKeyword("default"));
      } else {
        return SyntaxError();
      }
      (on_delete ? fk->on_delete : fk->on_update) = action;
    } else if (AcceptKeyword("deferrable")) {
    } else if (IsKeyword("not") && IsKeyword("deferrable", 1)) {
      Advance();
      Advance();
    } else if (AcceptKeyword("initially")) {
      if (!AcceptKeyword("deferred")) RETURN_IF_ERROR(ExpectKeyword("immediate"));
    } else {
      return absl::OkStatus();
    }
  }
}

absl::StatusOr<ast::Statement> Parser::ParseComment() {
  Advance();  // COMMENT
  Advance();  // ON
  auto comment = std::make_unique<ast::CommentStmt>();
  comment->position = Peek().position;
  using Object = ast::CommentStmt::Object;
  static constexpr std::pair<std::string_view, Object> kObjects[] = {
      {"table", Object::kTable}, {"view", Object::kView}, {"index", Object::kIndex},
      {"sequence", Object::kSequence}, {"schema", Object::kSchema}, {"column", Object::kColumn}};
  bool known = false;
  for (const auto& [keyword, object] : kObjects) {
    if (AcceptKeyword(keyword)) {
      comment->object = object;
      known = true;
      break;
    }
  }
  if (!known) {
    if (Peek().kind == TokenKind::kIdent) {
      return SqlError(sqlstate::kFeatureNotSupported,
                      absl::StrCat("COMMENT ON ", absl::AsciiStrToUpper(Peek().text), " is not supported yet"),
                      Peek().position);
    }
    return SyntaxError();
  }
  auto names = ParseQualifiedName();
  if (!names.ok()) return names.status();
  comment->names = std::move(*names);
  if (comment->object == Object::kColumn && comment->names.size() < 2) return SyntaxError();
  RETURN_IF_ERROR(ExpectKeyword("is"));
  if (AcceptKeyword("null")) {
    comment->text = std::nullopt;
  } else if (Peek().kind == TokenKind::kString) {
    comment->text = Advance().text;
  } else {
    return SyntaxError();
  }
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kComment;
  stmt.comment = std::move(comment);
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseDrop() {
  Advance();  // DROP
  auto drop = std::make_unique<ast::DropStmt>();
  if (AcceptKeyword("table")) {
    drop->object = ast::DropStmt::Object::kTable;
  } else if (AcceptKeyword("sequence")) {
    drop->object = ast::DropStmt::Object::kSequence;
  } else if (AcceptKeyword("view")) {
    drop->object = ast::DropStmt::Object::kView;
  } else if (AcceptKeyword("schema")) {
    drop->object = ast::DropStmt::Object::kSchema;
  } else if (AcceptKeyword("index")) {
    drop->object = ast::DropStmt::Object::kIndex;
    if (IsKeyword("concurrently")) {
      return SqlError(sqlstate::kFeatureNotSupported, "DROP INDEX CONCURRENTLY is not supported", Peek().position);
    }
  } else {
    return SyntaxError();
  }
  auto if_exists_flag = ParseIfExists(/*with_not=*/false);
  if (!if_exists_flag.ok()) return if_exists_flag.status();
  drop->if_exists = *if_exists_flag;
  do {
    auto names = ParseQualifiedName();
    if (!names.ok()) return names.status();
    drop->names.push_back(std::move(*names));
    RETURN_IF_ERROR(CheckListSize(drop->names.size()));
  } while (AcceptPunct(","));
  if (AcceptKeyword("cascade")) {
    drop->cascade = true;
  } else {
    AcceptKeyword("restrict");
  }
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kDrop;
  stmt.drop = std::move(drop);
  return stmt;
}

absl::StatusOr<std::vector<ast::SelectItem>> Parser::ParseReturning() {
  if (!AcceptKeyword("returning")) return std::vector<ast::SelectItem>();
  return ParseTargetList();
}

absl::StatusOr<ast::Statement> Parser::ParseInsert() {
  Advance();  // INSERT
  RETURN_IF_ERROR(ExpectKeyword("into"));
  auto insert = std::make_unique<ast::InsertStmt>();
  auto table = ParseQualifiedName();
  if (!table.ok()) return table.status();
  insert->table = std::move(*table);
  if (AcceptKeyword("as")) {
    auto alias = ParseName();
    if (!alias.ok()) return alias.status();
    insert->alias = std::move(*alias);
  }
  if (IsPunct("(") && !StartsSelect(1)) {
    auto columns = ParseNameList();
    if (!columns.ok()) return columns.status();
    insert->columns = std::move(*columns);
  }
  if (AcceptKeyword("overriding")) {
    if (AcceptKeyword("system")) {
      insert->overriding_system = true;
    } else {
      RETURN_IF_ERROR(ExpectKeyword("user"));
      insert->overriding_user = true;
    }
    RETURN_IF_ERROR(ExpectKeyword("value"));
  }
  if (AcceptKeyword("default")) {
    RETURN_IF_ERROR(ExpectKeyword("values"));
  } else {
    auto source = ParseSelect();
    if (!source.ok()) return source.status();
    insert->source = std::move(*source);
  }
  if (IsKeyword("on") && IsKeyword("conflict", 1)) {
    Advance();
    Advance();
    auto conflict = std::make_unique<ast::OnConflict>();
    conflict->position = Peek().position;
    if (AcceptKeyword("on")) {
      RETURN_IF_ERROR(ExpectKeyword("constraint"));
      auto name = ParseName();
      if (!name.ok()) return name.status();
      conflict->constraint = std::move(*name);
    } else if (IsPunct("(")) {
      auto columns = ParseNameList();
      if (!columns.ok()) return columns.status();
      conflict->target = std::move(*columns);
      if (IsKeyword("where")) {
        return SqlError(sqlstate::kFeatureNotSupported, "ON CONFLICT (...) WHERE (partial index inference) is not supported",
                        Peek().position);
      }
    }
    RETURN_IF_ERROR(ExpectKeyword("do"));
    if (AcceptKeyword("update")) {
      RETURN_IF_ERROR(ExpectKeyword("set"));
      conflict->do_update = true;
      RETURN_IF_ERROR(ParseSetClauses(&conflict->sets));
      if (AcceptKeyword("where")) {
        auto where = ParseExpr();
        if (!where.ok()) return where.status();
        conflict->where = std::move(*where);
      }
    } else {
      RETURN_IF_ERROR(ExpectKeyword("nothing"));
    }
    insert->on_conflict = std::move(conflict);
  }
  auto returning = ParseReturning();
  if (!returning.ok()) return returning.status();
  insert->returning = std::move(*returning);
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kInsert;
  stmt.insert = std::move(insert);
  return stmt;
}

absl::Status Parser::ParseSetClauses(std::vector<ast::SetClause>* sets) {
  do {
    ast::SetClause set;
    set.position = Peek().position;
    auto column = ParseName();
    if (!column.ok()) return column.status();
    set.column = std::move(*column);
    if (!IsOperator("=")) return SyntaxError();
    Advance();
    if (IsKeyword("default")) {
      set.value = MakeExpr(ast::ExprKind::kDefault, Advance().position);
    } else {
      auto value = ParseExpr();
      if (!value.ok()) return value.status();
      set.value = std::move(*value);
    }
    sets->push_back(std::move(set));
    RETURN_IF_ERROR(CheckListSize(sets->size()));
  } while (AcceptPunct(","));
  return absl::OkStatus();
}

absl::StatusOr<ast::Statement> Parser::ParseUpdate() {
  Advance();  // UPDATE
  auto update = std::make_unique<ast::UpdateStmt>();
  AcceptKeyword("only");
  auto table = ParseQualifiedName();
  if (!table.ok()) return table.status();
  update->table = std::move(*table);
  auto alias = ParseOptionalAlias(true);
  if (!alias.ok()) return alias.status();
  update->alias = std::move(*alias);
  RETURN_IF_ERROR(ExpectKeyword("set"));
  RETURN_IF_ERROR(ParseSetClauses(&update->sets));
  if (AcceptKeyword("from")) {
    auto from = ParseFromList();
    if (!from.ok()) return from.status();
    update->from = std::move(*from);
  }
  if (AcceptKeyword("where")) {
    auto where = ParseExpr();
    if (!where.ok()) return where.status();
    update->where = std::move(*where);
  }
  auto returning = ParseReturning();
  if (!returning.ok()) return returning.status();
  update->returning = std::move(*returning);
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kUpdate;
  stmt.update = std::move(update);
  return stmt;
}

absl::StatusOr<ast::Statement> Parser::ParseDelete() {
  Advance();  // DELETE
  RETURN_IF_ERROR(ExpectKeyword("from"));
  auto del = std::make_unique<ast::DeleteStmt>();
  AcceptKeyword("only");
  auto table = ParseQualifiedName();
  if (!table.ok()) return table.status();
  del->table = std::move(*table);
  auto alias = ParseOptionalAlias(true);
  if (!alias.ok()) return alias.status();
  del->alias = std::move(*alias);
  if (AcceptKeyword("using")) {
    auto using_tables = ParseFromList();
    if (!using_tables.ok()) return using_tables.status();
    del->using_tables = std::move(*using_tables);
  }
  if (AcceptKeyword("where")) {
    auto where = ParseExpr();
    if (!where.ok()) return where.status();
    del->where = std::move(*where);
  }
  auto returning = ParseReturning();
  if (!returning.ok()) return returning.status();
  del->returning = std::move(*returning);
  ast::Statement stmt;
  stmt.kind = ast::Statement::Kind::kDelete;
  stmt.del = std::move(del);
  return stmt;
}

}  // namespace internal

absl::StatusOr<std::vector<ast::Statement>> Parse(std::string_view sql) {
  auto tokens = Lex(sql);
  if (!tokens.ok()) return tokens.status();
  internal::Parser parser(sql, std::move(*tokens));
  return parser.ParseAll();
}

}  // namespace quanta::sql
