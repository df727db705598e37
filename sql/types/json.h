// JSON: PostgreSQL's json and jsonb types, as text, and the operators on them.
//
// A json datum is stored as its input text, verbatim (PostgreSQL's json keeps it so);
// a jsonb datum is stored as NormalizeJsonb's output, PostgreSQL's jsonb_out text. The
// operators take that stored text, parse it (every call; nothing is cached) and answer
// as PostgreSQL 15 does, with its messages and SQLSTATEs:
//   22P02 "invalid input syntax for type json" (for jsonb too), DETAIL as PostgreSQL's
//         ("Token \"x\" is invalid.", "The input string ended unexpectedly.", ...);
//   22P05 "unsupported Unicode escape sequence" for \u0000 where text must be produced;
//   54001 "stack depth limit exceeded" past kMaxJsonDepth nested arrays/objects;
//   22003 from numeric for a jsonb number numeric cannot hold (1e131072);
//   22023 from JsonArrayLength on a non-array.
// There is no CONTEXT line ("JSON data, line 1: ...") and no error position.
//
// Parsing, printing, comparison and containment are iterative (explicit stacks of at
// most kMaxJsonDepth entries), so no input can overflow the stack; only JsonValue's own
// copy and destruction recurse, one small frame per nesting level.
// Input bytes are not checked to be UTF-8 (the caller's text type does that); bytes
// >= 0x80 pass through strings untouched. Strings compare bytewise (C collation).
//
// Pure functions over their arguments, no global state: safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace quanta::sql {

// Nested arrays/objects allowed in one document. PostgreSQL's own limit comes from
// max_stack_depth (about 15000 arrays deep with the default 2MB); this one keeps the
// recursive copy and destruction of a JsonValue far from any stack limit.
inline constexpr int kMaxJsonDepth = 6400;

enum class JsonKind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

struct JsonMember;

// One JSON value. Recursive through `elements` / `members`; at most kMaxJsonDepth deep
// when it comes from a parser here.
struct JsonValue {
  JsonKind kind = JsonKind::kNull;
  bool boolean = false;  // kBool
  // kNumber: the literal as written ("1.50", "1e2"), or numeric's output after
  // ParseJsonb ("100"). kString: the unescaped UTF-8 contents.
  std::string text;
  std::vector<JsonValue> elements;  // kArray, in order
  std::vector<JsonMember> members;  // kObject: (key, value) pairs
  // The bytes [source_begin, source_end) of the parsed text this value came from
  // (first to last token, so "[1, 2 ]" keeps its inner spaces). 0, 0 when built by hand.
  size_t source_begin = 0;
  size_t source_end = 0;
};

// One (key, value) pair of an object. (A named struct rather than std::pair: pair's
// constructor constraints cannot be checked while JsonValue is still incomplete.)
struct JsonMember {
  std::string key;
  JsonValue value;
};

// Parses `text` as one JSON document (RFC 8259 as PostgreSQL accepts it: whitespace is
// space, tab, CR, LF; numbers as JSON writes them; \uXXXX escapes decoded to UTF-8 with
// surrogate pairs joined). Object members stay in input order, duplicates included;
// numbers keep their literal text. Errors: 22P02 with PostgreSQL's DETAIL; 22P05 for
// \u0000; 54001 past kMaxJsonDepth.
absl::StatusOr<JsonValue> ParseJson(std::string_view text);

// Parses `text` the way jsonb_in does: as ParseJson, then every number is replaced by
// numeric's output text and every object's keys are deduplicated (the last value wins)
// and sorted the jsonb way (JsonbKeyLess). Errors: ParseJson's, and numeric's 22003.
absl::StatusOr<JsonValue> ParseJsonb(std::string_view text);

// Validates `text` as json_in does and returns it unchanged. json_in is laxer than
// ParseJson: it checks escapes' form only, so "\u0000" and lone surrogates are accepted
// (the operators that must decode them report the error later, as PostgreSQL does).
absl::StatusOr<std::string> NormalizeJson(std::string_view text);

// Validates `text` as jsonb_in does and returns jsonb_out's text for it:
// {"a": 1, "bb": [1, 2, {"c": null}]}. Errors: ParseJsonb's.
absl::StatusOr<std::string> NormalizeJsonb(std::string_view text);

// Writes `value` as JSON. jsonb_style: jsonb_out's layout (", " and ": "), numbers
// through numeric's output (a literal numeric cannot read is kept as written).
// Otherwise compact ("," and ":") with numbers as stored. Members are written in their
// stored order either way; strings are escaped as JsonQuoteString does.
std::string SerializeJson(const JsonValue& value, bool jsonb_style);

// Returns `s` as a JSON string literal, escaped as PostgreSQL's escape_json (to_json of
// text): \" \\ \b \f \n \r \t, other bytes below 0x20 as \u00xx, everything else as is.
std::string JsonQuoteString(std::string_view s);

// jsonb's key order: the shorter key first, then bytewise.
bool JsonbKeyLess(std::string_view a, std::string_view b);

