// The wal workload drives engine/wal under every fault.
//
// One node ("db") replays its WAL at each start, then runs 1–16 committers that
// append write-set records of random sizes and wait for durability (group commit).
// Segments are small (16–256 KiB) so rollover happens often. A write or sync error
// makes the node restart (PANIC); corruption reported by replay makes it start over
// with an empty log in a new directory (as a replica would re-clone).
//
// Oracles (WalOracle): every replayed record is exactly what was appended at its LSN;
// replay reaches every acknowledged LSN unless a corrupting disk fault hit the WAL;
// corruption is reported only if such a fault happened; after heal, and after one
// final crash and restart, commits are acknowledged again.
#include "sim/workloads/wal_workload.h"

#include "absl/container/btree_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/env/status.h"
#include "engine/wal/wal.h"
#include "sim/sim_world.h"
#include "xxhash.h"

namespace quanta::sim {
namespace {

using wal::Lsn;

constexpr absl::Duration kPanicRestartDelay = absl::Milliseconds(100);

uint64_t Hash(absl::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

class WalOracle {
 public:
  explicit WalOracle(SimWorld& world) : world_(world) {}

  void OnAppend(Lsn lsn, uint64_t hash) { appended_[lsn] = hash; }
  void OnAcked(Lsn lsn) {
    acked_ = std::max(acked_, lsn);
    last_ack_ = world_.Now();
  }
  // `records` are (lsn, payload hash) in replay order; `next` is the replayed end.
  void OnRecovered(const std::vector<std::pair<Lsn, uint64_t>>& records, Lsn next) {
    Lsn expect = 1;
    for (const auto& [lsn, hash] : records) {
      auto it = appended_.find(lsn);
      if (lsn != expect || it == appended_.end() || it->second != hash) {
        world_.Fail(absl::StrCat("WAL replay returned LSN ", lsn, " (expected ", expect,
                                 ") whose payload is not what was appended there"));
        return;
      }
      ++expect;
    }
    if (next <= acked_ && !CorruptionInWal()) {
      world_.Fail(absl::StrCat("lost acknowledged commits: replay ended at LSN ", next - 1,
                               " but LSNs up to ", acked_, " were acknowledged durable, and no disk "
                               "fault hit the WAL"));
      return;
    }
    world_.Log(absl::StrCat("db replayed ", records.size(), " records; acknowledged up to ", acked_));
    appended_.erase(appended_.lower_bound(next), appended_.end());
    acked_ = std::min(acked_, next - 1);
    ++recoveries_;
  }
  void set_dir(std::string dir) { dir_ = std::move(dir); }
  void OnDataLoss(absl::string_view message) {
    if (!CorruptionInWal()) {
      world_.Fail(absl::StrCat("false corruption report from WAL replay: ", message));
      return;
    }
    world_.Log(absl::StrCat("db detected WAL corruption (allowed: a disk fault hit it): ", message));
    appended_.clear();
    acked_ = 0;
  }
  absl::Duration last_ack() const { return last_ack_; }
  uint64_t recoveries() const { return recoveries_; }

 private:
  bool CorruptionInWal() const {
    SimProcess* db = world_.Find("db");
    auto names = db->disk().List(dir_);
    if (!names.ok()) return false;
    for (const std::string& name : *names) {
      std::shared_ptr<Inode> inode = db->disk().Lookup(absl::StrCat(dir_, "/", name));
      if (inode == nullptr) continue;
      for (const FaultEvent& f : inode->faults) {
        if (f.kind != FaultEvent::Kind::kSyncLostWrites) return true;
      }
    }
    return false;
  }

  SimWorld& world_;
  std::string dir_;
  absl::btree_map<Lsn, uint64_t> appended_;
  Lsn acked_ = 0;
  absl::Duration last_ack_ = -absl::InfiniteDuration();
  uint64_t recoveries_ = 0;
};

class WalNode : public ProcessBody {
 public:
  WalNode(Env& env, WalOracle& oracle, wal::WalOptions options)
      : env_(env), sim_env_(static_cast<SimProcessEnv&>(env)), oracle_(oracle), options_(std::move(options)) {
    env_.Spawn(Main());
  }

 private:
  Task<void> Main() {
    absl::Status located = co_await LocateLog();
    if (!located.ok()) co_return Panic(located);
    std::vector<std::pair<Lsn, uint64_t>> records;
    auto position = co_await wal::ReplayWal(env_, options_, 1, [&records](const wal::WalRecord& r) {
      records.emplace_back(r.lsn, Hash(r.payload));
      return absl::OkStatus();
    });
    if (absl::IsDataLoss(position.status())) {
      // As a replica would re-clone: start over in a fresh log directory. The old one
      // stays (a crash can never leave a half-deleted log that looks valid).
      oracle_.OnDataLoss(position.status().message());
      ++generation_;
      options_.dir = absl::StrCat("wal.", generation_);
      oracle_.set_dir(options_.dir);
      position = wal::WalPosition();
    } else if (!position.ok()) {
      co_return Panic(position.status());
    } else {
      oracle_.OnRecovered(records, position->next_lsn);
    }
    auto writer = co_await wal::WalWriter::Open(env_, options_, *position);
    if (!writer.ok()) co_return Panic(writer.status());
    writer_ = *std::move(writer);
    const uint64_t committers = 1 + env_.Rng().Uniform(16);
    for (uint64_t i = 0; i < committers; ++i) env_.Spawn(Committer(i));
  }

  // Picks the newest log directory "wal.N" (N = 0 at first start).
  Task<absl::Status> LocateLog() {
    CO_ASSIGN_OR_RETURN(std::vector<std::string> names, co_await env_.List(""));
    for (const std::string& name : names) {
      uint64_t n = 0;
      if (absl::StartsWith(name, "wal.") && absl::SimpleAtoi(name.substr(4), &n)) generation_ = std::max(generation_, n);
    }
    options_.dir = absl::StrCat("wal.", generation_);
    oracle_.set_dir(options_.dir);
    co_return absl::OkStatus();
  }

  Task<void> Committer(uint64_t id) {
    Random& rng = env_.Rng();
    for (uint64_t n = 0;; ++n) {
      if (!writer_->status().ok()) co_return;
      std::string payload = absl::StrCat("c", id, "/", n, "/", sim_env_.incarnation(), "/");
      payload.append(rng.Uniform(3000), static_cast<char>('a' + rng.Uniform(26)));
      const uint64_t hash = Hash(payload);
      const Lsn lsn = writer_->Append(wal::RecordType::kWriteSet, std::move(payload));
      oracle_.OnAppend(lsn, hash);
      absl::Status status = co_await writer_->WaitDurable(lsn);
      if (!status.ok()) co_return Panic(status);
      oracle_.OnAcked(lsn);
      co_await env_.Sleep(absl::Milliseconds(rng.Range(0, 30)));
    }
  }

  void Panic(const absl::Status& why) {
    sim_env_.world().Log(absl::StrCat("db PANIC: ", why.ToString()));
    sim_env_.world().CrashAndRestart(sim_env_.process(), sim_env_.incarnation(), kPanicRestartDelay);
  }

  Env& env_;
  SimProcessEnv& sim_env_;
  WalOracle& oracle_;
  wal::WalOptions options_;
  uint64_t generation_ = 0;
  std::unique_ptr<wal::WalWriter> writer_;
};

class WalWorkload : public Workload {
 public:
  void Setup(SimWorld& world, const SwarmParams&) override {
    oracle_ = std::make_unique<WalOracle>(world);
    wal::WalOptions options;
    options.segment_bytes = (16u << 10) << world.rng().Uniform(5);  // 16 KiB .. 256 KiB
    options.data_sync = world.rng().Bernoulli(0.5);
    world.AddProcess("db", [oracle = oracle_.get(), options](Env& env) {
      return std::make_unique<WalNode>(env, *oracle, options);
    });
  }
  void OnHeal(SimWorld& world) override { final_restart_.Schedule(world); }
  absl::Status Check(SimWorld& world) override { return final_restart_.Check(world, oracle_->last_ack()); }

 private:
  std::unique_ptr<WalOracle> oracle_;
  FinalRestart final_restart_{"db", absl::Seconds(4)};
};

}  // namespace

std::unique_ptr<Workload> MakeWalWorkload() { return std::make_unique<WalWorkload>(); }

}  // namespace quanta::sim
