// The storage workload drives engine/storage under every fault.
//
// One node ("db") opens its store in directory db.N (N = generation), then runs 1–8
// committers (write sets of 1–5 puts/deletes over 40 trees and 200 keys, values up to
// 20 KB so some overflow; 2% are bulk loads of up to 1,500 ascending rows into one of
// 200 more trees), a reader (point reads and scans, forward and backward) and a
// checkpointer (some checkpoints paced, so commits interleave with their writes). The buffer pool is tiny, so pages are evicted and reloaded all the
// time, and some seeds cap the WAL, so commits are refused until a checkpoint (the
// committer waits). Any write, sync or apply error restarts the node. Corruption
// reported by the store (at open or on a read) makes it start over in generation
// N+1 (a re-clone; the generation is kept by the oracle, standing in for the
// operator or the cluster that would trigger it).
//
// Oracles (StorageOracle): every read sees the model's state at some LSN between the
// applied LSN before and after the read; after every open the recovered state equals
// the model at the recovered LSN, which covers every acknowledged commit unless a
// corrupting disk fault hit the store's files; corruption is reported only if such a
// fault happened; after heal and a final calm crash, commits are acknowledged again.
#include "sim/workloads/storage_workload.h"

#include <cmath>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/env/status.h"
#include "engine/storage/store.h"
#include "sim/sim_world.h"

namespace quanta::sim {
namespace {

using storage::Lsn;
using storage::TreeId;
using State = absl::btree_map<std::pair<TreeId, std::string>, std::string>;

constexpr int kTrees = 40;  // enough that the meta page's tree table spans sectors
constexpr TreeId kBulkTreesFrom = 1000;  // bulk loads go to trees [1000, 1200)
constexpr uint64_t kBulkTrees = 200;
constexpr int kKeys = 200;
constexpr absl::Duration kPanicRestartDelay = absl::Milliseconds(100);

class StorageOracle {
 public:
  explicit StorageOracle(SimWorld& world) : world_(world) {}

  uint64_t generation() const { return generation_; }
  std::string dir() const { return absl::StrCat("db.", generation_); }

  void OnAssigned(uint64_t gen, Lsn lsn, const storage::WriteSet& ws) {
    if (gen != generation_) return;
    for (const storage::WriteOp& op : ws.ops) {
      auto& history = history_[{op.tree, op.key}];
      if (op.kind == storage::WriteOp::Kind::kPut) {
        history[lsn] = op.value;
      } else {
        history[lsn] = std::nullopt;
      }
    }
    assigned_ = std::max(assigned_, lsn);
  }
  void OnAcked(uint64_t gen, Lsn lsn) {
    if (gen != generation_) return;
    acked_ = std::max(acked_, lsn);
    last_ack_ = world_.Now();
  }
  // A point read returned `value` while the applied LSN moved from `lo` to `hi`.
  void OnGet(uint64_t gen, TreeId tree, const std::string& key, const std::optional<std::string>& value, Lsn lo, Lsn hi) {
    if (gen != generation_) return;
    for (Lsn at : CandidateLsns(lo, hi)) {
      if (ValueAt(tree, key, at) == value) return;
    }
    world_.Fail(absl::StrCat("read of tree ", tree, " key ", key, " returned ",
                             value ? absl::StrCat(value->size(), " bytes") : "nothing",
                             ", which the model never held between LSN ", lo, " and ", hi));
  }
  // A scan of [start, end) returned `rows` while the applied LSN moved from lo to hi.
  void OnScan(uint64_t gen, TreeId tree, const storage::ScanRange& range, const std::vector<storage::KeyValue>& rows,
              Lsn lo, Lsn hi) {
    if (gen != generation_) return;
    for (Lsn at : CandidateLsns(lo, hi)) {
      if (ExpectedScan(tree, range, at) == rows) return;
    }
    world_.Fail(absl::StrCat("scan of tree ", tree, " from ", range.start, range.reverse ? " (reverse)" : "",
                             " returned ", rows.size(), " rows matching no model state between LSN ", lo, " and ", hi));
  }
  void OnRecovered(uint64_t gen, Lsn applied, const State& state) {
    if (gen != generation_) return;
    if (applied < acked_ && !Corrupted()) {
      world_.Fail(absl::StrCat("lost acknowledged commits: recovered to LSN ", applied, " but LSN ", acked_,
                               " was acknowledged, and no disk fault hit the store"));
      return;
    }
    if (applied > assigned_) {
      world_.Fail(absl::StrCat("recovered to LSN ", applied, " but only ", assigned_, " were ever assigned"));
      return;
    }
    // Never excused, even after disk faults: damage must be detected, not served.
    const State expected = StateAt(applied);
    if (state != expected) {
      world_.Fail(absl::StrCat("recovered state at LSN ", applied, " differs from the model (", state.size(),
                               " rows, model has ", expected.size(), ")"));
      return;
    }
    // Forget what the crash took: LSNs after `applied` will be reused.
    for (auto& [key, history] : history_) history.erase(history.upper_bound(applied), history.end());
    acked_ = std::min(acked_, applied);
    assigned_ = applied;
    world_.Log(absl::StrCat("db recovered to LSN ", applied, " (", state.size(), " rows)"));
  }
  // The store opened despite damage it found (and says what it was): only a disk
  // fault may cause that.
  void OnDamageWorkedAround(uint64_t gen, absl::string_view message) {
    if (gen != generation_) return;
    if (!Corrupted()) {
      world_.Fail(absl::StrCat("store reports damage no disk fault caused: ", message));
      return;
    }
    world_.Log(absl::StrCat("db worked around damage (allowed: a disk fault hit it): ", message));
  }
  void OnDataLoss(uint64_t gen, absl::string_view message) {
    if (gen != generation_) return;
    if (!Corrupted()) {
      world_.Fail(absl::StrCat("false corruption report from the store: ", message));
      return;
    }
    world_.Log(absl::StrCat("db detected corruption (allowed: a disk fault hit it): ", message));
    ++generation_;
    history_.clear();
    acked_ = assigned_ = 0;
  }
  absl::Duration last_ack() const { return last_ack_; }

