// A linearizability checker for histories of single-key read/write registers.
//
// A simulation workload records every client operation on a replicated key-value
// store, with the virtual times it was sent and answered, and asks whether the history
// is linearizable: whether some total order of the operations (1) keeps real-time
// order, an op that returned before another was called comes first, and (2) is a legal
// sequential history of one register per key, every key starting absent.
//
// Keys are independent registers, so a history is linearizable iff each key's
// subhistory is (P-compositionality); keys are checked one at a time, in key order,
// and the check stops at the first key that fails. Each key is searched as in
// Porcupine: Wing & Gong's backtracking over the call/return events, with Lowe's
// just-in-time linearization and a cache of (linearized set, register value) states
// already explored.
//
// Time. Intervals are closed on the left, open on the right: an op whose `ret` equals
// another's `call` precedes it (returns sort before calls at the same instant). The one
// exception is zero-length ops at the same instant, which are concurrent with each
// other (the rule would otherwise make each precede the other).
//
// Unknown outcomes. A write whose answer never came (`ret` infinite) took effect at
// one instant after its `call`, or never. Reads with unknown outcome carry no
// information and must be dropped by the caller.
//
// Cost. Exponential in the worst case (the problem is NP-complete), near-linear for
// histories with bounded concurrency. Memory is about budget_states x (ops on the key
// / 8) bytes at worst.
//
// Pure functions: no Env, no randomness, no threads; the result (explanation text
// included) depends only on the input.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace quanta::sim {

// States a key's search may visit before it gives up as inconclusive.
inline constexpr uint64_t kLinearizabilityBudgetStatesDefault = 1'000'000;

// One client operation on one key, as the client saw it.
struct RegisterOp {
  uint64_t client = 0;
  enum class Kind : uint8_t { kRead, kWrite } kind = Kind::kRead;
  std::string key;
  // Write: the value written. Read: the value returned; ignored when found is false.
  std::string value;
  // Reads: whether the key existed ("" with found=true is a present empty value).
  // Ignored for writes.
  bool found = true;
  absl::Duration call;  // virtual time the client sent it; finite
  // Virtual time the answer arrived, >= call; absl::InfiniteDuration() if the outcome is
  // unknown (writes only: the answer was lost or timed out).
  absl::Duration ret;
};

struct LinearizabilityResult {
  // False iff some key's subhistory is proven not linearizable.
  bool ok = true;
  // True if some key's search ran out of budget: that key is unproven either way. It
  // does not make ok false, but the explanation names the key.
  bool exhausted = false;
  // Empty when ok and not exhausted. On failure: the key, the longest linearizable
  // prefix found (its tail), the register's value after it, and the ops none of which
  // could come next; then one line per exhausted key. About 20 lines at most.
  std::string explanation;
  // States (linearized set, register value) explored, summed over the keys checked.
  uint64_t states_visited = 0;
};

// Checks `history` key by key; see the file comment for the model. `budget_states`
// bounds the states visited per key; a key that exceeds it is reported as exhausted.
// REQUIRES: every op has a finite `call`, `ret` >= `call`, and a finite `ret` if it is
// a read.
LinearizabilityResult CheckRegisterHistory(const std::vector<RegisterOp>& history,
                                           uint64_t budget_states = kLinearizabilityBudgetStatesDefault);

}  // namespace quanta::sim
