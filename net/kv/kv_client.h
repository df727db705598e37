// KvClient: one connection of the internal client protocol (client_protocol.h), as
// simulated clients and test tools use it. One call at a time.
//
// An answer that does not arrive is reported, not guessed: kUnavailable when the
// connection failed and kDeadlineExceeded when `timeout` passed first. For a write
// either means the outcome is unknown. After either, the connection is closed; make a
// new client.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/env/env.h"
#include "net/kv/client_protocol.h"
#include "engine/replication/frame.h"

namespace quanta::net {

using replication::AppendFrame;
using replication::FrameReader;

class KvClient {
 public:
  // Connects to `address`; kDeadlineExceeded if that takes longer than `timeout` (a
  // partitioned node may leave a connect hanging for the transport's whole timeout).
  static Task<absl::StatusOr<std::unique_ptr<KvClient>>> Connect(Env& env, std::string address,
                                                                 absl::Duration timeout = absl::Seconds(10));
  ~KvClient();

  // REQUIRES: no other call pending; the client is not broken.
  Task<absl::StatusOr<ClientResponse>> Call(ClientRequest request, absl::Duration timeout);
  bool broken() const { return broken_; }

 private:
  KvClient(Env& env, std::unique_ptr<Stream> stream)
      : env_(env), stream_(std::move(stream)), reader_(kMaxClientMessageBytes) {}
  Task<absl::StatusOr<ClientResponse>> ReadAnswer(uint64_t id);

  Env& env_;
  std::unique_ptr<Stream> stream_;
  FrameReader reader_;
  uint64_t next_id_ = 1;
  bool broken_ = false;
};

}  // namespace quanta::net
