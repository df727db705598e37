#include "engine/replication/transport.h"

#include <deque>
#include <map>

#include "engine/env/assert.h"
#include "engine/raft/wire.h"
#include "engine/replication/frame.h"
#include "engine/replication/snapshot_transfer.h"

namespace quanta::replication {
namespace {

constexpr size_t kWriteBatchBytes = 1u << 20;
constexpr size_t kReadChunkBytes = 64u << 10;
constexpr size_t kMaxFrameBytes = raft::kMaxMessageBytes + 1024;

struct Channel {
  std::string address;
  struct Queued {
    std::string frame;
    absl::Duration enqueued;  // monotonic
  };
  std::deque<Queued> queue;
  size_t queued_bytes = 0;
  bool running = false;           // a RunChannel coroutine owns the stream
  bool unreachable = false;
  absl::Duration backoff = Transport::kMinBackoff;
  std::shared_ptr<Stream> stream;
};

}  // namespace

struct Transport::State {
  State(Env& e, raft::NodeId s) : env(e), self(s) {}
  Env& env;
  raft::NodeId self;
  absl::btree_map<raft::NodeId, PeerAddresses> peers;
  Deliver deliver;
  SnapshotHandler snapshot_handler;
  bool closed = false;
  // std::map: references stay valid while coroutines hold them across inserts.
  std::map<std::pair<raft::NodeId, bool>, Channel> channels;
  std::vector<std::unique_ptr<Listener>> listeners;
  // Open inbound streams, shared with their readers (which a crash may destroy first).
  absl::btree_map<uint64_t, std::shared_ptr<Stream>> inbound;
  uint64_t next_inbound = 1;
  TransportStats stats;

