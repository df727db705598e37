// Fuzzes the internal client protocol's decoders (requests from clients, answers from
// nodes): no crash, and whatever decodes survives encode -> decode unchanged. The first
// byte picks the decoder.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/env/assert.h"
#include "net/kv/client_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta::net;
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    auto r = DecodeRequest(bytes);
    if (!r.ok()) return 0;
    auto again = DecodeRequest(EncodeRequest(*r));
    QUANTA_ASSERT(again.ok());
    QUANTA_ASSERT(again->id == r->id);
    QUANTA_ASSERT(again->kind == r->kind);
    QUANTA_ASSERT(again->writes.ops == r->writes.ops);
    QUANTA_ASSERT(again->key == r->key);
    QUANTA_ASSERT(again->target == r->target);
  } else {
    auto r = DecodeResponse(bytes);
    if (!r.ok()) return 0;
    auto again = DecodeResponse(EncodeResponse(*r));
    QUANTA_ASSERT(again.ok());
    QUANTA_ASSERT(again->status == r->status);
    QUANTA_ASSERT(again->value == r->value);
    QUANTA_ASSERT(again->leader == r->leader);
    QUANTA_ASSERT(again->sqlstate == r->sqlstate);
  }
  return 0;
}
