#pragma once
#include <memory>

#include "sim/workload.h"

namespace quanta::sim {
// The storage workload: one node commits random write sets through engine/storage
// (WAL + B+trees + checkpoints), reads and scans concurrently, crashes and suffers disk
// faults; every read and every recovery is checked against a model.
std::unique_ptr<Workload> MakeStorageWorkload();
}  // namespace quanta::sim
