// B+tree node pages: the slotted layout, decoding into a Node for changes, and a
// zero-copy NodeView for searches.
//
// Layout after the common page header (page.h):
//   u16 cell count, u16 start of the cell area, u32 right child's checksum (interior),
//   u64 right child (interior)
//   u16 slot[count]: offsets of cells, in key order
//   ... free space ... cells, packed at the end of the page
// Leaf cell:     u16 key_len, u8 flags (1: overflow), u32 value_len, key, value
//                (an overflow value stores an OverflowRef: u64 first page, u32 pages,
//                u32 total bytes, u32 CRC32C of the value)
// Interior cell: u16 key_len, u64 child, u32 child's checksum, key — the child holds
//                keys < key; the right child holds keys >= the last key.
// Every child is a PageRef (page.h): a read of it checks it is the version referred to.
// Keys are unique and strictly ascending within a node. Values larger than
// kMaxInlineValueBytes live in overflow pages, so every cell is small enough that a
// split always yields two nodes that fit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/storage/page.h"

namespace quanta::storage {

inline constexpr size_t kNodeHeaderBytes = kPageHeaderBytes + 16;
inline constexpr size_t kMaxKeyBytes = 1024;
inline constexpr size_t kMaxInlineValueBytes = 1536;
inline constexpr size_t kOverflowRefBytes = 20;

// A value stored in a run of overflow pages. The CRC32C of the whole value catches a
// page of the run that is intact but stale (a lost write) or another run's.
struct OverflowRef {
  PageId first = 0;
  uint32_t pages = 0;
  uint32_t bytes = 0;
  uint32_t crc = 0;
};
std::string EncodeOverflowRef(const OverflowRef& ref);
OverflowRef DecodeOverflowRef(std::string_view bytes);  // REQUIRES: kOverflowRefBytes

struct Cell {
  std::string key;
  std::string value;      // leaf only: the value, or an encoded OverflowRef
  bool overflow = false;  // leaf only
  PageRef child;          // interior only
};

struct Node {
  bool leaf = true;
  PageRef right_child;  // interior only
  std::vector<Cell> cells;
};

size_t CellBytes(const Cell& cell, bool leaf);
size_t EncodedNodeBytes(const Node& node);
inline bool Fits(const Node& node) { return EncodedNodeBytes(node) <= kPageBytes; }
// Writes `node` as page `id` (header, slots, cells; not sealed). REQUIRES: Fits(node).
void EncodeNode(const Node& node, PageId id, Lsn lsn, char* page);
// Decodes a node page, checking every offset and length (pages may be damaged).
absl::StatusOr<Node> DecodeNode(const char* page);
// Checks a node page's structure without copying. Errors: kDataLoss.
absl::Status ValidateNode(const char* page);
// Points child slot `index` (count() for the right child) of an interior page at
// `child` (not sealed: the caller seals once its changes are done).
void SetChildAt(char* page, size_t index, const PageRef& child);
// Sets the header's page id (after copying a page to a new location) and page LSN.
void SetPageIdAndLsn(char* page, PageId id, Lsn lsn);

// A read-only view of a validated node page.
class NodeView {
 public:
  explicit NodeView(const char* page) : page_(page) {}
  bool leaf() const;
  uint16_t count() const;
  PageRef right_child() const;
  std::string_view key(size_t i) const;
  std::string_view value(size_t i) const;  // leaf
  bool overflow(size_t i) const;           // leaf
  // A leaf cell's key, value and overflow flag from one read of its header (a scan's
  // per-row path).
  struct LeafEntry {
    std::string_view key, value;
    bool overflow;
  };
  LeafEntry leaf_entry(size_t i) const;
  PageRef child(size_t i) const;           // interior
  // The first index whose key is >= `key` (count() if none). A key at or below the
  // first cell's (a scan entering the next leaf) costs one compare.
  size_t LowerBound(std::string_view key) const;
  // The child to descend into for `key` (interior).
  PageRef ChildFor(std::string_view key) const;
  // The position ChildFor(key) took: index of the cell, or count() for the right child.
  size_t ChildIndexFor(std::string_view key) const;
  PageRef ChildAt(size_t index) const { return index < count() ? child(index) : right_child(); }

 private:
  const char* cell(size_t i) const;
  const char* page_;
};

}  // namespace quanta::storage
