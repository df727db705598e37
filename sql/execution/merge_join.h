// MergeJoinOperator: an equi-join of two inputs that arrive sorted on their join keys
// (ascending, NULLs last: tables read in primary key order, or inputs sorted for it),
// joined in one pass over both without holding either (PostgreSQL's Merge Join).
//
// The two cursors advance by comparing keys as ORDER BY does (CompareValues, so 1.0 and
// 1.00 are one key). On equal keys, the right rows of that key (a "group") are copied
// aside, and every left row of the key is paired with the whole group at once, the
// `residual` (the rest of the condition, left ++ right columns; null if none) evaluated
// over the group vectorized. Memory: one batch of each input and one key's right rows.
// A row with a NULL key joins nothing. Every join kind but cross: LEFT/FULL emit left
// rows without a partner with NULLs, RIGHT/FULL the right ones, SEMI/ANTI the left rows
// with/without one (left columns only).
//
// Each input is checked to be sorted as it streams: a row out of order is an internal
// error (XX000), never a wrong answer.
#pragma once

#include <string>
#include <vector>

#include "sql/execution/join.h"
#include "sql/planner/bound_expr.h"

namespace quanta::sql {

class MergeJoinOperator : public Operator {
 public:
  // REQUIRES: left_keys and right_keys pairwise of one type (typmods aside), non-empty; both inputs
  // sorted ascending on them (NULLs last), in that column order.
  MergeJoinOperator(OperatorPtr left, OperatorPtr right, JoinKind kind, std::vector<int> left_keys,
                    std::vector<int> right_keys, BoundExprPtr residual);
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) override;
  std::string Describe() const override;
  std::vector<const Operator*> children() const override { return {left_.op.get(), right_.op.get()}; }
  JoinKind kind() const { return kind_; }
  // Planning only: the inputs, and what the join reads of them.
  OperatorPtr& mutable_left() { return left_.op; }
  OperatorPtr& mutable_right() { return right_.op; }
  const std::vector<int>& left_keys() const { return left_.keys; }
  const std::vector<int>& right_keys() const { return right_.keys; }
  const BoundExpr* residual() const { return residual_.get(); }  // null: none

 private:
  // One input: its current batch (without a selection) and the next row to read.
  struct Input {
    OperatorPtr op;
    std::vector<int> keys;
    DataChunk chunk;
    size_t pos = 0;
    bool exhausted = false;  // op returned its last batch
    DataChunk previous;      // the last row read before `chunk` (the order check across batches)
    DataChunk scratch;       // the batch before `chunk`, whose buffers the next Next reuses
    bool has_row() const { return pos < chunk.count(); }
  };

  // What the merge waits for: an input's next batch, the caller taking output, or
  // nothing more (the join is done).
  enum class Need : uint8_t { kLeft, kRight, kOutput, kNothing };
  // kMerging: comparing the two current rows; kCollecting: copying the right rows of
  // one key into group_; kPairing: joining the left rows of that key with the group.
  enum class Phase : uint8_t { kMerging, kCollecting, kPairing };

  // Makes `in` hold a row to read unless the input is done; checks the order of a new batch.
  Task<absl::Status> Fill(ExecContext& ctx, Input& in);
  // Moves `in` past its current row, checking that the next row does not sort before it.
  absl::Status Advance(Input& in);
  // Runs the merge over the batches held until a full output chunk is ready or an
  // input's next batch is needed (no awaiting: NextBatch fetches it).
  absl::StatusOr<Need> Merge(ExecContext& ctx);
  // Pairs the current left row with the group; returns whether any pair passed.
  absl::StatusOr<bool> JoinLeftRow(ExecContext& ctx);
  // Emits the current left row as one without a partner (if the kind keeps those).
  void UnmatchedLeft();
  void UnmatchedRight(const DataChunk& chunk, size_t row);
  // The group of one key's right rows: added a row at a time, then cleared for the
  // next key keeping its first chunk's buffers (a key of one row must not cost a
  // batch-sized allocation).
  void AddToGroup(const DataChunk& chunk, size_t row);
  void ClearGroup();
  bool GroupEmpty() const { return group_.empty() || group_[0].count() == 0; }
  // Output chunks complete and not handed out.
  size_t ReadyChunks() const;

  bool KeepsLeft() const { return kind_ == JoinKind::kLeft || kind_ == JoinKind::kFull || kind_ == JoinKind::kAnti; }
  bool KeepsRight() const { return kind_ == JoinKind::kRight || kind_ == JoinKind::kFull; }
  bool EmitsPairs() const { return kind_ != JoinKind::kSemi && kind_ != JoinKind::kAnti; }

  Input left_, right_;
  JoinKind kind_;
  BoundExprPtr residual_;
  std::vector<DataChunk> group_;                  // the right rows of one key (chunk 0 reused)
  std::vector<std::vector<uint8_t>> group_matched_;  // per group row: paired with a left row (one per chunk)
  std::vector<DataChunk> produced_;               // output not handed out yet, in order
  size_t delivered_ = 0;                          // chunks of produced_ handed out
  Phase phase_ = Phase::kMerging;
  bool finished_ = false;
};

}  // namespace quanta::sql
