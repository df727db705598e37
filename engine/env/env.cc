#include "engine/env/env.h"

#include <utility>

namespace quanta {

Op<absl::Status> Env::Sleep(absl::Duration delay) {
  return Op<absl::Status>([this, delay](Callback<absl::Status> done) mutable {
    StartTimer(delay, [done = std::move(done)]() mutable { done(absl::OkStatus()); });
  });
}

Op<absl::StatusOr<std::unique_ptr<File>>> Env::Open(std::string path, OpenOptions options) {
  return Op<absl::StatusOr<std::unique_ptr<File>>>(
      [this, path = std::move(path), options](auto done) mutable {
        StartOpen(std::move(path), options, std::move(done));
      });
}

Op<absl::Status> Env::Rename(std::string from, std::string to) {
  return Op<absl::Status>([this, from = std::move(from), to = std::move(to)](auto done) mutable {
    StartRename(std::move(from), std::move(to), std::move(done));
  });
}

Op<absl::Status> Env::Remove(std::string path) {
  return Op<absl::Status>([this, path = std::move(path)](auto done) mutable {
    StartRemove(std::move(path), std::move(done));
  });
}

Op<absl::Status> Env::CreateDir(std::string path) {
  return Op<absl::Status>([this, path = std::move(path)](auto done) mutable {
    StartCreateDir(std::move(path), std::move(done));
  });
}

Op<absl::StatusOr<std::vector<std::string>>> Env::List(std::string dir) {
  return Op<absl::StatusOr<std::vector<std::string>>>(
      [this, dir = std::move(dir)](auto done) mutable { StartList(std::move(dir), std::move(done)); });
}

Op<absl::Status> Env::SyncDir(std::string dir) {
  return Op<absl::Status>([this, dir = std::move(dir)](auto done) mutable {
    StartSyncDir(std::move(dir), std::move(done));
  });
}

Op<absl::StatusOr<std::unique_ptr<Stream>>> Env::Connect(std::string address) {
  return Op<absl::StatusOr<std::unique_ptr<Stream>>>(
      [this, address = std::move(address)](auto done) mutable {
        StartConnect(std::move(address), std::move(done));
      });
}

std::string_view DirName(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  if (slash == 0) return path.substr(0, 1);
  return path.substr(0, slash);
}

}  // namespace quanta
