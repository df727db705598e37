// AsyncMutex: mutual exclusion between coroutines of one event loop.
//
//   co_await mutex.Lock();          // suspends until this coroutine holds the mutex
//   AsyncMutex::Held held(mutex);   // releases it at the end of the scope
//
// Release hands the mutex to the longest waiter (FIFO), which resumes on the next turn
// of the loop (never inside the releasing call: a release can happen while a crashed
// process's frames are being destroyed, and nothing may resume then; a dead process's
// timers never fire). Not thread-safe: it orders coroutines, not threads.
//
// Why two statements: GCC 12 mishandles non-trivial temporaries that travel through a
// co_await (engine/env/README.md); this awaiter and its result are trivial, and the
// RAII holder is an ordinary local.
//
// REQUIRES: a coroutine waiting in Lock() is destroyed only together with the mutex
// (a simulated crash destroys both).
#pragma once

#include <coroutine>
#include <deque>

#include "engine/env/assert.h"
#include "engine/env/env.h"

namespace quanta {

class AsyncMutex {
 public:
  class LockAwaiter {
   public:
    explicit LockAwaiter(AsyncMutex* mutex) : mutex_(mutex) {}
    bool await_ready() {
      if (mutex_->locked_) return false;
      mutex_->locked_ = true;
      return true;
    }
    void await_suspend(std::coroutine_handle<> handle) { mutex_->waiters_.push_back(handle); }
    void await_resume() const { QUANTA_ASSERT(mutex_->locked_); }

   private:
    AsyncMutex* mutex_;
  };

  // Releases the mutex when destroyed. REQUIRES: the mutex is held by this coroutine.
  class Held {
   public:
    explicit Held(AsyncMutex& mutex) : mutex_(&mutex) { QUANTA_ASSERT(mutex.locked_); }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held() { mutex_->Unlock(); }

   private:
    AsyncMutex* mutex_;
  };

  explicit AsyncMutex(Env& env) : env_(env) {}
  AsyncMutex(const AsyncMutex&) = delete;
  AsyncMutex& operator=(const AsyncMutex&) = delete;

  LockAwaiter Lock() { return LockAwaiter(this); }
  bool locked() const { return locked_; }

 private:
  // Hands the mutex to the first waiter (resumed by a zero-delay timer), or frees it.
  void Unlock();
  Env& env_;
  bool locked_ = false;
  std::deque<std::coroutine_handle<>> waiters_;
};

}  // namespace quanta
