#include "sim/sim_loop.h"

#include <cstring>

#include "engine/env/assert.h"
#include "xxhash.h"

namespace quanta::sim {

SimLoop::SimLoop(uint64_t seed) : rng_(Random::DeriveSeed(seed, "sim-loop")) {}

EventId SimLoop::Schedule(absl::Duration delay, EventOwner* owner, TraceTag tag,
                          Action action) {
  QUANTA_ASSERT(delay >= absl::ZeroDuration());
  QUANTA_ASSERT(action);
  // Round up to whole nanoseconds so an event never runs before the time it asked for.
  const Key key{absl::ToInt64Nanoseconds(absl::Ceil(now_ + delay, absl::Nanoseconds(1))), rng_.Next(),
                next_seq_++};
  auto [it, inserted] = queue_.emplace(key, Event{owner, tag, std::move(action)});
  QUANTA_ASSERT(inserted);
  keys_.emplace(key.seq, key);
  return key.seq;
}

bool SimLoop::Cancel(EventId id) {
  auto it = keys_.find(id);
  if (it == keys_.end()) return false;
  const size_t erased = queue_.erase(it->second);
  QUANTA_ASSERT(erased == 1);
  keys_.erase(it);
  return true;
}

void SimLoop::Fold(const TraceTag& tag) {
  struct {
    uint64_t prev;
    int64_t time_ns;
    uint64_t node;
    uint64_t a;
    uint64_t b;
  } block{trace_hash_, absl::ToInt64Nanoseconds(now_), tag.node, tag.a, tag.b};
  const uint64_t kind_hash = XXH3_64bits(tag.kind, std::strlen(tag.kind));
  trace_hash_ = XXH3_64bits_withSeed(&block, sizeof(block), kind_hash);
  if (recording_) {
    records_.push_back(TraceRecord{absl::ToInt64Nanoseconds(now_), tag, trace_hash_});
  }
}

void SimLoop::Observe(TraceTag tag) { Fold(tag); }

bool SimLoop::RunNext() {
  if (queue_.empty()) return false;
  auto it = queue_.begin();
  const Key key = it->first;
  Event event = std::move(it->second);
  queue_.erase(it);
  keys_.erase(key.seq);
  QUANTA_ASSERT(key.time_ns >= absl::ToInt64Nanoseconds(now_));
  now_ = absl::Nanoseconds(key.time_ns);

  if (event.owner != nullptr) {
    switch (event.owner->Dispose()) {
      case EventOwner::Disposition::kDrop:
        return true;  // the process died: its continuations never run
      case EventOwner::Disposition::kDefer:
        event.owner->Defer(key.seq, event.tag, std::move(event.action));
        return true;
      case EventOwner::Disposition::kRun:
        break;
    }
  }
  ++events_run_;
  Fold(event.tag);
  if (logger_) logger_(now_, event.tag);
  event.action();
  return true;
}

uint64_t SimLoop::RunUntil(absl::Duration deadline, const bool* stop) {
  uint64_t ran = 0;
  while (!queue_.empty()) {
    if (stop != nullptr && *stop) return ran;
    if (queue_.begin()->first.time_ns > absl::ToInt64Nanoseconds(deadline)) break;
    RunNext();
    ++ran;
  }
  if (deadline > now_) now_ = deadline;
  return ran;
}

}  // namespace quanta::sim
