// Fuzzes the env workload's record decoder and its recovery scan with arbitrary disk
// images: it must never crash, read out of bounds, or accept a record whose re-encoding
// differs from the bytes it was decoded from.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/env/assert.h"
#include "sim/workloads/record_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta::sim;
  const std::string_view image(reinterpret_cast<const char*>(data), size);
  size_t offset = 0;
  while (offset < image.size()) {
    DecodedRecord d = DecodeRecord(image.substr(offset));
    if (d.status != DecodeStatus::kOk) break;
    QUANTA_ASSERT(d.size > 0);
    QUANTA_ASSERT(d.size % kRecordAlignBytes == 0);
    const std::string again = EncodeRecord(d.record);
    QUANTA_ASSERT(image.substr(offset, kRecordHeaderBytes + d.record.payload.size()) ==
                  std::string_view(again).substr(0, kRecordHeaderBytes + d.record.payload.size()));
    offset += d.size;
  }
  return 0;
}
