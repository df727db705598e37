// HashJoinOperator: an equi-join. The right input is built into a hash table on its key
// columns; each left row probes it and every candidate pair is checked by `residual`
// (the rest of the join condition, null if none). Keys compare as SQL equality does
// (GroupKey: 1.0 = 1.00, NULL matches nothing). Inner, left, right and full joins: a
// left row without a match is emitted with NULLs for LEFT/FULL; right rows never matched
// are emitted after the probe for RIGHT/FULL. Output columns: left's, then right's.
//
// The build side is held in memory (spilling past work_mem is to come).
#pragma once

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "sql/execution/operators.h"

namespace quanta::sql {

class HashJoinOperator : public Operator {
 public:
  HashJoinOperator(OperatorPtr left, OperatorPtr right, JoinKind kind, std::vector<int> left_keys,
                   std::vector<int> right_keys, BoundExprPtr residual);
  Task<absl::StatusOr<bool>> Next(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override { return "Hash Join"; }
  std::vector<const Operator*> children() const override { return {left_.get(), right_.get()}; }

 private:
  Task<absl::Status> Build(ExecContext& ctx);
  // Joins the current left batch into *out (at most about one batch of output).
  absl::Status Probe(ExecContext& ctx, DataChunk* out);
  void EmitUnmatchedRight(DataChunk* out);
  // Appends the pair (left row, right row) — either may be absent (NULLs) — to `rows`.
  void AppendPair(const DataChunk* left, size_t lrow, const DataChunk* right, size_t rrow, std::vector<DataChunk>* rows);

  OperatorPtr left_, right_;
  JoinKind kind_;
  std::vector<int> left_keys_, right_keys_;
  BoundExprPtr residual_;
  bool built_ = false;
  std::vector<DataChunk> right_chunks_;
  std::vector<std::vector<uint8_t>> right_matched_;
  absl::flat_hash_map<std::string, std::vector<std::pair<uint32_t, uint32_t>>> table_;  // lookup-only: key → rows
  DataChunk left_chunk_;
  size_t left_pos_ = 0;
  bool left_done_ = false;
  bool emitting_unmatched_ = false;
  size_t unmatched_chunk_ = 0;
  std::vector<DataChunk> pending_;
};

}  // namespace quanta::sql
