#include "engine/env/task.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/env/task_set.h"
#include "gtest/gtest.h"

namespace quanta {
namespace {

// A completion source a test fires by hand, standing in for an Env operation.
struct ManualOp {
  Callback<int> pending;
  Op<int> Start() {
    return Op<int>([this](Callback<int> done) { pending = std::move(done); });
  }
  void Fire(int value) { std::exchange(pending, nullptr)(value); }
};

// Counts destructions, to prove frames are torn down.
struct Guard {
  explicit Guard(int* destroyed) : destroyed(destroyed) {}
  ~Guard() { ++*destroyed; }
  int* destroyed;
};

Task<int> Add(ManualOp& op, int x) {
  const int v = co_await op.Start();
  co_return v + x;
}

Task<int> Chain(ManualOp& op) {
  const int a = co_await Add(op, 1);
  const int b = co_await Add(op, 10);
  co_return a + b;
}

Task<void> Record(ManualOp& op, std::vector<int>* out) {
  out->push_back(co_await Chain(op));
}

TEST(TaskTest, ChainsSuspendAndResumeInOrder) {
  ManualOp op;
  std::vector<int> out;
  TaskSet tasks;
  tasks.Spawn(Record(op, &out));
  EXPECT_EQ(tasks.size(), 1u);
  op.Fire(100);  // first Add
  EXPECT_TRUE(out.empty());
  op.Fire(1000);  // second Add
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], 101 + 1010);
  EXPECT_EQ(tasks.size(), 0u) << "a finished root frees itself";
}

// A child that finishes without suspending, noting how deep the stack is.
Task<int> Immediate(int x, uintptr_t* lowest_stack) {
  const auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  *lowest_stack = std::min(*lowest_stack, here);
  co_return x + 1;
}

Task<void> ManySynchronousAwaits(int n, ManualOp& op, int64_t* sum, uintptr_t* spread) {
  co_await op.Start();  // resumed from the "loop", as engine code is
  uintptr_t lowest = UINTPTR_MAX;
  uintptr_t after_first = 0;
  for (int i = 0; i < n; ++i) {
    *sum += co_await Immediate(i, &lowest);
    if (i == 0) after_first = lowest;
  }
  *spread = after_first - lowest;
}

// Awaits that complete without suspending must not nest a stack frame per await: a
// long loop of them (a big write set hitting the buffer pool) would overflow the
// stack wherever the compiler does not make symmetric transfer a tail call.
TEST(TaskTest, SynchronousCompletionsDoNotGrowTheStack) {
  ManualOp op;
  int64_t sum = 0;
  uintptr_t spread = UINTPTR_MAX;
  TaskSet tasks;
  tasks.Spawn(ManySynchronousAwaits(100000, op, &sum, &spread));
  op.Fire(0);
  EXPECT_EQ(tasks.size(), 0u);
  EXPECT_EQ(sum, int64_t{100000} * 100001 / 2);
  EXPECT_LT(spread, 4096u) << "the stack grew by " << spread << " bytes over the loop";
}

Task<void> GuardedWait(ManualOp& op, int* destroyed, bool* resumed) {
  Guard guard(destroyed);
  co_await Add(op, 0);
  *resumed = true;
}

TEST(TaskTest, DestroyAllTearsDownNestedFramesWithoutResuming) {
  ManualOp op;
  int destroyed = 0;
  bool resumed = false;
  TaskSet tasks;
  tasks.Spawn(GuardedWait(op, &destroyed, &resumed));
  ASSERT_TRUE(op.pending);
  tasks.DestroyAll();
  EXPECT_EQ(destroyed, 1);
  EXPECT_EQ(tasks.size(), 0u);
  op.Fire(7);  // a late completion must not resume the destroyed frame
  EXPECT_FALSE(resumed);
}

Task<void> Immediate(int* out) {
  // An operation that completes inline must not suspend.
  *out = co_await Op<int>([](Callback<int> done) { done(42); });
}

TEST(TaskTest, OpToleratesInlineCompletion) {
  int out = 0;
  TaskSet tasks;
  tasks.Spawn(Immediate(&out));
  EXPECT_EQ(out, 42);
  EXPECT_EQ(tasks.size(), 0u);
}

}  // namespace
}  // namespace quanta