  void DropQueue(Channel& ch) {
    stats.dropped += ch.queue.size();
    ch.queue.clear();
    ch.queued_bytes = 0;
  }
};

namespace {

using StatePtr = std::shared_ptr<Transport::State>;

// The peer never writes on a channel's stream, so a read that completes means the
// connection is gone (the peer crashed or closed it): drop it now, so the next
// message goes out on a fresh connection instead of into a dead one.
Task<void> WatchForClose(StatePtr s, Channel& ch, std::shared_ptr<Stream> stream) {
  (void)co_await stream->Read(1);
  if (s->closed) co_return;
  if (ch.stream == stream) ch.stream.reset();
}

// Connects `ch` if needed; on failure drops its queue and waits out the backoff.
Task<bool> EnsureConnected(StatePtr s, Channel& ch) {
  if (ch.stream) co_return true;
  auto stream = co_await s->env.Connect(ch.address);
  if (s->closed) co_return false;
  if (stream.ok()) {
    ch.stream = std::shared_ptr<Stream>(std::move(*stream));
    s->env.Spawn(WatchForClose(s, ch, ch.stream));
    ch.unreachable = false;
    ch.backoff = Transport::kMinBackoff;
    ++s->stats.connects;
    co_return true;
  }
  ++s->stats.connect_failures;
  ch.unreachable = true;
  s->DropQueue(ch);
  const absl::Duration wait = ch.backoff * (0.5 + s->env.Rng().UnitDouble());
  ch.backoff = std::min(ch.backoff * 2, Transport::kMaxBackoff);
  co_await s->env.Sleep(wait);
  co_return false;
}

// Drains one channel's queue onto its stream; exits when the queue is empty.
Task<void> RunChannel(StatePtr s, Channel& ch) {
  while (!s->closed && !ch.queue.empty()) {
    const bool connected = co_await EnsureConnected(s, ch);
    if (s->closed) co_return;
    if (!connected) continue;
    std::string batch;
    const absl::Duration now = s->env.MonotonicNow();
    while (!ch.queue.empty() && batch.size() < kWriteBatchBytes) {
      Channel::Queued& q = ch.queue.front();
      ch.queued_bytes -= q.frame.size();
      if (now - q.enqueued > Transport::kMaxMessageAge) {
        ++s->stats.dropped;  // stale: a heartbeat this old would fake a live leader
      } else {
        batch += q.frame;
      }
      ch.queue.pop_front();
    }
    if (batch.empty()) continue;
    // A connection that died unnoticed fails the write: resend the batch once on a new
    // one (the peer may get some messages twice, which Raft tolerates).
    for (int attempt = 0; attempt < 2 && ch.stream; ++attempt) {
      std::shared_ptr<Stream> stream = ch.stream;
      const absl::Status written = co_await stream->Write(batch);
      if (s->closed) co_return;
      if (written.ok()) break;
      if (ch.stream == stream) ch.stream.reset();
      ch.unreachable = true;
      if (attempt == 0 && !co_await EnsureConnected(s, ch)) break;
      if (s->closed) co_return;
    }
  }
  ch.running = false;
}

// Decodes the frames of one inbound stream and delivers their messages.
Task<void> ReadInbound(StatePtr s, std::shared_ptr<Stream> stream) {
  const uint64_t id = s->next_inbound++;
  s->inbound[id] = stream;
  FrameReader reader(kMaxFrameBytes);
  bool healthy = true;
  bool first = true;
  while (healthy && !s->closed) {
    auto bytes = co_await stream->Read(kReadChunkBytes);
    if (s->closed || !bytes.ok() || bytes->empty()) break;
    reader.Feed(*bytes);
    while (healthy && !s->closed) {
      auto frame = reader.Next();
      if (frame.ok() && !frame->has_value()) break;
      if (first && frame.ok() && (**frame == kSnapshotHello || **frame == kSnapshotPullHello)) {
        const bool pull = **frame == kSnapshotPullHello;
        s->inbound.erase(id);
        if (!s->snapshot_handler) {
          stream->Close();
          co_return;
        }
        auto rest = std::make_unique<FrameReader>(kMaxSnapshotFrameBytes);
        rest->Feed(reader.TakeBuffered());
        s->snapshot_handler(std::move(stream), std::move(rest), pull);
        co_return;
      }
      first = false;
      auto message = frame.ok() ? raft::DecodeMessage(**frame) : absl::StatusOr<raft::Message>(frame.status());
      healthy = message.ok() && message->to == s->self && s->peers.contains(message->from);
      if (!healthy) break;
      ++s->stats.received;
      // It speaks: a failed connection attempt to it (on an idle channel) is stale.
      for (bool replication : {false, true}) s->channels.at({message->from, replication}).unreachable = false;
      s->deliver(std::move(*message));
    }
  }
  if (!healthy) ++s->stats.bad_frames;
  s->inbound.erase(id);
}

Task<void> AcceptLoop(StatePtr s, Listener* listener) {
  while (!s->closed) {
    auto stream = co_await listener->Accept();
    if (s->closed) co_return;
    if (!stream.ok()) co_return;  // the listener is closed
    s->env.Spawn(ReadInbound(s, std::shared_ptr<Stream>(std::move(*stream))));
  }
}

}  // namespace

bool OnReplicationChannel(raft::MessageType type) {
  return type == raft::MessageType::kAppend || type == raft::MessageType::kAppendResponse ||
         type == raft::MessageType::kSnapshot;
}

Transport::Transport(Env& env, raft::NodeId self, absl::btree_map<raft::NodeId, PeerAddresses> peers,
                     Deliver deliver)
    : state_(std::make_shared<State>(env, self)) {
  state_->peers = std::move(peers);
  state_->deliver = std::move(deliver);
  QUANTA_ASSERT(!state_->peers.contains(self));  // the node never sends to itself
  QUANTA_ASSERT(state_->deliver != nullptr);
  for (const auto& [id, addresses] : state_->peers) {
    state_->channels[{id, false}].address = addresses.raft;
    state_->channels[{id, true}].address = addresses.replication;
  }
}

Transport::~Transport() {
  state_->closed = true;
  for (auto& listener : state_->listeners) listener->Close();
  for (auto& [key, ch] : state_->channels) {
    if (ch.stream) ch.stream->Close();
  }
  for (auto& [id, stream] : state_->inbound) stream->Close();
}

absl::Status Transport::Listen(const PeerAddresses& local) {
  for (const std::string* address : {&local.raft, &local.replication}) {
    auto listener = state_->env.Listen(*address);
    if (!listener.ok()) return listener.status();
    state_->listeners.push_back(std::move(*listener));
    state_->env.Spawn(AcceptLoop(state_, state_->listeners.back().get()));
  }
  return absl::OkStatus();
}

void Transport::Send(const raft::Message& message) {
  QUANTA_ASSERT(message.from == state_->self);
  QUANTA_ASSERT(message.to != state_->self);
  auto it = state_->channels.find({message.to, OnReplicationChannel(message.type)});
  QUANTA_ASSERT(it != state_->channels.end());
  Channel& ch = it->second;
  std::string frame;
  AppendFrame(raft::EncodeMessage(message), &frame);
  if (ch.queued_bytes + frame.size() > kMaxQueuedBytes) {
    ++state_->stats.dropped;
    return;
  }
  ch.queued_bytes += frame.size();
  QUANTA_ASSERT(ch.queued_bytes <= kMaxQueuedBytes);
  ch.queue.push_back(Channel::Queued{std::move(frame), state_->env.MonotonicNow()});
  ++state_->stats.sent;
  if (!ch.running) {
    ch.running = true;
    state_->env.Spawn(RunChannel(state_, ch));
  }
}

void Transport::set_snapshot_handler(SnapshotHandler handler) { state_->snapshot_handler = std::move(handler); }

Task<absl::StatusOr<std::shared_ptr<Stream>>> Transport::ConnectForSnapshot(raft::NodeId peer) {
  StatePtr s = state_;
  auto it = s->peers.find(peer);
  QUANTA_ASSERT(it != s->peers.end());
  auto stream = co_await s->env.Connect(it->second.replication);
  if (s->closed) co_return absl::CancelledError("transport closed");
  if (!stream.ok()) co_return stream.status();
  co_return std::shared_ptr<Stream>(std::move(*stream));
}

bool Transport::Unreachable(raft::NodeId peer) const {
  for (bool replication : {false, true}) {
    auto it = state_->channels.find({peer, replication});
    if (it != state_->channels.end() && it->second.unreachable) return true;
  }
  return false;
}

const TransportStats& Transport::stats() const { return state_->stats; }

}  // namespace quanta::replication
