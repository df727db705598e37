// Runs one seeded simulation from start to verdict, and sweeps of many.
//
// A run: make the world, draw the swarm parameters from the seed, set up the
// workload, run the fault phase, heal, run the heal phase, check the oracles. The
// result carries the trace hash that a replay of the same seed must reproduce.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sim/sim_loop.h"
#include "sim/swarm.h"

namespace quanta::sim {

struct RunOptions {
  uint64_t seed = 0;
  std::string workload = "env";
  std::string faults = "all";  // as given on the command line, for repro lines
  std::string planted;         // a planted bug's name, or empty
  bool verbose = false;        // print the parameters, world log and every event
  bool record_trace = false;   // keep every event (determinism diagnostics)
  absl::Duration fault_phase = absl::ZeroDuration();  // zero: the swarm's choice
  absl::Duration heal_phase = absl::ZeroDuration();
  std::function<void(absl::string_view)> out;  // where verbose output goes (stdout if unset)
};

struct RunResult {
  bool ok = true;
  std::string failure;
  std::string parameters;  // SwarmParams::Describe()
  uint64_t trace_hash = 0;
  uint64_t events = 0;
  absl::Duration simulated;
  absl::btree_map<std::string, std::vector<double>> failover_seconds;  // see Workload::FailoverSeconds
  std::vector<TraceRecord> trace;
};

// Returns an error only for bad options (unknown workload, fault family or bug).
absl::StatusOr<RunResult> RunSimulation(const RunOptions& options);

// The command line that replays `options` exactly, with the event log on.
std::string ReproCommand(const RunOptions& options);

// Runs a seed twice; returns a description of the first difference, or "" if none.
absl::StatusOr<std::string> CheckDeterminism(const RunOptions& options);

}  // namespace quanta::sim
