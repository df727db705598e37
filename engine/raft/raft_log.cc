#include "engine/raft/raft_log.h"

#include <algorithm>

#include "engine/env/assert.h"
#include "engine/env/planted.h"

namespace quanta::raft {

RaftLog::RaftLog(Index snapshot_index, Term snapshot_term, std::vector<Entry> durable)
    : entries_(std::move(durable)), first_(snapshot_index + 1), snapshot_term_(snapshot_term) {
  stable_ = last_index();
  for (size_t i = 0; i < entries_.size(); ++i) {
    QUANTA_ASSERT(entries_[i].index == first_ + i);
    QUANTA_ASSERT(entries_[i].term >= (i == 0 ? snapshot_term_ : entries_[i - 1].term));
  }
}

std::optional<Term> RaftLog::TermAt(Index index) const {
  if (index == snapshot_index()) return snapshot_term_;
  if (index < snapshot_index() || index > last_index()) return std::nullopt;
  return entries_[index - first_].term;
}

bool RaftLog::Matches(Index index, Term term) const {
  const std::optional<Term> have = TermAt(index);
  return have.has_value() && *have == term;
}

bool RaftLog::OtherIsUpToDate(Index other_last_index, Term other_last_term) const {
  return other_last_term > last_term() || (other_last_term == last_term() && other_last_index >= last_index());
}

void RaftLog::Append(Entry entry) {
  QUANTA_ASSERT(entry.index == last_index() + 1);
  QUANTA_ASSERT(entry.term >= last_term());
  entries_.push_back(std::move(entry));
}

Index RaftLog::AppendAfter(Index prev, const std::vector<Entry>& entries, Index committed) {
  QUANTA_ASSERT(prev >= snapshot_index());
  QUANTA_ASSERT(prev <= last_index());
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    QUANTA_ASSERT(e.index == prev + 1 + i);
    const std::optional<Term> have = TermAt(e.index);
    if (have.has_value() && *have == e.term) continue;
    // Planted: the divergent entry is kept as if it matched.
    if (have.has_value() && PlantedActive(PlantedBug::kRaftNoSuffixTruncation)) continue;
    if (have.has_value()) {  // a conflict: the suffix from here is not the leader's
      QUANTA_ASSERT_MSG(e.index > committed, "a leader tried to replace a committed entry");
      entries_.resize(e.index - first_);
      stable_ = std::min(stable_, e.index - 1);
    }
    entries_.insert(entries_.end(), entries.begin() + static_cast<ptrdiff_t>(i), entries.end());
    break;
  }
  return prev + entries.size();
}

std::vector<Entry> RaftLog::Slice(Index from, size_t max) const {
  QUANTA_ASSERT(from >= first_);
  QUANTA_ASSERT(from <= last_index() + 1);
  const size_t n = std::min<size_t>(max, last_index() + 1 - from);
  return std::vector<Entry>(entries_.begin() + static_cast<ptrdiff_t>(from - first_),
                            entries_.begin() + static_cast<ptrdiff_t>(from - first_ + n));
}

const Entry& RaftLog::at(Index index) const {
  QUANTA_ASSERT(index >= first_);
  QUANTA_ASSERT(index <= last_index());
  return entries_[index - first_];
}

void RaftLog::MarkStable(Index index, Term term) {
  if (index <= stable_ || !Matches(index, term)) return;
  stable_ = index;
}

void RaftLog::Compact(Index index) {
  QUANTA_ASSERT(index >= snapshot_index());
  QUANTA_ASSERT(index <= stable_);
  snapshot_term_ = *TermAt(index);
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(index - snapshot_index()));
  first_ = index + 1;
}

void RaftLog::Restore(Index index, Term term) {
  entries_.clear();
  first_ = index + 1;
  snapshot_term_ = term;
  stable_ = index;
}

}  // namespace quanta::raft
