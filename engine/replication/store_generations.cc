#include "engine/replication/store_generations.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "engine/replication/raft_storage.h"
#include "engine/util/coding.h"
#include "engine/util/crc32c.h"
#include "engine/util/strings.h"

namespace quanta::replication {
namespace {

constexpr char kCurrentFile[] = "CURRENT";
constexpr char kMarkerFile[] = "raft-snapshot";
constexpr char kDamagedFile[] = "damaged";
constexpr char kPrefix[] = "store-";
constexpr size_t kMaxSmallFileBytes = 1u << 20;

// Writes `bytes` as the whole of `path`, synced.
Task<absl::Status> WriteSmallFile(Env& env, std::string path, std::string bytes) {
  CO_ASSIGN_OR_RETURN(std::unique_ptr<File> file, co_await env.Open(path, OpenOptions{.create = true, .truncate = true}));
  CO_RETURN_IF_ERROR(co_await file->Write(0, std::move(bytes)));
  const absl::Status synced = co_await file->Sync();
  co_return synced;
}

// The whole of `path`; kNotFound if it does not exist.
Task<absl::StatusOr<std::string>> ReadSmallFile(Env& env, std::string path) {
  CO_ASSIGN_OR_RETURN(std::unique_ptr<File> file, co_await env.Open(path));
  CO_ASSIGN_OR_RETURN(uint64_t size, co_await file->Size());
  if (size > kMaxSmallFileBytes) co_return absl::DataLossError(absl::StrCat(path, " is ", size, " bytes"));
  auto bytes = co_await file->Read(0, size);
  co_return bytes;
}

std::optional<uint64_t> ParseGeneration(std::string_view name) {
  absl::string_view rest(name.data(), name.size());
  uint64_t generation = 0;
  if (!absl::ConsumePrefix(&rest, kPrefix) || !absl::SimpleAtoi(rest, &generation) || generation == 0) {
    return std::nullopt;
  }
  return generation;
}

// Removes everything under `dir` (files and directories), then `dir` itself.
Task<absl::Status> RemoveTree(Env& env, std::string dir) {
  auto names = co_await env.List(dir);
  if (absl::IsNotFound(names.status())) co_return absl::OkStatus();
  CO_RETURN_IF_ERROR(names.status());
  for (const std::string& name : *names) {
    const std::string path = absl::StrCat(dir, "/", name);
    auto inner = co_await env.List(path);
    if (inner.ok()) {  // a directory
      CO_RETURN_IF_ERROR(co_await RemoveTree(env, path));
    } else {
      CO_RETURN_IF_ERROR(co_await env.Remove(path));
    }
  }
  // Durably empty before it goes: files of a removed generation must never reappear
  // in a new one that reuses the name after a crash.
  CO_RETURN_IF_ERROR(co_await env.SyncDir(dir));
  const absl::Status removed = co_await env.Remove(dir);
  co_return removed;
}

}  // namespace

std::string EncodeSnapshotMarker(const raft::SnapshotMeta& snapshot) {
  QUANTA_ASSERT(snapshot.index > 0);
  QUANTA_ASSERT(!snapshot.voters.empty());
  std::string out = EncodeSnapshotPayload(snapshot);
  AppendU32(&out, crc32c::Value(out));
  QUANTA_DEBUG_ASSERT(DecodeSnapshotMarker(out).ok());
  return out;
}

absl::StatusOr<raft::SnapshotMeta> DecodeSnapshotMarker(std::string_view bytes) {
  if (bytes.size() < 4) return absl::DataLossError("snapshot marker too short");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  if (GetU32(bytes.data() + body.size()) != crc32c::Value(body)) {
    return absl::DataLossError("snapshot marker checksum mismatch");
  }
  return DecodeSnapshotPayload(body);
}

std::string StoreGenerations::Dir(uint64_t generation) const { return absl::StrCat(root_, "/", kPrefix, generation); }

Task<absl::StatusOr<StoreGenerations>> StoreGenerations::Open(Env& env, std::string root) {
  StoreGenerations g(env, std::move(root));
  CO_RETURN_IF_ERROR(co_await env.CreateDir(g.root_));
  auto current = co_await ReadSmallFile(env, absl::StrCat(g.root_, "/", kCurrentFile));
  if (current.ok()) {
    const std::optional<uint64_t> generation = ParseGeneration(ToStd(absl::StripTrailingAsciiWhitespace(*current)));
    if (!generation) co_return absl::DataLossError(absl::StrCat(g.root_, "/CURRENT is malformed: '", *current, "'"));
    g.current_ = *generation;
  } else if (!absl::IsNotFound(current.status())) {
    co_return current.status();
  }
  g.newest_ = g.current_;
  CO_ASSIGN_OR_RETURN(std::vector<std::string> names, co_await env.List(g.root_));
  for (const std::string& name : names) {
    const std::optional<uint64_t> generation = ParseGeneration(name);
    if (!generation) continue;
    g.newest_ = std::max(g.newest_, *generation);
    if (*generation != g.current_) CO_RETURN_IF_ERROR(co_await g.Remove(*generation));
  }
  QUANTA_ASSERT(g.current_ >= 1);
  QUANTA_ASSERT(g.newest_ >= g.current_);
  co_return g;
}

Task<absl::Status> StoreGenerations::Switch(uint64_t generation) {
  QUANTA_ASSERT(generation != current_);
  QUANTA_ASSERT(generation <= newest_);  // reserved before it was built
  const std::string tmp = absl::StrCat(root_, "/", kCurrentFile, ".tmp");
  CO_RETURN_IF_ERROR(co_await WriteSmallFile(*env_, tmp, absl::StrCat(kPrefix, generation, "\n")));
  CO_RETURN_IF_ERROR(co_await env_->Rename(tmp, absl::StrCat(root_, "/", kCurrentFile)));
  CO_RETURN_IF_ERROR(co_await env_->SyncDir(root_));
  current_ = generation;
  co_return absl::OkStatus();
}

Task<absl::Status> StoreGenerations::Remove(uint64_t generation) {
  QUANTA_ASSERT(generation != current_);
  QUANTA_ASSERT(generation >= 1);
  CO_RETURN_IF_ERROR(co_await RemoveTree(*env_, Dir(generation)));
  const absl::Status synced = co_await env_->SyncDir(root_);
  co_return synced;
}

Task<absl::Status> StoreGenerations::MarkDamaged(uint64_t generation, std::string why) {
  const std::string dir = Dir(generation);
  CO_RETURN_IF_ERROR(co_await env_->CreateDir(dir));
  CO_RETURN_IF_ERROR(co_await WriteSmallFile(*env_, absl::StrCat(dir, "/", kDamagedFile), std::move(why)));
  const absl::Status synced = co_await env_->SyncDir(dir);
  co_return synced;
}

Task<absl::StatusOr<std::optional<std::string>>> StoreGenerations::ReadDamaged(uint64_t generation) {
  auto why = co_await ReadSmallFile(*env_, absl::StrCat(Dir(generation), "/", kDamagedFile));
  if (absl::IsNotFound(why.status())) co_return std::nullopt;
  CO_RETURN_IF_ERROR(why.status());
  co_return std::optional<std::string>(*std::move(why));
}

Task<absl::Status> StoreGenerations::WriteMarker(uint64_t generation, const raft::SnapshotMeta& snapshot) {
  QUANTA_ASSERT(generation <= newest_);
  const std::string dir = Dir(generation);
  CO_RETURN_IF_ERROR(co_await WriteSmallFile(*env_, absl::StrCat(dir, "/", kMarkerFile), EncodeSnapshotMarker(snapshot)));
  const absl::Status synced = co_await env_->SyncDir(dir);
  co_return synced;
}

Task<absl::StatusOr<std::optional<raft::SnapshotMeta>>> StoreGenerations::ReadMarker(uint64_t generation) {
  const std::string path = absl::StrCat(Dir(generation), "/", kMarkerFile);
  auto bytes = co_await ReadSmallFile(*env_, path);
  if (absl::IsNotFound(bytes.status())) co_return std::nullopt;
  CO_RETURN_IF_ERROR(bytes.status());
  auto meta = DecodeSnapshotMarker(*bytes);
  if (!meta.ok()) co_return absl::DataLossError(absl::StrCat(path, ": ", meta.status().message()));
  co_return *std::move(meta);
}

}  // namespace quanta::replication
