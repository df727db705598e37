#include "sql/storage/data_access.h"

namespace quanta::sql {

Task<absl::Status> DataAccess::ScanInto(storage::TreeId tree, storage::ScanRange range, storage::ScanBatch* out) {
  out->Clear();
  auto rows = co_await Scan(tree, std::move(range));
  if (!rows.ok()) co_return rows.status();
  for (const storage::KeyValue& row : *rows) out->Add(row.key, row.value);
  co_return absl::OkStatus();
}

Task<absl::Status> DataAccess::BeginWrite(const char* command) {
  co_return Writable(command);  // a local store commits synchronously: nothing is pending
}

}  // namespace quanta::sql
