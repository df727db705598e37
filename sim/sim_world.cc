#include "sim/sim_world.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/env/assert.h"
#include "engine/util/strings.h"

namespace quanta::sim {
namespace {

// The simulated wall clock starts here (a fixed instant keeps runs reproducible).
const absl::Time kSimEpoch = absl::FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z

absl::Duration Scale(absl::Duration d, int64_t ppm) {
  return d + d * (static_cast<double>(ppm) * 1e-6);
}

class SimFile final : public File {
 public:
  SimFile(SimProcessEnv* env, std::shared_ptr<Inode> inode) : env_(env), inode_(std::move(inode)) {}

  void StartRead(uint64_t offset, size_t length,
                 Callback<absl::StatusOr<std::string>> done) override {
    env_->DiskOp("disk.read", disk().SampleLatency(false),
                 [this_disk = &disk(), inode = inode_, offset, length, done = std::move(done)]() mutable {
                   done(this_disk->Read(*inode, offset, length));
                 },
                 inode_->id, offset);
  }
  void StartWrite(uint64_t offset, std::string data, Callback<absl::Status> done) override {
    env_->DiskOp("disk.write", disk().SampleLatency(false),
                 [this_disk = &disk(), inode = inode_, offset, data = std::move(data),
                  done = std::move(done)]() mutable { done(this_disk->Write(*inode, offset, data)); },
                 inode_->id, offset);
  }
  void StartSync(bool data_only, Callback<absl::Status> done) override {
    const absl::Duration latency = disk().SampleLatency(true);
    if (env_->alive() && disk().ShouldCrashInSync(*inode_)) {
      // Crash halfway through the sync: the moment durability bugs live in.
      SimWorld& world = env_->world();
      SimProcess& process = env_->process();
      const uint64_t incarnation = env_->incarnation();
      world.loop().Schedule(latency / 2, nullptr, {"disk.crash-in-sync", process.id(), incarnation, inode_->id},
                            [&world, &process, incarnation] {
                              world.CrashAndRestart(process, incarnation, absl::Milliseconds(50));
                            });
    }
    // What a sync covers is fixed when it starts; later writes may or may not be included.
    env_->DiskOp("disk.sync", latency,
                 [this_disk = &disk(), inode = inode_, sectors = disk().SnapshotDirty(*inode_),
                  done = std::move(done)]() mutable { done(this_disk->Sync(*inode, sectors)); },
                 inode_->id);
  }
  void StartTruncate(uint64_t size, Callback<absl::Status> done) override {
    env_->DiskOp("disk.truncate", disk().SampleLatency(false),
                 [this_disk = &disk(), inode = inode_, size, done = std::move(done)]() mutable {
                   done(this_disk->Truncate(*inode, size));
                 },
                 inode_->id, size);
  }
  void StartSize(Callback<absl::StatusOr<uint64_t>> done) override {
    env_->DiskOp("disk.size", absl::Microseconds(1),
                 [inode = inode_, done = std::move(done)]() mutable {
                   done(static_cast<uint64_t>(inode->current.size()));
                 });
  }

