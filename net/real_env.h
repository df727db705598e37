// RealEnv: the production Env — Boost.Asio sockets and timers, POSIX files.
//
// One thread runs the event loop (Run()); every callback and coroutine of the node runs
// there. Blocking file calls (pread, pwrite, fsync, rename, ...) run on a small thread
// pool and complete back on the loop, so a slow fsync never stalls other connections.
// Sockets are TCP ("127.0.0.1:5432", "[::1]:5432", "localhost:5432") or Unix-domain
// ("unix:/tmp/.s.PGSQL.5432"); TCP sockets get TCP_NODELAY.
//
// Relative file paths resolve against `Options::data_root`. The generator is seeded
// from `Options::seed`, or from the OS when it is zero.
//
// Threading: every method except Stop() must be called on the loop thread (or before
// Run() starts). Asio appears only in the .cc files (see real_env_internal.h).
#pragma once

#include <memory>
#include <string>

#include "engine/env/env.h"

namespace quanta {

class RealEnv final : public Env {
 public:
  struct Options {
    std::string data_root = ".";
    uint64_t seed = 0;
    int file_threads = 2;
  };

  explicit RealEnv(Options options);
  ~RealEnv() override;
  RealEnv(const RealEnv&) = delete;
  RealEnv& operator=(const RealEnv&) = delete;

  // Runs the loop until Stop(). Returns at once if already stopped.
  void Run();
  // Makes Run() return soon. Safe from any thread and from signal-handling code paths
  // that run on the loop.
  void Stop();

  // Runs the loop until `task` completes and returns its result (tests and tools).
  template <typename T>
  T RunUntilComplete(Task<T> task);

  absl::Duration MonotonicNow() override;
  absl::Time WallNow() override;
  TimerId StartTimer(absl::Duration delay, absl::AnyInvocable<void()> fn) override;
  bool CancelTimer(TimerId id) override;
  Random& Rng() override;
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

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

namespace internal {
template <typename T>
Task<void> CompleteInto(Task<T> task, std::optional<T>* out, RealEnv* env) {
  out->emplace(co_await std::move(task));
  env->Stop();
}
inline Task<void> CompleteVoid(Task<void> task, bool* done, RealEnv* env) {
  co_await std::move(task);
  *done = true;
  env->Stop();
}
}  // namespace internal

template <typename T>
T RealEnv::RunUntilComplete(Task<T> task) {
  if constexpr (std::is_void_v<T>) {
    bool done = false;
    Spawn(internal::CompleteVoid(std::move(task), &done, this));
    while (!done) Run();
  } else {
    std::optional<T> out;
    Spawn(internal::CompleteInto(std::move(task), &out, this));
    while (!out.has_value()) Run();
    return std::move(*out);
  }
}

}  // namespace quanta
