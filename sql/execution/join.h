// JoinOperator: what every join shares — the right input materialized, the left input
// pulled batch by batch, output handed out a batch at a time, and for RIGHT/FULL joins
// the right rows never matched emitted (with NULLs on the left) after the probe. A
// subclass decides how left rows find their right partners: NestedLoopJoinOperator
// (every right row, the condition vectorized per left row) or HashJoinOperator
// (hash_join.h). Output columns: left's, then right's.
#pragma once

#include <vector>

#include "sql/execution/operator.h"

namespace quanta::sql {

// kSemi: each left row once if it has a partner (EXISTS, IN); kAnti: each left row
// without one (NOT EXISTS). Both output the left columns only.
enum class JoinKind : uint8_t { kInner, kLeft, kRight, kFull, kCross, kSemi, kAnti };

// " Left Join", " Semi Join" and so on, "" for INNER and CROSS (EXPLAIN's suffix to a
// join's name, as PostgreSQL's: "Hash Left Join", "Nested Loop Semi Join").
const char* JoinKindSuffix(JoinKind kind);

// Appends the joined row (left row `lrow` ++ right row `rrow`; a null side contributes
// NULLs) to *rows, starting a new full-size chunk of `types` when the last is full.
void AppendJoinedRow(const std::vector<Type>& types, size_t left_width, const DataChunk* left, size_t lrow,
                     const DataChunk* right, size_t rrow, std::vector<DataChunk>* rows);
// A batch of `right`'s rows, each beside left row `lrow` (left's columns, then right's).
DataChunk RowBesideBatch(const DataChunk& left, size_t lrow, const DataChunk& right);

class JoinOperator : public Operator {
 public:
  Task<absl::StatusOr<bool>> NextBatch(ExecContext& ctx, DataChunk* out) final;
  std::vector<const Operator*> children() const override { return {left_.get(), right_.get()}; }
  JoinKind kind() const { return kind_; }
  // Whether output rows are pairs (not a semi or anti join's left rows alone).
  bool EmitsPairs() const { return kind_ != JoinKind::kSemi && kind_ != JoinKind::kAnti; }
  size_t left_width() const { return left_->types().size(); }
  // Planning only (before the first NextBatch): the inputs, to wrap or take apart.
  // Replacements must keep their input's column types.
  OperatorPtr& mutable_left() { return left_; }
  OperatorPtr& mutable_right() { return right_; }

 protected:
  JoinOperator(OperatorPtr left, OperatorPtr right, JoinKind kind);
  // Called once the right side is in right_chunks_ (a hash join builds its table here).
  virtual void Index(ExecContext& ctx) {}
  // Joins rows of left_chunk_ from left_pos_ on into *produced (advancing left_pos_),
  // stopping once about a batch is produced or a slice of work is done.
  virtual absl::Status Probe(ExecContext& ctx, std::vector<DataChunk>* produced) = 0;
  // Appends (left row, right row) to *rows; a null side contributes NULLs.
  void AppendPair(const DataChunk* left, size_t lrow, const DataChunk* right, size_t rrow, std::vector<DataChunk>* rows) const;
  bool KeepsUnmatchedLeft() const { return kind_ == JoinKind::kLeft || kind_ == JoinKind::kFull; }
  // After left row `lrow` met `matched` partners: its row alone for a semi join (if
  // any) or an anti join (if none), or with NULLs for a LEFT/FULL join without any.
  void FinishLeftRow(size_t lrow, size_t matched, std::vector<DataChunk>* produced) const;

  OperatorPtr left_, right_;
  JoinKind kind_;
  std::vector<DataChunk> right_chunks_;
  std::vector<std::vector<uint8_t>> right_matched_;
  DataChunk left_chunk_;
  size_t left_pos_ = 0;  // next active row of left_chunk_

 private:
  Task<absl::Status> Build(ExecContext& ctx);
  void EmitUnmatchedRight(std::vector<DataChunk>* produced);
  // Hands the first produced batch to *out and queues the rest; false if none.
  bool Deliver(std::vector<DataChunk> produced, DataChunk* out);

  bool built_ = false;
  bool left_done_ = false;
  bool emitting_unmatched_ = false;
  size_t unmatched_chunk_ = 0;
  std::vector<DataChunk> pending_;
};

// Nested loops over the materialized right side; `condition` (null: a cross join) sees
// left ++ right columns and is evaluated over one left row against a right batch at once.
class NestedLoopJoinOperator : public JoinOperator {
 public:
  NestedLoopJoinOperator(OperatorPtr left, OperatorPtr right, JoinKind kind, BoundExprPtr condition)
      : JoinOperator(std::move(left), std::move(right), kind), condition_(std::move(condition)) {}
  std::string Describe() const override { return std::string("Nested Loop") + JoinKindSuffix(kind_); }
  // Planning only: the join condition (null for a cross join), taken out.
  BoundExprPtr TakeCondition() { return std::move(condition_); }
  const BoundExpr* condition() const { return condition_.get(); }  // null: a cross join

 private:
  absl::Status Probe(ExecContext& ctx, std::vector<DataChunk>* produced) override;
  BoundExprPtr condition_;
};

}  // namespace quanta::sql