// The operators. `doc` is the stored text; `jsonb` says which type it is, which decides
// the text of a json-valued result: for json the member's verbatim slice of `doc`, for
// jsonb its jsonb_out text. `as_text` gives ->> / #>> instead of -> / #>: a string
// result unescaped, a JSON null as SQL NULL. nullopt is SQL NULL. Errors: the parse
// errors of `doc` (the json operators decode every string, as PostgreSQL's do, so a
// stored json "\u0000" anywhere in `doc` is 22P05 here).

// doc -> key, doc ->> key: the member named `key` (the last one in a json object with
// duplicates); NULL when absent or when `doc` is not an object.
absl::StatusOr<std::optional<std::string>> JsonField(std::string_view doc, std::string_view key,
                                                     bool as_text, bool jsonb);

// doc -> index, doc ->> index: the array element at `index` (negative counts from the
// end, -1 the last); NULL when out of range or when `doc` is not an array.
absl::StatusOr<std::optional<std::string>> JsonElement(std::string_view doc, int64_t index,
                                                       bool as_text, bool jsonb);

// doc #> path, doc #>> path: follows `path` one step per element: a key in an object,
// an index in an array when the element reads as an int4 the way strtol does (leading
// whitespace, optional sign, nothing after; negative counts from the end). NULL as soon
// as a step finds nothing or reaches a scalar. An empty path gives `doc` itself.
// (A NULL path element makes the whole result NULL; the caller checks that.)
absl::StatusOr<std::optional<std::string>> JsonPath(std::string_view doc,
                                                    const std::vector<std::string>& path,
                                                    bool as_text, bool jsonb);

// json_typeof / jsonb_typeof: "object", "array", "string", "number", "boolean", "null".
absl::StatusOr<std::string> JsonTypeof(std::string_view doc);

// json_array_length / jsonb_array_length. Errors: 22023 "cannot get array length of a
// scalar" / "... of a non-array" (an object).
absl::StatusOr<int64_t> JsonArrayLength(std::string_view doc);

// json[b]_array_elements[_text] (`function` names it for the errors): the elements of
// the array `doc`, each as doc -> i (as_text: ->> i) gives it. Errors: 22023, jsonb's
// "cannot extract elements from an object" / "... from a scalar", json's "cannot call
// <function> on a non-array" / "... on a scalar".
absl::StatusOr<std::vector<std::optional<std::string>>> JsonArrayElements(std::string_view doc, bool as_text, bool jsonb,
                                                                          std::string_view function);

// json[b]_object_keys: the object's keys in stored order (json: duplicates included).
// Errors: 22023 "cannot call <function> on an array" / "... on a scalar".
absl::StatusOr<std::vector<std::string>> JsonObjectKeys(std::string_view doc, bool jsonb, std::string_view function);

// json[b]_each[_text]: the object's (key, value) members in stored order, each value as
// doc -> key (as_text: ->> key) gives it. Errors: 22023, json's "cannot deconstruct an
// array as an object" / "cannot deconstruct a scalar", jsonb's "cannot call <function>
// on a non-object".
absl::StatusOr<std::vector<std::pair<std::string, std::optional<std::string>>>> JsonObjectMembers(std::string_view doc,
                                                                                                  bool as_text, bool jsonb,
                                                                                                  std::string_view function);

// a @> b for jsonb (see JsonbValueContains).
absl::StatusOr<bool> JsonbContains(std::string_view a, std::string_view b);

// doc ? key for jsonb: `key` is a key of the top-level object, a string element of the
// top-level array, or equal to the top-level string.
absl::StatusOr<bool> JsonbExists(std::string_view doc, std::string_view key);

// jsonb's btree order of a and b (-1, 0, 1) (see CompareJsonbValues).
absl::StatusOr<int> JsonbCompare(std::string_view a, std::string_view b);

// PostgreSQL's JsonbDeepContains on two top-level values from ParseJsonb: objects
// contain objects whose every key is present with a contained value (scalars equal,
// containers contained, kinds equal); arrays contain arrays whose every element equals
// a scalar element or is contained in a container element (duplicates and order do not
// matter); a top-level array contains a bare top-level scalar it has as an element; a
// scalar contains only an equal scalar. Numbers compare as numeric (1.0 = 1).
// REQUIRES: both from ParseJsonb (keys unique and sorted, numbers numeric can read).
bool JsonbValueContains(const JsonValue& a, const JsonValue& b);

// PostgreSQL's compareJsonbContainers on two top-level values from ParseJsonb (-1, 0, 1).
// Kinds order Object > Array > Boolean > Number > String > Null; arrays with more
// elements and objects with more pairs are greater, otherwise elements (or key, value,
// key, value...) compare in stored order; strings bytewise, shorter first on a common
// prefix; numbers as numeric; false < true. A top-level scalar is, as in jsonb, a
// one-element "raw scalar" array that sorts below every real array except the empty
// one: [] < null < ... < true < [null] < ... < {}.
// REQUIRES: both from ParseJsonb.
int CompareJsonbValues(const JsonValue& a, const JsonValue& b);

}  // namespace quanta::sql
