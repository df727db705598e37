// RaftStorage: a node's durable Raft state — log entries, hard state (term, vote,
// commit) and the snapshot the log starts after — kept in an append-only WAL
// (engine/wal) of its own, in `dir`.
//
// Records are never rewritten. Replacing a conflicting suffix is logical: an entry
// record at index i supersedes every earlier record of an index >= i, so truncation
// never touches a synced sector (torn-write safety comes from the WAL). A hard-state
// record supersedes earlier ones; a snapshot record drops the entries it covers (all
// of them unless the entry at its index has its term). Replay applies these rules in
// log order and checks the result (consecutive indexes, commit within the log), naming
// any violation as kDataLoss.
//
// Durability order: Append() writes a Ready's snapshot, entries, then hard state, so
// a durable hard state implies the entries it commits are durable (the WAL keeps a
// prefix). WaitDurable() completes when everything appended so far is synced.
//
// Compaction: Compact() appends a snapshot record for the host's snapshot, then removes
// the WAL segments no live record needs (those before the current records of the entry
// at the snapshot's index and of the hard state). The first kept segment may then
// begin with superseded records of any index: until the replay meets a snapshot
// record, an entry that does not follow the log restarts it (the log is "unanchored"),
// and a replay that ends unanchored is kDataLoss (a segment went missing).
//
// Threading: one Env loop. Errors poison the underlying writer (restart required).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/env/env.h"
#include "engine/env/task.h"
#include "engine/raft/raft_types.h"
#include "engine/wal/wal.h"

namespace quanta::replication {

struct RaftStorageOptions {
  RaftStorageOptions() {}
  std::string dir = "raft";
  uint64_t segment_bytes = 16u << 20;
  bool data_sync = true;
};

// What a node restarts from.
struct RaftState {
  RaftState() {}
  raft::HardState hard_state;
  raft::SnapshotMeta snapshot;  // index 0: none
  std::vector<raft::Entry> entries;  // consecutive, after snapshot.index
  std::vector<wal::Lsn> lsns;        // the LSN of each entry's record (0: not from a WAL)
  // False while replaying a log whose first segments were removed, until a snapshot
  // record says where the log starts.
  bool anchored = true;
  wal::Lsn hard_state_lsn = 0;  // the record the hard state came from
};

// Payload codecs of the three record types (fuzzed: fuzz/raft_storage_fuzz.cc).
std::string EncodeEntryPayload(const raft::Entry& entry);
std::string EncodeHardStatePayload(const raft::HardState& hard_state);
std::string EncodeSnapshotPayload(const raft::SnapshotMeta& snapshot);
// Errors: kDataLoss for a malformed payload or a snapshot without voters.
absl::StatusOr<raft::SnapshotMeta> DecodeSnapshotPayload(std::string_view payload);
// Folds one WAL record into `state` by the rules above. Errors: kDataLoss naming the
// problem (malformed payload, an entry that does not follow the log).
absl::Status ApplyRaftRecord(const wal::WalRecord& record, RaftState* state);
// Checks a replayed state is one Raft can start from (commit within the log).
absl::Status ValidateRaftState(const RaftState& state);

class RaftStorage {
 public:
  // Replays `dir` into `state` and opens it for appending.
  static Task<absl::StatusOr<std::unique_ptr<RaftStorage>>> Open(Env& env, RaftStorageOptions options,
                                                                 RaftState* state);

  // Appends what `ready` asks to persist; returns the LSN covering it (0: nothing).
  // REQUIRES: status().ok().
  wal::Lsn Append(const raft::Ready& ready);
  // Records that the log now starts after `snapshot` (Raft::Compact's answer: the host's
  // state up to it is durable elsewhere), syncs, and removes the WAL segments nothing
  // live is in any more. Errors: the writer's (also if it failed before) or the file
  // system's.
  Task<absl::Status> Compact(const raft::SnapshotMeta& snapshot);
  // Completes when everything up to `lsn` is durable, or with the writer's error.
  Task<absl::Status> WaitDurable(wal::Lsn lsn) { return wal_->WaitDurable(lsn); }
  absl::Status status() const { return wal_->status(); }
  const wal::WalStats& stats() const { return wal_->stats(); }

 private:
  RaftStorage(Env& env, wal::WalOptions options, std::unique_ptr<wal::WalWriter> wal, const RaftState& state);
  // Folds the LSNs of `ready`'s records into lsns_ as replay would.
  void Track(const raft::Ready& ready, const std::vector<wal::Lsn>& entry_lsns);

  Env& env_;
  wal::WalOptions options_;
  std::unique_ptr<wal::WalWriter> wal_;
  raft::Index first_index_ = 1;  // the index lsns_ starts at (the snapshot's + 1)
  std::deque<wal::Lsn> lsns_;    // the LSN of each live entry record
  wal::Lsn hard_state_lsn_ = 0;  // the live hard-state record (0: none)
};

}  // namespace quanta::replication
