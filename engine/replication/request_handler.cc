#include "engine/replication/request_handler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/planted.h"
#include "engine/raft/raft.h"
#include "engine/replication/node.h"
#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace quanta::replication {

using raft::Index;
using raft::Term;

namespace {

constexpr size_t kMaxScanRows = 100000;  // one answer stays well under a client frame

absl::Status ValidateClientWrite(const storage::WriteSet& ws) {
  if (ws.ops.empty()) return absl::InvalidArgumentError("empty write set");
  if (ws.ops.size() > storage::kMaxWriteSetOps) return absl::InvalidArgumentError("write set has too many operations");
  size_t bytes = 0;
  for (const storage::WriteOp& op : ws.ops) {
    if (op.tree >= kFirstSystemTree) return absl::InvalidArgumentError(absl::StrCat("tree ", op.tree, " is reserved"));
    if (op.key.size() > storage::kMaxKeyBytes) return absl::InvalidArgumentError("key too long");
    if (op.value.size() > storage::kMaxValueBytes) return absl::InvalidArgumentError("value too long");
    bytes += op.key.size() + op.value.size() + 16;
  }
  if (bytes > kMaxClientWriteBytes) return absl::InvalidArgumentError(absl::StrCat("write set of ", bytes, " bytes exceeds ", kMaxClientWriteBytes));
  return absl::OkStatus();
}

// The answer to a request whose node was destroyed while serving it (built without
// the node).
ClientResponse ShutDown(uint64_t id) {
  ClientResponse r;
  r.id = id;
  r.status = absl::CancelledError("node shut down");
  return r;
}

}  // namespace

RequestHandler::RequestHandler(ReplicatedNode& node) : node_(node) {}

ClientResponse RequestHandler::Refuse(uint64_t id, absl::Status status, const char* sqlstate) const {
  ClientResponse r;
  r.id = id;
  r.status = std::move(status);
  r.sqlstate = sqlstate;
  r.leader = node_.LeaderClientAddress();
  return r;
}

Task<ClientResponse> RequestHandler::Handle(ClientRequest request) {
  if (node_.stopped_) {
    co_return Refuse(request.id, absl::UnavailableError(absl::StrCat("node ", node_.options_.id, " stopped: ", node_.failed_.message())));
  }
  if (!node_.damaged_.ok()) {
    co_return Refuse(request.id, absl::UnavailableError(absl::StrCat("node ", node_.options_.id, " is rebuilding its store from a "
                                                                     "peer's snapshot: ", node_.damaged_.message())));
  }
  node_.CatchUpTicks();
  const uint64_t id = request.id;
  absl::StatusOr<ClientResponse> r;
  switch (request.kind) {
    case ClientRequest::Kind::kWrite:
      r = co_await node_.lifetime_.Guard(HandleWrite(std::move(request)));
      break;
    case ClientRequest::Kind::kGet:
    case ClientRequest::Kind::kScan:
      r = co_await node_.lifetime_.Guard(HandleRead(std::move(request)));
      break;
    case ClientRequest::Kind::kStatus:
      r = co_await node_.lifetime_.Guard(HandleStatus(std::move(request)));
      break;
    case ClientRequest::Kind::kTransfer:
      r = HandleTransfer(request);
      break;
    case ClientRequest::Kind::kSql:
      r = Refuse(id, absl::UnimplementedError("this node serves no SQL over the internal protocol"), "0A000");
      break;
  }
  if (!r.ok()) co_return ShutDown(id);  // the node is gone: answer without touching it
  QUANTA_ASSERT(r->id == id);
  r->term = node_.raft_->term();
  co_return *std::move(r);
}