 private:
  std::vector<Lsn> CandidateLsns(Lsn lo, Lsn hi) const {
    std::vector<Lsn> out;
    for (Lsn at = lo; at <= hi && out.size() < 64; ++at) out.push_back(at);
    if (out.empty() || out.back() != hi) out.push_back(hi);
    return out;
  }
  using History = absl::btree_map<Lsn, std::optional<std::string>>;
  static std::optional<std::string> ValueIn(const History& history, Lsn at) {
    auto v = history.upper_bound(at);
    if (v == history.begin()) return std::nullopt;
    return std::prev(v)->second;
  }
  std::optional<std::string> ValueAt(TreeId tree, const std::string& key, Lsn at) const {
    auto it = history_.find({tree, key});
    return it == history_.end() ? std::nullopt : ValueIn(it->second, at);
  }
  State StateAt(Lsn at) const {
    State state;
    for (const auto& [key, history] : history_) {
      if (std::optional<std::string> v = ValueIn(history, at)) state[key] = *std::move(v);
    }
    return state;
  }
  // Visits only the range's keys, stopping at the limit (bulk trees make the whole
  // state large, and a scan is checked at up to 65 candidate LSNs).
  std::vector<storage::KeyValue> ExpectedScan(TreeId tree, const storage::ScanRange& range, Lsn at) const {
    std::vector<storage::KeyValue> out;
    if (range.limit == 0 || (range.end && *range.end <= range.start)) return out;
    const auto begin = history_.lower_bound({tree, range.start});
    const auto end = range.end ? history_.lower_bound({tree, *range.end}) : history_.lower_bound({tree + 1, ""});
    auto visit = [&](const auto& entry) {
      if (std::optional<std::string> v = ValueIn(entry.second, at)) {
        out.push_back(storage::KeyValue{entry.first.second, *std::move(v)});
      }
      return out.size() >= range.limit;
    };
    if (!range.reverse) {
      for (auto it = begin; it != end && !visit(*it);) ++it;
    } else {
      for (auto it = end; it != begin && !visit(*std::prev(it));) --it;
    }
    return out;
  }
  // A corrupting fault (misdirected or lost write, latent sector, read flip) in any file of
  // the current generation.
  bool Corrupted() const {
    SimDisk& disk = world_.Find("db")->disk();
    for (const std::string& sub : {dir(), absl::StrCat(dir(), "/wal")}) {
      auto names = disk.List(sub);
      if (!names.ok()) continue;
      for (const std::string& name : *names) {
        std::shared_ptr<Inode> inode = disk.Lookup(absl::StrCat(sub, "/", name));
        if (inode == nullptr) continue;
        for (const FaultEvent& f : inode->faults) {
          if (f.kind != FaultEvent::Kind::kSyncLostWrites) return true;
        }
      }
    }
    return false;
  }

