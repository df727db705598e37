// Parsing the cluster membership given on quanta-node's command line.
//
// Syntax: comma-separated members, each `ID=HOST:RAFT_PORT:REPLICATION_PORT:CLIENT_PORT`,
// with a trailing `/learner` for a non-voting replica, for example
//   1=127.0.0.1:7432:6432:5433,2=127.0.0.1:7442:6442:5443,3=127.0.0.1:7452:6452:5453/learner
// (The JSON configuration file of the deployment guide will replace this.)
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/replication/node.h"

namespace quanta::node {

// Errors: kInvalidArgument naming the malformed member.
absl::StatusOr<std::vector<replication::Member>> ParseMembers(std::string_view text);

}  // namespace quanta::node
