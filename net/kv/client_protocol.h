// The internal client protocol: requests a client sends a node and the node's answers
// (engine/replication/client_request.h), as Protobuf messages (client.proto) in frames
// (engine/replication/frame.h) over one Env stream.
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
#include "engine/replication/client_request.h"

namespace quanta::net {

using replication::ClientRequest;
using replication::ClientResponse;

inline constexpr size_t kMaxClientMessageBytes = 64u << 20;

std::string EncodeRequest(const ClientRequest& request);
// Errors: kDataLoss naming the malformed part.
absl::StatusOr<ClientRequest> DecodeRequest(std::string_view bytes);
std::string EncodeResponse(const ClientResponse& response);
absl::StatusOr<ClientResponse> DecodeResponse(std::string_view bytes);

}  // namespace quanta::net
