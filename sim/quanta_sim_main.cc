// quanta-sim: runs seeded simulations of QuantaDB.
//
//   quanta-sim --seed S [-v]                one run; -v prints parameters and every event
//   quanta-sim --seeds N [--from S]         a sweep of N seeds; summary at the end
//   quanta-sim --seeds N --fresh            a sweep of N seeds no earlier run used
//   --workload NAME   --faults LIST   --planted BUG   --list-planted   --check-determinism
//
// Every failure prints the one command that reproduces it; a sweep with failures
// exits with status 1. A sweep with a planted bug counts a seed as a detection only
// if the same seed passes with the bug off (a seed that fails either way proves
// nothing about the bug: it is reported as BASELINE-FAIL and the sweep goes on).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/env/coverage.h"
#include "engine/env/planted.h"
#include "sim/runner.h"
#include "sim/workload.h"

ABSL_FLAG(std::optional<uint64_t>, seed, std::nullopt, "run exactly this seed");
ABSL_FLAG(uint64_t, seeds, 0, "sweep this many seeds");
ABSL_FLAG(uint64_t, from, 0, "first seed of a sweep");
ABSL_FLAG(std::string, workload, "env", "workload to run (env, canary)");
ABSL_FLAG(std::string, faults, "all", "fault families allowed: all, none, or a comma list");
ABSL_FLAG(std::string, planted, "", "turn on one planted bug (see --list-planted)");
ABSL_FLAG(bool, list_planted, false, "list the planted-bug catalogue and exit");
ABSL_FLAG(bool, check_determinism, false, "run every seed twice and compare trace hashes");
ABSL_FLAG(bool, v, false, "verbose: print parameters, the world log and every event");
ABSL_FLAG(double, fault_seconds, 0, "override the fault phase length (simulated seconds)");
ABSL_FLAG(double, heal_seconds, 0, "override the heal phase length (simulated seconds)");
ABSL_FLAG(bool, stop_on_failure, false, "stop a sweep at its first failure");
ABSL_FLAG(bool, coverage, false, "after a sweep, list the coverage markers (engine/env/coverage.h) it never reached");
ABSL_FLAG(std::string, coverage_out, "", "after a sweep, write each coverage marker's hits to this file ('name kind hits')");
ABSL_FLAG(bool, fresh, false,
          "sweep seeds no earlier run used: --from is drawn from the wall clock, the process id and the commit");

#ifndef QUANTA_GIT_COMMIT
#define QUANTA_GIT_COMMIT "unknown"
#endif

