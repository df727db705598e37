#include "engine/util/lz4.h"

#include <lz4.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace quanta {

std::string Lz4Compress(std::string_view raw) {
  std::string packed(LZ4_compressBound(static_cast<int>(raw.size())), '\0');
  const int n = LZ4_compress_default(raw.data(), packed.data(), static_cast<int>(raw.size()),
                                     static_cast<int>(packed.size()));
  packed.resize(n);
  return packed;
}

absl::StatusOr<std::string> Lz4Decompress(std::string_view packed, uint64_t raw_bytes, uint64_t max_raw_bytes) {
  const uint64_t most = 255 * static_cast<uint64_t>(packed.size()) + 16;
  if (raw_bytes == 0 || raw_bytes > std::min(max_raw_bytes, most)) {
    return absl::DataLossError(absl::StrCat("compressed block of ", packed.size(), " bytes claims ", raw_bytes, " bytes"));
  }
  std::string raw(raw_bytes, '\0');
  const int n = LZ4_decompress_safe(packed.data(), raw.data(), static_cast<int>(packed.size()), static_cast<int>(raw.size()));
  if (n < 0 || static_cast<uint64_t>(n) != raw_bytes) return absl::DataLossError("compressed block does not inflate");
  return raw;
}

}  // namespace quanta
