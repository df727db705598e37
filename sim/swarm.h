// Swarm testing: each seed switches on a random subset of fault families at random
// intensities, so a sweep explores many different mixes instead of one average one.
//
// FaultFamily names are what `quanta-sim --faults` accepts; ChooseSwarm() draws the
// parameters of one run from the world's generator, limited to the allowed families.
// The Nemesis then drives the discrete faults (crashes, pauses, partitions, clock
// jumps, full disks) during the fault phase and heals everything at its end, while
// the per-operation rates (disk and network) apply for the whole fault phase.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sim/sim_disk.h"
#include "sim/sim_network.h"

namespace quanta::sim {

class SimWorld;
class SimProcess;

enum class FaultFamily {
  kCrash,
  kPause,
  kPartition,
  kNetReset,
  kNetStall,
  kNetSlow,
  kClockDrift,
  kClockJump,
  kDiskTorn,
  kDiskEio,
  kDiskBitFlip,
  kDiskLatent,
  kDiskMisdirect,
  kDiskFull,
  kDiskSlow,
  kDiskLostWrite,
};

const std::vector<FaultFamily>& AllFaultFamilies();
absl::string_view FaultFamilyName(FaultFamily family);
// Parses "all", "none" or a comma-separated list of family names.
absl::StatusOr<absl::btree_set<FaultFamily>> ParseFaultFamilies(absl::string_view list);

struct SwarmParams {
  absl::btree_set<FaultFamily> on;
  absl::Duration fault_phase;
  absl::Duration heal_phase;
  absl::Duration nemesis_mean_interval;
  NetRates net;
  FaultRates disk;
  int64_t clock_drift_ppm_max = 0;
  absl::Duration clock_jump_max;

  bool Has(FaultFamily f) const { return on.contains(f); }
  // Every parameter, one "name=value" per line, for the top of a run's output.
  std::string Describe() const;
};

SwarmParams ChooseSwarm(Random& rng, const absl::btree_set<FaultFamily>& allowed);

// Drives discrete faults through the fault phase, then heals the world.
class Nemesis {
 public:
  Nemesis(SimWorld& world, const SwarmParams& params);
  // Applies clock drift to every process, the per-op rates, and schedules the first act.
  void Start();
  // Stops injecting, heals partitions, resumes paused and restarts crashed processes,
  // zeroes every fault rate.
  void Heal();
  uint64_t faults_injected() const { return faults_injected_; }

 private:
  void ScheduleNext();
  void Act();
  SimProcess* PickProcess(bool running_only);
  void Partition();

  SimWorld& world_;
  const SwarmParams& params_;
  bool active_ = false;
  uint64_t faults_injected_ = 0;
};

}  // namespace quanta::sim
