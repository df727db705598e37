// RequestHandler: serves a replicated node's clients (ClientRequest, client_request.h)
// — the node's client sessions, kept out of the drive loop as TigerBeetle keeps them
// out of its replica.
//
// Writes: only a primary holding its lease takes them; a write set is validated
// (client trees only, sizes within kMaxClientWriteBytes), proposed as one Raft entry
// and answered by the commit mode: sync once applied here (a quorum has it), async
// once the primary's own log has it durable; after `sync_timeout` the outcome is
// unknown (SQLSTATE 08007), never a silent downgrade. A replica refuses writes naming
// the primary (25006). A write naming a term (ClientRequest::term) is refused
// unproposed in any other. Reads: the primary passes the read barrier (its lease, then
// everything committed when it was checked is applied); replicas read at their
// applied index. Scans read one store state, so a write set is seen whole or not at
// all. Status: the applied index and a hash of the client rows (convergence checks).
// Transfer: the primary hands leadership over (a switchover).
//
// Every request is answered exactly once; a request whose node is destroyed while it
// waits is answered kCancelled without touching the node (the node's Lifetime).
// Threading: the node's loop. Lifetime: owned by the node.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "engine/env/task.h"
#include "engine/replication/client_request.h"

namespace quanta::replication {

class ReplicatedNode;

class RequestHandler {
 public:
  explicit RequestHandler(ReplicatedNode& node);
  RequestHandler(const RequestHandler&) = delete;
  RequestHandler& operator=(const RequestHandler&) = delete;

  // Serves one request (any number concurrently).
  Task<ClientResponse> Handle(ClientRequest request);
  // Primary: waits until every entry in its log is applied here, so a writer that
  // reads next sees every earlier write, including one whose outcome was unknown
  // (08007) and which may commit after all. Without it a read-modify-write could
  // compute from a state missing a pending entry and overwrite it once both commit.
  // Errors: 25006 on a replica, kUnavailable without the lease or when the pending
  // entries do not commit within sync_timeout.
  Task<absl::Status> WriteBarrier();

 private:
  Task<ClientResponse> HandleWrite(ClientRequest request);
  Task<ClientResponse> HandleRead(ClientRequest request);
  Task<ClientResponse> HandleStatus(ClientRequest request);
  ClientResponse HandleTransfer(const ClientRequest& request);
  // Primary: waits until everything committed when the lease was checked is applied,
  // so a read from the store is linearizable. Replicas: OK at once (they read at
  // their applied index). Errors: kUnavailable without the lease or when it times out.
  Task<absl::Status> ReadBarrier();
  ClientResponse Refuse(uint64_t id, absl::Status status, const char* sqlstate = "") const;

  ReplicatedNode& node_;
};

}  // namespace quanta::replication
