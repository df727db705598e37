// BTree::BuildFromSorted: bulk load, bottom-up.
//
// Leaves are filled in key order to kBulkFillBytes, then each interior level is built
// over the one below until one node remains: every page is encoded and written once,
// where inserting row by row re-encodes a leaf for every row.
#include <utility>

#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "engine/storage/btree.h"

namespace quanta::storage {
namespace {

// Pages keep ~10% free, as PostgreSQL's default B-tree fillfactor (90) does, so the
// first updates after a load do not split every leaf.
constexpr size_t kBulkFillBytes = kPageBytes * 9 / 10;

}  // namespace

Task<absl::Status> BTree::AppendToLevel(const Node& node, std::string first_key, Lsn lsn,
                                        std::vector<LevelChild>* level) {
  CO_ASSIGN_OR_RETURN(const PageRef ref, co_await CreateNode(node, lsn));
  level->push_back(LevelChild{std::move(first_key), ref});
  co_return absl::OkStatus();
}

Task<absl::StatusOr<std::vector<BTree::LevelChild>>> BTree::BuildLeaves(const std::vector<RowRef>& rows, Lsn lsn) {
  std::vector<LevelChild> level;
  Node leaf;
  size_t bytes = kNodeHeaderBytes;
  for (size_t i = 0; i < rows.size(); ++i) {
    QUANTA_ASSERT_MSG(i == 0 || rows[i - 1].key < rows[i].key, "bulk load rows must be strictly ascending");
    CO_ASSIGN_OR_RETURN(Cell cell, co_await MakeLeafCell(std::string(rows[i].key), std::string(rows[i].value), lsn));
    const size_t cell_bytes = CellBytes(cell, /*leaf=*/true);
    if (!leaf.cells.empty() && bytes + cell_bytes > kBulkFillBytes) {
      std::string first = leaf.cells.front().key;
      CO_RETURN_IF_ERROR(co_await AppendToLevel(leaf, std::move(first), lsn, &level));
      leaf.cells.clear();
      bytes = kNodeHeaderBytes;
    }
    bytes += cell_bytes;
    leaf.cells.push_back(std::move(cell));
  }
  if (!leaf.cells.empty() || level.empty()) {  // the last leaf (or the empty tree's only one)
    std::string first = leaf.cells.empty() ? std::string() : leaf.cells.front().key;
    CO_RETURN_IF_ERROR(co_await AppendToLevel(leaf, std::move(first), lsn, &level));
  }
  co_return level;
}

Task<absl::StatusOr<std::vector<BTree::LevelChild>>> BTree::BuildInteriorLevel(const std::vector<LevelChild>& below,
                                                                                Lsn lsn) {
  QUANTA_ASSERT(below.size() > 1);
  std::vector<LevelChild> level;
  size_t i = 0;
  while (i < below.size()) {
    Node node;
    node.leaf = false;
    std::string first = below[i].first_key;
    node.right_child = below[i++].page;
    size_t bytes = kNodeHeaderBytes;
    while (i < below.size()) {
      Cell cell{below[i].first_key, "", false, node.right_child};
      const size_t cell_bytes = CellBytes(cell, /*leaf=*/false);
      // Fill to the target, but take a lone last child in if it fits at all.
      const bool last = i + 1 == below.size();
      if (bytes + cell_bytes > (last ? kPageBytes : kBulkFillBytes)) break;
      bytes += cell_bytes;
      node.cells.push_back(std::move(cell));
      node.right_child = below[i++].page;
    }
    CO_RETURN_IF_ERROR(co_await AppendToLevel(node, std::move(first), lsn, &level));
  }
  co_return level;
}

Task<absl::StatusOr<PageRef>> BTree::BuildFromSorted(const std::vector<RowRef>& rows, Lsn lsn) {
  CO_ASSIGN_OR_RETURN(std::vector<LevelChild> level, co_await BuildLeaves(rows, lsn));
  for (int height = 1; level.size() > 1; ++height) {
    QUANTA_ASSERT_MSG(height < 64, "B+tree deeper than 64 levels");
    CO_ASSIGN_OR_RETURN(level, co_await BuildInteriorLevel(level, lsn));
  }
  co_return level.front().page;
}

}  // namespace quanta::storage
