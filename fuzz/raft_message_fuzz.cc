// Fuzzes the Raft wire decoder (every byte a peer sends): no crash, no unbounded
// allocation, and whatever decodes survives encode → decode unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/env/assert.h"
#include "engine/raft/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta::raft;
  auto m = DecodeMessage(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!m.ok()) return 0;
  auto again = DecodeMessage(EncodeMessage(*m));
  QUANTA_ASSERT(again.ok());
  QUANTA_ASSERT(again->type == m->type && again->from == m->from && again->term == m->term &&
                again->entries == m->entries && again->snapshot.voters == m->snapshot.voters);
  return 0;
}
