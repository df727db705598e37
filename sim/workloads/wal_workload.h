#pragma once
#include <memory>

#include "sim/workload.h"

namespace quanta::sim {
// The wal workload: one database node commits through WalWriter from many concurrent
// committers while crashing and suffering disk faults; every recovery is checked.
std::unique_ptr<Workload> MakeWalWorkload();
}  // namespace quanta::sim
