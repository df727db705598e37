// The replicated-cluster workloads.
//
// Nodes n1..n3 vote, n4..n5 (0-2 of them, per seed) are learners. Each runs a
// ReplicatedNode and a ClientServer (sim addresses "nX:7432" raft, "nX:6432"
// replication, "nX:5432" clients). A storage error or an open failure restarts the
// node (a crash loop stands in for systemd). Clients c1..c4 are processes too, so
// partitions cut them off and crashes lose their in-flight requests; what they sent
// and heard is recorded in the ClusterOracle, outside the processes. After the heal
// the clients stop, and a checker process polls every node until all report the same
// applied index and row hash, then (append) reads every acknowledged key from the
// primary.
#include "sim/workloads/cluster_workload.h"

#include <cmath>

#include "absl/container/btree_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/env/planted.h"
#include "net/kv/client_server.h"
#include "net/kv/kv_client.h"
#include "engine/replication/node.h"
#include "sim/sim_world.h"
#include "sim/workloads/cluster_oracle.h"
#include "sim/workloads/primary_nemesis.h"
#include "sim/workloads/sql_ops.h"
#include "sql/session/node_access.h"
#include "sql/execution/spill.h"
#include "sql/session/sql_engine.h"

namespace quanta::sim {
namespace {

using replication::ClientRequest;
using replication::ClientResponse;
using net::KvClient;

constexpr int kVoters = 3;
constexpr int kClients = 4;
constexpr int kRegisterKeys = 5;
constexpr storage::TreeId kRegisterTree = 1;
constexpr storage::TreeId kAppendTree = 2;
// register, append and transfer time out twice as fast as the default, so more
// elections fit in a run.
constexpr absl::Duration kFastTick = absl::Milliseconds(50);
constexpr absl::Duration kSyncTimeout = absl::Seconds(2);
constexpr absl::Duration kClientTimeout = absl::Seconds(3);
// failover's clients give up on a silent node sooner (as a driver with a 1 s socket
// timeout would), so the measurement is the cluster's, not the client's patience.
constexpr absl::Duration kImpatientClientTimeout = absl::Seconds(1);
constexpr absl::Duration kRestartDelay = absl::Milliseconds(100);
constexpr absl::Duration kClientsStopAfterHeal = absl::Seconds(3);

std::string NodeName(int i) { return absl::StrCat("n", i); }
std::string ClientAddress(int i) { return absl::StrCat(NodeName(i), ":5432"); }

// failover: append's clients and checks, no random faults, the default timing, and
// the primary crashed or isolated every few seconds (clean failover measurements).
enum class Kind { kRegister, kAppend, kFailover, kTransfer, kSql };
bool Appends(Kind kind) { return kind == Kind::kAppend || kind == Kind::kFailover; }

// transfer's ledger: a write set moves `amount` from one account to 1-4 others as
// 2-5 rows "t/<txn>/<part>" = "<account>:<signed amount>:<parts>", so every complete
// state sums to zero and a partial write set shows as a txn missing parts.
constexpr storage::TreeId kLedgerTree = 3;
constexpr int kAccounts = 8;

storage::WriteSet MakeTransfer(Random& rng, const std::string& txn, int* parts) {
  *parts = 2 + static_cast<int>(rng.Uniform(4));
  const int64_t amount = 1 + static_cast<int64_t>(rng.Uniform(100));
  storage::WriteSet ws;
  int64_t left = amount;
  for (int part = 1; part < *parts; ++part) {
    const int64_t share = part + 1 == *parts ? left : left / 2;
    left -= share;
    ws.Put(kLedgerTree, absl::StrCat("t/", txn, "/", part), absl::StrCat(rng.Uniform(kAccounts), ":", share, ":", *parts));
  }
  ws.Put(kLedgerTree, absl::StrCat("t/", txn, "/0"), absl::StrCat(rng.Uniform(kAccounts), ":", -amount, ":", *parts));
  return ws;
}

// Checks a scan of the ledger: every txn whole, the total zero. Returns "" or the problem.
std::string CheckLedger(const std::vector<storage::KeyValue>& rows, absl::btree_map<std::string, int>* txns) {
  absl::btree_map<std::string, std::pair<int, int>> seen;  // txn -> (rows seen, parts declared)
  int64_t total = 0;
  for (const storage::KeyValue& row : rows) {
    std::vector<std::string> key = absl::StrSplit(row.key, '/');
    std::vector<std::string> value = absl::StrSplit(row.value, ':');
    int64_t amount = 0;
    int parts = 0;
    if (key.size() != 3 || value.size() != 3 || !absl::SimpleAtoi(value[1], &amount) || !absl::SimpleAtoi(value[2], &parts)) {
      return absl::StrCat("malformed ledger row ", row.key, "=", row.value);
    }
    total += amount;
    auto& [count, declared] = seen[key[1]];
    ++count;
    declared = parts;
  }
  for (const auto& [txn, counts] : seen) {
    if (counts.first != counts.second) {
      return absl::StrCat("a read saw part of a write set: txn ", txn, " has ", counts.first, " of ", counts.second, " rows");
    }
    if (txns != nullptr) (*txns)[txn] = counts.second;
  }
  if (total != 0) return absl::StrCat("the ledger totals ", total, ", not 0");
  return "";
}

struct ClusterShape {
  int learners = 0;
  size_t batch_size = 64;
  absl::Duration tick = replication::NodeOptions().tick;
  int election_ticks = replication::NodeOptions().election_ticks;
  // append runs async on a third of the seeds: acknowledged writes may then be lost
  // with their primary (counted, not failed), every other oracle still holds.
  replication::CommitMode mode = replication::CommitMode::kSync;
  std::vector<replication::Member> members;
  // Compaction and checkpoints far more often than in production, so replicas that
  // fall behind are sent snapshots.
  uint64_t snapshot_entries = 100;
  uint64_t snapshot_keep_entries = 10;
  absl::Duration checkpoint_interval = absl::Seconds(2);
  uint64_t checkpoint_wal_bytes = 1u << 20;
  size_t snapshot_chunk_bytes = 16u << 10;  // a few pages: streams cut short mid-way
  // The one node the corrupting disk faults (bit flips, latent sectors, misdirected
  // and lost writes) hit: the cluster tolerates one failure, and a damaged raft log is one.
  int corruption_victim = 1;
  bool serve_sql = false;  // nodes run the SQL engine behind the client protocol (sql)
  // replication.sync_timeout. sql shortens it on a third of the seeds, so many writes
  // answer 08007 while their entry commits moments later, and the next statement
  // runs behind a pending one.
  absl::Duration sync_timeout = kSyncTimeout;
};

class NodeBody : public ProcessBody {
 public:
  NodeBody(Env& env, int index, const ClusterShape& shape, ClusterOracle& oracle)
      : env_(static_cast<SimProcessEnv&>(env)),
        index_(index),
        victim_(shape.corruption_victim),
        serve_sql_(shape.serve_sql),
        oracle_(oracle) {
    replication::NodeOptions o;
    o.id = index;
    o.members = shape.members;
    o.batch_size = shape.batch_size;
    o.tick = shape.tick;
    o.election_ticks = shape.election_ticks;
    o.sync_timeout = shape.sync_timeout;
    o.mode = shape.mode;
    o.max_replicas = 4;
    o.store.buffer_pool_bytes = 2u << 20;
    o.snapshot_entries = shape.snapshot_entries;
    o.snapshot_keep_entries = shape.snapshot_keep_entries;
    o.checkpoint_interval = shape.checkpoint_interval;
    o.checkpoint_wal_bytes = shape.checkpoint_wal_bytes;
    o.snapshot_chunk_bytes = shape.snapshot_chunk_bytes;
    o.on_fatal = [this](absl::Status status) { Restart(absl::StrCat("stopped: ", status.ToString())); };
    env_.Spawn(Main(std::move(o)));
  }
  ~NodeBody() override {
    oracle_.SetNode(index_, nullptr, NodeName(index_));
    server_.reset();
    engine_.reset();
    access_.reset();
    node_.reset();
  }

