#include "sql/execution/expression.h"

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "sql/common/sql_error.h"
#include "sql/execution/sequences.h"
#include "sql/types/datetime.h"

namespace quanta::sql {
namespace {

// The rows of `rows` for which `pick(r)` holds.
// Branch-free: every row is written, and the count advances only past the picked ones
// (filters keep about half their rows, which mispredicts a branch half the time).
template <class Pick>
std::vector<uint32_t> Subset(const Rows& rows, Pick pick) {
  std::vector<uint32_t> out(rows.size());
  size_t n = 0;
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    out[n] = r;
    n += pick(r) ? 1 : 0;
  }
  QUANTA_DEBUG_ASSERT(n <= rows.size());
  out.resize(n);
  return out;
}

Rows Narrow(const Rows& rows, const std::vector<uint32_t>* sel) {
  Rows r;
  r.count = rows.count;
  r.sel = sel;
  return r;
}

absl::StatusOr<const Vector*> EvalLogic(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                        const EvalContext& ctx, Vector* out) {
  QUANTA_ASSERT(e.args.size() == 2);
  const bool is_and = e.kind == BoundKind::kAnd;
  Vector left_scratch;
  auto left = Evaluate(*e.args[0], in, rows, ctx, &left_scratch);
  if (!left.ok()) return left.status();
  // AND: false decides; OR: true decides. The right side runs on the other rows.
  const std::vector<uint32_t> undecided = Subset(rows, [&](uint32_t r) {
    return (*left)->IsNull(r) || ((*left)->Int(r) != 0) == is_and;
  });
  Vector right_scratch;
  const Vector* right = nullptr;
  if (!undecided.empty()) {
    auto evaluated = Evaluate(*e.args[1], in, Narrow(rows, &undecided), ctx, &right_scratch);
    if (!evaluated.ok()) return evaluated.status();
    right = *evaluated;
  }
  out->Reset(e.type, rows.count);
  size_t u = 0;
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    const bool l_null = (*left)->IsNull(r);
    const bool l = !l_null && (*left)->Int(r) != 0;
    if (!l_null && l != is_and) {
      out->SetInt(r, l);  // decided by the left side
      continue;
    }
    QUANTA_ASSERT(u < undecided.size() && undecided[u] == r);
    ++u;
    const bool r_null = right->IsNull(r);
    const bool rv = !r_null && right->Int(r) != 0;
    if (!r_null && rv != is_and) {
      out->SetInt(r, rv);
    } else if (!l_null && !r_null) {
      out->SetInt(r, is_and);
    }  // else NULL
  }
  QUANTA_ASSERT(u == undecided.size());
  return out;
}

absl::StatusOr<const Vector*> EvalCase(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                       const EvalContext& ctx, Vector* out) {
  QUANTA_ASSERT(e.args.size() % 2 == 1);
  out->Reset(e.type, rows.count);
  std::vector<uint32_t> remaining(rows.size());
  for (size_t k = 0; k < rows.size(); ++k) remaining[k] = rows[k];
  for (size_t i = 0; i + 1 < e.args.size() && !remaining.empty(); i += 2) {
    Vector cond_scratch, value_scratch;
    auto cond = Evaluate(*e.args[i], in, Narrow(rows, &remaining), ctx, &cond_scratch);
    if (!cond.ok()) return cond.status();
    std::vector<uint32_t> taken, rest;
    for (uint32_t r : remaining) {
      ((!(*cond)->IsNull(r) && (*cond)->Int(r) != 0) ? taken : rest).push_back(r);
    }
    if (!taken.empty()) {
      auto value = Evaluate(*e.args[i + 1], in, Narrow(rows, &taken), ctx, &value_scratch);
      if (!value.ok()) return value.status();
      for (uint32_t r : taken) out->CopyRow(**value, r, r);
    }
    remaining = std::move(rest);
  }
  if (!remaining.empty()) {
    Vector else_scratch;
    auto value = Evaluate(*e.args.back(), in, Narrow(rows, &remaining), ctx, &else_scratch);
    if (!value.ok()) return value.status();
    for (uint32_t r : remaining) out->CopyRow(**value, r, r);
  }
  return out;
}

