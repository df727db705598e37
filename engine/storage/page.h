// Pages: the 8 KiB unit of the data file, and the header every page starts with.
//
// Common header (24 bytes, little-endian):
//   u32 masked CRC32C of the whole page with this field zero
//   u8  type, u8 zero, u16 zero
//   u64 page_id   (where the page belongs: a page read from another place is misdirected)
//   u64 page_lsn  (the LSN of the last write set that changed it)
// A page is sealed (checksum set) whenever it changes, before anything refers to the
// new version, and verified right after it is read; a mismatch is kDataLoss naming
// the page, never served.
//
// Page references. Whatever points at a page (a parent node at its child, the meta
// at a tree's root) holds a PageRef: the page's id and the checksum it must have. A
// read checks both, so a page that is intact but not the version referred to — a
// write that never reached the disk (a lost write) or a misdirected write that left
// another page's valid bytes in place — is kDataLoss, never served (as ZFS's block
// pointers and TigerBeetle's block references do).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "engine/util/coding.h"

namespace quanta::storage {

inline constexpr size_t kPageBytes = 8192;
inline constexpr size_t kPageHeaderBytes = 24;
using PageId = uint64_t;
using Lsn = uint64_t;
using PageBuffer = std::array<char, kPageBytes>;

// Pages 0 and 1 hold the two meta slots; data pages start at 2.
inline constexpr PageId kFirstDataPage = 2;

enum class PageType : uint8_t {
  kMeta = 1,
  kLeaf = 2,
  kInterior = 3,
  kOverflow = 4,
  kFreeList = 5,
};

struct PageHeader {
  PageType type;
  PageId page_id;
  Lsn page_lsn;
};

// What a reference expects to find: page `id`, sealed with checksum `checksum` (the
// masked CRC32C stored in its header).
struct PageRef {
  PageId id = 0;
  uint32_t checksum = 0;
  bool operator==(const PageRef& o) const { return id == o.id && checksum == o.checksum; }
};

// Writes the common header fields (not the checksum) into `page`.
void WritePageHeader(const PageHeader& header, char* page);
PageHeader ReadPageHeader(const char* page);
// Computes and stores the checksum; returns the page's reference. Call after every
// change, before anything refers to the new version or it is written.
PageRef SealPage(char* page);
// The checksum stored in a (sealed) page's header.
uint32_t StoredChecksum(const char* page);
// Whether the stored checksum matches the content (the page is sealed as it is now).
bool IsSealed(const char* page);
// Verifies the checksum, type and id of a page read from location `expected_id`.
// Errors: kDataLoss naming the page (never written, checksum mismatch, misdirected).
absl::Status VerifyPage(const char* page, PageId expected_id);
// VerifyPage, then checks the page is the version `ref` expects. Errors: kDataLoss,
// naming a lost or misdirected write for an intact page of another version.
absl::Status VerifyPageRef(const char* page, const PageRef& ref);


}  // namespace quanta::storage
