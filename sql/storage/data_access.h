// DataAccess: what the SQL engine reads and writes through. Two implementations: the
// replicated node (sql/session/node_access.h: reads at the applied index or under the
// primary's lease, commits through Raft) and a local Store (store_access.h, for tests
// and benchmarks of the engine alone).
//
// Contract: Scan returns at most range.limit rows, all from one state of the store
// (a write set seen whole or not at all). Commit applies `writes` atomically; once it
// returns OK, reads through the same DataAccess see them. Errors are the store's or
// the node's (25006 on a replica, kUnavailable while no primary holds a lease, 08007
// when a sync commit's outcome is unknown).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/env/task.h"
#include "engine/storage/btree.h"
#include "engine/storage/write_set.h"

namespace quanta::sql {

class DataAccess {
 public:
  virtual ~DataAccess() = default;
  virtual Task<absl::StatusOr<std::vector<storage::KeyValue>>> Scan(storage::TreeId tree, storage::ScanRange range) = 0;
  // Scan into a reusable batch (cleared first), for cursors: the same entries as Scan.
  // The default copies Scan's result; a local store fills the batch straight from its
  // pages.
  virtual Task<absl::Status> ScanInto(storage::TreeId tree, storage::ScanRange range, storage::ScanBatch* out);
  virtual Task<absl::StatusOr<std::optional<std::string>>> Get(storage::TreeId tree, std::string key) = 0;
  virtual Task<absl::Status> Commit(storage::WriteSet writes) = 0;
  // OK if writes may be attempted here; otherwise why not (25006 on a replica). A
  // statement that writes checks it first, so a replica refuses even a DELETE that
  // would match nothing. `command` names the statement ("INSERT").
  virtual absl::Status Writable(const char* command) const { return absl::OkStatus(); }
  // Brackets a writing statement (serialized: one at a time), called before its first
  // read. BeginWrite waits until every earlier write is settled, so the reads see all
  // of them (the node waits for entries whose outcome was unknown); until EndWrite,
  // reads and the commit are refused once the state could have moved under the
  // statement (the node's primary term changed), so a read-modify-write never computes
  // from one state and commits onto another. Errors as Writable's, or kUnavailable
  // when earlier writes do not settle in time.
  virtual Task<absl::Status> BeginWrite(const char* command);
  virtual void EndWrite() {}
  // Whether Scan serves ScanRange::reverse (descending key order).
  virtual bool ScansBackward() const { return true; }
};

}  // namespace quanta::sql
