#include "engine/replication/snapshot_transfer.h"

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/planted.h"
#include "engine/env/status.h"
#include "engine/raft/wire.h"
#include "engine/storage/snapshot.h"
#include "engine/util/coding.h"
#include "engine/util/crc32c.h"
#include "engine/util/lz4.h"
#include "snapshot.pb.h"

namespace quanta::replication {
namespace {

absl::Status Bad(absl::string_view what) { return absl::DataLossError(absl::StrCat("snapshot stream: ", what)); }

// The CRC32C the trailer carries, folded over the stream's content in order.
class Digest {
 public:
  void Header(std::string_view meta_page, wal::Lsn lsn) {
    Add(meta_page);
    AddU64(lsn);
  }
  void Page(storage::PageId id, std::string_view data) {
    AddU64(id);
    Add(data);
  }
  void Record(const wal::WalRecord& r) {
    AddU64(r.lsn);
    AddU64(static_cast<uint64_t>(r.type));
    AddU64(r.term);
    AddU64(r.payload.size());
    Add(r.payload);
  }
  uint32_t value() const { return crc_; }

 private:
  void Add(std::string_view bytes) { crc_ = crc32c::Extend(crc_, bytes.data(), bytes.size()); }
  void AddU64(uint64_t v) {
    std::string bytes;
    AppendU64(&bytes, v);
    Add(bytes);
  }
  uint32_t crc_ = 0;
};

// Closes `stream` unless disarmed within kSnapshotIdleTimeout: a peer that stops
// reading or writing must not hold a transfer (and its store snapshot) forever.
class Watchdog {
 public:
  Watchdog(Env& env, std::shared_ptr<Stream> stream) : env_(env) {
    timer_ = env_.StartTimer(kSnapshotIdleTimeout, [stream, fired = fired_] {
      *fired = true;
      stream->Close();
    });
  }
  ~Watchdog() { env_.CancelTimer(timer_); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  bool fired() const { return *fired_; }

 private:
  Env& env_;
  std::shared_ptr<bool> fired_ = std::make_shared<bool>(false);
  TimerId timer_ = 0;
};

// Writes one frame (after `prefix`), closing the stream if it stalls.
Task<absl::Status> WriteFrame(Env& env, std::shared_ptr<Stream> stream, const SnapshotFrame& frame,
                              std::string prefix = "") {
  AppendFrame(EncodeSnapshotFrame(frame), &prefix);
  Watchdog watchdog(env, stream);
  const absl::Status written = co_await stream->Write(std::move(prefix));
  if (watchdog.fired()) co_return absl::DeadlineExceededError("snapshot stream: the replica stopped reading");
  // Whatever the stream says, it is the stream's failure: kDataLoss means the sender's
  // own disk is damaged (SendSnapshot's contract).
  if (!written.ok()) co_return absl::UnavailableError(absl::StrCat("snapshot stream: ", written.message()));
  co_return absl::OkStatus();
}

absl::Status DecodeChunk(const wire::SnapshotFrame& w, SnapshotFrame* out) {
  ASSIGN_OR_RETURN(std::string raw, Lz4Decompress(w.chunk_lz4(), w.chunk_raw_bytes(), kMaxSnapshotFrameBytes));
  wire::SnapshotChunk chunk;
  if (!chunk.ParseFromString(raw)) return Bad("a chunk does not parse");
  if (chunk.pages().empty() && chunk.records().empty()) return Bad("an empty chunk");
  for (const wire::SnapshotPage& p : chunk.pages()) {
    if (p.data().size() != storage::kPageBytes) return Bad(absl::StrCat("page ", p.id(), " has ", p.data().size(), " bytes"));
    out->pages.emplace_back(p.id(), p.data());
  }
  for (const wire::SnapshotRecord& r : chunk.records()) {
    if (r.type() == 0 || r.type() > 255) return Bad(absl::StrCat("record ", r.lsn(), " has type ", r.type()));
    if (r.payload().size() > wal::kMaxWalPayloadBytes) return Bad(absl::StrCat("record ", r.lsn(), " is too large"));
    wal::WalRecord record;
    record.lsn = r.lsn();
    record.type = static_cast<wal::RecordType>(r.type());
    record.term = r.term();
    record.payload = r.payload();
    out->records.push_back(std::move(record));
  }
  return absl::OkStatus();
}

}  // namespace

std::string EncodeSnapshotFrame(const SnapshotFrame& frame) {
  wire::SnapshotFrame w;
  switch (frame.kind) {
    case SnapshotFrame::Kind::kHeader: {
      wire::SnapshotHeader* h = w.mutable_header();
      h->set_raft_message(raft::EncodeMessage(frame.message));
      if (frame.meta_page.empty()) {
        storage::PageBuffer page;
        storage::EncodeMeta(frame.meta, 0, page.data());
        h->set_meta_page(page.data(), page.size());
      } else {
        h->set_meta_page(frame.meta_page);
      }
      h->set_lsn(frame.lsn);
      break;
    }
    case SnapshotFrame::Kind::kChunk: {
      wire::SnapshotChunk chunk;
      for (const auto& [id, data] : frame.pages) {
        wire::SnapshotPage* p = chunk.add_pages();
        p->set_id(id);
        p->set_data(data);
      }
      for (const wal::WalRecord& r : frame.records) {
        wire::SnapshotRecord* out = chunk.add_records();
        out->set_lsn(r.lsn);
        out->set_type(static_cast<uint32_t>(r.type));
        out->set_term(r.term);
        out->set_payload(r.payload);
      }
      const std::string raw = chunk.SerializeAsString();
      w.set_chunk_lz4(Lz4Compress(raw));
      w.set_chunk_raw_bytes(raw.size());
      break;
    }
    case SnapshotFrame::Kind::kTrailer:
      w.mutable_trailer()->set_pages(frame.page_count);
      w.mutable_trailer()->set_records(frame.record_count);
      w.mutable_trailer()->set_crc32c(frame.crc);
      break;
  }
  return w.SerializeAsString();
}

absl::StatusOr<SnapshotFrame> DecodeSnapshotFrame(std::string_view payload) {
  wire::SnapshotFrame w;
  if (!w.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return Bad("a frame does not parse");
  const int parts = (w.has_header() ? 1 : 0) + (w.chunk_lz4().empty() ? 0 : 1) + (w.has_trailer() ? 1 : 0);
  if (parts != 1) return Bad(absl::StrCat("a frame has ", parts, " parts, not one"));
  SnapshotFrame out;
  if (w.has_header()) {
    out.kind = SnapshotFrame::Kind::kHeader;
    ASSIGN_OR_RETURN(out.message, raft::DecodeMessage(w.header().raft_message()));
    if (out.message.type != raft::MessageType::kSnapshot) return Bad("the header's raft message is not a snapshot");
    if (w.header().meta_page().size() != storage::kPageBytes) return Bad("the header's meta is not one page");
    ASSIGN_OR_RETURN(out.meta, storage::DecodeMeta(w.header().meta_page().data(), 0));
    out.meta_page = w.header().meta_page();
    out.lsn = w.header().lsn();
    if (out.lsn < out.meta.checkpoint_lsn) return Bad("the snapshot's LSN is before its checkpoint");
  } else if (w.has_trailer()) {
    out.kind = SnapshotFrame::Kind::kTrailer;
    out.page_count = w.trailer().pages();
    out.record_count = w.trailer().records();
    out.crc = w.trailer().crc32c();
  } else {
    out.kind = SnapshotFrame::Kind::kChunk;
    RETURN_IF_ERROR(DecodeChunk(w, &out));
  }
  return out;
}

namespace {

// What a sender has put in the stream so far, for the trailer.
struct SendState {
  SendState(Env& e, std::shared_ptr<Stream> s, size_t limit) : env(e), stream(std::move(s)), chunk_limit(limit) {}
  Env& env;
  std::shared_ptr<Stream> stream;
  size_t chunk_limit;
  Digest digest;
  uint64_t pages = 0;
  uint64_t records = 0;
  SnapshotFrame chunk;  // being filled
  size_t chunk_bytes = 0;
};

Task<absl::Status> FlushChunk(SendState& s) {
  if (s.chunk_bytes == 0) co_return absl::OkStatus();
  // The receiver refuses an empty chunk (DecodeChunk): never send one.
  QUANTA_ASSERT(!s.chunk.pages.empty() || !s.chunk.records.empty());
  QUANTA_ASSERT(s.chunk.kind == SnapshotFrame::Kind::kChunk);
  CO_RETURN_IF_ERROR(co_await WriteFrame(s.env, s.stream, s.chunk));
  s.chunk = SnapshotFrame();
  s.chunk_bytes = 0;
  co_return absl::OkStatus();
}

// The WAL records after the checkpoint, a chunk at a time (the read pauses whenever
// one is full).
Task<absl::Status> SendWal(SendState& s, storage::StoreSnapshot& snapshot) {
  wal::Lsn from = 0;
  for (;;) {
    wal::Lsn last = 0;
    const absl::Status read = co_await snapshot.ReadWal(
        [&](const wal::WalRecord& r) {
          QUANTA_ASSERT(r.lsn > snapshot.checkpoint_lsn());
          QUANTA_ASSERT(r.lsn <= snapshot.lsn());
          s.chunk.records.push_back(r);
          s.digest.Record(r);
          ++s.records;
          last = r.lsn;
          s.chunk_bytes += r.payload.size() + 32;
          return s.chunk_bytes >= s.chunk_limit ? wal::ReplayPaused() : absl::OkStatus();
        },
        from);
    if (!read.ok() && !wal::IsReplayPaused(read)) co_return read;
    CO_RETURN_IF_ERROR(co_await FlushChunk(s));
    if (read.ok()) co_return absl::OkStatus();
    from = last + 1;
  }
}

// Every page the checkpoint uses, each checked against what refers to it.
Task<absl::Status> SendPages(SendState& s, storage::StoreSnapshot& snapshot) {
  storage::SnapshotPages pages(snapshot);
  storage::PageBuffer page;
  storage::PageId id = 0;
  for (;;) {
    CO_ASSIGN_OR_RETURN(const bool more, co_await pages.Next(&id, page.data()));
    if (!more) break;
    QUANTA_ASSERT(id >= storage::kFirstDataPage);
    QUANTA_ASSERT(id < snapshot.meta().next_page);
    s.chunk.pages.emplace_back(id, std::string(page.data(), page.size()));
    s.digest.Page(id, s.chunk.pages.back().second);
    ++s.pages;
    s.chunk_bytes += page.size();
    if (s.chunk_bytes >= s.chunk_limit) CO_RETURN_IF_ERROR(co_await FlushChunk(s));
  }
  const absl::Status flushed = co_await FlushChunk(s);
  co_return flushed;
}

}  // namespace

Task<absl::Status> SendSnapshot(Env& env, std::shared_ptr<Stream> stream, storage::StoreSnapshot& snapshot,
                                raft::Message message, size_t chunk_limit) {
  QUANTA_ASSERT(message.type == raft::MessageType::kSnapshot);
  QUANTA_ASSERT(chunk_limit > 0);
  SendState s(env, stream, chunk_limit);
  SnapshotFrame header;
  header.kind = SnapshotFrame::Kind::kHeader;
  header.message = std::move(message);
  storage::PageBuffer page;
  storage::EncodeMeta(snapshot.meta(), 0, page.data());
  header.meta_page.assign(page.data(), page.size());
  header.lsn = snapshot.lsn();
  s.digest.Header(header.meta_page, header.lsn);
  std::string hello;
  AppendFrame(kSnapshotHello, &hello);
  CO_RETURN_IF_ERROR(co_await WriteFrame(env, stream, header, std::move(hello)));
  // Records before pages: a replica that took a cut stream for whole would miss
  // pages, which its store cannot open without, rather than records.
  CO_RETURN_IF_ERROR(co_await SendWal(s, snapshot));
  CO_RETURN_IF_ERROR(co_await SendPages(s, snapshot));
  SnapshotFrame trailer;
  trailer.kind = SnapshotFrame::Kind::kTrailer;
  trailer.page_count = s.pages;
  trailer.record_count = s.records;
  trailer.crc = s.digest.value();
  QUANTA_ASSERT(s.chunk_bytes == 0);  // every chunk went before the trailer
  const absl::Status written = co_await WriteFrame(env, stream, trailer);
  co_return written;
}

namespace {

// The next frame of `stream`: kDataLoss at its end (or on a read error),
// kDeadlineExceeded if it stalled.
// The next frame's payload from `stream`. Errors: kDataLoss for a bad frame,
// kUnavailable when the stream ends (or is reset), kDeadlineExceeded if it stalls.
Task<absl::StatusOr<std::string>> NextPayload(Env& env, std::shared_ptr<Stream> stream, FrameReader& reader) {
  for (;;) {
    auto payload = reader.Next();
    if (!payload.ok()) co_return Bad(payload.status().message());
    if (payload->has_value()) co_return std::move(**payload);
    Watchdog watchdog(env, stream);
    auto bytes = co_await stream->Read(64u << 10);
    if (watchdog.fired()) co_return absl::DeadlineExceededError("snapshot stream: the peer stopped sending");
    if (!bytes.ok() || bytes->empty()) co_return absl::UnavailableError("snapshot stream: the peer closed it");
    reader.Feed(*bytes);
  }
}

// The next frame of a snapshot stream: kDataLoss also at its end (before the trailer).
Task<absl::StatusOr<SnapshotFrame>> NextFrame(Env& env, std::shared_ptr<Stream> stream, FrameReader& reader) {
  auto payload = co_await NextPayload(env, stream, reader);
  if (absl::IsUnavailable(payload.status())) co_return Bad("the stream ended before its trailer");
  CO_RETURN_IF_ERROR(payload.status());
  auto frame = DecodeSnapshotFrame(*payload);
  co_return frame;
}

}  // namespace

Task<absl::StatusOr<raft::Message>> ReceiveSnapshot(Env& env, std::shared_ptr<Stream> stream, FrameReader& reader,
                                                   std::string dir) {
  CO_ASSIGN_OR_RETURN(SnapshotFrame header, co_await NextFrame(env, stream, reader));
  if (header.kind != SnapshotFrame::Kind::kHeader) co_return Bad("the first frame is not a header");
  Digest digest;
  digest.Header(header.meta_page, header.lsn);
  CO_ASSIGN_OR_RETURN(std::unique_ptr<storage::SnapshotWriter> writer,
                      co_await storage::SnapshotWriter::Create(env, std::move(dir), header.meta, header.lsn));
  uint64_t pages = 0, records = 0;
  for (;;) {
    auto frame = co_await NextFrame(env, stream, reader);
    if (!frame.ok() && PlantedActive(PlantedBug::kReplSnapshotSkipChecksum)) {
      break;  // Planted: a stream that ended or stalled is taken for a whole snapshot.
    }
    if (!frame.ok()) co_return frame.status();
    if (frame->kind == SnapshotFrame::Kind::kHeader) co_return Bad("a second header");
    if (frame->kind == SnapshotFrame::Kind::kTrailer) {
      if (PlantedActive(PlantedBug::kReplSnapshotSkipChecksum)) break;
      if (frame->page_count != pages || frame->record_count != records || frame->crc != digest.value()) {
        co_return Bad(absl::StrCat("the trailer (", frame->page_count, " pages, ", frame->record_count,
                                   " records, crc ", frame->crc, ") does not match what arrived (", pages, ", ",
                                   records, ", ", digest.value(), ")"));
      }
      break;
    }
    for (const auto& [id, data] : frame->pages) {
      digest.Page(id, data);
      ++pages;
      CO_RETURN_IF_ERROR(co_await writer->AddPage(id, data.data()));
    }
    for (const wal::WalRecord& r : frame->records) {
      digest.Record(r);
      ++records;
      CO_RETURN_IF_ERROR(writer->AddWalRecord(r));
    }
  }
  CO_RETURN_IF_ERROR(co_await writer->Finish());
  co_return std::move(header.message);
}

Task<absl::StatusOr<raft::Message>> PullSnapshot(Env& env, std::shared_ptr<Stream> stream, std::string dir) {
  std::string hello;
  AppendFrame(kSnapshotPullHello, &hello);
  {
    Watchdog watchdog(env, stream);
    CO_RETURN_IF_ERROR(co_await stream->Write(std::move(hello)));
  }
  FrameReader reader(kMaxSnapshotFrameBytes);
  auto answer = co_await NextPayload(env, stream, reader);
  if (absl::IsUnavailable(answer.status())) co_return absl::UnavailableError("snapshot pull: the peer cannot serve one now");
  CO_RETURN_IF_ERROR(answer.status());
  if (*answer != kSnapshotHello) co_return Bad("the answer to a pull is not a snapshot stream");
  auto message = co_await ReceiveSnapshot(env, stream, reader, std::move(dir));
  co_return message;
}

}  // namespace quanta::replication
