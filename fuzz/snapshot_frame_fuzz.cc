// Fuzzes what a replica decodes while catching up from a snapshot: the first input
// byte picks a snapshot stream frame (engine/replication/snapshot_transfer.h) or a
// store generation's snapshot marker (store_generations.h). No crash; whatever
// decodes is well formed and re-encodes to something that decodes the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/env/assert.h"
#include "engine/replication/snapshot_transfer.h"
#include "engine/replication/store_generations.h"
#include "engine/storage/page.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta;
  using namespace quanta::replication;
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 1) {
    auto marker = DecodeSnapshotMarker(rest);
    if (!marker.ok()) return 0;
    QUANTA_ASSERT(!marker->voters.empty());
    QUANTA_ASSERT(EncodeSnapshotMarker(*marker) == rest);
    return 0;
  }
  auto frame = DecodeSnapshotFrame(rest);
  if (!frame.ok()) return 0;
  if (frame->kind == SnapshotFrame::Kind::kHeader) {
    QUANTA_ASSERT(frame->message.type == raft::MessageType::kSnapshot);
    QUANTA_ASSERT(frame->lsn >= frame->meta.checkpoint_lsn);
  }
  for (const auto& [id, page] : frame->pages) QUANTA_ASSERT(page.size() == storage::kPageBytes);
  auto again = DecodeSnapshotFrame(EncodeSnapshotFrame(*frame));
  QUANTA_ASSERT(again.ok());
  QUANTA_ASSERT(again->kind == frame->kind && again->pages == frame->pages &&
                again->records.size() == frame->records.size() && again->lsn == frame->lsn &&
                again->crc == frame->crc);
  return 0;
}