 private:
  SimDisk& disk() { return env_->process().disk(); }
  SimProcessEnv* env_;
  std::shared_ptr<Inode> inode_;
};

}  // namespace

// ---- SimProcessEnv ----

SimProcessEnv::SimProcessEnv(SimWorld& world, SimProcess& process, uint64_t incarnation)
    : world_(world),
      process_(process),
      incarnation_(incarnation),
      rng_(Random::DeriveSeed(world.seed(), absl::StrCat(process.name(), "#", incarnation))) {}

SimProcessEnv::~SimProcessEnv() { QUANTA_ASSERT(state_ == State::kDead); }

absl::Duration SimProcessEnv::BusyOffset() const {
  return busy_ ? std::max(absl::ZeroDuration(), busy_until_ - world_.Now()) : absl::ZeroDuration();
}

absl::Duration SimProcessEnv::MonotonicNow() {
  return Scale(world_.Now() + BusyOffset(), process_.mono_drift_ppm);
}

absl::Time SimProcessEnv::WallNow() {
  return kSimEpoch + Scale(world_.Now() + BusyOffset(), process_.wall_drift_ppm) + process_.wall_offset;
}

void SimProcessEnv::ScheduleOwned(absl::Duration delay, TraceTag tag,
                                  absl::AnyInvocable<void()> action) {
  if (!alive()) return;
  world_.loop().Schedule(delay + BusyOffset(), this, tag, std::move(action));
}

TimerId SimProcessEnv::StartTimer(absl::Duration delay, absl::AnyInvocable<void()> fn) {
  const TimerId id = next_timer_++;
  if (!alive()) return id;
  // A timer of `delay` on this process's (drifting) clock.
  // (Started by code that was charged CPU: from the end of that computation.)
  const absl::Duration virtual_delay =
      std::max(absl::ZeroDuration(), delay / (1.0 + static_cast<double>(process_.mono_drift_ppm) * 1e-6)) + BusyOffset();
  const EventId event = world_.loop().Schedule(
      virtual_delay, this, {"timer", process_.id(), id, 0}, [this, id, fn = std::move(fn)]() mutable {
        timers_.erase(id);
        fn();
      });
  timers_[id] = event;
  return id;
}

bool SimProcessEnv::CancelTimer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  const EventId event = it->second;
  timers_.erase(it);
  if (world_.loop().Cancel(event)) return true;
  for (auto d = deferred_.begin(); d != deferred_.end(); ++d) {
    if (d->id == event) {
      deferred_.erase(d);
      return true;
    }
  }
  return false;
}

void SimProcessEnv::Spawn(Task<void> task) {
  if (!alive()) return;
  tasks_.Spawn(std::move(task));
}

void SimProcessEnv::DiskOp(const char* kind, absl::Duration latency, absl::AnyInvocable<void()> op, uint64_t a,
                           uint64_t b) {
  ScheduleOwned(latency, {kind, process_.id(), a, b}, std::move(op));
}

void SimProcessEnv::StartOpen(std::string path, OpenOptions options,
                              Callback<absl::StatusOr<std::unique_ptr<File>>> done) {
  DiskOp("disk.open", process_.disk().SampleLatency(false),
         [this, path = std::move(path), options, done = std::move(done)]() mutable {
           auto inode = process_.disk().Open(path, options.create, options.exclusive, options.truncate);
           if (!inode.ok()) {
             done(inode.status());
             return;
           }
           done(std::unique_ptr<File>(std::make_unique<SimFile>(this, *std::move(inode))));
         });
}

void SimProcessEnv::StartRename(std::string from, std::string to, Callback<absl::Status> done) {
  DiskOp("disk.rename", process_.disk().SampleLatency(false),
         [this, from = std::move(from), to = std::move(to), done = std::move(done)]() mutable {
           done(process_.disk().Rename(from, to));
         });
}

void SimProcessEnv::StartRemove(std::string path, Callback<absl::Status> done) {
  DiskOp("disk.remove", process_.disk().SampleLatency(false),
         [this, path = std::move(path), done = std::move(done)]() mutable {
           done(process_.disk().Remove(path));
         });
}

void SimProcessEnv::StartCreateDir(std::string path, Callback<absl::Status> done) {
  DiskOp("disk.mkdir", process_.disk().SampleLatency(false),
         [this, path = std::move(path), done = std::move(done)]() mutable {
           done(process_.disk().CreateDir(path));
         });
}

void SimProcessEnv::StartList(std::string dir,
                              Callback<absl::StatusOr<std::vector<std::string>>> done) {
  DiskOp("disk.list", process_.disk().SampleLatency(false),
         [this, dir = std::move(dir), done = std::move(done)]() mutable {
           done(process_.disk().List(dir));
         });
}

void SimProcessEnv::StartSyncDir(std::string dir, Callback<absl::Status> done) {
  DiskOp("disk.syncdir", process_.disk().SampleLatency(true),
         [this, dir = std::move(dir), done = std::move(done)]() mutable {
           done(process_.disk().SyncDir(dir));
         });
}

