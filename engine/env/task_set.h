// TaskSet: owns the detached (spawned) root coroutines of one process.
//
// Env::Spawn hands a Task<void> to the process's TaskSet, which starts it and keeps its
// frame until it finishes (the frame then frees itself). DestroyAll() destroys every
// unfinished root, and with it every Task those roots await, without resuming any of
// them: this is the simulator's crash and the real backend's shutdown.
//
// Threading: single-threaded, like the loop that owns it.
#pragma once

#include <coroutine>
#include <cstdint>

#include "absl/container/btree_map.h"
#include "engine/env/task.h"

namespace quanta {

class TaskSet {
 public:
  TaskSet() = default;
  TaskSet(const TaskSet&) = delete;
  TaskSet& operator=(const TaskSet&) = delete;
  ~TaskSet() { DestroyAll(); }

  // Starts `task` now (it runs until its first suspension before Spawn returns).
  void Spawn(Task<void> task);

  // Destroys all unfinished roots without resuming them.
  void DestroyAll();

  size_t size() const { return roots_.size(); }

 private:
  friend struct DetachedPromise;
  void Forget(uint64_t id) { roots_.erase(id); }

  uint64_t next_id_ = 1;
  // Ordered by id so destruction order is deterministic.
  absl::btree_map<uint64_t, std::coroutine_handle<>> roots_;
};

}  // namespace quanta
