// Env: the one seam between a QuantaDB node and the world.
//
// Every clock read, timer, random number, file operation and network byte of engine
// code goes through an Env. Production runs on RealEnv (net/real_env.h: Asio sockets,
// POSIX files, a thread pool for blocking file calls); tests run on the simulator's
// per-process Env (sim/), where many nodes share one virtual clock and one seed
// decides every delay, fault and tie.
//
// Execution model. An Env is one process's single-threaded event loop. Engine code
// never blocks and never starts threads: it starts an operation and reacts to its
// completion. Every asynchronous operation has two spellings: a virtual Start*()
// that takes a Callback, and a non-virtual wrapper returning an awaitable Op<T> for
// coroutines (`auto data = co_await file.Read(0, 4096);`). Completion callbacks run
// exactly once, on the loop, never inside the call that started the operation.
//
// Crash semantics (simulator). A crashed process loses all its state at once: its
// timers, in-flight operations, streams, listeners and coroutines vanish without any
// callback or continuation running. Only bytes made durable survive (see File and
// Env::SyncDir). Engine code must therefore be correct if it stops between any two
// events.
//
// Ownership. Objects returned by an Env (File, Stream, Listener) must not outlive it.
// Destroying one closes it: operations still pending on a Stream or Listener complete
// with kCancelled; those pending on a File still complete normally.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/env/random.h"
#include "engine/env/task.h"

namespace quanta {

// A file opened through an Env. Offsets are absolute; there is no file position.
//
// Durability contract: a write is visible to later reads at once but survives a crash
// only after a successful Sync(). Until then a crash may keep, drop, zero or tear it
// at sector (512-byte) granularity: there is no sector-atomicity promise either.
// A failed Sync() (kInternal, EIO) leaves it unknown which unsynced bytes reached the
// disk, and a later Sync() may succeed without having written them (Linux
// "fsyncgate"): callers must treat a Sync error as fatal for the data it covered.
//
// Error codes: kInternal for I/O errors (EIO) on write and sync, kDataLoss for an
// unreadable sector on read, kResourceExhausted when the disk is full, kCancelled
// for operations pending when the file is closed.
class File {
 public:
  virtual ~File() = default;

  // Reads up to `length` bytes at `offset`. Returns fewer only at end of file (an
  // empty string at or past the end).
  virtual void StartRead(uint64_t offset, size_t length,
                         Callback<absl::StatusOr<std::string>> done) = 0;
  // Writes all of `data` at `offset`, extending the file (with zeros in any gap).
  virtual void StartWrite(uint64_t offset, std::string data, Callback<absl::Status> done) = 0;
  // Makes every write and truncation completed before this call durable (fsync; with
  // `data_only`, fdatasync: file size changes are still made durable).
  virtual void StartSync(bool data_only, Callback<absl::Status> done) = 0;
  // Sets the file's size, dropping or zero-extending its end. Durable after Sync().
  virtual void StartTruncate(uint64_t size, Callback<absl::Status> done) = 0;
  // Returns the current (not necessarily durable) size.
  virtual void StartSize(Callback<absl::StatusOr<uint64_t>> done) = 0;

  Op<absl::StatusOr<std::string>> Read(uint64_t offset, size_t length) {
    return Op<absl::StatusOr<std::string>>(
        [this, offset, length](auto done) { StartRead(offset, length, std::move(done)); });
  }
  Op<absl::Status> Write(uint64_t offset, std::string data) {
    return Op<absl::Status>([this, offset, data = std::move(data)](auto done) mutable {
      StartWrite(offset, std::move(data), std::move(done));
    });
  }
  Op<absl::Status> Sync(bool data_only = false) {
    return Op<absl::Status>(
        [this, data_only](auto done) { StartSync(data_only, std::move(done)); });
  }
  Op<absl::Status> Truncate(uint64_t size) {
    return Op<absl::Status>([this, size](auto done) { StartTruncate(size, std::move(done)); });
  }
  Op<absl::StatusOr<uint64_t>> Size() {
    return Op<absl::StatusOr<uint64_t>>([this](auto done) { StartSize(std::move(done)); });
  }
};

// An ordered, reliable byte stream (TCP semantics): bytes arrive in order, without
// gaps or duplicates, possibly split or merged differently from how they were written.
// A stream fails as a whole: after a reset, reads and writes return kUnavailable, and
// what the peer received is some prefix of what was written.
class Stream {
 public:
  virtual ~Stream() = default;

  // Reads between 1 and `max_bytes` bytes. An empty string means the peer closed its
  // end in an orderly way (EOF). kUnavailable: the connection was reset.
  // REQUIRES: max_bytes > 0; at most one read pending at a time.
  virtual void StartRead(size_t max_bytes, Callback<absl::StatusOr<std::string>> done) = 0;
  // Completes when all of `data` has been handed to the transport (not when the peer
  // has read it). REQUIRES: at most one write pending at a time.
  virtual void StartWrite(std::string data, Callback<absl::Status> done) = 0;
  // Closes both directions: the peer reads EOF after the bytes already written.
  // Pending operations complete with kCancelled. Idempotent.
  virtual void Close() = 0;
  // The peer's address, in the Env's address syntax.
  virtual std::string PeerAddress() const = 0;

