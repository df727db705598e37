#include "engine/storage/node.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"

namespace quanta::storage {
namespace {

constexpr size_t kCountAt = kPageHeaderBytes;
constexpr size_t kCellsBeginAt = kPageHeaderBytes + 2;
constexpr size_t kRightChecksumAt = kPageHeaderBytes + 4;
constexpr size_t kRightChildAt = kPageHeaderBytes + 8;
constexpr size_t kLeafCellHeader = 7;       // u16 key_len, u8 flags, u32 value_len
constexpr size_t kInteriorCellHeader = 14;  // u16 key_len, u64 child, u32 child checksum
static_assert(kRightChildAt + 8 == kNodeHeaderBytes, "the node header ends with the right child");
static_assert(kMaxKeyBytes + kInteriorCellHeader + 2 < (kPageBytes - kNodeHeaderBytes) / 3,
              "an interior node always holds three cells, so a split leaves both halves a cell");
constexpr uint8_t kOverflowFlag = 1;

}  // namespace

std::string EncodeOverflowRef(const OverflowRef& ref) {
  std::string out(kOverflowRefBytes, '\0');
  PutU64(out.data(), ref.first);
  PutU32(out.data() + 8, ref.pages);
  PutU32(out.data() + 12, ref.bytes);
  PutU32(out.data() + 16, ref.crc);
  return out;
}

OverflowRef DecodeOverflowRef(std::string_view bytes) {
  QUANTA_ASSERT(bytes.size() == kOverflowRefBytes);
  return OverflowRef{GetU64(bytes.data()), GetU32(bytes.data() + 8), GetU32(bytes.data() + 12),
                     GetU32(bytes.data() + 16)};
}

size_t CellBytes(const Cell& cell, bool leaf) {
  return 2 /* slot */ + (leaf ? kLeafCellHeader + cell.key.size() + cell.value.size()
                              : kInteriorCellHeader + cell.key.size());
}

size_t EncodedNodeBytes(const Node& node) {
  size_t bytes = kNodeHeaderBytes;
  for (const Cell& cell : node.cells) bytes += CellBytes(cell, node.leaf);
  return bytes;
}

void EncodeNode(const Node& node, PageId id, Lsn lsn, char* page) {
  QUANTA_ASSERT(Fits(node));
  QUANTA_ASSERT(node.cells.size() <= UINT16_MAX);
  std::memset(page, 0, kPageBytes);
  WritePageHeader(PageHeader{node.leaf ? PageType::kLeaf : PageType::kInterior, id, lsn}, page);
  PutU16(page + kCountAt, static_cast<uint16_t>(node.cells.size()));
  PutU32(page + kRightChecksumAt, node.leaf ? 0 : node.right_child.checksum);
  PutU64(page + kRightChildAt, node.leaf ? 0 : node.right_child.id);
  size_t end = kPageBytes;
  for (size_t i = 0; i < node.cells.size(); ++i) {
    const Cell& c = node.cells[i];
    QUANTA_DEBUG_ASSERT(i == 0 || node.cells[i - 1].key < c.key);
    QUANTA_ASSERT(c.key.size() <= kMaxKeyBytes);
    const size_t size = CellBytes(c, node.leaf) - 2;
    end -= size;
    char* p = page + end;
    PutU16(p, static_cast<uint16_t>(c.key.size()));
    if (node.leaf) {
      QUANTA_ASSERT(c.overflow ? c.value.size() == kOverflowRefBytes : c.value.size() <= kMaxInlineValueBytes);
      p[2] = static_cast<char>(c.overflow ? kOverflowFlag : 0);
      PutU32(p + 3, static_cast<uint32_t>(c.value.size()));
      std::memcpy(p + kLeafCellHeader, c.key.data(), c.key.size());
      std::memcpy(p + kLeafCellHeader + c.key.size(), c.value.data(), c.value.size());
    } else {
      PutU64(p + 2, c.child.id);
      PutU32(p + 10, c.child.checksum);
      std::memcpy(p + kInteriorCellHeader, c.key.data(), c.key.size());
    }
    PutU16(page + kNodeHeaderBytes + 2 * i, static_cast<uint16_t>(end));
  }
  PutU16(page + kCellsBeginAt, static_cast<uint16_t>(end));
  QUANTA_ASSERT(kNodeHeaderBytes + 2 * node.cells.size() <= end);
}

absl::Status ValidateNode(const char* page) {
  const PageHeader header = ReadPageHeader(page);
  const bool leaf = header.type == PageType::kLeaf;
  auto bad = [&](absl::string_view what) {
    COVERAGE_MARK(kStorageNodeMalformed);
    return absl::DataLossError(absl::StrCat("page ", header.page_id, ": malformed node: ", what));
  };
  if (!leaf && header.type != PageType::kInterior) return bad("not a node page");
  const size_t count = GetU16(page + kCountAt);
  const size_t cells_begin = GetU16(page + kCellsBeginAt);
  if (kNodeHeaderBytes + 2 * count > cells_begin || cells_begin > kPageBytes) return bad("slot array overlaps cells");
  const PageId right = GetU64(page + kRightChildAt);
  if (leaf ? right != 0 || GetU32(page + kRightChecksumAt) != 0 : right < kFirstDataPage) return bad("bad right child");
  std::string_view previous;
  for (size_t i = 0; i < count; ++i) {
    const size_t at = GetU16(page + kNodeHeaderBytes + 2 * i);
    const size_t head = leaf ? kLeafCellHeader : kInteriorCellHeader;
    if (at < cells_begin || at + head > kPageBytes) return bad("slot points outside the cell area");
    const char* p = page + at;
    const size_t key_len = GetU16(p);
    size_t value_len = 0;
    if (leaf) {
      const auto flags = static_cast<uint8_t>(p[2]);
      value_len = GetU32(p + 3);
      if (flags > kOverflowFlag) return bad("unknown cell flags");
      if (flags == kOverflowFlag ? value_len != kOverflowRefBytes : value_len > kMaxInlineValueBytes) {
        return bad("bad value length");
      }
    } else if (GetU64(p + 2) < kFirstDataPage) {
      return bad("child points at a meta page");
    }
    if (key_len > kMaxKeyBytes || at + head + key_len + value_len > kPageBytes) return bad("cell overruns the page");
    const std::string_view key(p + head, key_len);
    if (i > 0 && !(previous < key)) return bad("keys out of order");
    previous = key;
  }
  return absl::OkStatus();
}

absl::StatusOr<Node> DecodeNode(const char* page) {
  if (absl::Status s = ValidateNode(page); !s.ok()) return s;
  NodeView view(page);
  Node node;
  node.leaf = view.leaf();
  node.right_child = view.right_child();
  node.cells.resize(view.count());
  for (size_t i = 0; i < view.count(); ++i) {
    Cell& c = node.cells[i];
    c.key.assign(view.key(i));
    if (node.leaf) {
      c.value.assign(view.value(i));
      c.overflow = view.overflow(i);
    } else {
      c.child = view.child(i);
    }
  }
  return node;
}

void SetChildAt(char* page, size_t index, const PageRef& child) {
  QUANTA_ASSERT(ReadPageHeader(page).type == PageType::kInterior);
  QUANTA_ASSERT(child.id >= kFirstDataPage);
  const size_t count = GetU16(page + kCountAt);
  QUANTA_ASSERT(index <= count);
  if (index == count) {
    PutU64(page + kRightChildAt, child.id);
    PutU32(page + kRightChecksumAt, child.checksum);
  } else {
    char* cell = page + GetU16(page + kNodeHeaderBytes + 2 * index);
    PutU64(cell + 2, child.id);
    PutU32(cell + 10, child.checksum);
  }
}

void SetPageIdAndLsn(char* page, PageId id, Lsn lsn) {
  PutU64(page + 8, id);
  PutU64(page + 16, lsn);
}

bool NodeView::leaf() const { return ReadPageHeader(page_).type == PageType::kLeaf; }
uint16_t NodeView::count() const { return GetU16(page_ + kCountAt); }
PageRef NodeView::right_child() const {
  return PageRef{GetU64(page_ + kRightChildAt), GetU32(page_ + kRightChecksumAt)};
}
const char* NodeView::cell(size_t i) const {
  QUANTA_DEBUG_ASSERT(i < count());
  return page_ + GetU16(page_ + kNodeHeaderBytes + 2 * i);
}
std::string_view NodeView::key(size_t i) const {
  const char* c = cell(i);
  return std::string_view(c + (leaf() ? kLeafCellHeader : kInteriorCellHeader), GetU16(c));
}
std::string_view NodeView::value(size_t i) const {
  const char* c = cell(i);
  return std::string_view(c + kLeafCellHeader + GetU16(c), GetU32(c + 3));
}
bool NodeView::overflow(size_t i) const { return (static_cast<uint8_t>(cell(i)[2]) & kOverflowFlag) != 0; }
NodeView::LeafEntry NodeView::leaf_entry(size_t i) const {
  QUANTA_DEBUG_ASSERT(leaf());
  const char* c = cell(i);
  const size_t key_bytes = GetU16(c);
  return LeafEntry{std::string_view(c + kLeafCellHeader, key_bytes),
                   std::string_view(c + kLeafCellHeader + key_bytes, GetU32(c + 3)),
                   (static_cast<uint8_t>(c[2]) & kOverflowFlag) != 0};
}
PageRef NodeView::child(size_t i) const {
  const char* c = cell(i);
  return PageRef{GetU64(c + 2), GetU32(c + 10)};
}

size_t NodeView::LowerBound(std::string_view k) const {
  size_t lo = 0, hi = count();
  if (hi == 0 || key(0) >= k) return 0;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (key(mid) < k) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

size_t NodeView::ChildIndexFor(std::string_view k) const {
  // The first cell whose key is > k: its child holds keys < that key.
  size_t lo = 0, hi = count();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (key(mid) <= k) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

PageRef NodeView::ChildFor(std::string_view k) const { return ChildAt(ChildIndexFor(k)); }

}  // namespace quanta::storage
