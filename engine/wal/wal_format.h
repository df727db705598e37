// The on-disk format of QuantaDB's write-ahead log.
//
// The WAL is a sequence of segment files in one directory, each named by the LSN of
// its first record as 16 hex digits ("0000000000000001.wal"), so names sort in log
// order. LSNs number records 1, 2, 3, ... (later the Raft log index).
//
// Segment = a 512-byte header, then records:
//   header: u64 magic "QWALSEG1", u32 version, u32 masked CRC32C of the header with
//           this field zero, u64 first_lsn, zeros up to 512 bytes.
//   record: u32 masked CRC32C of bytes [4, 40 + payload_len)
//           u32 payload_len (<= kMaxWalPayloadBytes)
//           u64 lsn          (0 for padding)
//           u64 term         (Raft term; 0 until replication exists)
//           u64 durable_lsn  (the writer's durable LSN when the record's batch was
//                            built: a later record proves which earlier ones were synced)
//           u8  type, 7 zero bytes
//           payload
// Every flush (one group commit) starts on a 512-byte boundary and ends with a
// padding record up to the next boundary, so a synced sector is never rewritten and a
// reader can find batch starts after damage by scanning sector boundaries.
// Integers are little-endian. Decoders never trust their input (fuzz/wal_record_fuzz).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace quanta::wal {

using Lsn = uint64_t;

inline constexpr size_t kSectorBytes = 512;
inline constexpr size_t kSegmentHeaderBytes = 512;
inline constexpr size_t kRecordHeaderBytes = 40;
inline constexpr uint32_t kMaxWalPayloadBytes = 64u << 20;
inline constexpr uint32_t kWalVersion = 1;

enum class RecordType : uint8_t {
  kPadding = 1,     // fills a flush up to a sector boundary; carries no LSN
  kWriteSet = 2,    // one committed transaction's writes (redo only)
  kDdl = 3,         // a schema change
  kCheckpoint = 4,  // a checkpoint completed at the LSN in its payload
  kNoop = 5,        // carries nothing (a new Raft leader's first entry)
  // The Raft log (engine/replication/raft_storage.h): one entry, the hard state, or
  // the snapshot the log now starts after.
  kRaftEntry = 6,
  kRaftHardState = 7,
  kRaftSnapshot = 8,
};
bool IsKnownType(uint8_t type);

struct WalRecord {
  Lsn lsn = 0;
  uint64_t term = 0;
  Lsn durable_lsn = 0;
  RecordType type = RecordType::kNoop;
  std::string payload;
};

// Appends the encoding of `record` to `out`. REQUIRES: payload <= kMaxWalPayloadBytes.
void EncodeRecord(const WalRecord& record, std::string* out);
// Appends a padding record that ends exactly at the next multiple of kSectorBytes
// (counting from the start of `out`, which must begin sector-aligned). If `out` is
// already aligned, appends nothing.
void PadToSector(std::string* out, uint64_t base_offset);

enum class DecodeStatus { kOk, kNeedMore, kCorrupt };
struct DecodedRecord {
  DecodeStatus status = DecodeStatus::kCorrupt;
  WalRecord record;
  size_t size = 0;  // bytes consumed when kOk
};
// Decodes the record at the start of `bytes`. With `verify_checksum` false the CRC is
// not checked (only the planted bug wal-accept-torn-tail does that).
DecodedRecord DecodeRecord(std::string_view bytes, bool verify_checksum = true);

std::string EncodeSegmentHeader(Lsn first_lsn);
// Returns the header's first LSN, or kDataLoss naming what is wrong.
absl::StatusOr<Lsn> DecodeSegmentHeader(std::string_view bytes);

std::string SegmentFileName(Lsn first_lsn);
// Returns the first LSN named by a segment file name, or nullopt for other names.
std::optional<Lsn> ParseSegmentFileName(std::string_view name);

}  // namespace quanta::wal
