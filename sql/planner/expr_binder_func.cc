// Function calls: scalar functions and operators written as functions, the session
// functions (current_user, version()...), and NULLIF/COALESCE/GREATEST/LEAST.
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
  if (e->kind == BoundKind::kColumn && e->column >= ExprBinder::kWindowColumnBase) {
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

// A frame offset: a non-negative integer constant.
absl::StatusOr<int64_t> FrameOffset(const ast::FrameBound& b) {
  if (b.offset == nullptr) return int64_t{0};
  const ast::Expr& e = *b.offset;
  if (e.kind != ast::ExprKind::kLiteral || e.literal != ast::LiteralKind::kInteger) {
    return SqlError(sqlstate::kFeatureNotSupported, "frame offsets must be integer constants here", e.position);
  }
  int64_t v = 0;
  if (!absl::SimpleAtoi(e.text, &v)) return SqlError(sqlstate::kNumericOutOfRange, "frame offset out of range", e.position);
  if (v < 0) return SqlError("22013", "frame starting offset must not be negative", e.position);
  return v;
}

}  // namespace

absl::StatusOr<BoundExprPtr> ExprBinder::BindWindowCall(const ast::Expr& e, const Scope& scope, AggregationBinding* agg,
                                                        const char* clause) {
  const std::string name = e.names.back();
  if (windows_ == nullptr) {
    const std::string where = clause != nullptr ? clause : "this context";
    return SqlError("42P20", absl::StrCat("window functions are not allowed in ", where), e.position);
  }
  const ast::WindowSpec& spec = *e.over;
  if (!e.order_within.empty()) {
    return SqlError(sqlstate::kFeatureNotSupported, "aggregate ORDER BY is not implemented for window functions", e.position);
  }
  if (!spec.name.empty()) {
    return SqlError(sqlstate::kFeatureNotSupported, "named windows (WINDOW w AS ...) are not supported yet", e.position);
  }
  WindowCall call;
  call.name = name;
  // The parts bind without window calls of their own.
  std::vector<WindowCall>* windows = windows_;
  windows_ = nullptr;
  absl::Status bound_parts = absl::OkStatus();
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
  for (size_t i = 0; bound_parts.ok() && i < spec.partition_by.size(); ++i) {
    auto bound = Bind(*spec.partition_by[i], scope, agg, agg != nullptr ? nullptr : "window definitions");
    if (!bound.ok()) bound_parts = bound.status();
    if (bound.ok()) call.partition.push_back(std::move(*bound));
  }
  for (size_t i = 0; bound_parts.ok() && i < spec.order_by.size(); ++i) {
    const ast::OrderItem& item = spec.order_by[i];
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
  // The frame.
  WindowFrame& frame = call.frame;
  if (!spec.has_frame) {
    frame.whole_partition = spec.order_by.empty();
  } else {
    frame.rows = spec.rows;
    auto start = FrameBoundKind(spec.start);
    auto end = FrameBoundKind(spec.end);
    if (!start.ok()) return start.status();
    if (!end.ok()) return end.status();
    frame.start = *start;
    frame.end = *end;
    if (!frame.rows && (frame.start == WindowFrame::Bound::kPreceding || frame.start == WindowFrame::Bound::kFollowing ||
                        frame.end == WindowFrame::Bound::kPreceding || frame.end == WindowFrame::Bound::kFollowing)) {
      return SqlError(sqlstate::kFeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported yet", e.position);
    }
    auto so = FrameOffset(spec.start);
    auto eo = FrameOffset(spec.end);
    if (!so.ok()) return so.status();
    if (!eo.ok()) return eo.status();
    frame.start_offset = *so;
    frame.end_offset = *eo;
    if (frame.start == WindowFrame::Bound::kUnboundedFollowing) {
      return SqlError(sqlstate::kWindowingError, "frame start cannot be UNBOUNDED FOLLOWING", e.position);
    }
    if (frame.end == WindowFrame::Bound::kUnboundedPreceding) {
      return SqlError(sqlstate::kWindowingError, "frame end cannot be UNBOUNDED PRECEDING", e.position);
    }
  }
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
  auto args = BindArgs(e.args, scope, agg, clause);
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
  std::vector<Type> types;
  for (const BoundExprPtr& a : *args) types.push_back(a->type);
  auto m = ResolveFunction(name, types);
  if (!m.ok()) return WithPosition(m.status(), e.position);
  const CastContext context = name == "concat" ? CastContext::kExplicit : CastContext::kImplicit;
  auto node = MakeNode(m->kind, m->result);
  node->kernel = m->kernel;
  node->name = name;
  for (size_t i = 0; i < args->size(); ++i) {
    auto c = Coerce(std::move((*args)[i]), m->arg_types[i], context, e.position);
    if (!c.ok()) return c.status();
    node->args.push_back(std::move(*c));
  }
  return node;
}

}  // namespace quanta::sql
