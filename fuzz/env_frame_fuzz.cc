// Fuzzes the stream frame decoder with arbitrary bytes, as a receiver would see them
// from a peer: no crash, no over-read, and every accepted frame re-encodes exactly.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/env/assert.h"
#include "sim/workloads/record_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta::sim;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    DecodedFrame f = DecodeFrame(rest);
    if (f.status != DecodeStatus::kOk) break;
    QUANTA_ASSERT(f.size == kFrameHeaderBytes + f.payload.size());
    QUANTA_ASSERT(EncodeFrame(f.payload) == rest.substr(0, f.size));
    rest.remove_prefix(f.size);
  }
  return 0;
}
