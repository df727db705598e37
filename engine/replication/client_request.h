// ClientRequest and ClientResponse: what a client asks a replicated node and what it
// answers (ReplicatedNode::Handle). The wire form of both is the internal client
// protocol of net/kv/client_protocol.h; the SQL front door will call the node the
// same way.
//
// Writes go to the primary; any node answers a get (the primary under its lease, a
// replica at its applied index). A replica refuses writes with kFailedPrecondition,
// SQLSTATE 25006 (read_only_sql_transaction) and the primary's address in `leader`. A
// sync-mode write that did not reach a quorum within `sync_timeout` answers
// kDeadlineExceeded, SQLSTATE 08007 (transaction_resolution_unknown): it may or may
// not commit later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/storage/btree.h"
#include "engine/storage/write_set.h"

namespace quanta::replication {

inline constexpr size_t kMaxClientWriteBytes = 16u << 20;  // one client write set, encoded
inline constexpr char kSqlStateReadOnly[] = "25006";
inline constexpr char kSqlStateUnknownOutcome[] = "08007";

struct ClientRequest {
  ClientRequest() {}
  // kStatus: the node's applied index and a hash of its rows (convergence checks).
  // kTransfer: the primary hands leadership to `target` (a switchover).
  // kScan: the rows of `tree` with keys in [key, end) (to the last key without an
  // end), all from one state: a write set is seen whole or not at all.
  // kSql: `sql` run by the node's SQL engine (served by the client server when the
  // node's owner installs one; the node itself never sees it).
  enum class Kind : uint8_t { kWrite = 1, kGet = 2, kStatus = 3, kTransfer = 4, kScan = 5, kSql = 6 };
  uint64_t id = 0;
  Kind kind = Kind::kGet;
  storage::WriteSet writes;  // kWrite
  storage::TreeId tree = 0;  // kGet
  std::string key;           // kGet
  uint64_t target = 0;       // kTransfer
  std::optional<std::string> end;  // kScan
  size_t limit = 0;                // kScan: at most this many rows (0: the handler's cap)
  std::string sql;                 // kSql
  // kWrite: nonzero: propose only as the leader of this term — the term a
  // read-modify-write read in; a later term's log may hold writes its reads missed.
  uint64_t term = 0;
};

struct ClientResponse {
  ClientResponse() {}
  uint64_t id = 0;
  absl::Status status;
  std::string sqlstate;  // set with errors that have one
  bool found = false;    // kGet
  std::string value;     // kGet, when found
  std::string leader;    // the primary's client address, when known
  uint64_t index = 0;
  uint64_t term = 0;
  bool primary = false;
  uint64_t state_hash = 0;
  std::vector<storage::KeyValue> rows;  // kScan
  // kSql: the last statement's command tag, column names and rows (text; nullopt NULL).
  std::string tag;
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> sql_rows;
};

}  // namespace quanta::replication
