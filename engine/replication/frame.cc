#include "engine/replication/frame.h"

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace quanta::replication {

void AppendFrame(std::string_view payload, std::string* out) {
  QUANTA_ASSERT(payload.size() <= UINT32_MAX);
  const size_t before = out->size();
  char header[kFrameHeaderBytes];
  PutU32(header, static_cast<uint32_t>(payload.size()));
  PutU32(header + 4, crc32c::Mask(crc32c::Value(payload)));
  out->append(header, sizeof(header));
  out->append(payload);
  QUANTA_ASSERT(out->size() == before + kFrameHeaderBytes + payload.size());
}

absl::StatusOr<std::optional<std::string>> FrameReader::Next() {
  const std::string_view rest = std::string_view(buffer_).substr(consumed_);
  if (rest.size() < kFrameHeaderBytes) return std::nullopt;
  const uint32_t length = GetU32(rest.data());
  if (length > max_payload_bytes_) {
    return absl::DataLossError(
        absl::StrCat("frame of ", length, " bytes exceeds the limit of ", max_payload_bytes_));
  }
  if (rest.size() < kFrameHeaderBytes + length) return std::nullopt;
  std::string payload(rest.substr(kFrameHeaderBytes, length));
  const uint32_t expected = crc32c::Unmask(GetU32(rest.data() + 4));
  if (crc32c::Value(payload) != expected) {
    return absl::DataLossError(absl::StrCat("frame checksum mismatch (", length, "-byte payload)"));
  }
  consumed_ += kFrameHeaderBytes + length;
  QUANTA_ASSERT(consumed_ <= buffer_.size());
  // Compact once the consumed prefix dominates, so the buffer stays bounded.
  if (consumed_ > buffer_.size() / 2) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return std::optional<std::string>(std::move(payload));
}

}  // namespace quanta::replication
