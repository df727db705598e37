// Pages: the 8 KiB unit of the data file, and the header every page starts with.
//
// Common header (24 bytes, little-endian):
//   u32 masked CRC32C of the whole page with this field zero
//   u8  type, u8 zero, u16 zero
//   u64 page_id   (where the page belongs: a page read from another place is misdirected)
//   u64 page_lsn  (the LSN of the last write set that changed it)
// A page is sealed (checksum set) just before it is written and verified right after
// it is read; a mismatch is kDataLoss naming the page, never served.
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

// Writes the common header fields (not the checksum) into `page`.
void WritePageHeader(const PageHeader& header, char* page);
PageHeader ReadPageHeader(const char* page);
// Computes and stores the checksum. Call after the last change, before writing.
void SealPage(char* page);
// Verifies the checksum, type and id of a page read from location `expected_id`.
// Errors: kDataLoss naming the page (never written, checksum mismatch, misdirected).
absl::Status VerifyPage(const char* page, PageId expected_id);


}  // namespace quanta::storage
