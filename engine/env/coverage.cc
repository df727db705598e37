#include "engine/env/coverage.h"

#include <array>

#include "engine/env/assert.h"

namespace quanta::coverage {
namespace {
constexpr size_t kMarks = static_cast<size_t>(Mark::kCount);
thread_local std::array<uint64_t, kMarks> hits{};
}  // namespace

const std::vector<MarkInfo>& Catalogue() {
  using K = MarkKind;
  static const std::vector<MarkInfo> catalogue = {
      {Mark::kStoragePageNeverWritten, "storage-page-never-written", K::kDefense,
       "a page read back is all zeros (a lost or torn write of a new page)"},
      {Mark::kStoragePageChecksum, "storage-page-checksum", K::kDefense,
       "a page fails its checksum twice (a torn write, a latent sector, a bit flip that stays)"},
      {Mark::kStorageTransientReadError, "storage-transient-read-error", K::kDefense,
       "a page failed its checksum once and read back intact: a transient flip is not corruption"},
      {Mark::kStoragePageMisdirected, "storage-page-misdirected", K::kDefense,
       "a page read from one location names another (a misdirected write landed here)"},
      {Mark::kStoragePageVersionMismatch, "storage-page-version-mismatch", K::kDefense,
       "a page is intact but not the version its reference names (a lost or misdirected write)"},
      {Mark::kStorageNodeMalformed, "storage-node-malformed", K::kRare,
       "a B+tree node with a valid checksum fails its structure check (a bug, or a crafted file)"},
      {Mark::kStorageOverflowVersionMismatch, "storage-overflow-version-mismatch", K::kRare,
       "an overflow value's pages are intact but the value is not the one referred to (runs are "
       "allocated past the end, so only a crash's reuse of that space leaves older valid pages there)"},
      {Mark::kStorageFreeListVersionMismatch, "storage-free-list-version-mismatch", K::kRare,
       "the free list's pages are intact but not the ones the checkpoint recorded"},
      {Mark::kStorageMetaSlotDamaged, "storage-meta-slot-damaged", K::kDefense,
       "one meta slot is unreadable at open; the other checkpoint is used"},
      {Mark::kStorageWalBehindCheckpoint, "storage-wal-behind-checkpoint", K::kRare,
       "the newest readable checkpoint is older than the trimmed WAL: the store refuses to open"},
      {Mark::kStorageWalDamageBeforeCheckpoint, "storage-wal-damage-before-checkpoint", K::kRare,
       "the store's WAL ends before its checkpoint; it opens and restarts the log after it"},
      {Mark::kWalTornTail, "wal-torn-tail", K::kDefense,
       "WAL replay ends at a torn or unwritten tail after the last synced record"},
      {Mark::kWalTransientReadError, "wal-transient-read-error", K::kDefense,
       "a WAL segment read back damaged once and intact the second time"},
      {Mark::kWalCorruptBeforeTail, "wal-corrupt-before-tail", K::kDefense,
       "a damaged WAL record is followed by records that say it was synced: corruption, refused"},
      {Mark::kReplSnapshotStreamRejected, "repl-snapshot-stream-rejected", K::kDefense,
       "a replica refuses a streamed snapshot (cut short, trailer mismatch, bad frame or sender)"},
      {Mark::kReplSnapshotSenderFoundDamage, "repl-snapshot-sender-found-damage", K::kDefense,
       "a node copying its store for a peer read damage off its own disk and marks its store damaged"},
      {Mark::kReplSnapshotInstalled, "repl-snapshot-installed", K::kDefense,
       "a replica behind the compacted log installs a snapshot of the primary's store"},
      {Mark::kReplSnapshotMarkerAdopted, "repl-snapshot-marker-adopted", K::kRare,
       "at open, the raft log records a snapshot whose store was switched to before a crash"},
      {Mark::kReplStoreMarkedDamaged, "repl-store-marked-damaged", K::kDefense,
       "a store whose checksums failed is marked damaged before the node stops"},
      {Mark::kReplStoreRebuiltFromPeer, "repl-store-rebuilt-from-peer", K::kDefense,
       "a damaged store is rebuilt from a snapshot pulled from a peer"},
      {Mark::kReplStoreRebuiltFromLog, "repl-store-rebuilt-from-log", K::kDefense,
       "a damaged store is rebuilt by re-applying an uncompacted raft log"},
      {Mark::kReplStoreBehindLog, "repl-store-behind-log", K::kRare,
       "a store opens behind the raft log's snapshot (it lost committed state): rebuilt"},
      {Mark::kReplRaftLogDamaged, "repl-raft-log-damaged", K::kDefense,
       "a node's raft log is damaged: it refuses to start rather than forget votes"},
      {Mark::kSqlSortSpilled, "sql-sort-spilled", K::kRare,
       "a sort passed work_mem and merged runs from temporary files"},
      {Mark::kSqlTempReadRetried, "sql-temp-read-retried", K::kRare,
       "a temporary file's block failed its checksum and was read again (sort_spill_test.cc reaches it every run)"},
      {Mark::kSqlTempCorruptRefused, "sql-temp-corrupt-refused", K::kRare,
       "a temporary file's block stayed corrupt: the statement failed (XX001) instead of answering"},
  };
  QUANTA_ASSERT(catalogue.size() == kMarks);
  for (size_t i = 0; i < kMarks; ++i) QUANTA_ASSERT(static_cast<size_t>(catalogue[i].mark) == i);
  return catalogue;
}

void Hit(Mark mark) {
  QUANTA_ASSERT(mark < Mark::kCount);
  ++hits[static_cast<size_t>(mark)];
}

uint64_t Hits(Mark mark) {
  QUANTA_ASSERT(mark < Mark::kCount);
  return hits[static_cast<size_t>(mark)];
}

void ResetHits() { hits.fill(0); }

}  // namespace quanta::coverage
