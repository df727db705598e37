#include "sim/workload.h"

#include "sim/workloads/canary_workload.h"
#include "sim/workloads/env_workload.h"
#include "sim/workloads/storage_workload.h"
#include "sim/workloads/wal_workload.h"

namespace quanta::sim {

const std::vector<WorkloadInfo>& Workloads() {
  static const std::vector<WorkloadInfo> all = {
      {"env", "processes append synced records and exchange messages under every fault",
       &MakeEnvWorkload},
      {"wal", "one node commits through the WAL (group commit) under crashes and disk faults",
       &MakeWalWorkload},
      {"storage", "one node commits, reads and checkpoints through engine/storage under every fault",
       &MakeStorageWorkload},
      {"canary", "fails on purpose on every seed divisible by 100", &MakeCanaryWorkload},
  };
  return all;
}

const WorkloadInfo* FindWorkload(absl::string_view name) {
  for (const WorkloadInfo& w : Workloads()) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

}  // namespace quanta::sim
