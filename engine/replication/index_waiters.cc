#include "engine/replication/index_waiters.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"

namespace quanta::replication {

struct IndexWaiters::Waiter {
  raft::Term term = 0;
  Callback<absl::Status> done;
  TimerId timer = 0;
};

IndexWaiters::IndexWaiters(Env& env, TermAt term_at) : env_(env), term_at_(std::move(term_at)) {
  QUANTA_ASSERT(term_at_ != nullptr);
}

IndexWaiters::~IndexWaiters() {
  // No timer may outlive the object: each one's closure names it. (A crashed
  // process's Env already forgot its timers, and runs nothing more.)
  for (auto& [key, w] : waiters_) {
    env_.CancelTimer(w->timer);
    Complete(std::move(w), absl::CancelledError("the node shut down"));
  }
}

void IndexWaiters::Complete(std::shared_ptr<Waiter> w, absl::Status status) {
  QUANTA_ASSERT(w->done != nullptr);
  env_.StartTimer(absl::ZeroDuration(), [w = std::move(w), status = std::move(status)]() mutable {
    Callback<absl::Status> done = std::move(w->done);
    done(std::move(status));
  });
}

Op<absl::Status> IndexWaiters::Wait(raft::Index reached, raft::Index index, raft::Term term, absl::Duration timeout) {
  QUANTA_ASSERT(index >= 1);
  QUANTA_ASSERT(term >= 1);
  return Op<absl::Status>([this, reached, index, term, timeout](Callback<absl::Status> done) {
    auto w = std::make_shared<Waiter>();
    w->term = term;
    w->done = std::move(done);
    const Key key(index, arrivals_++);
    w->timer = env_.StartTimer(timeout, [this, key] {
      auto it = waiters_.find(key);
      QUANTA_ASSERT(it != waiters_.end());  // released waiters cancel their timer
      Callback<absl::Status> answer = std::move(it->second->done);
      waiters_.erase(it);
      answer(absl::DeadlineExceededError("timed out"));
    });
    QUANTA_ASSERT(waiters_.emplace(key, std::move(w)).second);
    Reached(reached);
  });
}

void IndexWaiters::Reached(raft::Index level) {
  while (!waiters_.empty() && waiters_.begin()->first.first <= level) {
    const raft::Index at = waiters_.begin()->first.first;
    std::shared_ptr<Waiter> w = std::move(waiters_.begin()->second);
    waiters_.erase(waiters_.begin());
    QUANTA_ASSERT(env_.CancelTimer(w->timer));  // still pending: a fired timer erased its waiter
    const std::optional<raft::Term> term = term_at_(at);
    absl::Status status;
    if (!term.has_value()) {  // a snapshot from a new primary replaced the log here
      status = absl::UnknownError(absl::StrCat("commit outcome unknown: log entry ", at,
                                               " was replaced by a snapshot from the new primary; it may have committed"));
    } else if (*term != w->term) {
      status = absl::AbortedError(absl::StrCat("log entry ", at, " was replaced after a change of primary: not committed"));
    }
    Complete(std::move(w), std::move(status));
  }
}

}  // namespace quanta::replication
