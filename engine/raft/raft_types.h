// Raft's vocabulary: log entries, messages between peers, the state that must be
// durable before a node speaks (HardState), and the Ready batch a node hands its host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quanta::raft {

using NodeId = uint64_t;
using Term = uint64_t;
using Index = uint64_t;
inline constexpr NodeId kNoNode = 0;  // "no vote", "no known leader"

enum class EntryType : uint8_t {
  kNormal = 0,
  kConfChange = 1,  // data: an encoded ConfChange (conf_change.h)
};

struct Entry {
  Entry() {}
  Entry(Term t, Index i, std::string d, EntryType ty = EntryType::kNormal)
      : term(t), index(i), type(ty), data(std::move(d)) {}
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;  // kNormal and empty: a new leader's no-op
  bool operator==(const Entry& o) const {
    return term == o.term && index == o.index && type == o.type && data == o.data;
  }
};

enum class MessageType : uint8_t {
  kPreVote,          // "would you vote for me at `term`?" (the sender's term is unchanged)
  kPreVoteResponse,
  kVote,
  kVoteResponse,
  kAppend,           // entries after (index, log_term) (none: a probe)
  kAppendResponse,
  kHeartbeat,        // "I lead": resets the follower's timer, carries a safe commit index
  kHeartbeatResponse,
  kTimeoutNow,       // leadership transfer: "campaign now" (the target is caught up)
  kSnapshot,         // the entries it needs were compacted: install this snapshot
};
const char* MessageTypeName(MessageType type);

// A snapshot's description: the state machine as of `index` (whose entry has `term`)
// and the membership then. The data travels with a kSnapshot message and is stored by
// the host; Raft only keeps this.
struct SnapshotMeta {
  SnapshotMeta() {}
  Index index = 0;
  Term term = 0;
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
};

struct Message {
  Message() {}
  MessageType type = MessageType::kAppend;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Term term = 0;  // the sender's term; for kPreVote the term it would campaign at
  // kAppend: the entry before `entries`. kVote/kPreVote: the candidate's last entry.
  // kAppendResponse: the `index` of the append it answers. kHeartbeat: the leader's
  // tick count when sent; kHeartbeatResponse echoes it (the leader's lease).
  Index index = 0;
  Term log_term = 0;
  std::vector<Entry> entries;
  Index commit = 0;     // kAppend, kHeartbeat: the leader's commit index (capped to what matches)
  bool reject = false;  // responses
  bool transfer = false;  // kVote: a leadership transfer; voters set aside their lease
  SnapshotMeta snapshot;  // kSnapshot
  // kAppendResponse: on success the last index known to match the leader's log; on
  // rejection the follower's last index (where the leader should look next).
  Index hint = 0;
  // kAppend, kHeartbeat, kSnapshot: the leader's tick count when sent, plus one (0:
  // unknown). A follower compares its spacing with its own ticks to tell a message that
  // sat in a cut link's buffer from a live leader (Raft::FreshFromLeader).
  uint64_t sent_tick = 0;
};

// One line, stable across versions (traces and golden tests): "1->2 Vote term=3 ...".
std::string DescribeMessage(const Message& m);
// "[2/5 noop, 2/6 'put x']": term/index and payload of each entry.
std::string DescribeEntries(const std::vector<Entry>& entries);

// What must be durable before any message of the same Ready is sent.
struct HardState {
  Term term = 0;
  NodeId vote = kNoNode;
  Index commit = 0;
  bool operator==(const HardState& o) const { return term == o.term && vote == o.vote && commit == o.commit; }
};

// One batch of work for the host, in this order: install `snapshot` (if set: the data
// that came with the leader's kSnapshot message; it replaces the state machine and the
// whole log), persist `hard_state` (if set) and `entries` (replacing any stored entries
// at or after the first one's index), syncing if `must_sync`; then send `messages`;
// then apply `committed`; then call Advance().
struct Ready {
  Ready() {}
  std::optional<SnapshotMeta> snapshot;
  std::optional<HardState> hard_state;
  std::vector<Entry> entries;
  std::vector<Message> messages;
  std::vector<Entry> committed;
  bool must_sync = false;
};

}  // namespace quanta::raft