  Op<absl::StatusOr<std::string>> Read(size_t max_bytes) {
    return Op<absl::StatusOr<std::string>>(
        [this, max_bytes](auto done) { StartRead(max_bytes, std::move(done)); });
  }
  Op<absl::Status> Write(std::string data) {
    return Op<absl::Status>([this, data = std::move(data)](auto done) mutable {
      StartWrite(std::move(data), std::move(done));
    });
  }
};

// A listening endpoint. Accept completes with each new inbound stream in order.
class Listener {
 public:
  virtual ~Listener() = default;
  // REQUIRES: at most one accept pending at a time.
  virtual void StartAccept(Callback<absl::StatusOr<std::unique_ptr<Stream>>> done) = 0;
  // Stops listening; a pending accept completes with kCancelled. Idempotent.
  virtual void Close() = 0;
  // The bound address, with the real port if port 0 was requested.
  virtual std::string LocalAddress() const = 0;

  Op<absl::StatusOr<std::unique_ptr<Stream>>> Accept() {
    return Op<absl::StatusOr<std::unique_ptr<Stream>>>(
        [this](auto done) { StartAccept(std::move(done)); });
  }
};

using TimerId = uint64_t;

struct OpenOptions {
  bool create = false;     // create the file if missing (durable only after SyncDir)
  bool exclusive = false;  // with create: fail with kAlreadyExists if it exists
  bool truncate = false;   // set the size to zero on open
};

class Env {
 public:
  virtual ~Env() = default;

  // ---- Time ----
  // Monotonic time since an arbitrary origin; never goes backwards, not affected by
  // wall-clock drift or jumps.
  virtual absl::Duration MonotonicNow() = 0;
  // Wall-clock time; may drift and jump (in the simulator, per seed).
  virtual absl::Time WallNow() = 0;
  // Runs `fn` on the loop once `delay` has elapsed on the monotonic clock.
  virtual TimerId StartTimer(absl::Duration delay, absl::AnyInvocable<void()> fn) = 0;
  // Cancels a timer that has not fired. Returns false if it fired or is unknown.
  virtual bool CancelTimer(TimerId id) = 0;
  // Accounts `cpu` of computation just done by the running code. Real Envs ignore it
  // (real CPU time passes by itself); the simulator keeps the process busy that long,
  // so its timers and messages wait, as a loop stuck in a long computation makes them
  // wait. How code that yields rarely starves heartbeats shows up in simulation.
  virtual void ChargeCpu(absl::Duration cpu) {}

  // ---- Randomness ----
  // This process's seeded generator: the only source of randomness engine code uses.
  virtual Random& Rng() = 0;

  // ---- Coroutines ----
  // Starts `task` detached; the Env owns it until it finishes (or the process dies).
  virtual void Spawn(Task<void> task) = 0;

  // ---- Files ----
  // Paths use '/' separators; relative paths are relative to the process's data
  // root. Errors: kNotFound, kAlreadyExists, kInternal (EIO), kResourceExhausted.
  virtual void StartOpen(std::string path, OpenOptions options,
                         Callback<absl::StatusOr<std::unique_ptr<File>>> done) = 0;
  // Renames atomically, replacing `to` if it exists. Durable only after SyncDir of
  // both parents; after a crash either the old or the new name exists, never neither.
  virtual void StartRename(std::string from, std::string to, Callback<absl::Status> done) = 0;
  // Removes a file or an empty directory. Durable only after SyncDir of its parent.
  virtual void StartRemove(std::string path, Callback<absl::Status> done) = 0;
  // Creates a directory and any missing parents (OK if it exists).
  virtual void StartCreateDir(std::string path, Callback<absl::Status> done) = 0;
  // Lists the names (not paths) of a directory's entries, sorted.
  virtual void StartList(std::string dir, Callback<absl::StatusOr<std::vector<std::string>>> done) = 0;
  // Makes creates, renames and removes of entries in `dir` durable (fsync of the dir).
  virtual void StartSyncDir(std::string dir, Callback<absl::Status> done) = 0;

  // ---- Network ----
  // Addresses are "host:port" (IPv4, "[v6]:port", or in the simulator a node name)
  // or "unix:/path" for a Unix-domain stream. Listen errors: kAlreadyExists (address
  // in use), kInvalidArgument (bad address).
  virtual absl::StatusOr<std::unique_ptr<Listener>> Listen(std::string_view address) = 0;
  // Errors: kUnavailable (refused, unreachable, timed out), kInvalidArgument.
  virtual void StartConnect(std::string address,
                            Callback<absl::StatusOr<std::unique_ptr<Stream>>> done) = 0;

  // ---- Awaitable wrappers ----
  Op<absl::Status> Sleep(absl::Duration delay);
  Op<absl::StatusOr<std::unique_ptr<File>>> Open(std::string path, OpenOptions options = {});
  Op<absl::Status> Rename(std::string from, std::string to);
  Op<absl::Status> Remove(std::string path);
  Op<absl::Status> CreateDir(std::string path);
  Op<absl::StatusOr<std::vector<std::string>>> List(std::string dir);
  Op<absl::Status> SyncDir(std::string dir);
  Op<absl::StatusOr<std::unique_ptr<Stream>>> Connect(std::string address);
};

// Returns the directory part of `path` ("a/b/c" -> "a/b", "c" -> "").
std::string_view DirName(std::string_view path);

}  // namespace quanta