 private:
  void Restart(std::string why) {
    env_.world().Log(absl::StrCat(NodeName(index_), " ", why, "; restarting"));
    env_.world().CrashAndRestart(env_.process(), env_.incarnation(), kRestartDelay);
  }

  Task<void> Main(replication::NodeOptions options) {
    if (serve_sql_) {  // a crash may have left a sort's temporary files
      absl::Status cleared = co_await sql::ClearTempSpace(env_);
      if (!cleared.ok()) {
        Restart(absl::StrCat("clearing temporary files failed: ", cleared.ToString()));
        co_return;
      }
    }
    auto node = co_await replication::ReplicatedNode::Open(env_, std::move(options));
    if (!node.ok()) {
      if (absl::IsDataLoss(node.status()) && index_ == victim_) {
        // The disk corruption aimed here damaged the raft log: the node must not come
        // back with a log that may have forgotten votes or acknowledged entries.
        oracle_.OnNodeLost(index_, node.status().ToString());
        co_return;
      }
      if (absl::IsDataLoss(node.status())) env_.world().Fail(absl::StrCat(NodeName(index_), ": ", node.status().ToString()));
      Restart(absl::StrCat("open failed: ", node.status().ToString()));  // as a supervisor would
      co_return;
    }
    node_ = std::move(*node);
    oracle_.OnRecovered(index_, node_->recovered(), node_->applied());
    node_->set_observer(&oracle_);
    oracle_.SetNode(index_, node_.get(), NodeName(index_));
    server_ = std::make_unique<net::ClientServer>(env_, *node_);
    if (serve_sql_) {
      access_ = std::make_unique<sql::NodeAccess>(*node_);
      engine_ = std::make_unique<sql::SqlEngine>(env_, *access_);
      sql::SqlEngine* engine = engine_.get();
      replication::ReplicatedNode* node = node_.get();
      server_->ServeSql([engine, node](ClientRequest r) { return sql::ServeSqlRequest(engine, node, std::move(r)); });
    }
    absl::Status started = node_->Start();
    if (started.ok()) started = server_->Listen(ClientAddress(index_));
    if (!started.ok()) Restart(absl::StrCat("start failed: ", started.ToString()));
  }

