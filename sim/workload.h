// Workload: what a simulated run does and how it is judged (FoundationDB's
// setup/start/check shape).
//
// Setup() adds the run's processes to the world; they start on their own. The runner
// then runs the fault phase, calls OnHeal() when faults stop, runs the heal phase,
// and calls Check() for the final oracles. A workload may also call SimWorld::Fail()
// at any moment when an always-on oracle breaks; the run stops there.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "sim/swarm.h"

namespace quanta::sim {

class SimWorld;

class Workload {
 public:
  virtual ~Workload() = default;
  virtual void Setup(SimWorld& world, const SwarmParams& params) = 0;
  virtual void OnHeal(SimWorld& world) {}
  // Returns OK if every final oracle holds; otherwise a message naming the broken one.
  virtual absl::Status Check(SimWorld& world) = 0;
};

struct WorkloadInfo {
  absl::string_view name;
  absl::string_view description;
  std::unique_ptr<Workload> (*make)();
};

const std::vector<WorkloadInfo>& Workloads();
const WorkloadInfo* FindWorkload(absl::string_view name);

}  // namespace quanta::sim
