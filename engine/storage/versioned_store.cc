#include "engine/storage/versioned_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"

namespace quanta::storage {
namespace {

constexpr size_t kUndoOverheadBytes = 64;  // a map node and a deque slot, about
constexpr size_t kMergeChunk = 1024;       // store rows per step of a merged scan

uint64_t UndoBytes(const std::string& key, const std::optional<std::string>& before) {
  return key.size() + (before ? before->size() : 0) + kUndoOverheadBytes;
}

absl::Status TooOld(Version version, Version cut_off_below) {
  return absl::FailedPreconditionError(absl::StrCat("snapshot too old: the view of version ", version,
                                                    " was cut off (old versions past the undo bound; views before ",
                                                    cut_off_below, " are gone)"));
}

}  // namespace

ReadView::~ReadView() {
  if (owner_ != nullptr) owner_->Release(version_);
}

VersionedStore::VersionedStore(Env& env, Store& store, Version current, VersionedStoreOptions options)
    : store_(store), options_(options), current_(current), commits_(env) {}

VersionedStore::~VersionedStore() { QUANTA_ASSERT_MSG(live_.empty(), "read views must be destroyed before their store"); }

ReadView VersionedStore::View() {
  const Version version = in_flight_ != 0 ? in_flight_ : current_;
  QUANTA_ASSERT(version >= current_);
  live_.insert(version);
  return ReadView(this, version);
}

void VersionedStore::Release(Version version) {
  auto it = live_.find(version);
  QUANTA_ASSERT(it != live_.end());
  live_.erase(it);
  Collect();
}

void VersionedStore::Collect() {
  auto oldest_live = live_.lower_bound(cut_off_below_);
  auto needed = [&] { return oldest_live == live_.end() ? current_ : std::min(current_, *oldest_live); };
  DropUndosUpTo(needed());
  while (retained_bytes_ > options_.max_undo_bytes && oldest_live != live_.end()) {
    const Version victim = *oldest_live;
    views_cut_off_ += live_.count(victim);
    cut_off_below_ = victim + 1;
    oldest_live = live_.lower_bound(cut_off_below_);
    DropUndosUpTo(needed());
  }
  QUANTA_ASSERT(!live_.empty() || commits_recorded_.empty() || commits_recorded_.front().first > current_);
}

void VersionedStore::DropUndosUpTo(Version version) {
  while (!commits_recorded_.empty() && commits_recorded_.front().first <= version) {
    const Version dropped = commits_recorded_.front().first;
    for (const auto& [tree, key] : commits_recorded_.front().second) {
      auto in_tree = undos_.find(tree);
      QUANTA_ASSERT(in_tree != undos_.end());
      auto at_key = in_tree->second.find(key);
      QUANTA_ASSERT(at_key != in_tree->second.end() && !at_key->second.empty());
      const Undo& front = at_key->second.front();
      QUANTA_ASSERT(front.version == dropped);  // a key's undos go in commit order
      const uint64_t bytes = UndoBytes(key, front.before);
      QUANTA_ASSERT(retained_bytes_ >= bytes);
      retained_bytes_ -= bytes;
      at_key->second.pop_front();
      if (at_key->second.empty()) in_tree->second.erase(at_key);
      if (in_tree->second.empty()) undos_.erase(in_tree);
    }
    commits_recorded_.pop_front();
  }
}

Task<absl::StatusOr<Lsn>> VersionedStore::Commit(WriteSet ws, Version version) {
  QUANTA_ASSERT(version > current_);
  co_await commits_.Lock();
  AsyncMutex::Held held(commits_);
  QUANTA_ASSERT(version > current_ && in_flight_ == 0);
  // A view not cut off is older than this commit: it needs the commit's undos.
  const bool record = live_.lower_bound(cut_off_below_) != live_.end();
  if (record) {
    const absl::Status recorded = co_await RecordUndos(ws, version);
    if (!recorded.ok()) co_return recorded;
  } else {
    in_flight_ = version;  // views taken meanwhile are views of this commit
  }
  absl::StatusOr<Lsn> lsn = co_await store_.Commit(std::move(ws));
  in_flight_ = 0;
  if (!lsn.ok()) co_return lsn.status();  // the store is poisoned: nothing reads it again
  current_ = version;
  Collect();
  co_return lsn;
}

Task<absl::Status> VersionedStore::RecordUndos(const WriteSet& ws, Version version) {
  QUANTA_ASSERT(commits_recorded_.empty() || commits_recorded_.back().first < version);
  const std::vector<TreeId> trees = store_.trees();
  absl::btree_set<std::pair<TreeId, std::string>> seen;  // a key's first write in ws: its value before ws
  std::vector<std::pair<TreeId, std::string>> keys;
  for (const WriteOp& op : ws.ops) {
    if (!seen.insert({op.tree, op.key}).second) continue;
    std::optional<std::string> before;
    if (std::find(trees.begin(), trees.end(), op.tree) != trees.end()) {
      absl::StatusOr<std::optional<std::string>> value = co_await store_.Get(op.tree, op.key);
      if (!value.ok()) co_return value.status();
      before = std::move(*value);
    }
    retained_bytes_ += UndoBytes(op.key, before);
    Undos& undos = undos_[op.tree][op.key];
    QUANTA_ASSERT(undos.empty() || undos.back().version < version);
    undos.push_back(Undo{version, std::move(before)});
    keys.emplace_back(op.tree, op.key);
  }
  commits_recorded_.emplace_back(version, std::move(keys));
  co_return absl::OkStatus();
}

Task<absl::Status> VersionedStore::Readable(const ReadView& view) {
  QUANTA_ASSERT(view.owner_ == this);
  if (view.version() > current_) {  // a view of the commit in flight: wait for it
    co_await commits_.Lock();
    AsyncMutex::Held held(commits_);
    if (view.version() > current_) co_return store_.status().ok() ? absl::InternalError("the commit did not apply") : store_.status();
  }
  if (view.version() < cut_off_below_) co_return TooOld(view.version(), cut_off_below_);
  co_return absl::OkStatus();
}

const VersionedStore::Undo* VersionedStore::UndoAt(TreeId tree, const std::string& key, Version version) const {
  auto in_tree = undos_.find(tree);
  if (in_tree == undos_.end()) return nullptr;
  auto at_key = in_tree->second.find(key);
  if (at_key == in_tree->second.end()) return nullptr;
  const Undos& undos = at_key->second;
  auto later = std::upper_bound(undos.begin(), undos.end(), version, [](Version v, const Undo& u) { return v < u.version; });
  return later == undos.end() ? nullptr : &*later;
}

Task<absl::StatusOr<std::optional<std::string>>> VersionedStore::Get(const ReadView& view, TreeId tree, std::string key) {
  const absl::Status readable = co_await Readable(view);
  if (!readable.ok()) co_return readable;
  absl::StatusOr<std::optional<std::string>> value = co_await store_.Get(tree, key);
  if (!value.ok()) co_return value;
  // (After the store answered: a commit that raced the read has its undo by now.)
  if (view.version() < cut_off_below_) co_return TooOld(view.version(), cut_off_below_);
  const Undo* undo = UndoAt(tree, key, view.version());
  if (undo != nullptr) co_return undo->before;
  co_return value;
}

bool VersionedStore::UndosIn(TreeId tree, const ScanRange& range) const {
  auto in_tree = undos_.find(tree);
  if (in_tree == undos_.end()) return false;
  auto first = in_tree->second.lower_bound(range.start);
  return first != in_tree->second.end() && (!range.end || first->first < *range.end);
}

Task<absl::Status> VersionedStore::ScanInto(const ReadView& view, TreeId tree, ScanRange range, ScanBatch* out) {
  out->Clear();
  const absl::Status readable = co_await Readable(view);
  if (!readable.ok()) co_return readable;
  if (!UndosIn(tree, range)) {
    // The common case: no commit since the oldest view touched the range.
    const absl::Status scanned = co_await store_.ScanInto(tree, range, out);
    if (!scanned.ok()) co_return scanned;
    if (view.version() < cut_off_below_) co_return TooOld(view.version(), cut_off_below_);
    if (!UndosIn(tree, range)) co_return absl::OkStatus();
    out->Clear();  // a commit raced the scan: merge after all
  }
  const absl::Status merged = co_await MergedScan(view, tree, std::move(range), out);
  co_return merged;
}

Task<absl::Status> VersionedStore::MergedScan(const ReadView& view, TreeId tree, ScanRange range, ScanBatch* out) {
  QUANTA_ASSERT(out->empty());
  const bool reverse = range.reverse;
  // The part of the range still to read: [lo, hi) (hi unset: unbounded).
  std::string lo = range.start;
  std::optional<std::string> hi = range.end;
  ScanBatch rows;
  while (out->size() < range.limit) {
    ScanRange step;
    step.start = lo;
    step.end = hi;
    step.reverse = reverse;
    step.limit = kMergeChunk;
    const absl::Status scanned = co_await store_.ScanInto(tree, step, &rows);
    if (!scanned.ok()) co_return scanned;
    if (view.version() < cut_off_below_) co_return TooOld(view.version(), cut_off_below_);
    const bool exhausted = rows.size() < kMergeChunk;
    // The keys this step covers: up to (and including) its last row, or the rest.
    std::string covered_lo = lo;
    std::optional<std::string> covered_hi = hi;  // exclusive
    if (!exhausted) {
      const std::string last(rows.key(rows.size() - 1));
      if (reverse) {
        covered_lo = last;
      } else {
        covered_hi = last + '\0';
      }
    }
    MergeStep(view, tree, rows, covered_lo, covered_hi, reverse, range.limit, out);
    if (exhausted) break;
    if (reverse) {
      hi = covered_lo;  // the next step reads below the last row
    } else {
      lo = *covered_hi;
    }
  }
  QUANTA_ASSERT(out->size() <= range.limit);
  co_return absl::OkStatus();
}

void VersionedStore::MergeStep(const ReadView& view, TreeId tree, const ScanBatch& rows, const std::string& lo,
                               const std::optional<std::string>& hi, bool reverse, size_t limit, ScanBatch* out) const {
  // The keys in [lo, hi) some commit after the view wrote, in scan order.
  std::vector<std::pair<std::string_view, const Undo*>> changed;
  auto in_tree = undos_.find(tree);
  if (in_tree != undos_.end()) {
    for (auto it = in_tree->second.lower_bound(lo); it != in_tree->second.end() && (!hi || it->first < *hi); ++it) {
      const Undo* undo = UndoAt(tree, it->first, view.version());
      if (undo != nullptr) changed.emplace_back(it->first, undo);
    }
  }
  if (reverse) std::reverse(changed.begin(), changed.end());
  auto before = [reverse](std::string_view a, std::string_view b) { return reverse ? b < a : a < b; };
  size_t r = 0, c = 0;
  while ((r < rows.size() || c < changed.size()) && out->size() < limit) {
    const bool take_changed = r == rows.size() || (c < changed.size() && !before(rows.key(r), changed[c].first));
    if (!take_changed) {
      out->Add(rows.key(r), rows.value(r));
      ++r;
      continue;
    }
    if (r < rows.size() && rows.key(r) == changed[c].first) ++r;  // the store's newer version of it
    const Undo* undo = changed[c].second;
    if (undo->before) out->Add(changed[c].first, *undo->before);
    ++c;
  }
}

}  // namespace quanta::storage
