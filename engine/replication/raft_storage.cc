#include "engine/replication/raft_storage.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/planted.h"
#include "engine/env/status.h"
#include "engine/util/coding.h"

namespace quanta::replication {
namespace {

using raft::Entry;
using raft::EntryType;
using raft::HardState;
using raft::SnapshotMeta;

constexpr uint32_t kMaxMembers = 1024;

absl::Status Bad(absl::string_view what, wal::Lsn lsn) {
  return absl::DataLossError(absl::StrCat("raft log record at LSN ", lsn, ": ", what));
}

// A bounds-checked reader over a payload.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : bytes_(bytes) {}
  bool U64(uint64_t* v) {
    if (bytes_.size() < 8) return false;
    *v = GetU64(bytes_.data());
    bytes_.remove_prefix(8);
    return true;
  }
  bool U32(uint32_t* v) {
    if (bytes_.size() < 4) return false;
    *v = GetU32(bytes_.data());
    bytes_.remove_prefix(4);
    return true;
  }
  bool U8(uint8_t* v) {
    if (bytes_.empty()) return false;
    *v = static_cast<uint8_t>(bytes_[0]);
    bytes_.remove_prefix(1);
    return true;
  }
  std::string_view rest() const { return bytes_; }
  bool done() const { return bytes_.empty(); }

 private:
  std::string_view bytes_;
};

void AppendIds(const std::vector<raft::NodeId>& ids, std::string* out) {
  AppendU32(out, static_cast<uint32_t>(ids.size()));
  for (raft::NodeId id : ids) AppendU64(out, id);
}

bool ReadIds(Cursor& c, std::vector<raft::NodeId>* ids) {
  uint32_t n = 0;
  if (!c.U32(&n) || n > kMaxMembers) return false;
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t id = 0;
    if (!c.U64(&id) || id == raft::kNoNode) return false;
    ids->push_back(id);
  }
  return true;
}

absl::Status ApplyEntry(const wal::WalRecord& record, RaftState* state) {
  Cursor c(record.payload);
  uint64_t index = 0;
  uint8_t type = 0;
  if (!c.U64(&index) || !c.U8(&type)) return Bad("entry payload too short", record.lsn);
  if (type > static_cast<uint8_t>(EntryType::kConfChange)) return Bad(absl::StrCat("entry type ", type), record.lsn);
  if (index == 0) return Bad("entry index 0", record.lsn);
  uint64_t first = state->snapshot.index + 1;
  const uint64_t next = first + state->entries.size();
  if (!state->anchored && (index < first || index > next)) {
    // A superseded record before the snapshot record that will anchor the log.
    state->snapshot.index = index - 1;
    state->entries.clear();
    state->lsns.clear();
    first = index;
  } else if (index < first || index > next) {
    return Bad(absl::StrCat("entry ", index, " does not follow the log (", first, "..", next - 1, ")"), record.lsn);
  }
  if (!state->entries.empty() && index > first && record.term < state->entries[index - first - 1].term) {
    return Bad(absl::StrCat("entry ", index, " has term ", record.term, " below its predecessor's"), record.lsn);
  }
  state->entries.resize(index - first);  // a re-appended index replaces the suffix
  state->lsns.resize(index - first);
  state->entries.emplace_back(record.term, index, std::string(c.rest()), static_cast<EntryType>(type));
  state->lsns.push_back(record.lsn);
  QUANTA_ASSERT(state->entries.size() == state->lsns.size());
  QUANTA_ASSERT(state->entries.back().index == state->snapshot.index + state->entries.size());
  return absl::OkStatus();
}

absl::Status ApplyHardState(const wal::WalRecord& record, RaftState* state) {
  Cursor c(record.payload);
  HardState hs;
  if (!c.U64(&hs.term) || !c.U64(&hs.vote) || !c.U64(&hs.commit) || !c.done()) {
    return Bad("malformed hard state", record.lsn);
  }
  if (hs.term < state->hard_state.term) return Bad("hard state term goes backwards", record.lsn);
  state->hard_state = hs;
  state->hard_state_lsn = record.lsn;
  return absl::OkStatus();
}

