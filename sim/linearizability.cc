#include "sim/linearizability.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"

namespace quanta::sim {
namespace {

constexpr int32_t kAbsent = 0;         // register value id of an absent key
constexpr int32_t kNeverWritten = -1;  // a read's expected id: no write on its key wrote that value
constexpr int32_t kNil = -1;           // end of the entry list; no entry
constexpr int32_t kHead = 0;           // the entry list's sentinel
constexpr size_t kOpsPerKeyMax = size_t{1} << 28;  // entry indices fit in int32_t
constexpr size_t kExplainOpsMax = 7;               // op lines per section of an explanation
constexpr size_t kExplainKeysMax = 5;              // exhausted keys named
constexpr size_t kShownValueBytesMax = 32;

// SplitMix64's finalizer: a bijective mix, used for the cache's incremental hashes.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// One op of a key's subhistory, its value interned to an id (ids >= 1 are written values).
struct KeyOp {
  size_t history_index = 0;
  absl::Duration call;
  absl::Duration ret;
  bool is_write = false;
  bool pending = false;  // a write with unknown outcome
  int32_t value_id = kAbsent;  // write: the value written; read: the value expected
};

struct KeyHistory {
  std::string key;
  const std::vector<RegisterOp>* history = nullptr;
  std::vector<KeyOp> ops;            // in history order
  std::vector<std::string> values;   // by value id; values[kAbsent] is unused
  size_t unread_pending_dropped = 0;  // unknown-outcome writes no read could have seen
};

void AssertWellFormed(const RegisterOp& op) {
  QUANTA_ASSERT(op.call != absl::InfiniteDuration());
  QUANTA_ASSERT(op.call != -absl::InfiniteDuration());
  QUANTA_ASSERT(op.ret >= op.call);
  QUANTA_ASSERT_MSG(op.kind == RegisterOp::Kind::kWrite || op.ret != absl::InfiniteDuration(),
                    "reads with unknown outcome must be dropped by the caller");
}

// Builds the subhistory of `key` from history[indices]. An unknown-outcome write is
// left out unless some read of its value returned after it was called: otherwise no
// read can have seen it, so leaving it out (which its unknown outcome allows) loses no
// linearization, and the search need not consider it at every step.
KeyHistory BuildKeyHistory(const std::string& key, const std::vector<RegisterOp>& history,
                           const std::vector<size_t>& indices) {
  QUANTA_ASSERT(indices.size() <= kOpsPerKeyMax);
  KeyHistory kh{key, &history, {}, {""}, 0};
  absl::flat_hash_map<std::string, int32_t> ids;  // lookup-only: never iterated
  for (size_t i : indices) {
    const RegisterOp& op = history[i];
    if (op.kind != RegisterOp::Kind::kWrite) continue;
    if (ids.try_emplace(op.value, static_cast<int32_t>(kh.values.size())).second) kh.values.push_back(op.value);
  }
  auto expected_id = [&](const RegisterOp& read) {
    if (!read.found) return kAbsent;
    auto it = ids.find(read.value);
    return it == ids.end() ? kNeverWritten : it->second;
  };
  std::vector<absl::Duration> last_read_ret(kh.values.size(), -absl::InfiniteDuration());
  for (size_t i : indices) {
    const RegisterOp& op = history[i];
    if (op.kind != RegisterOp::Kind::kRead) continue;
    const int32_t id = expected_id(op);
    if (id > kAbsent) last_read_ret[id] = std::max(last_read_ret[id], op.ret);
  }
  for (size_t i : indices) {
    const RegisterOp& op = history[i];
    KeyOp k{i, op.call, op.ret, op.kind == RegisterOp::Kind::kWrite, op.ret == absl::InfiniteDuration(), kAbsent};
    k.value_id = k.is_write ? ids.at(op.value) : expected_id(op);
    if (k.pending && !(last_read_ret[k.value_id] > op.call)) {
      ++kh.unread_pending_dropped;
      continue;
    }
    kh.ops.push_back(k);
  }
  return kh;
}

// Backtracking search for a linearization of one key's subhistory.
//
// The call and return events form a doubly-linked list in time order (a sentinel
// first). The search walks it from the front: at a call it tries to linearize that op
// next (legal for the register, and a state not visited before), and if so unlinks the
// op's events and restarts from the front; at a return it has met an op that must
// already have been linearized, so it undoes the last choice and tries the entry after
// it. Unknown-outcome writes have no return event, so nothing ever forces them; and one
// is only linearized right before a read (of its value): if a write came next instead,
// leaving it out would give the same register, so the search loses nothing, and it
// avoids trying every subset of the pending writes at every step. Since that rule makes
// the moves allowed depend on whether the last op was such a write, the flag is part of
// a visited state.
class RegisterSearch {
 public:
  enum class Verdict { kLinearizable, kNotLinearizable, kExhausted };

