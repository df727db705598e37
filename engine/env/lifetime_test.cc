// Lifetime: a guarded await answers its result while the owner lives, and kCancelled
// (Gone) once it was destroyed, without the caller touching the destroyed owner.
#include "engine/env/lifetime.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "engine/env/task_set.h"

namespace quanta {
namespace {

// An awaitable completed by hand: Op<T> whose callback the test keeps.
template <typename T>
struct Pending {
  Callback<T> done;
  Op<T> Await() {
    return Op<T>([this](Callback<T> cb) { done = std::move(cb); });
  }
};

struct Owner {
  Lifetime lifetime;
  int touched = 0;
  Task<void> WaitStatus(Pending<absl::Status>& p, std::optional<absl::Status>* out) {
    absl::Status s = co_await lifetime.Guard(p.Await());
    *out = s;
    if (Lifetime::Gone(s)) co_return;
    ++touched;  // only while the owner lives
  }
  Task<void> WaitValue(Pending<int>& p, std::optional<absl::StatusOr<int>>* out) {
    absl::StatusOr<int> v = co_await lifetime.Guard(p.Await());
    *out = v;
    if (!v.ok()) co_return;
    touched += *v;
  }
};

// An owner with one guarded await of each kind in flight.
struct TwoWaits {
  TwoWaits() {
    tasks.Spawn(owner->WaitStatus(status, &got_status));
    tasks.Spawn(owner->WaitValue(value, &got_value));
  }
  std::unique_ptr<Owner> owner = std::make_unique<Owner>();
  Pending<absl::Status> status;
  Pending<int> value;
  std::optional<absl::Status> got_status;
  std::optional<absl::StatusOr<int>> got_value;
  TaskSet tasks;
};

TEST(LifetimeTest, AGuardedAwaitAnswersItsResultWhileTheOwnerLives) {
  TwoWaits w;
  w.status.done(absl::UnavailableError("peer down"));
  w.value.done(41);
  ASSERT_TRUE(w.got_status.has_value());
  EXPECT_TRUE(absl::IsUnavailable(*w.got_status));
  EXPECT_FALSE(Lifetime::Gone(*w.got_status));
  ASSERT_TRUE(w.got_value.has_value());
  EXPECT_EQ(**w.got_value, 41);
  EXPECT_EQ(w.owner->touched, 42);
}

TEST(LifetimeTest, OnceTheOwnerIsGoneEveryGuardedAwaitAnswersCancelled) {
  TwoWaits w;
  w.owner.reset();  // under ASan, a touch of the owner after this is a use-after-free
  w.status.done(absl::OkStatus());
  w.value.done(7);
  ASSERT_TRUE(w.got_status.has_value());
  EXPECT_TRUE(Lifetime::Gone(*w.got_status)) << *w.got_status;
  ASSERT_TRUE(w.got_value.has_value());
  EXPECT_TRUE(Lifetime::Gone(w.got_value->status()));
  EXPECT_FALSE(Lifetime::Gone(absl::CancelledError("something else")));
}

}  // namespace
}  // namespace quanta
