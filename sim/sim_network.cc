#include "sim/sim_network.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"

namespace quanta::sim {

struct Chunk {
  std::string data;
  bool fin = false;
  absl::Duration arrival;
};

// One direction of a connection: chunks written by side i, not yet delivered to 1-i.
struct Pipe {
  std::deque<Chunk> chunks;
  size_t in_flight_bytes = 0;
  absl::Duration last_arrival;
  absl::Duration stalled_until;
  absl::Duration blocked_since = absl::InfiniteDuration();
  bool pump_scheduled = false;
};

struct Side {
  NetNode node;
  std::string address;
  std::string received;  // delivered, not yet read
  bool eof = false;      // the peer's FIN was delivered
  bool closed = false;   // this side called Close
  size_t read_max = 0;
  Callback<absl::StatusOr<std::string>> read_done;
  bool read_scheduled = false;
  std::string write_data;  // waiting for window space
  Callback<absl::Status> write_done;
};

struct Connection {
  uint64_t id = 0;
  bool reset = false;
  Side side[2];
  Pipe pipe[2];  // pipe[i] carries bytes from side[i] to side[1 - i]
  size_t Unread(int writer) const {
    return pipe[writer].in_flight_bytes + side[1 - writer].received.size();
  }
};

namespace {

bool OwnerAlive(const EventOwner* owner) {
  return owner != nullptr && owner->Dispose() != EventOwner::Disposition::kDrop;
}

absl::StatusOr<std::pair<std::string, uint64_t>> ParseAddress(absl::string_view address) {
  const size_t colon = address.rfind(':');
  uint64_t port = 0;
  if (colon == absl::string_view::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad address '", address, "' (want host:port)"));
  }
  return std::make_pair(std::string(address.substr(0, colon)), port);
}

}  // namespace

class SimStream final : public Stream {
 public:
  SimStream(SimNetwork* net, std::shared_ptr<Connection> conn, int side)
      : net_(net), conn_(std::move(conn)), side_(side) {}
  ~SimStream() override { Close(); }
  void StartRead(size_t max_bytes, Callback<absl::StatusOr<std::string>> done) override {
    net_->Read(conn_, side_, max_bytes, std::move(done));
  }
  void StartWrite(std::string data, Callback<absl::Status> done) override {
    net_->Write(conn_, side_, std::move(data), std::move(done));
  }
  void Close() override { net_->Close(conn_, side_); }
  std::string PeerAddress() const override { return conn_->side[1 - side_].address; }

 private:
  SimNetwork* net_;
  std::shared_ptr<Connection> conn_;
  int side_;
};

class SimListener final : public Listener {
 public:
  SimListener(SimNetwork* net, NetNode node, std::string address)
      : net_(net), node_(std::move(node)), address_(std::move(address)) {}
  ~SimListener() override { Close(); }

  void StartAccept(Callback<absl::StatusOr<std::unique_ptr<Stream>>> done) override {
    if (!OwnerAlive(node_.owner)) return;
    QUANTA_ASSERT(!accept_done_);
    if (closed_) {
      Complete(std::move(done), absl::CancelledError("listener closed"));
      return;
    }
    accept_done_ = std::move(done);
    MaybeAccept();
  }
  void Close() override {
    if (closed_) return;
    closed_ = true;
    net_->Unregister(this);
    for (auto& conn : backlog_) net_->Close(conn, 1);
    backlog_.clear();
    if (accept_done_ && OwnerAlive(node_.owner)) {
      Complete(std::exchange(accept_done_, nullptr), absl::CancelledError("listener closed"));
    }
  }
  std::string LocalAddress() const override { return address_; }

  // Returns false if the backlog is full or the listener is closed.
  bool Enqueue(std::shared_ptr<Connection> conn) {
    if (closed_ || backlog_.size() >= kListenBacklog) return false;
    backlog_.push_back(std::move(conn));
    MaybeAccept();
    return true;
  }
  const NetNode& node() const { return node_; }

