// json and jsonb operators and functions over the stored text (types/json.h): -> and
// ->> by key or index, #> and #>> by path, jsonb's @> <@ ? and comparisons,
// json[b]_typeof, json[b]_array_length, to_json[b], and the arrays behind
// json[b]_array_elements[_text] and json[b]_object_keys.
#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/functions.h"
#include "sql/execution/kernels.h"
#include "sql/types/array.h"
#include "sql/types/json.h"

namespace quanta::sql {
namespace {

using Args = std::vector<const Vector*>;

bool IsJson(const Type& t) { return t.id == TypeId::kJson || t.id == TypeId::kJsonb; }

absl::Status SetOptional(absl::StatusOr<std::optional<std::string>> v, uint32_t r, Vector* out) {
  if (!v.ok()) return v.status();
  if (v->has_value()) out->SetStr(r, std::move(**v));
  return absl::OkStatus();
}

// doc -> key / doc ->> key (self.name), the key a text or an integer index.
absl::Status Field(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const bool as_text = self.name == "->>";
  const bool jsonb = args[0]->type().id == TypeId::kJsonb;
  const bool by_index = args[1]->storage() == Storage::kInt;
  return ForStrictRows(args, rows, [&](uint32_t r) {
    const std::string& doc = args[0]->Str(r);
    if (by_index) return SetOptional(JsonElement(doc, args[1]->Int(r), as_text, jsonb), r, out);
    return SetOptional(JsonField(doc, args[1]->Str(r), as_text, jsonb), r, out);
  });
}

// doc #> path / doc #>> path with a text[] path; a NULL path element gives NULL.
absl::Status Path(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const bool as_text = self.name == "#>>";
  const bool jsonb = args[0]->type().id == TypeId::kJsonb;
  return ForStrictRows(args, rows, [&](uint32_t r) {
    std::vector<std::string> path;
    for (const Value& step : DecodeArray(args[1]->Str(r), Type(TypeId::kText))) {
      if (step.is_null()) return absl::OkStatus();
      path.push_back(step.str());
    }
    return SetOptional(JsonPath(args[0]->Str(r), path, as_text, jsonb), r, out);
  });
}

absl::Status Contains(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const bool contained_by = self.name == "<@";
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto c = contained_by ? JsonbContains(args[1]->Str(r), args[0]->Str(r)) : JsonbContains(args[0]->Str(r), args[1]->Str(r));
    if (!c.ok()) return c.status();
    out->SetInt(r, *c ? 1 : 0);
    return absl::OkStatus();
  });
}

absl::Status Exists(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto e = JsonbExists(args[0]->Str(r), args[1]->Str(r));
    if (!e.ok()) return e.status();
    out->SetInt(r, *e ? 1 : 0);
    return absl::OkStatus();
  });
}

absl::Status Compare(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto c = JsonbCompare(args[0]->Str(r), args[1]->Str(r));
    if (!c.ok()) return c.status();
    out->SetInt(r, CompareHolds(self.name, *c) ? 1 : 0);
    return absl::OkStatus();
  });
}

absl::Status Typeof(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto t = JsonTypeof(args[0]->Str(r));
    if (!t.ok()) return t.status();
    out->SetStr(r, std::move(*t));
    return absl::OkStatus();
  });
}

absl::Status ArrayLength(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto n = JsonArrayLength(args[0]->Str(r));
    if (!n.ok()) return n.status();
    out->SetInt(r, *n);
    return absl::OkStatus();
  });
}

void AppendElement(const Type& element, std::optional<std::string> value, std::string* bytes) {
  AppendArrayElement(value.has_value() ? Value::String(element, std::move(*value)) : Value::Null(element), bytes);
}

// The arrays behind the json set-returning functions (unnested by the caller; these
// names are reachable only as set-returning calls): json[b]_array_elements -> json[b][],
// json[b]_array_elements_text -> text[], json[b]_object_keys -> text[].
absl::Status Elements(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const bool jsonb = args[0]->type().id == TypeId::kJsonb;
  const Type element(self.type.element);
  const bool keys = absl::EndsWith(self.name, "_object_keys");
  const bool as_text = keys || absl::EndsWith(self.name, "_text");
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    std::string bytes;
    if (keys) {
      auto names = JsonObjectKeys(args[0]->Str(r), jsonb, self.name);
      if (!names.ok()) return names.status();
      for (std::string& k : *names) AppendElement(element, std::move(k), &bytes);
    } else {
      auto elements = JsonArrayElements(args[0]->Str(r), as_text, jsonb, self.name);
      if (!elements.ok()) return elements.status();
      for (std::optional<std::string>& e : *elements) AppendElement(element, std::move(e), &bytes);
    }
    out->SetStr(r, std::move(bytes));
    return absl::OkStatus();
  });
}

