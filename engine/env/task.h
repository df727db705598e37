// Task<T>: the coroutine type of QuantaDB's engine, and Op<T>: an awaitable Env operation.
//
// A node is a single-threaded event loop. Multi-step flows (recovery, catch-up, a
// session) are written as coroutines returning Task<T> so they read top to bottom;
// each `co_await` of an Env operation suspends until the Env's loop completes it.
//
// Task<T> is lazy (it starts when awaited, or when handed to Env::Spawn) and owns its
// coroutine frame: destroying a Task destroys its frame and, through it, every Task the
// frame is awaiting. That is how a crash in the simulator tears down a process's flows
// without running any of their continuations.
//
// Op<T> adapts a callback-style operation into an awaitable. If the coroutine awaiting
// an Op is destroyed before the operation completes, the completion is dropped instead
// of resuming a dead frame.
//
// Threading: a Task and everything it awaits belong to one event loop; none of these
// types is thread-safe.
#pragma once

#include <coroutine>
#include <memory>
#include <optional>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "engine/env/assert.h"

namespace quanta {

// A completion callback. Env implementations invoke it exactly once, always from the
// event loop and never from inside the call that started the operation.
template <typename T>
using Callback = absl::AnyInvocable<void(T)>;

template <typename T>
class Task;

namespace internal {

// When a Task's body finishes: if it never suspended since its awaiter started it,
// control returns to that awaiter's await_suspend (which lets the awaiter go on without
// a nested resume); otherwise the awaiting coroutine (if any) is resumed.
struct FinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <typename Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
    auto& promise = h.promise();
    if (promise.running_inline) {
      promise.completed_inline = true;
      return std::noop_coroutine();
    }
    std::coroutine_handle<> next = promise.continuation;
    return next ? next : std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

struct PromiseBase {
  std::coroutine_handle<> continuation;
  // Set while the body runs inside its awaiter's await_suspend, before it first
  // suspends; completed_inline records that it finished there.
  bool running_inline = false;
  bool completed_inline = false;
  std::suspend_always initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }
  // Engine code does not throw; an escaping exception is a bug.
  void unhandled_exception() const noexcept { QUANTA_UNREACHABLE("exception escaped a Task"); }
};

template <typename T>
struct Promise : PromiseBase {
  std::optional<T> value;
  Task<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
};

template <>
struct Promise<void> : PromiseBase {
  bool returned = false;
  Task<void> get_return_object() noexcept;
  void return_void() noexcept { returned = true; }
};

}  // namespace internal

template <typename T = void>
class [[nodiscard]] Task {
 public:
  using promise_type = internal::Promise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Task() = default;
  explicit Task(Handle h) : handle_(h) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      Reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { Reset(); }

  bool valid() const { return static_cast<bool>(handle_); }
  bool done() const { return handle_ && handle_.done(); }

  // Awaiting a Task starts it and suspends the caller until it finishes. The body
  // runs right here until it first suspends; if it finishes without suspending, the
  // caller simply goes on. So a loop of awaits that complete synchronously (pool hits)
  // does not nest a frame per iteration: stack depth stays bounded by the depth of the
  // call tree, whether or not the compiler turns symmetric transfer into tail calls
  // (it does not under AddressSanitizer).
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> caller) noexcept {
    QUANTA_ASSERT(handle_);
    QUANTA_ASSERT(!handle_.done());
    auto& promise = handle_.promise();
    promise.continuation = caller;
    promise.running_inline = true;
    handle_.resume();
    if (promise.completed_inline) return false;  // done: resume the caller now
    promise.running_inline = false;              // suspended: it resumes the caller later
    return true;
  }
  T await_resume() {
    QUANTA_ASSERT(handle_.done());
    if constexpr (!std::is_void_v<T>) {
      QUANTA_ASSERT(handle_.promise().value.has_value());
      return std::move(*handle_.promise().value);
    }
  }

  // Releases ownership of the frame (used by TaskSet, which destroys it itself).
  Handle Release() { return std::exchange(handle_, {}); }

 private:
  void Reset() {
    if (handle_) {
      handle_.destroy();
      handle_ = {};
    }
  }
  Handle handle_;
};

namespace internal {
template <typename T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}
}  // namespace internal

// An awaitable that starts a callback-style operation when awaited.
// The starter receives the completion callback; it must not invoke it synchronously
// (Env implementations always complete from the loop), but Op tolerates it.
template <typename T>
class [[nodiscard]] Op {
 public:
  using Starter = absl::AnyInvocable<void(Callback<T>)>;

  explicit Op(Starter starter) : starter_(std::move(starter)) {}
  Op(Op&&) noexcept = default;
  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;
  Op& operator=(Op&&) = delete;
  ~Op() {
    // The awaiting frame is going away: a late completion must not resume it.
    if (state_) state_->waiter = nullptr;
  }

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> waiter) {
    QUANTA_ASSERT(starter_);
    state_ = std::make_shared<State>();
    starter_(Callback<T>([state = state_](T result) mutable {
      QUANTA_ASSERT(!state->result.has_value());
      state->result.emplace(std::move(result));
      if (state->suspended && state->waiter) {
        std::exchange(state->waiter, nullptr).resume();
      }
    }));
    if (state_->result.has_value()) return false;  // completed inline
    state_->waiter = waiter;
    state_->suspended = true;
    return true;
  }
  T await_resume() {
    QUANTA_ASSERT(state_->result.has_value());
    return std::move(*state_->result);
  }

 private:
  struct State {
    std::optional<T> result;
    std::coroutine_handle<> waiter;
    bool suspended = false;
  };
  Starter starter_;
  std::shared_ptr<State> state_;
};

}  // namespace quanta
