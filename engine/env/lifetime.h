// Lifetime: lets the coroutines of an object that may be destroyed while they wait
// (a node whose process shuts down, a test tearing it down) finish without touching it.
//
// The owner keeps a Lifetime member and its coroutines await through it:
//
//   CO_ASSIGN_OR_RETURN(auto stream, co_await lifetime_.Guard(transport_->Connect(peer)));
//
// Guard(a) awaits `a` and answers its result, or kCancelled ("the owner is gone")
// if the owner was destroyed meanwhile, so the CO_RETURN_IF_ERROR that follows leaves
// before any member is touched. The result is flattened to a Status: an awaitable of
// absl::Status answers absl::Status, of absl::StatusOr<T> answers absl::StatusOr<T>, of
// void answers absl::Status, of any other T answers absl::StatusOr<T>. A coroutine
// returning void leaves with `if (Lifetime::Gone(status)) co_return;`.
//
// Invariant: after the owner's destructor began, no guarded await resumes its caller
// with anything but kCancelled. The Guard coroutine itself touches only its copy of
// the shared flag once it resumes, never the Lifetime. Single loop; not thread-safe.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/env/task.h"

namespace quanta {

namespace internal {
template <typename R>
struct Guarded {
  using Type = absl::StatusOr<R>;
};
template <>
struct Guarded<void> {
  using Type = absl::Status;
};
template <>
struct Guarded<absl::Status> {
  using Type = absl::Status;
};
template <typename U>
struct Guarded<absl::StatusOr<U>> {
  using Type = absl::StatusOr<U>;
};
template <typename A>
using AwaitResult = std::remove_cvref_t<decltype(std::declval<A&>().await_resume())>;
}  // namespace internal

class Lifetime {
 public:
  Lifetime() : alive_(std::make_shared<bool>(true)) {}
  ~Lifetime() { End(); }
  Lifetime(const Lifetime&) = delete;
  Lifetime& operator=(const Lifetime&) = delete;

  // Marks the owner gone now (an owner's destructor calls it first, before it tears
  // down what could resume a coroutine). Idempotent.
  void End() { *alive_ = false; }
  bool alive() const { return *alive_; }

  // Whether `status` is the kCancelled a Guard answers once the owner is gone.
  static bool Gone(const absl::Status& status) {
    return absl::IsCancelled(status) && status.message() == kGoneMessage;
  }
  static absl::Status GoneError() { return absl::CancelledError(kGoneMessage); }

  // Awaits `awaitable` (a Task or an Op, taken by value). See the header comment.
  template <typename A, typename R = internal::AwaitResult<A>>
  Task<typename internal::Guarded<R>::Type> Guard(A awaitable) {
    std::shared_ptr<bool> alive = alive_;  // `this` may be gone when the await resumes
    if constexpr (std::is_void_v<R>) {
      co_await std::move(awaitable);
      if (!*alive) co_return GoneError();
      co_return absl::OkStatus();
    } else {
      R result = co_await std::move(awaitable);
      if (!*alive) co_return GoneError();
      co_return result;
    }
  }

 private:
  static constexpr char kGoneMessage[] = "the owner is gone";
  std::shared_ptr<bool> alive_;
};

}  // namespace quanta
