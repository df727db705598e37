#include "sql/storage/store_access.h"

namespace quanta::sql {

Task<absl::StatusOr<std::vector<storage::KeyValue>>> StoreAccess::Scan(storage::TreeId tree, storage::ScanRange range) {
  auto rows = co_await store_.Scan(tree, std::move(range));
  co_return rows;
}

Task<absl::Status> StoreAccess::ScanInto(storage::TreeId tree, storage::ScanRange range, storage::ScanBatch* out) {
  absl::Status scanned = co_await store_.ScanInto(tree, std::move(range), out);
  co_return scanned;
}

Task<absl::StatusOr<std::optional<std::string>>> StoreAccess::Get(storage::TreeId tree, std::string key) {
  auto value = co_await store_.Get(tree, std::move(key));
  co_return value;
}

Task<absl::Status> StoreAccess::Commit(storage::WriteSet writes) {
  auto lsn = co_await store_.Commit(std::move(writes));
  co_return lsn.status();
}

}  // namespace quanta::sql
