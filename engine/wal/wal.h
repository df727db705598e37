// The write-ahead log: options, positions, replay (reader) and WalWriter (group commit).
//
// Lifecycle: at start-up, ReplayWal() reads every record from a given LSN, applies
// each through a callback, stops cleanly at a torn tail and reports corruption of
// synced data as kDataLoss (segment and offset named); it returns the position to
// append at. WalWriter::Open() then repairs the tail durably and appends from there.
//
// Durability: WaitDurable(lsn) completes OK only once every record up to `lsn` is on
// disk (file synced; a new segment's directory entry synced). Concurrent committers
// share syncs: while one flush is in flight, new records gather into the next batch.
// Any write or sync error poisons the writer: every waiter, now and later, gets the
// error and the process must restart and replay (a failed fsync may have lost pages
// that a retry would wrongly report as written).
//
// Threading: one Env loop. Lifetime: a WalWriter may be destroyed with a flush in
// flight; the flush finishes on shared state and completes its waiters.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "engine/env/env.h"
#include "engine/env/task.h"
#include "engine/wal/wal_format.h"

namespace quanta::wal {

// (WalOptions and WalPosition have constructors so they are not aggregates: GCC 12
// miscompiles brace-initialized aggregate temporaries passed to a coroutine by value
// inside a co_await; see engine/env/README.md.)
struct WalOptions {
  WalOptions() {}
  std::string dir = "wal";
  uint64_t segment_bytes = 16u << 20;  // `wal_segment_size`: a new segment starts past this
  bool data_sync = true;               // fdatasync (true) or fsync (false): `sync_method`
  uint64_t max_batch_bytes = 4u << 20; // bytes per flush; larger groups take several
};

// Where the log ends: the next LSN and the segment/offset to append at.
struct WalPosition {
  WalPosition() {}
  Lsn next_lsn = 1;
  std::string segment;       // empty: no segment yet
  uint64_t end_offset = 0;   // in `segment`; bytes past it are a torn tail to cut
  std::string torn_segment;  // a last segment whose header never became durable
  bool torn_tail = false;    // the log ended in a torn or partial record
};

// Reads the WAL in order and calls `apply` for every record with lsn >= `from` (the
// first LSN the caller's state lacks; 1 for an empty state). An empty WAL directory
// replays nothing and returns next_lsn = `from`.
// Errors: kDataLoss for corruption before the tail (names segment and offset),
// kFailedPrecondition if the log starts after `from` (segments the caller needs are
// gone), or `apply`'s error.
Task<absl::StatusOr<WalPosition>> ReplayWal(Env& env, const WalOptions& options, Lsn from,
                                            absl::FunctionRef<absl::Status(const WalRecord&)> apply);
// What `apply` returns to stop a replay after the record it was given (ReplayWal then
// returns it); the caller resumes with another ReplayWal from the next LSN.
absl::Status ReplayPaused();
bool IsReplayPaused(const absl::Status& status);

// Removes segments all of whose records are below `keep_from` (never the last
// segment), then syncs the directory. Used after a checkpoint at `keep_from - 1`.
Task<absl::Status> RemoveSegmentsBefore(Env& env, const WalOptions& options, Lsn keep_from);

struct WalStats {
  uint64_t records = 0;
  uint64_t flushes = 0;  // one write + one sync each
  uint64_t bytes = 0;
  uint64_t segments_created = 0;
};

class WalWriter {
 public:
  // Opens for appending at `position` (from ReplayWal), cutting any torn tail durably.
  static Task<absl::StatusOr<std::unique_ptr<WalWriter>>> Open(Env& env, WalOptions options,
                                                               WalPosition position);
  ~WalWriter();
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Buffers a record and returns its LSN; nothing is durable until a flush covers it.
  // REQUIRES: status().ok(); payload <= kMaxWalPayloadBytes.
  Lsn Append(RecordType type, std::string payload, uint64_t term = 0);
  // Completes when every record up to `lsn` is durable, or with the writer's error.
  Task<absl::Status> WaitDurable(Lsn lsn);
  // Append + WaitDurable.
  Task<absl::StatusOr<Lsn>> Commit(RecordType type, std::string payload);

  Lsn next_lsn() const;
  Lsn durable_lsn() const;
  absl::Status status() const;
  const WalStats& stats() const;

  struct State;

 private:
  explicit WalWriter(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace quanta::wal
