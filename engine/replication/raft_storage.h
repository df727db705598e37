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
// Threading: one Env loop. Errors poison the underlying writer (restart required).
#pragma once

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
};

// Payload codecs of the three record types (fuzzed: fuzz/raft_storage_fuzz.cc).
std::string EncodeEntryPayload(const raft::Entry& entry);
std::string EncodeHardStatePayload(const raft::HardState& hard_state);
std::string EncodeSnapshotPayload(const raft::SnapshotMeta& snapshot);
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
  // Completes when everything up to `lsn` is durable, or with the writer's error.
  Task<absl::Status> WaitDurable(wal::Lsn lsn) { return wal_->WaitDurable(lsn); }
  absl::Status status() const { return wal_->status(); }
  const wal::WalStats& stats() const { return wal_->stats(); }

 private:
  explicit RaftStorage(std::unique_ptr<wal::WalWriter> wal) : wal_(std::move(wal)) {}
  std::unique_ptr<wal::WalWriter> wal_;
};

}  // namespace quanta::replication