  SimProcessEnv& env_;
  int index_;
  int victim_;
  bool serve_sql_;
  ClusterOracle& oracle_;
  std::unique_ptr<replication::ReplicatedNode> node_;
  std::unique_ptr<sql::NodeAccess> access_;
  std::unique_ptr<sql::SqlEngine> engine_;
  std::unique_ptr<net::ClientServer> server_;
};

// One client: a loop of requests to whichever node it believes is the primary.
class ClientBody : public ProcessBody {
 public:
  ClientBody(Env& env, int index, Kind kind, int nodes, ClusterOracle& oracle, const absl::Duration* stop_at,
             SqlLedger* ledger)
      : env_(static_cast<SimProcessEnv&>(env)), index_(index), kind_(kind), nodes_(nodes), oracle_(oracle),
        stop_at_(stop_at), ledger_(ledger) {
    env_.Spawn(Loop());
  }

 private:
  Task<void> Loop() {
    std::string target = ClientAddress(1 + static_cast<int>(env_.Rng().Uniform(kVoters)));
    std::unique_ptr<KvClient> client;
    for (uint64_t seq = 0; env_.world().Now() < *stop_at_; ++seq) {
      if (client == nullptr || client->broken()) {
        auto connected = co_await KvClient::Connect(env_, target, Timeout());
        if (!connected.ok()) {
          env_.world().Log(absl::StrCat("c", index_, ": connect to ", target, ": ", connected.status().ToString()));
          Suspect(target);
          target = AnyNode();
          co_await env_.Sleep(absl::Milliseconds(50));
          continue;
        }
        client = std::move(*connected);
      }
      std::string redirect;  // (no co_await inside ?: — GCC 12 miscompiles it)
      if (kind_ == Kind::kTransfer) {
        redirect = co_await TransferOp(*client, seq);
      } else if (kind_ == Kind::kSql) {
        redirect = co_await SqlOp(*client, seq);
      } else {
        redirect = co_await OneOp(*client, seq);
      }
      if (client->broken()) Suspect(target);
      if (!redirect.empty() && redirect != target) {
        // A replica names the primary it last heard from; if that one just failed us,
        // it is probably the one that is gone: try elsewhere.
        target = Suspected(redirect) ? AnyNode() : redirect;
        client.reset();
      } else if (client->broken()) {
        target = AnyNode();
      }
      co_await env_.Sleep(absl::Milliseconds(1 + env_.Rng().Uniform(30)));
    }
  }

