// Temporary files for operators that outgrow work_mem (PostgreSQL's pgsql_tmp).
//
// A TempSpace hands out TempFiles under one directory of the process's data root,
// through the Env (so the simulator's disk faults reach them). A TempFile is written
// as a sequence of extents, each appended whole and read back whole at any time, its
// CRC32C kept in memory by the writer: a read that does not match is read again (a
// bit flip in transit) and fails the statement if it still does not, so a corrupt
// temporary file never becomes a wrong answer. A file is removed when destroyed,
// whether the query finished, failed or stopped early. Nothing is synced: a temporary
// file means nothing after a crash, and ClearTempSpace removes what a crashed process
// left.
//
// Errors: an I/O error of a temporary file fails the statement that owns it, never
// anything else — 53100 (disk_full) when the disk is full, 58030 (io_error) otherwise,
// XX001 (data_corrupted) for an extent that stays corrupt, with the file's name.
//
// Threading: the node's loop. Lifetime: the Env outlives the space and its files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/env/env.h"
#include "engine/env/task.h"

namespace quanta::sql {

inline constexpr char kTempDir[] = "sql_tmp";

// Where an appended piece of a TempFile is, and its checksum.
struct TempExtent {
  uint64_t offset = 0;
  uint32_t length = 0;
  uint32_t crc = 0;
};

class TempFile {
 public:
  TempFile(Env& env, std::string path, std::unique_ptr<File> file);
  ~TempFile();  // closes and removes the file (the removal completes on the loop)
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  uint64_t size() const { return size_; }
  // Appends `data` at the end. REQUIRES: no other Append pending; data.size() < 4 GiB.
  Task<absl::StatusOr<TempExtent>> Append(std::string data);
  // Reads back an extent Append returned, verified against its checksum.
  Task<absl::StatusOr<std::string>> Read(TempExtent extent);

 private:
  Env& env_;
  std::string path_;
  std::unique_ptr<File> file_;
  uint64_t size_ = 0;
};

class TempSpace {
 public:
  explicit TempSpace(Env& env, std::string dir = kTempDir) : env_(env), dir_(std::move(dir)) {}

  // A new, empty file whose name no other TempSpace of the process uses; `purpose`
  // ("sort") goes into the name.
  Task<absl::StatusOr<std::unique_ptr<TempFile>>> Create(std::string_view purpose);

 private:
  Env& env_;
  std::string dir_;
  uint64_t space_id_ = 0;  // drawn from the Env's generator at the first Create
  bool dir_ready_ = false;
  uint64_t files_created_ = 0;
};

// Removes every file in `dir` (a crashed process's temporary files). Call at start-up,
// before any session runs. A missing directory is fine.
Task<absl::Status> ClearTempSpace(Env& env, std::string dir = kTempDir);

// The SQL error for a failed operation on a temporary file.
absl::Status TempFileError(const absl::Status& status, std::string_view verb, std::string_view path);

}  // namespace quanta::sql
