// Fuzzes the page decoders with arbitrary 8 KiB images (what a damaged disk returns):
// checksum verification, node validation and decoding, meta and free-list pages. No
// crash or over-read; a node that validates must decode and re-encode to a valid node.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/env/assert.h"
#include "engine/storage/meta.h"
#include "engine/storage/node.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta::storage;
  PageBuffer page{};
  std::memcpy(page.data(), data, std::min(size, kPageBytes));
  (void)VerifyPage(page.data(), 7);
  (void)DecodeMeta(page.data(), 0, /*verify=*/false);
  std::vector<PageId> ids;
  (void)DecodeFreeListPage(page.data(), 7, &ids);
  if (ValidateNode(page.data()).ok()) {
    auto node = DecodeNode(page.data());
    QUANTA_ASSERT(node.ok());
    NodeView view(page.data());
    for (size_t i = 0; i < view.count(); ++i) (void)view.LowerBound(view.key(i));
    if (Fits(*node)) {
      PageBuffer again;
      EncodeNode(*node, 7, 0, again.data());
      QUANTA_ASSERT(ValidateNode(again.data()).ok());
    }
  }
  return 0;
}
