// Scalar kernels (execution/kernels_*.cc), looked up by functions.cc. Each computes
// its result for the given rows into a flat output vector; strict kernels leave a row
// NULL when any argument is NULL.
#pragma once

#include <string_view>

#include "sql/execution/expression.h"

namespace quanta::sql {

// Applies `f(r)` to every row of `rows` where no argument is NULL.
template <class F>
absl::Status ForStrictRows(const std::vector<const Vector*>& args, const Rows& rows, F f) {
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    bool null = false;
    for (const Vector* a : args) {
      if (a->IsNull(r)) {
        null = true;
        break;
      }
    }
    if (null) continue;
    absl::Status s = f(r);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// Arithmetic: op is one of + - * / % ^, over the storage of the (common) type.
ScalarKernel ArithmeticKernel(char op, Storage storage);
ScalarKernel NegateKernel(Storage storage);
// Comparison: op is one of = <> < <= > >=. `padded`: char(n) semantics.
ScalarKernel CompareKernel(std::string_view op, Storage storage, bool padded);
// Whether three-way result `c` (<0, 0, >0) satisfies comparison `op` (= <> < <= > >=).
bool CompareHolds(std::string_view op, int c);
// Three-way comparison of two non-NULL values of one storage (sorting, grouping).
int CompareValues(const Vector& a, size_t ra, const Vector& b, size_t rb, bool padded);

// Strings.
ScalarKernel ConcatKernel();
ScalarKernel LikeKernel(bool case_insensitive);
ScalarKernel StringFunctionKernel(std::string_view name);  // lower, upper, length...
// Regular expressions (RE2): ~ ~* !~ !~* (nullptr for another op), SIMILAR TO, regexp_replace.
ScalarKernel RegexMatchKernel(std::string_view op);
ScalarKernel SimilarKernel();
ScalarKernel RegexpReplaceKernel();
ScalarKernel RegexpSplitKernel();  // regexp_split_to_array(s, pattern [, flags]) -> text[]
// Arrays (kernels_array.cc): ARRAY[...] (not strict), a[i], needle op ANY/ALL (array)
// (self.name: the comparison; self.negated: ALL).
ScalarKernel ArrayConstructKernel();
ScalarKernel ArraySubscriptKernel();
ScalarKernel ArrayQuantifiedKernel();
// bytea (kernels_binary.cc): encode, decode, length/octet_length.
ScalarKernel BinaryFunctionKernel(std::string_view name);
// Math.
ScalarKernel MathFunctionKernel(std::string_view name, Storage storage);

}  // namespace quanta::sql