  SimWorld& world_;
  uint64_t generation_ = 0;
  absl::btree_map<std::pair<TreeId, std::string>, History> history_;
  Lsn acked_ = 0;
  Lsn assigned_ = 0;
  absl::Duration last_ack_ = -absl::InfiniteDuration();
};

class StorageNode : public ProcessBody {
 public:
  StorageNode(Env& env, StorageOracle& oracle)
      : env_(env), sim_env_(static_cast<SimProcessEnv&>(env)), oracle_(oracle) {
    env_.Spawn(Main());
  }

 private:
  Task<void> Main() {
    gen_ = oracle_.generation();
    storage::StoreOptions options;
    options.dir = oracle_.dir();
    options.buffer_pool_bytes = (8 + env_.Rng().Uniform(40)) * storage::kPageBytes;
    options.wal_segment_bytes = (16u << 10) << env_.Rng().Uniform(4);
    if (env_.Rng().Bernoulli(0.3)) options.wal_cap_bytes = (64u << 10) << env_.Rng().Uniform(5);
    options.redo_chunk_bytes = (1u << 10) << env_.Rng().Uniform(14);  // 1 KiB..8 MiB: chunked redo too
    auto store = co_await storage::Store::Open(env_, options);
    if (!store.ok()) co_return HandleError(store.status());
    store_ = *std::move(store);
    sim_env_.world().Log(absl::StrCat("db opened: checkpoint at LSN ", store_->checkpoint_lsn(), ", replayed ",
                                      store_->stats().replayed_records, " records",
                                      store_->meta_damage().ok() ? "" : "; other meta slot rejected: ",
                                      store_->meta_damage().message()));
    if (!store_->wal_damage().ok()) oracle_.OnDamageWorkedAround(gen_, store_->wal_damage().message());
    State state;
    for (TreeId tree : store_->trees()) {
      auto rows = co_await store_->Scan(tree, storage::ScanRange());
      if (!rows.ok()) co_return HandleError(rows.status());
      for (storage::KeyValue& kv : *rows) state[{tree, kv.key}] = std::move(kv.value);
    }
    oracle_.OnRecovered(gen_, store_->applied_lsn(), state);
    const uint64_t committers = 1 + env_.Rng().Uniform(8);
    for (uint64_t i = 0; i < committers; ++i) env_.Spawn(Committer());
    env_.Spawn(Reader());
    env_.Spawn(Checkpointer());
  }

  // Sometimes a bulk load: ascending puts into a tree that probably does not exist
  // yet, which the store applies by a bottom-up build (if the tree exists, as an
  // ordinary write set: the model cannot tell, and must not need to).
  storage::WriteSet BulkWriteSet() {
    Random& rng = env_.Rng();
    storage::WriteSet ws;
    const TreeId tree = kBulkTreesFrom + rng.Uniform(kBulkTrees);
    const uint64_t rows = 2 + rng.Uniform(1500);  // up to ~30 leaves: interior levels too
    absl::btree_set<std::string> keys;
    for (uint64_t i = 0; i < rows; ++i) keys.insert(absl::StrCat("k", rng.Uniform(10 * kKeys)));
    for (const std::string& key : keys) {
      const uint64_t size = rng.Bernoulli(0.02) ? 5000 : rng.Uniform(200);
      std::string value = absl::StrCat(sim_env_.incarnation(), ":", rng.Next(), ":");
      value.append(size, static_cast<char>('A' + rng.Uniform(26)));
      ws.Put(tree, key, std::move(value));
    }
    return ws;
  }

  storage::WriteSet RandomWriteSet() {
    Random& rng = env_.Rng();
    if (rng.Bernoulli(0.02)) return BulkWriteSet();
    storage::WriteSet ws;
    const uint64_t ops = 1 + rng.Uniform(5);
    for (uint64_t i = 0; i < ops; ++i) {
      const TreeId tree = 1 + rng.Uniform(kTrees);
      std::string key = absl::StrCat("k", rng.Uniform(kKeys));
      if (rng.Bernoulli(0.2)) {
        ws.Delete(tree, std::move(key));
        continue;
      }
      const uint64_t size = rng.Bernoulli(0.05) ? 20000 : rng.Uniform(3000);
      std::string value = absl::StrCat(sim_env_.incarnation(), ":", rng.Next(), ":");
      value.append(size, static_cast<char>('a' + rng.Uniform(26)));
      ws.Put(tree, std::move(key), std::move(value));
    }
    return ws;
  }