Task<ClientResponse> RequestHandler::HandleWrite(ClientRequest request) {
  const uint64_t id = request.id;
  if (!node_.IsLeader()) {
    const std::string leader = node_.LeaderClientAddress();
    co_return Refuse(id, absl::FailedPreconditionError(absl::StrCat(
                             "cannot execute a write on a read-only replica (node ", node_.options_.id, "); the primary is ",
                             leader.empty() ? "not known yet" : leader)),
                     kSqlStateReadOnly);
  }
  if (!node_.AcceptingWrites()) {
    co_return Refuse(id, absl::UnavailableError("the primary does not hold its lease (cut off from a quorum, or "
                                                "newly elected): not accepting writes"));
  }
  const absl::Status valid = ValidateClientWrite(request.writes);
  if (!valid.ok()) co_return Refuse(id, valid);
  const Term term = node_.raft_->term();
  if (request.term != 0 && request.term != term) {
    co_return Refuse(id, absl::UnavailableError(absl::StrCat("the primary's term changed from ", request.term, " to ", term,
                                                             " since the statement read: its writes were not proposed")));
  }
  auto index = node_.raft_->Propose(storage::EncodeWriteSet(request.writes));
  if (!index.ok()) co_return Refuse(id, absl::UnavailableError(index.status().message()));
  node_.Changed();
  const bool local_only = node_.options_.mode == CommitMode::kAsync || PlantedActive(PlantedBug::kReplSyncAckOnLocalFsync);
  absl::Status status;  // (no co_await inside ?: — GCC 12 miscompiles it)
  if (local_only) {
    status = co_await node_.lifetime_.Guard(node_.durable_waiters_.Wait(node_.raft_->log().stable(), *index, term, node_.options_.sync_timeout));
  } else {
    status = co_await node_.lifetime_.Guard(node_.applied_waiters_.Wait(node_.applied_, *index, term, node_.options_.sync_timeout));
  }
  if (Lifetime::Gone(status)) co_return ShutDown(id);
  if (absl::IsDeadlineExceeded(status)) {
    co_return Refuse(id, absl::DeadlineExceededError(absl::StrCat(
                             "commit outcome unknown: log entry ", *index, " did not reach a quorum of replicas within ",
                             absl::FormatDuration(node_.options_.sync_timeout), " (replication.sync_timeout); it may still commit")),
                     kSqlStateUnknownOutcome);
  }
  if (absl::IsUnknown(status)) co_return Refuse(id, status, kSqlStateUnknownOutcome);
  if (!status.ok()) co_return Refuse(id, status);
  ClientResponse r;
  r.id = id;
  r.index = *index;
  r.primary = true;
  r.leader = node_.LeaderClientAddress();
  co_return r;
}

Task<absl::Status> RequestHandler::ReadBarrier() {
  if (!node_.IsLeader()) co_return absl::OkStatus();
  if (!node_.raft_->HasLease() && !PlantedActive(PlantedBug::kRaftLeaseReadUnchecked)) {
    co_return absl::UnavailableError("the primary does not hold its lease: cannot serve a current read");
  }
  // Everything committed when the lease was checked must be visible to the read.
  const Index read_index = node_.raft_->commit();
  const Term term = node_.raft_->log().TermAt(read_index).value_or(0);
  const absl::Status caught_up =
      co_await node_.lifetime_.Guard(node_.applied_waiters_.Wait(node_.applied_, read_index, term, node_.options_.sync_timeout));
  if (Lifetime::Gone(caught_up)) co_return caught_up;
  if (!caught_up.ok()) co_return absl::UnavailableError("the primary did not apply its commits in time");
  co_return absl::OkStatus();
}

Task<absl::Status> RequestHandler::WriteBarrier() {
  if (!node_.IsLeader()) co_return absl::FailedPreconditionError("not the primary");
  if (!node_.AcceptingWrites()) {
    co_return absl::UnavailableError("the primary does not hold its lease: not accepting writes");
  }
  const Index last =
      PlantedActive(PlantedBug::kSqlWriterReadsAroundPending) ? node_.raft_->commit() : node_.raft_->log().last_index();
  const Term term = node_.raft_->log().TermAt(last).value_or(0);
  QUANTA_ASSERT(last >= node_.raft_->commit());
  const absl::Status settled =
      co_await node_.lifetime_.Guard(node_.applied_waiters_.Wait(node_.applied_, last, term, node_.options_.sync_timeout));
  if (Lifetime::Gone(settled)) co_return settled;
  if (!settled.ok()) {
    co_return absl::UnavailableError(absl::StrCat("earlier writes up to log entry ", last, " did not commit within ",
                                                  absl::FormatDuration(node_.options_.sync_timeout),
                                                  " (replication.sync_timeout): not accepting writes until they settle"));
  }
  QUANTA_ASSERT(node_.applied_ >= last);
  co_return absl::OkStatus();
}

