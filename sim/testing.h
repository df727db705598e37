// TestNode: one simulated process for unit tests of engine code.
//
// Gives a test an Env backed by the simulator (faults off unless the test sets disk or
// network rates), runs coroutines on it to completion, and crashes and restarts the
// process to check recovery code against the disk's crash model.
#pragma once

#include <cstdint>

#include "engine/env/env.h"
#include "sim/sim_world.h"

namespace quanta::sim {

class TestNode {
 public:
  explicit TestNode(uint64_t seed, std::string name = "node");

  Env& env() { return *env_; }
  SimWorld& world() { return world_; }
  SimProcess& process() { return *process_; }
  SimDisk& disk() { return process_->disk(); }

  // Runs the loop until `task` finishes. Aborts if it cannot (deadlock, or a crash).
  void Run(Task<void> task);
  // Kills the process (unsynced data meets the crash model) and starts a new one.
  void CrashAndRestart();

 private:
  static Task<void> Finish(Task<void> task, bool* done);
  void WaitForStart();

  SimWorld world_;
  SimProcess* process_ = nullptr;
  Env* env_ = nullptr;
};

}  // namespace quanta::sim
