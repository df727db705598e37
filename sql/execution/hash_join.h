// HashJoinOperator: an equi-join. The right input is indexed in a hash table on its key
// columns; each left row probes it, and the candidates are checked by `residual` (the
// rest of the join condition, null if none) in one vectorized evaluation. Keys compare as
// SQL equality does (GroupKey: 1.0 = 1.00; NULL matches nothing). Every join kind but
// cross (the rest is JoinOperator's).
//
// The build side is held in memory (spilling past work_mem is to come).
#pragma once

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "sql/execution/join.h"

namespace quanta::sql {

class HashJoinOperator : public JoinOperator {
 public:
  // `key_terms`: the equalities the keys came from (planning keeps them, to take the
  // join apart again: TakeCondition).
  HashJoinOperator(OperatorPtr left, OperatorPtr right, JoinKind kind, std::vector<int> left_keys,
                   std::vector<int> right_keys, BoundExprPtr residual, std::vector<BoundExprPtr> key_terms);
  std::string Describe() const override;
  const std::vector<int>& left_keys() const { return left_keys_; }
  const std::vector<int>& right_keys() const { return right_keys_; }
  const BoundExpr* residual() const { return residual_.get(); }  // null: none
  // Planning only: the whole join condition (the key equalities and the residual),
  // taken out; the operator is unusable afterwards.
  std::vector<BoundExprPtr> TakeCondition();

 private:
  void Index(ExecContext& ctx) override;
  absl::Status Probe(ExecContext& ctx, std::vector<DataChunk>* produced) override;
  // Candidate pairs [begin, begin + n) of left row `lrow` as one batch of n rows (the
  // residual condition reads them).
  DataChunk PairBatch(size_t lrow, const std::vector<std::pair<uint32_t, uint32_t>>& candidates, size_t begin,
                      size_t n) const;

  std::vector<int> left_keys_, right_keys_;
  BoundExprPtr residual_;
  std::vector<BoundExprPtr> key_terms_;
  absl::flat_hash_map<std::string, std::vector<std::pair<uint32_t, uint32_t>>> table_;  // lookup-only: key → rows
};

}  // namespace quanta::sql
