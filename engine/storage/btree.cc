#include "engine/storage/btree.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"
#include "engine/env/status.h"
#include "engine/util/crc32c.h"

namespace quanta::storage {
namespace {

constexpr size_t kOverflowChunkBytes = kPageBytes - kPageHeaderBytes - 4;

// Splits an overfull node into (left, separator, right); both halves fit. By bytes in
// half, or, when `append` (the overflow came from adding the node's last cell, and
// the node fitted before), with only that last cell moving right.
struct SplitResult {
  Node left;
  std::string separator;
  Node right;
};

SplitResult Split(Node node, bool append) {
  const size_t n = node.cells.size();
  QUANTA_ASSERT(n >= (node.leaf ? 2u : 3u));
  size_t m = 0;
  if (append) {
    m = n;
  } else {
    size_t total = 0;
    for (const Cell& c : node.cells) total += CellBytes(c, node.leaf);
    size_t acc = 0;
    while (m < n && acc + CellBytes(node.cells[m], node.leaf) <= total / 2) acc += CellBytes(node.cells[m++], node.leaf);
  }
  m = std::clamp<size_t>(m, 1, node.leaf ? n - 1 : n - 2);
  SplitResult out;
  out.left.leaf = out.right.leaf = node.leaf;
  if (node.leaf) {
    out.separator = node.cells[m].key;
    out.right.cells.assign(std::make_move_iterator(node.cells.begin() + static_cast<ptrdiff_t>(m)),
                           std::make_move_iterator(node.cells.end()));
  } else {
    out.separator = node.cells[m].key;
    out.left.right_child = node.cells[m].child;
    out.right.right_child = node.right_child;
    out.right.cells.assign(std::make_move_iterator(node.cells.begin() + static_cast<ptrdiff_t>(m + 1)),
                           std::make_move_iterator(node.cells.end()));
  }
  node.cells.resize(m);
  out.left.cells = std::move(node.cells);
  QUANTA_ASSERT(Fits(out.left));
  QUANTA_ASSERT(Fits(out.right));
  return out;
}

// The first cell of a (sorted) node whose key is >= `key`.
std::vector<Cell>::iterator FindCell(Node& node, const std::string& key) {
  return std::lower_bound(node.cells.begin(), node.cells.end(), key,
                          [](const Cell& c, const std::string& k) { return c.key < k; });
}

}  // namespace

Task<absl::StatusOr<BufferPool::Ref>> BTree::FetchNode(const PageRef& ref) {
  CO_ASSIGN_OR_RETURN(BufferPool::Ref page, co_await pool_.Fetch(ref));
  const PageType type = ReadPageHeader(page.data()).type;
  if (type != PageType::kLeaf && type != PageType::kInterior) {
    co_return absl::DataLossError(absl::StrCat("page ", ref.id, ": expected a B+tree node"));
  }
  co_return page;
}

Task<absl::StatusOr<PageRef>> BTree::Create(Lsn lsn) {
  auto created = co_await CreateNode(Node{}, lsn);
  co_return created;
}

Task<absl::Status> BTree::WriteNode(PageRef* ref, const Node& node, Lsn lsn) {
  QUANTA_ASSERT(allocator_.IsFresh(ref->id));  // never overwrite a checkpoint's page
  CO_ASSIGN_OR_RETURN(BufferPool::Ref page, co_await pool_.Fetch(*ref));
  EncodeNode(node, ref->id, lsn, page.data());
  *ref = SealPage(page.data());
  page.MarkDirty();
  co_return absl::OkStatus();
}

Task<absl::StatusOr<PageRef>> BTree::CreateNode(const Node& node, Lsn lsn) {
  const PageId id = allocator_.Allocate();
  CO_ASSIGN_OR_RETURN(BufferPool::Ref page, co_await pool_.Create(id));
  EncodeNode(node, id, lsn, page.data());
  const PageRef ref = SealPage(page.data());
  QUANTA_ASSERT(ref.id == id);
  co_return ref;
}

Task<absl::StatusOr<PageRef>> BTree::Shadow(const PageRef& ref, Lsn lsn) {
  if (allocator_.IsFresh(ref.id)) co_return ref;
  const PageId fresh = allocator_.Allocate();
  PageRef copied;
  {
    CO_ASSIGN_OR_RETURN(BufferPool::Ref old, co_await FetchNode(ref));
    CO_ASSIGN_OR_RETURN(BufferPool::Ref copy, co_await pool_.Create(fresh));
    std::memcpy(copy.data(), old.data(), kPageBytes);
    SetPageIdAndLsn(copy.data(), fresh, lsn);
    copied = SealPage(copy.data());
  }
  allocator_.Free(ref.id);  // still the checkpoint's: reusable after the next one
  pool_.Discard(ref.id);
  co_return copied;
}

Task<absl::StatusOr<std::vector<BTree::PathEntry>>> BTree::WritablePath(PageRef* root, std::string_view key,
                                                                        Lsn lsn) {
  std::vector<PathEntry> path;
  CO_ASSIGN_OR_RETURN(PageRef current, co_await Shadow(*root, lsn));
  *root = current;
  size_t index_in_parent = 0;
  bool rightmost = true;
  for (;;) {
    path.push_back(PathEntry{current, index_in_parent, rightmost});
    CO_ASSIGN_OR_RETURN(BufferPool::Ref page, co_await FetchNode(current));
    NodeView view(page.data());
    if (view.leaf()) break;
    index_in_parent = view.ChildIndexFor(key);
    rightmost = rightmost && index_in_parent == view.count();
    const PageRef child = view.ChildAt(index_in_parent);
    CO_ASSIGN_OR_RETURN(PageRef fresh, co_await Shadow(child, lsn));
    if (!(fresh == child)) {
      SetChildAt(page.data(), index_in_parent, fresh);
      SetPageIdAndLsn(page.data(), current.id, lsn);
      path.back().ref = SealPage(page.data());  // its parent is pointed at it by Reseal
      page.MarkDirty();
    }
    current = fresh;
    QUANTA_ASSERT_MSG(path.size() < 64, "B+tree deeper than 64 levels");
  }
  co_return path;
}

Task<absl::Status> BTree::Reseal(std::vector<PathEntry>& path, size_t level, PageRef* root, Lsn lsn) {
  QUANTA_ASSERT(level < path.size());
  for (size_t l = level; l > 0; --l) {
    CO_ASSIGN_OR_RETURN(BufferPool::Ref parent, co_await FetchNode(path[l - 1].ref));
    QUANTA_ASSERT(NodeView(parent.data()).ChildAt(path[l].child_index).id == path[l].ref.id);
    SetChildAt(parent.data(), path[l].child_index, path[l].ref);
    SetPageIdAndLsn(parent.data(), path[l - 1].ref.id, lsn);
    path[l - 1].ref = SealPage(parent.data());
    parent.MarkDirty();
  }
  *root = path[0].ref;
  co_return absl::OkStatus();
}

Task<absl::Status> BTree::Store(std::vector<PathEntry>& path, size_t level, Node node, PageRef* root, Lsn lsn,
                                bool append) {
  if (Fits(node)) {
    CO_RETURN_IF_ERROR(co_await WriteNode(&path[level].ref, node, lsn));
    absl::Status resealed = co_await Reseal(path, level, root, lsn);
    co_return resealed;
  }
  SplitResult split = Split(std::move(node), append);
  const PageId left_id = path[level].ref.id;
  CO_ASSIGN_OR_RETURN(const PageRef right, co_await CreateNode(split.right, lsn));
  CO_RETURN_IF_ERROR(co_await WriteNode(&path[level].ref, split.left, lsn));
  const PageRef left = path[level].ref;
  Node parent;
  if (level == 0) {  // the root split: the tree grows a level
    parent.leaf = false;
    parent.cells.push_back(Cell{split.separator, "", false, left});
    parent.right_child = right;
    CO_ASSIGN_OR_RETURN(*root, co_await CreateNode(parent, lsn));
    co_return absl::OkStatus();
  }
  {
    CO_ASSIGN_OR_RETURN(BufferPool::Ref page, co_await FetchNode(path[level - 1].ref));
    CO_ASSIGN_OR_RETURN(parent, DecodeNode(page.data()));
  }
  const size_t at = path[level].child_index;
  QUANTA_ASSERT(at <= parent.cells.size());
  if (at < parent.cells.size()) {
    QUANTA_ASSERT(parent.cells[at].child.id == left_id);
    parent.cells.insert(parent.cells.begin() + static_cast<ptrdiff_t>(at), Cell{split.separator, "", false, left});
    parent.cells[at + 1].child = right;
  } else {
    QUANTA_ASSERT(parent.right_child.id == left_id);
    parent.cells.push_back(Cell{split.separator, "", false, left});
    parent.right_child = right;
  }
  // The parent gained its last cell iff this node was its right child.
  const bool parent_append = append && at == parent.cells.size() - 1;
  absl::Status stored = co_await Store(path, level - 1, std::move(parent), root, lsn, parent_append);
  co_return stored;
}

Task<absl::StatusOr<OverflowRef>> BTree::WriteOverflow(std::string_view value, Lsn lsn) {
  OverflowRef ref;
  ref.bytes = static_cast<uint32_t>(value.size());
  ref.crc = crc32c::Value(value.data(), value.size());
  ref.pages = static_cast<uint32_t>((value.size() + kOverflowChunkBytes - 1) / kOverflowChunkBytes);
  ref.first = allocator_.AllocateRun(ref.pages);
  PageBuffer page;
  for (uint32_t i = 0; i < ref.pages; ++i) {
    std::memset(page.data(), 0, kPageBytes);
    WritePageHeader(PageHeader{PageType::kOverflow, ref.first + i, lsn}, page.data());
    const std::string_view chunk = value.substr(i * kOverflowChunkBytes, kOverflowChunkBytes);
    PutU32(page.data() + kPageHeaderBytes, static_cast<uint32_t>(chunk.size()));
    std::memcpy(page.data() + kPageHeaderBytes + 4, chunk.data(), chunk.size());
    SealPage(page.data());
    CO_RETURN_IF_ERROR(co_await file_.Write(ref.first + i, page.data()));
  }
  co_return ref;
}

Task<absl::StatusOr<std::string>> BTree::ReadOverflow(PageFile& file, const OverflowRef& ref) {
  std::string value;
  PageBuffer page;
  for (uint32_t i = 0; i < ref.pages; ++i) {
    const PageId id = ref.first + i;
    CO_RETURN_IF_ERROR(co_await file.Read(id, page.data()));
    const uint32_t n = GetU32(page.data() + kPageHeaderBytes);
    if (ReadPageHeader(page.data()).type != PageType::kOverflow || n > kOverflowChunkBytes) {
      co_return absl::DataLossError(absl::StrCat("page ", id, ": malformed overflow page"));
    }
    value.append(page.data() + kPageHeaderBytes + 4, n);
  }
  if (value.size() != ref.bytes) {
    co_return absl::DataLossError(absl::StrCat("overflow value at page ", ref.first, " has ", value.size(),
                                               " bytes, expected ", ref.bytes));
  }
  if (crc32c::Value(value.data(), value.size()) != ref.crc) {
    COVERAGE_MARK(kStorageOverflowVersionMismatch);
    co_return absl::DataLossError(absl::StrCat("overflow value at page ", ref.first, " is intact page by page but not "
                                               "the value its reference expects: a lost or misdirected write"));
  }
  co_return value;
}

void BTree::FreeOverflow(const OverflowRef& ref) {
  for (uint32_t i = 0; i < ref.pages; ++i) allocator_.Free(ref.first + i);
}

Task<absl::StatusOr<std::optional<std::string>>> BTree::Get(PageRef root, std::string key) {
  PageRef at = root;
  for (int depth = 0; depth < 64; ++depth) {
    CO_ASSIGN_OR_RETURN(BufferPool::Ref ref, co_await FetchNode(at));
    NodeView view(ref.data());
    if (!view.leaf()) {
      at = view.ChildFor(key);
      continue;
    }
    const size_t i = view.LowerBound(key);
    if (i == view.count() || view.key(i) != key) co_return std::optional<std::string>();
    if (!view.overflow(i)) co_return std::optional<std::string>(std::string(view.value(i)));
    const OverflowRef overflow = DecodeOverflowRef(view.value(i));
    CO_ASSIGN_OR_RETURN(std::string value, co_await ReadOverflow(file_, overflow));
    co_return std::optional<std::string>(std::move(value));
  }
  co_return absl::DataLossError(absl::StrCat("tree at page ", root.id, " is deeper than 64 levels (a cycle?)"));
}

Task<absl::StatusOr<Cell>> BTree::MakeLeafCell(std::string key, std::string value, Lsn lsn) {
  if (key.size() > kMaxKeyBytes) {
    co_return absl::InvalidArgumentError(absl::StrCat("key of ", key.size(), " bytes exceeds ", kMaxKeyBytes));
  }
  if (value.size() > kMaxValueBytes) {
    co_return absl::InvalidArgumentError(absl::StrCat("value of ", value.size(), " bytes exceeds ", kMaxValueBytes));
  }
  Cell cell;
  cell.key = std::move(key);
  if (value.size() > kMaxInlineValueBytes) {
    CO_ASSIGN_OR_RETURN(OverflowRef ref, co_await WriteOverflow(value, lsn));
    cell.overflow = true;
    cell.value = EncodeOverflowRef(ref);
  } else {
    cell.value = std::move(value);
  }
  co_return cell;
}

Task<absl::Status> BTree::Put(PageRef* root, std::string key, std::string value, Lsn lsn) {
  CO_ASSIGN_OR_RETURN(Cell cell, co_await MakeLeafCell(key, std::move(value), lsn));
  CO_ASSIGN_OR_RETURN(std::vector<PathEntry> path, co_await WritablePath(root, key, lsn));
  Node leaf;
  {
    CO_ASSIGN_OR_RETURN(BufferPool::Ref ref, co_await FetchNode(path.back().ref));
    CO_ASSIGN_OR_RETURN(leaf, DecodeNode(ref.data()));
  }
  auto it = FindCell(leaf, key);
  // A new greatest key of the tree: a split keeps the left node full (ascending loads
  // and serial keys leave full pages, not half-empty ones).
  const bool append = it == leaf.cells.end() && path.back().rightmost;
  if (it != leaf.cells.end() && it->key == key) {
    if (it->overflow) FreeOverflow(DecodeOverflowRef(it->value));
    *it = std::move(cell);
  } else {
    leaf.cells.insert(it, std::move(cell));
  }
  absl::Status stored = co_await Store(path, path.size() - 1, std::move(leaf), root, lsn, append);
  co_return stored;
}

Task<absl::StatusOr<bool>> BTree::Delete(PageRef* root, std::string key, Lsn lsn) {
  CO_ASSIGN_OR_RETURN(std::optional<std::string> existing, co_await Get(*root, key));
  if (!existing.has_value()) co_return false;  // nothing to copy-on-write
  CO_ASSIGN_OR_RETURN(std::vector<PathEntry> path, co_await WritablePath(root, key, lsn));
  Node leaf;
  {
    CO_ASSIGN_OR_RETURN(BufferPool::Ref ref, co_await FetchNode(path.back().ref));
    CO_ASSIGN_OR_RETURN(leaf, DecodeNode(ref.data()));
  }
  auto it = FindCell(leaf, key);
  QUANTA_ASSERT(it != leaf.cells.end());
  QUANTA_ASSERT(it->key == key);
  if (it->overflow) FreeOverflow(DecodeOverflowRef(it->value));
  leaf.cells.erase(it);
  CO_RETURN_IF_ERROR(co_await WriteNode(&path.back().ref, leaf, lsn));
  CO_RETURN_IF_ERROR(co_await Reseal(path, path.size() - 1, root, lsn));
  co_return true;
}

// Appends the entries of `range` under `at` to *out; `first` is out's size when the
// scan began (range.limit counts from there).
Task<absl::Status> BTree::ScanNode(PageRef at, const ScanRange& range, ScanBatch* out, size_t first, bool* done) {
  CO_ASSIGN_OR_RETURN(BufferPool::Ref ref, co_await FetchNode(at));
  NodeView view(ref.data());
  if (view.leaf()) {
    const size_t lo = view.LowerBound(range.start);
    const size_t hi = range.end.has_value() ? view.LowerBound(*range.end) : view.count();
    for (size_t k = 0; lo + k < hi && !*done; ++k) {
      const size_t i = range.reverse ? hi - 1 - k : lo + k;
      const NodeView::LeafEntry cell = view.leaf_entry(i);
      if (cell.overflow) {
        const OverflowRef overflow = DecodeOverflowRef(cell.value);
        CO_ASSIGN_OR_RETURN(std::string value, co_await ReadOverflow(file_, overflow));
        out->Add(cell.key, value);
      } else {
        out->Add(cell.key, cell.value);
      }
      QUANTA_DEBUG_ASSERT(out->size() > first);
      *done = out->size() - first >= range.limit;
    }
    co_return absl::OkStatus();
  }
  const size_t lo = view.ChildIndexFor(range.start);
  const size_t hi = range.end.has_value() ? view.ChildIndexFor(*range.end) : view.count();
  for (size_t k = 0; lo + k <= hi && !*done; ++k) {
    const size_t i = range.reverse ? hi - k : lo + k;
    CO_RETURN_IF_ERROR(co_await ScanNode(view.ChildAt(i), range, out, first, done));
  }
  co_return absl::OkStatus();
}

Task<absl::Status> BTree::ScanInto(PageRef root, const ScanRange& range, ScanBatch* out) {
  if (range.limit == 0 || (range.end.has_value() && *range.end <= range.start)) co_return absl::OkStatus();
  bool done = false;
  const size_t first = out->size();
  absl::Status scanned = co_await ScanNode(root, range, out, first, &done);
  QUANTA_ASSERT(!scanned.ok() || out->size() - first <= range.limit);
  co_return scanned;
}

Task<absl::Status> BTree::Drop(PageRef root) {
  std::vector<PageRef> children;
  {
    CO_ASSIGN_OR_RETURN(BufferPool::Ref ref, co_await FetchNode(root));
    NodeView view(ref.data());
    for (size_t i = 0; i < view.count(); ++i) {
      if (view.leaf()) {
        if (view.overflow(i)) FreeOverflow(DecodeOverflowRef(view.value(i)));
      } else {
        children.push_back(view.child(i));
      }
    }
    if (!view.leaf()) children.push_back(view.right_child());
  }
  for (const PageRef& child : children) CO_RETURN_IF_ERROR(co_await Drop(child));
  pool_.Discard(root.id);
  allocator_.Free(root.id);
  co_return absl::OkStatus();
}

}  // namespace quanta::storage
