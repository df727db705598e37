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

TEST(LifetimeTest, AGuardedAwaitAnswersItsResultWhileTheOwnerLives) {
  auto owner = std::make_unique<Owner>();
  Pending<absl::Status> status;
  Pending<int> value;
  std::optional<absl::Status> got_status;
  std::optional<absl::StatusOr<int>> got_value;
  TaskSet tasks;
  tasks.Spawn(owner->WaitStatus(status, &got_status));
  tasks.Spawn(owner->WaitValue(value, &got_value));
  status.done(absl::UnavailableError("peer down"));
  value.done(41);
  ASSERT_TRUE(got_status.has_value());
  EXPECT_TRUE(absl::IsUnavailable(*got_status));
  EXPECT_FALSE(Lifetime::Gone(*got_status));
  ASSERT_TRUE(got_value.has_value());
  EXPECT_EQ(**got_value, 41);
  EXPECT_EQ(owner->touched, 42);
}

TEST(LifetimeTest, OnceTheOwnerIsGoneEveryGuardedAwaitAnswersCancelled) {
  auto owner = std::make_unique<Owner>();
  Pending<absl::Status> status;
  Pending<int> value;
  std::optional<absl::Status> got_status;
  std::optional<absl::StatusOr<int>> got_value;
  TaskSet tasks;
  tasks.Spawn(owner->WaitStatus(status, &got_status));
  tasks.Spawn(owner->WaitValue(value, &got_value));
  owner.reset();  // under ASan, a touch of the owner after this is a use-after-free
  status.done(absl::OkStatus());
  value.done(7);
  ASSERT_TRUE(got_status.has_value());
  EXPECT_TRUE(Lifetime::Gone(*got_status)) << *got_status;
  ASSERT_TRUE(got_value.has_value());
  EXPECT_TRUE(Lifetime::Gone(got_value->status()));
  EXPECT_FALSE(Lifetime::Gone(absl::CancelledError("something else")));
}

}  // namespace
}  // namespace quanta
