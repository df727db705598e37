#include "sql/execution/functions.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/kernels.h"

namespace quanta::sql {
namespace {

bool IsStringish(const Type& t) { return t.is_string() || t.id == TypeId::kUnknown; }
bool IsComparison(std::string_view op) {
  return op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

// The numeric type both arguments meet at.
Type Promote(const Type& a, const Type& b) {
  if (a.is_float() || b.is_float()) {
    return a.id == TypeId::kFloat4 && b.id == TypeId::kFloat4 ? Type(TypeId::kFloat4) : Type(TypeId::kFloat8);
  }
  const TypeId id = NumericRank(a.id) >= NumericRank(b.id) ? a.id : b.id;
  return Type(id == TypeId::kOid ? TypeId::kInt8 : id);
}

absl::Status NoOperator(std::string_view op, const Type& l, const Type& r) {
  return SqlError(sqlstate::kUndefinedFunction,
                  absl::StrCat("operator does not exist: ", l.Name(), " ", std::string(op), " ", r.Name()), 0);
}

absl::Status NoFunction(std::string_view name, const std::vector<Type>& args) {
  std::vector<std::string> names;
  for (const Type& t : args) names.push_back(t.Name());
  return SqlError(sqlstate::kUndefinedFunction,
                  absl::StrCat("function ", std::string(name), "(", absl::StrJoin(names, ", "), ") does not exist"));
}

FunctionMatch Match(ScalarKernel kernel, Type result, std::vector<Type> args) {
  return MakeMatch(kernel, std::move(result), std::move(args));
}

// Unknown literals take their partner's type (text beside a non-string for ||).
void ResolveUnknowns(std::string_view op, Type* l, Type* r) {
  if (l->id == TypeId::kUnknown && r->id == TypeId::kUnknown) {
    *l = *r = Type(TypeId::kText);
  } else if (l->id == TypeId::kUnknown) {
    *l = (op == "||" && !r->is_string()) ? Type(TypeId::kText) : Type(r->id == TypeId::kArray ? TypeId::kText : r->id);
  } else if (r->id == TypeId::kUnknown) {
    *r = (op == "||" && !l->is_string()) ? Type(TypeId::kText) : Type(l->id == TypeId::kArray ? TypeId::kText : l->id);
  }
}

bool AcceptsInt4(const Type& t) { return t.id == TypeId::kInt2 || t.id == TypeId::kInt4 || t.id == TypeId::kUnknown; }

absl::StatusOr<FunctionMatch> ResolveStringFunction(std::string_view name, const std::vector<Type>& args) {
  const ScalarKernel kernel = StringFunctionKernel(name);
  QUANTA_ASSERT(kernel != nullptr);
  const Type text(TypeId::kText), int4(TypeId::kInt4), int8(TypeId::kInt8);
  const auto strings = [&](size_t n) {
    if (args.size() != n) return false;
    return std::all_of(args.begin(), args.end(), [](const Type& t) { return IsStringish(t); });
  };
  const bool length_like = name == "length" || name == "char_length" || name == "character_length" || name == "octet_length";
  if (length_like && strings(1)) return Match(kernel, int4, {args[0].id == TypeId::kBpchar ? args[0] : text});
  if ((name == "lower" || name == "upper" || name == "reverse") && strings(1)) return Match(kernel, text, {text});
  if ((name == "btrim" || name == "ltrim" || name == "rtrim") && (strings(1) || strings(2))) {
    return Match(kernel, text, std::vector<Type>(args.size(), text));
  }
  if ((name == "replace") && strings(3)) return Match(kernel, text, {text, text, text});
  if ((name == "strpos" || name == "position") && strings(2)) return Match(kernel, int4, {text, text});
  const bool text_then_ints = !args.empty() && IsStringish(args[0]) &&
                              std::all_of(args.begin() + 1, args.end(), AcceptsInt4);
  if ((name == "substr" || name == "substring") && text_then_ints && (args.size() == 2 || args.size() == 3)) {
    return Match(kernel, text, args.size() == 2 ? std::vector<Type>{text, int4} : std::vector<Type>{text, int4, int4});
  }
  if ((name == "left" || name == "right" || name == "repeat") && text_then_ints && args.size() == 2) {
    return Match(kernel, text, {text, int4});
  }
  if (name == "concat" && !args.empty()) return Match(kernel, text, std::vector<Type>(args.size(), text));
  return NoFunction(name, args);
}

absl::StatusOr<FunctionMatch> ResolveMathFunction(std::string_view name, const std::vector<Type>& args) {
  if (args.empty() || !std::all_of(args.begin(), args.end(), [](const Type& t) {
        return t.is_numeric_category() || t.id == TypeId::kUnknown;
      })) {
    return NoFunction(name, args);
  }
  Type t = args[0].id == TypeId::kUnknown ? Type(TypeId::kFloat8) : Type(args[0].id);
  if (t.id == TypeId::kOid) t = Type(TypeId::kInt8);
  const bool keeps_int = name == "abs";
  if (t.is_integer() && !keeps_int) t = Type(TypeId::kFloat8);  // round(float8) is the preferred candidate
  if (t.id == TypeId::kFloat4 && name != "abs") t = Type(TypeId::kFloat8);
  if ((name == "round" || name == "trunc") && args.size() == 2) {
    if (!AcceptsInt4(args[1]) || args[0].is_float()) return NoFunction(name, args);
    return Match(MathFunctionKernel(name, Storage::kNumeric), Type(TypeId::kNumeric), {Type(TypeId::kNumeric), Type(TypeId::kInt4)});
  }
  if (args.size() != 1) return NoFunction(name, args);
  const bool float_only = name == "sqrt" || name == "exp";
  if (float_only && t.id == TypeId::kNumeric) {
    return SqlError(sqlstate::kFeatureNotSupported, absl::StrCat(std::string(name), "(numeric) is not supported yet"));
  }
  if (float_only) t = Type(TypeId::kFloat8);
  const ScalarKernel kernel = MathFunctionKernel(name, StorageOf(t));
  if (kernel == nullptr) return NoFunction(name, args);
  return Match(kernel, t, {t});
}

// encode(bytea, text), decode(text, text), length/octet_length(bytea).
std::optional<FunctionMatch> ResolveBinaryFunction(std::string_view name, const std::vector<Type>& args) {
  const Type bytea(TypeId::kBytea), text(TypeId::kText), int4(TypeId::kInt4);
  const auto stringish = [](const Type& t) { return IsStringish(t); };
  if (name == "encode" && args.size() == 2 && args[0].id == TypeId::kBytea && stringish(args[1])) {
    return Match(BinaryFunctionKernel(name), text, {bytea, text});
  }
  if (name == "decode" && args.size() == 2 && stringish(args[0]) && stringish(args[1])) {
    return Match(BinaryFunctionKernel(name), bytea, {text, text});
  }
  if ((name == "length" || name == "octet_length") && args.size() == 1 && args[0].id == TypeId::kBytea) {
    return Match(BinaryFunctionKernel("octet_length"), int4, {bytea});
  }
  return std::nullopt;
}

bool IsStringFunction(std::string_view n) {
  return StringFunctionKernel(n) != nullptr;
}

bool IsMathFunction(std::string_view n) {
  return n == "abs" || n == "sign" || n == "round" || n == "trunc" || n == "ceil" || n == "ceiling" ||
         n == "floor" || n == "sqrt" || n == "exp";
}

}  // namespace

FunctionMatch MakeMatch(ScalarKernel kernel, Type result, std::vector<Type> args) {
  FunctionMatch m;
  m.kernel = kernel;
  m.result = result;
  m.arg_types = std::move(args);
  return m;
}

absl::StatusOr<Type> CommonType(const std::vector<Type>& types, std::string_view context) {
  std::optional<Type> common;
  for (const Type& t : types) {
    if (t.id == TypeId::kUnknown) continue;
    if (!common) {
      common = t;
      continue;
    }
    if (*common == t) continue;
    if (common->category() != t.category()) {
      return SqlError(sqlstate::kDatatypeMismatch, absl::StrCat(std::string(context), " types ", common->Name(), " and ",
                                                                t.Name(), " cannot be matched"));
    }
    if (t.is_numeric_category()) {
      *common = Promote(*common, t);
    } else if (t.is_string()) {
      *common = common->SameBase(t) ? Type(t.id) : Type(TypeId::kText);
    } else if (!common->SameBase(t)) {
      return SqlError(sqlstate::kDatatypeMismatch, absl::StrCat(std::string(context), " types ", common->Name(), " and ",
                                                                t.Name(), " cannot be matched"));
    }
  }
  return common.value_or(Type(TypeId::kText));
}

absl::StatusOr<FunctionMatch> ResolveBinaryOperator(std::string_view op, const Type& left, const Type& right) {
  if (auto datetime = ResolveDateTimeOperator(op, left, right)) return std::move(*datetime);
  if (auto json = ResolveJsonOperator(op, left, right)) return std::move(*json);
  if (auto array = ResolveArrayOperator(op, left, right)) return std::move(*array);
  Type l = left, r = right;
  if (l.id == TypeId::kUnknown && r.id == TypeId::kUnknown && !IsComparison(op) && op != "||" &&
      RegexMatchKernel(op) == nullptr) {
    return SqlError("42725", absl::StrCat("operator is not unique: unknown ", std::string(op), " unknown"));
  }
  ResolveUnknowns(op, &l, &r);
  const Type boolean(TypeId::kBool);
  if (ScalarKernel regex = RegexMatchKernel(op)) {
    if (!l.is_string() || !r.is_string()) return NoOperator(op, left, right);
    return Match(regex, boolean, {Type(TypeId::kText), Type(TypeId::kText)});
  }
  const bool bytes = (l.id == TypeId::kBytea || l.id == TypeId::kUuid) && l.SameBase(r);
  if (op == "||" && l.id == TypeId::kBytea && bytes) return Match(ConcatKernel(), l, {l, l});
  if (IsComparison(op) && bytes) return Match(CompareKernel(op, Storage::kString, false), boolean, {l, l});
  if (op == "||") {
    if (!l.is_string() && !r.is_string()) return NoOperator(op, left, right);
    FunctionMatch m = Match(ConcatKernel(), Type(TypeId::kText), {Type(TypeId::kText), Type(TypeId::kText)});
    return m;
  }
  if (IsComparison(op)) {
    if (l.is_numeric_category() && r.is_numeric_category()) {
      const Type t = Promote(l, r);
      return Match(CompareKernel(op, StorageOf(t), false), boolean, {t, t});
    }
    if (l.is_string() && r.is_string()) {
      const bool padded = l.id == TypeId::kBpchar && r.id == TypeId::kBpchar;
      return Match(CompareKernel(op, Storage::kString, padded), boolean, {l, r});
    }
    if (l.id == TypeId::kBool && r.id == TypeId::kBool) return Match(CompareKernel(op, Storage::kInt, false), boolean, {l, r});
    return NoOperator(op, left, right);
  }
  if (op.size() != 1 || !l.is_numeric_category() || !r.is_numeric_category()) return NoOperator(op, left, right);
  Type t = Promote(l, r);
  if (op == "^") {
    if (t.id == TypeId::kNumeric) return SqlError(sqlstate::kFeatureNotSupported, "numeric ^ numeric is not supported yet");
    t = Type(TypeId::kFloat8);
  }
  const ScalarKernel kernel = ArithmeticKernel(op[0], StorageOf(t));
  if (kernel == nullptr) return NoOperator(op, t, t);
  return Match(kernel, t, {t, t});
}

absl::StatusOr<FunctionMatch> ResolveUnaryOperator(std::string_view op, const Type& arg) {
  if (auto datetime = ResolveDateTimeUnary(op, arg)) return std::move(*datetime);
  if (!arg.is_numeric_category()) {
    return SqlError(sqlstate::kUndefinedFunction, absl::StrCat("operator does not exist: ", std::string(op), " ", arg.Name()));
  }
  const Type t = arg.id == TypeId::kOid ? Type(TypeId::kInt8) : Type(arg.id);
  if (op == "-") return Match(NegateKernel(StorageOf(t)), t, {t});
  if (op == "@") return Match(MathFunctionKernel("abs", StorageOf(t)), t, {t});
  if (op == "|/") return ResolveMathFunction("sqrt", {t});
  return SqlError(sqlstate::kUndefinedFunction, absl::StrCat("operator does not exist: ", std::string(op), " ", arg.Name()));
}

absl::StatusOr<FunctionMatch> ResolveFunction(std::string_view name, const std::vector<Type>& args) {
  if (name == "coalesce" || name == "greatest" || name == "least") {
    if (args.empty()) return NoFunction(name, args);
    auto t = CommonType(args, name == "coalesce" ? "COALESCE" : absl::AsciiStrToUpper(std::string(name)));
    if (!t.ok()) return t.status();
    FunctionMatch m = Match(name == "coalesce" ? nullptr : MathFunctionKernel(name, StorageOf(*t)), *t,
                            std::vector<Type>(args.size(), *t));
    if (name == "coalesce") m.kind = BoundKind::kCoalesce;
    return m;
  }
  if (name == "mod" && args.size() == 2) return ResolveBinaryOperator("%", args[0], args[1]);
  if ((name == "power" || name == "pow") && args.size() == 2) return ResolveBinaryOperator("^", args[0], args[1]);
  if (auto datetime = ResolveDateTimeFunction(name, args)) return std::move(*datetime);
  if (name == "regexp_replace" && (args.size() == 3 || args.size() == 4) &&
      std::all_of(args.begin(), args.end(), [](const Type& t) { return IsStringish(t); })) {
    return Match(RegexpReplaceKernel(), Type(TypeId::kText), std::vector<Type>(args.size(), Type(TypeId::kText)));
  }
  if (name == "regexp_split_to_array" && (args.size() == 2 || args.size() == 3) &&
      std::all_of(args.begin(), args.end(), [](const Type& t) { return IsStringish(t); })) {
    return Match(RegexpSplitKernel(), Type::Array(TypeId::kText), std::vector<Type>(args.size(), Type(TypeId::kText)));
  }
  if (auto array = ResolveArrayFunction(name, args)) return std::move(*array);
  if (auto json = ResolveJsonFunction(name, args)) return std::move(*json);
  if (auto binary = ResolveBinaryFunction(name, args)) return std::move(*binary);
  if (IsStringFunction(name)) return ResolveStringFunction(name, args);
  if (IsMathFunction(name)) return ResolveMathFunction(name, args);
  return NoFunction(name, args);
}

bool IsAggregateName(std::string_view name) {
  return name == "count" || name == "sum" || name == "avg" || name == "min" || name == "max" || name == "bool_and" ||
         name == "bool_or" || name == "every" || name == "string_agg" || name == "array_agg" || name == "grouping";
}

}  // namespace quanta::sql