absl::Status ApplySnapshot(const wal::WalRecord& record, RaftState* state) {
  auto decoded = DecodeSnapshotPayload(record.payload);
  if (!decoded.ok()) return Bad(decoded.status().message(), record.lsn);
  SnapshotMeta meta = *std::move(decoded);
  const uint64_t first = state->snapshot.index + 1;
  if (state->anchored && meta.index < state->snapshot.index) return Bad("snapshot goes backwards", record.lsn);
  if (!state->anchored && meta.index + 1 < first) {
    return Bad(absl::StrCat("the log starts at entry ", first, " but its snapshot ends at ", meta.index,
                            ": entries in between are missing"),
               record.lsn);
  }
  std::vector<Entry> kept;
  std::vector<wal::Lsn> kept_lsns;
  if (meta.index >= first && meta.index < first + state->entries.size() &&
      state->entries[meta.index - first].term == meta.term) {
    kept.assign(state->entries.begin() + (meta.index - first + 1), state->entries.end());
    kept_lsns.assign(state->lsns.begin() + (meta.index - first + 1), state->lsns.end());
  }
  state->entries = std::move(kept);
  state->lsns = std::move(kept_lsns);
  state->snapshot = std::move(meta);
  state->anchored = true;
  QUANTA_ASSERT(state->entries.size() == state->lsns.size());
  QUANTA_ASSERT(state->entries.empty() || state->entries.front().index == state->snapshot.index + 1);
  return absl::OkStatus();
}

}  // namespace

std::string EncodeEntryPayload(const Entry& entry) {
  std::string out;
  AppendU64(&out, entry.index);
  out.push_back(static_cast<char>(entry.type));
  out.append(entry.data);
  return out;
}

std::string EncodeHardStatePayload(const HardState& hs) {
  std::string out;
  AppendU64(&out, hs.term);
  AppendU64(&out, hs.vote);
  AppendU64(&out, hs.commit);
  return out;
}

std::string EncodeSnapshotPayload(const SnapshotMeta& snapshot) {
  std::string out;
  AppendU64(&out, snapshot.index);
  AppendU64(&out, snapshot.term);
  AppendIds(snapshot.voters, &out);
  AppendIds(snapshot.learners, &out);
  return out;
}

absl::StatusOr<SnapshotMeta> DecodeSnapshotPayload(std::string_view payload) {
  Cursor c(payload);
  SnapshotMeta meta;
  if (!c.U64(&meta.index) || !c.U64(&meta.term) || !ReadIds(c, &meta.voters) || !ReadIds(c, &meta.learners) ||
      !c.done()) {
    return absl::DataLossError("malformed snapshot");
  }
  if (meta.voters.empty()) return absl::DataLossError("snapshot without voters");
  return meta;
}

absl::Status ApplyRaftRecord(const wal::WalRecord& record, RaftState* state) {
  switch (record.type) {
    case wal::RecordType::kRaftEntry:
      return ApplyEntry(record, state);
    case wal::RecordType::kRaftHardState:
      return ApplyHardState(record, state);
    case wal::RecordType::kRaftSnapshot:
      return ApplySnapshot(record, state);
    default:
      return Bad(absl::StrCat("record type ", static_cast<int>(record.type), " does not belong in a raft log"),
                 record.lsn);
  }
}

absl::Status ValidateRaftState(const RaftState& state) {
  if (!state.anchored) {
    return absl::DataLossError("raft log: its first segments were removed but no snapshot record says where it starts");
  }
  const uint64_t last = state.snapshot.index + state.entries.size();
  if (state.hard_state.commit > last) {
    return absl::DataLossError(
        absl::StrCat("raft log: commit index ", state.hard_state.commit, " is past the last entry ", last));
  }
  if (!state.entries.empty() && state.entries.back().term > state.hard_state.term) {
    return absl::DataLossError(absl::StrCat("raft log: entry term ", state.entries.back().term,
                                            " is past the node's term ", state.hard_state.term));
  }
  return absl::OkStatus();
}

RaftStorage::RaftStorage(Env& env, wal::WalOptions options, std::unique_ptr<wal::WalWriter> wal, const RaftState& state)
    : env_(env),
      options_(std::move(options)),
      wal_(std::move(wal)),
      first_index_(state.snapshot.index + 1),
      lsns_(state.lsns.begin(), state.lsns.end()),
      hard_state_lsn_(state.hard_state_lsn) {}

Task<absl::StatusOr<std::unique_ptr<RaftStorage>>> RaftStorage::Open(Env& env, RaftStorageOptions options,
                                                                     RaftState* state) {
  wal::WalOptions wal_options;
  wal_options.dir = options.dir;
  wal_options.segment_bytes = options.segment_bytes;
  wal_options.data_sync = options.data_sync;
  CO_RETURN_IF_ERROR(co_await env.CreateDir(options.dir));
  CO_ASSIGN_OR_RETURN(std::vector<std::string> names, co_await env.List(options.dir));
  wal::Lsn first = 1;
  for (const std::string& name : names) {
    if (auto lsn = wal::ParseSegmentFileName(name)) {
      first = *lsn;
      break;
    }
  }
  *state = RaftState();
  state->anchored = first == 1;  // otherwise compaction removed the log's first segments
  auto position = co_await wal::ReplayWal(env, wal_options, first,
                                          [&](const wal::WalRecord& r) { return ApplyRaftRecord(r, state); });
  if (!position.ok()) co_return position.status();
  CO_RETURN_IF_ERROR(ValidateRaftState(*state));
  auto writer = co_await wal::WalWriter::Open(env, wal_options, *position);
  if (!writer.ok()) co_return writer.status();
  co_return std::unique_ptr<RaftStorage>(new RaftStorage(env, wal_options, std::move(*writer), *state));
}

