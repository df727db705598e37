#pragma once
#include <memory>

#include "sim/workload.h"

namespace quanta::sim {
// The replicated-cluster workloads (cluster_workload.cc): 3 voters and 0-2 learners
// running engine/replication, clients over the internal client protocol, every fault
// except the corrupting disk ones, then a heal phase with convergence checks.
//   register: single-key reads and writes through the primary; linearizability.
//   append:   unique keys written in sync mode; every acknowledged one survives.
std::unique_ptr<Workload> MakeRegisterWorkload();
std::unique_ptr<Workload> MakeAppendWorkload();
//   failover: append with no random faults and the default timing; the primary is
//             crashed or isolated every ~4 s; the sweep reports failover p50/p99.
std::unique_ptr<Workload> MakeFailoverWorkload();
//   transfer: write sets of 2-5 ledger rows that sum to zero, and scans from the
//             primary and replicas; no scan ever sees part of a write set.
std::unique_ptr<Workload> MakeTransferWorkload();
//   sql:      the SQL engine on every node behind the client protocol: inserts,
//             deletes, one-statement transfers, DDL; reads on every node always see
//             whole statements; after heal all nodes answer alike (sim/workloads/sql_ops.h).
std::unique_ptr<Workload> MakeSqlWorkload();
}  // namespace quanta::sim
