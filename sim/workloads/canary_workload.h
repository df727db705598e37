#pragma once
#include <memory>

#include "sim/workload.h"

namespace quanta::sim {
std::unique_ptr<Workload> MakeCanaryWorkload();
}  // namespace quanta::sim
