// Function calls: scalar functions and operators written as functions, the session
// functions (current_user, version()...), and NULLIF/COALESCE/GREATEST/LEAST.
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/functions.h"
#include "sql/planner/expr_binder.h"

namespace quanta::sql {
namespace {

// The session's facts as constants, or null if `name` is not one of them.
BoundExprPtr SessionFunction(const std::string& name, const SessionInfo& session, size_t argc) {
  if (argc != 0) return nullptr;
  const Type text(TypeId::kText);
  if (name == "current_user" || name == "session_user" || name == "user" || name == "current_role") {
    return MakeConstant(Value::String(text, session.user));
  }
  if (name == "current_database" || name == "current_catalog") return MakeConstant(Value::String(text, session.database));
  if (name == "current_schema") {
    return MakeConstant(session.current_schema.empty() ? Value::Null(text) : Value::String(text, session.current_schema));
  }
  if (name == "version") return MakeConstant(Value::String(text, session.version));
  return nullptr;
}

// obj_description(object [, catalog]) and col_description(table, attnum): COMMENT ON's
// texts, looked up where the statement is planned. The object is a constant: a
// relation's name (as 'name'::regclass writes it, resolved through search_path) or an
// OID. Null if `name` is neither function; a NULL text when there is no comment.
absl::StatusOr<BoundExprPtr> DescriptionFunction(const std::string& name, const std::vector<BoundExprPtr>& args,
                                                 const SessionInfo& session, int position) {
  const bool object = name == "obj_description" && (args.size() == 1 || args.size() == 2);
  const bool column = name == "col_description" && args.size() == 2;
  if (!object && !column) return nullptr;
  const Type text(TypeId::kText);
  for (const BoundExprPtr& a : args) {
    if (!a->IsConstant()) {
      return SqlError(sqlstate::kFeatureNotSupported, absl::StrCat(name, "() takes constant arguments only, for now"), position);
    }
    if (a->constant.is_null()) return MakeConstant(Value::Null(text));
  }
  QUANTA_ASSERT(session.catalog != nullptr);
  const CatalogSnapshot& catalog = *session.catalog;
  uint32_t oid = 0;
  const Value& target = args[0]->constant;
  if (target.type().id == TypeId::kText || target.type().id == TypeId::kUnknown || target.type().id == TypeId::kVarchar) {
    const std::vector<std::string> names = absl::StrSplit(target.str(), '.');
    const std::string schema = catalog.LookupSchema(names, session.search_path);
    size_t position_in_table = 0;
    if (const TableDef* t = catalog.FindTable(schema, names.back())) oid = t->oid;
    else if (const ViewDef* v = catalog.FindView(schema, names.back())) oid = v->oid;
    else if (const SequenceDef* s = catalog.FindSequence(schema, names.back())) oid = s->oid;
    else if (const TableDef* owner = catalog.FindIndex(schema, names.back(), &position_in_table)) oid = owner->indexes[position_in_table].oid;
    else return SqlError(sqlstate::kUndefinedTable, absl::StrCat("relation \"", target.str(), "\" does not exist"), position);
  } else if (StorageOf(target.type()) == Storage::kInt && target.int_value() > 0 && target.int_value() <= UINT32_MAX) {
    oid = static_cast<uint32_t>(target.int_value());
  } else {
    return MakeConstant(Value::Null(text));
  }
  int32_t subid = 0;
  if (column) {
    if (StorageOf(args[1]->type) != Storage::kInt) {
      return SqlError(sqlstate::kUndefinedFunction, "function col_description takes an OID and an integer attnum", position);
    }
    subid = static_cast<int32_t>(args[1]->constant.int_value());
  }
  const std::string* comment = subid >= 0 ? catalog.Comment(oid, subid) : nullptr;
  return MakeConstant(comment == nullptr ? Value::Null(text) : Value::String(text, *comment));
}

bool IsSequenceFunction(const std::string& name) {
  return name == "nextval" || name == "currval" || name == "setval" || name == "lastval";
}

// A sequence function's name argument: `'s'::regclass` is written by serial columns'
// defaults (and by pg_dump); regclass is not a type here, so the cast is dropped.
const ast::Expr& SequenceNameArg(const ast::Expr& arg) {
  if (arg.kind == ast::ExprKind::kCast && arg.type.name == "regclass" && !arg.args.empty()) return *arg.args[0];
  return arg;
}

// now() and its family: the statement's start time as a kClock node; null if `name`
// is not one of them.
absl::StatusOr<BoundExprPtr> ClockFunction(const std::string& name, size_t argc, int position) {
  if (argc != 0) return BoundExprPtr();
  TypeId type;
  if (name == "now" || name == "current_timestamp" || name == "transaction_timestamp" || name == "statement_timestamp" ||
      name == "clock_timestamp") {
    type = TypeId::kTimestampTz;
  } else if (name == "current_date") {
    type = TypeId::kDate;
  } else if (name == "localtimestamp") {
    type = TypeId::kTimestamp;
  } else if (name == "localtime") {
    type = TypeId::kTime;
  } else if (name == "current_time") {
    return SqlError(sqlstate::kFeatureNotSupported, "type time with time zone is not supported", position);
  } else {
    return BoundExprPtr();
  }
  auto node = MakeNode(BoundKind::kClock, Type(type));
  node->name = name;
  return node;
}

}  // namespace

absl::StatusOr<BoundExprPtr> ExprBinder::BindSequenceCall(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                          const char* clause) {
  const std::string name = e.names.back();
  const size_t want_min = name == "lastval" ? 0 : name == "setval" ? 2 : 1;
  const size_t want_max = name == "setval" ? 3 : want_min;
  auto node = MakeNode(BoundKind::kSequence, Type(TypeId::kInt8));
  node->name = name;
  std::vector<Type> types;
  for (size_t i = 0; i < e.args.size(); ++i) {
    auto bound = Bind(i == 0 ? SequenceNameArg(*e.args[i]) : *e.args[i], scope, agg, clause);
    if (!bound.ok()) return bound.status();
    types.push_back((*bound)->type);
    node->args.push_back(std::move(*bound));
  }
  const Type targets[] = {Type(TypeId::kText), Type(TypeId::kInt8), Type(TypeId::kBool)};
  bool fits = e.args.size() >= want_min && e.args.size() <= want_max;
  for (size_t i = 0; fits && i < node->args.size(); ++i) {
    const Type& t = node->args[i]->type;
    fits = t.id == TypeId::kUnknown || CanCast(t, targets[i], CastContext::kImplicit);
  }
  if (!fits) {
    std::vector<std::string> names;
    for (const Type& t : types) names.push_back(t.id == TypeId::kUnknown ? "unknown" : t.Name());
    return SqlError(sqlstate::kUndefinedFunction,
                    absl::StrCat("function ", name, "(", absl::StrJoin(names, ", "), ") does not exist"), e.position);
  }
  for (size_t i = 0; i < node->args.size(); ++i) {
    auto coerced = Coerce(std::move(node->args[i]), targets[i], CastContext::kImplicit, e.position);
    if (!coerced.ok()) return coerced.status();
    node->args[i] = std::move(*coerced);
  }
  return node;
}

void RenumberWindowColumns(BoundExpr* e, int base) {
  if (e->kind == BoundKind::kColumn && e->column >= ExprBinder::kWindowColumnBase && e->column < ExprBinder::kSetColumnBase) {
    e->column = base + (e->column - ExprBinder::kWindowColumnBase);
  }
  for (BoundExprPtr& a : e->args) RenumberWindowColumns(a.get(), base);
}

namespace {

struct WindowFunctionInfo {
  WindowKind kind;
  size_t min_args, max_args;
};

std::optional<WindowFunctionInfo> LookupWindowFunction(const std::string& name) {
  if (name == "row_number") return WindowFunctionInfo{WindowKind::kRowNumber, 0, 0};
  if (name == "rank") return WindowFunctionInfo{WindowKind::kRank, 0, 0};
  if (name == "dense_rank") return WindowFunctionInfo{WindowKind::kDenseRank, 0, 0};
  if (name == "percent_rank") return WindowFunctionInfo{WindowKind::kPercentRank, 0, 0};
  if (name == "cume_dist") return WindowFunctionInfo{WindowKind::kCumeDist, 0, 0};
  if (name == "ntile") return WindowFunctionInfo{WindowKind::kNtile, 1, 1};
  if (name == "lag") return WindowFunctionInfo{WindowKind::kLag, 1, 3};
  if (name == "lead") return WindowFunctionInfo{WindowKind::kLead, 1, 3};
  if (name == "first_value") return WindowFunctionInfo{WindowKind::kFirstValue, 1, 1};
  if (name == "last_value") return WindowFunctionInfo{WindowKind::kLastValue, 1, 1};
  if (name == "nth_value") return WindowFunctionInfo{WindowKind::kNthValue, 2, 2};
  return std::nullopt;
}

absl::StatusOr<WindowFrame::Bound> FrameBoundKind(const ast::FrameBound& b) {
  switch (b.kind) {
    case ast::FrameBound::Kind::kUnboundedPreceding: return WindowFrame::Bound::kUnboundedPreceding;
    case ast::FrameBound::Kind::kPreceding: return WindowFrame::Bound::kPreceding;
    case ast::FrameBound::Kind::kCurrentRow: return WindowFrame::Bound::kCurrentRow;
    case ast::FrameBound::Kind::kFollowing: return WindowFrame::Bound::kFollowing;
    case ast::FrameBound::Kind::kUnboundedFollowing: return WindowFrame::Bound::kUnboundedFollowing;
  }
  return WindowFrame::Bound::kCurrentRow;
}

const ast::NamedWindow* FindWindow(const std::vector<ast::NamedWindow>* named, size_t visible, const std::string& name) {
  for (size_t i = 0; named != nullptr && i < visible && i < named->size(); ++i) {
    if ((*named)[i].name == name) return &(*named)[i];
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<WindowParts> ResolveWindow(const ast::WindowSpec& spec, const std::vector<ast::NamedWindow>* named,
                                          size_t visible) {
  if (!spec.name.empty()) {  // OVER w: the window as defined
    const ast::NamedWindow* w = FindWindow(named, named == nullptr ? 0 : named->size(), spec.name);
    if (w == nullptr) return SqlError(sqlstate::kUndefinedObject, absl::StrCat("window \"", spec.name, "\" does not exist"), spec.position);
    return ResolveWindow(*w->spec, named, static_cast<size_t>(w - named->data()));
  }
  WindowParts parts{&spec.partition_by, &spec.order_by, &spec};
  if (spec.ref_name.empty()) return parts;
  // (w ...): PostgreSQL's copy rules. Only an earlier definition may be named.
  const ast::NamedWindow* w = FindWindow(named, visible, spec.ref_name);
  if (w == nullptr) return SqlError(sqlstate::kUndefinedObject, absl::StrCat("window \"", spec.ref_name, "\" does not exist"), spec.position);
  auto base = ResolveWindow(*w->spec, named, static_cast<size_t>(w - named->data()));
  if (!base.ok()) return base.status();
  if (!spec.partition_by.empty()) {
    return SqlError(sqlstate::kWindowingError, absl::StrCat("cannot override PARTITION BY clause of window \"", spec.ref_name, "\""),
                    spec.position);
  }
  if (!spec.order_by.empty() && !base->order->empty()) {
    return SqlError(sqlstate::kWindowingError, absl::StrCat("cannot override ORDER BY clause of window \"", spec.ref_name, "\""),
                    spec.position);
  }
  if (base->frame->has_frame) {
    return SqlError(sqlstate::kWindowingError,
                    absl::StrCat("cannot copy window \"", spec.ref_name, "\" because it has a frame clause"), spec.position);
  }
  parts.partition = base->partition;
  if (spec.order_by.empty()) parts.order = base->order;
  QUANTA_ASSERT(parts.frame == &spec);
  return parts;
}

absl::Status CheckWindowClause(const std::vector<ast::NamedWindow>& windows) {
  for (size_t i = 0; i < windows.size(); ++i) {
    if (FindWindow(&windows, i, windows[i].name) != nullptr) {
      return SqlError(sqlstate::kWindowingError, absl::StrCat("window \"", windows[i].name, "\" is already defined"),
                      windows[i].position);
    }
    auto parts = ResolveWindow(*windows[i].spec, &windows, i);
    if (!parts.ok()) return parts.status();
  }
  return absl::OkStatus();
}

// A frame's offset: an expression of no columns (a constant or a parameter) of type
// `to` (ROWS: bigint), or for RANGE of the offset type the order key's type takes.
absl::StatusOr<BoundExprPtr> ExprBinder::BindFrameOffset(const ast::Expr& offset, bool rows, const Type* key) {
  const char* what = rows ? "ROWS" : "RANGE";
  Scope none;
  auto bound = Bind(offset, none, nullptr, "window definitions");
  if (!bound.ok()) {
    if (SqlStateOf(bound.status()) != sqlstate::kUndefinedColumn) return bound.status();
    return SqlError("42P10", absl::StrCat("argument of ", what, " must not contain variables"), offset.position);
  }
  if (rows) return Coerce(std::move(*bound), Type(TypeId::kInt8), CastContext::kImplicit, offset.position);
  QUANTA_ASSERT(key != nullptr);
  const TypeId k = key->id, o = (*bound)->type.id;
  const auto is_int = [](TypeId t) { return t == TypeId::kInt2 || t == TypeId::kInt4 || t == TypeId::kInt8; };
  const bool unknown = o == TypeId::kUnknown;
  std::optional<Type> as;  // the offset's type
  if (is_int(k)) {
    if (unknown || is_int(o)) as = Type(TypeId::kInt8);
  } else if (k == TypeId::kNumeric) {
    if (unknown || is_int(o) || o == TypeId::kNumeric) as = Type(TypeId::kNumeric);
  } else if (k == TypeId::kFloat4 || k == TypeId::kFloat8) {
    if (unknown || is_int(o) || o == TypeId::kNumeric || o == TypeId::kFloat4 || o == TypeId::kFloat8) as = Type(TypeId::kFloat8);
  } else if (k == TypeId::kDate || k == TypeId::kTimestamp || k == TypeId::kTimestampTz) {
    if (unknown || o == TypeId::kInterval) as = Type(TypeId::kInterval);
  } else {
    return SqlError(sqlstate::kFeatureNotSupported,
                    absl::StrCat("RANGE with offset PRECEDING/FOLLOWING is not supported for column type ", key->Name()),
                    offset.position);
  }
  if (!as) {
    return SqlError(sqlstate::kFeatureNotSupported,
                    absl::StrCat("RANGE with offset PRECEDING/FOLLOWING is not supported for column type ", key->Name(),
                                 " and offset type ", (*bound)->type.Name()),
                    offset.position);
  }
  return Coerce(std::move(*bound), *as, CastContext::kImplicit, offset.position);
}

// The type a RANGE frame compares keys of type `key` in: exact (integers as numeric)
// and able to take the offset (a date as a timestamp).
namespace {

Type RangeCompareType(const Type& key) {
  switch (key.id) {
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kNumeric: return Type(TypeId::kNumeric);
    case TypeId::kFloat4: return Type(TypeId::kFloat8);
    case TypeId::kDate: return Type(TypeId::kTimestamp);
    default: return key;
  }
}

}  // namespace

absl::Status ExprBinder::BindFrame(const ast::WindowSpec& spec, WindowCall* call, int position) {
  WindowFrame& frame = call->frame;
  if (!spec.has_frame) {
    frame.whole_partition = call->order.empty();
    return absl::OkStatus();
  }
  using Bound = WindowFrame::Bound;
  frame.rows = spec.rows;
  auto start = FrameBoundKind(spec.start);
  auto end = FrameBoundKind(spec.end);
  if (!start.ok()) return start.status();
  if (!end.ok()) return end.status();
  frame.start = *start;
  frame.end = *end;
  // PostgreSQL's grammar checks, in its order.
  const char* misfit = nullptr;
  if (frame.start == Bound::kUnboundedFollowing) misfit = "frame start cannot be UNBOUNDED FOLLOWING";
  if (frame.end == Bound::kUnboundedPreceding) misfit = "frame end cannot be UNBOUNDED PRECEDING";
  if (frame.start == Bound::kCurrentRow && frame.end == Bound::kPreceding) {
    misfit = "frame starting from current row cannot have preceding rows";
  }
  if (frame.start == Bound::kFollowing && (frame.end == Bound::kPreceding || frame.end == Bound::kCurrentRow)) {
    misfit = !spec.between ? "frame starting from following row cannot end with current row"
                 : "frame starting from following row cannot have preceding rows";
  }
  if (misfit != nullptr) return SqlError(sqlstate::kWindowingError, misfit, position);
  const bool offsets = spec.start.offset != nullptr || spec.end.offset != nullptr;
  if (!offsets) return absl::OkStatus();
  std::optional<Type> key;
  if (!frame.rows) {
    // RANGE with an offset: exactly one (distinct) order key.
    const bool one = !call->order.empty() && std::all_of(call->order.begin(), call->order.end(), [&](const BoundExprPtr& o) {
      return o->Equals(*call->order[0]);
    });
    if (!one) {
      return SqlError(sqlstate::kWindowingError, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
                      position);
    }
    key = call->order[0]->type;
  }
  const Type compare = key ? RangeCompareType(*key) : Type(TypeId::kInt8);
  if (key) {
    auto k = Coerce(call->order[0]->Clone(), compare, CastContext::kImplicit, position);
    if (!k.ok()) return k.status();
    frame.range_key = std::move(*k);
  }
  // Each bound with an offset: the offset, and for RANGE the key it reaches.
  for (const bool is_start : {true, false}) {
    const ast::FrameBound& b = is_start ? spec.start : spec.end;
    if (b.offset == nullptr) continue;
    auto offset = BindFrameOffset(*b.offset, frame.rows, key ? &*key : nullptr);
    if (!offset.ok()) return offset.status();
    if (key) {
      const bool toward_smaller = (b.kind == ast::FrameBound::Kind::kPreceding) != call->descending[0];
      auto delta = Coerce((*offset)->Clone(), compare.id == TypeId::kTimestamp || compare.id == TypeId::kTimestampTz
                                                  ? Type(TypeId::kInterval) : compare,
                          CastContext::kImplicit, position);
      if (!delta.ok()) return delta.status();
      auto target = BindOperator(toward_smaller ? "-" : "+", frame.range_key->Clone(), std::move(*delta), position);
      if (!target.ok()) return target.status();
      QUANTA_ASSERT((*target)->type.id == compare.id);
      (is_start ? frame.start_target : frame.end_target) = std::move(*target);
    }
    (is_start ? frame.start_offset : frame.end_offset) = std::move(*offset);
  }
  return absl::OkStatus();
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindWindowCall(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                        const char* clause) {
  const std::string name = e.names.back();
  if (windows_ == nullptr) {
    const std::string where = clause != nullptr ? clause : "this context";
    return SqlError("42P20", absl::StrCat("window functions are not allowed in ", where), e.position);
  }
  if (!e.order_within.empty()) {
    return SqlError(sqlstate::kFeatureNotSupported, "aggregate ORDER BY is not implemented for window functions", e.position);
  }
  auto resolved = ResolveWindow(*e.over, named_windows_, named_windows_ == nullptr ? 0 : named_windows_->size());
  if (!resolved.ok()) return resolved.status();
  const WindowParts& spec = *resolved;
  WindowCall call;
  call.name = name;
  // The parts bind without window calls of their own.
  std::vector<WindowCall>* windows = windows_;
  windows_ = nullptr;
  absl::Status bound_parts = absl::OkStatus();
  RefuseSets in_call(this, "window function calls");
  std::vector<Type> types;
  for (const ast::ExprPtr& a : e.args) {
    auto bound = Bind(*a, scope, agg, agg != nullptr ? nullptr : "window function calls");
    if (!bound.ok()) {
      bound_parts = SqlStateOf(bound.status()) == "42P20"
                        ? SqlError("42P20", "window function calls cannot be nested", a->position)
                        : bound.status();
      break;
    }
    types.push_back((*bound)->type);
    call.args.push_back(std::move(*bound));
  }
  RefuseSets in_definition(this, "window definitions");  // (PostgreSQL runs them below the window)
  for (size_t i = 0; bound_parts.ok() && i < spec.partition->size(); ++i) {
    auto bound = Bind(*(*spec.partition)[i], scope, agg, agg != nullptr ? nullptr : "window definitions");
    if (!bound.ok()) bound_parts = bound.status();
    if (bound.ok()) call.partition.push_back(std::move(*bound));
  }
  for (size_t i = 0; bound_parts.ok() && i < spec.order->size(); ++i) {
    const ast::OrderItem& item = (*spec.order)[i];
    auto bound = Bind(*item.expr, scope, agg, agg != nullptr ? nullptr : "window definitions");
    if (!bound.ok()) bound_parts = bound.status();
    if (!bound.ok()) break;
    call.order.push_back(std::move(*bound));
    call.descending.push_back(item.descending);
    call.nulls_first.push_back(item.nulls_first.value_or(item.descending));
  }
  windows_ = windows;
  if (!bound_parts.ok()) return bound_parts;
  for (BoundExprPtr& a : call.args) {
    if (a->type.id == TypeId::kUnknown) {
      auto text = Coerce(std::move(a), Type(TypeId::kText), CastContext::kImplicit, e.position);
      if (!text.ok()) return text.status();
      a = std::move(*text);
    }
  }
  // The function: a window function proper, or an aggregate over the frame.
  if (auto info = LookupWindowFunction(name)) {
    if (e.args.size() < info->min_args || e.args.size() > info->max_args || e.star_arg) {
      return SqlError(sqlstate::kUndefinedFunction, absl::StrCat("function ", name, " with ", e.args.size(),
                                                                 " arguments does not exist"), e.position);
    }
    call.kind = info->kind;
    const Type bigint(TypeId::kInt8), int4(TypeId::kInt4);
    switch (call.kind) {
      case WindowKind::kRowNumber:
      case WindowKind::kRank:
      case WindowKind::kDenseRank: call.result = bigint; break;
      case WindowKind::kPercentRank:
      case WindowKind::kCumeDist: call.result = Type(TypeId::kFloat8); break;
      case WindowKind::kNtile: {
        auto n = Coerce(std::move(call.args[0]), int4, CastContext::kImplicit, e.position);
        if (!n.ok()) return n.status();
        call.args[0] = std::move(*n);
        call.result = int4;
        break;
      }
      case WindowKind::kLag:
      case WindowKind::kLead: {
        call.result = call.args[0]->type;
        if (call.args.size() > 1) {
          auto offset = Coerce(std::move(call.args[1]), int4, CastContext::kImplicit, e.position);
          if (!offset.ok()) return offset.status();
          call.args[1] = std::move(*offset);
        }
        if (call.args.size() > 2) {
          auto common = CommonType({call.args[0]->type, call.args[2]->type}, "lag/lead");
          if (!common.ok()) return common.status();
          call.result = *common;
          for (size_t i : {size_t{0}, size_t{2}}) {
            auto c = Coerce(std::move(call.args[i]), *common, CastContext::kImplicit, e.position);
            if (!c.ok()) return c.status();
            call.args[i] = std::move(*c);
          }
        }
        break;
      }
      case WindowKind::kFirstValue:
      case WindowKind::kLastValue: call.result = call.args[0]->type; break;
      case WindowKind::kNthValue: {
        auto nth = Coerce(std::move(call.args[1]), int4, CastContext::kImplicit, e.position);
        if (!nth.ok()) return nth.status();
        call.args[1] = std::move(*nth);
        call.result = call.args[0]->type;
        break;
      }
      case WindowKind::kAggregate: break;
    }
  } else if (IsAggregateName(name)) {
    if (e.distinct) return SqlError(sqlstate::kFeatureNotSupported, "DISTINCT is not implemented for window functions", e.position);
    if (e.filter != nullptr) return SqlError(sqlstate::kFeatureNotSupported, "FILTER in window functions is not supported yet", e.position);
    std::vector<Type> arg_types;
    for (const BoundExprPtr& a : call.args) arg_types.push_back(a->type);
    auto aggregate = ResolveAggregate(name, arg_types, e.star_arg);
    if (!aggregate.ok()) return WithPosition(aggregate.status(), e.position);
    call.kind = WindowKind::kAggregate;
    call.aggregate = std::move(*aggregate);
    for (const BoundExprPtr& a : call.args) call.aggregate.args.push_back(a->Clone());
    call.result = call.aggregate.result;
  } else {
    return SqlError(sqlstate::kWrongObjectType,
                    absl::StrCat("OVER specified, but ", name, " is not a window function nor an aggregate function"), e.position);
  }
  absl::Status framed = BindFrame(*spec.frame, &call, e.position);
  if (!framed.ok()) return framed;
  const Type result = call.result;
  windows->push_back(std::move(call));
  return MakeColumn(kWindowColumnBase + static_cast<int>(windows->size() - 1), result);
}

absl::StatusOr<BoundExprPtr> ExprBinder::BindFunction(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                      const char* clause) {
  const std::string name = e.names.back();
  if (e.over != nullptr) return BindWindowCall(e, scope, agg, clause);
  if (IsAggregateName(name) && e.names.size() == 1) {
    const std::string where = clause != nullptr ? clause : "this context";
    return SqlError(sqlstate::kGroupingError, absl::StrCat("aggregate functions are not allowed in ", where), e.position);
  }
  if (e.star_arg || e.distinct || e.filter != nullptr || !e.order_within.empty()) {
    return SqlError(sqlstate::kWrongObjectType,
                    absl::StrCat(e.star_arg ? "*" : e.distinct ? "DISTINCT" : e.filter != nullptr ? "FILTER" : "ORDER BY",
                                 " specified, but ", name,
                                 " is not an aggregate function"),
                    e.position);
  }
  if (IsSetFunctionCall(e)) return BindSetReturning(e, scope, agg, clause);
  if (BoundExprPtr session = SessionFunction(name, session_, e.args.size())) return session;
  if (IsSequenceFunction(name)) return BindSequenceCall(e, scope, agg, clause);
  if ((name == "obj_description" || name == "col_description") && !e.args.empty()) {
    std::vector<BoundExprPtr> args;
    for (size_t i = 0; i < e.args.size(); ++i) {
      auto bound = Bind(i == 0 ? SequenceNameArg(*e.args[i]) : *e.args[i], scope, agg, clause);
      if (!bound.ok()) return bound.status();
      args.push_back(std::move(*bound));
    }
    auto described = DescriptionFunction(name, args, session_, e.position);
    if (!described.ok() || *described != nullptr) return described;
  }
  auto clock = ClockFunction(name, e.args.size(), e.position);
  if (!clock.ok()) return clock.status();
  if (*clock != nullptr) return std::move(*clock);
  std::optional<RefuseSets> in_coalesce;
  if (name == "coalesce") in_coalesce.emplace(this, "COALESCE");
  auto args = BindArgs(e.args, scope, agg, clause);
  in_coalesce.reset();
  if (!args.ok()) return args.status();
  if (name == "nullif" && args->size() == 2) {
    // NULLIF(a, b) = CASE WHEN a = b THEN NULL ELSE a END, typed as a.
    BoundExprPtr a = std::move((*args)[0]);
    auto eq = BindOperator("=", a->Clone(), std::move((*args)[1]), e.position);
    if (!eq.ok()) return eq.status();
    Type t = a->type.id == TypeId::kUnknown ? Type(TypeId::kText) : a->type;
    auto value = Coerce(std::move(a), t, CastContext::kImplicit, e.position);
    if (!value.ok()) return value.status();
    auto node = MakeNode(BoundKind::kCase, t);
    node->args.push_back(std::move(*eq));
    node->args.push_back(MakeConstant(Value::Null(t)));
    node->args.push_back(std::move(*value));
    return node;
  }
  return CallFunction(name, std::move(*args), e.position);
}

absl::StatusOr<BoundExprPtr> ExprBinder::CallFunction(const std::string& name, std::vector<BoundExprPtr> args, int position) {
  std::vector<Type> types;
  for (const BoundExprPtr& a : args) types.push_back(a->type);
  auto m = ResolveFunction(name, types);
  if (!m.ok()) return WithPosition(m.status(), position);
  QUANTA_ASSERT(m->arg_types.size() == args.size());
  const CastContext context = name == "concat" ? CastContext::kExplicit : CastContext::kImplicit;
  auto node = MakeNode(m->kind, m->result);
  node->kernel = m->kernel;
  node->name = name;
  for (size_t i = 0; i < args.size(); ++i) {
    auto c = Coerce(std::move(args[i]), m->arg_types[i], context, position);
    if (!c.ok()) return c.status();
    node->args.push_back(std::move(*c));
  }
  return node;
}

}  // namespace quanta::sql
