// quanta-kv: a command-line client of the internal client protocol, for tests and
// operators until psql can talk to a node.
//
//   quanta-kv --address 127.0.0.1:5433 put KEY VALUE    # prints the log index
//   quanta-kv --address 127.0.0.1:5433 get KEY          # prints the value (exit 3 if absent)
//   quanta-kv --address 127.0.0.1:5433 status           # applied=N hash=H primary=0|1 term=T leader=ADDR
//   quanta-kv --address 127.0.0.1:5433 transfer NODE_ID # switchover to NODE_ID
//   quanta-kv --address 127.0.0.1:5433 sql "SELECT ..."  # columns, rows (tab-separated), tag
//
// Keys live in tree 1. Exit codes: 0 ok, 1 the node refused (its message and SQLSTATE
// on stderr, and `leader=ADDR` when it named the primary), 2 usage, 3 key absent,
// 4 no answer (connection failed or --timeout_ms passed: a write's outcome is unknown).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "net/kv/kv_client.h"
#include "net/real_env.h"

ABSL_FLAG(std::string, address, "127.0.0.1:5433", "the node's client address");
ABSL_FLAG(int, timeout_ms, 5000, "how long to wait for the answer");

namespace {

using quanta::replication::ClientRequest;
using quanta::replication::ClientResponse;

constexpr quanta::storage::TreeId kTree = 1;

quanta::Task<int> Run(quanta::Env& env, ClientRequest request) {
  const absl::Duration timeout = absl::Milliseconds(absl::GetFlag(FLAGS_timeout_ms));
  auto client = co_await quanta::net::KvClient::Connect(env, absl::GetFlag(FLAGS_address), timeout);
  if (!client.ok()) {
    std::fprintf(stderr, "no answer: %s\n", std::string(client.status().message()).c_str());
    co_return 4;
  }
  const ClientRequest::Kind kind = request.kind;
  auto answer = co_await (*client)->Call(std::move(request), timeout);
  if (!answer.ok()) {
    std::fprintf(stderr, "no answer: %s\n", std::string(answer.status().message()).c_str());
    co_return 4;
  }
  const ClientResponse& r = *answer;
  if (!r.status.ok()) {
    std::fprintf(stderr, "ERROR: %s%s%s\n", std::string(r.status.message()).c_str(),
                 r.sqlstate.empty() ? "" : " SQLSTATE ", r.sqlstate.c_str());
    if (!r.leader.empty()) std::fprintf(stderr, "leader=%s\n", r.leader.c_str());
    co_return 1;
  }
  switch (kind) {
    case ClientRequest::Kind::kWrite:
      std::printf("%llu\n", static_cast<unsigned long long>(r.index));
      break;
    case ClientRequest::Kind::kGet:
      if (!r.found) co_return 3;
      std::printf("%s\n", r.value.c_str());
      break;
    case ClientRequest::Kind::kStatus:
      std::printf("applied=%llu hash=%llu primary=%d term=%llu leader=%s\n", static_cast<unsigned long long>(r.index),
                  static_cast<unsigned long long>(r.state_hash), r.primary ? 1 : 0,
                  static_cast<unsigned long long>(r.term), r.leader.c_str());
      break;
    case ClientRequest::Kind::kSql:
      if (!r.columns.empty()) {
        for (size_t i = 0; i < r.columns.size(); ++i) std::printf("%s%s", i ? "\t" : "", r.columns[i].c_str());
        std::printf("\n");
      }
      for (const auto& row : r.sql_rows) {
        for (size_t i = 0; i < row.size(); ++i) std::printf("%s%s", i ? "\t" : "", row[i] ? row[i]->c_str() : "");
        std::printf("\n");
      }
      std::printf("%s\n", r.tag.c_str());
      break;
    default:
      break;
  }
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("quanta-kv [--address HOST:PORT] put KEY VALUE | get KEY | status | transfer ID | sql STATEMENTS");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  ClientRequest request;
  const std::string verb = args.size() > 1 ? args[1] : "";
  uint64_t target = 0;
  if (verb == "put" && args.size() == 4) {
    request.kind = ClientRequest::Kind::kWrite;
    request.writes.Put(kTree, args[2], args[3]);
  } else if (verb == "get" && args.size() == 3) {
    request.kind = ClientRequest::Kind::kGet;
    request.tree = kTree;
    request.key = args[2];
  } else if (verb == "status" && args.size() == 2) {
    request.kind = ClientRequest::Kind::kStatus;
  } else if (verb == "sql" && args.size() == 3) {
    request.kind = ClientRequest::Kind::kSql;
    request.sql = args[2];
  } else if (verb == "transfer" && args.size() == 3 && absl::SimpleAtoi(args[2], &target) && target != 0) {
    request.kind = ClientRequest::Kind::kTransfer;
    request.target = target;
  } else {
    std::fprintf(stderr, "usage: quanta-kv [--address HOST:PORT] put KEY VALUE | get KEY | status | transfer ID | sql STATEMENTS\n");
    return 2;
  }
  quanta::RealEnv env(quanta::RealEnv::Options{});
  return env.RunUntilComplete(Run(env, std::move(request)));
}
