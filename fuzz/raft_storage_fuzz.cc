// Fuzzes the raft log's replay (RaftStorage reads back what a disk returned): input is
// a byte choosing whether the log starts at its beginning or after removed segments
// (unanchored), then records (u8 type, u8 term, u16 length, payload) folded into a
// RaftState. No crash; whatever replays is a consistent log: consecutive indexes after
// the snapshot and terms that never go down.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/env/assert.h"
#include "engine/replication/raft_storage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta;
  if (size == 0) return 0;
  replication::RaftState state;
  state.anchored = data[0] % 2 == 0;  // odd: a log whose first segments compaction removed
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  for (wal::Lsn lsn = 1; rest.size() >= 4; ++lsn) {
    wal::WalRecord record;
    record.lsn = lsn;
    record.type = static_cast<wal::RecordType>(static_cast<uint8_t>(rest[0]));
    record.term = static_cast<uint8_t>(rest[1]);
    const size_t length = static_cast<uint8_t>(rest[2]) | (static_cast<size_t>(static_cast<uint8_t>(rest[3])) << 8);
    rest.remove_prefix(4);
    record.payload = std::string(rest.substr(0, length));
    rest.remove_prefix(std::min(length, rest.size()));
    if (!replication::ApplyRaftRecord(record, &state).ok()) return 0;
    for (size_t i = 0; i < state.entries.size(); ++i) {
      QUANTA_ASSERT(state.entries[i].index == state.snapshot.index + 1 + i);
      QUANTA_ASSERT(i == 0 || state.entries[i].term >= state.entries[i - 1].term);
    }
  }
  (void)replication::ValidateRaftState(state);
  return 0;
}
