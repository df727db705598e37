// BTree: copy-on-write B+trees over the buffer pool.
//
// A tree is named by its root's PageRef, which changes as the tree changes (a write
// copies every page on its root-to-leaf path that belongs to the last checkpoint to a
// fresh page first, so the checkpoint's tree stays intact, and re-seals the path
// bottom-up, so every parent names the version of each child it points at). Keys are byte strings
// (<= kMaxKeyBytes) in lexicographic order; values up to kMaxValueBytes, those over
// kMaxInlineValueBytes stored in runs of overflow pages.
//
// Deletion policy (lazy): cells are removed, nodes are never merged or rebalanced; an
// emptied leaf stays in place and is refilled by later inserts into its key range.
// Space in long-dead ranges is reclaimed only by a future compaction.
//
// Threading: callers serialize (the Store's mutex). Every page read is verified
// (checksum, then the version its reference names, then node structure) before use;
// damage, a lost write or a misdirected one is kDataLoss, never served.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/storage/buffer_pool.h"
#include "engine/storage/node.h"
#include "engine/storage/page_file.h"

namespace quanta::storage {

inline constexpr size_t kMaxValueBytes = 16u << 20;

struct KeyValue {
  std::string key;
  std::string value;
  bool operator==(const KeyValue& o) const { return key == o.key && value == o.value; }
};

// Scanned entries in one reusable buffer, for cursors that read batch after batch:
// Clear() keeps the capacity, so after the first batches a scan copies entries out of
// the pages without allocating. Views returned by key()/value() stay valid until the
// next Add or Clear.
class ScanBatch {
 public:
  void Clear() {
    bytes_.clear();
    entries_.clear();
  }
  void Add(std::string_view key, std::string_view value) {
    entries_.push_back(Entry{bytes_.size(), key.size(), value.size()});
    bytes_.append(key);
    bytes_.append(value);
  }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::string_view key(size_t i) const { return std::string_view(bytes_).substr(entries_[i].at, entries_[i].key_bytes); }
  std::string_view value(size_t i) const {
    const Entry& e = entries_[i];
    return std::string_view(bytes_).substr(e.at + e.key_bytes, e.value_bytes);
  }

 private:
  struct Entry {
    size_t at;  // the key's first byte in bytes_; the value follows it
    size_t key_bytes;
    size_t value_bytes;
  };
  std::string bytes_;
  std::vector<Entry> entries_;
};

// Keys in [start, end) (end unset: unbounded), ascending or descending, at most `limit`.
struct ScanRange {
  ScanRange() {}
  std::string start;
  std::optional<std::string> end;
  bool reverse = false;
  size_t limit = SIZE_MAX;
};

class BTree {
 public:
  BTree(BufferPool& pool, PageFile& file, PageAllocator& allocator)
      : pool_(pool), file_(file), allocator_(allocator) {}

  // Creates an empty tree and returns its root.
  Task<absl::StatusOr<PageRef>> Create(Lsn lsn);
  Task<absl::StatusOr<std::optional<std::string>>> Get(PageRef root, std::string key);
  // Inserts or replaces. Errors: kInvalidArgument for oversized keys or values.
  Task<absl::Status> Put(PageRef* root, std::string key, std::string value, Lsn lsn);
  // Returns whether the key existed.
  Task<absl::StatusOr<bool>> Delete(PageRef* root, std::string key, Lsn lsn);
  // Appends the entries of `range` to *out (a batch reused scan to scan).
  Task<absl::Status> ScanInto(PageRef root, const ScanRange& range, ScanBatch* out);
  // Frees every page of the tree.
  Task<absl::Status> Drop(PageRef root);

  // Bulk load: builds a new tree holding `rows` bottom-up (pages ~90% full, each
  // written once) and returns its root. REQUIRES: keys strictly ascending (the caller
  // validates); the views stay valid until the task finishes. Errors: oversized keys
  // or values (kInvalidArgument), I/O.
  struct RowRef {
    std::string_view key;
    std::string_view value;
  };
  Task<absl::StatusOr<PageRef>> BuildFromSorted(const std::vector<RowRef>& rows, Lsn lsn);

  // Reads an overflow value, checking its pages and its CRC32C. Errors: kDataLoss.
  static Task<absl::StatusOr<std::string>> ReadOverflow(PageFile& file, const OverflowRef& ref);

 private:
  struct PathEntry {
    PageRef ref;         // the page as it is now (re-sealed as the write goes)
    size_t child_index;  // where the parent points at it (unused for the root)
    bool rightmost;      // on the tree's right edge (every ancestor's right child)
  };
  Task<absl::StatusOr<BufferPool::Ref>> FetchNode(const PageRef& ref);
  Task<absl::StatusOr<PageRef>> Shadow(const PageRef& ref, Lsn lsn);
  Task<absl::StatusOr<std::vector<PathEntry>>> WritablePath(PageRef* root, std::string_view key, Lsn lsn);
  Task<absl::Status> Store(std::vector<PathEntry>& path, size_t level, Node node, PageRef* root, Lsn lsn,
                           bool append);
  // Points each parent on `path` above `level` at its child's current version, sealing
  // each in turn, and `root` at the root's. Every write ends with it.
  Task<absl::Status> Reseal(std::vector<PathEntry>& path, size_t level, PageRef* root, Lsn lsn);
  Task<absl::StatusOr<Cell>> MakeLeafCell(std::string key, std::string value, Lsn lsn);
  // Bulk load: one level of the tree being built, left to right.
  struct LevelChild {
    std::string first_key;  // the least key under it
    PageRef page;
  };
  Task<absl::Status> AppendToLevel(const Node& node, std::string first_key, Lsn lsn, std::vector<LevelChild>* level);
  Task<absl::StatusOr<std::vector<LevelChild>>> BuildLeaves(const std::vector<RowRef>& rows, Lsn lsn);
  Task<absl::StatusOr<std::vector<LevelChild>>> BuildInteriorLevel(const std::vector<LevelChild>& below, Lsn lsn);
  // Encodes `node` over the existing page `*ref` (fresh: this epoch's) and seals it;
  // *ref becomes the new version.
  Task<absl::Status> WriteNode(PageRef* ref, const Node& node, Lsn lsn);
  // Encodes `node` on a newly allocated page and seals it.
  Task<absl::StatusOr<PageRef>> CreateNode(const Node& node, Lsn lsn);
  Task<absl::StatusOr<OverflowRef>> WriteOverflow(std::string_view value, Lsn lsn);
  void FreeOverflow(const OverflowRef& ref);
  Task<absl::Status> ScanNode(PageRef ref, const ScanRange& range, ScanBatch* out, size_t first, bool* done);

  BufferPool& pool_;
  PageFile& file_;
  PageAllocator& allocator_;
};

}  // namespace quanta::storage