// json[b]_each[_text]'s two columns as arrays (self.name is the function called): the
// keys (text[]) or the values (json[b][] or text[]), unnested side by side in FROM.
template <bool kValues>
absl::Status EachMember(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const bool jsonb = args[0]->type().id == TypeId::kJsonb;
  const bool as_text = absl::EndsWith(self.name, "_text");
  const Type element(self.type.element);
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto members = JsonObjectMembers(args[0]->Str(r), as_text, jsonb, self.name);
    if (!members.ok()) return members.status();
    std::string bytes;
    for (auto& [key, value] : *members) AppendElement(element, kValues ? std::move(value) : std::move(key), &bytes);
    out->SetStr(r, std::move(bytes));
    return absl::OkStatus();
  });
}

// to_json(text) / to_jsonb(text): a JSON string.
absl::Status QuoteText(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    out->SetStr(r, JsonQuoteString(args[0]->Str(r)));
    return absl::OkStatus();
  });
}

absl::Status NoOperator(std::string_view op, const Type& l, const Type& r) {
  return SqlError(sqlstate::kUndefinedFunction,
                  absl::StrCat("operator does not exist: ", l.Name(), " ", std::string(op), " ", r.Name()));
}

bool Stringish(const Type& t) { return t.is_string() || t.id == TypeId::kUnknown; }

}  // namespace

ScalarKernel JsonEachKernel(bool values) { return values ? &EachMember<true> : &EachMember<false>; }

std::optional<absl::StatusOr<FunctionMatch>> ResolveJsonOperator(std::string_view op, const Type& left, const Type& right) {
  if (!IsJson(left) && !IsJson(right)) return std::nullopt;
  const Type text(TypeId::kText), boolean(TypeId::kBool);
  if ((op == "->" || op == "->>") && IsJson(left)) {
    const Type result = op == "->" ? Type(left.id) : text;
    if (right.is_integer()) return MakeMatch(Field, result, {Type(left.id), Type(TypeId::kInt8)});
    if (Stringish(right)) return MakeMatch(Field, result, {Type(left.id), text});
    return NoOperator(op, left, right);
  }
  if ((op == "#>" || op == "#>>") && IsJson(left)) {
    const Type path = Type::Array(TypeId::kText);
    if (right.id == TypeId::kUnknown || right == path) return MakeMatch(Path, op == "#>" ? Type(left.id) : text, {Type(left.id), path});
    return NoOperator(op, left, right);
  }
  const Type jsonb(TypeId::kJsonb);
  if (op == "?" && left.id == TypeId::kJsonb) {
    if (Stringish(right)) return MakeMatch(Exists, boolean, {jsonb, text});
    return NoOperator(op, left, right);
  }
  const auto jsonbish = [](const Type& t) { return t.id == TypeId::kJsonb || t.id == TypeId::kUnknown; };
  if (!jsonbish(left) || !jsonbish(right)) return NoOperator(op, left, right);  // json has no =, @>...
  if (op == "@>" || op == "<@") return MakeMatch(Contains, boolean, {jsonb, jsonb});
  const bool comparison = op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=";
  if (comparison) return MakeMatch(Compare, boolean, {jsonb, jsonb});
  return NoOperator(op, left, right);
}

std::optional<absl::StatusOr<FunctionMatch>> ResolveJsonFunction(std::string_view name, const std::vector<Type>& args) {
  if (args.size() != 1) return std::nullopt;
  const Type& a = args[0];
  const Type text(TypeId::kText);
  const bool json_arg = a.id == TypeId::kJson || a.id == TypeId::kUnknown;
  const bool jsonb_arg = a.id == TypeId::kJsonb || a.id == TypeId::kUnknown;
  const Type json(TypeId::kJson), jsonb(TypeId::kJsonb);
  if (name == "json_typeof" && json_arg) return MakeMatch(Typeof, text, {json});
  if (name == "jsonb_typeof" && jsonb_arg) return MakeMatch(Typeof, text, {jsonb});
  if (name == "json_array_length" && json_arg) return MakeMatch(ArrayLength, Type(TypeId::kInt4), {json});
  if (name == "jsonb_array_length" && jsonb_arg) return MakeMatch(ArrayLength, Type(TypeId::kInt4), {jsonb});
  for (const bool b : {false, true}) {
    if (!(b ? jsonb_arg : json_arg)) continue;
    const Type doc = b ? jsonb : json;
    const std::string prefix = b ? "jsonb" : "json";
    if (name == prefix + "_array_elements") return MakeMatch(Elements, Type::Array(doc.id), {doc});
    if (name == prefix + "_array_elements_text" || name == prefix + "_object_keys") {
      return MakeMatch(Elements, Type::Array(TypeId::kText), {doc});
    }
  }
  if ((name == "to_json" || name == "to_jsonb") && Stringish(a)) {
    return MakeMatch(QuoteText, Type(name == "to_json" ? TypeId::kJson : TypeId::kJsonb), {text});
  }
  return std::nullopt;
}

}  // namespace quanta::sql
