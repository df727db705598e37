// ClientServer: serves the internal client protocol (client_protocol.h) for a node.
//
// Listens on the node's client address; each connection reads framed requests and
// answers each one as the node decides (requests on one connection are handled
// concurrently and answered as they finish, each answer naming its request). A
// malformed frame or request closes the connection. Lifetime: safe to destroy at any
// moment (coroutines share its state); destroy before the node it serves.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "engine/env/env.h"
#include "engine/env/task.h"
#include "engine/replication/client_request.h"

namespace quanta::replication {
class ReplicatedNode;
}  // namespace quanta::replication

namespace quanta::net {

using replication::ReplicatedNode;

class ClientServer {
 public:
  ClientServer(Env& env, ReplicatedNode& node);
  ~ClientServer();
  ClientServer(const ClientServer&) = delete;
  ClientServer& operator=(const ClientServer&) = delete;

  absl::Status Listen(std::string_view address);
  // Serves kSql requests with `handler` (the node's SQL engine; without one they are
  // refused). REQUIRES: whatever `handler` uses outlives this server.
  using SqlHandler = std::function<Task<replication::ClientResponse>(replication::ClientRequest)>;
  void ServeSql(SqlHandler handler);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace quanta::net
