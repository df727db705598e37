// IndexWaiters: client requests waiting for a log index to reach a level — durable in
// the raft log (async commits) or applied to the store (sync commits, primary reads).
//
// A waiter names the index its entry was proposed at and the term it was proposed
// in. Once the level reaches that index the waiter completes, by what the log now
// holds there: OK if an entry of its term; kAborted if another primary's entry
// replaced it (it did not commit); kUnknown if a snapshot replaced the log there (it
// may have committed: the client must be told the outcome is unknown). A waiter the
// level does not reach within its timeout completes with kDeadlineExceeded.
//
// Invariants: every waiter completes exactly once, and always from the loop (a
// zero-delay timer each, so waiters a level releases together resume in the loop's
// order for events of one instant, not by index), never inside Wait() or Reached(),
// so a completion never re-enters the caller. A waiter that timed out leaves at
// once, so what waits is bounded by the requests in flight. Destroying the object
// answers every waiter kCancelled (from the loop). Single loop; destroy before the Env.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/env/env.h"
#include "engine/raft/raft_types.h"

namespace quanta::replication {

class IndexWaiters {
 public:
  // `term_at` answers the term of the log's entry at an index (nullopt: compacted or
  // replaced by a snapshot); it is asked when a waiter is released.
  using TermAt = std::function<std::optional<raft::Term>(raft::Index)>;
  IndexWaiters(Env& env, TermAt term_at);
  ~IndexWaiters();
  IndexWaiters(const IndexWaiters&) = delete;
  IndexWaiters& operator=(const IndexWaiters&) = delete;

  // Completes when the level (now `reached`) gets to `index`, as the header says, or
  // with kDeadlineExceeded after `timeout`. REQUIRES: index >= 1, term >= 1.
  Op<absl::Status> Wait(raft::Index reached, raft::Index index, raft::Term term, absl::Duration timeout);
  // The level is now `level`: completes every waiter at or below it.
  void Reached(raft::Index level);

  size_t waiting() const { return waiters_.size(); }

 private:
  struct Waiter;
  using Key = std::pair<raft::Index, uint64_t>;  // (index, arrival): released in index order
  // Answers `w` from the loop.
  void Complete(std::shared_ptr<Waiter> w, absl::Status status);

  Env& env_;
  TermAt term_at_;
  uint64_t arrivals_ = 0;
  absl::btree_map<Key, std::shared_ptr<Waiter>> waiters_;
};

}  // namespace quanta::replication
