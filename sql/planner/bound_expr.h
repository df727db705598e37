// BoundExpr: an expression after binding: every name resolved to an input column,
// every operator and function to a kernel, every node typed. Built by the binder,
// evaluated over vectors by execution/expression.h (and row by row by the reference
// evaluator the tests compare it with).
//
// Ownership: a node owns its children. Immutable once built (plans are shared).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sql/types/cast.h"
#include "sql/types/value.h"

namespace quanta::sql {

class Vector;
struct Rows;
struct BoundExpr;
using BoundExprPtr = std::unique_ptr<BoundExpr>;

// A function's vector kernel: computes `self`'s result for every row in `rows` from
// the evaluated arguments (row-indexed vectors) into `out` (flat, self.type, all NULL
// on entry). Errors: the function's SQL error (22003, 22012...).
using ScalarKernel = absl::Status (*)(const BoundExpr& self, const std::vector<const Vector*>& args, const Rows& rows,
                                      Vector* out);

enum class BoundKind : uint8_t {
  kConstant,  // constant
  kColumn,    // column: input column index
  kParam,     // param: $n (1-based)
  kCast,      // args[0] to type, cast_context
  kFunction,  // kernel over args (strict unless the kernel says otherwise)
  kAnd,       // args (2), three-valued, right side only where the left does not decide
  kOr,
  kNot,
  kIsNull,    // args[0] IS [NOT] NULL (negated)
  kIsBool,    // args[0] IS [NOT] TRUE/FALSE/UNKNOWN: bool_target (0 false, 1 true, 2 unknown)
  kCase,      // args = when/then pairs, then the else (always present: NULL if absent)
  kCoalesce,  // first non-NULL of args, evaluated lazily
  kInList,    // args[0] [NOT] IN (args[1..]) with three-valued results
  kSequence,  // name: nextval/currval/setval/lastval over args (volatile: never folded)
  kClock,     // the statement's time (now(), current_date...) as `type` (never folded)
};

struct BoundExpr {
  BoundKind kind = BoundKind::kConstant;
  Type type;
  Value constant;
  int column = -1;
  int param = 0;
  std::vector<BoundExprPtr> args;
  ScalarKernel kernel = nullptr;
  std::string name;  // function or operator name, for EXPLAIN and errors
  CastContext cast_context = CastContext::kExplicit;
  bool negated = false;
  int bool_target = 0;
  // kInList: the comparison kernel for args[0] = args[i]
  ScalarKernel compare = nullptr;

  // Structural equality (GROUP BY matching): same kind, type, operands and kernel.
  bool Equals(const BoundExpr& o) const;
  bool IsConstant() const { return kind == BoundKind::kConstant; }
  BoundExprPtr Clone() const;
};

BoundExprPtr MakeNode(BoundKind kind, Type type);  // no operands yet
BoundExprPtr MakeConstant(Value v);
BoundExprPtr MakeColumn(int index, Type type);
// `terms` joined by AND (the only term itself). REQUIRES: non-empty.
BoundExprPtr Conjoin(std::vector<BoundExprPtr> terms);
// Moves every column reference of `e` by `delta` (an input's columns placed elsewhere).
void ShiftColumns(BoundExpr* e, int delta);
// Renumbers every column reference of `e`: column c becomes to[c] (inputs reordered).
void MapColumns(BoundExpr* e, const std::vector<int>& to);
// Sets (*read)[c] for every input column c that `e` reads (outer references, negative,
// are not input columns). REQUIRES: every column `e` reads is < read->size().
void MarkColumns(const BoundExpr& e, std::vector<bool>* read);

}  // namespace quanta::sql
