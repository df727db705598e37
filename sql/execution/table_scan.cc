#include "sql/execution/table_scan.h"

#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {

TableScanOperator::TableScanOperator(DataAccess& access, const TableDef& table, bool with_keys)
    : Operator(table.ColumnTypes()),
      access_(access),
      table_(table),
      tree_(table.tree),
      table_name_(table.name),
      column_count_(table.columns.size()),
      with_keys_(with_keys) {
  if (with_keys_) types_.push_back(Type(TypeId::kBytea));
}

std::string TableScanOperator::Describe() const {
  const std::string direction = backward_ ? " Backward" : "";
  const std::string on = alias_.empty() || alias_ == table_name_ ? table_name_ : table_name_ + " " + alias_;
  if (index_ != nullptr) return "Index Scan" + direction + " using " + index_->name + " on " + on;
  if (ranged_ || backward_) return "Index Scan" + direction + " using " + table_.primary_key_name + " on " + on;
  return "Seq Scan on " + on;
}

const std::vector<int>& TableScanOperator::range_columns() const {
  static const std::vector<int> kNone;
  if (!ranged_) return kNone;
  return index_ != nullptr ? index_->columns : table_.primary_key;
}

Task<absl::Status> TableScanOperator::NextRows(size_t batch) {
  storage::ScanRange range;
  range.start = resume_;
  range.end = end_;
  range.limit = batch;
  range.reverse = backward_;
  CO_RETURN_IF_ERROR(co_await access_.ScanInto(index_ != nullptr ? index_->tree : tree_, std::move(range), &entries_));
  QUANTA_ASSERT(entries_.size() <= batch);
  // The batch lies in the range: its first and last keys always checked, the order of
  // every key in debug builds (three string compares a row were 6% of a scan).
  if (!entries_.empty()) {
    const std::string_view low = entries_.key(backward_ ? entries_.size() - 1 : 0);
    const std::string_view high = entries_.key(backward_ ? 0 : entries_.size() - 1);
    QUANTA_ASSERT(low >= resume_ && low <= high);
    QUANTA_ASSERT(!end_.has_value() || high < *end_);
  }
  for (size_t i = 1; i < entries_.size(); ++i) {
    QUANTA_DEBUG_ASSERT(backward_ ? entries_.key(i) < entries_.key(i - 1) : entries_.key(i - 1) < entries_.key(i));
  }
  if (!entries_.empty() && backward_) {
    end_ = std::string(entries_.key(entries_.size() - 1));  // the next batch: keys below the last one read
  } else if (!entries_.empty()) {
    resume_.assign(entries_.key(entries_.size() - 1));
    resume_.push_back('\0');  // the least key after the last one read
  }
  if (index_ == nullptr) co_return absl::OkStatus();
  if (entries_.size() < batch) done_ = true;
  rows_.Clear();
  for (size_t i = 0; i < entries_.size(); ++i) {
    QUANTA_ASSERT(entries_.key(i).size() > entries_.value(i).size());  // values, then the row key
    auto row = co_await access_.Get(tree_, std::string(entries_.value(i)));
    if (!row.ok()) co_return row.status();
    if (!row->has_value()) continue;  // deleted since the entry was read
    rows_.Add(entries_.value(i), **row);
  }
  co_return absl::OkStatus();
}

absl::Status TableScanOperator::Decode(ExecContext& ctx, const storage::ScanBatch& rows, DataChunk* out) {
  decoder_.Clear();
  for (size_t i = 0; i < rows.size(); ++i) RETURN_IF_ERROR(decoder_.Add(rows.value(i)));
  QUANTA_ASSERT(decoder_.size() == rows.size());
  out->set_count(rows.size());
  if (filter_ == nullptr) {
    for (size_t c = 0; c < column_count_; ++c) {
      if (decodes(c)) RETURN_IF_ERROR(decoder_.DecodeColumn(c, nullptr, &out->columns[c]));
    }
    return absl::OkStatus();
  }
  // Late materialization: each conjunct's columns for the rows it judges, then the
  // other columns for the rows that passed.
  std::vector<bool> decoded(column_count_, false);
  auto before = [&](const BoundExpr& conjunct, const Rows& judged) -> absl::Status {
    std::vector<bool> reads(types_.size(), false);  // (the key column, past the table's, is never decoded)
    MarkColumns(conjunct, &reads);
    for (size_t c = 0; c < column_count_; ++c) {
      if (!reads[c] || decoded[c] || !decodes(c)) continue;
      RETURN_IF_ERROR(decoder_.DecodeColumn(c, judged.sel, &out->columns[c]));
      decoded[c] = true;  // for these rows, a superset of those any later conjunct judges
    }
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(std::vector<uint32_t> passed, EvaluateFilter(*filter_, *out, Rows::Of(*out), ctx.eval, before));
  QUANTA_ASSERT(passed.size() <= rows.size());
  for (size_t c = 0; c < column_count_; ++c) {
    if (decodes(c) && !decoded[c]) RETURN_IF_ERROR(decoder_.DecodeColumn(c, &passed, &out->columns[c]));
  }
  out->Select(std::move(passed));
  return absl::OkStatus();
}

Task<absl::StatusOr<bool>> TableScanOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  out->ResetRows();
  if (done_) {
    out->Reset();
    for (const Type& t : types_) out->columns.emplace_back(t, 0);
    co_return false;
  }
  if (end_.has_value() && *end_ <= resume_) {  // an empty key range
    done_ = true;
    out->Reset();
    for (const Type& t : types_) out->columns.emplace_back(t, 0);
    co_return false;
  }
  const size_t batch = std::clamp<size_t>(ctx.scan_batch, 1, kBatchSize);
  absl::Status read = co_await NextRows(batch);
  if (!read.ok()) co_return read;
  const storage::ScanBatch& rows = index_ != nullptr ? rows_ : entries_;
  QUANTA_ASSERT(rows.size() <= batch);
  // The caller's vectors from the last batch, if it passes the same chunk again, are
  // reset in place: their buffers are reused (a batch's allocations were 8% of Q6).
  out->columns.resize(types_.size());
  for (size_t c = 0; c < types_.size(); ++c) {
    if (c < needed_.size() && !needed_[c]) {
      out->columns[c].SetConstant(Value::Null(types_[c]));  // never read: not decoded
    } else {
      out->columns[c].Reset(types_[c], rows.size());
    }
  }
  if (with_keys_) {
    for (size_t i = 0; i < rows.size(); ++i) out->columns[column_count_].SetStr(i, std::string(rows.key(i)));
  }
  CO_RETURN_IF_ERROR(Decode(ctx, rows, out));
  QUANTA_ASSERT(out->columns.size() == types_.size() && out->count() == rows.size());
  ChargeRows(ctx, rows.size());
  if (entries_.size() < batch && index_ == nullptr) done_ = true;
  co_await MaybeYield(ctx);
  co_return !done_;
}

}  // namespace quanta::sql
