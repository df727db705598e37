// Benchmarks of the foundation: CRC32C (hardware vs table), the simulator's event
// loop, and whole env-workload runs (simulated seconds per wall second).
#include <string>

#include "benchmark/benchmark.h"
#include "engine/util/crc32c.h"
#include "sim/runner.h"
#include "sim/sim_loop.h"

namespace quanta {
namespace {

void BM_Crc32c(benchmark::State& state) {
  const std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(crc32c::Value(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(64)->Arg(4096)->Arg(1 << 20);

void BM_Crc32cPortable(benchmark::State& state) {
  const std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(crc32c::ExtendPortable(0, data.data(), data.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cPortable)->Arg(4096);

// Schedule-and-run cost of one event with a realistic queue depth.
void BM_SimLoopEvent(benchmark::State& state) {
  sim::SimLoop loop(1);
  uint64_t ran = 0;
  for (int i = 0; i < state.range(0); ++i) {
    loop.Schedule(absl::Microseconds(i), nullptr, {"bench", 0, 0, 0}, [&ran] { ++ran; });
  }
  for (auto _ : state) {
    loop.Schedule(absl::Microseconds(state.range(0)), nullptr, {"bench", 0, 0, 0}, [&ran] { ++ran; });
    loop.RunNext();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_SimLoopEvent)->Arg(100)->Arg(10000);

// One whole env-workload run per iteration (3–5 nodes, all fault families allowed).
void BM_EnvWorkloadRun(benchmark::State& state) {
  uint64_t seed = 0;
  double simulated_s = 0;
  uint64_t events = 0;
  for (auto _ : state) {
    sim::RunOptions o;
    o.seed = seed++;
    auto result = sim::RunSimulation(o);
    if (!result.ok() || !result->ok) state.SkipWithError("simulation failed");
    simulated_s += absl::ToDoubleSeconds(result->simulated);
    events += result->events;
  }
  state.counters["simulated_s_per_wall_s"] = benchmark::Counter(simulated_s, benchmark::Counter::kIsRate);
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EnvWorkloadRun)->Unit(benchmark::kMillisecond)->MinTime(5);

}  // namespace
}  // namespace quanta

BENCHMARK_MAIN();
