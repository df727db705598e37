#include "engine/storage/meta.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/util/crc32c.h"

namespace quanta::storage {
namespace {
constexpr uint64_t kMetaMagic = 0x3130304154454D51ULL;  // "QMETA001"
constexpr uint32_t kMetaVersion = 2;  // 2: roots and the free list are PageRefs
}  // namespace

void EncodeMeta(const Meta& meta, PageId slot, char* page) {
  QUANTA_ASSERT(slot <= 1);
  QUANTA_ASSERT(meta.roots.size() <= kMaxTrees);
  std::memset(page, 0, kPageBytes);
  WritePageHeader(PageHeader{PageType::kMeta, slot, meta.checkpoint_lsn}, page);
  char* p = page + kPageHeaderBytes;
  PutU64(p, kMetaMagic);
  PutU32(p + 8, kMetaVersion);
  PutU32(p + 12, static_cast<uint32_t>(meta.roots.size()));
  PutU64(p + 16, meta.seq);
  PutU64(p + 24, meta.checkpoint_lsn);
  PutU64(p + 32, meta.next_page);
  PutU64(p + 40, meta.freelist_first);
  PutU32(p + 48, meta.freelist_pages);
  PutU32(p + 52, meta.freelist_checksum);
  PutU64(p + 56, meta.freelist_entries);
  char* entry = page + kMetaFixedBytes;
  for (const auto& [tree, root] : meta.roots) {
    PutU64(entry, tree);
    PutU64(entry + 8, root.id);
    PutU32(entry + 16, root.checksum);
    entry += kMetaRootBytes;
  }
  SealPage(page);
}

absl::StatusOr<Meta> DecodeMeta(const char* page, PageId slot, bool verify) {
  if (verify) {
    if (absl::Status s = VerifyPage(page, slot); !s.ok()) return s;
  }
  const char* p = page + kPageHeaderBytes;
  auto bad = [slot](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("meta page ", slot, ": ", what));
  };
  if (ReadPageHeader(page).type != PageType::kMeta || GetU64(p) != kMetaMagic) return bad("not a meta page");
  if (GetU32(p + 8) != kMetaVersion) return bad(absl::StrCat("unsupported version ", GetU32(p + 8)));
  Meta meta;
  const uint32_t trees = GetU32(p + 12);
  meta.seq = GetU64(p + 16);
  meta.checkpoint_lsn = GetU64(p + 24);
  meta.next_page = GetU64(p + 32);
  meta.freelist_first = GetU64(p + 40);
  meta.freelist_pages = GetU32(p + 48);
  meta.freelist_checksum = GetU32(p + 52);
  meta.freelist_entries = GetU64(p + 56);
  if (trees > kMaxTrees) return bad("tree count out of range");
  if (meta.next_page < kFirstDataPage) return bad("next page out of range");
  if (meta.freelist_entries > meta.next_page - kFirstDataPage ||
      FreeListPages(meta.freelist_entries) != meta.freelist_pages ||
      (meta.freelist_pages > 0 && (meta.freelist_first < kFirstDataPage ||
                                   meta.freelist_first + meta.freelist_pages > meta.next_page))) {
    return bad("free list out of range");
  }
  const char* entry = page + kMetaFixedBytes;
  for (uint32_t i = 0; i < trees; ++i, entry += kMetaRootBytes) {
    const PageRef root{GetU64(entry + 8), GetU32(entry + 16)};
    if (root.id < kFirstDataPage || root.id >= meta.next_page) return bad("tree root out of range");
    if (!meta.roots.emplace(GetU64(entry), root).second) return bad("a tree appears twice");
  }
  return meta;
}

uint32_t ExtendFreeListChecksum(uint32_t crc, const char* page) {
  const uint32_t checksum = StoredChecksum(page);
  return crc32c::Extend(crc, &checksum, sizeof(checksum));
}

uint32_t FreeListChecksum(const std::vector<PageBuffer>& pages) {
  uint32_t crc = 0;
  for (const PageBuffer& page : pages) crc = ExtendFreeListChecksum(crc, page.data());
  return crc;
}

uint32_t FreeListPages(size_t entries) {
  return static_cast<uint32_t>((entries + kFreeListEntriesPerPage - 1) / kFreeListEntriesPerPage);
}

std::vector<PageBuffer> EncodeFreeList(const std::vector<PageId>& ids, PageId first) {
  std::vector<PageBuffer> pages(FreeListPages(ids.size()));
  for (size_t i = 0; i < pages.size(); ++i) {
    char* page = pages[i].data();
    std::memset(page, 0, kPageBytes);
    WritePageHeader(PageHeader{PageType::kFreeList, first + i, 0}, page);
    const size_t begin = i * kFreeListEntriesPerPage;
    const size_t n = std::min(kFreeListEntriesPerPage, ids.size() - begin);
    PutU32(page + kPageHeaderBytes, static_cast<uint32_t>(n));
    for (size_t j = 0; j < n; ++j) PutU64(page + kPageHeaderBytes + 4 + 8 * j, ids[begin + j]);
    SealPage(page);
  }
  return pages;
}

absl::Status DecodeFreeListPage(const char* page, PageId id, std::vector<PageId>* out) {
  if (absl::Status s = VerifyPage(page, id); !s.ok()) return s;
  if (ReadPageHeader(page).type != PageType::kFreeList) {
    return absl::DataLossError(absl::StrCat("page ", id, ": expected a free-list page"));
  }
  const uint32_t n = GetU32(page + kPageHeaderBytes);
  if (n > kFreeListEntriesPerPage) return absl::DataLossError(absl::StrCat("page ", id, ": free list too long"));
  for (uint32_t j = 0; j < n; ++j) out->push_back(GetU64(page + kPageHeaderBytes + 4 + 8 * j));
  return absl::OkStatus();
}

}  // namespace quanta::storage