 private:
  void MaybeAccept() {
    if (!accept_done_ || backlog_.empty() || accept_scheduled_) return;
    accept_scheduled_ = true;
    net_->loop().Schedule(absl::ZeroDuration(), node_.owner, {"net.accept", node_.id, 0, 0},
                          [this, alive = std::weak_ptr<int>(alive_)] {
      if (alive.expired()) return;  // the listener was destroyed meanwhile
      accept_scheduled_ = false;
      if (!accept_done_ || backlog_.empty()) return;
      std::shared_ptr<Connection> conn = std::move(backlog_.front());
      backlog_.pop_front();
      std::exchange(accept_done_, nullptr)(
          std::unique_ptr<Stream>(std::make_unique<SimStream>(net_, std::move(conn), 1)));
    });
  }
  void Complete(Callback<absl::StatusOr<std::unique_ptr<Stream>>> done, absl::Status status) {
    net_->loop().Schedule(absl::ZeroDuration(), node_.owner, {"net.accept-fail", node_.id, 0, 0},
                          [done = std::move(done), status]() mutable { done(status); });
  }

  SimNetwork* net_;
  NetNode node_;
  std::string address_;
  bool closed_ = false;
  bool accept_scheduled_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::deque<std::shared_ptr<Connection>> backlog_;
  Callback<absl::StatusOr<std::unique_ptr<Stream>>> accept_done_;
};

SimNetwork::SimNetwork(SimLoop& loop, uint64_t seed) : loop_(loop), rng_(seed) {}

SimNetwork::~SimNetwork() {
  // Listeners outliving the network would dangle; processes are torn down first.
  QUANTA_ASSERT(listeners_.empty());
}

void SimNetwork::HealAll() { cut_.clear(); }

void SimNetwork::CompleteLater(EventOwner* owner, uint32_t node, const char* kind,
                               absl::AnyInvocable<void()> action) {
  loop_.Schedule(absl::ZeroDuration(), owner, {kind, node, 0, 0}, std::move(action));
}

absl::Duration SimNetwork::Latency(uint32_t from, uint32_t to) {
  auto [it, inserted] = link_base_.try_emplace({from, to}, absl::ZeroDuration());
  if (inserted) {
    const int64_t max_us = std::max<int64_t>(1, absl::ToInt64Microseconds(rates_.latency_base_max));
    it->second = absl::Microseconds(rng_.Range(1, max_us));
  }
  absl::Duration latency =
      it->second + absl::Nanoseconds(static_cast<int64_t>(
                       rng_.Exponential(absl::ToDoubleNanoseconds(rates_.latency_jitter_mean))));
  if (rng_.Bernoulli(rates_.spike_per_chunk)) latency += absl::Milliseconds(rng_.Range(1, 1000));
  return latency;
}

absl::StatusOr<std::unique_ptr<Listener>> SimNetwork::Listen(const NetNode& node,
                                                             absl::string_view address) {
  auto parsed = ParseAddress(address);
  if (!parsed.ok()) return parsed.status();
  auto [host, port] = *parsed;
  if (host.empty() || host == "0.0.0.0" || host == "*") host = node.host;
  if (host != node.host) {
    return absl::InvalidArgumentError(absl::StrCat("cannot listen on ", address, " from ", node.host));
  }
  std::string bound = absl::StrCat(host, ":", port == 0 ? next_port_++ : port);
  if (listeners_.contains(bound)) {
    return absl::AlreadyExistsError(absl::StrCat("address in use: ", bound));
  }
  auto listener = std::make_unique<SimListener>(this, node, bound);
  listeners_[bound] = listener.get();
  return std::unique_ptr<Listener>(std::move(listener));
}

void SimNetwork::Unregister(SimListener* listener) {
  auto it = listeners_.find(listener->LocalAddress());
  if (it != listeners_.end() && it->second == listener) listeners_.erase(it);
}

void SimNetwork::Connect(const NetNode& node, std::string address,
                         Callback<absl::StatusOr<std::unique_ptr<Stream>>> done) {
  if (!OwnerAlive(node.owner)) return;
  auto parsed = ParseAddress(address);
  absl::Status error = parsed.status();
  if (parsed.ok() && !hosts_.contains(parsed->first)) {
    error = absl::UnavailableError(absl::StrCat("unknown host in ", address));
  }
  if (!error.ok()) {
    CompleteLater(node.owner, node.id, "net.connect-fail",
                  [done = std::move(done), error]() mutable { done(error); });
    return;
  }
  const uint32_t target = hosts_[parsed->first];
  const absl::Duration deadline = loop_.Now() + rates_.connect_timeout;
  TryConnect(node, std::move(address), target, deadline, std::move(done));
}

void SimNetwork::TryConnect(NetNode node, std::string address, uint32_t target,
                            absl::Duration deadline,
                            Callback<absl::StatusOr<std::unique_ptr<Stream>>> done) {
  const absl::Duration syn = Latency(node.id, target);
  loop_.Schedule(syn, nullptr, {"net.syn", node.id, target, 0},
                 [this, node, address = std::move(address), target, deadline,
                  done = std::move(done)]() mutable {
    if (!OwnerAlive(node.owner)) return;
    const absl::Duration back = Latency(target, node.id);
    if (!Reachable(node.id, target) || !Reachable(target, node.id)) {
      if (loop_.Now() + absl::Milliseconds(200) < deadline) {
        loop_.Schedule(absl::Milliseconds(200), nullptr, {"net.syn-retry", node.id, target, 0},
                       [this, node, address = std::move(address), target, deadline,
                        done = std::move(done)]() mutable {
          TryConnect(node, std::move(address), target, deadline, std::move(done));
        });
        return;
      }
      absl::Status timeout = absl::UnavailableError(absl::StrCat("connect to ", address, " timed out"));
      loop_.Schedule(absl::ZeroDuration(), node.owner, {"net.connect-timeout", node.id, target, 0},
                     [done = std::move(done), timeout]() mutable { done(timeout); });
      return;
    }
    auto it = listeners_.find(address);
    auto conn = std::make_shared<Connection>();
    conn->id = next_conn_id_++;
    conn->side[0].node = node;
    conn->side[0].address = absl::StrCat(node.host, ":", next_port_++);
    if (it == listeners_.end() || !OwnerAlive(it->second->node().owner)) {
      conn.reset();
    } else {
      conn->side[1].node = it->second->node();
      conn->side[1].address = address;
      conn->pipe[0].last_arrival = conn->pipe[1].last_arrival = loop_.Now();
      if (it->second->Enqueue(conn)) {
        connections_[conn->id] = conn;
      } else {
        conn.reset();
      }
    }
    loop_.Schedule(back, node.owner, {"net.connected", node.id, target, conn ? conn->id : 0},
                   [this, conn = std::move(conn), address, done = std::move(done)]() mutable {
      if (!conn) {
        done(absl::UnavailableError(absl::StrCat("connection refused by ", address)));
        return;
      }
      done(std::unique_ptr<Stream>(std::make_unique<SimStream>(this, std::move(conn), 0)));
    });
  });
}

void SimNetwork::Read(const std::shared_ptr<Connection>& conn, int side, size_t max_bytes,
                      Callback<absl::StatusOr<std::string>> done) {
  Side& s = conn->side[side];
  if (!OwnerAlive(s.node.owner)) return;
  QUANTA_ASSERT(max_bytes > 0);
  QUANTA_ASSERT(!s.read_done);  // one read at a time
  if (s.closed) {
    CompleteLater(s.node.owner, s.node.id, "net.read-closed",
                  [done = std::move(done)]() mutable { done(absl::CancelledError("stream closed")); });
    return;
  }
  s.read_max = max_bytes;
  s.read_done = std::move(done);
  MaybeCompleteRead(conn, side);
}

void SimNetwork::MaybeCompleteRead(const std::shared_ptr<Connection>& conn, int side) {
  Side& s = conn->side[side];
  if (!s.read_done || s.read_scheduled) return;
  if (s.received.empty() && !s.eof && !conn->reset) return;
  s.read_scheduled = true;
  loop_.Schedule(absl::ZeroDuration(), s.node.owner, {"net.read", s.node.id, conn->id, 0},
                 [this, conn, side] {
    Side& s = conn->side[side];
    s.read_scheduled = false;
    if (!s.read_done) return;
    auto done = std::exchange(s.read_done, nullptr);
    if (conn->reset) {
      done(absl::UnavailableError("connection reset"));
      return;
    }
    const size_t n = std::min(s.read_max, s.received.size());
    std::string data = s.received.substr(0, n);
    s.received.erase(0, n);
    MaybeAcceptWrite(conn, 1 - side);  // the peer's window opened
    done(std::move(data));  // empty only at EOF
  });
}

void SimNetwork::Write(const std::shared_ptr<Connection>& conn, int side, std::string data,
                       Callback<absl::Status> done) {
  Side& s = conn->side[side];
  if (!OwnerAlive(s.node.owner)) return;
  QUANTA_ASSERT(!s.write_done);  // one write at a time
  if (conn->reset || s.closed) {
    absl::Status status = conn->reset ? absl::UnavailableError("connection reset")
                                      : absl::CancelledError("stream closed");
    CompleteLater(s.node.owner, s.node.id, "net.write-fail",
                  [done = std::move(done), status]() mutable { done(status); });
    return;
  }
  s.write_data = std::move(data);
  s.write_done = std::move(done);
  MaybeAcceptWrite(conn, side);
}

void SimNetwork::MaybeAcceptWrite(const std::shared_ptr<Connection>& conn, int side) {
  Side& s = conn->side[side];
  if (!s.write_done || conn->reset || conn->Unread(side) >= kWindowBytes) return;
  std::string data = std::move(s.write_data);
  s.write_data.clear();
  auto done = std::exchange(s.write_done, nullptr);
  Enqueue(conn, side, std::move(data), /*fin=*/false);
  loop_.Schedule(absl::Microseconds(1), s.node.owner, {"net.written", s.node.id, conn->id, 0},
                 [done = std::move(done)]() mutable { done(absl::OkStatus()); });
}

void SimNetwork::Enqueue(const std::shared_ptr<Connection>& conn, int side, std::string data,
                         bool fin) {
  Pipe& pipe = conn->pipe[side];
  const uint32_t from = conn->side[side].node.id;
  const uint32_t to = conn->side[1 - side].node.id;
  // Split at random points so readers see arbitrary segmentation.
  std::vector<std::string> pieces;
  if (data.size() > 1 && !fin) {
    const uint64_t cuts = rng_.Uniform(std::min<uint64_t>(4, data.size()));
    std::vector<size_t> at;
    for (uint64_t i = 0; i < cuts; ++i) at.push_back(1 + rng_.Uniform(data.size() - 1));
    std::sort(at.begin(), at.end());
    size_t begin = 0;
    for (size_t cut : at) {
      if (cut > begin) pieces.push_back(data.substr(begin, cut - begin));
      begin = std::max(begin, cut);
    }
    pieces.push_back(data.substr(begin));
  } else {
    pieces.push_back(std::move(data));
  }
  for (std::string& piece : pieces) {
    const absl::Duration arrival = std::max(loop_.Now() + Latency(from, to), pipe.last_arrival);
    pipe.last_arrival = arrival;
    pipe.in_flight_bytes += piece.size();
    pipe.chunks.push_back(Chunk{std::move(piece), fin, arrival});
  }
  SchedulePump(conn, side, pipe.chunks.front().arrival);
}

void SimNetwork::SchedulePump(const std::shared_ptr<Connection>& conn, int p, absl::Duration at) {
  Pipe& pipe = conn->pipe[p];
  if (pipe.pump_scheduled) return;
  pipe.pump_scheduled = true;
  const absl::Duration delay = std::max(absl::ZeroDuration(), at - loop_.Now());
  loop_.Schedule(delay, nullptr, {"net.deliver", conn->side[p].node.id, conn->id, 0},
                 [this, conn, p] {
    conn->pipe[p].pump_scheduled = false;
    Pump(conn, p);
  });
}

void SimNetwork::Pump(const std::shared_ptr<Connection>& conn, int p) {
  Pipe& pipe = conn->pipe[p];
  Side& to = conn->side[1 - p];
  const uint32_t from_id = conn->side[p].node.id;
  while (!conn->reset && !pipe.chunks.empty() && pipe.chunks.front().arrival <= loop_.Now()) {
    const bool blocked = !Reachable(from_id, to.node.id) || pipe.stalled_until > loop_.Now();
    if (blocked) {
      if (pipe.blocked_since == absl::InfiniteDuration()) pipe.blocked_since = loop_.Now();
      if (loop_.Now() - pipe.blocked_since > rates_.reset_after_blocked) {
        Reset(conn);
        return;
      }
      SchedulePump(conn, p, std::max(loop_.Now() + absl::Milliseconds(100), pipe.stalled_until));
      return;
    }
    pipe.blocked_since = absl::InfiniteDuration();
    if (rng_.Bernoulli(rates_.reset_per_chunk)) {
      Reset(conn);
      return;
    }
    if (rng_.Bernoulli(rates_.stall_per_chunk)) {
      pipe.stalled_until = loop_.Now() + absl::Milliseconds(rng_.Range(10, 2000));
      continue;
    }
    Chunk chunk = std::move(pipe.chunks.front());
    pipe.chunks.pop_front();
    pipe.in_flight_bytes -= chunk.data.size();
    if (to.closed && !chunk.data.empty()) {
      Reset(conn);  // data for a closed socket: the kernel answers with RST
      return;
    }
    if (chunk.fin) {
      to.eof = true;
    } else {
      to.received += chunk.data;
    }
    MaybeCompleteRead(conn, 1 - p);
  }
  if (!conn->reset && !pipe.chunks.empty()) SchedulePump(conn, p, pipe.chunks.front().arrival);
}

void SimNetwork::Reset(const std::shared_ptr<Connection>& conn) {
  if (conn->reset) return;
  conn->reset = true;
  ++connections_reset_;
  loop_.Observe({"net.reset", 0, conn->id, 0});
  for (int i = 0; i < 2; ++i) {
    Pipe& pipe = conn->pipe[i];
    pipe.chunks.clear();
    pipe.in_flight_bytes = 0;
    Side& s = conn->side[i];
    s.received.clear();
    if (s.write_done && OwnerAlive(s.node.owner)) {
      CompleteLater(s.node.owner, s.node.id, "net.write-reset",
                    [done = std::exchange(s.write_done, nullptr)]() mutable {
                      done(absl::UnavailableError("connection reset"));
                    });
    }
    if (OwnerAlive(s.node.owner)) MaybeCompleteRead(conn, i);
  }
}

void SimNetwork::Close(const std::shared_ptr<Connection>& conn, int side) {
  Side& s = conn->side[side];
  if (s.closed) return;
  s.closed = true;
  if (!OwnerAlive(s.node.owner)) return;  // a dead process's sockets are reset instead
  if (s.read_done) {
    CompleteLater(s.node.owner, s.node.id, "net.read-cancel",
                  [done = std::exchange(s.read_done, nullptr)]() mutable {
                    done(absl::CancelledError("stream closed"));
                  });
  }
  if (s.write_done) {
    CompleteLater(s.node.owner, s.node.id, "net.write-cancel",
                  [done = std::exchange(s.write_done, nullptr)]() mutable {
                    done(absl::CancelledError("stream closed"));
                  });
  }
  if (!conn->reset) Enqueue(conn, side, std::string(), /*fin=*/true);
}

void SimNetwork::OnOwnerDeath(const EventOwner* owner) {
  std::vector<std::shared_ptr<Connection>> doomed;
  for (auto it = connections_.begin(); it != connections_.end();) {
    std::shared_ptr<Connection> conn = it->second.lock();
    if (!conn || conn->reset) {
      it = connections_.erase(it);
      continue;
    }
    if (conn->side[0].node.owner == owner || conn->side[1].node.owner == owner) {
      doomed.push_back(std::move(conn));
    }
    ++it;
  }
  for (auto& conn : doomed) Reset(conn);
  std::vector<SimListener*> listeners;
  for (const auto& [address, listener] : listeners_) {
    if (listener->node().owner == owner) listeners.push_back(listener);
  }
  for (SimListener* listener : listeners) Unregister(listener);
}

}  // namespace quanta::sim