  absl::Duration Timeout() const { return kind_ == Kind::kFailover ? kImpatientClientTimeout : kClientTimeout; }
  void Suspect(const std::string& node) { suspect_until_[node] = env_.world().Now() + 2 * Timeout(); }
  bool Suspected(const std::string& node) const {
    auto it = suspect_until_.find(node);
    return it != suspect_until_.end() && it->second > env_.world().Now();
  }
  // A random node, preferring those that have not failed us lately.
  std::string AnyNode() {
    std::string pick;
    for (int attempt = 0; attempt < 4; ++attempt) {
      pick = ClientAddress(1 + static_cast<int>(env_.Rng().Uniform(nodes_)));
      if (!Suspected(pick)) break;
    }
    return pick;
  }

  // transfer: a ledger write set through `client`, or a scan of the whole ledger from
  // a random node (the primary or a replica: both must show whole write sets only).
  Task<std::string> TransferOp(KvClient& client, uint64_t seq) {
    if (env_.Rng().Bernoulli(0.4)) {
      const std::string node = AnyNode();
      auto reader = co_await KvClient::Connect(env_, node, Timeout());
      if (!reader.ok()) co_return "";
      ClientRequest scan;
      scan.kind = ClientRequest::Kind::kScan;
      scan.tree = kLedgerTree;
      auto answer = co_await (*reader)->Call(std::move(scan), Timeout());
      if (answer.ok() && answer->status.ok()) {
        const std::string problem = CheckLedger(answer->rows, nullptr);
        if (!problem.empty()) env_.world().Fail(absl::StrCat("scan of ", node, " at index ", answer->index, ": ", problem));
      }
      co_return "";
    }
    ClientRequest request;
    request.kind = ClientRequest::Kind::kWrite;
    int parts = 0;
    const std::string txn = absl::StrCat("c", index_, "-", env_.incarnation(), "-", seq);
    request.writes = MakeTransfer(env_.Rng(), txn, &parts);
    auto answer = co_await client.Call(std::move(request), Timeout());
    if (answer.ok() && answer->status.ok()) {
      oracle_.OnAck(answer->term);
      oracle_.OnAppendAcked(txn, absl::StrCat(parts));
    }
    co_return answer.ok() ? answer->leader : "";
  }

  // sql: a statement through `client`, or a checked read of the accounts on any node.
  Task<std::string> SqlOp(KvClient& client, uint64_t seq) {
    if (seeded_ && env_.Rng().Bernoulli(0.3)) {
      const std::string node = AnyNode();
      auto reader = co_await KvClient::Connect(env_, node, Timeout());
      if (reader.ok()) co_await SqlCheckedRead(env_, **reader, node, Timeout());
      co_return "";
    }
    std::string leader = co_await SqlClientStep(env_, client, index_, seq, &seeded_, *ledger_, Timeout());
    co_return leader;
  }

