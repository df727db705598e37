// SimWorld: one simulated run — a virtual clock, a network, and processes with disks.
//
// The world owns the SimLoop, the SimNetwork and every SimProcess. A process is a
// named start function plus a disk that survives its crashes; each time it starts, a
// fresh SimProcessEnv (its "incarnation") is made and the start function builds the
// process's body on it. Crash() kills the current incarnation at once (kill -9 between
// two events): its coroutines, timers, pending I/O and sockets vanish without running,
// its peers see connection resets, and its disk applies the crash model. Restart()
// runs the start function again on what the disk kept.
//
// Each process has its own monotonic clock rate (drift) and wall clock (drift and
// jumps), its own seeded Random derived from (seed, name, incarnation), its own disk
// and its own network host name.
//
// The world is the oracle's side of the glass too: workloads may read disks directly
// (bypassing faults) and record failures with Fail().
//
// Threading: single-threaded; a run happens entirely inside one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "engine/env/env.h"
#include "engine/env/task_set.h"
#include "sim/sim_disk.h"
#include "sim/sim_loop.h"
#include "sim/sim_network.h"

namespace quanta::sim {

class SimWorld;
class SimProcess;

// Whatever a process builds when it starts; destroyed (without further I/O) at a crash.
class ProcessBody {
 public:
  virtual ~ProcessBody() = default;
};

using StartFn = std::function<std::unique_ptr<ProcessBody>(Env& env)>;

// Maximum rate error of a simulated monotonic clock, in parts per million. Protocols
// that rely on clock rates (leases) may assume this bound; the simulator never exceeds
// it unless a test asks for more.
inline constexpr int64_t kMaxClockDriftPpm = 500;

// One incarnation of a process: the Env its code sees.
class SimProcessEnv final : public Env, public EventOwner {
 public:
  enum class State { kRunning, kPaused, kDead };

  SimProcessEnv(SimWorld& world, SimProcess& process, uint64_t incarnation);
  ~SimProcessEnv() override;

  // Env
  absl::Duration MonotonicNow() override;
  absl::Time WallNow() override;
  TimerId StartTimer(absl::Duration delay, absl::AnyInvocable<void()> fn) override;
  bool CancelTimer(TimerId id) override;
  Random& Rng() override { return rng_; }
  void ChargeCpu(absl::Duration cpu) override;
  void Spawn(Task<void> task) override;
  void StartOpen(std::string path, OpenOptions options,
                 Callback<absl::StatusOr<std::unique_ptr<File>>> done) override;
  void StartRename(std::string from, std::string to, Callback<absl::Status> done) override;
  void StartRemove(std::string path, Callback<absl::Status> done) override;
  void StartCreateDir(std::string path, Callback<absl::Status> done) override;
  void StartList(std::string dir, Callback<absl::StatusOr<std::vector<std::string>>> done) override;
  void StartSyncDir(std::string dir, Callback<absl::Status> done) override;
  absl::StatusOr<std::unique_ptr<Listener>> Listen(std::string_view address) override;
  void StartConnect(std::string address,
                    Callback<absl::StatusOr<std::unique_ptr<Stream>>> done) override;

  // EventOwner
  Disposition Dispose() const override;
  void Defer(EventId id, TraceTag tag, absl::AnyInvocable<void()> action) override;

  State state() const { return state_; }
  bool alive() const { return state_ != State::kDead; }
  uint64_t incarnation() const { return incarnation_; }
  SimProcess& process() { return process_; }
  SimWorld& world() { return world_; }

  // Schedules `action` owned by this incarnation after `delay` of virtual time.
  void ScheduleOwned(absl::Duration delay, TraceTag tag, absl::AnyInvocable<void()> action);
  // A disk operation: runs `op` against the disk after a sampled latency.
  // Schedules a disk operation; `a` and `b` go into its trace event (file ops: inode
  // id and offset or size; 0 otherwise).
  void DiskOp(const char* kind, absl::Duration latency, absl::AnyInvocable<void()> op, uint64_t a = 0,
              uint64_t b = 0);

