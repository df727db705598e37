// PrimaryNemesis: Jepsen's favourite fault, aimed at whichever node is the primary.
//
// Every exponential(mean_interval) of the fault phase it crashes the current primary
// (restarting it 20 ms-1.5 s later) or cuts it off from every other process for
// 0.5-4 s, and tells the oracle a failover started (ClusterOracle::OnPrimaryLost).
// With `newborn` > 0 it also crashes that fraction of new primaries within 30 ms of
// their election, before their first entry replicates: the path to Raft's figure 8.
// Isolation restores only the links it cut (a link the swarm's nemesis also cut comes
// back early; the world's heal restores everything anyway).
#pragma once

#include <string>

#include "absl/time/time.h"
#include "sim/workloads/cluster_oracle.h"

namespace quanta::sim {

class SimWorld;

class PrimaryNemesis {
 public:
  struct Options {
    absl::Duration mean_interval = absl::Seconds(1);
    absl::Duration until;     // acts only before this virtual time
    bool crash = true;
    bool isolate = false;
    double newborn = 0;       // probability of crashing a new primary at once
    // Strike only once the last failure is over — its failover finished (a client
    // write was acknowledged since) and the old primary is back (restarted, or its
    // links restored) — so every measurement is of one failure, not of overlapping
    // ones (a new primary cut off while the last one still is leaves no quorum).
    bool one_at_a_time = false;
  };

  PrimaryNemesis(SimWorld& world, ClusterOracle& oracle, Options options);
  void Start();

 private:
  void ScheduleNext();
  void Crash(const ClusterOracle::Leader& leader);
  void Isolate(const ClusterOracle::Leader& leader);

  SimWorld& world_;
  ClusterOracle& oracle_;
  Options options_;
  absl::Duration busy_until_;  // the last victim is down or cut off until then
};

}  // namespace quanta::sim
