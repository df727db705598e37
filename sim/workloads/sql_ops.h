// The `sql` cluster workload's statements and oracles (used by cluster_workload.cc).
//
// Clients send SQL over the internal client protocol to the node they believe is the
// primary (reads also to replicas): events inserted under unique ids, deleted now and
// then, moved (an UPDATE of the indexed column `client`); transfers between eight
// accounts as one UPDATE each (a statement is one write set, so the balances always
// total 800); scratch tables created and dropped (DDL through Raft). Oracles: every
// read of the accounts, on any node at any time, sees 0 or 8 rows totalling 800; after
// the heal, every node answers the final queries exactly as the primary does, every
// acknowledged event is present unless its delete was acknowledged (then it is
// absent), every acknowledged table exists unless dropped, and the primary counts the
// moved events alike through the index and by a full scan. Tickets are numbered by a
// bigserial: no insert ever meets a duplicate id (a sequence state lost in a failover
// would hand one out again), and every acknowledged ticket is present. Notes (jsonb and
// text[] columns) reference events by a foreign key with ON DELETE CASCADE: after the
// heal no note's event is missing. A sort of 6000 rows with work_mem at
// 64kB spills to temporary files under the disk faults: it answers in exactly the
// known order or fails, never otherwise.
#pragma once

#include <string>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/time/time.h"
#include "engine/env/task.h"
#include "net/kv/kv_client.h"
#include "sim/sim_world.h"
#include "sim/workloads/cluster_oracle.h"

namespace quanta::sim {

inline constexpr int kSqlAccounts = 8;
inline constexpr int64_t kSqlAccountBalance = 100;

// What clients know was acknowledged (outside the processes: crashes lose nothing here).
struct SqlLedger {
  absl::btree_set<std::string> events;   // acknowledged inserts, not deleted
  absl::btree_set<std::string> deleted;  // acknowledged deletes
  absl::btree_set<std::string> tables;   // acknowledged creates, not dropped (or maybe dropped)
  absl::btree_set<int64_t> tickets;      // ids acknowledged for tickets (a bigserial)
  absl::btree_map<std::string, std::string> notes;  // acknowledged notes → the event they reference
  bool seeded = false;                     // the accounts were seeded (acknowledged)
  uint64_t statements = 0, succeeded = 0;  // for the run's log
};

// One client step: runs a random statement through `client` (or a read on `reader`
// when given). Returns the primary's address if the node named one.
Task<std::string> SqlClientStep(SimProcessEnv& env, net::KvClient& client, int index, uint64_t seq, bool* seeded,
                                SqlLedger& ledger, absl::Duration timeout);
// A read of the accounts through `reader` (any node), checked: 0 or 8 rows, total 800.
Task<void> SqlCheckedRead(SimProcessEnv& env, net::KvClient& reader, const std::string& node, absl::Duration timeout);
// The final oracles, once every node has converged: `nodes` node indexes (1-based)
// skipping lost ones; failures go to oracle.OnMissing.
Task<void> SqlFinalCheck(SimProcessEnv& env, int nodes, const SqlLedger& ledger, ClusterOracle& oracle,
                         absl::Duration timeout);

}  // namespace quanta::sim
