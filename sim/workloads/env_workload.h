#pragma once
#include <memory>

#include "sim/workload.h"

namespace quanta::sim {
// The env workload: 3–5 processes append checksummed records to a log with periodic
// syncs and exchange numbered messages over streams, under every fault. See
// env_workload.cc for the oracles.
std::unique_ptr<Workload> MakeEnvWorkload();
}  // namespace quanta::sim
