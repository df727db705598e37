// Operator and function resolution: which kernel computes `a + b`, `a = b`, `lower(s)`
// for given argument types, and which casts the arguments need first.
//
// Operators follow PostgreSQL's resolution in effect: an unknown-typed literal takes
// the other side's type; numeric arguments meet at the higher of int2 < int4 < int8 <
// numeric < float8 (float4 with float4 stays float4); string arguments compare as
// text (char(n) with char(n) ignores trailing spaces); `||` turns a non-string side
// into text. Errors: 42883 "operator does not exist: integer + boolean" (and "function
// f(integer) does not exist"), 42725 when two unknowns leave it ambiguous.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

struct FunctionMatch {
  ScalarKernel kernel = nullptr;
  Type result;
  std::vector<Type> arg_types;  // the types the arguments are cast to (implicitly)
  BoundKind kind = BoundKind::kFunction;  // kCoalesce for coalesce
};

// A match of `kernel` returning `result` from arguments cast to `args`.
FunctionMatch MakeMatch(ScalarKernel kernel, Type result, std::vector<Type> args);

absl::StatusOr<FunctionMatch> ResolveBinaryOperator(std::string_view op, const Type& left, const Type& right);
absl::StatusOr<FunctionMatch> ResolveUnaryOperator(std::string_view op, const Type& arg);
absl::StatusOr<FunctionMatch> ResolveFunction(std::string_view name, const std::vector<Type>& args);
// The common type of a set of values (CASE branches, COALESCE, IN lists, UNION
// columns, VALUES columns): PostgreSQL's select_common_type. `context` names the
// construct in the error ("CASE types integer and text cannot be matched", 42804).
absl::StatusOr<Type> CommonType(const std::vector<Type>& types, std::string_view context);

// Date/time operators and functions (kernels_datetime.cc); nullopt when the arguments
// are not date/time ones (the caller resolves them), an error when no such operator.
std::optional<absl::StatusOr<FunctionMatch>> ResolveDateTimeOperator(std::string_view op, const Type& left, const Type& right);
std::optional<absl::StatusOr<FunctionMatch>> ResolveDateTimeUnary(std::string_view op, const Type& arg);
std::optional<absl::StatusOr<FunctionMatch>> ResolveDateTimeFunction(std::string_view name, const std::vector<Type>& args);

// Array operators (||, comparisons, @> <@ &&) and functions (array_length, unnest's
// relatives...) in kernels_array.cc; nullopt when no argument makes them array ones.
std::optional<absl::StatusOr<FunctionMatch>> ResolveArrayOperator(std::string_view op, const Type& left, const Type& right);
std::optional<absl::StatusOr<FunctionMatch>> ResolveArrayFunction(std::string_view name, const std::vector<Type>& args);

// json/jsonb operators (-> ->> #> #>> @> <@ ?, jsonb comparisons) and functions
// (json_typeof, json_array_length, to_json...) in kernels_json.cc; nullopt when no
// argument is json.
std::optional<absl::StatusOr<FunctionMatch>> ResolveJsonOperator(std::string_view op, const Type& left, const Type& right);
std::optional<absl::StatusOr<FunctionMatch>> ResolveJsonFunction(std::string_view name, const std::vector<Type>& args);
// json[b]_each[_text]'s key column (values: false, -> text[]) or value column (json[b][]
// or text[]) as an array of the object's members; the node's name is the function's.
ScalarKernel JsonEachKernel(bool values);

// Whether `name` is an aggregate function name (count, sum, avg, min, max...).
bool IsAggregateName(std::string_view name);

}  // namespace quanta::sql
