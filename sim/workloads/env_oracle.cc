#include "sim/workloads/env_oracle.h"

#include "absl/strings/str_cat.h"
#include "engine/env/random.h"
#include "engine/util/strings.h"
#include "sim/sim_world.h"
#include "sim/workloads/record_codec.h"

namespace quanta::sim {

std::string ExpectedPayload(absl::string_view node, uint64_t gen, uint64_t seq) {
  std::string payload = absl::StrCat(node, "/", gen, "/", seq, "/");
  Random rng(Random::DeriveSeed(gen * 1000003 + seq, ToStd(node)));
  const size_t filler = rng.Uniform(1400);
  while (payload.size() < filler) {
    uint64_t bits = rng.Next();
    for (int i = 0; i < 8; ++i, bits >>= 8) payload.push_back(static_cast<char>('a' + (bits & 0xff) % 26));
  }
  return payload;
}

std::string LogPath(uint64_t gen) { return absl::StrCat("log/records.", gen); }

uint64_t EnvOracle::RecordOffset(absl::string_view node, uint64_t gen, uint64_t seq) {
  std::vector<uint64_t>& offsets = offsets_[{std::string(node), gen}];
  if (offsets.empty()) offsets.push_back(0);
  while (offsets.size() <= seq) {
    const uint64_t i = offsets.size() - 1;
    offsets.push_back(offsets.back() + EncodedRecordSize(ExpectedPayload(node, gen, i).size()));
  }
  return offsets[seq];
}

bool EnvOracle::CorruptionIn(const Inode& inode, uint64_t begin, uint64_t end) const {
  for (const FaultEvent& f : inode.faults) {
    if (f.kind == FaultEvent::Kind::kSyncLostWrites) continue;  // not corruption of synced data
    if (f.offset < end && begin < f.offset + f.length) return true;
  }
  return false;
}

uint64_t EnvOracle::VerifyPrefix(std::string_view bytes, absl::string_view node, uint64_t gen,
                                 uint64_t count) {
  size_t offset = 0;
  for (uint64_t i = 0; i < count; ++i) {
    if (offset > bytes.size()) return i;
    DecodedRecord d = DecodeRecord(bytes.substr(offset));
    if (d.status != DecodeStatus::kOk || d.record.seq != i ||
        d.record.payload != ExpectedPayload(node, gen, i)) {
      return i;
    }
    offset += d.size;
  }
  return count;
}

void EnvOracle::OnSynced(absl::string_view node, uint64_t gen, uint64_t count) {
  NodeState& n = nodes_[node];
  n.gen = gen;
  uint64_t& synced = n.synced[gen];
  synced = std::max(synced, count);
  n.last_sync = world_.Now();
}

void EnvOracle::OnRecovered(absl::string_view node, uint64_t gen, uint64_t count) {
  NodeState& n = nodes_[node];
  n.gen = gen;
  SimProcess* process = world_.Find(node);
  std::shared_ptr<Inode> inode = process->disk().Lookup(LogPath(gen));
  if (inode == nullptr) {
    world_.Fail(absl::StrCat(node, ": recovered ", LogPath(gen), " but the file does not exist"));
    return;
  }
  const uint64_t good = VerifyPrefix(inode->current, node, gen, count);
  if (good < count) {
    world_.Fail(absl::StrCat(node, ": recovery accepted record ", good, " of ", LogPath(gen),
                             " but its bytes on disk are not what was written"));
    return;
  }
  const uint64_t synced = n.synced[gen];
  if (count < synced &&
      !CorruptionIn(*inode, RecordOffset(node, gen, count), RecordOffset(node, gen, synced))) {
    world_.Fail(absl::StrCat(node, ": lost synced records: recovered ", count, " of ", LogPath(gen),
                             " but ", synced, " were reported durable, and no disk fault hit them"));
    return;
  }
  world_.Log(absl::StrCat(node, " recovered ", count, " records (", synced, " synced) of ", LogPath(gen)));
  n.synced[gen] = count;  // recovery truncated and synced the log at `count`
}

void EnvOracle::OnDataLoss(absl::string_view node, uint64_t gen, absl::string_view message) {
  SimProcess* process = world_.Find(node);
  std::shared_ptr<Inode> inode = process->disk().Lookup(LogPath(gen));
  if (inode == nullptr || !CorruptionIn(*inode, 0, UINT64_MAX)) {
    world_.Fail(absl::StrCat(node, ": false corruption report on ", LogPath(gen), ": ", message));
    return;
  }
  world_.Log(absl::StrCat(node, " detected corruption (allowed: a disk fault hit it): ", message));
}

void EnvOracle::OnMessage(absl::string_view from, absl::string_view to) {
  last_message_[{std::string(from), std::string(to)}] = world_.Now();
}

absl::Status EnvOracle::Check(absl::Duration heal_time) {
  for (const auto& process : world_.processes()) {
    const std::string& name = process->name();
    if (!process->up()) return absl::InternalError(absl::StrCat(name, " is down after heal"));
    auto it = nodes_.find(name);
    if (it == nodes_.end() || it->second.last_sync < heal_time) {
      return absl::InternalError(absl::StrCat(name, " synced no record after heal (liveness)"));
    }
    // If the node crashed now, everything it reported durable must still be there.
    const NodeState& n = it->second;
    std::shared_ptr<Inode> inode = process->disk().Lookup(LogPath(n.gen));
    const uint64_t synced = n.synced.contains(n.gen) ? n.synced.at(n.gen) : 0;
    if (inode == nullptr) return absl::InternalError(absl::StrCat(name, ": log file missing at end"));
    const uint64_t durable = VerifyPrefix(inode->durable, name, n.gen, synced);
    if (durable < synced && !CorruptionIn(*inode, RecordOffset(name, n.gen, durable),
                                          RecordOffset(name, n.gen, synced))) {
      return absl::InternalError(absl::StrCat(name, ": only ", durable, " of ", synced,
                                              " synced records are durable at the end"));
    }
    for (const auto& peer : world_.processes()) {
      if (peer.get() == process.get()) continue;
      auto m = last_message_.find({name, peer->name()});
      if (m == last_message_.end() || m->second < heal_time) {
        return absl::InternalError(absl::StrCat("no message from ", name, " reached ", peer->name(),
                                                " after heal (liveness)"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace quanta::sim