  // Runs one operation and records it; returns the primary's address if the node named one.
  Task<std::string> OneOp(KvClient& client, uint64_t seq) {
    ClientRequest request;
    RegisterOp op;
    op.client = index_;
    const bool write = Appends(kind_) || env_.Rng().Bernoulli(0.5);
    if (Appends(kind_)) {
      op.key = absl::StrCat("c", index_, "-", env_.incarnation(), "-", seq);
      op.value = absl::StrCat(env_.incarnation(), ":", seq);
      request.writes.Put(kAppendTree, op.key, op.value);
    } else {
      op.key = absl::StrCat("k", env_.Rng().Uniform(kRegisterKeys));
      if (write) {
        op.value = absl::StrCat("c", index_, "-", env_.incarnation(), "-", seq);
        request.writes.Put(kRegisterTree, op.key, op.value);
      } else {
        request.tree = kRegisterTree;
        request.key = op.key;
      }
    }
    request.kind = write ? ClientRequest::Kind::kWrite : ClientRequest::Kind::kGet;
    op.kind = write ? RegisterOp::Kind::kWrite : RegisterOp::Kind::kRead;
    op.call = env_.world().Now();
    const size_t handle = oracle_.BeginOp(op);
    auto answer = co_await client.Call(std::move(request), Timeout());
    if (!answer.ok()) {  // no answer: a write's outcome is unknown; a read tells nothing
      env_.world().Log(absl::StrCat("c", index_, ": no answer: ", answer.status().ToString()));
      if (!write) oracle_.ForgetOp(handle);
      co_return "";
    }
    const ClientResponse& r = *answer;
    if (!r.status.ok()) env_.world().Log(absl::StrCat("c", index_, ": ", r.status.ToString()));
    if (r.status.ok()) {
      if (write || r.primary) {
        oracle_.EndOp(handle, env_.world().Now(), r.found, r.value);
      } else {
        oracle_.ForgetOp(handle);  // a replica's read may be stale by design
      }
      if (write) {
        oracle_.OnAck(r.term);
        if (Appends(kind_)) oracle_.OnAppendAcked(op.key, op.value);
      }
    } else if (!(write && r.sqlstate == replication::kSqlStateUnknownOutcome)) {
      oracle_.ForgetOp(handle);  // refused before it took effect (or a failed read)
    }
    co_return r.leader;
  }

  SimProcessEnv& env_;
  int index_;
  Kind kind_;
  int nodes_;
  ClusterOracle& oracle_;
  const absl::Duration* stop_at_;
  SqlLedger* ledger_;
  bool seeded_ = false;  // sql: the accounts exist (this client saw them seeded)
  absl::btree_map<std::string, absl::Duration> suspect_until_;  // nodes that failed us lately
};

// An operator switching the primary over to a random voter now and then (a planned
// switchover, as `quantactl` will do): leadership transfers under faults.
class OperatorBody : public ProcessBody {
 public:
  OperatorBody(Env& env, absl::Duration mean_interval, const absl::Duration* stop_at)
      : env_(static_cast<SimProcessEnv&>(env)), mean_interval_(mean_interval), stop_at_(stop_at) {
    env_.Spawn(Loop());
  }

 private:
  Task<void> Loop() {
    while (env_.world().Now() < *stop_at_) {
      co_await env_.Sleep(absl::Microseconds(env_.Rng().Exponential(absl::ToDoubleMicroseconds(mean_interval_))));
      if (env_.world().Now() >= *stop_at_) break;
      for (int i = 1; i <= kVoters; ++i) {  // ask every voter; only the primary acts
        auto client = co_await KvClient::Connect(env_, ClientAddress(i));
        if (!client.ok()) continue;
        const uint64_t target = 1 + env_.Rng().Uniform(kVoters);
        ClientRequest transfer;
        transfer.kind = ClientRequest::Kind::kTransfer;
        transfer.target = target;
        auto answer = co_await (*client)->Call(std::move(transfer), kClientTimeout);
        if (answer.ok() && answer->status.ok()) {
          env_.world().Log(absl::StrCat("operator: n", i,  " hands leadership to n", target));
          break;
        }
      }
    }
  }

