#include "engine/env/async_mutex.h"

namespace quanta {

void AsyncMutex::Unlock() {
  QUANTA_ASSERT(locked_);
  if (waiters_.empty()) {
    locked_ = false;
    return;
  }
  std::coroutine_handle<> next = waiters_.front();
  waiters_.pop_front();
  // locked_ stays true: ownership passes directly, so no newcomer can jump the queue.
  env_.StartTimer(absl::ZeroDuration(), [next] { next.resume(); });
}

}  // namespace quanta
