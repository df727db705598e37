// The canary workload fails on purpose on every seed divisible by 100, proving that a
// sweep notices and reports failures (and that their repro commands work).
#include "sim/workloads/canary_workload.h"

#include "absl/strings/str_cat.h"
#include "sim/sim_world.h"

namespace quanta::sim {
namespace {

class CanaryBody : public ProcessBody {
 public:
  explicit CanaryBody(Env& env) { env.Spawn(Tick(env)); }

 private:
  static Task<void> Tick(Env& env) {
    for (;;) co_await env.Sleep(absl::Milliseconds(250));
  }
};

class CanaryWorkload : public Workload {
 public:
  void Setup(SimWorld& world, const SwarmParams&) override {
    world.AddProcess("canary", [](Env& env) { return std::make_unique<CanaryBody>(env); });
  }
  absl::Status Check(SimWorld& world) override {
    if (world.seed() % 100 == 0) {
      return absl::InternalError(
          absl::StrCat("canary: planted failure on seed ", world.seed(), " (divisible by 100)"));
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Workload> MakeCanaryWorkload() { return std::make_unique<CanaryWorkload>(); }

}  // namespace quanta::sim
