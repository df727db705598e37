#include "sim/workloads/record_codec.h"

#include <cstring>

#include "engine/env/assert.h"
#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace quanta::sim {
namespace {

uint32_t GetU32(std::string_view b, size_t at) { return quanta::GetU32(b.data() + at); }
uint64_t GetU64(std::string_view b, size_t at) { return quanta::GetU64(b.data() + at); }

}  // namespace

size_t EncodedRecordSize(size_t payload_len) {
  const size_t raw = kRecordHeaderBytes + payload_len;
  return (raw + kRecordAlignBytes - 1) / kRecordAlignBytes * kRecordAlignBytes;
}

std::string EncodeRecord(const Record& record) {
  QUANTA_ASSERT(record.payload.size() <= kMaxRecordPayload);
  std::string out;
  out.reserve(EncodedRecordSize(record.payload.size()));
  AppendU32(&out, 0);  // checksum, filled below
  AppendU32(&out, static_cast<uint32_t>(record.payload.size()));
  AppendU64(&out, record.seq);
  AppendU64(&out, record.synced_before);
  out += record.payload;
  PutU32(out.data(), crc32c::Mask(crc32c::Value(out.data() + 4, out.size() - 4)));
  out.resize(EncodedRecordSize(record.payload.size()), '\0');
  QUANTA_DEBUG_ASSERT(DecodeRecord(out).status == DecodeStatus::kOk);
  return out;
}

DecodedRecord DecodeRecord(std::string_view bytes, bool verify_checksum) {
  DecodedRecord out;
  if (bytes.size() < kRecordHeaderBytes) {
    out.status = DecodeStatus::kNeedMore;
    return out;
  }
  const uint32_t len = GetU32(bytes, 4);
  if (len > kMaxRecordPayload) return out;  // kCorrupt
  const size_t size = EncodedRecordSize(len);
  if (bytes.size() < kRecordHeaderBytes + len) {
    out.status = DecodeStatus::kNeedMore;
    return out;
  }
  const uint32_t stored = crc32c::Unmask(GetU32(bytes, 0));
  if (verify_checksum && stored != crc32c::Value(bytes.data() + 4, kRecordHeaderBytes - 4 + len)) {
    return out;  // kCorrupt
  }
  out.record.seq = GetU64(bytes, 8);
  out.record.synced_before = GetU64(bytes, 16);
  out.record.payload.assign(bytes.substr(kRecordHeaderBytes, len));
  out.size = size;
  out.status = DecodeStatus::kOk;
  return out;
}

std::string EncodeFrame(std::string_view payload) {
  QUANTA_ASSERT(payload.size() <= kMaxFramePayload);
  std::string out;
  out.reserve(kFrameHeaderBytes + payload.size());
  AppendU32(&out, static_cast<uint32_t>(payload.size()));
  AppendU32(&out, crc32c::Mask(crc32c::Value(payload)));
  out += payload;
  return out;
}

DecodedFrame DecodeFrame(std::string_view bytes) {
  DecodedFrame out;
  if (bytes.size() < kFrameHeaderBytes) {
    out.status = DecodeStatus::kNeedMore;
    return out;
  }
  const uint32_t len = GetU32(bytes, 0);
  if (len > kMaxFramePayload) return out;  // kCorrupt
  if (bytes.size() < kFrameHeaderBytes + len) {
    out.status = DecodeStatus::kNeedMore;
    return out;
  }
  const std::string_view payload = bytes.substr(kFrameHeaderBytes, len);
  if (crc32c::Unmask(GetU32(bytes, 4)) != crc32c::Value(payload)) return out;  // kCorrupt
  out.payload.assign(payload);
  out.size = kFrameHeaderBytes + len;
  out.status = DecodeStatus::kOk;
  return out;
}

}  // namespace quanta::sim