absl::StatusOr<std::unique_ptr<Listener>> SimProcessEnv::Listen(std::string_view address) {
  if (!alive()) return absl::CancelledError("process is dead");
  return world_.network().Listen(NetNode{process_.id(), process_.name(), this}, ToAbsl(address));
}

void SimProcessEnv::StartConnect(std::string address,
                                 Callback<absl::StatusOr<std::unique_ptr<Stream>>> done) {
  world_.network().Connect(NetNode{process_.id(), process_.name(), this}, std::move(address),
                           std::move(done));
}

EventOwner::Disposition SimProcessEnv::Dispose() const {
  switch (state_) {
    case State::kRunning: return busy_ ? Disposition::kDefer : Disposition::kRun;
    case State::kPaused: return Disposition::kDefer;
    case State::kDead: return Disposition::kDrop;
  }
  return Disposition::kDrop;
}

void SimProcessEnv::Defer(EventId id, TraceTag tag, absl::AnyInvocable<void()> action) {
  QUANTA_ASSERT(state_ == State::kPaused || busy_);
  deferred_.push_back(Deferred{id, tag, std::move(action)});
}

void SimProcessEnv::Resume() {
  QUANTA_ASSERT(state_ == State::kPaused);
  state_ = State::kRunning;
  if (!busy_) RunDeferred();
}

void SimProcessEnv::ChargeCpu(absl::Duration cpu) {
  QUANTA_ASSERT(cpu >= absl::ZeroDuration());
  if (state_ == State::kDead || cpu == absl::ZeroDuration()) return;
  busy_until_ = std::max(busy_until_, world_.Now()) + cpu;
  if (busy_) return;  // the pending EndBusy sees the later end
  busy_ = true;
  ScheduleBusyEnd();
}

// Not an event of this process (those wait while it is busy): the world's, checking
// that the same incarnation is still running when it fires.
void SimProcessEnv::ScheduleBusyEnd() {
  SimProcess* process = &process_;
  const uint64_t incarnation = incarnation_;
  world_.loop().Schedule(busy_until_ - world_.Now(), nullptr, {"process.busy-end", process_.id(), 0, 0},
                         [process, incarnation] {
                           if (process->env() != nullptr && process->env()->incarnation() == incarnation) {
                             process->env()->EndBusy();
                           }
                         });
}

void SimProcessEnv::EndBusy() {
  QUANTA_ASSERT(busy_);
  if (state_ == State::kDead) return;
  if (busy_until_ > world_.Now()) {  // charged more meanwhile
    ScheduleBusyEnd();
    return;
  }
  busy_ = false;
  if (state_ == State::kRunning) RunDeferred();
}

void SimProcessEnv::RunDeferred() {
  QUANTA_ASSERT(state_ == State::kRunning);
  QUANTA_ASSERT(!busy_);
  std::vector<Deferred> deferred = std::move(deferred_);
  deferred_.clear();
  // Keep the original order: each deferred event runs a nanosecond after the previous.
  int64_t step = 0;
  for (Deferred& d : deferred) {
    const EventId fresh = world_.loop().Schedule(absl::Nanoseconds(step++), this, d.tag, std::move(d.action));
    for (auto& [timer, event] : timers_) {
      if (event == d.id) event = fresh;
    }
  }
}

void SimProcessEnv::Start() {
  QUANTA_ASSERT(alive());
  QUANTA_ASSERT(body_ == nullptr);
  body_ = process_.start_(*this);
}

void SimProcessEnv::Kill() {
  QUANTA_ASSERT(state_ != State::kDead);
  state_ = State::kDead;
  timers_.clear();
  deferred_.clear();
  tasks_.DestroyAll();  // no continuation of a dead process ever runs
  body_.reset();
}

// ---- SimProcess ----

SimProcess::SimProcess(SimWorld& world, uint32_t id, std::string name, StartFn start, uint64_t seed)
    : world_(world),
      id_(id),
      name_(std::move(name)),
      start_(std::move(start)),
      seed_(seed),
      disk_(Random::DeriveSeed(seed, "disk")) {}

