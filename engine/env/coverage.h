// Coverage markers: a defense or a rare path records that it ran (FoundationDB's
// CODE_PROBE, TigerBeetle's coverage marks).
//
// A simulation sweep sums the marks of all its runs and reports those that never
// fired (`quanta-sim --coverage`). A marker of kind kDefense stands on a check that
// stops damage from being served or replayed (a checksum, a page id, a reference's
// version, a structure, an LSN sequence, a torn tail, a snapshot's trailer) or on a
// repair (a rebuild, a snapshot install): the default test run fails if one of those
// was not reached in its sweeps, so a defense that the fault model stops reaching
// cannot rot unnoticed. kRare markers are reported, not required.
//
// Every marker is declared once in the Mark enum and the catalogue (coverage.cc);
// code marks with COVERAGE_MARK(kName). Counts are per thread (a simulated run lives
// on one thread); production marks too, at the cost of one increment.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace quanta::coverage {

enum class Mark : uint16_t {
  // storage
  kStoragePageNeverWritten,
  kStoragePageChecksum,
  kStorageTransientReadError,
  kStoragePageMisdirected,
  kStoragePageVersionMismatch,
  kStorageNodeMalformed,
  kStorageOverflowVersionMismatch,
  kStorageFreeListVersionMismatch,
  kStorageMetaSlotDamaged,
  kStorageWalBehindCheckpoint,
  kStorageWalDamageBeforeCheckpoint,
  // wal
  kWalTornTail,
  kWalTransientReadError,
  kWalCorruptBeforeTail,
  // replication
  kReplSnapshotStreamRejected,
  kReplSnapshotSenderFoundDamage,
  kReplSnapshotInstalled,
  kReplSnapshotMarkerAdopted,
  kReplStoreMarkedDamaged,
  kReplStoreRebuiltFromPeer,
  kReplStoreRebuiltFromLog,
  kReplStoreBehindLog,
  kReplRaftLogDamaged,
  // sql
  kSqlSortSpilled,
  kSqlTempReadRetried,
  kSqlTempCorruptRefused,
  kCount,  // not a marker
};

enum class MarkKind { kDefense, kRare };

struct MarkInfo {
  Mark mark;
  std::string_view name;
  MarkKind kind;
  std::string_view description;
};

// Every marker, in declaration order.
const std::vector<MarkInfo>& Catalogue();
// Records one hit of `mark` on this thread.
void Hit(Mark mark);
// Hits of `mark` on this thread since it started (or since ResetHits()).
uint64_t Hits(Mark mark);
void ResetHits();

}  // namespace quanta::coverage

#define COVERAGE_MARK(name) ::quanta::coverage::Hit(::quanta::coverage::Mark::name)
