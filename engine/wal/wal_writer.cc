#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/planted.h"
#include "engine/env/status.h"
#include "engine/wal/wal.h"

namespace quanta::wal {

struct WalWriter::State {
  State(Env& env, WalOptions options) : env(env), options(std::move(options)) {}

  Env& env;
  WalOptions options;
  std::unique_ptr<File> file;  // the segment being appended; null before the first
  uint64_t offset = 0;         // where the next flush writes in `file`
  Lsn next_lsn = 1;
  Lsn durable_lsn = 0;
  std::vector<WalRecord> pending;  // appended, not yet handed to a flush
  bool flush_scheduled = false;    // a flush loop is running or about to start
  absl::Status error;
  absl::btree_multimap<Lsn, Callback<absl::Status>> waiters;
  WalStats stats;
};

namespace {

using State = WalWriter::State;

std::string SegmentPath(const WalOptions& options, Lsn first_lsn) {
  return absl::StrCat(options.dir, "/", SegmentFileName(first_lsn));
}

// Completes every waiter whose LSN is durable (or all of them, with the error).
void WakeWaiters(State& s) {
  std::vector<Callback<absl::Status>> ready;
  auto end = s.error.ok() ? s.waiters.upper_bound(s.durable_lsn) : s.waiters.end();
  for (auto it = s.waiters.begin(); it != end; ++it) ready.push_back(std::move(it->second));
  s.waiters.erase(s.waiters.begin(), end);
  // Resumed committers may append and wait again; the map is consistent by now.
  for (auto& done : ready) done(s.error);
}

void Poison(State& s, const absl::Status& status) {
  QUANTA_ASSERT(!status.ok());
  if (s.error.ok()) {
    s.error = absl::Status(status.code(),
                           absl::StrCat("WAL failed, restart required: ", status.message()));
  }
  WakeWaiters(s);
}

// Creates the segment whose first record is `first_lsn` and makes it durable.
Task<absl::Status> StartSegment(State& s, Lsn first_lsn) {
  const std::string path = SegmentPath(s.options, first_lsn);
  CO_ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                      co_await s.env.Open(path, OpenOptions{.create = true, .truncate = true}));
  CO_RETURN_IF_ERROR(co_await file->Write(0, EncodeSegmentHeader(first_lsn)));
  CO_RETURN_IF_ERROR(co_await file->Sync(s.options.data_sync));
  CO_RETURN_IF_ERROR(co_await s.env.SyncDir(s.options.dir));
  s.file = std::move(file);
  s.offset = kSegmentHeaderBytes;
  ++s.stats.segments_created;
  co_return absl::OkStatus();
}

// Takes the next batch (at least one record, at most max_batch_bytes) from pending.
std::vector<WalRecord> TakeBatch(State& s) {
  size_t count = 0;
  uint64_t bytes = 0;
  while (count < s.pending.size() && (count == 0 || bytes < s.options.max_batch_bytes)) {
    bytes += kRecordHeaderBytes + s.pending[count].payload.size();
    ++count;
  }
  std::vector<WalRecord> batch(std::make_move_iterator(s.pending.begin()),
                               std::make_move_iterator(s.pending.begin() + static_cast<ptrdiff_t>(count)));
  s.pending.erase(s.pending.begin(), s.pending.begin() + static_cast<ptrdiff_t>(count));
  return batch;
}

// Writes and syncs one batch. REQUIRES: s.error.ok(), batch non-empty.
Task<absl::Status> FlushBatch(State& s, std::vector<WalRecord> batch) {
  const Lsn first = batch.front().lsn;
  const Lsn last = batch.back().lsn;
  QUANTA_ASSERT(first == s.durable_lsn + 1);
  std::string bytes;
  for (WalRecord& record : batch) {
    record.durable_lsn = s.durable_lsn;
    EncodeRecord(record, &bytes);
  }
  if (s.file == nullptr || (s.offset > kSegmentHeaderBytes && s.offset + bytes.size() > s.options.segment_bytes)) {
    CO_RETURN_IF_ERROR(co_await StartSegment(s, first));
  }
  PadToSector(&bytes, s.offset);
  const uint64_t size = bytes.size();
  CO_RETURN_IF_ERROR(co_await s.file->Write(s.offset, std::move(bytes)));
  s.offset += size;
  if (PlantedActive(PlantedBug::kWalAckBeforeSync)) {
    s.durable_lsn = last;
    WakeWaiters(s);
  }
  CO_RETURN_IF_ERROR(co_await s.file->Sync(s.options.data_sync));
  s.durable_lsn = last;
  s.stats.bytes += size;
  ++s.stats.flushes;
  co_return absl::OkStatus();
}

// Flushes until nothing is pending. One runs at a time (s.flush_scheduled).
Task<void> FlushLoop(std::shared_ptr<State> s) {
  while (s->error.ok() && !s->pending.empty()) {
    absl::Status status = co_await FlushBatch(*s, TakeBatch(*s));
    if (!status.ok()) {
      Poison(*s, status);
      break;
    }
    WakeWaiters(*s);
  }
  s->flush_scheduled = false;
}

void ScheduleFlush(const std::shared_ptr<State>& s) {
  if (s->flush_scheduled || !s->error.ok()) return;
  s->flush_scheduled = true;
  // Start on the next turn of the loop so committers of this turn join the batch.
  s->env.StartTimer(absl::ZeroDuration(), [s] { s->env.Spawn(FlushLoop(s)); });
}

}  // namespace

