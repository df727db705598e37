#include "sql/execution/spill.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"
#include "engine/util/crc32c.h"
#include "sql/common/sql_error.h"

namespace quanta::sql {
namespace {

// A read whose checksum fails is tried this many times in all (a flip in transit is
// transient; a damaged sector is not).
constexpr int kReadAttempts = 3;

}  // namespace

absl::Status TempFileError(const absl::Status& status, std::string_view verb, std::string_view path) {
  QUANTA_ASSERT(!status.ok());
  const char* state = status.code() == absl::StatusCode::kResourceExhausted ? "53100" : "58030";
  return SqlError(state, absl::StrFormat("could not %s temporary file \"%s\": %s", verb, path, std::string(status.message())));
}

TempFile::TempFile(Env& env, std::string path, std::unique_ptr<File> file)
    : env_(env), path_(std::move(path)), file_(std::move(file)) {
  QUANTA_ASSERT(file_ != nullptr);
  QUANTA_ASSERT(!path_.empty());
}

TempFile::~TempFile() {
  file_.reset();
  env_.StartRemove(path_, [](absl::Status) {});  // a leftover is ClearTempSpace's at the next start
}

Task<absl::StatusOr<TempExtent>> TempFile::Append(std::string data) {
  QUANTA_ASSERT(data.size() < (uint64_t{1} << 32));
  TempExtent extent{size_, static_cast<uint32_t>(data.size()), crc32c::Value(data)};
  absl::Status written = co_await file_->Write(extent.offset, std::move(data));
  if (!written.ok()) co_return TempFileError(written, "write to", path_);
  QUANTA_ASSERT(size_ == extent.offset);  // appends are not concurrent
  size_ = extent.offset + extent.length;
  co_return extent;
}

Task<absl::StatusOr<std::string>> TempFile::Read(TempExtent extent) {
  QUANTA_ASSERT(extent.offset + extent.length <= size_);
  for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
    auto data = co_await file_->Read(extent.offset, extent.length);
    if (!data.ok()) co_return TempFileError(data.status(), "read", path_);
    if (data->size() != extent.length) {
      co_return SqlError("58030", absl::StrFormat("could not read temporary file \"%s\": read only %d of %d bytes",
                                                  path_, data->size(), extent.length));
    }
    if (crc32c::Value(*data) == extent.crc) co_return std::move(*data);
    COVERAGE_MARK(kSqlTempReadRetried);
  }
  COVERAGE_MARK(kSqlTempCorruptRefused);
  co_return SqlError("XX001", absl::StrFormat("temporary file \"%s\" is corrupt: %d bytes at offset %d fail their checksum",
                                              path_, extent.length, extent.offset));
}

Task<absl::StatusOr<std::unique_ptr<TempFile>>> TempSpace::Create(std::string_view purpose) {
  if (!dir_ready_) {
    absl::Status made = co_await env_.CreateDir(dir_);
    if (!made.ok()) co_return TempFileError(made, "create directory for", dir_);
    dir_ready_ = true;
  }
  OpenOptions options;
  options.create = true;
  options.exclusive = true;
  while (true) {
    if (space_id_ == 0) space_id_ = env_.Rng().Next() | 1;  // 0 means "not drawn yet"
    std::string path = absl::StrFormat("%s/%s.%016x.%d", dir_, purpose, space_id_, files_created_);
    auto file = co_await env_.Open(path, options);
    if (file.ok()) {
      ++files_created_;
      co_return std::make_unique<TempFile>(env_, std::move(path), std::move(*file));
    }
    // Another session of the process drew the same id: draw again.
    if (file.status().code() != absl::StatusCode::kAlreadyExists) co_return TempFileError(file.status(), "create", path);
    space_id_ = 0;
  }
}

Task<absl::Status> ClearTempSpace(Env& env, std::string dir) {
  auto names = co_await env.List(dir);
  if (!names.ok()) {
    if (names.status().code() == absl::StatusCode::kNotFound) co_return absl::OkStatus();
    co_return names.status();
  }
  for (const std::string& name : *names) {
    absl::Status removed = co_await env.Remove(absl::StrCat(dir, "/", name));
    if (!removed.ok() && removed.code() != absl::StatusCode::kNotFound) co_return removed;
  }
  co_return absl::OkStatus();
}

}  // namespace quanta::sql
