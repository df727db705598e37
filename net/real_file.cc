// RealEnv's files: POSIX calls on the file thread pool, completions on the loop.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "net/real_env_internal.h"

namespace quanta {
namespace {

// Owns a descriptor; shared by a RealFile and its in-flight operations, so the fd is
// closed only after the last operation on it has finished.
struct Fd {
  Fd(int fd, std::string path) : fd(fd), path(std::move(path)) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
  std::string path;
};

class RealFile final : public File {
 public:
  RealFile(RealEnv::Impl* impl, std::shared_ptr<Fd> fd) : impl_(impl), fd_(std::move(fd)) {}

  void StartRead(uint64_t offset, size_t length,
                 Callback<absl::StatusOr<std::string>> done) override {
    impl_->Offload<absl::StatusOr<std::string>>(
        [fd = fd_, offset, length]() -> absl::StatusOr<std::string> {
          std::string data(length, '\0');
          size_t got = 0;
          while (got < length) {
            const ssize_t n = ::pread(fd->fd, data.data() + got, length - got, static_cast<off_t>(offset + got));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return FileError(errno, "read", fd->path, /*reading=*/true);
            if (n == 0) break;
            got += static_cast<size_t>(n);
          }
          data.resize(got);
          return data;
        },
        std::move(done));
  }

  void StartWrite(uint64_t offset, std::string data, Callback<absl::Status> done) override {
    impl_->Offload<absl::Status>(
        [fd = fd_, offset, data = std::move(data)]() -> absl::Status {
          size_t put = 0;
          while (put < data.size()) {
            const ssize_t n = ::pwrite(fd->fd, data.data() + put, data.size() - put, static_cast<off_t>(offset + put));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return FileError(errno, "write", fd->path);
            put += static_cast<size_t>(n);
          }
          return absl::OkStatus();
        },
        std::move(done));
  }

  void StartSync(bool data_only, Callback<absl::Status> done) override {
    impl_->Offload<absl::Status>(
        [fd = fd_, data_only]() -> absl::Status {
          const int rc = data_only ? ::fdatasync(fd->fd) : ::fsync(fd->fd);
          if (rc != 0) return FileError(errno, data_only ? "fdatasync" : "fsync", fd->path);
          return absl::OkStatus();
        },
        std::move(done));
  }

  void StartTruncate(uint64_t size, Callback<absl::Status> done) override {
    impl_->Offload<absl::Status>(
        [fd = fd_, size]() -> absl::Status {
          if (::ftruncate(fd->fd, static_cast<off_t>(size)) != 0) return FileError(errno, "truncate", fd->path);
          return absl::OkStatus();
        },
        std::move(done));
  }

  void StartSize(Callback<absl::StatusOr<uint64_t>> done) override {
    impl_->Offload<absl::StatusOr<uint64_t>>(
        [fd = fd_]() -> absl::StatusOr<uint64_t> {
          struct stat st;
          if (::fstat(fd->fd, &st) != 0) return FileError(errno, "stat", fd->path);
          return static_cast<uint64_t>(st.st_size);
        },
        std::move(done));
  }

 private:
  RealEnv::Impl* impl_;
  std::shared_ptr<Fd> fd_;
};

absl::Status MakeDirs(const std::string& path) {
  std::string prefix;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    prefix = path.substr(0, pos);
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return FileError(errno, "mkdir", prefix);
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return FileError(errno, "mkdir", path);
  if (!S_ISDIR(st.st_mode)) return absl::AlreadyExistsError(absl::StrCat("mkdir ", path, ": not a directory"));
  return absl::OkStatus();
}

}  // namespace

void RealEnv::StartOpen(std::string path, OpenOptions options,
                        Callback<absl::StatusOr<std::unique_ptr<File>>> done) {
  impl_->Offload<absl::StatusOr<std::shared_ptr<Fd>>>(
      [full = impl_->Resolve(path), options]() -> absl::StatusOr<std::shared_ptr<Fd>> {
        int flags = O_RDWR | O_CLOEXEC;
        if (options.create) flags |= O_CREAT;
        if (options.create && options.exclusive) flags |= O_EXCL;
        if (options.truncate) flags |= O_TRUNC;
        const int fd = ::open(full.c_str(), flags, 0644);
        if (fd < 0) return FileError(errno, "open", full);
        return std::make_shared<Fd>(fd, full);
      },
      [impl = impl_.get(), done = std::move(done)](absl::StatusOr<std::shared_ptr<Fd>> fd) mutable {
        if (!fd.ok()) {
          done(fd.status());
          return;
        }
        done(std::unique_ptr<File>(std::make_unique<RealFile>(impl, *std::move(fd))));
      });
}

void RealEnv::StartRename(std::string from, std::string to, Callback<absl::Status> done) {
  impl_->Offload<absl::Status>(
      [from = impl_->Resolve(from), to = impl_->Resolve(to)]() -> absl::Status {
        if (::rename(from.c_str(), to.c_str()) != 0) return FileError(errno, "rename", from);
        return absl::OkStatus();
      },
      std::move(done));
}

void RealEnv::StartRemove(std::string path, Callback<absl::Status> done) {
  impl_->Offload<absl::Status>(
      [full = impl_->Resolve(path)]() -> absl::Status {
        if (::remove(full.c_str()) != 0) return FileError(errno, "remove", full);  // a file or an empty directory
        return absl::OkStatus();
      },
      std::move(done));
}

void RealEnv::StartCreateDir(std::string path, Callback<absl::Status> done) {
  impl_->Offload<absl::Status>([full = impl_->Resolve(path)] { return MakeDirs(full); }, std::move(done));
}

void RealEnv::StartList(std::string dir, Callback<absl::StatusOr<std::vector<std::string>>> done) {
  impl_->Offload<absl::StatusOr<std::vector<std::string>>>(
      [full = impl_->Resolve(dir)]() -> absl::StatusOr<std::vector<std::string>> {
        DIR* d = ::opendir(full.c_str());
        if (d == nullptr) return FileError(errno, "list", full);
        std::vector<std::string> names;
        while (const dirent* entry = ::readdir(d)) {
          const std::string name = entry->d_name;
          if (name != "." && name != "..") names.push_back(name);
        }
        ::closedir(d);
        std::sort(names.begin(), names.end());
        return names;
      },
      std::move(done));
}

void RealEnv::StartSyncDir(std::string dir, Callback<absl::Status> done) {
  impl_->Offload<absl::Status>(
      [full = impl_->Resolve(dir)]() -> absl::Status {
        const int fd = ::open(full.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return FileError(errno, "open dir", full);
        const int rc = ::fsync(fd);
        const int err = errno;
        ::close(fd);
        if (rc != 0) return FileError(err, "fsync dir", full);
        return absl::OkStatus();
      },
      std::move(done));
}

}  // namespace quanta
