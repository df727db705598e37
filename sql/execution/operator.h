// Physical operators: a pull-based tree of batch producers (Volcano with vectors, as
// DuckDB's pipelines before parallelism). Each Next() returns the next batch or false
// when exhausted; batches may carry a selection (filters narrow them in place).
//
// Operators run on the node's loop as coroutines: scans await the store, and the
// blocking ones (aggregate, sort, join build) await their child batch by batch, so a
// long query yields between batches (Yielder) and never starves Raft's heartbeats.
//
// Ownership: an operator owns its children. Lifetime: the plan outlives execution.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/env/env.h"
#include "engine/env/task.h"
#include "sql/execution/expression.h"
#include "sql/execution/vector.h"

namespace quanta::sql {

class TempSpace;

// Per-execution state shared by a plan's operators.
struct ExecContext {
  Env* env = nullptr;
  EvalContext eval;
  // Yield to the loop once this much work was done since the last yield (measured by
  // the clock, and by the work charged below).
  absl::Duration yield_every = absl::Milliseconds(2);
  // The CPU one row costs an operator (scanned, joined, aggregated, sorted): charged
  // to the Env (which the simulator turns into busy time) and counted towards a yield.
  absl::Duration row_cost = absl::Nanoseconds(200);
  absl::Duration last_yield = absl::ZeroDuration();
  absl::Duration charged_since_yield = absl::ZeroDuration();
  size_t batches_since_yield = 0;
  // Rows a table scan reads per batch (at most kBatchSize): tests vary it, so batch
  // boundaries fall everywhere.
  size_t scan_batch = kBatchSize;
  bool instrument = false;  // EXPLAIN ANALYZE: operators count rows and time
  // The memory a sort may hold before it spills to temporary files (work_mem), and
  // where those go (null: nowhere, the sort stays in memory).
  size_t work_mem_bytes = size_t{4} << 20;
  TempSpace* temp = nullptr;
  // statement_timeout: once the monotonic clock, read when the plan yields, is past
  // `deadline`, every operator's next Next fails with 57014 and the statement ends.
  absl::Duration deadline = absl::InfiniteDuration();
  bool timed_out = false;
};

// Charges `rows` rows of work (ExecContext::row_cost each).
void ChargeRows(ExecContext& ctx, size_t rows);
// Yields to the event loop when `ctx` has worked long enough since the last yield:
// charged work past yield_every, or the clock (read every kBatchesPerClockCheck
// batches) past it.
Task<void> MaybeYield(ExecContext& ctx);

class Operator {
 public:
  explicit Operator(std::vector<Type> types) : types_(std::move(types)) {}
  virtual ~Operator() = default;
  Operator(const Operator&) = delete;
  Operator& operator=(const Operator&) = delete;

  // Replaces *out with the next batch; false when there are no more. A batch may have
  // no active rows only if it is the last. With ctx.instrument (EXPLAIN ANALYZE), also
  // counts the rows and the time this operator (and what it pulls from) took.
  Task<absl::StatusOr<bool>> Next(ExecContext& ctx, DataChunk* out) {
    if (ctx.timed_out) return TimedOut();
    if (!ctx.instrument) return NextBatch(ctx, out);
    return TimedNext(ctx, out);
  }
  // What Next counted under ctx.instrument. A loop is one run from the first batch to
  // the last (an index nested loop's inner scan runs once per outer row); the counts
  // and times are sums over the loops.
  struct Stats {
    uint64_t rows = 0;
    uint64_t batches = 0;
    uint64_t loops = 0;
    absl::Duration startup = absl::ZeroDuration();  // until each loop's first batch came back
    absl::Duration total = absl::ZeroDuration();
  };
  const Stats& stats() const { return stats_; }
  // One line for EXPLAIN ("Seq Scan on t", "Filter: (a > 1)").
  virtual std::string Describe() const = 0;
  // Lines EXPLAIN ANALYZE prints under the operator's ("Sort Method: quicksort  Memory: 25kB").
  virtual std::vector<std::string> AnalyzeDetails() const { return {}; }
  virtual std::vector<const Operator*> children() const { return {}; }
  // The rows of a batch EXPLAIN ANALYZE counts: its active ones (a scan with a pushed
  // filter counts those it read).
  virtual size_t CountedRows(const DataChunk& out) const { return out.active(); }

  const std::vector<Type>& types() const { return types_; }

 protected:
  // The operator's own work: Next without the instrumentation.
  virtual Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) = 0;

  std::vector<Type> types_;

 private:
  Task<absl::StatusOr<bool>> TimedNext(ExecContext& ctx, DataChunk* out);
  static Task<absl::StatusOr<bool>> TimedOut();  // 57014

  Stats stats_;
  bool in_loop_ = false;  // a loop started and has not returned its last batch
};

using OperatorPtr = std::unique_ptr<Operator>;

// Reads every remaining row of `op` into flat, selection-free chunks.
Task<absl::StatusOr<std::vector<DataChunk>>> Drain(Operator& op, ExecContext& ctx);

}  // namespace quanta::sql
