// SimLoop: the simulator's single event queue and virtual clock.
//
// Events are ordered by (virtual time, tiebreak, sequence). The tiebreak is drawn from
// the run's seeded generator when an event is scheduled, so events due at the same
// instant run in a seed-determined order rather than in insertion order: a seed
// explores one interleaving and a different seed another. Time jumps straight to the
// next event (FoundationDB's sim2 loop).
//
// Each event carries a TraceTag. Running it folds (time, tag) into a rolling XXH3 trace
// hash; two runs of one seed must end with equal hashes (determinism check). With
// recording on, every executed tag is kept so two runs can be compared event by event.
//
// Events may have an owner (a simulated process incarnation). The loop asks the owner,
// through EventOwner, whether to run, defer (paused process) or drop (dead process)
// each event, so a crash needs no search through the queue.
//
// Threading: single-threaded. One SimLoop per simulated run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "engine/env/random.h"

namespace quanta::sim {

// What an event is, for the trace hash and the -v event log. `kind` must be a string
// literal (it is stored by pointer).
struct TraceTag {
  const char* kind = "";
  uint32_t node = 0;  // 0: the world itself; otherwise a process id
  uint64_t a = 0;
  uint64_t b = 0;
};

struct TraceRecord {
  int64_t time_ns;
  TraceTag tag;
  uint64_t hash_after;
};

using EventId = uint64_t;

class EventOwner {
 public:
  enum class Disposition { kRun, kDefer, kDrop };
  virtual ~EventOwner() = default;
  virtual Disposition Dispose() const = 0;
  // Takes an event the owner deferred while paused; it reschedules it on resume.
  virtual void Defer(EventId id, TraceTag tag, absl::AnyInvocable<void()> action) = 0;
};

class SimLoop {
 public:
  using Action = absl::AnyInvocable<void()>;

  explicit SimLoop(uint64_t seed);
  SimLoop(const SimLoop&) = delete;
  SimLoop& operator=(const SimLoop&) = delete;

  absl::Duration Now() const { return now_; }

  // Schedules `action` at Now() + delay (delay >= 0). `owner` may be null.
  EventId Schedule(absl::Duration delay, EventOwner* owner, TraceTag tag, Action action);
  // Removes a pending event. Returns false if it already ran or is unknown.
  bool Cancel(EventId id);

  // Runs the next event, advancing time to it. Returns false if the queue is empty.
  bool RunNext();
  // Runs events while the next one is due at or before `deadline`; then sets Now() to
  // the deadline. Returns the number of events run. Stops early if `stop` becomes true.
  uint64_t RunUntil(absl::Duration deadline, const bool* stop = nullptr);

  Random& Rng() { return rng_; }
  uint64_t trace_hash() const { return trace_hash_; }
  uint64_t events_run() const { return events_run_; }
  size_t pending() const { return queue_.size(); }

  // Destroys every pending event without running it (end of a run).
  // Destructors of dropped events may schedule more; those are dropped too.
  void Clear() {
    while (!queue_.empty()) {
      absl::btree_map<Key, Event> doomed = std::move(queue_);
      queue_.clear();
      keys_.clear();
      doomed.clear();
    }
  }

  // Folds extra data (a workload observation) into the trace hash.
  void Observe(TraceTag tag);

  // Keeps every executed event's tag (for --check-determinism diagnostics).
  void set_recording(bool on) { recording_ = on; }
  const std::vector<TraceRecord>& records() const { return records_; }

  // Called with each executed event before it runs (the -v event log).
  void set_event_logger(absl::AnyInvocable<void(absl::Duration, const TraceTag&)> logger) {
    logger_ = std::move(logger);
  }

 private:
  struct Key {
    int64_t time_ns;
    uint64_t tiebreak;
    uint64_t seq;
    bool operator<(const Key& o) const {
      if (time_ns != o.time_ns) return time_ns < o.time_ns;
      if (tiebreak != o.tiebreak) return tiebreak < o.tiebreak;
      return seq < o.seq;
    }
  };
  struct Event {
    EventOwner* owner;
    TraceTag tag;
    Action action;
  };

  void Fold(const TraceTag& tag);

  Random rng_;
  absl::Duration now_ = absl::ZeroDuration();
  uint64_t next_seq_ = 1;
  absl::btree_map<Key, Event> queue_;
  // Lookup only (never iterated), so its hash order cannot reach the schedule.
  absl::flat_hash_map<EventId, Key> keys_;  // lookup-only
  uint64_t trace_hash_ = 0;
  uint64_t events_run_ = 0;
  bool recording_ = false;
  std::vector<TraceRecord> records_;
  absl::AnyInvocable<void(absl::Duration, const TraceTag&)> logger_;
};

}  // namespace quanta::sim
