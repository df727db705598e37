// EnvOracle: the env workload's ghost state, kept outside the simulated processes (it
// survives their crashes) and the judge of what they report.
//
// Oracles:
//  - durability: every record a node reported synced is present after its next
//    recovery, unless the disk's fault log shows a corrupting fault (misdirected write,
//    latent sector error, read bit flip) in the lost range;
//  - integrity: every record recovery accepts is byte-for-byte what was written,
//    checked by re-reading the disk directly (no faults);
//  - honesty: a node reports corruption only if a corrupting fault hit its log;
//  - streams: every received frame is intact and in order (checked by the receiver);
//  - liveness: after heal, every node syncs records again and every ordered pair of
//    nodes exchanges messages again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace quanta::sim {

class SimWorld;
struct Inode;

// The payload of record `seq` of log generation `gen` of `node`: a pure function, so
// oracles and recovery can both check content.
std::string ExpectedPayload(absl::string_view node, uint64_t gen, uint64_t seq);
std::string LogPath(uint64_t gen);

class EnvOracle {
 public:
  explicit EnvOracle(SimWorld& world) : world_(world) {}

  void OnSynced(absl::string_view node, uint64_t gen, uint64_t count);
  void OnRecovered(absl::string_view node, uint64_t gen, uint64_t count);
  void OnDataLoss(absl::string_view node, uint64_t gen, absl::string_view message);
  void OnMessage(absl::string_view from, absl::string_view to);

  // Final oracles, after the heal phase that began at `heal_time`.
  absl::Status Check(absl::Duration heal_time);

 private:
  struct NodeState {
    uint64_t gen = 0;
    absl::btree_map<uint64_t, uint64_t> synced;  // gen -> records reported durable
    absl::Duration last_sync = -absl::InfiniteDuration();
  };
  uint64_t RecordOffset(absl::string_view node, uint64_t gen, uint64_t seq);
  bool CorruptionIn(const Inode& inode, uint64_t begin, uint64_t end) const;
  // Returns the index of the first of `count` records in `bytes` that is not exactly
  // what was written, or `count` if all are.
  uint64_t VerifyPrefix(std::string_view bytes, absl::string_view node, uint64_t gen, uint64_t count);

  SimWorld& world_;
  absl::btree_map<std::string, NodeState, std::less<>> nodes_;
  absl::btree_map<std::pair<std::string, std::string>, absl::Duration> last_message_;
  // (node, gen) -> offsets of records 0..n (a prefix sum of their padded sizes).
  absl::btree_map<std::pair<std::string, uint64_t>, std::vector<uint64_t>> offsets_;
};

}  // namespace quanta::sim
