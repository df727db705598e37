#include "sql/planner/apply_operator.h"

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/types/array.h"

namespace quanta::sql {

ApplyOperator::ApplyOperator(OperatorPtr child, std::vector<SubqueryEntry> entries, std::vector<int> outer_columns,
                             PlanSubquery plan)
    : Operator(child->types()),
      child_(std::move(child)),
      entries_(std::move(entries)),
      outer_columns_(std::move(outer_columns)),
      plan_(std::move(plan)),
      cached_(entries_.size()) {
  for (int c : outer_columns_) QUANTA_ASSERT(c >= -1 && c < static_cast<int>(types_.size()));
  for (const SubqueryEntry& e : entries_) types_.push_back(e.type);
}

Task<absl::StatusOr<const std::vector<DataChunk>*>> ApplyOperator::Rows(ExecContext& ctx, size_t index, const DataChunk& in,
                                                                         size_t row) {
  const SubqueryEntry& entry = entries_[index];
  if (!entry.correlated && cached_[index].has_value()) co_return &*cached_[index];
  std::vector<Value> outer;
  if (entry.correlated) {
    for (int c : outer_columns_) {
      outer.push_back(c >= 0 ? in.columns[static_cast<size_t>(c)].Get(row) : Value::Null(Type(TypeId::kUnknown)));
    }
    QUANTA_ASSERT(outer.size() == outer_columns_.size());
  }
  auto plan = plan_(entry, outer);
  if (!plan.ok()) co_return plan.status();
  auto rows = co_await Drain(**plan, ctx);
  if (!rows.ok()) co_return rows.status();
  if (!entry.correlated) {
    cached_[index] = std::move(*rows);
    co_return &*cached_[index];
  }
  current_ = std::move(*rows);
  co_return &current_;
}

absl::StatusOr<Value> ApplyOperator::Result(const SubqueryEntry& entry, const std::vector<DataChunk>& rows,
                                            const Vector* needle, size_t row) const {
  size_t count = 0;
  for (const DataChunk& c : rows) count += c.count();
  switch (entry.kind) {
    case SubqueryEntry::Kind::kExists:
      return Value::Bool(count > 0);
    case SubqueryEntry::Kind::kArray: {  // every row's value, in the subquery's order
      std::string bytes;
      for (const DataChunk& c : rows) {
        QUANTA_ASSERT(c.columns.size() == 1 && !c.has_selection());
        for (size_t r = 0; r < c.count(); ++r) {
          Value v = c.columns[0].Get(r);
          v.set_type(entry.element_type);
          AppendArrayElement(v, &bytes);
        }
      }
      return Value::String(entry.type, std::move(bytes));
    }
    case SubqueryEntry::Kind::kScalar:
      if (count > 1) return SqlError("21000", "more than one row returned by a subquery used as an expression");
      if (count == 0) return Value::Null(entry.type);
      for (const DataChunk& c : rows) {
        if (c.count() > 0) {
          Value v = c.columns[0].Get(0);
          v.set_type(entry.type);
          return v;
        }
      }
      QUANTA_UNREACHABLE("counted a row that is not there");
    case SubqueryEntry::Kind::kAny:
    case SubqueryEntry::Kind::kAll: {
      const bool any = entry.kind == SubqueryEntry::Kind::kAny;
      bool saw_null = false;
      Vector left;
      left.SetConstant(needle->Get(row));
      for (const DataChunk& c : rows) {
        Vector eq(Type(TypeId::kBool), c.count());
        QUANTA_ASSERT(c.columns.size() == 1);
        sql::Rows all;
        all.count = c.count();
        absl::Status s = entry.compare(*entry.needle, {&left, &c.columns[0]}, all, &eq);
        if (!s.ok()) return s;
        for (size_t r = 0; r < c.count(); ++r) {
          if (eq.IsNull(r)) {
            saw_null = true;
          } else if ((eq.Int(r) != 0) == any) {
            return Value::Bool(any != entry.negated);  // decided: a true for ANY, a false for ALL
          }
        }
      }
      if (saw_null) return Value::Null(Type(TypeId::kBool));
      return Value::Bool(!any != entry.negated);
    }
  }
  QUANTA_UNREACHABLE("subquery kind");
}

Task<absl::StatusOr<bool>> ApplyOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  auto more = co_await child_->Next(ctx, out);
  if (!more.ok()) co_return more.status();
  if (out->columns.size() != child_->types().size()) {
    QUANTA_ASSERT(out->count() == 0);
    out->Reset();
    for (const Type& t : child_->types()) out->columns.emplace_back(t, 0);
  }
  const size_t n = out->count();
  const sql::Rows rows = sql::Rows::Of(*out);
  for (size_t i = 0; i < entries_.size(); ++i) {
    const SubqueryEntry& entry = entries_[i];
    Vector column(entry.type, n);
    Vector needle_scratch;
    const Vector* needle = nullptr;
    if (entry.needle != nullptr) {
      auto v = Evaluate(*entry.needle, *out, rows, ctx.eval, &needle_scratch);
      if (!v.ok()) co_return v.status();
      needle = *v;
    }
    for (size_t k = 0; k < rows.size(); ++k) {
      const size_t r = rows[k];
      auto result_rows = co_await Rows(ctx, i, *out, r);
      if (!result_rows.ok()) co_return result_rows.status();
      auto value = Result(entry, **result_rows, needle, r);
      if (!value.ok()) co_return value.status();
      column.SetValue(r, *value);
    }
    out->columns.push_back(std::move(column));
  }
  QUANTA_ASSERT(out->columns.size() == types_.size());
  co_return *more;
}

}  // namespace quanta::sql
