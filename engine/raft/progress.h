// Progress: what a Raft leader knows about one follower's log, and the state that
// decides what it may send it (after etcd's tracker/progress.go).
//
//   kProbe      the leader does not know where their logs match: at most one append
//               is in flight (probe_sent) until an answer says where. A follower
//               starts here after an election, a rejected append, or when a heartbeat
//               shows it behind.
//   kReplicate  the logs match up to match(): appends stream optimistically, next()
//               runs ahead of match(), at most `max_inflight` batches unacknowledged.
//   kSnapshot   the entries it needs were compacted away: a snapshot is on its way,
//               and nothing else is sent until it answers or the transfer times out.
//
// Invariants (asserted on every transition): match() < next(); in kReplicate the
// inflight batches' last indexes ascend, lie in (match(), next()), and number at most
// what was allowed when they were sent; in kSnapshot nothing is in flight.
// Not thread-safe; owned by the Raft leader that tracks the follower.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "engine/raft/raft_types.h"

namespace quanta::raft {

class Progress {
 public:
  enum class State { kProbe, kReplicate, kSnapshot };

  Progress() = default;
  // A follower newly tracked by a leader whose log ends before `next`.
  Progress(Index next, bool voter);

  State state() const { return state_; }
  Index match() const { return match_; }
  Index next() const { return next_; }
  size_t inflight() const { return inflight_.size(); }
  bool probe_sent() const { return probe_sent_; }

  // Transitions. Each resets what the previous state had in flight.
  // REQUIRES: next > match().
  void BecomeProbe(Index next);
  void BecomeReplicate(Index next);
  // A snapshot of the log up to `snapshot_index` is being sent.
  // REQUIRES: snapshot_index >= match().
  void BecomeSnapshot(Index snapshot_index);

  // The follower holds the log up to `index` (an accepted append). Returns whether
  // that advanced match(); acknowledged inflight batches are released.
  bool MaybeUpdate(Index index);
  // Whether nothing may be sent now: a snapshot is in flight, a probe is unanswered, or
  // replication is at `last_index` or has `max_inflight` batches out.
  bool Paused(Index last_index, size_t max_inflight) const;
  // An append carrying entries (next() - 1, last] was sent. REQUIRES: !Paused(...) and
  // state() != kSnapshot; in kReplicate, last >= next() - 1.
  void SentAppend(Index last);
  // The follower answered: a probe may be sent again.
  void ProbeAnswered() { probe_sent_ = false; }
  // One leader tick. In kSnapshot, after `timeout_ticks` of them without an answer the
  // transfer is given up for lost and the follower is probed again (from next()).
  // Returns whether that happened.
  bool TickSnapshot(int timeout_ticks);

  // Bookkeeping outside the state machine.
  bool voter = true;
  int64_t acked_tick = INT64_MIN;  // send tick of the latest heartbeat it answered
  Index commit_sent = 0;           // the highest commit index sent to it

 private:
  // Every transition: the new state from `next`, nothing in flight.
  void Enter(State state, Index next);
  void CheckInvariants() const;

  State state_ = State::kProbe;
  Index match_ = 0;
  Index next_ = 1;
  bool probe_sent_ = false;      // kProbe: an append is unanswered
  std::deque<Index> inflight_;   // kReplicate: last index of each unacknowledged batch
  int snapshot_elapsed_ = 0;     // kSnapshot: ticks since it was sent
};

const char* ProgressStateName(Progress::State state);

}  // namespace quanta::raft
