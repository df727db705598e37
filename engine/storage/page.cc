#include "engine/storage/page.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/util/crc32c.h"

namespace quanta::storage {

void PutU16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v & 0xff);
  p[1] = static_cast<char>(v >> 8);
}
void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void PutU64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint16_t GetU16(const char* p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(p[0]) | (static_cast<uint8_t>(p[1]) << 8));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

void WritePageHeader(const PageHeader& header, char* page) {
  PutU32(page, 0);
  page[4] = static_cast<char>(header.type);
  page[5] = 0;
  PutU16(page + 6, 0);
  PutU64(page + 8, header.page_id);
  PutU64(page + 16, header.page_lsn);
}

PageHeader ReadPageHeader(const char* page) {
  return PageHeader{static_cast<PageType>(page[4]), GetU64(page + 8), GetU64(page + 16)};
}

namespace {
uint32_t PageCrc(const char* page) {
  const uint32_t zero = 0;
  uint32_t crc = crc32c::Extend(0, &zero, 4);
  return crc32c::Extend(crc, page + 4, kPageBytes - 4);
}
}  // namespace

void SealPage(char* page) { PutU32(page, crc32c::Mask(PageCrc(page))); }

absl::Status VerifyPage(const char* page, PageId expected_id) {
  bool all_zero = true;
  for (size_t i = 0; i < kPageHeaderBytes && all_zero; ++i) all_zero = page[i] == 0;
  if (all_zero) return absl::DataLossError(absl::StrCat("page ", expected_id, " was never written"));
  if (crc32c::Unmask(GetU32(page)) != PageCrc(page)) {
    return absl::DataLossError(absl::StrCat("page ", expected_id, ": checksum mismatch"));
  }
  const PageHeader header = ReadPageHeader(page);
  if (header.page_id != expected_id) {
    return absl::DataLossError(absl::StrCat("page ", expected_id, " holds page ", header.page_id,
                                            " (misdirected write)"));
  }
  const auto type = static_cast<uint8_t>(header.type);
  if (type < static_cast<uint8_t>(PageType::kMeta) || type > static_cast<uint8_t>(PageType::kFreeList)) {
    return absl::DataLossError(absl::StrCat("page ", expected_id, ": unknown page type ", type));
  }
  return absl::OkStatus();
}

}  // namespace quanta::storage