wal::Lsn RaftStorage::Append(const raft::Ready& ready) {
  // What is written is what replay accepts (ApplyEntry): contiguous entries whose
  // terms never fall, starting within the log or right after it.
  for (size_t i = 1; i < ready.entries.size(); ++i) {
    QUANTA_ASSERT(ready.entries[i].index == ready.entries[i - 1].index + 1);
    QUANTA_ASSERT(ready.entries[i].term >= ready.entries[i - 1].term);
  }
  if (ready.hard_state && ready.snapshot) QUANTA_ASSERT(ready.hard_state->commit >= ready.snapshot->index);
  wal::Lsn lsn = 0;
  std::vector<wal::Lsn> entry_lsns;
  if (ready.snapshot) lsn = wal_->Append(wal::RecordType::kRaftSnapshot, EncodeSnapshotPayload(*ready.snapshot));
  for (const Entry& e : ready.entries) {
    lsn = wal_->Append(wal::RecordType::kRaftEntry, EncodeEntryPayload(e), e.term);
    entry_lsns.push_back(lsn);
  }
  if (ready.hard_state) {
    HardState hs = *ready.hard_state;
    // Planted: the vote is not persisted, so a restarted node may vote twice in a term.
    if (PlantedActive(PlantedBug::kRaftVoteNotPersisted)) hs.vote = raft::kNoNode;
    lsn = hard_state_lsn_ = wal_->Append(wal::RecordType::kRaftHardState, EncodeHardStatePayload(hs), hs.term);
  }
  Track(ready, entry_lsns);
  return lsn;
}

void RaftStorage::Track(const raft::Ready& ready, const std::vector<wal::Lsn>& entry_lsns) {
  if (ready.snapshot) {  // an installed snapshot replaces the whole log (Ready's contract)
    first_index_ = ready.snapshot->index + 1;
    lsns_.clear();
  }
  if (ready.entries.empty()) return;
  const raft::Index index = ready.entries.front().index;
  QUANTA_ASSERT(index >= first_index_);
  QUANTA_ASSERT(index <= first_index_ + lsns_.size());
  QUANTA_ASSERT(entry_lsns.size() == ready.entries.size());
  lsns_.resize(index - first_index_);
  lsns_.insert(lsns_.end(), entry_lsns.begin(), entry_lsns.end());
  QUANTA_ASSERT(first_index_ + lsns_.size() == ready.entries.back().index + 1);
}

Task<absl::Status> RaftStorage::Compact(const raft::SnapshotMeta& snapshot) {
  // The entry at the snapshot's index must be here: replay keeps the entries after a
  // snapshot record only if that entry has the snapshot's term.
  QUANTA_ASSERT(snapshot.index >= first_index_);
  QUANTA_ASSERT(snapshot.index < first_index_ + lsns_.size());
  CO_RETURN_IF_ERROR(wal_->status());  // a failed flush poisoned the log
  const wal::Lsn anchor = lsns_[snapshot.index - first_index_];
  const wal::Lsn lsn = wal_->Append(wal::RecordType::kRaftSnapshot, EncodeSnapshotPayload(snapshot));
  const size_t dropped = snapshot.index + 1 - first_index_;
  lsns_.erase(lsns_.begin(), lsns_.begin() + static_cast<std::ptrdiff_t>(dropped));
  first_index_ = snapshot.index + 1;
  CO_RETURN_IF_ERROR(co_await wal_->WaitDurable(lsn));
  // Entries are re-appended only as whole suffixes, so LSNs grow with the index: the
  // anchor is older than every kept entry and than the snapshot record just written.
  QUANTA_ASSERT(anchor < lsn);
  QUANTA_ASSERT(lsns_.empty() || lsns_.front() > anchor);
  wal::Lsn keep_from = anchor;
  if (hard_state_lsn_ != 0) keep_from = std::min(keep_from, hard_state_lsn_);
  const absl::Status removed = co_await wal::RemoveSegmentsBefore(env_, options_, keep_from);
  co_return removed;
}

}  // namespace quanta::replication
