#include "engine/env/task_set.h"

#include <vector>

namespace quanta {

// A root coroutine that frees its own frame on completion and, from its promise's
// destructor, removes itself from its TaskSet (also when destroyed by DestroyAll).
struct DetachedPromise;
struct Detached {
  using promise_type = DetachedPromise;
  std::coroutine_handle<DetachedPromise> handle;
};

struct DetachedPromise {
  DetachedPromise(TaskSet* set, uint64_t id, Task<void>&) : set(set), id(id) {}
  ~DetachedPromise() { set->Forget(id); }
  Detached get_return_object() {
    return Detached{std::coroutine_handle<DetachedPromise>::from_promise(*this)};
  }
  std::suspend_always initial_suspend() const noexcept { return {}; }
  std::suspend_never final_suspend() const noexcept { return {}; }
  void return_void() const noexcept {}
  void unhandled_exception() const noexcept { QUANTA_UNREACHABLE("exception escaped a Task"); }

  TaskSet* set;
  uint64_t id;
};

namespace {
Detached RunDetached(TaskSet* /*set*/, uint64_t /*id*/, Task<void> task) {
  co_await std::move(task);
}
}  // namespace

void TaskSet::Spawn(Task<void> task) {
  QUANTA_ASSERT(task.valid());
  const uint64_t id = next_id_++;
  Detached root = RunDetached(this, id, std::move(task));
  auto [it, inserted] = roots_.emplace(id, root.handle);
  QUANTA_ASSERT(inserted);
  root.handle.resume();
}

void TaskSet::DestroyAll() {
  // Destroying a root erases it from roots_ (promise destructor), so copy first.
  std::vector<std::coroutine_handle<>> handles;
  handles.reserve(roots_.size());
  for (const auto& [id, handle] : roots_) handles.push_back(handle);
  for (std::coroutine_handle<> handle : handles) handle.destroy();
  QUANTA_ASSERT(roots_.empty());
}

}  // namespace quanta