  // The ops that could not come next after the longest linearizable prefix.
  struct Blocked {
    std::vector<int32_t> candidates;  // called before first_to_return returned, in event order
    int32_t first_to_return = kNil;   // the remaining op whose return came first
  };

  RegisterSearch(const KeyHistory& key_history, uint64_t budget_states);
  RegisterSearch(const RegisterSearch&) = delete;
  RegisterSearch& operator=(const RegisterSearch&) = delete;

  // Searches until every op with a known outcome is linearized, the choices run out, or
  // the budget does. Call once.
  Verdict Run();

  uint64_t states_visited() const { return meta_.size(); }
  const std::vector<int32_t>& longest_prefix() const { return longest_prefix_; }
  int32_t value_after_longest_prefix() const { return longest_value_; }
  Blocked BlockedAfterLongestPrefix() const;

 private:
  struct Entry {
    int32_t op = kNil;
    bool is_call = false;
    int32_t match = kNil;  // a call's return entry; kNil for returns and pending writes
  };
  struct Call {
    int32_t entry = kNil;
    int32_t value_before = kAbsent;
  };
  // A visited state: the linearized set (in state_bits_) and what constrains the future.
  struct StateMeta {
    uint64_t hash = 0;
    int32_t value = kAbsent;
    bool after_pending_write = false;
  };
  struct StateHash {
    const RegisterSearch* search;
    size_t operator()(uint32_t s) const { return search->meta_[s].hash; }
  };
  struct StateEq {
    const RegisterSearch* search;
    bool operator()(uint32_t a, uint32_t b) const { return search->SameState(a, b); }
  };

  void BuildEntries();
  bool TryLinearize(int32_t entry);
  int32_t Backtrack();
  bool VisitState(int32_t value, bool after_pending_write);
  bool SameState(uint32_t a, uint32_t b) const;
  bool ReadCanFollow(int32_t call_entry, int32_t value_id) const;
  bool AfterPendingWrite() const;
  void NoteDepth();
  void FlipBit(int32_t op);
  void Unlink(int32_t entry);
  void Relink(int32_t entry);
  void Lift(int32_t call_entry);
  void Unlift(int32_t call_entry);

  const std::vector<KeyOp>& ops_;
  const uint64_t budget_states_;
  const size_t words_;  // per linearized-set bitset
  std::vector<Entry> entries_;
  std::vector<int32_t> next_;
  std::vector<int32_t> prev_;
  std::vector<uint64_t> op_hash_;  // Zobrist keys: a set's hash is the xor of its ops'
  std::vector<uint64_t> bits_;     // the current linearized set
  uint64_t bits_hash_ = 0;
  int32_t value_ = kAbsent;
  std::vector<Call> calls_;  // the current linearization, as a stack of choices
  size_t known_total_ = 0;
  size_t known_linearized_ = 0;
  std::vector<uint64_t> state_bits_;  // words_ per visited state
  std::vector<StateMeta> meta_;       // per visited state
  absl::flat_hash_set<uint32_t, StateHash, StateEq> visited_;  // lookup-only
  std::vector<int32_t> longest_prefix_;  // ops; never ends with an unknown-outcome write
  int32_t longest_value_ = kAbsent;
  size_t agree_ = 0;  // leading calls_ that equal longest_prefix_
};

RegisterSearch::RegisterSearch(const KeyHistory& key_history, uint64_t budget_states)
    : ops_(key_history.ops),
      budget_states_(budget_states),
      words_((key_history.ops.size() + 63) / 64),
      bits_(words_, 0),
      visited_(0, StateHash{this}, StateEq{this}) {
  op_hash_.reserve(ops_.size());
  for (size_t i = 0; i < ops_.size(); ++i) {
    op_hash_.push_back(Mix(i + 1));
    if (!ops_[i].pending) ++known_total_;
  }
  BuildEntries();
}

// Sorts the events by time. At one instant: returns of ops with positive length,
// then calls and then returns of zero-length ops (so those are concurrent with each
// other), then calls of ops with positive length; remaining ties by op index.
void RegisterSearch::BuildEntries() {
  struct Event {
    absl::Duration time;
    int rank;
    int32_t op;
    bool is_call;
  };
  std::vector<Event> events;
  events.reserve(2 * ops_.size());
  for (size_t i = 0; i < ops_.size(); ++i) {
    const int32_t op = static_cast<int32_t>(i);
    const bool zero_length = ops_[i].call == ops_[i].ret;
    events.push_back({ops_[i].call, zero_length ? 1 : 3, op, true});
    if (!ops_[i].pending) events.push_back({ops_[i].ret, zero_length ? 2 : 0, op, false});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.rank != b.rank) return a.rank < b.rank;
    return a.op < b.op;
  });
  entries_.assign(1, Entry{});  // the sentinel
  std::vector<int32_t> return_entry(ops_.size(), kNil);
  for (const Event& e : events) {
    if (!e.is_call) return_entry[e.op] = static_cast<int32_t>(entries_.size());
    entries_.push_back(Entry{e.op, e.is_call, kNil});
  }
  const int32_t count = static_cast<int32_t>(entries_.size());
  next_.resize(count);
  prev_.resize(count);
  for (int32_t i = 0; i < count; ++i) {
    if (entries_[i].is_call) entries_[i].match = return_entry[entries_[i].op];
    next_[i] = i + 1 < count ? i + 1 : kNil;
    prev_[i] = i - 1;
  }
}

