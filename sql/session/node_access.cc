#include "sql/session/node_access.h"

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/lifetime.h"
#include "engine/util/strings.h"
#include "sql/common/sql_error.h"
#include "sql/session/sql_engine.h"

namespace quanta::sql {
namespace {

// The node's answer as a SQL error (its SQLSTATE kept when it has one).
absl::Status AsSqlError(const replication::ClientResponse& r) {
  QUANTA_ASSERT(!r.status.ok());
  if (!r.sqlstate.empty()) return SqlError(r.sqlstate.c_str(), ToStd(r.status.message()));
  return r.status;
}

}  // namespace

Task<replication::ClientResponse> ServeSqlRequest(SqlEngine* engine, replication::ReplicatedNode* node,
                                                  replication::ClientRequest request) {
  QUANTA_ASSERT(request.kind == replication::ClientRequest::Kind::kSql);
  replication::ClientResponse r;
  r.id = request.id;
  ExecuteResult result = co_await engine->Execute(std::move(request.sql));
  r.primary = node->IsLeader();
  r.leader = node->LeaderClientAddress();
  r.term = node->term();
  r.index = node->applied();
  if (!result.error.ok()) {
    r.status = result.error;
    r.sqlstate = SqlStateOf(result.error);
    co_return r;
  }
  if (result.results.empty()) co_return r;
  StatementResult& last = result.results.back();
  r.tag = last.tag;
  for (const ResultColumn& c : last.columns) r.columns.push_back(c.name);
  r.sql_rows = std::move(last.rows);
  co_return r;
}

absl::Status NodeAccess::Writable(const char* command) const {
  if (node_.IsLeader()) return absl::OkStatus();
  const std::string primary = node_.LeaderClientAddress();
  return SqlError(sqlstate::kReadOnlyTransaction,
                  absl::StrCat("cannot execute ", command, " in a read-only transaction: node ", node_.id(),
                               " is a replica; the primary is ", primary.empty() ? "not known yet" : primary));
}

Task<absl::Status> NodeAccess::BeginWrite(const char* command) {
  QUANTA_ASSERT(writer_term_ == 0);  // writing statements are serialized
  const absl::Status writable = Writable(command);
  if (!writable.ok()) co_return writable;
  const uint64_t term = node_.term();
  const absl::Status settled = co_await node_.WriteBarrier();
  if (Lifetime::Gone(settled)) co_return settled;  // the node may not be touched
  if (!settled.ok()) {
    const absl::Status still = Writable(command);  // leadership moved while waiting: name the new primary
    if (!still.ok()) co_return still;
    co_return settled;
  }
  if (node_.term() != term) co_return absl::UnavailableError("the primary's term changed while earlier writes settled");
  QUANTA_ASSERT(term != 0);
  writer_term_ = term;
  co_return absl::OkStatus();
}

void NodeAccess::EndWrite() { writer_term_ = 0; }

absl::Status NodeAccess::InWriterTerm(const replication::ClientResponse& r) const {
  if (writer_term_ == 0 || r.term == writer_term_) return absl::OkStatus();
  QUANTA_ASSERT(r.term > writer_term_);
  return absl::UnavailableError(absl::StrCat("the primary's term changed from ", writer_term_, " to ", r.term,
                                             " during a writing statement: read refused (retry)"));
}

Task<absl::StatusOr<std::vector<storage::KeyValue>>> NodeAccess::Scan(storage::TreeId tree, storage::ScanRange range) {
  QUANTA_ASSERT(!range.reverse);  // the node scans forward only
  replication::ClientRequest request;
  request.id = next_id_++;
  request.kind = replication::ClientRequest::Kind::kScan;
  request.tree = tree;
  request.key = std::move(range.start);
  request.end = std::move(range.end);
  request.limit = range.limit == SIZE_MAX ? 0 : range.limit;
  const size_t limit = request.limit;
  replication::ClientResponse r = co_await node_.Handle(std::move(request));
  if (!r.status.ok()) co_return AsSqlError(r);
  const absl::Status same_term = InWriterTerm(r);
  if (!same_term.ok()) co_return same_term;
  QUANTA_ASSERT(limit == 0 || r.rows.size() <= limit);
  co_return std::move(r.rows);
}

Task<absl::StatusOr<std::optional<std::string>>> NodeAccess::Get(storage::TreeId tree, std::string key) {
  replication::ClientRequest request;
  request.id = next_id_++;
  request.kind = replication::ClientRequest::Kind::kGet;
  request.tree = tree;
  request.key = std::move(key);
  replication::ClientResponse r = co_await node_.Handle(std::move(request));
  if (!r.status.ok()) co_return AsSqlError(r);
  const absl::Status same_term = InWriterTerm(r);
  if (!same_term.ok()) co_return same_term;
  if (!r.found) co_return std::optional<std::string>();
  co_return std::optional<std::string>(std::move(r.value));
}

Task<absl::Status> NodeAccess::Commit(storage::WriteSet writes) {
  QUANTA_ASSERT(!writes.ops.empty());
  replication::ClientRequest request;
  request.id = next_id_++;
  request.kind = replication::ClientRequest::Kind::kWrite;
  request.writes = std::move(writes);
  request.term = writer_term_;
  replication::ClientResponse r = co_await node_.Handle(std::move(request));
  if (!r.status.ok()) co_return AsSqlError(r);
  QUANTA_ASSERT(r.index > 0);
  co_return absl::OkStatus();
}

}  // namespace quanta::sql
