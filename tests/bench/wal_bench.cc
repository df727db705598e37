// WAL commit throughput on the real backend, side by side with SQLite (WAL mode,
// synchronous=FULL) on the same disk in the same run. Each iteration performs
// kCommitsPerIteration durable commits split across N concurrent committers
// (coroutines on one RealEnv loop for QuantaDB; threads with their own connections
// for SQLite). Counters: commits per second, and fsyncs per commit for QuantaDB.
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "engine/wal/wal.h"
#include "net/real_env.h"

namespace quanta {
namespace {

constexpr int kCommitsPerIteration = 64;

std::string MakeTempDir() {
  char tmpl[] = "/var/tmp/quanta-bench-XXXXXX";  // a real disk, not tmpfs
  return ::mkdtemp(tmpl);
}

Task<void> Committer(wal::WalWriter* writer, int commits, int* failures) {
  for (int i = 0; i < commits; ++i) {
    auto lsn = co_await writer->Commit(wal::RecordType::kWriteSet, std::string(100, 'r'));
    if (!lsn.ok()) ++*failures;
  }
}

Task<void> CountedCommitter(wal::WalWriter* writer, int commits, int* failures, int* finished) {
  co_await Committer(writer, commits, failures);
  ++*finished;
}

Task<void> Spawned(Env& env, wal::WalWriter* writer, int committers, int* failures, int* finished) {
  for (int c = 0; c < committers; ++c) {
    env.Spawn(CountedCommitter(writer, kCommitsPerIteration / committers, failures, finished));
  }
  co_return;
}

Task<absl::StatusOr<std::unique_ptr<wal::WalWriter>>> OpenWriter(Env& env) {
  wal::WalOptions options;
  auto writer = co_await wal::WalWriter::Open(env, options, wal::WalPosition());
  co_return writer;
}

Task<void> WaitFor(Env& env, const int* finished, int target) {
  while (*finished < target) co_await env.Sleep(absl::Microseconds(50));
}

void BM_QuantaWalCommit(benchmark::State& state) {
  const int committers = static_cast<int>(state.range(0));
  const std::string dir = MakeTempDir();
  RealEnv env(RealEnv::Options{.data_root = dir, .seed = 1});
  auto writer = env.RunUntilComplete(OpenWriter(env));
  if (!writer.ok()) {
    state.SkipWithError(writer.status().ToString().c_str());
    return;
  }
  int failures = 0;
  for (auto _ : state) {
    int finished = 0;
    env.RunUntilComplete(Spawned(env, writer->get(), committers, &failures, &finished));
    env.RunUntilComplete(WaitFor(env, &finished, committers));
  }
  const wal::WalStats& stats = (*writer)->stats();
  state.counters["commits_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kCommitsPerIteration, benchmark::Counter::kIsRate);
  state.counters["fsyncs_per_commit"] = static_cast<double>(stats.flushes) / static_cast<double>(stats.records);
  if (failures > 0) state.SkipWithError("commits failed");
  writer->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_QuantaWalCommit)->Arg(1)->Arg(8)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2);

void SqliteCommitter(const std::string& path, int commits, std::atomic<int>* failures) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    ++*failures;
    return;
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t(v) VALUES (?)", -1, &insert, nullptr);
  const std::string value(100, 'r');
  for (int i = 0; i < commits; ++i) {
    // One durable transaction per commit, as a WAL commit is.
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      ++*failures;
      continue;
    }
    sqlite3_bind_text(insert, 1, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) ++*failures;
    sqlite3_reset(insert);
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) ++*failures;
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
}

void BM_SqliteCommit(benchmark::State& state) {
  const int committers = static_cast<int>(state.range(0));
  const std::string dir = MakeTempDir();
  const std::string path = dir + "/bench.db";
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", nullptr, nullptr,
               nullptr);
  sqlite3_close(db);
  std::atomic<int> failures{0};
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int c = 0; c < committers; ++c) {
      threads.emplace_back(SqliteCommitter, path, kCommitsPerIteration / committers, &failures);
    }
    for (std::thread& t : threads) t.join();
  }
  state.counters["commits_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kCommitsPerIteration, benchmark::Counter::kIsRate);
  if (failures > 0) state.SkipWithError("sqlite commits failed");
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SqliteCommit)->Arg(1)->Arg(8)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2);

}  // namespace
}  // namespace quanta
