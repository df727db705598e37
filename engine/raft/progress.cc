#include "engine/raft/progress.h"

#include <algorithm>

#include "engine/env/assert.h"

namespace quanta::raft {

const char* ProgressStateName(Progress::State state) {
  switch (state) {
    case Progress::State::kProbe: return "probe";
    case Progress::State::kReplicate: return "replicate";
    case Progress::State::kSnapshot: return "snapshot";
  }
  QUANTA_UNREACHABLE("unknown progress state");
}

Progress::Progress(Index next, bool v) : voter(v), next_(next) {
  QUANTA_ASSERT(next >= 1);
  CheckInvariants();
}

void Progress::BecomeProbe(Index next) {
  QUANTA_ASSERT(next > match_);
  Enter(State::kProbe, next);
}

void Progress::BecomeReplicate(Index next) {
  QUANTA_ASSERT(next > match_);
  Enter(State::kReplicate, next);
}

void Progress::BecomeSnapshot(Index snapshot_index) {
  QUANTA_ASSERT(snapshot_index >= match_);
  snapshot_elapsed_ = 0;
  Enter(State::kSnapshot, snapshot_index + 1);
}

void Progress::Enter(State state, Index next) {
  state_ = state;
  next_ = next;
  probe_sent_ = false;
  inflight_.clear();
  CheckInvariants();
}

bool Progress::MaybeUpdate(Index index) {
  if (index <= match_) return false;
  match_ = index;
  next_ = std::max(next_, index + 1);
  while (!inflight_.empty() && inflight_.front() <= match_) inflight_.pop_front();
  CheckInvariants();
  return true;
}

bool Progress::Paused(Index last_index, size_t max_inflight) const {
  switch (state_) {
    case State::kSnapshot: return true;
    case State::kProbe: return probe_sent_;
    case State::kReplicate: return next_ > last_index || inflight_.size() >= max_inflight;
  }
  QUANTA_UNREACHABLE("unknown progress state");
}

void Progress::SentAppend(Index last) {
  QUANTA_ASSERT(state_ != State::kSnapshot);
  if (state_ == State::kProbe) {
    QUANTA_ASSERT(!probe_sent_);
    probe_sent_ = true;
    return;
  }
  QUANTA_ASSERT(last + 1 >= next_);
  next_ = last + 1;
  inflight_.push_back(last);
  CheckInvariants();
}

bool Progress::TickSnapshot(int timeout_ticks) {
  if (state_ != State::kSnapshot || ++snapshot_elapsed_ < timeout_ticks) return false;
  // Resent from next(): the snapshot's index + 1, so the next append attempt finds the
  // entries still compacted (or, after a newer snapshot, sends that one).
  BecomeProbe(next_);
  return true;
}

void Progress::CheckInvariants() const {
  QUANTA_ASSERT(next_ > match_);
  if (state_ != State::kReplicate) {
    QUANTA_ASSERT(inflight_.empty());
    return;
  }
  QUANTA_ASSERT(!probe_sent_);
  Index previous = match_;
  for (Index last : inflight_) {
    QUANTA_ASSERT(last >= previous);
    QUANTA_ASSERT(last < next_);
    previous = last;
  }
}

}  // namespace quanta::raft
