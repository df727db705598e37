// StoreAccess: DataAccess over a local storage::Store (no replication): the engine's
// unit tests and benchmarks. Commit is durable in the store's WAL when it returns.
#pragma once

#include "engine/storage/store.h"
#include "sql/storage/data_access.h"

namespace quanta::sql {

class StoreAccess : public DataAccess {
 public:
  explicit StoreAccess(storage::Store& store) : store_(store) {}
  Task<absl::StatusOr<std::vector<storage::KeyValue>>> Scan(storage::TreeId tree, storage::ScanRange range) override;
  Task<absl::Status> ScanInto(storage::TreeId tree, storage::ScanRange range, storage::ScanBatch* out) override;
  Task<absl::StatusOr<std::optional<std::string>>> Get(storage::TreeId tree, std::string key) override;
  Task<absl::Status> Commit(storage::WriteSet writes) override;

 private:
  storage::Store& store_;
};

}  // namespace quanta::sql
