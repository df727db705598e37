#include "sim/workload.h"

#include "absl/strings/str_cat.h"
#include "sim/sim_world.h"

#include "sim/workloads/canary_workload.h"
#include "sim/workloads/cluster_workload.h"
#include "sim/workloads/env_workload.h"
#include "sim/workloads/storage_workload.h"
#include "sim/workloads/wal_workload.h"

namespace quanta::sim {

void FinalRestart::Schedule(SimWorld& world) {
  restart_time_ = world.Now() + after_;
  world.loop().Schedule(after_, nullptr, {"workload.final-restart", 0, 0, 0}, [&world, name = process_] {
    SimProcess* process = world.Find(name);
    if (process->up()) world.Crash(*process);
    world.Restart(*process);
  });
}

absl::Status FinalRestart::Check(SimWorld& world, absl::Duration last_ack) const {
  if (!world.Find(process_)->up()) return absl::InternalError(absl::StrCat(process_, " is down after heal"));
  if (last_ack < restart_time_) {
    return absl::InternalError(absl::StrCat("no commit acknowledged after the final restart of ", process_,
                                            " (liveness)"));
  }
  return absl::OkStatus();
}

const std::vector<WorkloadInfo>& Workloads() {
  static const std::vector<WorkloadInfo> all = {
      {"env", "processes append synced records and exchange messages under every fault",
       &MakeEnvWorkload},
      {"wal", "one node commits through the WAL (group commit) under crashes and disk faults",
       &MakeWalWorkload},
      {"storage", "one node commits, reads and checkpoints through engine/storage under every fault",
       &MakeStorageWorkload},
      {"canary", "fails on purpose on every seed divisible by 100", &MakeCanaryWorkload},
      {"register", "3 voters + 0-2 learners replicate through Raft; clients read and write single keys (linearizability)",
       &MakeRegisterWorkload, "", absl::Seconds(25)},
      {"append", "3 voters + 0-2 learners replicate through Raft; every acknowledged sync commit survives",
       &MakeAppendWorkload, "", absl::Seconds(25)},
      {"transfer", "3 voters + 0-2 learners; multi-key write sets move amounts while scans check no partial write set is seen",
       &MakeTransferWorkload, "", absl::Seconds(25)},
      {"sql", "3 voters + 0-2 learners run the SQL engine; DML, DDL and checked reads on every node; replicas agree after heal",
       &MakeSqlWorkload, "", absl::Seconds(25)},
      {"failover", "append with default timing and no random faults; the primary is crashed or isolated every ~4 s",
       &MakeFailoverWorkload, "all", absl::Seconds(25)},
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
