#include "sim/runner.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/env/assert.h"
#include "engine/env/planted.h"
#include "sim/sim_world.h"
#include "sim/workload.h"

namespace quanta::sim {

std::string ReproCommand(const RunOptions& o) {
  std::string cmd = absl::StrCat("quanta-sim --workload ", o.workload, " --seed ", o.seed);
  if (o.faults != "all") absl::StrAppend(&cmd, " --faults ", o.faults);
  if (!o.planted.empty()) absl::StrAppend(&cmd, " --planted ", o.planted);
  if (o.fault_phase > absl::ZeroDuration()) {
    absl::StrAppend(&cmd, " --fault-seconds ", absl::ToDoubleSeconds(o.fault_phase));
  }
  if (o.heal_phase > absl::ZeroDuration()) {
    absl::StrAppend(&cmd, " --heal-seconds ", absl::ToDoubleSeconds(o.heal_phase));
  }
  return cmd + " -v";
}

absl::StatusOr<RunResult> RunSimulation(const RunOptions& options) {
  const WorkloadInfo* info = FindWorkload(options.workload);
  if (info == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown workload '", options.workload, "'"));
  auto families = ParseFaultFamilies(options.faults);
  if (!families.ok()) return families.status();
  if (!info->excluded_faults.empty()) {
    auto excluded = ParseFaultFamilies(info->excluded_faults);
    QUANTA_ASSERT(excluded.ok());
    for (FaultFamily f : *excluded) families->erase(f);
  }
  PlantedBug bug = PlantedBug::kNone;
  if (!options.planted.empty()) {
    const PlantedBugInfo* planted = FindPlanted(options.planted);
    if (planted == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown planted bug '", options.planted,
                                                     "' (see --list-planted)"));
    }
    bug = planted->bug;
  }
  ScopedPlantedBug plant(bug);
  const std::string repro = ReproCommand(options);
  internal::SetAssertContext(repro.c_str());
  auto out = options.out ? options.out : [](absl::string_view line) { std::printf("%.*s\n", static_cast<int>(line.size()), line.data()); };

  RunResult result;
  std::unique_ptr<Workload> workload = info->make();
  auto world = std::make_unique<SimWorld>(options.seed);
  SwarmParams params = ChooseSwarm(world->rng(), *families);
  if (options.fault_phase > absl::ZeroDuration()) params.fault_phase = options.fault_phase;
  if (options.heal_phase > absl::ZeroDuration()) params.heal_phase = options.heal_phase;
  params.heal_phase = std::max(params.heal_phase, info->min_heal_phase);
  result.parameters = params.Describe();
  if (options.verbose) {
    out(absl::StrCat("seed=", options.seed, " workload=", options.workload,
                     options.planted.empty() ? "" : absl::StrCat(" planted=", options.planted)));
    out(result.parameters);
    world->set_log_sink(out);
    world->loop().set_event_logger([&out](absl::Duration now, const TraceTag& tag) {
      out(absl::StrFormat("[%12.6fs]   event %-20s node=%u a=%u b=%u", absl::ToDoubleSeconds(now),
                          tag.kind, tag.node, tag.a, tag.b));
    });
  }
  world->loop().set_recording(options.record_trace);

  workload->Setup(*world, params);
  Nemesis nemesis(*world, params);
  nemesis.Start();
  world->loop().RunUntil(params.fault_phase, world->stop_flag());
  if (!world->failed()) {
    nemesis.Heal();
    workload->OnHeal(*world);
    world->loop().RunUntil(params.fault_phase + params.heal_phase, world->stop_flag());
  }
  absl::Status verdict = world->failed() ? absl::InternalError(world->failure()) : workload->Check(*world);
  result.ok = verdict.ok();
  result.failure = verdict.ok() ? "" : std::string(verdict.message());
  result.trace_hash = world->loop().trace_hash();
  result.events = world->loop().events_run();
  result.simulated = world->Now();
  result.failover_seconds = workload->FailoverSeconds();
  if (options.record_trace) result.trace = world->loop().records();
  if (options.verbose) {
    out(absl::StrFormat("%s seed=%d events=%d simulated=%s trace_hash=%016x faults_injected=%d",
                        result.ok ? "PASS" : "FAIL", options.seed, result.events,
                        absl::FormatDuration(result.simulated), result.trace_hash,
                        nemesis.faults_injected()));
    if (!result.ok) out(absl::StrCat("failure: ", result.failure));
  }
  world.reset();  // before the workload: processes may point into it
  internal::SetAssertContext(nullptr);
  return result;
}

absl::StatusOr<std::string> CheckDeterminism(const RunOptions& options) {
  RunOptions o = options;
  o.verbose = false;
  o.record_trace = true;
  auto first = RunSimulation(o);
  if (!first.ok()) return first.status();
  auto second = RunSimulation(o);
  if (!second.ok()) return second.status();
  if (first->trace_hash == second->trace_hash && first->ok == second->ok) return std::string();
  const auto& a = first->trace;
  const auto& b = second->trace;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i].hash_after != b[i].hash_after) {
      return absl::StrFormat(
          "seed %d is not deterministic: event #%d differs: first run %s node=%u a=%u b=%u at %dns, "
          "second run %s node=%u a=%u b=%u at %dns",
          o.seed, i, a[i].tag.kind, a[i].tag.node, a[i].tag.a, a[i].tag.b, a[i].time_ns,
          b[i].tag.kind, b[i].tag.node, b[i].tag.a, b[i].tag.b, b[i].time_ns);
    }
  }
  return absl::StrFormat("seed %d is not deterministic: runs have %d and %d events (hashes %016x, %016x)",
                         o.seed, a.size(), b.size(), first->trace_hash, second->trace_hash);
}

}  // namespace quanta::sim