absl::StatusOr<const Vector*> EvalCoalesce(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                           const EvalContext& ctx, Vector* out) {
  out->Reset(e.type, rows.count);
  std::vector<uint32_t> remaining(rows.size());
  for (size_t k = 0; k < rows.size(); ++k) remaining[k] = rows[k];
  for (const BoundExprPtr& arg : e.args) {
    if (remaining.empty()) break;
    Vector scratch;
    auto value = Evaluate(*arg, in, Narrow(rows, &remaining), ctx, &scratch);
    if (!value.ok()) return value.status();
    std::vector<uint32_t> rest;
    for (uint32_t r : remaining) {
      if ((*value)->IsNull(r)) {
        rest.push_back(r);
      } else {
        out->CopyRow(**value, r, r);
      }
    }
    remaining = std::move(rest);
  }
  return out;
}

absl::StatusOr<const Vector*> EvalInList(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                         const EvalContext& ctx, Vector* out) {
  QUANTA_ASSERT(e.compare != nullptr);
  Vector needle_scratch;
  auto needle = Evaluate(*e.args[0], in, rows, ctx, &needle_scratch);
  if (!needle.ok()) return needle.status();
  out->Reset(e.type, rows.count);
  std::vector<uint8_t> found(rows.count, 0), saw_null(rows.count, 0);
  for (size_t i = 1; i < e.args.size(); ++i) {
    Vector item_scratch, eq;
    auto item = Evaluate(*e.args[i], in, rows, ctx, &item_scratch);
    if (!item.ok()) return item.status();
    eq.Reset(Type(TypeId::kBool), rows.count);
    RETURN_IF_ERROR(e.compare(e, {*needle, *item}, rows, &eq));
    for (size_t k = 0; k < rows.size(); ++k) {
      const uint32_t r = rows[k];
      if (eq.IsNull(r)) {
        saw_null[r] = 1;
      } else if (eq.Int(r) != 0) {
        found[r] = 1;
      }
    }
  }
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    if (found[r]) {
      out->SetInt(r, !e.negated);
    } else if (!saw_null[r]) {
      out->SetInt(r, e.negated);
    }
  }
  return out;
}

absl::StatusOr<const Vector*> EvalCast(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                       const EvalContext& ctx, Vector* out) {
  Vector scratch;
  auto arg = Evaluate(*e.args[0], in, rows, ctx, &scratch);
  if (!arg.ok()) return arg.status();
  if ((*arg)->is_constant() && rows.size() > 0) {  // one cast for every row
    auto v = (*arg)->IsNull(0) ? absl::StatusOr<Value>(Value::Null(e.type)) : CastValue((*arg)->Get(0), e.type, e.cast_context);
    if (!v.ok()) return v.status();
    v->set_type(e.type);
    out->SetConstant(*v);
    return out;
  }
  out->Reset(e.type, rows.count);
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    if ((*arg)->IsNull(r)) continue;
    auto v = CastValue((*arg)->Get(r), e.type, e.cast_context);
    if (!v.ok()) return v.status();
    out->SetValue(r, *v);
  }
  return out;
}

absl::StatusOr<const Vector*> EvalPredicates(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                             const EvalContext& ctx, Vector* out) {
  Vector scratch;
  auto arg = Evaluate(*e.args[0], in, rows, ctx, &scratch);
  if (!arg.ok()) return arg.status();
  out->Reset(e.type, rows.count);
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    const bool null = (*arg)->IsNull(r);
    bool result = false;
    switch (e.kind) {
      case BoundKind::kNot:
        if (null) continue;
        result = (*arg)->Int(r) == 0;
        break;
      case BoundKind::kIsNull:
        result = null != e.negated;
        break;
      case BoundKind::kIsBool: {
        const int actual = null ? 2 : ((*arg)->Int(r) != 0 ? 1 : 0);
        result = (actual == e.bool_target) != e.negated;
        break;
      }
      default: QUANTA_UNREACHABLE("predicate kind");
    }
    out->SetInt(r, result);
  }
  return out;
}

