// StoreGenerations: a node's store lives in generations under its data root, so a
// replica can swap its whole store for a snapshot from the primary without ever
// having no valid store on disk.
//
// Layout under `root`: `store-N/` directories and `CURRENT`, naming the live one. A
// snapshot is built as a new generation, with a `raft-snapshot` marker file saying
// which Raft snapshot it is (index, term, membership), synced, and only then made
// live by replacing CURRENT atomically (write, sync, rename, sync dir). A generation
// whose checksums failed gets a `damaged` file: it is never opened again. After a crash
// either the old or the new generation is live, never a partial one; the node's open
// reconciles its Raft log with the live generation's marker. Generations that are not
// live are garbage: removed at open and after a switch.
//
// Threading: one Env loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engine/env/env.h"
#include "engine/env/task.h"
#include "engine/raft/raft_types.h"

namespace quanta::replication {

class StoreGenerations {
 public:
  // Reads CURRENT (a new root starts at generation 1) and removes every other
  // generation. Errors: kDataLoss for a malformed CURRENT, or the file system's.
  static Task<absl::StatusOr<StoreGenerations>> Open(Env& env, std::string root);

  uint64_t current() const { return current_; }
  std::string Dir(uint64_t generation) const;
  // A fresh generation number for a build (never live before).
  uint64_t Reserve() { return ++newest_; }

  // Makes `generation` (complete and synced) the live one, durably.
  Task<absl::Status> Switch(uint64_t generation);
  // Removes what is in `generation`'s directory (not the live one). Errors: the file
  // system's.
  Task<absl::Status> Remove(uint64_t generation);

  // Marks `generation` damaged (its checksums failed), durably, with `why`: the next
  // open rebuilds the store instead of trusting it. Errors: the file system's.
  Task<absl::Status> MarkDamaged(uint64_t generation, std::string why);
  // Why `generation` was marked damaged; nullopt if it was not.
  Task<absl::StatusOr<std::optional<std::string>>> ReadDamaged(uint64_t generation);

  // The marker of a snapshot generation. Errors: the file system's.
  Task<absl::Status> WriteMarker(uint64_t generation, const raft::SnapshotMeta& snapshot);
  // nullopt if `generation` has none (it was not built from a snapshot). Errors:
  // kDataLoss for a damaged marker, or the file system's.
  Task<absl::StatusOr<std::optional<raft::SnapshotMeta>>> ReadMarker(uint64_t generation);

 private:
  StoreGenerations(Env& env, std::string root) : env_(&env), root_(std::move(root)) {}
  Env* env_;
  std::string root_;
  uint64_t current_ = 1;
  uint64_t newest_ = 1;  // the highest generation number seen or reserved
};

// The marker's codec: the snapshot description, then a CRC32C of it (fuzzed with the
// raft log's records: fuzz/raft_storage_fuzz.cc).
std::string EncodeSnapshotMarker(const raft::SnapshotMeta& snapshot);
absl::StatusOr<raft::SnapshotMeta> DecodeSnapshotMarker(std::string_view bytes);

}  // namespace quanta::replication
