// RaftLog: a node's log in memory, with the boundary of what is durable.
//
// Indexes start at 1; index 0 is the empty prefix, term 0. Entries up to stable() are
// durable; later ones are handed to the host in the next Ready. A conflicting suffix
// (a new leader's log disagrees) is replaced, never below the commit index. A prefix
// can be compacted into a snapshot; the log remembers the snapshot's last index and
// term so that the entry after it can still be matched.
#pragma once

#include <optional>
#include <vector>

#include "engine/raft/raft_types.h"

namespace quanta::raft {

class RaftLog {
 public:
  RaftLog() = default;
  // A log restored from storage, starting after a snapshot at (snapshot_index,
  // snapshot_term) (0, 0: none); all of it is durable. REQUIRES: consecutive indexes.
  RaftLog(Index snapshot_index, Term snapshot_term, std::vector<Entry> durable);

  Index last_index() const { return snapshot_index() + entries_.size(); }
  Term last_term() const { return entries_.empty() ? snapshot_term_ : entries_.back().term; }
  // Entries up to here were compacted into a snapshot.
  Index snapshot_index() const { return first_ - 1; }
  Term snapshot_term() const { return snapshot_term_; }
  // The term of entry `index` (0 for index 0); nullopt past the end or compacted.
  std::optional<Term> TermAt(Index index) const;
  bool Matches(Index index, Term term) const;
  // Whether a log ending at (last_term, last_index) is at least as up to date as this one.
  bool OtherIsUpToDate(Index last_index, Term last_term) const;

  // The leader's own proposal. REQUIRES: entry.index == last_index() + 1.
  void Append(Entry entry);
  // A follower's append after `prev` (which matches): entries already present with the
  // same term are kept, the first conflicting one and everything after it replaced.
  // Returns the index of the last entry given (prev if none). REQUIRES: no replaced
  // entry is at or below `committed`; prev >= snapshot_index().
  Index AppendAfter(Index prev, const std::vector<Entry>& entries, Index committed);

  // Up to `max` entries starting at `from` (snapshot_index() < from <= last_index() + 1).
  std::vector<Entry> Slice(Index from, size_t max) const;
  const Entry& at(Index index) const;

  Index stable() const { return stable_; }
  // Entries after stable(), for the next Ready.
  std::vector<Entry> Unstable() const { return Slice(stable_ + 1, SIZE_MAX); }
  // The host persisted entries up to `index` with term `term`; ignored if the log
  // changed meanwhile (that suffix was replaced and will come again).
  void MarkStable(Index index, Term term);

  // Drops the entries up to `index` (a snapshot holds them). REQUIRES:
  // snapshot_index() <= index <= stable().
  void Compact(Index index);
  // Replaces the whole log by a snapshot at (index, term): a follower installing one.
  void Restore(Index index, Term term);

 private:
  std::vector<Entry> entries_;  // entries_[i].index == first_ + i
  Index first_ = 1;
  Term snapshot_term_ = 0;
  Index stable_ = 0;
};

}  // namespace quanta::raft