absl::StatusOr<const Vector*> EvalFunction(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                           const EvalContext& ctx, Vector* out) {
  QUANTA_ASSERT(e.kernel != nullptr);
  std::vector<Vector> scratch(e.args.size());
  std::vector<const Vector*> args;
  args.reserve(e.args.size());
  for (size_t i = 0; i < e.args.size(); ++i) {
    auto arg = Evaluate(*e.args[i], in, rows, ctx, &scratch[i]);
    if (!arg.ok()) return arg.status();
    args.push_back(*arg);
  }
  out->Reset(e.type, rows.count);
  RETURN_IF_ERROR(e.kernel(e, args, rows, out));
  QUANTA_ASSERT(out->size() == rows.count);  // kernels write row-indexed results in place
  QUANTA_ASSERT(StorageOf(out->type()) == StorageOf(e.type));
  return out;
}

// nextval/currval/setval/lastval, row by row in order (each call has an effect).
absl::StatusOr<const Vector*> EvalSequence(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                           const EvalContext& ctx, Vector* out) {
  if (ctx.sequences == nullptr) {
    return SqlError(sqlstate::kFeatureNotSupported, absl::StrCat(e.name, "() cannot be called here"));
  }
  std::vector<Vector> scratch(e.args.size());
  std::vector<const Vector*> args;
  for (size_t i = 0; i < e.args.size(); ++i) {
    auto arg = Evaluate(*e.args[i], in, rows, ctx, &scratch[i]);
    if (!arg.ok()) return arg.status();
    args.push_back(*arg);
  }
  out->Reset(e.type, rows.count);
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    bool null = false;
    for (const Vector* a : args) null = null || a->IsNull(r);
    if (null) continue;  // strict
    absl::StatusOr<int64_t> v;
    if (e.name == "nextval") {
      v = ctx.sequences->Next(args[0]->Str(r));
    } else if (e.name == "currval") {
      v = ctx.sequences->Current(args[0]->Str(r));
    } else if (e.name == "setval") {
      v = ctx.sequences->Set(args[0]->Str(r), args[1]->Int(r), args.size() < 3 || args[2]->Int(r) != 0);
    } else {
      QUANTA_ASSERT(e.name == "lastval");
      v = ctx.sequences->Last();
    }
    if (!v.ok()) return v.status();
    out->SetInt(r, *v);
  }
  return out;
}

}  // namespace

absl::StatusOr<const Vector*> Evaluate(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                       const EvalContext& ctx, Vector* scratch) {
  switch (e.kind) {
    case BoundKind::kConstant:
      scratch->SetConstant(e.constant);
      return scratch;
    case BoundKind::kColumn:
      QUANTA_ASSERT(e.column >= 0);
      QUANTA_ASSERT(static_cast<size_t>(e.column) < in.columns.size());
      return &in.columns[static_cast<size_t>(e.column)];
    case BoundKind::kParam: {
      if (ctx.params == nullptr || e.param < 1 || static_cast<size_t>(e.param) > ctx.params->size()) {
        return SqlError(sqlstate::kUndefinedObject, absl::StrCat("there is no parameter $", e.param));
      }
      auto v = CastValue((*ctx.params)[static_cast<size_t>(e.param) - 1], e.type, CastContext::kExplicit);
      if (!v.ok()) return v.status();
      scratch->SetConstant(*v);
      return scratch;
    }
    case BoundKind::kCast: return EvalCast(e, in, rows, ctx, scratch);
    case BoundKind::kFunction: return EvalFunction(e, in, rows, ctx, scratch);
    case BoundKind::kAnd:
    case BoundKind::kOr:
      return EvalLogic(e, in, rows, ctx, scratch);
    case BoundKind::kNot:
    case BoundKind::kIsNull:
    case BoundKind::kIsBool:
      return EvalPredicates(e, in, rows, ctx, scratch);
    case BoundKind::kCase: return EvalCase(e, in, rows, ctx, scratch);
    case BoundKind::kCoalesce: return EvalCoalesce(e, in, rows, ctx, scratch);
    case BoundKind::kInList: return EvalInList(e, in, rows, ctx, scratch);
    case BoundKind::kSequence: return EvalSequence(e, in, rows, ctx, scratch);
    case BoundKind::kClock: {
      const int64_t now = ctx.now_micros;
      int64_t v = now;
      if (e.type.id == TypeId::kDate) v = TimestampToDate(now);
      if (e.type.id == TypeId::kTime) v = TimestampToTime(now);
      scratch->SetConstant(Value::Int(e.type, v));
      return scratch;
    }
  }
  QUANTA_UNREACHABLE("bound expression kind");
}