  SimProcessEnv& env_;
  absl::Duration mean_interval_;
  const absl::Duration* stop_at_;
};

// After the heal: polls until every node reports one applied index and row hash,
// then (append) reads every acknowledged key from the primary.
class CheckerBody : public ProcessBody {
 public:
  CheckerBody(Env& env, int nodes, Kind kind, bool async, ClusterOracle& oracle, const SqlLedger* ledger)
      : env_(static_cast<SimProcessEnv&>(env)), nodes_(nodes), kind_(kind), async_(async), oracle_(oracle), ledger_(ledger) {
    env_.Spawn(Main());
  }

 private:
  Task<absl::StatusOr<ClientResponse>> Ask(int node, ClientRequest request) {
    auto client = co_await KvClient::Connect(env_, ClientAddress(node));
    if (!client.ok()) co_return client.status();
    auto answer = co_await (*client)->Call(std::move(request), kClientTimeout);
    if (answer.ok() && !answer->status.ok()) co_return answer->status;
    co_return answer;
  }

  // Reads `key` through whichever node is the primary, retrying while none can serve.
  Task<absl::StatusOr<ClientResponse>> ReadFromPrimary(std::string key) {
    absl::StatusOr<ClientResponse> r = absl::UnavailableError("no node answered");
    for (int attempt = 0; attempt < 40; ++attempt) {
      for (int i = 1; i <= nodes_; ++i) {
        ClientRequest get;
        get.tree = kAppendTree;
        get.key = key;
        r = co_await Ask(i, std::move(get));
        if (r.ok() && r->primary) co_return r;
      }
      co_await env_.Sleep(absl::Milliseconds(250));
    }
    if (r.ok()) r = absl::UnavailableError("no primary answered");
    co_return r;
  }

  // transfer: the primary's ledger is whole and holds every acknowledged write set.
  Task<void> CheckFinalLedger() {
    for (int attempt = 0; attempt < 40; ++attempt) {
      for (int i = 1; i <= nodes_; ++i) {
        ClientRequest scan;
        scan.kind = ClientRequest::Kind::kScan;
        scan.tree = kLedgerTree;
        auto r = co_await Ask(i, std::move(scan));
        if (!r.ok() || !r->primary) continue;
        absl::btree_map<std::string, int> txns;
        const std::string problem = CheckLedger(r->rows, &txns);
        if (!problem.empty()) oracle_.OnMissing(problem);
        for (const auto& [txn, parts] : oracle_.acked_appends()) {
          if (!txns.contains(txn)) oracle_.OnMissing(absl::StrCat("acknowledged transfer ", txn, " is absent"));
        }
        co_return;
      }
      co_await env_.Sleep(absl::Milliseconds(250));
    }
    oracle_.OnMissing("no primary answered the final ledger scan");
  }

  Task<bool> Converged() {
    uint64_t applied = 0, hash = 0;
    bool primary = false, seen = false;
    for (int i = 1; i <= nodes_; ++i) {
      if (oracle_.lost(i)) continue;
      ClientRequest status;
      status.kind = ClientRequest::Kind::kStatus;
      auto r = co_await Ask(i, std::move(status));
      if (!r.ok()) co_return false;
      if (seen && (r->index != applied || r->state_hash != hash)) co_return false;
      seen = true;
      applied = r->index;
      hash = r->state_hash;
      primary = primary || r->primary;
    }
    if (primary) oracle_.SetConverged(applied);
    co_return primary;
  }

