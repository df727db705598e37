// Workload: what a simulated run does and how it is judged (FoundationDB's
// setup/start/check shape).
//
// Setup() adds the run's processes to the world; they start on their own. The runner
// then runs the fault phase, calls OnHeal() when faults stop, runs the heal phase,
// and calls Check() for the final oracles. A workload may also call SimWorld::Fail()
// at any moment when an always-on oracle breaks; the run stops there.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
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
  // Measured failovers in seconds, by cause ("crash", "isolation"), for the sweep's
  // p50/p99; empty for single-node workloads.
  virtual absl::btree_map<std::string, std::vector<double>> FailoverSeconds() const { return {}; }
};

// For workloads with one database process: after heal, crash and restart `process`
// once more in calm weather (`after` into the heal phase) so the last recovery runs
// without faults; FinalRestartCheck then demands the process is up and acknowledged a
// commit (`last_ack`) after that restart.
class FinalRestart {
 public:
  FinalRestart(std::string process, absl::Duration after) : process_(std::move(process)), after_(after) {}
  void Schedule(SimWorld& world);
  absl::Status Check(SimWorld& world, absl::Duration last_ack) const;

 private:
  std::string process_;
  absl::Duration after_;
  absl::Duration restart_time_ = absl::InfiniteDuration();
};

struct WorkloadInfo {
  absl::string_view name;
  absl::string_view description;
  std::unique_ptr<Workload> (*make)();
  // Fault families this workload cannot run under yet (removed from --faults), and
  // the shortest heal phase its final oracles need.
  absl::string_view excluded_faults = "";
  absl::Duration min_heal_phase = absl::ZeroDuration();
};

const std::vector<WorkloadInfo>& Workloads();
const WorkloadInfo* FindWorkload(absl::string_view name);

}  // namespace quanta::sim
