// The env workload's on-disk record and on-wire frame formats.
//
// Record (sector-aligned, so recovery can look for later records at sector starts):
//   u32 masked CRC32C of bytes [4, 24 + payload_len)
//   u32 payload_len            (<= kMaxRecordPayload)
//   u64 seq                    (the record's index in its log)
//   u64 synced_before          (how many records were durable when this was written)
//   payload, then zeros up to the next multiple of 512 bytes
// Frame (on a stream):
//   u32 payload_len (<= kMaxFramePayload), u32 masked CRC32C of the payload, payload
//
// Decoders take bytes from outside (a disk that may be torn or corrupt, a network)
// and never trust them: they return kNeedMore, kCorrupt or a decoded value, and are
// fuzzed (fuzz/env_record_fuzz.cc). Integers are little-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace quanta::sim {

inline constexpr size_t kRecordHeaderBytes = 24;
inline constexpr size_t kRecordAlignBytes = 512;
inline constexpr uint32_t kMaxRecordPayload = 64 * 1024;
inline constexpr uint32_t kMaxFramePayload = 64 * 1024;
inline constexpr size_t kFrameHeaderBytes = 8;

struct Record {
  uint64_t seq = 0;
  uint64_t synced_before = 0;
  std::string payload;
};

enum class DecodeStatus { kOk, kNeedMore, kCorrupt };

// Returns the padded encoding of `record`. REQUIRES: payload <= kMaxRecordPayload.
std::string EncodeRecord(const Record& record);
// The padded size of a record with `payload_len` payload bytes.
size_t EncodedRecordSize(size_t payload_len);

struct DecodedRecord {
  DecodeStatus status = DecodeStatus::kCorrupt;
  Record record;
  size_t size = 0;  // padded bytes consumed when kOk
};
// Decodes the record at the start of `bytes`. With `verify_checksum` false the CRC is
// ignored (only the planted bug env-accept-foreign does that).
DecodedRecord DecodeRecord(std::string_view bytes, bool verify_checksum = true);

std::string EncodeFrame(std::string_view payload);
struct DecodedFrame {
  DecodeStatus status = DecodeStatus::kCorrupt;
  std::string payload;
  size_t size = 0;  // bytes consumed when kOk
};
DecodedFrame DecodeFrame(std::string_view bytes);

}  // namespace quanta::sim