  Task<void> Main() {
    co_await env_.Sleep(kClientsStopAfterHeal + kClientTimeout + absl::Milliseconds(500));  // clients are done
    while (!co_await Converged()) co_await env_.Sleep(absl::Milliseconds(250));
    if (kind_ == Kind::kTransfer) {
      co_await CheckFinalLedger();
      co_return;
    }
    if (kind_ == Kind::kSql) {
      co_await SqlFinalCheck(env_, nodes_, *ledger_, oracle_, kClientTimeout);
      co_return;
    }
    if (!Appends(kind_)) co_return;
    for (const auto& [key, value] : oracle_.acked_appends()) {
      auto r = co_await ReadFromPrimary(key);
      if (!r.ok()) {
        oracle_.OnMissing(absl::StrCat(key, " (read failed: ", r.status().ToString(), ")"));
      } else if (!r->found && async_) {
        oracle_.OnAsyncLoss();
      } else if (!r->found || r->value != value) {
        oracle_.OnMissing(absl::StrCat(key, "=", value, r->found ? absl::StrCat(" reads ", r->value) : " is absent"));
      }
    }
  }

  SimProcessEnv& env_;
  int nodes_;
  Kind kind_;
  bool async_;
  ClusterOracle& oracle_;
  const SqlLedger* ledger_;
};

class ClusterWorkload : public Workload {
 public:
  explicit ClusterWorkload(Kind kind) : kind_(kind) {}

  void Setup(SimWorld& world, const SwarmParams& params) override {
    if (kind_ != Kind::kFailover) {  // elections in 0.5-1 s: more of them per run
      shape_.tick = kFastTick;
      shape_.election_ticks = 10;
    }
    oracle_ = std::make_unique<ClusterOracle>(world, 2 * shape_.election_ticks * shape_.tick);
    shape_.serve_sql = kind_ == Kind::kSql;
    shape_.learners = kind_ == Kind::kFailover ? 0 : static_cast<int>(world.rng().Uniform(3));
    // replication.batch_size: one entry per append on a third of the seeds (an old
    // term's entry then travels without the new leader's no-op: Raft figure 8), else
    // log-uniform up to the default 1000.
    shape_.batch_size = world.rng().Bernoulli(1.0 / 3)
                            ? 1
                            : static_cast<size_t>(std::exp(world.rng().UnitDouble() * std::log(1000.0))) + 1;
    const int nodes = kVoters + shape_.learners;
    for (int i = 1; i <= nodes; ++i) {
      shape_.members.emplace_back(i, NodeName(i),
                                  replication::PeerAddresses(absl::StrCat(NodeName(i), ":7432"),
                                                             absl::StrCat(NodeName(i), ":6432")),
                                  ClientAddress(i), i > kVoters);
    }
    if (kind_ == Kind::kAppend && world.rng().Bernoulli(1.0 / 3)) shape_.mode = replication::CommitMode::kAsync;
    shape_.corruption_victim = 1 + static_cast<int>(world.rng().Uniform(nodes));
    oracle_->set_corruption_victim(shape_.corruption_victim);
    shape_.snapshot_entries = 10 + world.rng().Uniform(200);
    shape_.snapshot_keep_entries = world.rng().Uniform(shape_.snapshot_entries / 2 + 1);
    shape_.checkpoint_interval = absl::Milliseconds(500 + world.rng().Uniform(5000));
    shape_.checkpoint_wal_bytes = (64u << 10) << world.rng().Uniform(6);
    if (kind_ == Kind::kSql && world.rng().Bernoulli(1.0 / 3)) {
      shape_.sync_timeout = absl::Milliseconds(5 + world.rng().Uniform(100));
    }
    world.Log(absl::StrCat("cluster: ", kVoters, " voters, ", shape_.learners, " learners (disk corruption on ",
                           NodeName(shape_.corruption_victim), "), batch_size ",
                           shape_.batch_size, shape_.mode == replication::CommitMode::kAsync ? ", async" : ", sync",
                           ", snapshot every ", shape_.snapshot_entries, " entries keeping ",
                           shape_.snapshot_keep_entries, ", sync_timeout ", absl::FormatDuration(shape_.sync_timeout)));
    for (int i = 1; i <= nodes; ++i) {
      world.AddProcess(NodeName(i), [this, i](Env& env) { return std::make_unique<NodeBody>(env, i, shape_, *oracle_); });
    }
    // Once the nemesis set every disk's rates: corruption only on the victim's.
    world.loop().Schedule(absl::ZeroDuration(), nullptr, {"cluster.corruption-victim", 0, 0, 0}, [&world, this] {
      const std::string victim = NodeName(shape_.corruption_victim);
      for (const auto& process : world.processes()) {
        if (process->name() == victim) continue;
        FaultRates rates = process->disk().rates();
        rates.read_bitflip = rates.latent_sector = rates.misdirect = rates.lost_write = 0;
        process->disk().set_rates(rates);
      }
    });
    stop_at_ = params.fault_phase + kClientsStopAfterHeal;
    if (kind_ == Kind::kFailover) {
      PrimaryNemesis::Options o;
      o.mean_interval = absl::Seconds(4);
      o.until = params.fault_phase;
      o.isolate = true;
      o.one_at_a_time = true;
      primary_nemesis_ = std::make_unique<PrimaryNemesis>(world, *oracle_, o);
      primary_nemesis_->Start();
    } else if (params.Has(FaultFamily::kCrash) || (params.Has(FaultFamily::kPartition) && world.rng().Bernoulli(0.5))) {
      PrimaryNemesis::Options o;
      o.mean_interval = absl::Milliseconds(300 + world.rng().Uniform(2700));
      o.until = params.fault_phase;
      o.crash = params.Has(FaultFamily::kCrash);
      o.isolate = params.Has(FaultFamily::kPartition);
      o.newborn = o.crash ? 0.2 + world.rng().UnitDouble() * 0.7 : 0;
      primary_nemesis_ = std::make_unique<PrimaryNemesis>(world, *oracle_, o);
      primary_nemesis_->Start();
    }
    if (kind_ != Kind::kFailover && world.rng().Bernoulli(0.5)) {
      const absl::Duration mean = absl::Milliseconds(500 + world.rng().Uniform(4500));
      world.Log(absl::StrCat("cluster: an operator switches the primary over every ", absl::FormatDuration(mean)));
      world.AddProcess("operator", [this, mean](Env& env) { return std::make_unique<OperatorBody>(env, mean, &stop_at_); });
    }
    for (int c = 1; c <= kClients; ++c) {
      world.AddProcess(absl::StrCat("c", c), [this, c, nodes](Env& env) {
        return std::make_unique<ClientBody>(env, c, kind_, nodes, *oracle_, &stop_at_, &ledger_);
      });
    }
  }

