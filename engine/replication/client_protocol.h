// The internal client protocol: requests a client sends a node and the node's answers,
// as Protobuf messages (client.proto) in frames (frame.h) over one Env stream.
//
// A client may pipeline requests on a connection; answers carry the request's id.
// Writes go to the primary; any node answers a get (the primary under its lease,
// a replica at its applied index). A replica refuses writes with kFailedPrecondition,
// SQLSTATE 25006 (read_only_sql_transaction) and the primary's address in `leader`.
// A sync-mode write that did not reach a quorum within `sync_timeout` answers
// kDeadlineExceeded, SQLSTATE 08007 (transaction_resolution_unknown): it may or may
// not commit later.
//
// Decoders check every field a confused or hostile peer could get wrong and name
// the problem (fuzzed: fuzz/client_protocol_fuzz.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/storage/btree.h"
#include "engine/storage/write_set.h"

namespace quanta::replication {

inline constexpr size_t kMaxClientMessageBytes = 64u << 20;
inline constexpr char kSqlStateReadOnly[] = "25006";
inline constexpr char kSqlStateUnknownOutcome[] = "08007";

struct ClientRequest {
  ClientRequest() {}
  // kStatus: the node's applied index and a hash of its rows (convergence checks).
  // kTransfer: the primary hands leadership to `target` (a switchover).
  // kScan: the rows of `tree` with keys in [key, end) (to the last key without an
  // end), all from one state: a write set is seen whole or not at all.
  enum class Kind : uint8_t { kWrite = 1, kGet = 2, kStatus = 3, kTransfer = 4, kScan = 5 };
  uint64_t id = 0;
  Kind kind = Kind::kGet;
  storage::WriteSet writes;  // kWrite
  storage::TreeId tree = 0;  // kGet
  std::string key;           // kGet
  uint64_t target = 0;       // kTransfer
  std::optional<std::string> end;  // kScan
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
};

std::string EncodeRequest(const ClientRequest& request);
// Errors: kDataLoss naming the malformed part.
absl::StatusOr<ClientRequest> DecodeRequest(std::string_view bytes);
std::string EncodeResponse(const ClientResponse& response);
absl::StatusOr<ClientResponse> DecodeResponse(std::string_view bytes);

}  // namespace quanta::replication
