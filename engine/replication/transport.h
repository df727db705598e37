// Transport: Raft messages between nodes over Env streams.
//
// Two channels per peer, as the deployment guide's ports say: votes, heartbeats and
// other small control messages go to the peer's raft address (`raft_port`, 7432);
// appends, their answers and snapshots to its replication address
// (`replication_port`, 6432), so a large catch-up never delays a heartbeat. Each
// channel is one outbound stream this node dials; messages travel as frames
// (frame.h) of the Protobuf encoding (engine/raft/wire.h).
//
// Delivery is best effort, as Raft expects: a message is dropped when its channel's
// queue is over kMaxQueuedBytes or it waited over kMaxMessageAge, and the queue is
// discarded when a connection attempt fails (Raft retransmits what matters). A failed channel reconnects after a backoff
// that doubles from kMinBackoff to kMaxBackoff with jitter from the Env's generator.
// Inbound streams are read frame by frame; a frame or message that does not decode
// closes that stream (the peer reconnects) and is counted. An inbound stream whose
// first frame is kSnapshotHello or kSnapshotPullHello (snapshot_transfer.h) is handed
// to the snapshot handler instead; ConnectForSnapshot() opens such streams.
//
// Lifetime: coroutines share the transport's state, so destroying the Transport (or a
// crash) is safe at any moment; afterwards nothing is delivered.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/env/env.h"
#include "engine/env/task.h"
#include "engine/raft/raft_types.h"
#include "engine/replication/frame.h"

namespace quanta::replication {

struct PeerAddresses {
  PeerAddresses() {}
  PeerAddresses(std::string r, std::string p) : raft(std::move(r)), replication(std::move(p)) {}
  std::string raft;         // host:raft_port
  std::string replication;  // host:replication_port
};

struct TransportStats {
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t dropped = 0;          // queue full or connection lost
  uint64_t connects = 0;         // successful outbound connections
  uint64_t connect_failures = 0;
  uint64_t bad_frames = 0;       // inbound frames or messages that did not decode
};

class Transport {
 public:
  static constexpr size_t kMaxQueuedBytes = 8u << 20;
  static constexpr absl::Duration kMinBackoff = absl::Milliseconds(20);
  static constexpr absl::Duration kMaxBackoff = absl::Seconds(1);
  // Messages that waited longer than this for a connection are dropped, not sent: a
  // heartbeat queued while the link was down would, delivered late, make followers
  // believe in a leader that is gone (and delay the election by a whole timeout).
  // Raft retransmits whatever still matters.
  static constexpr absl::Duration kMaxMessageAge = absl::Milliseconds(500);

  using Deliver = std::function<void(raft::Message)>;
  // Takes an inbound snapshot stream and a reader holding what arrived after the hello;
  // `pull`: the peer asks for a snapshot (kSnapshotPullHello) rather than sends one.
  using SnapshotHandler = std::function<void(std::shared_ptr<Stream>, std::unique_ptr<FrameReader>, bool pull)>;

  Transport(Env& env, raft::NodeId self, absl::btree_map<raft::NodeId, PeerAddresses> peers, Deliver deliver);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Listens on this node's two addresses. Errors: as Env::Listen.
  absl::Status Listen(const PeerAddresses& local);
  // Queues `message` for its peer (message.to); never blocks.
  void Send(const raft::Message& message);
  // Snapshot streams: inbound ones go to `handler` (without one they are closed).
  void set_snapshot_handler(SnapshotHandler handler);
  // A new connection to `peer`'s replication address, for a snapshot stream (the
  // caller writes the hello). Errors: as Env::Connect; kCancelled once destroyed.
  Task<absl::StatusOr<std::shared_ptr<Stream>>> ConnectForSnapshot(raft::NodeId peer);
  // Whether the last attempt to reach `peer` on either channel failed, and nothing
  // arrived from it since (for the status report's "partitions suspected").
  bool Unreachable(raft::NodeId peer) const;
  const TransportStats& stats() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// Which channel carries a message type: true for the replication channel.
bool OnReplicationChannel(raft::MessageType type);

}  // namespace quanta::replication
