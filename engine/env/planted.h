// Planted bugs: deliberate, compiled-in mutations that are off unless a simulation
// run turns one on (`quanta-sim --planted NAME`).
//
// They measure the simulator: each names the workload that must catch it, and tests
// assert that a sweep does within a bounded number of seeds. Code under test asks
// `PlantedActive(PlantedBug::kX)` at the one place the mutation lives. The active bug
// is per thread (a simulated run lives on one thread) and is set only by the
// simulation runner; production never sets it.
#pragma once

#include <string_view>
#include <vector>

namespace quanta {

enum class PlantedBug {
  kNone = 0,
  kEnvAckBeforeSync,    // env workload reports records durable before Sync
  kEnvRetryFailedSync,  // env workload retries a failed Sync and trusts the retry
  kEnvAcceptForeign,    // env workload recovery skips the record checksum
  kWalAckBeforeSync,    // WalWriter completes waiters before the flush's sync
  kWalAcceptTornTail,   // ReplayWal skips checksums in the last segment
  kStorageSkipMetaChecksum,   // Store::Open trusts meta pages without their checksum
  kStorageMetaBeforeSync,     // a checkpoint writes its meta before syncing its pages
  kStorageSkipPageReference,  // a page read is not checked against the version its reference names
  kRaftVoteNotPersisted,      // a granted vote is not made durable
  kRaftFigure8Commit,         // a leader commits an earlier term's entry by counting replicas
  kRaftCommitWithoutQuorum,   // a leader advances its commit index on one follower's ack
  kRaftAckBeforeSync,         // a follower acknowledges entries before they are durable
  kRaftLeaseReadUnchecked,    // a leader serves local reads without holding the lease
  kRaftLearnerVoteCounted,    // a learner's vote counts towards an election
  kRaftNoSuffixTruncation,    // a follower keeps its conflicting suffix and appends past it
  kReplSyncAckOnLocalFsync,   // sync mode acknowledges a commit after the primary's fsync only
  kReplStalePrimaryWrites,    // an isolated primary keeps accepting writes without its lease
  kReplSnapshotSkipChecksum,  // a replica installs a streamed snapshot without checking its trailer
  kSqlSplitWriteSet,          // a DML statement commits each row's write as its own write set
  kSqlUnserializedWriters,    // writing statements do not take the engine's writer mutex
  kSqlStaleCatalog,           // the engine keeps its first catalog snapshot, never revalidating
  kSqlIndexNotMaintainedOnUpdate,  // an UPDATE leaves secondary index entries as they were
  kSqlForeignKeyCascadeSkipped,    // ON DELETE CASCADE leaves the referencing rows behind
  kSqlWriterReadsAroundPending,    // a writing statement reads without waiting for earlier pending writes
};

struct PlantedBugInfo {
  PlantedBug bug;
  std::string_view name;
  std::string_view workload;     // the workload expected to find it
  std::string_view faults;       // the fault families it needs ("all" if any mix)
  std::string_view description;
};

// The whole catalogue, in declaration order.
const std::vector<PlantedBugInfo>& PlantedCatalogue();
// Returns the entry named `name`, or null.
const PlantedBugInfo* FindPlanted(std::string_view name);

// True if `bug` is the bug planted for the current thread's run.
bool PlantedActive(PlantedBug bug);

// Plants `bug` for the current thread until destroyed.
class ScopedPlantedBug {
 public:
  explicit ScopedPlantedBug(PlantedBug bug);
  ~ScopedPlantedBug();
  ScopedPlantedBug(const ScopedPlantedBug&) = delete;
  ScopedPlantedBug& operator=(const ScopedPlantedBug&) = delete;

 private:
  PlantedBug previous_;
};

}  // namespace quanta
