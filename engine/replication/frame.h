// Frames: how QuantaDB's internal protocols (Raft peers, the internal client
// protocol) cut a byte stream into messages.
//
// A frame is: u32 payload length, u32 masked CRC32C of the payload, the payload
// (little-endian; engine/util/coding.h). The CRC catches what TCP's checksum misses
// (and a peer speaking another protocol on the port); the length is checked against
// the reader's limit before anything is buffered for it. FrameReader is fed the
// stream's bytes as they arrive and yields whole payloads. Fuzzed:
// fuzz/frame_fuzz.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace quanta::replication {

inline constexpr size_t kFrameHeaderBytes = 8;

// Appends one frame holding `payload` to `out`.
void AppendFrame(std::string_view payload, std::string* out);

class FrameReader {
 public:
  // Frames whose payload exceeds `max_payload_bytes` are refused.
  explicit FrameReader(size_t max_payload_bytes) : max_payload_bytes_(max_payload_bytes) {}

  // Buffers bytes read from the stream.
  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole payload, nullopt if more bytes are needed, or kDataLoss naming the
  // problem (oversized frame, checksum mismatch): the stream is then unusable.
  absl::StatusOr<std::optional<std::string>> Next();
  size_t buffered_bytes() const { return buffer_.size() - consumed_; }
  // The bytes fed but not yet returned (to hand the stream to another reader).
  std::string TakeBuffered() {
    std::string rest = buffer_.substr(consumed_);
    buffer_.clear();
    consumed_ = 0;
    return rest;
  }

 private:
  size_t max_payload_bytes_;
  std::string buffer_;
  size_t consumed_ = 0;  // bytes of buffer_ already returned
};

}  // namespace quanta::replication
