// Array operators and functions: ARRAY[...], subscripts, = ANY/ALL (array), ||, the
// containment operators and the array_* functions, over the encoding of types/array.h.
// Elements compare by their ordered keys, so every comparison here is a memcmp.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/functions.h"
#include "sql/execution/kernels.h"
#include "sql/types/array.h"

namespace quanta::sql {
namespace {

using Args = std::vector<const Vector*>;

Type ElementOf(const Type& array) {
  QUANTA_ASSERT(array.id == TypeId::kArray);
  return Type(array.element);
}

// ARRAY[a, b, ...]: NULL arguments become NULL elements.
absl::Status Construct(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    std::string bytes;
    for (const Vector* a : args) AppendArrayElement(a->Get(r), &bytes);
    out->SetStr(r, std::move(bytes));
  }
  return absl::OkStatus();
}

absl::Status Subscript(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    const int64_t i = args[1]->Int(r);
    const std::vector<Value> elements = DecodeArray(args[0]->Str(r), self.type);
    if (i >= 1 && static_cast<uint64_t>(i) <= elements.size()) out->SetValue(r, elements[static_cast<size_t>(i - 1)]);
    return absl::OkStatus();
  });
}

// needle op ANY (array) / op ALL (array) (self.negated: ALL), three-valued: an element
// that is NULL, or a NULL needle, makes the answer NULL unless another element decides.
absl::Status Quantified(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const bool all = self.negated;
  const Type element = ElementOf(args[1]->type());
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    if (args[1]->IsNull(r)) continue;
    const std::vector<ArrayElementKey> keys = ArrayElementKeys(args[1]->Str(r), element);
    const bool needle_null = args[0]->IsNull(r);
    const std::string needle = needle_null ? std::string() : ElementKey(args[0]->Get(r));
    bool unknown = false, decided = false;
    for (const ArrayElementKey& e : keys) {
      if (e.null || needle_null) {
        unknown = true;
        continue;
      }
      const int c = std::string_view(needle).compare(e.key);
      if (CompareHolds(self.name, c) != all) {
        decided = true;
        break;
      }
    }
    if (decided) {
      out->SetInt(r, all ? 0 : 1);
    } else if (!unknown) {
      out->SetInt(r, all ? 1 : 0);
    }
  }
  return absl::OkStatus();
}

// a @> b (self.name "@>"), a <@ b, a && b; NULL elements match nothing.
absl::Status Containment(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const Type element = ElementOf(args[0]->type());
  return ForStrictRows(args, rows, [&](uint32_t r) {
    const bool contained_by = self.name == "<@";
    std::vector<ArrayElementKey> big = ArrayElementKeys(args[contained_by ? 1 : 0]->Str(r), element);
    const std::vector<ArrayElementKey> small = ArrayElementKeys(args[contained_by ? 0 : 1]->Str(r), element);
    std::vector<std::string_view> have;
    for (const ArrayElementKey& e : big) {
      if (!e.null) have.push_back(e.key);
    }
    std::sort(have.begin(), have.end());
    const auto present = [&](const ArrayElementKey& e) {
      return !e.null && std::binary_search(have.begin(), have.end(), e.key);
    };
    const bool overlap = self.name == "&&";
    out->SetInt(r, overlap ? std::any_of(small.begin(), small.end(), present)
                           : std::all_of(small.begin(), small.end(), present));
    return absl::OkStatus();
  });
}

// array || array, array || element, element || array; a NULL array counts as empty
// (NULL only when both sides are).
absl::Status Concat(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  const bool left_array = args[0]->type().id == TypeId::kArray;
  const bool right_array = args[1]->type().id == TypeId::kArray;
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    if (left_array && right_array && args[0]->IsNull(r) && args[1]->IsNull(r)) continue;
    std::string bytes;
    for (int side = 0; side < 2; ++side) {
      const Vector& a = *args[static_cast<size_t>(side)];
      const bool is_array = side == 0 ? left_array : right_array;
      if (!is_array) {
        AppendArrayElement(a.Get(r), &bytes);
      } else if (!a.IsNull(r)) {
        bytes += a.Str(r);
      }
    }
    if (bytes.size() > kMaxArrayElements * 64) return SqlError("54000", "array size exceeds the maximum allowed");
    out->SetStr(r, std::move(bytes));
  }
  return absl::OkStatus();
}