 private:
  friend class SimWorld;
  void Start();
  void Kill();
  void Pause() { state_ = State::kPaused; }
  void Resume();
  // Ends a busy period (ChargeCpu) once its end has come, running deferred events.
  void EndBusy();
  // How far this process's computation runs ahead of the world's clock (busy time
  // still to come): its clock reads that much later, and what it schedules starts then.
  absl::Duration BusyOffset() const;
  void ScheduleBusyEnd();
  void RunDeferred();

  SimWorld& world_;
  SimProcess& process_;
  uint64_t incarnation_;
  State state_ = State::kRunning;
  Random rng_;
  TaskSet tasks_;
  std::unique_ptr<ProcessBody> body_;
  TimerId next_timer_ = 1;
  absl::btree_map<TimerId, EventId> timers_;
  struct Deferred {
    EventId id;
    TraceTag tag;
    absl::AnyInvocable<void()> action;
  };
  std::vector<Deferred> deferred_;
  bool busy_ = false;                                // computing (ChargeCpu): events wait
  absl::Duration busy_until_ = absl::ZeroDuration();  // world time the computation ends
};

class SimProcess {
 public:
  SimProcess(SimWorld& world, uint32_t id, std::string name, StartFn start, uint64_t seed);

  uint32_t id() const { return id_; }
  const std::string& name() const { return name_; }
  SimDisk& disk() { return disk_; }
  // The running (or paused) incarnation, or null while crashed.
  SimProcessEnv* env() { return current_.get(); }
  bool up() const { return current_ != nullptr; }
  bool paused() const { return current_ && current_->state() == SimProcessEnv::State::kPaused; }
  uint64_t incarnations() const { return incarnation_; }

  // Clock model.
  int64_t mono_drift_ppm = 0;
  int64_t wall_drift_ppm = 0;
  absl::Duration wall_offset;

 private:
  friend class SimWorld;
  friend class SimProcessEnv;
  SimWorld& world_;
  uint32_t id_;
  std::string name_;
  StartFn start_;
  uint64_t seed_;
  SimDisk disk_;
  uint64_t incarnation_ = 0;
  std::unique_ptr<SimProcessEnv> current_;
  std::vector<std::unique_ptr<SimProcessEnv>> graveyard_;  // dead incarnations, kept for handles
};

class SimWorld {
 public:
  explicit SimWorld(uint64_t seed);
  ~SimWorld();
  SimWorld(const SimWorld&) = delete;
  SimWorld& operator=(const SimWorld&) = delete;

  uint64_t seed() const { return seed_; }
  SimLoop& loop() { return loop_; }
  SimNetwork& network() { return network_; }
  Random& rng() { return rng_; }
  absl::Duration Now() const { return loop_.Now(); }

  // Adds a process and schedules its first start. Names double as network hosts.
  SimProcess& AddProcess(std::string name, StartFn start);
  const std::vector<std::unique_ptr<SimProcess>>& processes() const { return processes_; }
  SimProcess* Find(absl::string_view name);

  void Crash(SimProcess& process);
  void Restart(SimProcess& process);
  // Crashes `process` at the next event boundary (if `incarnation` is still the
  // current one) and restarts it after `delay`: a process's own panic (as PostgreSQL
  // PANICs and restarts on an fsync error).
  void CrashAndRestart(SimProcess& process, uint64_t incarnation, absl::Duration delay);
  // Restarts `process` after `delay` unless it is already up by then.
  void RestartLater(SimProcess& process, absl::Duration delay);
  void Pause(SimProcess& process);
  void Resume(SimProcess& process);

  // Records a failed oracle; the run stops at the next event boundary.
  void Fail(std::string message);
  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }
  const bool* stop_flag() const { return &failed_; }

  // A line for the -v event log (no-op unless a log sink is set).
  void Log(absl::string_view line);
  void set_log_sink(std::function<void(absl::string_view)> sink) { log_sink_ = std::move(sink); }
  bool logging() const { return static_cast<bool>(log_sink_); }

 private:
  uint64_t seed_;
  SimLoop loop_;
  Random rng_;
  SimNetwork network_;
  std::vector<std::unique_ptr<SimProcess>> processes_;
  bool failed_ = false;
  std::string failure_;
  std::function<void(absl::string_view)> log_sink_;
};

}  // namespace quanta::sim