Task<ClientResponse> RequestHandler::HandleRead(ClientRequest request) {
  const uint64_t id = request.id;
  const absl::Status ready = co_await node_.lifetime_.Guard(ReadBarrier());
  if (Lifetime::Gone(ready)) co_return ShutDown(id);
  if (!ready.ok()) co_return Refuse(id, ready);
  if (request.tree >= kFirstSystemTree) co_return Refuse(id, absl::InvalidArgumentError("reserved tree"));
  ClientResponse r;
  r.id = id;
  r.primary = node_.IsLeader();
  r.index = node_.applied_;
  r.leader = node_.LeaderClientAddress();
  std::shared_ptr<storage::Store> store = node_.store_;  // a snapshot install may replace node_.store_ meanwhile
  if (request.kind == ClientRequest::Kind::kScan) {
    storage::ScanRange range;
    range.start = std::move(request.key);
    range.end = std::move(request.end);
    range.limit = request.limit == 0 ? kMaxScanRows : std::min(request.limit, kMaxScanRows);
    auto rows = co_await node_.lifetime_.Guard(store->Scan(request.tree, std::move(range)));
    if (Lifetime::Gone(rows.status())) co_return ShutDown(id);
    if (!rows.ok()) {
      if (absl::IsDataLoss(rows.status()) && store == node_.store_) node_.StoreFailed(rows.status());
      co_return Refuse(id, rows.status());
    }
    r.rows = std::move(*rows);
    co_return r;
  }
  auto value = co_await node_.lifetime_.Guard(store->Get(request.tree, request.key));
  if (Lifetime::Gone(value.status())) co_return ShutDown(id);
  if (!value.ok()) {
    if (absl::IsDataLoss(value.status()) && store == node_.store_) node_.StoreFailed(value.status());
    co_return Refuse(id, value.status());
  }
  r.found = value->has_value();
  if (r.found) r.value = std::move(**value);
  co_return r;
}

ClientResponse RequestHandler::HandleTransfer(const ClientRequest& request) {
  if (!node_.IsLeader()) {
    return Refuse(request.id, absl::FailedPreconditionError("only the primary can hand over leadership"), kSqlStateReadOnly);
  }
  const absl::Status started = node_.raft_->TransferLeadership(request.target);
  if (!started.ok()) return Refuse(request.id, started);
  node_.Changed();
  ClientResponse r;
  r.id = request.id;
  r.primary = true;
  r.leader = node_.LeaderClientAddress();
  return r;
}

Task<ClientResponse> RequestHandler::HandleStatus(ClientRequest request) {
  ClientResponse r;
  r.id = request.id;
  r.index = node_.applied_;
  r.primary = node_.IsLeader();
  r.leader = node_.LeaderClientAddress();
  uint32_t crc = 0;
  std::shared_ptr<storage::Store> store = node_.store_;
  for (storage::TreeId tree : store->trees()) {
    if (tree >= kFirstSystemTree) continue;
    auto rows = co_await node_.lifetime_.Guard(store->Scan(tree, storage::ScanRange()));
    if (Lifetime::Gone(rows.status())) co_return ShutDown(r.id);
    if (!rows.ok()) {
      if (absl::IsDataLoss(rows.status()) && store == node_.store_) node_.StoreFailed(rows.status());
      co_return Refuse(r.id, rows.status());
    }
    for (const storage::KeyValue& kv : *rows) {
      std::string line;
      AppendU64(&line, tree);
      AppendU32(&line, static_cast<uint32_t>(kv.key.size()));
      line += kv.key;
      line += kv.value;
      crc = crc32c::Extend(crc, line.data(), line.size());
    }
  }
  if (node_.applied_ != r.index) co_return Refuse(r.id, absl::UnavailableError("the node applied entries during the scan"));
  r.state_hash = crc;
  co_return r;
}

}  // namespace quanta::replication