namespace {

void FlattenAnd(const BoundExpr& e, std::vector<const BoundExpr*>* out) {
  if (e.kind != BoundKind::kAnd) {
    out->push_back(&e);
    return;
  }
  for (const BoundExprPtr& a : e.args) FlattenAnd(*a, out);
}

// A conjunction as a filter: each conjunct judges only the rows no earlier one found
// false (as AND evaluates: NULL does not stop it, so the later conjuncts' errors are
// the same), and a row passes if every conjunct is true. No boolean vector is built
// for the AND itself.
absl::StatusOr<std::vector<uint32_t>> FilterConjunction(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                                        const EvalContext& ctx, BeforeConjunct before) {
  std::vector<const BoundExpr*> conjuncts;
  FlattenAnd(e, &conjuncts);
  QUANTA_ASSERT(conjuncts.size() >= 2);
  std::vector<uint32_t> live = Subset(rows, [](uint32_t) { return true; });
  std::vector<uint8_t> unknown;  // rows.count flags once a conjunct was NULL: the row cannot pass
  Vector scratch;
  for (const BoundExpr* c : conjuncts) {
    if (live.empty()) break;
    const Rows judged = Narrow(rows, &live);
    if (absl::Status s = before(*c, judged); !s.ok()) return s;
    auto v = Evaluate(*c, in, judged, ctx, &scratch);
    if (!v.ok()) return v.status();
    const Vector& result = **v;
    QUANTA_ASSERT(result.storage() == Storage::kInt);
    size_t n = 0;  // live compacted in place, branch-free as in Subset
    for (const uint32_t r : live) {
      const bool null = result.IsNull(r);
      live[n] = r;
      n += (null || result.Int(r) != 0) ? 1 : 0;
      if (null) {
        if (unknown.empty()) unknown.assign(rows.count, 0);
        unknown[r] = 1;
      }
    }
    QUANTA_DEBUG_ASSERT(n <= live.size());
    live.resize(n);
  }
  if (!unknown.empty()) std::erase_if(live, [&](uint32_t r) { return unknown[r] != 0; });
  return live;
}

}  // namespace

absl::StatusOr<std::vector<uint32_t>> EvaluateFilter(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                                     const EvalContext& ctx) {
  return EvaluateFilter(e, in, rows, ctx, [](const BoundExpr&, const Rows&) { return absl::OkStatus(); });
}

absl::StatusOr<std::vector<uint32_t>> EvaluateFilter(const BoundExpr& e, const DataChunk& in, const Rows& rows,
                                                     const EvalContext& ctx, BeforeConjunct before) {
  QUANTA_ASSERT(e.type.id == TypeId::kBool);
  if (e.kind == BoundKind::kAnd) return FilterConjunction(e, in, rows, ctx, before);
  if (absl::Status s = before(e, rows); !s.ok()) return s;
  Vector scratch;
  auto result = Evaluate(e, in, rows, ctx, &scratch);
  if (!result.ok()) return result.status();
  const Vector* v = *result;
  QUANTA_ASSERT(v->is_constant() || v->size() == rows.count);
  QUANTA_ASSERT(v->storage() == Storage::kInt);
  return Subset(rows, [&](uint32_t r) { return !v->IsNull(r) && v->Int(r) != 0; });
}

DataChunk RowChunk(const std::vector<Value>& row) {
  DataChunk chunk;
  for (const Value& v : row) {
    Vector col(v.type(), 1);
    col.SetValue(0, v);
    chunk.columns.push_back(std::move(col));
  }
  chunk.set_count(1);
  QUANTA_ASSERT(chunk.columns.size() == row.size());
  return chunk;
}

absl::StatusOr<Value> EvaluateConstant(const BoundExpr& e, const EvalContext& ctx) {
  DataChunk one;
  one.set_count(1);
  Rows rows;
  rows.count = 1;
  Vector scratch;
  auto v = Evaluate(e, one, rows, ctx, &scratch);
  if (!v.ok()) return v.status();
  return (*v)->Get(0);
}

}  // namespace quanta::sql
