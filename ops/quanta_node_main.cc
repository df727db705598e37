// quanta-node: one replicated QuantaDB node on the real backend (a minimal server
// until the PostgreSQL protocol lands): Raft peers on the raft and replication ports,
// the internal client protocol on the client port.
//
//   quanta-node --id 1 --members 1=127.0.0.1:7432:6432:5433,2=...,3=... --data /var/lib/quanta/n1
//
// Logs one line per role change to stderr. Exits 1 if the node stops on a storage
// error (restart it: it recovers from its log), 2 for bad flags. SIGTERM/SIGINT stop it.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "net/kv/client_server.h"
#include "sql/session/node_access.h"
#include "sql/session/sql_engine.h"
#include "engine/replication/node.h"
#include "ops/members.h"
#include "net/real_env.h"

ABSL_FLAG(uint64_t, id, 0, "this node's id among --members");
ABSL_FLAG(std::string, members, "", "the cluster: ID=HOST:RAFT_PORT:REPLICATION_PORT:CLIENT_PORT[/learner],...");
ABSL_FLAG(std::string, data, "quanta-data", "the data directory (created if missing)");
ABSL_FLAG(std::string, mode, "sync", "replication.mode: sync or async");
ABSL_FLAG(int, sync_timeout_ms, 5000, "replication.sync_timeout in milliseconds");
ABSL_FLAG(int, batch_size, 1000, "replication.batch_size: entries per append");
ABSL_FLAG(int, max_replicas, 2, "replication.max_replicas");
ABSL_FLAG(uint64_t, snapshot_entries, 10000, "compact the Raft log after this many applied entries");
ABSL_FLAG(uint64_t, snapshot_keep_entries, 5000, "entries kept behind the applied index for slow replicas");

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void OnSignal(int) { stop_requested = 1; }

class Server {
 public:
  Server(quanta::RealEnv& env, quanta::replication::NodeOptions options) : env_(env), options_(std::move(options)) {}

  quanta::Task<void> Start() {
    // Temporary files of queries a crash interrupted (sql/execution/spill.h).
    absl::Status cleared = co_await quanta::sql::ClearTempSpace(env_);
    if (!cleared.ok()) {
      Exit(absl::StrCat("clearing temporary files failed: ", cleared.ToString()));
      co_return;
    }
    auto node = co_await quanta::replication::ReplicatedNode::Open(env_, options_);
    if (!node.ok()) {
      Exit(absl::StrCat("open failed: ", node.status().ToString()));
      co_return;
    }
    node_ = std::move(*node);
    server_ = std::make_unique<quanta::net::ClientServer>(env_, *node_);
    access_ = std::make_unique<quanta::sql::NodeAccess>(*node_);
    engine_ = std::make_unique<quanta::sql::SqlEngine>(env_, *access_);
    quanta::sql::SqlEngine* engine = engine_.get();
    quanta::replication::ReplicatedNode* served = node_.get();
    server_->ServeSql([engine, served](quanta::replication::ClientRequest r) {
      return quanta::sql::ServeSqlRequest(engine, served, std::move(r));
    });
    std::string client;
    for (const auto& m : options_.members) {
      if (m.id == options_.id) client = m.client;
    }
    absl::Status started = node_->Start();
    if (started.ok()) started = server_->Listen(client);
    if (!started.ok()) {
      Exit(absl::StrCat("start failed: ", started.ToString()));
      co_return;
    }
    std::fprintf(stderr, "quanta-node %llu: serving clients on %s\n", static_cast<unsigned long long>(options_.id),
                 client.c_str());
    Watch();
  }

  int exit_code() const { return exit_code_; }
  void OnFatal(absl::Status status) { Exit(absl::StrCat("stopped: ", status.ToString())); }

 private:
  // Reports role changes and polls for a stop signal.
  void Watch() {
    env_.StartTimer(absl::Milliseconds(20), [this] {
      if (stop_requested) {
        env_.Stop();
        return;
      }
      // Cheap accessors only: Status() walks the log for per-replica lag.
      const std::string role = absl::StrCat(node_->IsLeader() ? "primary" : "replica", " term ", node_->term());
      if (role != last_role_) {
        std::fprintf(stderr, "quanta-node %llu: %s (applied %llu)\n", static_cast<unsigned long long>(options_.id),
                     role.c_str(), static_cast<unsigned long long>(node_->applied()));
        last_role_ = role;
      }
      Watch();
    });
  }

  void Exit(const std::string& why) {
    std::fprintf(stderr, "quanta-node %llu: %s\n", static_cast<unsigned long long>(options_.id), why.c_str());
    exit_code_ = 1;
    env_.Stop();
  }

  quanta::RealEnv& env_;
  quanta::replication::NodeOptions options_;
  std::unique_ptr<quanta::replication::ReplicatedNode> node_;
  std::unique_ptr<quanta::sql::NodeAccess> access_;
  std::unique_ptr<quanta::sql::SqlEngine> engine_;
  std::unique_ptr<quanta::net::ClientServer> server_;
  std::string last_role_;
  int exit_code_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("quanta-node --id N --members ID=HOST:RAFT:REPL:CLIENT,... --data DIR");
  absl::ParseCommandLine(argc, argv);
  auto members = quanta::node::ParseMembers(absl::GetFlag(FLAGS_members));
  if (!members.ok()) {
    std::fprintf(stderr, "quanta-node: --members: %s\n", std::string(members.status().message()).c_str());
    return 2;
  }
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode != "sync" && mode != "async") {
    std::fprintf(stderr, "quanta-node: --mode must be sync or async, not '%s'\n", mode.c_str());
    return 2;
  }
  quanta::replication::NodeOptions options;
  options.id = absl::GetFlag(FLAGS_id);
  options.members = std::move(*members);
  options.mode = mode == "sync" ? quanta::replication::CommitMode::kSync : quanta::replication::CommitMode::kAsync;
  options.sync_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_sync_timeout_ms));
  options.batch_size = static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_batch_size)));
  options.max_replicas = static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_max_replicas)));
  options.snapshot_entries = std::max<uint64_t>(1, absl::GetFlag(FLAGS_snapshot_entries));
  options.snapshot_keep_entries = absl::GetFlag(FLAGS_snapshot_keep_entries);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  quanta::RealEnv::Options env_options;
  env_options.data_root = absl::GetFlag(FLAGS_data);
  std::filesystem::create_directories(env_options.data_root);
  quanta::RealEnv env(env_options);
  Server* server_ptr = nullptr;
  options.on_fatal = [&server_ptr](absl::Status status) { server_ptr->OnFatal(std::move(status)); };
  Server server(env, options);
  server_ptr = &server;
  env.Spawn(server.Start());
  env.Run();
  return server.exit_code();
}