RegisterSearch::Verdict RegisterSearch::Run() {
  QUANTA_ASSERT(calls_.empty());
  QUANTA_ASSERT(meta_.empty());
  int32_t entry = next_[kHead];
  while (known_linearized_ < known_total_) {
    if (states_visited() >= budget_states_) return Verdict::kExhausted;
    // An unlinearized op with a known outcome has its return still in the list, and the
    // walk stops there at the latest.
    QUANTA_ASSERT(entry != kNil);
    if (entries_[entry].is_call) {
      entry = TryLinearize(entry) ? next_[kHead] : next_[entry];
    } else if (calls_.empty()) {
      return Verdict::kNotLinearizable;
    } else {
      entry = Backtrack();
    }
  }
  return Verdict::kLinearizable;
}

// Linearizes the op of call `entry` next if the register allows it and the resulting
// state is new; returns whether it did.
bool RegisterSearch::TryLinearize(int32_t entry) {
  const int32_t op = entries_[entry].op;
  const KeyOp& k = ops_[op];
  if (k.is_write && AfterPendingWrite()) return false;
  if (k.pending && !ReadCanFollow(entry, k.value_id)) return false;
  if (!k.is_write && k.value_id != value_) return false;
  const int32_t value = k.is_write ? k.value_id : value_;
  FlipBit(op);
  if (!VisitState(value, k.pending)) {
    FlipBit(op);
    return false;
  }
  calls_.push_back(Call{entry, value_});
  value_ = value;
  Lift(entry);
  if (!k.pending) ++known_linearized_;
  NoteDepth();
  return true;
}

// Undoes the last choice; returns the entry to try next.
int32_t RegisterSearch::Backtrack() {
  QUANTA_ASSERT(!calls_.empty());
  const Call top = calls_.back();
  calls_.pop_back();
  const int32_t op = entries_[top.entry].op;
  value_ = top.value_before;
  FlipBit(op);
  Unlift(top.entry);
  if (!ops_[op].pending) {
    QUANTA_ASSERT(known_linearized_ > 0);
    --known_linearized_;
  }
  agree_ = std::min(agree_, calls_.size());
  return next_[top.entry];
}

// Records the current linearized set with `value`; returns false if it was visited
// already (then everything reachable from it was explored and failed).
bool RegisterSearch::VisitState(int32_t value, bool after_pending_write) {
  QUANTA_ASSERT(value >= kAbsent);
  QUANTA_ASSERT(meta_.size() < UINT32_MAX);  // state ids are uint32_t
  const uint32_t id = static_cast<uint32_t>(meta_.size());
  const uint64_t constraint = static_cast<uint64_t>(value) * 2 + (after_pending_write ? 1 : 0);
  meta_.push_back(StateMeta{bits_hash_ ^ Mix(~constraint), value, after_pending_write});
  state_bits_.insert(state_bits_.end(), bits_.begin(), bits_.end());
  if (visited_.insert(id).second) return true;
  meta_.pop_back();
  state_bits_.resize(state_bits_.size() - words_);
  return false;
}

