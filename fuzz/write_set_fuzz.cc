// Fuzzes the write-set decoder (the payload of WAL records, later also received from
// peers): no crash, and whatever decodes re-encodes to exactly the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/env/assert.h"
#include "engine/storage/write_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta::storage;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto ws = DecodeWriteSet(bytes);
  if (ws.ok()) QUANTA_ASSERT(EncodeWriteSet(*ws) == bytes);
  return 0;
}
