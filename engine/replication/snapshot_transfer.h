// Snapshot streaming: how a primary hands a replica that fell behind its compacted log
// a consistent copy of its store (engine/storage/snapshot.h: the checkpoint plus the
// WAL after it), and how the replica builds it.
//
// The stream is a connection of its own to the replica's replication port: the frame
// kSnapshotHello (which no Raft message encodes to), then SnapshotFrames (snapshot.proto):
// a header (the Raft kSnapshot message that goes with the data, the checkpoint's meta,
// the LSN), chunks of WAL records then of pages (lz4-compressed), and a trailer with their
// counts and a CRC32C over all of it. The replica builds the store through a
// SnapshotWriter as chunks arrive and reports the snapshot complete only when the
// trailer matches what it got and everything is durable: a stream cut short (the
// primary crashed, the link failed) is never installed. Every page is also checked
// against its own checksum on arrival.
//
// Either side closes the stream after kSnapshotIdleTimeout without progress.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/env/env.h"
#include "engine/raft/raft_types.h"
#include "engine/replication/frame.h"
#include "engine/storage/meta.h"
#include "engine/wal/wal_format.h"

namespace quanta::storage {
class StoreSnapshot;
}  // namespace quanta::storage

namespace quanta::replication {

inline constexpr std::string_view kSnapshotHello = "\xffquanta-snapshot-v1";
// A node rebuilding a damaged store opens a stream with this frame instead: the peer
// answers with a snapshot stream of its own store on the same connection.
inline constexpr std::string_view kSnapshotPullHello = "\xffquanta-snapshot-pull-v1";
inline constexpr absl::Duration kSnapshotIdleTimeout = absl::Seconds(10);
// A chunk holds about this much before compression (more if one WAL record is larger).
inline constexpr size_t kSnapshotChunkBytes = 1u << 20;
// The largest frame a snapshot stream may carry: one whole WAL record and change.
inline constexpr size_t kMaxSnapshotFrameBytes = wal::kMaxWalPayloadBytes + (1u << 20);

// One decoded frame of a snapshot stream (after the hello).
struct SnapshotFrame {
  enum class Kind { kHeader, kChunk, kTrailer };
  Kind kind = Kind::kChunk;
  // kHeader
  raft::Message message;
  storage::Meta meta;
  std::string meta_page;  // as sent (the checksum covers it)
  wal::Lsn lsn = 0;
  // kChunk
  std::vector<std::pair<storage::PageId, std::string>> pages;
  std::vector<wal::WalRecord> records;
  // kTrailer
  uint64_t page_count = 0;
  uint64_t record_count = 0;
  uint32_t crc = 0;
};

// Encodes one frame's payload (a header's meta_page, if empty, is encoded from meta).
std::string EncodeSnapshotFrame(const SnapshotFrame& frame);
// Decodes one frame's payload (fuzzed: fuzz/snapshot_frame_fuzz.cc). Errors: kDataLoss
// naming the problem (not exactly one part, an empty chunk, a bad Raft message or
// meta, a page of the wrong size, a record type out of range, a chunk that does not
// inflate).
absl::StatusOr<SnapshotFrame> DecodeSnapshotFrame(std::string_view payload);

// Streams `snapshot` on `stream`, hello first. `message` is the Raft kSnapshot
// message for the replica (its snapshot meta must describe the store's state).
// Errors: kDataLoss only when reading the snapshot found damage on this node's disk
// (a damaged page or WAL record is never sent: the store is damaged); the stream's
// failures are kUnavailable (or kDeadlineExceeded when the peer stopped reading).
// Chunks hold about `chunk_limit` bytes before compression.
Task<absl::Status> SendSnapshot(Env& env, std::shared_ptr<Stream> stream, storage::StoreSnapshot& snapshot,
                                raft::Message message, size_t chunk_limit = kSnapshotChunkBytes);

// Reads a snapshot stream whose hello `reader` already returned and builds the store
// in `dir` (which must not exist or be empty). Returns the Raft message that came
// with it, once the store is complete and durable. Errors: kDataLoss naming what was
// wrong with the stream (including its end before the trailer), kDeadlineExceeded
// when it stalled, or the file system's.
Task<absl::StatusOr<raft::Message>> ReceiveSnapshot(Env& env, std::shared_ptr<Stream> stream, FrameReader& reader,
                                                   std::string dir);

// Asks the peer at the other end of `stream` for a snapshot of its store (the pull
// hello), then reads its answer as ReceiveSnapshot does. Errors: as ReceiveSnapshot;
// kUnavailable if the peer closes without answering (it cannot serve one now).
Task<absl::StatusOr<raft::Message>> PullSnapshot(Env& env, std::shared_ptr<Stream> stream, std::string dir);

}  // namespace quanta::replication
