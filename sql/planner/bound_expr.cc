#include "sql/planner/bound_expr.h"

#include "engine/env/assert.h"
#include "sql/types/numeric.h"

namespace quanta::sql {
namespace {

bool SameValue(const Value& a, const Value& b) {
  if (!(a.type() == b.type()) || a.is_null() != b.is_null()) return false;
  if (a.is_null()) return true;
  switch (StorageOf(a.type())) {
    case Storage::kInt: return a.int_value() == b.int_value();
    case Storage::kFloat: return a.float_value() == b.float_value();
    case Storage::kString: return a.str() == b.str();
    case Storage::kNumeric: return a.numeric().Compare(b.numeric()) == 0 && a.numeric().scale() == b.numeric().scale();
  }
  return false;
}

}  // namespace

bool BoundExpr::Equals(const BoundExpr& o) const {
  if (kind == BoundKind::kSequence) return false;  // volatile: two calls are two values
  if (kind != o.kind || !(type == o.type) || args.size() != o.args.size()) return false;
  if (column != o.column || param != o.param || kernel != o.kernel || negated != o.negated) return false;
  if (bool_target != o.bool_target || cast_context != o.cast_context || name != o.name) return false;
  if (kind == BoundKind::kConstant && !SameValue(constant, o.constant)) return false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i]->Equals(*o.args[i])) return false;
  }
  return true;
}

BoundExprPtr BoundExpr::Clone() const {
  auto e = std::make_unique<BoundExpr>();
  e->kind = kind;
  e->type = type;
  e->constant = constant;
  e->column = column;
  e->param = param;
  e->kernel = kernel;
  e->name = name;
  e->cast_context = cast_context;
  e->negated = negated;
  e->bool_target = bool_target;
  e->compare = compare;
  for (const BoundExprPtr& a : args) e->args.push_back(a->Clone());
  return e;
}

BoundExprPtr MakeNode(BoundKind kind, Type type) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = kind;
  e->type = type;
  return e;
}

BoundExprPtr MakeConstant(Value v) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = BoundKind::kConstant;
  e->type = v.type();
  e->constant = std::move(v);
  return e;
}

BoundExprPtr MakeColumn(int index, Type type) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = BoundKind::kColumn;
  e->type = type;
  e->column = index;
  return e;
}

BoundExprPtr Conjoin(std::vector<BoundExprPtr> terms) {
  QUANTA_ASSERT(!terms.empty());
  BoundExprPtr all = std::move(terms[0]);
  for (size_t i = 1; i < terms.size(); ++i) {
    QUANTA_ASSERT(terms[i] != nullptr);
    auto both = MakeNode(BoundKind::kAnd, Type(TypeId::kBool));
    both->args.push_back(std::move(all));
    both->args.push_back(std::move(terms[i]));
    all = std::move(both);
  }
  return all;
}

void MapColumns(BoundExpr* e, const std::vector<int>& to) {
  if (e->kind == BoundKind::kColumn) {
    QUANTA_ASSERT(e->column >= 0 && static_cast<size_t>(e->column) < to.size());
    e->column = to[static_cast<size_t>(e->column)];
    QUANTA_ASSERT(e->column >= 0);
  }
  for (BoundExprPtr& a : e->args) MapColumns(a.get(), to);
}

void MarkColumns(const BoundExpr& e, std::vector<bool>* read) {
  if (e.kind == BoundKind::kColumn && e.column >= 0) {
    QUANTA_ASSERT(static_cast<size_t>(e.column) < read->size());
    (*read)[static_cast<size_t>(e.column)] = true;
  }
  for (const BoundExprPtr& a : e.args) MarkColumns(*a, read);
}

void ShiftColumns(BoundExpr* e, int delta) {
  if (e->kind == BoundKind::kColumn) {
    e->column += delta;
    QUANTA_ASSERT(e->column >= 0);
  }
  for (BoundExprPtr& a : e->args) ShiftColumns(a.get(), delta);
}

}  // namespace quanta::sql
