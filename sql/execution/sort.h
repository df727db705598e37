// SortOperator: ORDER BY, a stable sort of the whole input (PostgreSQL's tuplesort).
//
// In memory while the rows held fit ExecContext::work_mem_bytes (an estimate of their
// values plus per-row bookkeeping). Past it, when the context has a TempSpace, the
// rows held are sorted into a run written to a temporary file (spill.h) in blocks of
// up to kBatchSize rows in the row codec's encoding, and the next run starts. At the
// end the runs are merged with one block of each in memory, at most kMergeFanIn at a
// time: with more, passes merge consecutive groups into longer runs first. Runs follow
// the input's order and ties go to the earlier run, so the spilled sort is exactly as
// stable as the in-memory one (a property test holds the two to the same output).
// EXPLAIN ANALYZE reports which it was, as PostgreSQL does ("Sort Method: quicksort
// Memory: 25kB", "Sort Method: external merge  Disk: 4096kB").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sql/execution/operator.h"

namespace quanta::sql {

struct SortKey {
  int column = 0;
  bool descending = false;
  bool nulls_first = false;
};

// Runs merged at once; more runs take extra merge passes.
inline constexpr size_t kMergeFanIn = 16;

// Compares row `ra` of `a` with row `rb` of `b` (columns of the same types) by `keys`:
// < 0, 0 or > 0 as in ORDER BY.
int CompareRowsByKeys(const std::vector<SortKey>& keys, const std::vector<Vector>& a, size_t ra,
                      const std::vector<Vector>& b, size_t rb);

class SortOperator : public Operator {
 public:
  SortOperator(OperatorPtr child, std::vector<SortKey> keys);
  ~SortOperator() override;
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return "Sort"; }
  OperatorPtr& mutable_child() { return child_; }  // planning only
  const std::vector<SortKey>& keys() const { return keys_; }
  std::vector<std::string> AnalyzeDetails() const override;
  std::vector<const Operator*> children() const override { return {child_.get()}; }

  struct Run;  // a sorted run in a temporary file

 private:
  class Merger;

  // Reads the whole input, spilling runs when the rows held pass work_mem.
  Task<absl::Status> Consume(ExecContext& ctx);
  // Orders the rows held (order_), stably.
  void SortHeld(ExecContext& ctx);
  // Writes the rows held, sorted, as the next run; holds none afterwards.
  Task<absl::Status> SpillHeld(ExecContext& ctx);
  // Merges consecutive groups of runs until at most kMergeFanIn remain.
  Task<absl::Status> ReduceRuns(ExecContext& ctx);
  // Copies the next (up to kBatchSize) held rows in order into *out.
  void EmitHeld(DataChunk* out);

  OperatorPtr child_;
  std::vector<SortKey> keys_;
  bool consumed_ = false;
  std::vector<DataChunk> chunks_;                     // the rows held in memory
  std::vector<std::pair<uint32_t, uint32_t>> order_;  // (chunk, row), sorted by SortHeld
  size_t held_bytes_ = 0;
  size_t next_ = 0;  // rows of order_ emitted
  std::vector<std::unique_ptr<Run>> runs_;
  std::unique_ptr<Merger> merger_;  // the final merge, when the input spilled
  size_t peak_memory_bytes_ = 0;
  uint64_t disk_bytes_ = 0;
};

}  // namespace quanta::sql
