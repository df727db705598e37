// Parser: PostgreSQL's lexical rules, precedence and error positions, and the limits
// that keep deep or long input from overflowing the stack.
#include "sql/parser/parser.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sql/common/sql_error.h"
#include "sql/parser/lexer.h"

namespace quanta::sql {
namespace {

// Renders an expression tree with explicit parentheses, to check precedence.
std::string Show(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::kLiteral: return e.text;
    case ast::ExprKind::kColumnRef: {
      std::string s;
      for (const auto& n : e.names) s += (s.empty() ? "" : ".") + n;
      return s;
    }
    case ast::ExprKind::kUnary: return absl::StrCat("(", e.text, " ", Show(*e.args[0]), ")");
    case ast::ExprKind::kBinary: return absl::StrCat("(", Show(*e.args[0]), " ", e.text, " ", Show(*e.args[1]), ")");
    case ast::ExprKind::kIsNull: return absl::StrCat("(", Show(*e.args[0]), e.negated ? " IS NOT NULL)" : " IS NULL)");
    case ast::ExprKind::kCast: return absl::StrCat("(", Show(*e.args[0]), "::", e.type.name, ")");
    case ast::ExprKind::kBetween:
      return absl::StrCat("(", Show(*e.args[0]), " BETWEEN ", Show(*e.args[1]), " AND ", Show(*e.args[2]), ")");
    case ast::ExprKind::kFunc: {
      std::string s = absl::StrCat(e.names.back(), "(");
      for (size_t i = 0; i < e.args.size(); ++i) s += (i ? ", " : "") + Show(*e.args[i]);
      return s + ")";
    }
    default: return "?";
  }
}

std::string ParseExpr(const std::string& expr) {
  auto stmts = Parse("SELECT " + expr);
  if (!stmts.ok()) return std::string(stmts.status().message());
  return Show(*(*stmts)[0].select->targets[0].expr);
}

TEST(LexerTest, IdentifiersFoldUnlessQuotedAndStringsFollowPostgresEscapes) {
  auto tokens = Lex("SELECT \"MixedCase\", Folded, 'it''s', E'a\\tb\\x41', $$dollar 'q'$$, $x$y$x$, U&'\\0041'");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  const auto& t = *tokens;
  EXPECT_EQ(t[1].text, "MixedCase");
  EXPECT_EQ(t[1].kind, TokenKind::kQuotedIdent);
  EXPECT_EQ(t[3].text, "folded");
  EXPECT_EQ(t[5].text, "it's");
  EXPECT_EQ(t[7].text, "a\tbA");
  EXPECT_EQ(t[9].text, "dollar 'q'");
  EXPECT_EQ(t[11].text, "y");
  EXPECT_EQ(t[13].text, "A");
}

TEST(LexerTest, AdjacentLiteralsOnSeparateLinesConcatenate) {
  auto tokens = Lex("SELECT 'foo'\n  'bar'");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ((*tokens)[1].text, "foobar");
  EXPECT_FALSE(Parse("SELECT 'foo' 'bar'").ok());  // on one line: a syntax error, as in PostgreSQL
}

TEST(LexerTest, OperatorsEndingInPlusOrMinusSplitAsPostgresDoes) {
  auto tokens = Lex("a=-1 b<>-2 c@-3 d--comment\n");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ((*tokens)[1].text, "=");
  EXPECT_EQ((*tokens)[2].text, "-");
  EXPECT_EQ((*tokens)[5].text, "<>");
  EXPECT_EQ((*tokens)[9].text, "@-");  // holds a special character: kept whole
  EXPECT_EQ((*tokens)[11].kind, TokenKind::kIdent);
  EXPECT_EQ((*tokens)[12].kind, TokenKind::kEnd);
}

TEST(LexerTest, NestedBlockCommentsAndUnterminatedInputAreErrorsWithPositions) {
  EXPECT_TRUE(Lex("SELECT /* a /* b */ c */ 1").ok());
  auto bad = Lex("SELECT 'abc");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(SqlStateOf(bad.status()), "42601");
  EXPECT_EQ(PositionOf(bad.status()), 8);
  EXPECT_EQ(bad.status().message(), "unterminated quoted string");
  EXPECT_FALSE(Lex("SELECT /* never closed").ok());
  EXPECT_FALSE(Lex("SELECT 123abc").ok());
}

// Statement text and literals must be UTF-8 (22021 names the bad bytes), so no name
// or value that is not text gets past the lexer — into the catalog least of all.
TEST(LexerTest, InvalidUtf8IsRefusedWith22021NamingTheBytes) {
  const auto state = [](std::string sql) {
    auto r = Lex(sql);
    return r.ok() ? std::string("ok") : SqlStateOf(r.status()) + " " + std::string(r.status().message());
  };
  EXPECT_EQ(state("SELECT 'caf\xc3\xa9', \"\xe2\x82\xac\", '\xf0\x9f\x98\x80'"), "ok");
  EXPECT_EQ(state("CREATE TABLE \"t\xff\" (a int)"), "22021 invalid byte sequence for encoding \"UTF8\": 0xff");
  EXPECT_EQ(state("SELECT '\xc3\x28'"), "22021 invalid byte sequence for encoding \"UTF8\": 0xc3 0x28");
  EXPECT_EQ(state("SELECT '\xc0\xaf'"), "22021 invalid byte sequence for encoding \"UTF8\": 0xc0 0xaf");  // overlong
  EXPECT_EQ(state("SELECT '\xed\xa0\x80'"), "22021 invalid byte sequence for encoding \"UTF8\": 0xed 0xa0 0x80");  // surrogate
  EXPECT_EQ(state("SELECT '\xf4\x90\x80\x80'"), "22021 invalid byte sequence for encoding \"UTF8\": 0xf4 0x90 0x80 0x80");
  EXPECT_EQ(state("SELECT 'ab\xe2\x82'"), "22021 invalid byte sequence for encoding \"UTF8\": 0xe2 0x82 0x27");  // cut short
  EXPECT_EQ(state(std::string("SELECT 'a\0b'", 12)), "22021 invalid byte sequence for encoding \"UTF8\": 0x00");
  EXPECT_EQ(state("SELECT E'\\xff'"), "22021 invalid byte sequence for encoding \"UTF8\": 0xff");
  EXPECT_EQ(state("SELECT E'\\xc3\\xa9'"), "ok");
  EXPECT_EQ(state("SELECT U&'\\D800'"), "22021 invalid byte sequence for encoding \"UTF8\": 0xed 0xa0 0x80");
}

TEST(ParserTest, PrecedenceFollowsPostgres) {
  EXPECT_EQ(ParseExpr("1 + 2 * 3"), "(1 + (2 * 3))");
  EXPECT_EQ(ParseExpr("- 2 ^ 2"), "(-2 ^ 2)");
  EXPECT_EQ(ParseExpr("a OR b AND NOT c"), "(a or (b and (not c)))");
  EXPECT_EQ(ParseExpr("a = b IS NULL"), "((a = b) IS NULL)");
  EXPECT_EQ(ParseExpr("a < b + 1"), "(a < (b + 1))");
  EXPECT_EQ(ParseExpr("x BETWEEN 1 AND 2 AND y"), "((x BETWEEN 1 AND 2) and y)");
  EXPECT_EQ(ParseExpr("'a' || 'b' = 'ab'"), "((a || b) = ab)");
  EXPECT_EQ(ParseExpr("-x::int"), "(- (x::int))");
  EXPECT_EQ(ParseExpr("a - b - c"), "((a - b) - c)");
  EXPECT_EQ(ParseExpr("2 ^ 3 ^ 2"), "((2 ^ 3) ^ 2)");
}

TEST(ParserTest, ComparisonsDoNotAssociate) {
  auto r = Parse("SELECT 1 = 1 = true");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(SqlStateOf(r.status()), "42601");
}

TEST(ParserTest, SyntaxErrorsNameTheTokenAndItsPosition) {
  auto r = Parse("SELECT * FROM t WHERE");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "syntax error at end of input");
  EXPECT_EQ(PositionOf(r.status()), 22);
  r = Parse("SELEC 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "syntax error at or near \"selec\"");
  EXPECT_EQ(PositionOf(r.status()), 1);
  r = Parse("SELECT 1 FROM t x y");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "syntax error at or near \"y\"");
  EXPECT_EQ(PositionOf(r.status()), 19);
}