bool RegisterSearch::SameState(uint32_t a, uint32_t b) const {
  if (meta_[a].value != meta_[b].value) return false;
  if (meta_[a].after_pending_write != meta_[b].after_pending_write) return false;
  const auto a_bits = state_bits_.begin() + static_cast<ptrdiff_t>(a * words_);
  const auto b_bits = state_bits_.begin() + static_cast<ptrdiff_t>(b * words_);
  return std::equal(a_bits, a_bits + static_cast<ptrdiff_t>(words_), b_bits);
}

// Whether a read expecting `value_id`, other than call_entry's op, is called before the
// first remaining return (so it could be linearized right after call_entry's op).
bool RegisterSearch::ReadCanFollow(int32_t call_entry, int32_t value_id) const {
  for (int32_t e = next_[kHead]; e != kNil && entries_[e].is_call; e = next_[e]) {
    const KeyOp& k = ops_[entries_[e].op];
    if (e != call_entry && !k.is_write && k.value_id == value_id) return true;
  }
  return false;
}

bool RegisterSearch::AfterPendingWrite() const {
  return !calls_.empty() && ops_[entries_[calls_.back().entry].op].pending;
}

// Keeps longest_prefix_ the deepest linearization seen, at a cost proportional to the
// calls pushed since the last backtrack below it.
void RegisterSearch::NoteDepth() {
  const size_t depth = calls_.size();
  const int32_t op = entries_[calls_.back().entry].op;
  if (agree_ == depth - 1 && depth <= longest_prefix_.size() && longest_prefix_[depth - 1] == op) {
    agree_ = depth;
    return;
  }
  if (depth <= longest_prefix_.size() || ops_[op].pending) return;
  longest_prefix_.resize(agree_);
  for (size_t i = agree_; i < depth; ++i) longest_prefix_.push_back(entries_[calls_[i].entry].op);
  agree_ = depth;
  longest_value_ = value_;
}

void RegisterSearch::FlipBit(int32_t op) {
  bits_[op / 64] ^= uint64_t{1} << (op % 64);
  bits_hash_ ^= op_hash_[op];
}

void RegisterSearch::Unlink(int32_t entry) {
  next_[prev_[entry]] = next_[entry];
  if (next_[entry] != kNil) prev_[next_[entry]] = prev_[entry];
}

// REQUIRES: undoes the most recent Unlink not yet undone (the neighbours it left are
// unchanged, so the entry's own links still name them).
void RegisterSearch::Relink(int32_t entry) {
  next_[prev_[entry]] = entry;
  if (next_[entry] != kNil) prev_[next_[entry]] = entry;
}

void RegisterSearch::Lift(int32_t call_entry) {
  Unlink(call_entry);
  if (entries_[call_entry].match != kNil) Unlink(entries_[call_entry].match);
}

void RegisterSearch::Unlift(int32_t call_entry) {
  if (entries_[call_entry].match != kNil) Relink(entries_[call_entry].match);
  Relink(call_entry);
}

RegisterSearch::Blocked RegisterSearch::BlockedAfterLongestPrefix() const {
  std::vector<bool> in_prefix(ops_.size(), false);
  for (int32_t op : longest_prefix_) in_prefix[op] = true;
  Blocked blocked;
  for (size_t i = 1; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (in_prefix[e.op]) continue;
    if (!e.is_call) {
      blocked.first_to_return = e.op;
      break;
    }
    blocked.candidates.push_back(e.op);
  }
  return blocked;
}

std::string Quote(const std::string& value) {
  const bool cut = value.size() > kShownValueBytesMax;
  return absl::StrCat("\"", absl::CHexEscape(value.substr(0, kShownValueBytesMax)), cut ? "...\"" : "\"");
}

std::string FormatValue(const KeyHistory& kh, int32_t value_id) {
  return value_id == kAbsent ? "absent" : Quote(kh.values[value_id]);
}

