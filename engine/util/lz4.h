// lz4 block compression for what nodes send each other (append batches, snapshot
// chunks), with the size checks a decoder of outside bytes needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace quanta {

// Compresses `raw` as one lz4 block.
std::string Lz4Compress(std::string_view raw);
// Inflates `packed`, which claims to hold `raw_bytes`. Errors: kDataLoss for a claim
// over `max_raw_bytes` or beyond what lz4 can inflate to from that many bytes (~255x:
// a lie would make us allocate), or a block that does not inflate to exactly that.
absl::StatusOr<std::string> Lz4Decompress(std::string_view packed, uint64_t raw_bytes, uint64_t max_raw_bytes);

}  // namespace quanta
