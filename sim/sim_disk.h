// SimDisk: one simulated process's disk, with the crash and fault model of the Env
// contract (engine/env/env.h).
//
// Every file (inode) has two layers: `current`, what reads see, and `durable`, what a
// crash keeps. Writes and truncations change `current` and mark 512-byte sectors
// dirty; Sync copies the dirty sectors (and the size) to `durable`. Namespace changes
// (create, rename, remove) go to a log of pending operations; SyncDir makes the log
// durable. On Crash():
//   - each file keeps its unsynced sectors or drops them; with torn writes on, each
//     dirty sector independently keeps the new bytes, keeps the old, or loses its new
//     bytes as zeros (bytes synced before and not rewritten since always survive);
//   - a random prefix of the pending namespace log survives (so a rename is atomic:
//     after a crash either the old or the new name exists).
// Injected faults (per-op probabilities set by the swarm, see FaultRates):
//   EIO on write (nothing written) and on sync (the dirty sectors are silently marked
//   clean without being persisted: Linux's fsyncgate), read-time bit flips (transient),
//   latent sector errors (reads fail with kDataLoss until the sector is rewritten),
//   misdirected writes (the bytes land some sectors away, or, half the time, whole on
//   another block of the write's own size: another page, another WAL block; never in
//   the Raft log, see kNoMisdirectDir), lost
//   writes (the write reports success and never reaches the medium, synced or not;
//   only on files named kLostWriteFile, the store's data file), and a full disk.
// Corrupting faults are logged per inode (FaultLog) so oracles can tell a detected
// corruption from a false alarm and a permitted loss from a durability bug.
//
// Directories are modelled as durable from creation (a simplification: engine code
// still calls SyncDir after creating entries in them).
//
// SimDisk performs no scheduling itself: SimProcessEnv calls it when an operation's
// completion event runs. Threading: single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/env/random.h"

namespace quanta::sim {

inline constexpr uint64_t kSectorBytes = 512;
// Lost writes hit only files of this name (or it + ".tmp"): the store's data file
// (engine/storage/store.h kPagesFile), whose pages are referenced by checksum. A lost
// write to a log needs protocol-aware recovery, which nothing claims yet.
inline constexpr char kLostWriteFile[] = "pages";
// Files under this directory (the Raft log) get no misdirected writes: a misdirected
// write of the log's last synced record, followed by a crash, leaves exactly what a
// torn tail leaves (transfer seed 863425686343 found it: a node forgot an entry it had
// acknowledged), and telling the two apart needs protocol-aware recovery (asking the
// peers), which the Raft log does not have yet — as for lost writes. Everywhere else
// (the store's pages and its own WAL, rebuilt from the Raft log when damaged)
// misdirected writes land a few sectors off or whole on another block.
inline constexpr char kNoMisdirectDir[] = "raft";

struct FaultRates {
  double write_eio = 0;       // per write
  double sync_eio = 0;        // per sync
  double read_bitflip = 0;    // per read
  double latent_sector = 0;   // per write: a random sector of the file goes bad
  double misdirect = 0;       // per write
  double lost_write = 0;      // per write to a kLostWriteFile
  bool torn_on_crash = false; // crash tears/zeros dirty sectors independently
  bool full = false;          // extending writes fail with kResourceExhausted
  double stall = 0;           // per op: the operation takes up to 500 ms
  double crash_in_sync = 0;   // per sync: the process crashes while the sync is in flight
};

// A corrupting fault injected into one inode's byte range.
struct FaultEvent {
  enum class Kind { kMisdirectedWrite, kLatentSector, kReadBitFlip, kSyncLostWrites, kLostWrite };
  Kind kind;
  uint64_t offset;
  uint64_t length;
};
const char* FaultKindName(FaultEvent::Kind kind);

struct Inode {
  uint64_t id = 0;
  std::string current;
  std::string durable;
  absl::btree_set<uint64_t> dirty_sectors;  // sector indexes that may differ
  bool size_dirty = false;
  absl::btree_set<uint64_t> latent_sectors;  // unreadable until rewritten
  std::vector<FaultEvent> faults;
  double crash_in_sync_scale = 1;  // per file: some files' syncs are far crashier
  bool may_lose_writes = false;    // named kLostWriteFile when created
  bool may_misdirect = true;       // false under kNoMisdirectDir
};

class SimDisk {
 public:
  explicit SimDisk(uint64_t seed);

  void set_rates(const FaultRates& rates) { rates_ = rates; }
  const FaultRates& rates() const { return rates_; }

  // Namespace. Paths are normalized ("a/b"); "" is the root.
  absl::StatusOr<std::shared_ptr<Inode>> Open(absl::string_view path, bool create,
                                              bool exclusive, bool truncate);
  absl::Status Rename(absl::string_view from, absl::string_view to);
  absl::Status Remove(absl::string_view path);
  absl::Status CreateDir(absl::string_view path);
  absl::StatusOr<std::vector<std::string>> List(absl::string_view dir) const;
  absl::Status SyncDir(absl::string_view dir);

  // Data. `Read` may flip a bit (logged); `Write` may fail, misdirect or be refused.
  absl::StatusOr<std::string> Read(Inode& inode, uint64_t offset, size_t length);
  absl::Status Write(Inode& inode, uint64_t offset, absl::string_view data);
  absl::Status Truncate(Inode& inode, uint64_t size);
  // Persists the dirty sectors captured by SnapshotDirty() at the sync's start.
  absl::Status Sync(Inode& inode, const absl::btree_set<uint64_t>& sectors);
  absl::btree_set<uint64_t> SnapshotDirty(const Inode& inode) const { return inode.dirty_sectors; }

  // Decides whether the process crashes during the sync of `inode` that is starting.
  // Each file scales the swarm's rate by its own factor (0.1x to 30x, drawn when it is
  // created), so a rarely synced file (a checkpoint's meta) still meets crashes in
  // some seeds instead of being drowned out by a busy log.
  bool ShouldCrashInSync(const Inode& inode) {
    return rng_.Bernoulli(std::min(0.5, rates_.crash_in_sync * inode.crash_in_sync_scale));
  }

  // Samples how long an operation takes (sync ops are slower).
  absl::Duration SampleLatency(bool is_sync);

  // Applies the crash model to every file and the namespace.
  void Crash();

  // For oracles: the inode currently named `path`, or null. Bypasses faults.
  std::shared_ptr<Inode> Lookup(absl::string_view path) const;

  static absl::StatusOr<std::string> Normalize(absl::string_view path);

 private:
  struct NamespaceOp {
    enum class Kind { kLink, kUnlink, kRename } kind;
    std::string path;
    std::string target;            // kRename only
    std::shared_ptr<Inode> inode;  // kLink only
  };
  bool DirExists(absl::string_view dir) const;
  void PersistSector(Inode& inode, uint64_t sector);
  void CrashFile(Inode& inode);
  void MarkDirty(Inode& inode, uint64_t offset, uint64_t length);
  void ApplyOp(absl::btree_map<std::string, std::shared_ptr<Inode>>& names,
               const NamespaceOp& op);

  Random rng_;
  FaultRates rates_;
  uint64_t next_inode_ = 1;
  absl::btree_set<std::string> dirs_;
  absl::btree_map<std::string, std::shared_ptr<Inode>> names_;          // current
  absl::btree_map<std::string, std::shared_ptr<Inode>> durable_names_;  // after a crash
  std::vector<NamespaceOp> pending_ops_;  // applied to names_, not yet durable
};

}  // namespace quanta::sim