// "#<history index> client <c> <read|write> <value> [<call>, <ret>]".
std::string FormatOp(const KeyHistory& kh, int32_t op) {
  const KeyOp& k = kh.ops[op];
  const RegisterOp& r = (*kh.history)[k.history_index];
  std::string what;
  if (k.is_write) {
    what = absl::StrCat("write ", Quote(r.value));
  } else {
    what = r.found ? absl::StrCat("read ", Quote(r.value)) : "read absent";
    if (k.value_id == kNeverWritten) absl::StrAppend(&what, " (never written)");
  }
  return absl::StrCat("#", k.history_index, " client ", r.client, " ", what, " [", absl::FormatDuration(k.call),
                      ", ", k.pending ? "unknown" : absl::FormatDuration(k.ret), "]");
}

// Names the key, shows the tail of the longest linearizable prefix, the register's
// value after it, and the ops that were candidates to come next (none could).
std::string ExplainFailure(const KeyHistory& kh, const RegisterSearch& search) {
  const std::vector<int32_t>& prefix = search.longest_prefix();
  std::string out = absl::StrCat("key ", Quote(kh.key), ": not linearizable (", kh.ops.size(), " ops");
  if (kh.unread_pending_dropped > 0) {
    absl::StrAppend(&out, "; ", kh.unread_pending_dropped, " unknown-outcome writes nobody read left out");
  }
  absl::StrAppend(&out, ")\nlongest linearizable prefix: ", prefix.size(), " ops, leaving the register ",
                  FormatValue(kh, search.value_after_longest_prefix()), prefix.empty() ? "\n" : "; it ends:\n");
  const size_t shown_from = prefix.size() > kExplainOpsMax ? prefix.size() - kExplainOpsMax : 0;
  if (shown_from > 0) absl::StrAppend(&out, "  ... ", shown_from, " earlier ops\n");
  for (size_t i = shown_from; i < prefix.size(); ++i) absl::StrAppend(&out, "  ", FormatOp(kh, prefix[i]), "\n");

  const RegisterSearch::Blocked blocked = search.BlockedAfterLongestPrefix();
  absl::StrAppend(&out, "none of these could come next (* returned first, so it had to):\n");
  if (blocked.first_to_return != kNil) absl::StrAppend(&out, "* ", FormatOp(kh, blocked.first_to_return), "\n");
  size_t shown = 0;
  size_t hidden = 0;
  size_t pending = 0;
  for (int32_t op : blocked.candidates) {
    if (op == blocked.first_to_return) continue;
    if (kh.ops[op].pending) {
      ++pending;
    } else if (shown + 1 < kExplainOpsMax) {
      ++shown;
      absl::StrAppend(&out, "  ", FormatOp(kh, op), "\n");
    } else {
      ++hidden;
    }
  }
  if (hidden > 0) absl::StrAppend(&out, "  ... ", hidden, " more\n");
  if (pending > 0) absl::StrAppend(&out, "  (and ", pending, " unknown-outcome writes no candidate read)\n");
  return out;
}

}  // namespace

LinearizabilityResult CheckRegisterHistory(const std::vector<RegisterOp>& history, uint64_t budget_states) {
  std::map<std::string, std::vector<size_t>> by_key;  // ordered: keys are checked in key order
  for (size_t i = 0; i < history.size(); ++i) {
    AssertWellFormed(history[i]);
    by_key[history[i].key].push_back(i);
  }
  LinearizabilityResult result;
  std::string exhausted;
  size_t exhausted_keys = 0;
  for (const auto& [key, indices] : by_key) {
    const KeyHistory kh = BuildKeyHistory(key, history, indices);
    RegisterSearch search(kh, budget_states);
    const RegisterSearch::Verdict verdict = search.Run();
    result.states_visited += search.states_visited();
    if (verdict == RegisterSearch::Verdict::kExhausted) {
      result.exhausted = true;
      if (++exhausted_keys <= kExplainKeysMax) {
        absl::StrAppend(&exhausted, "key ", Quote(key), ": inconclusive: gave up after ", search.states_visited(),
                        " states (budget ", budget_states, ", ", kh.ops.size(), " ops)\n");
      }
    } else if (verdict == RegisterSearch::Verdict::kNotLinearizable) {
      result.ok = false;
      result.explanation = ExplainFailure(kh, search);
      break;
    }
  }
  if (exhausted_keys > kExplainKeysMax) {
    absl::StrAppend(&exhausted, "... and ", exhausted_keys - kExplainKeysMax, " more inconclusive keys\n");
  }
  absl::StrAppend(&result.explanation, exhausted);
  return result;
}

}  // namespace quanta::sim
