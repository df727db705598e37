#include "engine/storage/page.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/env/coverage.h"
#include "engine/env/planted.h"
#include "engine/util/crc32c.h"

namespace quanta::storage {

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

PageRef SealPage(char* page) {
  const uint32_t checksum = crc32c::Mask(PageCrc(page));
  PutU32(page, checksum);
  return PageRef{GetU64(page + 8), checksum};
}

uint32_t StoredChecksum(const char* page) { return GetU32(page); }
bool IsSealed(const char* page) { return crc32c::Unmask(GetU32(page)) == PageCrc(page); }

absl::Status VerifyPage(const char* page, PageId expected_id) {
  bool all_zero = true;
  for (size_t i = 0; i < kPageHeaderBytes && all_zero; ++i) all_zero = page[i] == 0;
  if (all_zero) {
    COVERAGE_MARK(kStoragePageNeverWritten);
    return absl::DataLossError(absl::StrCat("page ", expected_id, " was never written"));
  }
  if (crc32c::Unmask(GetU32(page)) != PageCrc(page)) {
    COVERAGE_MARK(kStoragePageChecksum);
    return absl::DataLossError(absl::StrCat("page ", expected_id, ": checksum mismatch"));
  }
  const PageHeader header = ReadPageHeader(page);
  if (header.page_id != expected_id) {
    COVERAGE_MARK(kStoragePageMisdirected);
    return absl::DataLossError(absl::StrCat("page ", expected_id, " holds page ", header.page_id,
                                            " (misdirected write)"));
  }
  const auto type = static_cast<uint8_t>(header.type);
  if (type < static_cast<uint8_t>(PageType::kMeta) || type > static_cast<uint8_t>(PageType::kFreeList)) {
    return absl::DataLossError(absl::StrCat("page ", expected_id, ": unknown page type ", type));
  }
  return absl::OkStatus();
}

absl::Status VerifyPageRef(const char* page, const PageRef& ref) {
  if (absl::Status s = VerifyPage(page, ref.id); !s.ok()) return s;
  // Planted: the defense is gone, as if references named pages by id alone.
  if (StoredChecksum(page) != ref.checksum && !PlantedActive(PlantedBug::kStorageSkipPageReference)) {
    COVERAGE_MARK(kStoragePageVersionMismatch);
    return absl::DataLossError(absl::StrCat("page ", ref.id, " is intact but not the version its reference expects "
                                            "(checksum ", StoredChecksum(page), ", expected ", ref.checksum,
                                            "): a lost or misdirected write"));
  }
  return absl::OkStatus();
}

}  // namespace quanta::storage