// array_length(a, 1) and array_upper(a, 1) (NULL when empty or another dimension),
// array_lower(a, 1), cardinality(a), array_ndims(a).
absl::Status Length(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const Type element = ElementOf(args[0]->type());
  return ForStrictRows(args, rows, [&](uint32_t r) {
    const size_t n = ArrayLength(args[0]->Str(r), element);
    if (self.name == "cardinality") {
      out->SetInt(r, static_cast<int64_t>(n));
      return absl::OkStatus();
    }
    const bool first_dimension = args.size() < 2 || args[1]->Int(r) == 1;
    if (n == 0 || !first_dimension) return absl::OkStatus();
    if (self.name == "array_lower" || self.name == "array_ndims") {
      out->SetInt(r, 1);
    } else {
      out->SetInt(r, static_cast<int64_t>(n));
    }
    return absl::OkStatus();
  });
}

// array_to_string(a, delimiter [, null_string]): NULL elements skipped without one.
absl::Status ToString(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  const Type element = ElementOf(args[0]->type());
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    if (args[0]->IsNull(r) || args[1]->IsNull(r)) continue;
    const bool null_text = args.size() > 2 && !args[2]->IsNull(r);
    std::string s;
    bool first = true;
    for (const Value& v : DecodeArray(args[0]->Str(r), element)) {
      if (v.is_null() && !null_text) continue;
      if (!first) s += args[1]->Str(r);
      first = false;
      s += v.is_null() ? args[2]->Str(r) : FormatValue(v);
    }
    out->SetStr(r, std::move(s));
  }
  return absl::OkStatus();
}

// string_to_array(s, delimiter [, null_string]): a NULL delimiter splits into
// characters, an empty one keeps the whole string; an empty string is an empty array.
absl::Status FromString(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  const Type text(TypeId::kText);
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    if (args[0]->IsNull(r)) continue;
    const std::string& s = args[0]->Str(r);
    std::vector<std::string> parts;
    if (s.empty()) {
      // no elements
    } else if (args[1]->IsNull(r)) {
      for (size_t i = 0; i < s.size();) {
        size_t n = 1;
        while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
        parts.push_back(s.substr(i, n));
        i += n;
      }
    } else if (args[1]->Str(r).empty()) {
      parts.push_back(s);
    } else {
      parts = absl::StrSplit(s, args[1]->Str(r));
    }
    std::string bytes;
    for (std::string& p : parts) {
      const bool is_null = args.size() > 2 && !args[2]->IsNull(r) && p == args[2]->Str(r);
      AppendArrayElement(is_null ? Value::Null(text) : Value::String(text, std::move(p)), &bytes);
    }
    out->SetStr(r, std::move(bytes));
  }
  return absl::OkStatus();
}

// array_position(a, e): the first element equal to e (IS NOT DISTINCT FROM), or NULL.
// array_remove(a, e): a without the elements equal to e.
absl::Status Search(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  const Type element = ElementOf(args[0]->type());
  const bool remove = self.name == "array_remove";
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    if (args[0]->IsNull(r)) continue;
    const bool needle_null = args[1]->IsNull(r);
    const std::string needle = needle_null ? std::string() : ElementKey(args[1]->Get(r));
    const std::string& bytes = args[0]->Str(r);
    const std::vector<ArrayElementKey> keys = ArrayElementKeys(bytes, element);
    const auto matches = [&](const ArrayElementKey& e) { return e.null ? needle_null : !needle_null && e.key == needle; };
    if (!remove) {
      const auto it = std::find_if(keys.begin(), keys.end(), matches);
      if (it != keys.end()) out->SetInt(r, static_cast<int64_t>(it - keys.begin()) + 1);
      continue;
    }
    const std::vector<Value> values = DecodeArray(bytes, element);
    std::string kept;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!matches(keys[i])) AppendArrayElement(values[i], &kept);
    }
    out->SetStr(r, std::move(kept));
  }
  return absl::OkStatus();
}

absl::Status NoOperator(std::string_view op, const Type& l, const Type& r) {
  return SqlError(sqlstate::kUndefinedFunction,
                  absl::StrCat("operator does not exist: ", l.Name(), " ", std::string(op), " ", r.Name()));
}

