#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"
#include "engine/env/planted.h"
#include "engine/env/status.h"
#include "engine/wal/wal.h"

namespace quanta::wal {
namespace {

constexpr size_t kReadChunkBytes = 1u << 20;

struct Segment {
  Lsn first_lsn;
  std::string name;
};

Task<absl::StatusOr<std::string>> ReadFrom(File& file, uint64_t offset) {
  CO_ASSIGN_OR_RETURN(uint64_t size, co_await file.Size());
  std::string image;
  while (offset + image.size() < size) {
    CO_ASSIGN_OR_RETURN(std::string chunk, co_await file.Read(offset + image.size(), kReadChunkBytes));
    if (chunk.empty()) break;
    image += chunk;
  }
  co_return image;
}

// The outcome of parsing one segment image from its first record on.
struct SegmentScan {
  Lsn next_lsn = 0;           // the first LSN not found
  uint64_t end_offset = 0;    // end of the last valid record
  bool clean_end = false;     // parsing reached the end of the image
  absl::Status apply_status;  // from the caller's callback
};

SegmentScan ParseRecords(std::string_view image, uint64_t offset, Lsn expected, Lsn from,
                         bool last_segment, absl::FunctionRef<absl::Status(const WalRecord&)> apply) {
  // The planted bug trusts the tail: a record of the last segment is taken unchecked.
  const bool trust_tail = last_segment && PlantedActive(PlantedBug::kWalAcceptTornTail);
  SegmentScan scan;
  while (offset < image.size()) {
    DecodedRecord d = DecodeRecord(image.substr(offset), /*verify_checksum=*/!trust_tail);
    if (d.status != DecodeStatus::kOk) break;
    if (d.record.type != RecordType::kPadding) {
      if (d.record.lsn != expected) break;  // out of sequence: not the record we need
      if (d.record.lsn >= from) {
        scan.apply_status = apply(d.record);
        if (!scan.apply_status.ok()) break;
      }
      ++expected;
    }
    offset += d.size;
  }
  scan.next_lsn = expected;
  scan.end_offset = offset;
  scan.clean_end = offset == image.size();
  return scan;
}

// Looks at and past damage at `bad_offset` for a record whose durable_lsn proves that
// LSN `expected` had been synced: then the damage is corruption, not a torn tail. The
// record at `bad_offset` itself counts when it is intact but out of sequence (a block
// that landed whole in the wrong place leaves one there).
std::optional<WalRecord> ProofOfCorruption(std::string_view image, uint64_t bad_offset, Lsn expected) {
  auto proves = [expected](const DecodedRecord& d) {
    return d.status == DecodeStatus::kOk && d.record.type != RecordType::kPadding && d.record.durable_lsn >= expected;
  };
  if (bad_offset + kRecordHeaderBytes <= image.size()) {
    DecodedRecord here = DecodeRecord(image.substr(bad_offset));
    if (proves(here) && here.record.lsn != expected) return std::move(here.record);
  }
  for (uint64_t at = (bad_offset / kSectorBytes + 1) * kSectorBytes; at + kRecordHeaderBytes <= image.size();
       at += kSectorBytes) {
    DecodedRecord d = DecodeRecord(image.substr(at));
    if (proves(d)) return std::move(d.record);
  }
  return std::nullopt;
}

Task<absl::StatusOr<std::vector<Segment>>> ListSegments(Env& env, const WalOptions& options) {
  auto names = co_await env.List(options.dir);
  if (absl::IsNotFound(names.status())) co_return std::vector<Segment>{};
  CO_RETURN_IF_ERROR(names.status());
  std::vector<Segment> segments;
  for (const std::string& name : *names) {
    if (std::optional<Lsn> first = ParseSegmentFileName(name)) segments.push_back(Segment{*first, name});
  }
  std::sort(segments.begin(), segments.end(), [](const Segment& a, const Segment& b) { return a.first_lsn < b.first_lsn; });
  co_return segments;
}

}  // namespace

namespace {
constexpr char kReplayPausedMessage[] = "WAL replay paused by its caller";
}  // namespace

absl::Status ReplayPaused() { return absl::AbortedError(kReplayPausedMessage); }
bool IsReplayPaused(const absl::Status& status) {
  return absl::IsAborted(status) && status.message() == kReplayPausedMessage;
}

Task<absl::StatusOr<WalPosition>> ReplayWal(Env& env, const WalOptions& options, Lsn from,
                                            absl::FunctionRef<absl::Status(const WalRecord&)> apply) {
  CO_ASSIGN_OR_RETURN(std::vector<Segment> segments, co_await ListSegments(env, options));
  WalPosition position;
  QUANTA_ASSERT(from >= 1);
  if (segments.empty()) {
    position.next_lsn = from;  // nothing logged since the caller's state (or ever)
    co_return position;
  }
  if (from < segments.front().first_lsn) {
    co_return absl::FailedPreconditionError(absl::StrCat("WAL in ", options.dir, " starts at LSN ",
                                                         segments.front().first_lsn, "; replay needs ", from));
  }
  Lsn expected = segments.front().first_lsn;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& seg = segments[i];
    const bool last = i + 1 == segments.size();
    const std::string path = absl::StrCat(options.dir, "/", seg.name);
    if (!last && segments[i + 1].first_lsn <= from) {  // wholly before `from`: skip the read
      expected = segments[i + 1].first_lsn;
      continue;
    }
    CO_ASSIGN_OR_RETURN(std::unique_ptr<File> file, co_await env.Open(path));
    CO_ASSIGN_OR_RETURN(std::string image, co_await ReadFrom(*file, 0));
    auto header = DecodeSegmentHeader(image);
    if (!header.ok() && last && image.size() <= kSegmentHeaderBytes) {
      position.torn_segment = seg.name;  // created, header never synced: no records
      position.torn_tail = true;
      break;
    }
    if (!header.ok()) co_return absl::Status(header.status().code(), absl::StrCat(path, ": ", header.status().message()));
    if (*header != seg.first_lsn || seg.first_lsn != expected) {
      co_return absl::DataLossError(absl::StrCat(path, ": starts at LSN ", *header, " (name says ", seg.first_lsn,
                                                 "), but the log continues at LSN ", expected));
    }
    SegmentScan scan = ParseRecords(image, kSegmentHeaderBytes, expected, from, last, apply);
    if (!scan.apply_status.ok()) co_return scan.apply_status;
    if (!scan.clean_end && last) {
      // A transient read error (a flipped bit) must not end the log: read the rest again.
      CO_ASSIGN_OR_RETURN(std::string again, co_await ReadFrom(*file, scan.end_offset));
      image = image.substr(0, scan.end_offset) + again;
      SegmentScan more = ParseRecords(image, scan.end_offset, scan.next_lsn, from, last, apply);
      if (!more.apply_status.ok()) co_return more.apply_status;
      if (more.end_offset > scan.end_offset) COVERAGE_MARK(kWalTransientReadError);
      scan = more;
    }
    expected = scan.next_lsn;
    position.segment = seg.name;
    position.end_offset = scan.end_offset;
    if (scan.clean_end) continue;
    if (!last) {
      COVERAGE_MARK(kWalCorruptBeforeTail);
      co_return absl::DataLossError(absl::StrCat(path, " offset ", scan.end_offset, ": corrupt record (LSN ",
                                                 expected, " expected) in a sealed segment"));
    }
    if (std::optional<WalRecord> proof = ProofOfCorruption(image, scan.end_offset, expected)) {
      COVERAGE_MARK(kWalCorruptBeforeTail);
      co_return absl::DataLossError(absl::StrCat(path, " offset ", scan.end_offset, ": corrupt record (LSN ",
                                                 expected, " expected), but record ", proof->lsn,
                                                 " says LSNs up to ", proof->durable_lsn, " were synced"));
    }
    COVERAGE_MARK(kWalTornTail);
    position.torn_tail = true;
  }
  position.next_lsn = expected;
  co_return position;
}

Task<absl::Status> RemoveSegmentsBefore(Env& env, const WalOptions& options, Lsn keep_from) {
  CO_ASSIGN_OR_RETURN(std::vector<Segment> segments, co_await ListSegments(env, options));
  bool removed = false;
  for (size_t i = 0; i + 1 < segments.size() && segments[i + 1].first_lsn <= keep_from; ++i) {
    CO_RETURN_IF_ERROR(co_await env.Remove(absl::StrCat(options.dir, "/", segments[i].name)));
    removed = true;
  }
  if (removed) CO_RETURN_IF_ERROR(co_await env.SyncDir(options.dir));
  co_return absl::OkStatus();
}

}  // namespace quanta::wal
