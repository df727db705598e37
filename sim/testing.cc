#include "sim/testing.h"

#include "engine/env/assert.h"

namespace quanta::sim {

constexpr uint64_t kMaxEventsPerRun = 50'000'000;

TestNode::TestNode(uint64_t seed, std::string name) : world_(seed) {
  process_ = &world_.AddProcess(std::move(name), [this](Env& env) {
    env_ = &env;
    return std::make_unique<ProcessBody>();
  });
  WaitForStart();
}

void TestNode::WaitForStart() {
  env_ = nullptr;
  for (uint64_t i = 0; i < kMaxEventsPerRun && env_ == nullptr; ++i) QUANTA_ASSERT(world_.loop().RunNext());
  QUANTA_ASSERT(env_ != nullptr);
}

Task<void> TestNode::Finish(Task<void> task, bool* done) {
  co_await std::move(task);
  *done = true;
}

void TestNode::Run(Task<void> task) {
  bool done = false;
  env_->Spawn(Finish(std::move(task), &done));
  for (uint64_t i = 0; i < kMaxEventsPerRun && !done; ++i) {
    QUANTA_ASSERT_MSG(world_.loop().RunNext(), "the task can never finish: no events left");
  }
  QUANTA_ASSERT(done);
}

void TestNode::CrashAndRestart() {
  world_.Crash(*process_);
  world_.Restart(*process_);
  WaitForStart();
}

}  // namespace quanta::sim