namespace quanta::sim {
namespace {

int ListPlanted() {
  for (const PlantedBugInfo& bug : PlantedCatalogue()) {
    std::printf("%-26s workload=%-8s faults=%-18s %s\n", std::string(bug.name).c_str(),
                std::string(bug.workload).c_str(), std::string(bug.faults).c_str(),
                std::string(bug.description).c_str());
  }
  return 0;
}

RunOptions BaseOptions() {
  RunOptions o;
  o.workload = absl::GetFlag(FLAGS_workload);
  o.faults = absl::GetFlag(FLAGS_faults);
  o.planted = absl::GetFlag(FLAGS_planted);
  o.fault_phase = absl::Seconds(absl::GetFlag(FLAGS_fault_seconds));
  o.heal_phase = absl::Seconds(absl::GetFlag(FLAGS_heal_seconds));
  return o;
}

// The first seed of a fresh sweep: the clock (ns), the process id and the commit,
// mixed, above every fixed range the test suite and the notes use (< 10^6). Seeds
// are 64-bit, so two runs practically never meet, and a failure's repro line names
// its seed, so a fresh range replays as any other.
uint64_t FreshFrom() {
  const uint64_t now_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  uint64_t h = now_ns ^ (static_cast<uint64_t>(getpid()) << 40);
  for (const char* c = QUANTA_GIT_COMMIT; *c != '\0'; ++c) h = (h ^ static_cast<uint8_t>(*c)) * 0x100000001b3ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return 1'000'000 + h % 1'000'000'000'000ull;  // below 10^12 + 10^6: short to type
}

// What the sweep's runs reached of the coverage catalogue: a report on stdout
// (--coverage) and/or a file of counts (--coverage_out) that tests/sim/coverage_test.sh
// sums over the default run's sweeps.
void ReportCoverage() {
  const std::string path = absl::GetFlag(FLAGS_coverage_out);
  if (!path.empty()) {
    FILE* out = std::fopen(path.c_str(), "w");
    if (out == nullptr) {
      std::fprintf(stderr, "quanta-sim: cannot write %s\n", path.c_str());
    } else {
      for (const coverage::MarkInfo& m : coverage::Catalogue()) {
        std::fprintf(out, "%s %s %llu\n", std::string(m.name).c_str(),
                     m.kind == coverage::MarkKind::kDefense ? "defense" : "rare",
                     static_cast<unsigned long long>(coverage::Hits(m.mark)));
      }
      std::fclose(out);
    }
  }
  if (!absl::GetFlag(FLAGS_coverage)) return;
  size_t reached = 0;
  std::string never;
  for (const coverage::MarkInfo& m : coverage::Catalogue()) {
    const uint64_t hits = coverage::Hits(m.mark);
    if (hits > 0) {
      ++reached;
      std::printf("coverage: %-40s %-8s %llu\n", std::string(m.name).c_str(),
                  m.kind == coverage::MarkKind::kDefense ? "defense" : "rare", static_cast<unsigned long long>(hits));
    } else {
      absl::StrAppend(&never, "\n  never: ", std::string(m.name),
                      m.kind == coverage::MarkKind::kDefense ? " (defense)" : " (rare)", " — ", std::string(m.description));
    }
  }
  std::printf("coverage: %zu of %zu markers reached%s\n", reached, coverage::Catalogue().size(), never.c_str());
}

int RunOne(uint64_t seed) {
  RunOptions o = BaseOptions();
  o.seed = seed;
  o.verbose = absl::GetFlag(FLAGS_v);
  if (absl::GetFlag(FLAGS_check_determinism)) {
    auto diff = CheckDeterminism(o);
    if (!diff.ok()) {
      std::fprintf(stderr, "quanta-sim: %s\n", diff.status().ToString().c_str());
      return 2;
    }
    if (!diff->empty()) {
      std::printf("NONDETERMINISTIC %s\n  repro: %s --check-determinism\n", diff->c_str(),
                  ReproCommand(o).c_str());
      return 1;
    }
  }
  auto result = RunSimulation(o);
  if (!result.ok()) {
    std::fprintf(stderr, "quanta-sim: %s\n", result.status().ToString().c_str());
    return 2;
  }
  if (!o.verbose) {
    std::printf("seed=%llu workload=%s\n%s\n", static_cast<unsigned long long>(seed), o.workload.c_str(),
                result->parameters.c_str());
    std::printf("%s seed=%llu events=%llu simulated=%s trace_hash=%016llx\n", result->ok ? "PASS" : "FAIL",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(result->events),
                absl::FormatDuration(result->simulated).c_str(),
                static_cast<unsigned long long>(result->trace_hash));
    if (!result->ok) std::printf("failure: %s\n", result->failure.c_str());
  }
  if (!result->ok) std::printf("repro: %s\n", ReproCommand(o).c_str());
  return result->ok ? 0 : 1;
}

int Sweep(uint64_t from, uint64_t count) {
  const bool determinism = absl::GetFlag(FLAGS_check_determinism);
  const auto wall_start = std::chrono::steady_clock::now();
  uint64_t failures = 0;
  uint64_t baseline_failures = 0;  // planted sweeps: seeds that fail without the bug too
  uint64_t runs = 0;
  uint64_t events = 0;
  double simulated_s = 0;
  absl::btree_map<std::string, std::vector<double>> failovers;  // by cause; "all" too
  for (uint64_t seed = from; seed < from + count; ++seed) {
    RunOptions o = BaseOptions();
    o.seed = seed;
    ++runs;
    if (determinism) {
      auto diff = CheckDeterminism(o);
      if (!diff.ok()) {
        std::fprintf(stderr, "quanta-sim: %s\n", diff.status().ToString().c_str());
        return 2;
      }
      if (!diff->empty()) {
        ++failures;
        std::printf("NONDETERMINISTIC %s\n  repro: %s --check-determinism\n", diff->c_str(),
                    ReproCommand(o).c_str());
        std::fflush(stdout);
        if (absl::GetFlag(FLAGS_stop_on_failure)) break;
        continue;
      }
    }
    auto result = RunSimulation(o);
    if (!result.ok()) {
      std::fprintf(stderr, "quanta-sim: %s\n", result.status().ToString().c_str());
      return 2;
    }
    events += result->events;
    for (const auto& [cause, seconds] : result->failover_seconds) {
      failovers[cause].insert(failovers[cause].end(), seconds.begin(), seconds.end());
      failovers["all"].insert(failovers["all"].end(), seconds.begin(), seconds.end());
    }
    simulated_s += absl::ToDoubleSeconds(result->simulated);
    if (!result->ok && !o.planted.empty()) {
      RunOptions baseline = o;
      baseline.planted.clear();
      auto without = RunSimulation(baseline);
      if (without.ok() && !without->ok) {
        ++baseline_failures;
        std::printf("BASELINE-FAIL seed=%llu: fails with the planted bug off too, so it detects nothing: %s\n"
                    "  repro: %s\n",
                    static_cast<unsigned long long>(seed), without->failure.c_str(), ReproCommand(baseline).c_str());
        std::fflush(stdout);
        continue;
      }
    }
    if (!result->ok) {
      ++failures;
      std::printf("FAIL seed=%llu: %s\n  repro: %s\n", static_cast<unsigned long long>(seed),
                  result->failure.c_str(), ReproCommand(o).c_str());
      std::fflush(stdout);
      if (absl::GetFlag(FLAGS_stop_on_failure)) break;
    }
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::printf(
      "sweep: workload=%s faults=%s%s seeds=[%llu,%llu) runs=%llu failures=%llu%s%s events=%llu simulated=%.1fs "
      "wall=%.1fs speed=%.1f simulated-s/wall-s\n",
      absl::GetFlag(FLAGS_workload).c_str(), absl::GetFlag(FLAGS_faults).c_str(),
      absl::GetFlag(FLAGS_planted).empty() ? "" : absl::StrCat(" planted=", absl::GetFlag(FLAGS_planted)).c_str(),
      static_cast<unsigned long long>(from), static_cast<unsigned long long>(from + count),
      static_cast<unsigned long long>(runs), static_cast<unsigned long long>(failures),
      baseline_failures == 0 ? "" : absl::StrCat(" baseline_failures=", baseline_failures).c_str(),
      determinism ? " (determinism checked)" : "", static_cast<unsigned long long>(events), simulated_s,
      wall_s, wall_s > 0 ? simulated_s / wall_s : 0.0);
  for (auto& [cause, seconds] : failovers) {
    std::sort(seconds.begin(), seconds.end());
    auto at = [&](double q) { return seconds[std::min(seconds.size() - 1, static_cast<size_t>(q * seconds.size()))]; };
    std::printf("failover (%s): count=%zu p50=%.3fs p99=%.3fs max=%.3fs (primary lost -> first acknowledged write "
                "on a new primary, virtual time)\n",
                cause.c_str(), seconds.size(), at(0.5), at(0.99), seconds.back());
  }
  ReportCoverage();
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace quanta::sim

namespace {

// Abseil spells flags with underscores; accept the documented hyphenated spellings
// (--check-determinism, --list-planted, ...) by rewriting the name part in place.
void AcceptHyphenatedFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (arg[0] != '-') continue;
    char* name = arg + (arg[1] == '-' ? 2 : 1);
    for (char* c = name; *c != '\0' && *c != '='; ++c) {
      if (*c == '-') *c = '_';
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  AcceptHyphenatedFlags(argc, argv);
  absl::SetProgramUsageMessage(
      "quanta-sim --seed S [-v] | --seeds N [--from S] [--workload W] [--faults LIST] "
      "[--planted BUG] [--check-determinism] | --list-planted");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_list_planted)) return quanta::sim::ListPlanted();
  if (auto seed = absl::GetFlag(FLAGS_seed); seed.has_value()) return quanta::sim::RunOne(*seed);
  const uint64_t seeds = absl::GetFlag(FLAGS_seeds) > 0 ? absl::GetFlag(FLAGS_seeds) : 100;
  uint64_t from = absl::GetFlag(FLAGS_from);
  if (absl::GetFlag(FLAGS_fresh)) {
    from = quanta::sim::FreshFrom();
    std::printf("fresh seeds: --from %llu --seeds %llu (drawn from the clock, the process id and the commit configured from, %s)\n",
                static_cast<unsigned long long>(from), static_cast<unsigned long long>(seeds), QUANTA_GIT_COMMIT);
    std::fflush(stdout);
  }
  return quanta::sim::Sweep(from, seeds);
}