  void OnHeal(SimWorld& world) override {
    oracle_->OnHeal();
    const int nodes = kVoters + shape_.learners;
    const bool async = shape_.mode == replication::CommitMode::kAsync;
    world.AddProcess("checker", [this, nodes, async](Env& env) {
      return std::make_unique<CheckerBody>(env, nodes, kind_, async, *oracle_, &ledger_);
    });
  }

  absl::Status Check(SimWorld&) override { return oracle_->Check(kind_ == Kind::kRegister); }
  absl::btree_map<std::string, std::vector<double>> FailoverSeconds() const override {
    return oracle_->failover_seconds();
  }

 private:
  Kind kind_;
  ClusterShape shape_;
  std::unique_ptr<ClusterOracle> oracle_;
  std::unique_ptr<PrimaryNemesis> primary_nemesis_;
  absl::Duration stop_at_;
  SqlLedger ledger_;  // sql: what clients were told
};

}  // namespace

std::unique_ptr<Workload> MakeRegisterWorkload() { return std::make_unique<ClusterWorkload>(Kind::kRegister); }
std::unique_ptr<Workload> MakeAppendWorkload() { return std::make_unique<ClusterWorkload>(Kind::kAppend); }
std::unique_ptr<Workload> MakeFailoverWorkload() { return std::make_unique<ClusterWorkload>(Kind::kFailover); }
std::unique_ptr<Workload> MakeTransferWorkload() { return std::make_unique<ClusterWorkload>(Kind::kTransfer); }
std::unique_ptr<Workload> MakeSqlWorkload() { return std::make_unique<ClusterWorkload>(Kind::kSql); }

}  // namespace quanta::sim
