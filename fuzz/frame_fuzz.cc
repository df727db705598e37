// Fuzzes FrameReader (every byte a peer or client sends arrives through it): the
// first input byte picks a chunk size, the rest is fed in chunks. No crash, memory
// bounded by the limit, and every payload read re-frames to the bytes it came from.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/env/assert.h"
#include "engine/replication/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta::replication;
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  FrameReader reader(4096);
  std::string consumed;
  while (!rest.empty()) {
    const std::string_view piece = rest.substr(0, chunk);
    rest.remove_prefix(piece.size());
    reader.Feed(piece);
    for (;;) {
      auto payload = reader.Next();
      if (!payload.ok()) return 0;  // the stream is dropped
      if (!payload->has_value()) break;
      QUANTA_ASSERT((*payload)->size() <= 4096);
      AppendFrame(**payload, &consumed);
    }
  }
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  QUANTA_ASSERT(input.substr(0, consumed.size()) == consumed);
  return 0;
}