bool IsComparison(std::string_view op) {
  return op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

// The element type an argument beside an array of `element` must take.
std::optional<Type> ElementArgument(const Type& arg, const Type& element) {
  if (arg.id == TypeId::kUnknown || arg.SameBase(element)) return element;
  if (CanCast(arg, element, CastContext::kImplicit)) return element;
  return std::nullopt;
}

}  // namespace

ScalarKernel ArrayConstructKernel() { return Construct; }
ScalarKernel ArraySubscriptKernel() { return Subscript; }
ScalarKernel ArrayQuantifiedKernel() { return Quantified; }

std::optional<absl::StatusOr<FunctionMatch>> ResolveArrayOperator(std::string_view op, const Type& left, const Type& right) {
  const bool la = left.id == TypeId::kArray, ra = right.id == TypeId::kArray;
  if (!la && !ra) return std::nullopt;
  const Type array = la ? left : right;
  const Type other = la ? right : left;
  const Type boolean(TypeId::kBool);
  if (op == "||") {
    if (other.id == TypeId::kUnknown || other.SameBase(array)) return MakeMatch(Concat, array, {array, array});
    if (other.id == TypeId::kArray) return NoOperator(op, left, right);
    auto element = ElementArgument(other, ElementOf(array));
    if (!element) return NoOperator(op, left, right);
    return MakeMatch(Concat, array, la ? std::vector<Type>{array, *element} : std::vector<Type>{*element, array});
  }
  const bool same = other.id == TypeId::kUnknown || other.SameBase(array);
  if (IsComparison(op) && same) return MakeMatch(CompareKernel(op, Storage::kString, false), boolean, {array, array});
  if ((op == "@>" || op == "<@" || op == "&&") && same) return MakeMatch(Containment, boolean, {array, array});
  return NoOperator(op, left, right);
}

std::optional<absl::StatusOr<FunctionMatch>> ResolveArrayFunction(std::string_view name, const std::vector<Type>& args) {
  const Type int4(TypeId::kInt4), text(TypeId::kText);
  const auto stringish = [](const Type& t) { return t.is_string() || t.id == TypeId::kUnknown; };
  if (name == "string_to_array" && (args.size() == 2 || args.size() == 3) &&
      std::all_of(args.begin(), args.end(), stringish)) {
    return MakeMatch(FromString, Type::Array(TypeId::kText), std::vector<Type>(args.size(), text));
  }
  const bool known = name == "array_length" || name == "array_upper" || name == "array_lower" || name == "cardinality" ||
                     name == "array_ndims" || name == "array_to_string" || name == "array_append" ||
                     name == "array_prepend" || name == "array_cat" || name == "array_position" || name == "array_remove";
  if (!known) return std::nullopt;
  const size_t array_arg = name == "array_prepend" ? 1 : 0;
  if (args.size() <= array_arg || args[array_arg].id != TypeId::kArray) {
    return std::nullopt;  // the caller reports the function as missing for these types
  }
  const Type array = args[array_arg];
  const Type element = ElementOf(array);
  const auto int_arg = [](const Type& t) { return t.id == TypeId::kInt2 || t.id == TypeId::kInt4 || t.id == TypeId::kUnknown; };
  if ((name == "cardinality" || name == "array_ndims") && args.size() == 1) return MakeMatch(Length, int4, {array});
  if ((name == "array_length" || name == "array_upper" || name == "array_lower") && args.size() == 2 && int_arg(args[1])) {
    return MakeMatch(Length, int4, {array, int4});
  }
  if (name == "array_to_string" && (args.size() == 2 || args.size() == 3) &&
      std::all_of(args.begin() + 1, args.end(), stringish)) {
    return MakeMatch(ToString, text, args.size() == 2 ? std::vector<Type>{array, text} : std::vector<Type>{array, text, text});
  }
  if (name == "array_cat" && args.size() == 2 && (args[1].SameBase(array) || args[1].id == TypeId::kUnknown)) {
    return MakeMatch(Concat, array, {array, array});
  }
  if (args.size() != 2) return std::nullopt;
  auto e = ElementArgument(args[name == "array_prepend" ? 0 : 1], element);
  if (!e) return std::nullopt;
  if (name == "array_append") return MakeMatch(Concat, array, {array, *e});
  if (name == "array_prepend") return MakeMatch(Concat, array, {*e, array});
  if (name == "array_position") return MakeMatch(Search, int4, {array, *e});
  if (name == "array_remove") return MakeMatch(Search, array, {array, *e});
  return std::nullopt;
}

}  // namespace quanta::sql