Task<absl::StatusOr<std::unique_ptr<WalWriter>>> WalWriter::Open(Env& env, WalOptions options,
                                                                 WalPosition position) {
  auto state = std::make_shared<State>(env, std::move(options));
  const WalOptions& o = state->options;
  CO_RETURN_IF_ERROR(co_await env.CreateDir(o.dir));
  if (!position.torn_segment.empty()) {
    CO_RETURN_IF_ERROR(co_await env.Remove(absl::StrCat(o.dir, "/", position.torn_segment)));
    CO_RETURN_IF_ERROR(co_await env.SyncDir(o.dir));
  }
  if (!position.segment.empty()) {
    CO_ASSIGN_OR_RETURN(state->file, co_await env.Open(absl::StrCat(o.dir, "/", position.segment)));
    QUANTA_ASSERT(position.end_offset >= kSegmentHeaderBytes);
    CO_RETURN_IF_ERROR(co_await state->file->Truncate(position.end_offset));
    CO_RETURN_IF_ERROR(co_await state->file->Sync(o.data_sync));
    state->offset = position.end_offset;
  }
  QUANTA_ASSERT(position.next_lsn >= 1);
  state->next_lsn = position.next_lsn;
  state->durable_lsn = position.next_lsn - 1;
  co_return std::unique_ptr<WalWriter>(new WalWriter(std::move(state)));
}

WalWriter::~WalWriter() = default;

Lsn WalWriter::Append(RecordType type, std::string payload, uint64_t term) {
  QUANTA_ASSERT(state_->error.ok());
  QUANTA_ASSERT(type != RecordType::kPadding);
  QUANTA_ASSERT(payload.size() <= kMaxWalPayloadBytes);
  WalRecord record;
  record.lsn = state_->next_lsn++;
  record.term = term;
  record.type = type;
  record.payload = std::move(payload);
  state_->pending.push_back(std::move(record));
  ++state_->stats.records;
  ScheduleFlush(state_);
  return state_->next_lsn - 1;
}

Task<absl::Status> WalWriter::WaitDurable(Lsn lsn) {
  QUANTA_ASSERT(lsn < state_->next_lsn);
  State* s = state_.get();
  if (!s->error.ok()) co_return s->error;
  if (lsn <= s->durable_lsn) co_return absl::OkStatus();
  // Await into a local: GCC 12 miscompiles the one-statement form (engine/env/README.md).
  absl::Status status = co_await Op<absl::Status>([s, lsn](Callback<absl::Status> done) {
    s->waiters.emplace(lsn, std::move(done));
  });
  co_return status;
}

Task<absl::StatusOr<Lsn>> WalWriter::Commit(RecordType type, std::string payload) {
  if (!state_->error.ok()) co_return state_->error;
  const Lsn lsn = Append(type, std::move(payload));
  CO_RETURN_IF_ERROR(co_await WaitDurable(lsn));
  co_return lsn;
}

Lsn WalWriter::next_lsn() const { return state_->next_lsn; }
Lsn WalWriter::durable_lsn() const { return state_->durable_lsn; }
absl::Status WalWriter::status() const { return state_->error; }
const WalStats& WalWriter::stats() const { return state_->stats; }

}  // namespace quanta::wal
