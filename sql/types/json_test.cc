// json / jsonb: the expected answers are PostgreSQL 15.18's, taken from a scratch server
// (errors with \set VERBOSITY verbose for the SQLSTATE and DETAIL).
#include "sql/types/json.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sql/common/sql_error.h"

namespace quanta::sql {
namespace {

// "SQLSTATE: message | detail" for an error, for one-line expectations.
std::string Describe(const absl::Status& status) {
  return SqlStateOf(status) + ": " + std::string(status.message()) + " | " + DetailOf(status);
}

std::string Jsonb(std::string_view text) {
  auto out = NormalizeJsonb(text);
  return out.ok() ? *out : Describe(out.status());
}

std::string JsonbDetail(std::string_view text) {
  auto out = NormalizeJsonb(text);
  return out.ok() ? "ok" : DetailOf(out.status());
}

// Renders an operator's answer: the text, "NULL", or the error.
std::string Show(const absl::StatusOr<std::optional<std::string>>& result) {
  if (!result.ok()) return Describe(result.status());
  return result->has_value() ? **result : "NULL";
}

std::string Field(std::string_view doc, std::string_view key, bool as_text, bool jsonb) {
  return Show(JsonField(doc, key, as_text, jsonb));
}
std::string Element(std::string_view doc, int64_t index, bool as_text, bool jsonb) {
  return Show(JsonElement(doc, index, as_text, jsonb));
}
std::string Path(std::string_view doc, const std::vector<std::string>& path, bool as_text, bool jsonb) {
  return Show(JsonPath(doc, path, as_text, jsonb));
}

bool Contains(std::string_view a, std::string_view b) {
  auto result = JsonbContains(a, b);
  EXPECT_TRUE(result.ok()) << a << " @> " << b << ": " << result.status();
  return result.ok() && *result;
}

bool Exists(std::string_view doc, std::string_view key) {
  auto result = JsonbExists(doc, key);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() && *result;
}

int Compare(std::string_view a, std::string_view b) {
  auto result = JsonbCompare(a, b);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : 99;
}

TEST(JsonTest, SyntaxErrorsCarryPostgresDetail) {
  const struct {
    const char* text;
    const char* detail;
  } cases[] = {
      {"", "The input string ended unexpectedly."},
      {"   ", "The input string ended unexpectedly."},
      {"[1", "The input string ended unexpectedly."},
      {"{\"a\"", "The input string ended unexpectedly."},
      {"[1,]", "Expected JSON value, but found \"]\"."},
      {"[,1]", "Expected JSON value, but found \",\"."},
      {"{\"a\":1,}", "Expected string, but found \"}\"."},
      {"{\"a\" 1}", "Expected \":\", but found \"1\"."},
      {"{\"a\":1 \"b\"}", "Expected \",\" or \"}\", but found \"\"b\"\"."},
      {"{\"a\":1]", "Expected \",\" or \"}\", but found \"]\"."},
      {"[1 2]", "Expected \",\" or \"]\", but found \"2\"."},
      {"[1}", "Expected \",\" or \"]\", but found \"}\"."},
      {"[1] 2", "Expected end of input, but found \"2\"."},
      {"true false", "Expected end of input, but found \"false\"."},
      {"{,}", "Expected string or \"}\", but found \",\"."},
      {"{1:2}", "Expected string or \"}\", but found \"1\"."},
      {"x", "Token \"x\" is invalid."},
      {"tru", "Token \"tru\" is invalid."},
      {"\xc3\xa9", "Token \"\xc3\xa9\" is invalid."},
      {"01", "Token \"01\" is invalid."},
      {"-", "Token \"-\" is invalid."},
      {"1.", "Token \"1.\" is invalid."},
      {".5", "Token \".\" is invalid."},
      {"+1", "Token \"+\" is invalid."},
      {"1e", "Token \"1e\" is invalid."},
      {"[1x]", "Token \"1x\" is invalid."},
      {"\"abc", "Token \"\"abc\" is invalid."},
      {"\"\\u00", "Token \"\"\\u00\" is invalid."},
      {"\"\\", "Token \"\"\\\" is invalid."},
      {"\"\\x\"", "Escape sequence \"\\x\" is invalid."},
      {"\"\\\xc3\xa9\"", "Escape sequence \"\\\xc3\xa9\" is invalid."},
      {"\"\\u00zz\"", "\"\\u\" must be followed by four hexadecimal digits."},
      {"\"a\nb\"", "Character with value 0x0a must be escaped."},
      {"\"a\x1f\"", "Character with value 0x1f must be escaped."},
  };
  for (const auto& c : cases) {
    for (const bool jsonb : {false, true}) {
      const absl::Status status = jsonb ? NormalizeJsonb(c.text).status() : NormalizeJson(c.text).status();
      ASSERT_FALSE(status.ok()) << c.text;
      EXPECT_EQ(SqlStateOf(status), "22P02") << c.text;
      EXPECT_EQ(status.message(), "invalid input syntax for type json") << c.text;
      EXPECT_EQ(DetailOf(status), c.detail) << c.text << (jsonb ? " as jsonb" : " as json");
    }
  }
}

TEST(JsonTest, JsonKeepsItsTextVerbatim) {
  for (const char* text : {" {\"b\" : 1, \"b\":[1.50 ,1e2 ], \"a\":null} ", "\"\\u0000\"", "\"\\ud800\"",
                           "[\"\\udc00\\ud800\"]", "-0", "\t\r\n1\n"}) {
    auto out = NormalizeJson(text);
    ASSERT_TRUE(out.ok()) << text << ": " << out.status();
    EXPECT_EQ(*out, text);
  }
}

TEST(JsonTest, UnicodeEscapes) {
  EXPECT_EQ(Jsonb("\"\\u00e9\""), "\"\xc3\xa9\"");
  EXPECT_EQ(Jsonb("\"\\u20AC\""), "\"\xe2\x82\xac\"");
  EXPECT_EQ(Jsonb("\"\\ud83d\\ude00\""), "\"\xf0\x9f\x98\x80\"");
  EXPECT_EQ(Jsonb("\"\\u0041\\u001f\\u007f\""), "\"A\\u001f\x7f\"");
  EXPECT_EQ(JsonbDetail("\"\\ud800\""), "Unicode low surrogate must follow a high surrogate.");
  EXPECT_EQ(JsonbDetail("\"\\udc00\""), "Unicode low surrogate must follow a high surrogate.");
  EXPECT_EQ(JsonbDetail("\"\\ud800x\""), "Unicode low surrogate must follow a high surrogate.");
  EXPECT_EQ(JsonbDetail("\"\\ud800\\n\""), "Unicode low surrogate must follow a high surrogate.");
  EXPECT_EQ(JsonbDetail("\"\\ud800\\u0041\""), "Unicode low surrogate must follow a high surrogate.");
  EXPECT_EQ(JsonbDetail("\"\\ud800\\ud800\""), "Unicode high surrogate must not follow a high surrogate.");
  EXPECT_EQ(Jsonb("\"\\u0000\""),
            "22P05: unsupported Unicode escape sequence | \\u0000 cannot be converted to text.");
  EXPECT_EQ(SqlStateOf(ParseJson("[\"\\u0000\"]").status()), "22P05");
  // Raw UTF-8 passes through untouched.
  EXPECT_EQ(Jsonb("\"caf\xc3\xa9 \xf0\x9f\x98\x80\""), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
}

TEST(JsonTest, JsonbNormalizesLikeJsonbOut) {
  EXPECT_EQ(Jsonb("{\"b\":1,\"a\":2}"), "{\"a\": 2, \"b\": 1}");
  EXPECT_EQ(Jsonb("{\"b\":1, \"a\":2, \"aa\":3, \"b\":4, \"\":5}"), "{\"\": 5, \"a\": 2, \"b\": 4, \"aa\": 3}");
  EXPECT_EQ(Jsonb(" { \"a\" : [ 1 , {\"c\": null} ] , \"z\":{}, \"y\":[] } "),
            "{\"a\": [1, {\"c\": null}], \"y\": [], \"z\": {}}");
  EXPECT_EQ(Jsonb("[1.50, 1e2, -0, 1E-2, -0.0, 0.000, 1e+2, 12.3400e2, -1.5e-3]"),
            "[1.50, 100, 0, 0.01, 0.0, 0.000, 100, 1234.00, -0.0015]");
  EXPECT_EQ(Jsonb("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u001f\\u00e9 \xc3\xa9\""),
            "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u001f\xc3\xa9 \xc3\xa9\"");
  EXPECT_EQ(Jsonb(" true "), "true");
  EXPECT_EQ(Jsonb("null"), "null");
  EXPECT_EQ(Jsonb("[]"), "[]");
  EXPECT_EQ(Jsonb("{}"), "{}");
  EXPECT_EQ(Jsonb("{\"a\":{\"a\":1,\"a\":[2,{\"z\":1,\"y\":2}]}}"), "{\"a\": {\"a\": [2, {\"y\": 2, \"z\": 1}]}}");
  // Key order compares bytes unsigned: "\xc3\xa9" sorts after "z".
  EXPECT_EQ(Jsonb("{\"\xc3\xa9\":1,\"zz\":2}"), "{\"zz\": 2, \"\xc3\xa9\": 1}");
}

TEST(JsonTest, JsonbNumbersGoThroughNumeric) {
  EXPECT_EQ(Jsonb("123456789012345678901234567890.123456789e-5"), "1234567890123456789012345.67890123456789");
  EXPECT_EQ(Jsonb("1e131072"), "22003: value overflows numeric format | ");
  EXPECT_EQ(Jsonb("1e-16384"), "22003: value overflows numeric format | ");
  EXPECT_TRUE(NormalizeJsonb("1e131071").ok());
  EXPECT_TRUE(NormalizeJson("1e999999").ok());  // json keeps the text; no numeric involved
}

TEST(JsonTest, ParseJsonKeepsInputOrderAndSpans) {
  const std::string text = "{\"b\": [1, 2 ] , \"a\":1.50, \"b\":\"x\\ty\"}";
  auto value = ParseJson(text);
  ASSERT_TRUE(value.ok()) << value.status();
  ASSERT_EQ(value->kind, JsonKind::kObject);
  ASSERT_EQ(value->members.size(), 3u);
  EXPECT_EQ(value->members[0].key, "b");
  EXPECT_EQ(value->members[1].value.text, "1.50");
  EXPECT_EQ(value->members[2].value.text, "x\ty");
  const JsonValue& array = value->members[0].value;
  EXPECT_EQ(text.substr(array.source_begin, array.source_end - array.source_begin), "[1, 2 ]");
  EXPECT_EQ(value->source_begin, 0u);
  EXPECT_EQ(value->source_end, text.size());
  EXPECT_EQ(SerializeJson(*value, false), "{\"b\":[1,2],\"a\":1.50,\"b\":\"x\\ty\"}");
  EXPECT_EQ(SerializeJson(*value, true), "{\"b\": [1, 2], \"a\": 1.50, \"b\": \"x\\ty\"}");
  auto jsonb = ParseJsonb(text);
  ASSERT_TRUE(jsonb.ok());
  ASSERT_EQ(jsonb->members.size(), 2u);
  EXPECT_EQ(jsonb->members[0].key, "a");
  EXPECT_EQ(jsonb->members[1].value.text, "x\ty");
}

TEST(JsonTest, SerializeJsonOfHandBuiltValues) {
  JsonValue number;
  number.kind = JsonKind::kNumber;
  number.text = "1e2";
  JsonValue string;
  string.kind = JsonKind::kString;
  string.text = "q\"\n";
  JsonValue array;
  array.kind = JsonKind::kArray;
  array.elements = {number, string, JsonValue()};
  EXPECT_EQ(SerializeJson(array, true), "[100, \"q\\\"\\n\", null]");
  EXPECT_EQ(SerializeJson(array, false), "[1e2,\"q\\\"\\n\",null]");
  number.text = "not a number";
  EXPECT_EQ(SerializeJson(number, true), "not a number");
}

TEST(JsonTest, QuoteStringLikeToJson) {
  EXPECT_EQ(JsonQuoteString("a\"b\\c\n\x01/\xc3\xa9"), "\"a\\\"b\\\\c\\n\\u0001/\xc3\xa9\"");
  EXPECT_EQ(JsonQuoteString(""), "\"\"");
  EXPECT_EQ(JsonQuoteString("\x1f\b\f\r\t"), "\"\\u001f\\b\\f\\r\\t\"");
}

TEST(JsonTest, FieldOperators) {
  // json: the member's text verbatim; duplicates resolve to the last.
  EXPECT_EQ(Field("{\"a\":1,\"a\":2}", "a", false, false), "2");
  EXPECT_EQ(Field("{\"a\": [1, 2 ] , \"b\":1}", "a", false, false), "[1, 2 ]");
  EXPECT_EQ(Field("{\"a\": [1, 2 ] , \"b\":1.0e2}", "b", true, false), "1.0e2");
  EXPECT_EQ(Field("{\"a\": \"x\\ny\"}", "a", true, false), "x\ny");
  EXPECT_EQ(Field("{\"a\": \"x\\ny\"}", "a", false, false), "\"x\\ny\"");
  EXPECT_EQ(Field("{\"a\": null}", "a", true, false), "NULL");
  EXPECT_EQ(Field("{\"a\": null}", "a", false, false), "null");
  EXPECT_EQ(Field("{\"a\":\"x\",\"a\":null}", "a", true, false), "NULL");
  EXPECT_EQ(Field("{\"a\":{\"b\" : [1, 2.50]}}", "a", true, false), "{\"b\" : [1, 2.50]}");
  EXPECT_EQ(Field("{\"a\":true}", "a", true, false), "true");
  EXPECT_EQ(Field("{\"a\":1e2}", "a", false, false), "1e2");
  // jsonb: the member's jsonb text.
  EXPECT_EQ(Field("{\"a\":{\"b\" : [1, 2.50]}}", "a", true, true), "{\"b\": [1, 2.50]}");
  EXPECT_EQ(Field("{\"a\":1e2}", "a", true, true), "100");
  EXPECT_EQ(Field("{\"a\":\"x\\ty\\u0001\"}", "a", false, true), "\"x\\ty\\u0001\"");
  EXPECT_EQ(Field("{\"a\":\"x\\ty\\u0001\"}", "a", true, true), "x\ty\x01");
  // Missing keys and non-objects are NULL.
  EXPECT_EQ(Field("{\"a\":1}", "b", false, true), "NULL");
  EXPECT_EQ(Field("[1]", "a", false, true), "NULL");
  EXPECT_EQ(Field("\"s\"", "a", false, false), "NULL");
  // json operators decode every string, as PostgreSQL's do.
  EXPECT_EQ(Field("{\"a\":\"\\u0000\",\"b\":1}", "b", false, false),
            "22P05: unsupported Unicode escape sequence | \\u0000 cannot be converted to text.");
  EXPECT_EQ(Field("{\"a\":\"\\ud800\",\"b\":1}", "b", false, false),
            "22P02: invalid input syntax for type json | Unicode low surrogate must follow a high surrogate.");
  EXPECT_EQ(Field("{", "a", false, false), "22P02: invalid input syntax for type json | The input string ended unexpectedly.");
}

TEST(JsonTest, ElementOperators) {
  for (const bool jsonb : {false, true}) {
    EXPECT_EQ(Element("[1,2,3]", -1, false, jsonb), "3");
    EXPECT_EQ(Element("[1,2,3]", -3, false, jsonb), "1");
    EXPECT_EQ(Element("[1,2,3]", 0, false, jsonb), "1");
    EXPECT_EQ(Element("[1,2,3]", -4, false, jsonb), "NULL");
    EXPECT_EQ(Element("[1,2,3]", 3, false, jsonb), "NULL");
    EXPECT_EQ(Element("{\"a\":1}", 0, false, jsonb), "NULL");
    EXPECT_EQ(Element("5", 0, false, jsonb), "NULL");
    EXPECT_EQ(Element("[\"\\u00e9\"]", 0, true, jsonb), "\xc3\xa9");
    EXPECT_EQ(Element("[null]", 0, true, jsonb), "NULL");
  }
  EXPECT_EQ(Element("[\"\\u00e9\"]", 0, false, false), "\"\\u00e9\"");
  EXPECT_EQ(Element("[\"\\u00e9\"]", 0, false, true), "\"\xc3\xa9\"");
  EXPECT_EQ(Element("[ {\"b\":1 , \"a\":2} ]", 0, false, false), "{\"b\":1 , \"a\":2}");
  EXPECT_EQ(Element("[ {\"b\":1 , \"a\":2} ]", 0, false, true), "{\"a\": 2, \"b\": 1}");
}

TEST(JsonTest, PathOperators) {
  const std::string doc = "{\"a\":[1,{\"b\":[10,20]}]}";
  for (const bool jsonb : {false, true}) {
    EXPECT_EQ(Path(doc, {"a", "1", "b", "-1"}, false, jsonb), "20");
    EXPECT_EQ(Path(doc, {"a", "1", "b", " 1"}, false, jsonb), "20");
    EXPECT_EQ(Path(doc, {"a", "1", "b", "+1"}, false, jsonb), "20");
    EXPECT_EQ(Path(doc, {"a", "1", "b", "1 "}, false, jsonb), "NULL");
    EXPECT_EQ(Path(doc, {"a", "1", "b", "1x"}, false, jsonb), "NULL");
    EXPECT_EQ(Path(doc, {"a", "1", "b", ""}, false, jsonb), "NULL");
    EXPECT_EQ(Path(doc, {"a", "1", "b", "-3"}, false, jsonb), "NULL");
    EXPECT_EQ(Path(doc, {"a", "0", "x"}, false, jsonb), "NULL");
    EXPECT_EQ(Path(doc, {"a", "99999999999"}, false, jsonb), "NULL");
    EXPECT_EQ(Path(doc, {"a", "-2147483648"}, false, jsonb), "NULL");
    EXPECT_EQ(Path(doc, {"x"}, false, jsonb), "NULL");
    EXPECT_EQ(Path("{\"99999999999\":1}", {"99999999999"}, false, jsonb), "1");
    EXPECT_EQ(Path("[0,1,2]", {"-3"}, false, jsonb), "0");
    EXPECT_EQ(Path("\"abc\"", {}, true, jsonb), "abc");
    EXPECT_EQ(Path("\"abc\"", {}, false, jsonb), "\"abc\"");
    EXPECT_EQ(Path("null", {}, true, jsonb), "NULL");
    EXPECT_EQ(Path("{\"a\":{\"b\":\"t\\u00e9\"}}", {"a", "b"}, true, jsonb), "t\xc3\xa9");
  }
  EXPECT_EQ(Path("{\"a\" :1}", {}, true, false), "{\"a\" :1}");
  EXPECT_EQ(Path("{\"a\" :1}", {}, true, true), "{\"a\": 1}");
  EXPECT_EQ(Path("  [1]  ", {}, false, false), "[1]");
  // json duplicates: the last value in document order the whole path reaches.
  EXPECT_EQ(Path("{\"a\":{\"b\":1},\"a\":{\"c\":2}}", {"a", "b"}, false, false), "1");
  EXPECT_EQ(Path("{\"a\":{\"b\":1},\"a\":{\"b\":3}}", {"a", "b"}, false, false), "3");
  EXPECT_EQ(Path("{\"a\":{\"b\":1},\"a\":5}", {"a", "b"}, false, false), "1");
  EXPECT_EQ(Path("{\"a\":[1,2],\"a\":{\"1\":7}}", {"a", "1"}, false, false), "7");
  EXPECT_EQ(Path("{\"a\":{\"b\":1},\"a\":{\"c\":2}}", {"a"}, false, false), "{\"c\":2}");
  // jsonb keeps the last duplicate only.
  EXPECT_EQ(Path("{\"a\":{\"b\":1},\"a\":{\"c\":2}}", {"a", "b"}, false, true), "NULL");
}

TEST(JsonTest, Typeof) {
  const std::pair<const char*, const char*> cases[] = {
      {"{}", "object"}, {" [1] ", "array"}, {"1", "number"},  {"true", "boolean"},
      {"null", "null"}, {"\"x\"", "string"}, {"\"\\u0000\"", "string"}, {"\"\\ud800\"", "string"},
  };
  for (const auto& [doc, type] : cases) {
    auto result = JsonTypeof(doc);
    ASSERT_TRUE(result.ok()) << doc << ": " << result.status();
    EXPECT_EQ(*result, type) << doc;
  }
  EXPECT_EQ(SqlStateOf(JsonTypeof("[").status()), "22P02");
}

TEST(JsonTest, ArrayLength) {
  EXPECT_EQ(*JsonArrayLength("[1,\"\\u0000\",[2,3]]"), 3);
  EXPECT_EQ(*JsonArrayLength("[]"), 0);
  EXPECT_EQ(Describe(JsonArrayLength("1").status()), "22023: cannot get array length of a scalar | ");
  EXPECT_EQ(Describe(JsonArrayLength("\"a\"").status()), "22023: cannot get array length of a scalar | ");
  EXPECT_EQ(Describe(JsonArrayLength("{}").status()), "22023: cannot get array length of a non-array | ");
  EXPECT_EQ(SqlStateOf(JsonArrayLength("[1,").status()), "22P02");
}

TEST(JsonTest, Containment) {
  const struct {
    const char* a;
    const char* b;
    bool contains;
  } cases[] = {
      {"[1,2]", "1", true},
      {"1", "[1]", false},
      {"1", "1", true},
      {"{\"a\":1}", "1", false},
      {"\"a\"", "\"a\"", true},
      {"[1.0]", "[1]", true},
      {"{\"a\":[1,2]}", "{\"a\":1}", false},
      {"{\"a\":[1,2]}", "{\"a\":[1]}", true},
      {"[[1,2],[3]]", "[[3,3]]", true},
      {"[1,[2]]", "[2]", false},
      {"[{\"a\":1,\"b\":2}]", "[{\"a\":1}]", true},
      {"{}", "{}", true},
      {"[]", "[]", true},
      {"[1]", "[]", true},
      {"{\"a\":{}}", "{\"a\":[]}", false},
      {"[1,1]", "[1]", true},
      {"[1]", "[1,1]", true},
      {"[{\"a\":[1,2,{\"b\":3}]}]", "[{\"a\":[{\"b\":3},2]}]", true},
      {"{\"a\":{\"b\":{\"c\":1}}}", "{\"a\":{\"b\":{}}}", true},
      {"{\"a\":1,\"b\":2}", "{\"a\":1,\"c\":2}", false},
      {"[[1],[2]]", "[[1,2]]", false},
      {"[\"a\"]", "\"a\"", true},
      {"[[\"a\"]]", "\"a\"", false},
      {"null", "null", true},
      {"[null]", "null", true},
      {"{}", "[]", false},
      {"[]", "{}", false},
      {"{\"a\":\"x\"}", "{\"a\":\"x\",\"a\":\"x\"}", true},
  };
  for (const auto& c : cases) EXPECT_EQ(Contains(c.a, c.b), c.contains) << c.a << " @> " << c.b;
}

TEST(JsonTest, Exists) {
  EXPECT_TRUE(Exists("{\"a\":1}", "a"));
  EXPECT_TRUE(Exists("[\"a\",\"b\"]", "b"));
  EXPECT_TRUE(Exists("\"foo\"", "foo"));
  EXPECT_FALSE(Exists("[1]", "1"));
  EXPECT_FALSE(Exists("{\"x\":{\"a\":1}}", "a"));
  EXPECT_TRUE(Exists("[1,\"a\",null]", "a"));
  EXPECT_TRUE(Exists("{\"a\":null}", "a"));
  EXPECT_FALSE(Exists("1", "1"));
  EXPECT_FALSE(Exists("\"ab\"", "a"));
  EXPECT_FALSE(Exists("[[\"a\"]]", "a"));
}

TEST(JsonTest, CompareSortsLikeJsonbBtree) {
  // PostgreSQL's ORDER BY over these jsonb values; "1.0" and "1" are equal.
  const std::vector<std::string> sorted = {
      "[]", "null", "\"\"", "\"a\"", "\"ab\"", "\"b\"", "\"z\"", "\"\xc3\xa9\"", "-1", "0", "1.0", "1", "2.5",
      "false", "true", "[null]", "[\"a\"]", "[1]", "[2]", "[false]", "[true]", "[[]]", "[{}]", "[1, 2]",
      "[1, [2]]", "[1, {\"x\": 1}]", "[0, 0, 0]", "{}", "{\"a\": null}", "{\"a\": 1}", "{\"a\": 2}",
      "{\"a\": []}", "{\"a\": {}}", "{\"aa\": 1}", "{\"b\": 1}", "{\"a\": 1, \"b\": 1}",
  };
  for (size_t i = 0; i < sorted.size(); ++i) {
    for (size_t j = 0; j < sorted.size(); ++j) {
      int expected = i < j ? -1 : (i > j ? 1 : 0);
      if ((sorted[i] == "1.0" && sorted[j] == "1") || (sorted[i] == "1" && sorted[j] == "1.0")) expected = 0;
      EXPECT_EQ(Compare(sorted[i], sorted[j]), expected) << sorted[i] << " vs " << sorted[j];
    }
  }
  EXPECT_EQ(Compare("{\"b\":1}", "{\"aa\":1}"), 1);  // keys compare as text, not jsonb key order
  EXPECT_EQ(Compare("[1,2]", "[3]"), 1);            // more elements first
  EXPECT_EQ(Compare("{\"a\":1, \"a\":2}", "{\"a\":2}"), 0);
}

std::string Nested(int depth, std::string_view inner = "") {
  return std::string(static_cast<size_t>(depth), '[') + std::string(inner) + std::string(static_cast<size_t>(depth), ']');
}

TEST(JsonTest, DeepNestingIsAnErrorNotACrash) {
  const std::string open(100000, '[');
  for (const bool jsonb : {false, true}) {
    const absl::Status status = jsonb ? NormalizeJsonb(open).status() : NormalizeJson(open).status();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(SqlStateOf(status), "54001");
    EXPECT_EQ(status.message(), "stack depth limit exceeded");
  }
  EXPECT_EQ(SqlStateOf(NormalizeJsonb(Nested(kMaxJsonDepth + 1)).status()), "54001");
  const std::string objects = [] {
    std::string s;
    for (int i = 0; i <= kMaxJsonDepth; ++i) s += "{\"a\":";
    return s + "1" + std::string(kMaxJsonDepth + 1, '}');
  }();
  EXPECT_EQ(SqlStateOf(NormalizeJsonb(objects).status()), "54001");
  EXPECT_EQ(SqlStateOf(JsonField(objects, "a", false, false).status()), "54001");
}

TEST(JsonTest, DeepestAllowedNestingWorksEverywhere) {
  const std::string deepest = Nested(kMaxJsonDepth, "1");
  auto normalized = NormalizeJsonb(deepest);
  ASSERT_TRUE(normalized.ok()) << normalized.status();
  EXPECT_EQ(*normalized, deepest);
  EXPECT_EQ(*NormalizeJson(deepest), deepest);
  EXPECT_TRUE(Contains(deepest, deepest));
  EXPECT_EQ(Compare(deepest, deepest), 0);
  EXPECT_EQ(Compare(deepest, Nested(kMaxJsonDepth, "2")), -1);
  EXPECT_EQ(Element(deepest, 0, false, true), Nested(kMaxJsonDepth - 1, "1"));
  EXPECT_EQ(Path(deepest, std::vector<std::string>(kMaxJsonDepth, "0"), true, false), "1");
  EXPECT_EQ(*JsonTypeof(deepest), "array");
}

TEST(JsonTest, KeyOrder) {
  EXPECT_TRUE(JsonbKeyLess("b", "aa"));
  EXPECT_TRUE(JsonbKeyLess("a", "b"));
  EXPECT_FALSE(JsonbKeyLess("a", "a"));
  EXPECT_TRUE(JsonbKeyLess("z", "\xc3"));
}

}  // namespace
}  // namespace quanta::sql