// ---- SimWorld ----

SimWorld::SimWorld(uint64_t seed)
    : seed_(seed),
      loop_(seed),
      rng_(Random::DeriveSeed(seed, "world")),
      network_(loop_, Random::DeriveSeed(seed, "network")) {}

SimWorld::~SimWorld() {
  for (auto& process : processes_) {
    if (process->current_) {
      process->current_->Kill();
      network_.OnOwnerDeath(process->current_.get());
      process->graveyard_.push_back(std::move(process->current_));
    }
  }
  loop_.Clear();  // while the network and every incarnation still exist
  processes_.clear();
}

SimProcess& SimWorld::AddProcess(std::string name, StartFn start) {
  const auto id = static_cast<uint32_t>(processes_.size() + 1);
  network_.AddHost(name, id);
  auto process = std::make_unique<SimProcess>(*this, id, name, std::move(start),
                                              Random::DeriveSeed(seed_, name));
  processes_.push_back(std::move(process));
  Restart(*processes_.back());
  return *processes_.back();
}

SimProcess* SimWorld::Find(absl::string_view name) {
  for (auto& process : processes_) {
    if (process->name() == name) return process.get();
  }
  return nullptr;
}

void SimWorld::Crash(SimProcess& process) {
  QUANTA_ASSERT(process.current_ != nullptr);
  Log(absl::StrCat(process.name(), " CRASH (incarnation ", process.incarnation_, ")"));
  loop_.Observe({"process.crash", process.id(), process.incarnation_, 0});
  SimProcessEnv* env = process.current_.get();
  env->Kill();
  network_.OnOwnerDeath(env);
  process.disk_.Crash();
  process.graveyard_.push_back(std::move(process.current_));
}

void SimWorld::Restart(SimProcess& process) {
  QUANTA_ASSERT(process.current_ == nullptr);
  ++process.incarnation_;
  if (process.incarnation_ > 1) Log(absl::StrCat(process.name(), " RESTART"));
  process.current_ = std::make_unique<SimProcessEnv>(*this, process, process.incarnation_);
  SimProcessEnv* env = process.current_.get();
  loop_.Schedule(absl::ZeroDuration(), env, {"process.start", process.id(), process.incarnation_, 0},
                 [env] { env->Start(); });
}

void SimWorld::CrashAndRestart(SimProcess& process, uint64_t incarnation, absl::Duration delay) {
  loop_.Schedule(absl::ZeroDuration(), nullptr, {"process.panic", process.id(), incarnation, 0},
                 [this, &process, incarnation, delay] {
                   if (!process.up() || process.incarnation_ != incarnation) return;
                   Crash(process);
                   RestartLater(process, delay);
                 });
}

void SimWorld::RestartLater(SimProcess& process, absl::Duration delay) {
  loop_.Schedule(delay, nullptr, {"process.restart", process.id(), 0, 0}, [this, &process] {
    if (!process.up()) Restart(process);
  });
}

void SimWorld::Pause(SimProcess& process) {
  QUANTA_ASSERT(process.current_ != nullptr);
  QUANTA_ASSERT(process.current_->state() == SimProcessEnv::State::kRunning);
  Log(absl::StrCat(process.name(), " PAUSE"));
  process.current_->Pause();
}

void SimWorld::Resume(SimProcess& process) {
  QUANTA_ASSERT(process.paused());
  Log(absl::StrCat(process.name(), " RESUME"));
  process.current_->Resume();
}

void SimWorld::Fail(std::string message) {
  if (failed_) return;  // keep the first failure: later ones are usually its echoes
  failed_ = true;
  failure_ = std::move(message);
  Log(absl::StrCat("FAILURE: ", failure_));
}

void SimWorld::Log(absl::string_view line) {
  if (!log_sink_) return;
  log_sink_(absl::StrFormat("[%12.6fs] %s", absl::ToDoubleSeconds(loop_.Now()), line));
}

}  // namespace quanta::sim