  Task<void> Committer() {
    for (;;) {
      storage::WriteSet ws = RandomWriteSet();
      const storage::WriteSet copy = ws;
      auto lsn = co_await store_->Commit(std::move(ws), [this, &copy](Lsn assigned) {
        oracle_.OnAssigned(gen_, assigned, copy);
      });
      if (absl::IsResourceExhausted(lsn.status())) {  // over the WAL cap: nothing was logged
        co_await env_.Sleep(absl::Milliseconds(50));
        continue;
      }
      if (!lsn.ok()) co_return HandleError(lsn.status());
      oracle_.OnAcked(gen_, *lsn);
      co_await env_.Sleep(absl::Milliseconds(env_.Rng().Range(0, 20)));
    }
  }

  Task<void> Reader() {
    Random& rng = env_.Rng();
    for (;;) {
      co_await env_.Sleep(absl::Milliseconds(rng.Range(1, 30)));
      const TreeId tree = rng.Bernoulli(0.8) ? 1 + rng.Uniform(kTrees) : kBulkTreesFrom + rng.Uniform(kBulkTrees);
      const Lsn lo = store_->applied_lsn();
      if (rng.Bernoulli(0.7)) {
        const std::string key = absl::StrCat("k", rng.Uniform(kKeys));
        auto value = co_await store_->Get(tree, key);
        if (!value.ok()) co_return HandleError(value.status());
        oracle_.OnGet(gen_, tree, key, *value, lo, store_->applied_lsn());
      } else {
        storage::ScanRange range;
        range.start = absl::StrCat("k", rng.Uniform(kKeys));
        if (rng.Bernoulli(0.5)) range.end = absl::StrCat("k", rng.Uniform(kKeys));
        range.reverse = rng.Bernoulli(0.5);
        range.limit = 1 + rng.Uniform(100);
        auto rows = co_await store_->Scan(tree, range);
        if (!rows.ok()) co_return HandleError(rows.status());
        oracle_.OnScan(gen_, tree, range, *rows, lo, store_->applied_lsn());
      }
    }
  }

  // The interval is log-uniform in [5 ms, 500 ms] per incarnation and the first
  // checkpoint comes at a random point of it: under frequent crashes a fixed delay would
  // starve checkpoints, and crashes inside them are what the meta-page paths need.
  Task<void> Checkpointer() {
    Random& rng = env_.Rng();
    const double interval_ms = std::pow(10.0, 0.7 + 2.0 * rng.UnitDouble());
    double next_ms = interval_ms * rng.UnitDouble();
    for (;;) {
      co_await env_.Sleep(absl::Microseconds(static_cast<int64_t>(1000 * next_ms)));
      // Half the checkpoints are paced over up to an interval, so commits, reads and
      // evictions interleave with their writes.
      const double spread_ms = rng.Bernoulli(0.5) ? interval_ms * rng.UnitDouble() : 0;
      absl::Status status = co_await store_->Checkpoint(absl::Microseconds(static_cast<int64_t>(1000 * spread_ms)));
      if (!status.ok()) co_return HandleError(status);
      next_ms = interval_ms * (0.5 + rng.UnitDouble());
    }
  }

  // Corruption: report it and start over in a new generation. Anything else: restart.
  void HandleError(const absl::Status& status) {
    if (absl::IsDataLoss(status)) {
      oracle_.OnDataLoss(gen_, status.message());
    }
    sim_env_.world().Log(absl::StrCat("db PANIC: ", status.ToString()));
    sim_env_.world().CrashAndRestart(sim_env_.process(), sim_env_.incarnation(), kPanicRestartDelay);
  }

  Env& env_;
  SimProcessEnv& sim_env_;
  StorageOracle& oracle_;
  uint64_t gen_ = 0;
  std::unique_ptr<storage::Store> store_;
};

class StorageWorkload : public Workload {
 public:
  void Setup(SimWorld& world, const SwarmParams&) override {
    oracle_ = std::make_unique<StorageOracle>(world);
    world.AddProcess("db", [oracle = oracle_.get()](Env& env) { return std::make_unique<StorageNode>(env, *oracle); });
  }
  void OnHeal(SimWorld& world) override { final_restart_.Schedule(world); }
  absl::Status Check(SimWorld& world) override { return final_restart_.Check(world, oracle_->last_ack()); }

 private:
  std::unique_ptr<StorageOracle> oracle_;
  FinalRestart final_restart_{"db", absl::Seconds(4)};
};

}  // namespace

std::unique_ptr<Workload> MakeStorageWorkload() { return std::make_unique<StorageWorkload>(); }

}  // namespace quanta::sim
