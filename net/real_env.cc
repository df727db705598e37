#include "net/real_env.h"

#include <chrono>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "net/real_env_internal.h"

namespace quanta {
namespace {

uint64_t SeedFromOs() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

RealEnv::Impl::Impl(const Options& opts)
    : options(opts),
      work(boost::asio::make_work_guard(io)),
      pool(static_cast<size_t>(std::max(1, opts.file_threads))),
      rng(opts.seed != 0 ? opts.seed : SeedFromOs()) {}

std::string RealEnv::Impl::Resolve(const std::string& path) const {
  if (!path.empty() && path[0] == '/') return path;
  if (options.data_root.empty() || options.data_root == ".") return path.empty() ? "." : path;
  return path.empty() ? options.data_root : absl::StrCat(options.data_root, "/", path);
}

absl::Status FileError(int err, std::string_view what, std::string_view path, bool reading) {
  const std::string message = absl::StrCat(std::string(what), " ", std::string(path), ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case EINVAL:
    case EISDIR:
    case ENAMETOOLONG:
      return absl::InvalidArgumentError(message);
    case EIO:
      return reading ? absl::DataLossError(message) : absl::InternalError(message);
    default:
      return absl::InternalError(message);
  }
}

RealEnv::RealEnv(Options options) : impl_(std::make_unique<Impl>(options)) {}

RealEnv::~RealEnv() {
  impl_->tasks.DestroyAll();
  impl_->timers.clear();
  impl_->pool.join();  // file work finishes; its completions are dropped with io
}

void RealEnv::Run() {
  if (impl_->stop_requested.exchange(false)) return;
  impl_->io.restart();
  impl_->io.run();
  impl_->stop_requested.store(false);
}

void RealEnv::Stop() {
  impl_->stop_requested.store(true);
  impl_->io.stop();
}

absl::Duration RealEnv::MonotonicNow() {
  return absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
}

absl::Time RealEnv::WallNow() { return absl::Now(); }

TimerId RealEnv::StartTimer(absl::Duration delay, absl::AnyInvocable<void()> fn) {
  const TimerId id = impl_->next_timer++;
  auto timer = std::make_unique<boost::asio::steady_timer>(impl_->io);
  timer->expires_after(absl::ToChronoNanoseconds(std::max(delay, absl::ZeroDuration())));
  timer->async_wait([impl = impl_.get(), id, fn = std::move(fn)](const boost::system::error_code& ec) mutable {
    // Cancelled: by error code, or (the timer had expired, its handler was already
    // queued) by CancelTimer having forgotten the id: a cancelled timer never runs.
    if (ec || impl->timers.erase(id) == 0) return;
    fn();
  });
  impl_->timers.emplace(id, std::move(timer));
  return id;
}

bool RealEnv::CancelTimer(TimerId id) {
  auto it = impl_->timers.find(id);
  if (it == impl_->timers.end()) return false;
  it->second->cancel();
  impl_->timers.erase(it);
  return true;
}

Random& RealEnv::Rng() { return impl_->rng; }

void RealEnv::Spawn(Task<void> task) { impl_->tasks.Spawn(std::move(task)); }

}  // namespace quanta
