// SimNetwork: ordered byte streams between simulated processes, with TCP semantics
// and the network half of the fault model.
//
// A connection has two pipes, one per direction. A write is split into 1–4 chunks at
// random points; each chunk gets an arrival time of max(now + link latency, previous
// chunk's arrival), so bytes stay in order while delays vary. A pump event per pipe
// delivers due chunks into the receiver's buffer. While a link is cut (partition) or a
// pipe is stalled, delivery waits; a pipe blocked longer than `reset_after_blocked`
// resets the connection, as a TCP retransmission timeout would. Random resets, stalls
// and latency spikes are per-chunk probabilities (NetRates).
//
// Flow control: a writer may have at most kWindowBytes unread by its peer (in flight
// plus buffered); further writes complete only when the reader drains, so a stuck
// peer blocks its writers instead of growing memory without bound.
//
// A crashed process's connections are reset (its peers read kUnavailable) and its
// listeners vanish. Addresses are "host:port" where host is a process name.
//
// Threading: single-threaded; events go through the shared SimLoop.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/env/env.h"
#include "sim/sim_loop.h"

namespace quanta::sim {

inline constexpr size_t kWindowBytes = 256 * 1024;
inline constexpr size_t kListenBacklog = 128;

struct NetRates {
  double reset_per_chunk = 0;
  double stall_per_chunk = 0;  // stalls the pipe for up to 2 s
  double spike_per_chunk = 0;  // adds up to 1 s to one chunk's latency
  absl::Duration reset_after_blocked = absl::Seconds(5);
  absl::Duration connect_timeout = absl::Seconds(2);
  absl::Duration latency_base_max = absl::Milliseconds(2);
  absl::Duration latency_jitter_mean = absl::Microseconds(200);
};

// The process-side identity of an endpoint: who owns the events it completes.
struct NetNode {
  uint32_t id = 0;
  std::string host;
  EventOwner* owner = nullptr;
};

struct Connection;
class SimListener;

class SimNetwork {
 public:
  SimNetwork(SimLoop& loop, uint64_t seed);
  ~SimNetwork();

  void set_rates(const NetRates& rates) { rates_ = rates; }
  const NetRates& rates() const { return rates_; }

  // Makes `host` resolve to process `id` (the world registers every process).
  void AddHost(std::string host, uint32_t id) { hosts_[std::move(host)] = id; }

  absl::StatusOr<std::unique_ptr<Listener>> Listen(const NetNode& node, absl::string_view address);
  void Connect(const NetNode& node, std::string address,
               Callback<absl::StatusOr<std::unique_ptr<Stream>>> done);

  // Partitions: cut or restore the one-way link from -> to. Heal restores all links.
  void Cut(uint32_t from, uint32_t to) { cut_.insert({from, to}); }
  void Restore(uint32_t from, uint32_t to) { cut_.erase({from, to}); }
  void HealAll();
  bool Reachable(uint32_t from, uint32_t to) const { return !cut_.contains({from, to}); }
  size_t cut_links() const { return cut_.size(); }

  // Resets every connection of `owner` and drops its listeners (process crash).
  void OnOwnerDeath(const EventOwner* owner);

  // Stream operations, called through SimStream handles.
  void Read(const std::shared_ptr<Connection>& conn, int side, size_t max_bytes,
            Callback<absl::StatusOr<std::string>> done);
  void Write(const std::shared_ptr<Connection>& conn, int side, std::string data,
             Callback<absl::Status> done);
  void Close(const std::shared_ptr<Connection>& conn, int side);

  // Listener bookkeeping, called by SimListener.
  void Unregister(SimListener* listener);

  SimLoop& loop() { return loop_; }
  uint64_t connections_reset() const { return connections_reset_; }

 private:
  absl::Duration Latency(uint32_t from, uint32_t to);
  void TryConnect(NetNode node, std::string address, uint32_t target, absl::Duration deadline,
                  Callback<absl::StatusOr<std::unique_ptr<Stream>>> done);
  void Enqueue(const std::shared_ptr<Connection>& conn, int side, std::string data, bool fin);
  void SchedulePump(const std::shared_ptr<Connection>& conn, int pipe, absl::Duration at);
  void Pump(const std::shared_ptr<Connection>& conn, int pipe);
  void Reset(const std::shared_ptr<Connection>& conn);
  void MaybeCompleteRead(const std::shared_ptr<Connection>& conn, int side);
  void MaybeAcceptWrite(const std::shared_ptr<Connection>& conn, int side);
  void CompleteLater(EventOwner* owner, uint32_t node, const char* kind,
                     absl::AnyInvocable<void()> action);

  SimLoop& loop_;
  Random rng_;
  NetRates rates_;
  uint64_t next_conn_id_ = 1;
  uint64_t next_port_ = 40000;
  uint64_t connections_reset_ = 0;
  absl::btree_set<std::pair<uint32_t, uint32_t>> cut_;
  absl::btree_map<std::pair<uint32_t, uint32_t>, absl::Duration> link_base_;
  absl::btree_map<std::string, SimListener*> listeners_;
  absl::btree_map<std::string, uint32_t> hosts_;  // host name -> process id
  absl::btree_map<uint64_t, std::weak_ptr<Connection>> connections_;
};

}  // namespace quanta::sim
