// NodeAccess: DataAccess over a ReplicatedNode — the SQL front door of a cluster node.
//
// Reads go through the node's request handler: on the primary under its lease (after
// everything committed is applied), on a replica at its applied index. Commits are one
// Raft entry each, answered by the node's commit mode. The node's refusals become SQL
// errors with their SQLSTATE: 25006 on a replica (naming the primary), 08007 when a
// sync commit's outcome is unknown, 57P03-like kUnavailable without a lease.
//
// A writing statement (BeginWrite..EndWrite) reads and commits in one primary term:
// its reads and commit are refused once the node's term moved on (another primary may
// have written since), and so are reads of statements running beside it meanwhile.
#pragma once

#include "engine/replication/node.h"
#include "sql/storage/data_access.h"

namespace quanta::sql {

class SqlEngine;

// Serves one internal-protocol kSql request with `engine` on `node`: the statements'
// outcome (the last result's tag, columns and rows, or the error with its SQLSTATE)
// and the node's role and primary.
Task<replication::ClientResponse> ServeSqlRequest(SqlEngine* engine, replication::ReplicatedNode* node,
                                                  replication::ClientRequest request);

class NodeAccess : public DataAccess {
 public:
  explicit NodeAccess(replication::ReplicatedNode& node) : node_(node) {}
  Task<absl::StatusOr<std::vector<storage::KeyValue>>> Scan(storage::TreeId tree, storage::ScanRange range) override;
  Task<absl::StatusOr<std::optional<std::string>>> Get(storage::TreeId tree, std::string key) override;
  Task<absl::Status> Commit(storage::WriteSet writes) override;
  absl::Status Writable(const char* command) const override;
  Task<absl::Status> BeginWrite(const char* command) override;
  void EndWrite() override;
  bool ScansBackward() const override { return false; }  // the node's scan request runs forward only

 private:
  // OK unless a writing statement is under way and `r` was served in another term.
  absl::Status InWriterTerm(const replication::ClientResponse& r) const;

  replication::ReplicatedNode& node_;
  uint64_t writer_term_ = 0;  // the primary term of the writing statement under way; 0: none
  uint64_t next_id_ = 1;
};

}  // namespace quanta::sql
