// The meta page: the root of a checkpoint, kept in two slots (pages 0 and 1).
//
// Checkpoint n writes slot n % 2, so the other slot keeps checkpoint n-1 intact while
// the write is in flight; at open the valid slot with the highest sequence wins. A slot
// is valid only if its checksum, type, page id, magic and version check out; if both
// fail on a non-empty file, the store refuses to open (kDataLoss).
//
// Layout after the common header: u64 magic, u32 version, u32 tree count, u64 sequence,
// u64 checkpoint LSN, u64 next page, u64 free-list first page, u32 free-list pages,
// u32 free-list checksum, u64 free-list entries, then (u64 tree id, u64 root page, u32
// root checksum, u32 zero) per tree. The roots are PageRefs (page.h), and the free-list
// checksum is the CRC32C of its pages' checksums in order, so a free-list or root page
// left stale by a lost write is caught as any other.
// Free-list pages: the common header, u32 entries, u64 page ids.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "engine/storage/page.h"

namespace quanta::storage {

using TreeId = uint64_t;

inline constexpr size_t kMetaFixedBytes = kPageHeaderBytes + 64;
inline constexpr size_t kMetaRootBytes = 24;
inline constexpr size_t kMaxTrees = (kPageBytes - kMetaFixedBytes) / kMetaRootBytes;
static_assert(kMaxTrees >= 256, "the meta page holds a few hundred trees");
inline constexpr size_t kFreeListEntriesPerPage = (kPageBytes - kPageHeaderBytes - 4) / 8;

struct Meta {
  uint64_t seq = 0;  // 0: no checkpoint yet
  Lsn checkpoint_lsn = 0;
  PageId next_page = kFirstDataPage;
  PageId freelist_first = 0;
  uint32_t freelist_pages = 0;
  uint32_t freelist_checksum = 0;  // FreeListChecksum() of its pages
  uint64_t freelist_entries = 0;
  absl::btree_map<TreeId, PageRef> roots;
};

// Encodes `meta` into slot page `slot` (0 or 1), sealed. REQUIRES: roots <= kMaxTrees.
void EncodeMeta(const Meta& meta, PageId slot, char* page);
// Decodes a meta slot. With `verify` false the checksum is skipped (planted bug
// storage-skip-meta-checksum only). Errors: kDataLoss naming the problem.
absl::StatusOr<Meta> DecodeMeta(const char* page, PageId slot, bool verify = true);

// Free-list pages: `ids` split across pages starting at `first` (sealed, ready to write).
std::vector<PageBuffer> EncodeFreeList(const std::vector<PageId>& ids, PageId first);
uint32_t FreeListPages(size_t entries);
// What the meta records of sealed free-list `pages`: the CRC32C of their checksums.
uint32_t FreeListChecksum(const std::vector<PageBuffer>& pages);
// Accumulates FreeListChecksum one page at a time (start from 0).
uint32_t ExtendFreeListChecksum(uint32_t crc, const char* page);
// Appends the ids of one free-list page to `out`. Errors: kDataLoss.
absl::Status DecodeFreeListPage(const char* page, PageId id, std::vector<PageId>* out);

}  // namespace quanta::storage
