#include "net/kv/client_server.h"

#include <deque>

#include "absl/container/btree_map.h"
#include "net/kv/client_protocol.h"
#include "engine/replication/frame.h"
#include "engine/replication/node.h"

namespace quanta::net {

using replication::AppendFrame;
using replication::FrameReader;

struct ClientServer::State {
  State(Env& e, ReplicatedNode& n) : env(e), node(n) {}
  Env& env;
  ReplicatedNode& node;
  bool closed = false;
  std::unique_ptr<Listener> listener;
  // Open connections, shared with their coroutines (which a crash may destroy first).
  absl::btree_map<uint64_t, std::shared_ptr<Stream>> connections;
  uint64_t next_connection = 1;
  ClientServer::SqlHandler sql;
};

namespace {

using StatePtr = std::shared_ptr<ClientServer::State>;

// Requests one connection may have in flight; past it the server stops reading
// from that connection until one finishes (a pipelining client cannot make it buffer
// without bound).
constexpr int kMaxInflightPerConnection = 64;

// One connection's answers, written in the order they finish, one write at a time.
struct Outbox {
  std::deque<std::string> frames;
  bool writing = false;
  bool broken = false;
  int inflight = 0;
  Callback<bool> resume_reading;  // set while the reader waits for inflight to drop
};

Task<void> Flush(StatePtr s, std::shared_ptr<Stream> stream, std::shared_ptr<Outbox> out) {
  out->writing = true;
  while (!s->closed && !out->broken && !out->frames.empty()) {
    std::string frame = std::move(out->frames.front());
    out->frames.pop_front();
    const absl::Status written = co_await stream->Write(std::move(frame));
    if (!written.ok()) out->broken = true;
  }
  out->writing = false;
}

Task<void> Serve(StatePtr s, std::shared_ptr<Stream> stream, std::shared_ptr<Outbox> out, ClientRequest request) {
  ClientResponse response;
  if (request.kind == ClientRequest::Kind::kSql && s->sql) {
    response = co_await s->sql(std::move(request));
  } else {
    response = co_await s->node.Handle(std::move(request));
  }
  if (--out->inflight < kMaxInflightPerConnection && out->resume_reading) {
    Callback<bool> resume = std::move(out->resume_reading);
    out->resume_reading = nullptr;
    s->env.StartTimer(absl::ZeroDuration(), [resume = std::move(resume)]() mutable { resume(true); });
  }
  if (s->closed || out->broken) co_return;
  std::string frame;
  AppendFrame(EncodeResponse(response), &frame);
  out->frames.push_back(std::move(frame));
  if (!out->writing) s->env.Spawn(Flush(s, stream, out));
}

Task<void> ReadConnection(StatePtr s, std::shared_ptr<Stream> stream) {
  const uint64_t id = s->next_connection++;
  s->connections[id] = stream;
  auto out = std::make_shared<Outbox>();
  FrameReader reader(kMaxClientMessageBytes);
  bool healthy = true;
  while (healthy && !s->closed && !out->broken) {
    auto bytes = co_await stream->Read(64u << 10);
    if (s->closed || !bytes.ok() || bytes->empty()) break;
    reader.Feed(*bytes);
    while (healthy) {
      auto frame = reader.Next();
      if (frame.ok() && !frame->has_value()) break;
      auto request = frame.ok() ? DecodeRequest(**frame) : absl::StatusOr<ClientRequest>(frame.status());
      healthy = request.ok();
      if (!healthy) break;
      while (!s->closed && out->inflight >= kMaxInflightPerConnection) {
        co_await Op<bool>([out](Callback<bool> resume) { out->resume_reading = std::move(resume); });
      }
      if (s->closed) break;
      ++out->inflight;
      s->env.Spawn(Serve(s, stream, out, std::move(*request)));
    }
  }
  s->connections.erase(id);
  stream->Close();
}

Task<void> AcceptLoop(StatePtr s) {
  while (!s->closed) {
    auto stream = co_await s->listener->Accept();
    if (s->closed || !stream.ok()) co_return;
    s->env.Spawn(ReadConnection(s, std::shared_ptr<Stream>(std::move(*stream))));
  }
}

}  // namespace

ClientServer::ClientServer(Env& env, ReplicatedNode& node) : state_(std::make_shared<State>(env, node)) {}

ClientServer::~ClientServer() {
  state_->closed = true;
  if (state_->listener) state_->listener->Close();
  for (auto& [id, stream] : state_->connections) stream->Close();
}

void ClientServer::ServeSql(SqlHandler handler) { state_->sql = std::move(handler); }

absl::Status ClientServer::Listen(std::string_view address) {
  auto listener = state_->env.Listen(address);
  if (!listener.ok()) return listener.status();
  state_->listener = std::move(*listener);
  state_->env.Spawn(AcceptLoop(state_));
  return absl::OkStatus();
}

}  // namespace quanta::net
