// Internal to RealEnv: the Impl shared by real_env.cc, real_file.cc and real_net.cc.
// The only header of the project that includes Asio; include it from nowhere else.
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "absl/container/btree_map.h"
#include "engine/env/task_set.h"
#include "net/real_env.h"

namespace quanta {

struct RealEnv::Impl {
  explicit Impl(const Options& options);

  // Runs `work` on the file thread pool, then `done(result)` on the loop.
  template <typename R>
  void Offload(absl::AnyInvocable<R()> work, Callback<R> done) {
    boost::asio::post(pool, [this, work = std::move(work), done = std::move(done)]() mutable {
      R result = work();
      boost::asio::post(io, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
    });
  }
  // Resolves a path against the data root.
  std::string Resolve(const std::string& path) const;

  Options options;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  boost::asio::thread_pool pool;
  std::atomic<bool> stop_requested{false};
  Random rng;
  TaskSet tasks;
  TimerId next_timer = 1;
  absl::btree_map<TimerId, std::unique_ptr<boost::asio::steady_timer>> timers;
};

// Maps an errno from a file call to a Status (see File's error contract).
absl::Status FileError(int err, std::string_view what, std::string_view path, bool reading = false);

}  // namespace quanta
