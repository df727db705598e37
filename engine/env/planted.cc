#include "engine/env/planted.h"

namespace quanta {
namespace {
thread_local PlantedBug active_bug = PlantedBug::kNone;
}  // namespace

const std::vector<PlantedBugInfo>& PlantedCatalogue() {
  static const std::vector<PlantedBugInfo> catalogue = {
      {PlantedBug::kEnvAckBeforeSync, "env-ack-before-sync", "env", "crash",
       "a node reports records durable before its Sync completes (found when a crash drops "
       "them)"},
      {PlantedBug::kEnvRetryFailedSync, "env-retry-failed-sync", "env", "crash,disk-eio",
       "a node retries a failed Sync and trusts the retry's success (Linux fsyncgate: the "
       "failed writes are gone)"},
      {PlantedBug::kEnvAcceptForeign, "env-accept-foreign", "env", "crash,disk-torn",
       "recovery accepts a record without checking its checksum (torn or foreign bytes "
       "served as data)"},
      {PlantedBug::kWalAckBeforeSync, "wal-ack-before-sync", "wal", "crash",
       "the WAL acknowledges a commit after writing its batch but before the fsync"},
      {PlantedBug::kWalAcceptTornTail, "wal-accept-torn-tail", "wal", "crash,disk-torn",
       "WAL replay accepts records of the last segment without checking their CRC"},
      {PlantedBug::kStorageSkipMetaChecksum, "storage-skip-meta-checksum", "storage", "crash,disk-torn",
       "opening the store trusts a meta page without verifying its checksum (a torn meta "
       "write is taken for a checkpoint)"},
      {PlantedBug::kStorageMetaBeforeSync, "storage-meta-before-sync", "storage", "crash",
       "a checkpoint writes its meta page before its data pages are synced (one sync "
       "for both: a crash can keep the meta and lose pages it points to)"},
      {PlantedBug::kStorageSkipPageReference, "storage-skip-page-reference", "storage", "disk-lost-write",
       "a page read is checked against its own checksum and id but not against the version its "
       "parent's reference names (a lost or misdirected write serves the older page)"},
      {PlantedBug::kRaftVoteNotPersisted, "raft-vote-not-persisted", "register", "crash",
       "a node grants a vote without persisting it, so after a restart it can vote again in "
       "the same term (two leaders of one term)"},
      {PlantedBug::kRaftFigure8Commit, "raft-figure8-commit", "append", "all",
       "a new leader commits an entry of an earlier term once a majority holds it (Raft "
       "figure 8: a later leader can still overwrite it)"},
      {PlantedBug::kRaftCommitWithoutQuorum, "raft-commit-without-quorum", "append", "all",
       "a leader advances its commit index as soon as any one follower has an entry"},
      {PlantedBug::kRaftAckBeforeSync, "raft-ack-before-sync", "append", "crash",
       "a follower acknowledges appended entries before they are durable"},
      {PlantedBug::kRaftLeaseReadUnchecked, "raft-lease-read-unchecked", "register", "partition",
       "a leader serves reads from its own state without checking it still holds the lease"},
      {PlantedBug::kRaftLearnerVoteCounted, "raft-learner-vote-counted", "append", "all",
       "a learner votes and its vote is counted (the quorum is no longer a voter majority)"},
      {PlantedBug::kRaftNoSuffixTruncation, "raft-no-suffix-truncation", "append", "all",
       "a follower whose log conflicts with the leader's keeps its divergent entries"},
      {PlantedBug::kReplSyncAckOnLocalFsync, "repl-sync-ack-on-local-fsync", "append", "all",
       "sync mode acknowledges a commit once the primary alone has it durable"},
      {PlantedBug::kReplStalePrimaryWrites, "repl-stale-primary-writes", "register", "partition",
       "an isolated primary keeps accepting writes after its lease ran out"},
      {PlantedBug::kReplSnapshotSkipChecksum, "repl-snapshot-skip-checksum", "append", "all",
       "a replica installs a streamed snapshot without checking the trailer's counts and "
       "checksum, so a stream cut short installs a store missing pages"},
      {PlantedBug::kSqlSplitWriteSet, "sql-split-write-set", "sql", "all",
       "a DML statement commits each row it writes as a separate write set (a reader or a "
       "crash between them sees half a statement)"},
      {PlantedBug::kSqlUnserializedWriters, "sql-unserialized-writers", "sql", "all",
       "writing statements run without the engine's writer mutex (two UPDATEs read the same "
       "balance and one increment is lost)"},
      {PlantedBug::kSqlStaleCatalog, "sql-stale-catalog", "sql", "all",
       "the SQL engine keeps the first catalog it loaded and never checks the catalog version "
       "(a replica misses new tables; a primary re-creates one it does not see)"},
      {PlantedBug::kSqlIndexNotMaintainedOnUpdate, "sql-index-not-maintained-on-update", "sql", "all",
       "an UPDATE writes the new row but leaves its secondary index entries as they were (a "
       "lookup by the new value misses the row)"},
      {PlantedBug::kSqlForeignKeyCascadeSkipped, "sql-fk-cascade-skipped", "sql", "all",
       "a delete whose foreign key says ON DELETE CASCADE removes the referenced row but leaves "
       "the rows referencing it (orphans the key forbids)"},
      {PlantedBug::kSqlWriterReadsAroundPending, "sql-writer-reads-around-pending", "sql", "all",
       "a writing statement reads the primary's applied state without waiting for an earlier "
       "write whose commit outcome was unknown (08007); when that write commits after all, the "
       "later statement's write set, computed without it, overwrites it (a lost update)"},
  };
  return catalogue;
}

const PlantedBugInfo* FindPlanted(std::string_view name) {
  for (const PlantedBugInfo& info : PlantedCatalogue()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

bool PlantedActive(PlantedBug bug) { return bug != PlantedBug::kNone && active_bug == bug; }

ScopedPlantedBug::ScopedPlantedBug(PlantedBug bug) : previous_(active_bug) { active_bug = bug; }
ScopedPlantedBug::~ScopedPlantedBug() { active_bug = previous_; }

}  // namespace quanta
