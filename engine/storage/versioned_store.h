// VersionedStore: reads of a Store at a snapshot while commits go on — MVCC by a
// version overlay (undo records), as DuckDB keeps old versions beside its tables.
//
// Every commit has a version (on a replicated node: the Raft index that applied it),
// strictly increasing. A ReadView pins the version current when it was taken; reads
// through it see exactly the commits up to it. The store itself always holds the
// newest state; a commit made while views older than it live first records, for each
// key it writes, the key's value before it (its undo: a before-image, or "absent").
// A read at version S of key k takes the store's value, unless a commit after S wrote
// k: then the oldest such commit's before-image is k's value at S. Scans merge the
// store's rows with the keys such undos name.
//
// Why an overlay and not copy-on-write roots per commit (LMDB): the store updates its
// pages in place between checkpoints (shadow paging only per checkpoint epoch), so
// roots per snapshot would put an epoch, and a copied root-to-leaf path, on every
// commit after each statement's snapshot, and tie the allocator's free-page
// accounting to every reader's lifetime. The overlay costs nothing while no view is
// older than the commit (no undo is recorded), a point read per written key while one
// is, and nothing on reads whose range no recent commit touched.
//
// Memory: undos are dropped as soon as no live view is older than their commit. They
// are bounded by `max_undo_bytes`: past it the oldest views are cut off — their reads
// fail with kFailedPrecondition "snapshot too old" (PostgreSQL's 72000) — and the
// undos only they needed are dropped. retained_bytes() reports the overlay's size.
//
// Ordering contract: a commit's undos are registered before the store applies it, and
// a read consults the overlay after the store answered, so a commit racing a read is
// either seen through its undo or not yet applied (its undo then equals the store's
// value). Commits are serialized (one at a time, in version order). A view taken while
// a commit that recorded no undos is in flight is a view of that commit: its reads wait
// until it is applied.
//
// Threading: the store's loop. Lifetime: views are destroyed before the VersionedStore,
// which is destroyed before its Store.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/statusor.h"
#include "engine/env/async_mutex.h"
#include "engine/env/task.h"
#include "engine/storage/store.h"

namespace quanta::storage {

using Version = uint64_t;

class VersionedStore;

// A snapshot: reads through it see the commits up to version(). Move-only; releases
// its version when destroyed.
class ReadView {
 public:
  ReadView(ReadView&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)), version_(other.version_) {}
  ReadView& operator=(ReadView&&) = delete;
  ReadView(const ReadView&) = delete;
  ~ReadView();
  Version version() const { return version_; }

 private:
  friend class VersionedStore;
  ReadView(VersionedStore* owner, Version version) : owner_(owner), version_(version) {}
  VersionedStore* owner_;
  Version version_;
};

struct VersionedStoreOptions {
  uint64_t max_undo_bytes = 256u << 20;  // past this the oldest views are cut off
};

class VersionedStore {
 public:
  // `current`: the version of the store's present state (its last commit's).
  VersionedStore(Env& env, Store& store, Version current, VersionedStoreOptions options = VersionedStoreOptions());
  VersionedStore(const VersionedStore&) = delete;
  VersionedStore& operator=(const VersionedStore&) = delete;
  ~VersionedStore();

  // Commits `ws` to the store as version `version`. REQUIRES: version > current().
  // Errors: the store's (a failed commit poisons the store: nothing is readable after).
  Task<absl::StatusOr<Lsn>> Commit(WriteSet ws, Version version);

  // A view of the present state (the last commit's version, or one in flight).
  ReadView View();

  Task<absl::StatusOr<std::optional<std::string>>> Get(const ReadView& view, TreeId tree, std::string key);
  // The entries of `range` as of the view, in range order, at most range.limit.
  Task<absl::Status> ScanInto(const ReadView& view, TreeId tree, ScanRange range, ScanBatch* out);

  Version current() const { return current_; }
  size_t live_views() const { return live_.size(); }
  uint64_t retained_bytes() const { return retained_bytes_; }
  uint64_t views_cut_off() const { return views_cut_off_; }

 private:
  friend class ReadView;
  struct Undo {
    Version version;                    // the commit that overwrote the value
    std::optional<std::string> before;  // the value before it (nullopt: absent)
  };
  using Undos = std::deque<Undo>;  // ascending versions

  void Release(Version version);
  // Drops the undos no live view needs; then, while over the byte bound, cuts off the
  // oldest views.
  void Collect();
  void DropUndosUpTo(Version version);
  // Records the before-images of `ws`'s keys as commit `version`'s undos.
  Task<absl::Status> RecordUndos(const WriteSet& ws, Version version);
  // OK once `view` may be read: its version applied (waiting for a commit in flight)
  // and not cut off.
  Task<absl::Status> Readable(const ReadView& view);
  // The undo that gives the value at `version` of (tree, key) if a later commit wrote
  // it, else null.
  const Undo* UndoAt(TreeId tree, const std::string& key, Version version) const;
  // Whether any undo names a key of `range` in `tree`.
  bool UndosIn(TreeId tree, const ScanRange& range) const;
  // A scan that merges the store's rows with the keys undos name, a chunk at a time.
  Task<absl::Status> MergedScan(const ReadView& view, TreeId tree, ScanRange range, ScanBatch* out);
  // Appends to *out (up to `limit` entries) the view's entries of keys in [lo, hi):
  // the store's `rows` of it (in scan order), with the keys a later commit wrote
  // replaced by their value at the view (or dropped when absent there).
  void MergeStep(const ReadView& view, TreeId tree, const ScanBatch& rows, const std::string& lo,
                 const std::optional<std::string>& hi, bool reverse, size_t limit, ScanBatch* out) const;

  Store& store_;
  VersionedStoreOptions options_;
  Version current_;
  Version in_flight_ = 0;        // the commit being applied without undos (0: none)
  Version cut_off_below_ = 0;    // views older than this were cut off
  AsyncMutex commits_;           // one commit at a time
  absl::btree_multiset<Version> live_;
  absl::btree_map<TreeId, absl::btree_map<std::string, Undos>> undos_;
  // The keys each recorded commit wrote, oldest first (what collection walks).
  std::deque<std::pair<Version, std::vector<std::pair<TreeId, std::string>>>> commits_recorded_;
  uint64_t retained_bytes_ = 0;
  uint64_t views_cut_off_ = 0;
};

}  // namespace quanta::storage
