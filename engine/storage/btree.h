// BTree: copy-on-write B+trees over the buffer pool.
//
// A tree is named by its root page id, which changes as the tree changes (a write
// copies every page on its root-to-leaf path that belongs to the last checkpoint to a
// fresh page first, so the checkpoint's tree stays intact). Keys are byte strings
// (<= kMaxKeyBytes) in lexicographic order; values up to kMaxValueBytes, those over
// kMaxInlineValueBytes stored in runs of overflow pages.
//
// Deletion policy (lazy): cells are removed, nodes are never merged or rebalanced; an
// emptied leaf stays in place and is refilled by later inserts into its key range.
// Space in long-dead ranges is reclaimed only by a future compaction.
//
// Threading: callers serialize (the Store's mutex). Every page read is verified
// (checksum, then node structure) before use; damage is kDataLoss, never served.
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
  Task<absl::StatusOr<PageId>> Create(Lsn lsn);
  Task<absl::StatusOr<std::optional<std::string>>> Get(PageId root, std::string key);
  // Inserts or replaces. Errors: kInvalidArgument for oversized keys or values.
  Task<absl::Status> Put(PageId* root, std::string key, std::string value, Lsn lsn);
  // Returns whether the key existed.
  Task<absl::StatusOr<bool>> Delete(PageId* root, std::string key, Lsn lsn);
  Task<absl::Status> Scan(PageId root, ScanRange range, std::vector<KeyValue>* out);
  // Frees every page of the tree.
  Task<absl::Status> Drop(PageId root);

  // Bulk load: builds a new tree holding `rows` bottom-up (pages ~90% full, each
  // written once) and returns its root. REQUIRES: keys strictly ascending (the caller
  // validates); the views stay valid until the task finishes. Errors: oversized keys
  // or values (kInvalidArgument), I/O.
  struct RowRef {
    std::string_view key;
    std::string_view value;
  };
  Task<absl::StatusOr<PageId>> BuildFromSorted(const std::vector<RowRef>& rows, Lsn lsn);

 private:
  struct PathEntry {
    PageId id;
    size_t child_index;  // where the parent points at it (unused for the root)
    bool rightmost;      // on the tree's right edge (every ancestor's right child)
  };
  Task<absl::StatusOr<BufferPool::Ref>> FetchNode(PageId id);
  Task<absl::StatusOr<PageId>> Shadow(PageId id, Lsn lsn);
  Task<absl::StatusOr<std::vector<PathEntry>>> WritablePath(PageId* root, std::string_view key, Lsn lsn);
  Task<absl::Status> Store(std::vector<PathEntry>& path, size_t level, Node node, PageId* root, Lsn lsn,
                           bool append);
  Task<absl::StatusOr<Cell>> MakeLeafCell(std::string key, std::string value, Lsn lsn);
  // Bulk load: one level of the tree being built, left to right.
  struct LevelChild {
    std::string first_key;  // the least key under it
    PageId page;
  };
  Task<absl::Status> AppendToLevel(const Node& node, std::string first_key, Lsn lsn, std::vector<LevelChild>* level);
  Task<absl::StatusOr<std::vector<LevelChild>>> BuildLeaves(const std::vector<RowRef>& rows, Lsn lsn);
  Task<absl::StatusOr<std::vector<LevelChild>>> BuildInteriorLevel(const std::vector<LevelChild>& below, Lsn lsn);
  Task<absl::Status> WriteNode(PageId id, const Node& node, Lsn lsn, bool create);
  Task<absl::StatusOr<OverflowRef>> WriteOverflow(std::string_view value, Lsn lsn);
  Task<absl::StatusOr<std::string>> ReadOverflow(const OverflowRef& ref);
  void FreeOverflow(const OverflowRef& ref);
  Task<absl::Status> ScanNode(PageId id, const ScanRange& range, std::vector<KeyValue>* out, bool* done);

  BufferPool& pool_;
  PageFile& file_;
  PageAllocator& allocator_;
};

}  // namespace quanta::storage
