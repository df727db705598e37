#include "engine/wal/wal_format.h"

#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace quanta::wal {
namespace {

constexpr uint64_t kSegmentMagic = 0x3147455340415751ULL;  // "QWALSEG1" little-endian

void SetU32(std::string* out, size_t at, uint32_t v) { PutU32(out->data() + at, v); }
uint32_t GetU32(std::string_view b, size_t at) { return quanta::GetU32(b.data() + at); }
uint64_t GetU64(std::string_view b, size_t at) { return quanta::GetU64(b.data() + at); }

}  // namespace

bool IsKnownType(uint8_t type) {
  return type >= static_cast<uint8_t>(RecordType::kPadding) && type <= static_cast<uint8_t>(RecordType::kRaftSnapshot);
}

void EncodeRecord(const WalRecord& record, std::string* out) {
  QUANTA_ASSERT(record.payload.size() <= kMaxWalPayloadBytes);
  const size_t start = out->size();
  AppendU32(out, 0);  // CRC, set below
  AppendU32(out, static_cast<uint32_t>(record.payload.size()));
  AppendU64(out, record.lsn);
  AppendU64(out, record.term);
  AppendU64(out, record.durable_lsn);
  out->push_back(static_cast<char>(record.type));
  out->append(7, '\0');
  out->append(record.payload);
  const uint32_t crc = crc32c::Value(out->data() + start + 4, out->size() - start - 4);
  SetU32(out, start, crc32c::Mask(crc));
}

void PadToSector(std::string* out, uint64_t base_offset) {
  const uint64_t end = base_offset + out->size();
  uint64_t gap = (kSectorBytes - end % kSectorBytes) % kSectorBytes;
  if (gap == 0) return;
  if (gap < kRecordHeaderBytes) gap += kSectorBytes;  // a padding record needs a header
  WalRecord padding;
  padding.type = RecordType::kPadding;
  padding.payload.assign(gap - kRecordHeaderBytes, '\0');
  EncodeRecord(padding, out);
  QUANTA_ASSERT((base_offset + out->size()) % kSectorBytes == 0);
}

DecodedRecord DecodeRecord(std::string_view bytes, bool verify_checksum) {
  DecodedRecord out;
  if (bytes.size() < kRecordHeaderBytes) {
    out.status = DecodeStatus::kNeedMore;
    return out;
  }
  const uint32_t len = GetU32(bytes, 4);
  if (len > kMaxWalPayloadBytes) return out;  // kCorrupt
  if (bytes.size() - kRecordHeaderBytes < len) {
    out.status = DecodeStatus::kNeedMore;
    return out;
  }
  if (verify_checksum &&
      crc32c::Unmask(GetU32(bytes, 0)) != crc32c::Value(bytes.data() + 4, kRecordHeaderBytes - 4 + len)) {
    return out;  // kCorrupt
  }
  const auto type = static_cast<uint8_t>(bytes[32]);
  if (!IsKnownType(type)) return out;  // kCorrupt (or a newer format)
  for (size_t i = 33; i < kRecordHeaderBytes; ++i) {
    if (bytes[i] != '\0') return out;
  }
  out.record.lsn = GetU64(bytes, 8);
  out.record.term = GetU64(bytes, 16);
  out.record.durable_lsn = GetU64(bytes, 24);
  out.record.type = static_cast<RecordType>(type);
  const bool padding = out.record.type == RecordType::kPadding;
  if (padding != (out.record.lsn == 0)) return out;  // only padding lacks an LSN
  out.record.payload.assign(bytes.substr(kRecordHeaderBytes, len));
  out.size = kRecordHeaderBytes + len;
  out.status = DecodeStatus::kOk;
  return out;
}

std::string EncodeSegmentHeader(Lsn first_lsn) {
  std::string out;
  AppendU64(&out, kSegmentMagic);
  AppendU32(&out, kWalVersion);
  AppendU32(&out, 0);  // CRC, set below
  AppendU64(&out, first_lsn);
  out.resize(kSegmentHeaderBytes, '\0');
  SetU32(&out, 12, crc32c::Mask(crc32c::Value(out)));
  return out;
}

absl::StatusOr<Lsn> DecodeSegmentHeader(std::string_view bytes) {
  if (bytes.size() < kSegmentHeaderBytes) {
    return absl::DataLossError(absl::StrCat("segment header truncated to ", bytes.size(), " bytes"));
  }
  if (GetU64(bytes, 0) != kSegmentMagic) return absl::DataLossError("not a WAL segment (bad magic)");
  std::string copy(bytes.substr(0, kSegmentHeaderBytes));
  SetU32(&copy, 12, 0);
  if (crc32c::Unmask(GetU32(bytes, 12)) != crc32c::Value(copy)) {
    return absl::DataLossError("segment header checksum mismatch");
  }
  if (GetU32(bytes, 8) != kWalVersion) {
    return absl::FailedPreconditionError(absl::StrCat("unsupported WAL version ", GetU32(bytes, 8)));
  }
  return GetU64(bytes, 16);
}

std::string SegmentFileName(Lsn first_lsn) {
  char name[32];
  std::snprintf(name, sizeof(name), "%016llx.wal", static_cast<unsigned long long>(first_lsn));
  return name;
}

std::optional<Lsn> ParseSegmentFileName(std::string_view name) {
  if (name.size() != 20 || name.substr(16) != ".wal") return std::nullopt;
  Lsn lsn = 0;
  for (char c : name.substr(0, 16)) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    lsn = lsn * 16 + static_cast<Lsn>(digit);
  }
  return lsn;
}

}  // namespace quanta::wal
