// Fuzzes the membership-change decoder (the payload of kConfChange log entries, which
// arrive from peers): no crash, and whatever decodes re-encodes to exactly the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/env/assert.h"
#include "engine/raft/conf_change.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta::raft;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto change = DecodeConfChange(bytes);
  if (change.ok()) QUANTA_ASSERT(EncodeConfChange(*change) == bytes);
  return 0;
}