TEST(ParserTest, SpecialFunctionFormsBecomeCalls) {
  EXPECT_EQ(ParseExpr("CAST(a AS bigint)"), "(a::bigint)");
  EXPECT_EQ(ParseExpr("substring('abc' FROM 2 FOR 1)"), "substring(abc, 2, 1)");
  EXPECT_EQ(ParseExpr("trim(leading 'x' FROM s)"), "ltrim(s, x)");
  EXPECT_EQ(ParseExpr("position('b' IN 'abc')"), "position(b, abc)");
  EXPECT_EQ(ParseExpr("current_date"), "current_date()");
}

TEST(ParserTest, StatementsOfEveryKindParse) {
  const char* sql =
      "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x', "
      "price numeric(10,2) CHECK (price > 0), UNIQUE (name)) WITH (fillfactor=90);"
      "INSERT INTO t (id, name) VALUES (1, 'a'), (2, DEFAULT) RETURNING id;"
      "UPDATE t SET name = 'b' WHERE id = 1;"
      "DELETE FROM t WHERE id > 1 RETURNING *;"
      "SELECT DISTINCT a, count(*) FILTER (WHERE b) FROM t AS x LEFT JOIN u USING (id) "
      "WHERE x.a IN (1, 2) GROUP BY a HAVING count(*) > 1 ORDER BY 1 DESC NULLS LAST LIMIT 5 OFFSET 2;"
      "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r;"
      "SELECT row_number() OVER (PARTITION BY a ORDER BY b ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t;"
      "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id) AND t.a = ANY (ARRAY[1, 2]);"
      "VALUES (1), (2) EXCEPT SELECT 2 INTERSECT SELECT 3;"
      "DROP TABLE IF EXISTS t, u CASCADE;";
  auto r = Parse(sql);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 10u);
  EXPECT_EQ((*r)[0].create_table->columns.size(), 3u);
  EXPECT_EQ((*r)[0].create_table->constraints.size(), 1u);
  EXPECT_EQ((*r)[1].insert->source->values.size(), 2u);
  EXPECT_EQ((*r)[4].select->targets.size(), 2u);
  EXPECT_TRUE((*r)[5].select->recursive);
  // INTERSECT binds tighter than EXCEPT.
  EXPECT_EQ((*r)[8].select->op, ast::SetOp::kExcept);
  EXPECT_EQ((*r)[8].select->right->op, ast::SetOp::kIntersect);
  EXPECT_EQ((*r)[9].drop->names.size(), 2u);
}

TEST(ParserTest, DeepNestingIsRefusedNotAStackOverflow) {
  const std::string deep = "SELECT " + std::string(100000, '(') + "1" + std::string(100000, ')');
  auto r = Parse(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(SqlStateOf(r.status()), "54001");
  std::string chain = "SELECT 1";
  for (int i = 0; i < 50000; ++i) chain += " + 1";
  r = Parse(chain);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(SqlStateOf(r.status()), "54001");
  std::string unary = "SELECT ";
  for (int i = 0; i < 50000; ++i) unary += "- ";
  r = Parse(unary + "1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(SqlStateOf(r.status()), "54001");
  std::string nots = "SELECT ";
  for (int i = 0; i < 50000; ++i) nots += "NOT ";
  r = Parse(nots + "true");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(SqlStateOf(r.status()), "54001");
}

TEST(ParserTest, OversizedStatementIsRefused) {
  const std::string big = "SELECT '" + std::string(kMaxStatementBytes, 'x') + "'";
  auto r = Parse(big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(SqlStateOf(r.status()), "54001");
}

}  // namespace
}  // namespace quanta::sql
