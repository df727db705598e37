#include "sql/execution/table_scan.h"

#include "engine/env/assert.h"
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

Task<absl::StatusOr<bool>> TableScanOperator::Next(ExecContext& ctx, DataChunk* out) {
  out->Reset();
  if (done_) {
    for (const Type& t : types_) out->columns.emplace_back(t, 0);
    co_return false;
  }
  if (end_.has_value() && *end_ <= resume_) {  // an empty key range
    done_ = true;
    for (const Type& t : types_) out->columns.emplace_back(t, 0);
    co_return false;
  }
  storage::ScanRange range;
  range.start = resume_;
  range.end = end_;
  range.limit = kBatchSize;
  auto rows = co_await access_.Scan(tree_, std::move(range));
  if (!rows.ok()) co_return rows.status();
  QUANTA_ASSERT(rows->size() <= kBatchSize);
  for (const Type& t : types_) out->columns.emplace_back(t, rows->size());
  std::vector<Vector> decoded;
  for (size_t c = 0; c < column_count_; ++c) decoded.push_back(std::move(out->columns[c]));
  for (size_t i = 0; i < rows->size(); ++i) {
    const storage::KeyValue& kv = (*rows)[i];
    QUANTA_ASSERT(kv.key >= resume_);
    QUANTA_ASSERT(!end_.has_value() || kv.key < *end_);
    QUANTA_ASSERT(i == 0 || (*rows)[i - 1].key < kv.key);
    absl::Status s = DecodeRow(kv.value, &decoded, i);
    if (!s.ok()) co_return s;
    if (with_keys_) out->columns[column_count_].SetStr(i, kv.key);
  }
  for (size_t c = 0; c < column_count_; ++c) out->columns[c] = std::move(decoded[c]);
  QUANTA_ASSERT(out->columns.size() == types_.size());
  out->set_count(rows->size());
  ChargeRows(ctx, rows->size());
  if (rows->size() < kBatchSize) {
    done_ = true;
  } else {
    resume_ = rows->back().key;
    resume_.push_back('\0');  // the least key after the last one read
  }
  co_await MaybeYield(ctx);
  co_return !done_;
}

}  // namespace quanta::sql
