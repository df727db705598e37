// Raft: the consensus core as a pure state machine (no I/O, no clock, no threads).
//
// The host drives it: Tick() on a fixed timer, Step() for every message received,
// Propose() on the leader; then, whenever HasReady(), TakeReady() and carry it out in
// the order raft_types.h states (persist, send, apply), then Advance(). Randomness
// (election timeouts) comes from the node's seeded generator, so a simulation replays.
//
// Implemented: leader election with pre-vote (a partitioned node cannot inflate terms
// and disrupt the cluster when it returns) and check-quorum (a leader that has not
// heard from a quorum within an election timeout steps down, and nodes that heard from
// a leader recently ignore vote requests); log replication with per-follower flow
// control (one probing append at a time until the follower's log matches, then up to
// max_inflight_appends batches of max_entries_per_append); commitment only of entries
// from the leader's own term (Raft §5.4.2, figure 8).
// Learners receive the log but never campaign and are never counted; the leader holds
// a read lease (HasLease) while a quorum acknowledges its heartbeats.
// Leadership transfer hands leadership to a caught-up voter without an election
// timeout. Membership changes one node at a time. The log is compacted behind the
// host's snapshots; a follower that fell behind them is sent one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "engine/env/random.h"
#include "engine/raft/conf_change.h"
#include "engine/raft/progress.h"
#include "engine/raft/raft_log.h"
#include "engine/raft/raft_types.h"

namespace quanta::raft {

struct Config {
  Config() {}
  NodeId id = kNoNode;
  // The initial membership; committed changes in the log (ProposeConfChange) modify
  // it. A node in neither list (joining) never campaigns or votes.
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;  // replicated to, never campaign, never counted
  int election_ticks = 10;     // the timeout is drawn from [election_ticks, 2 * election_ticks)
  int heartbeat_ticks = 1;
  bool pre_vote = true;
  bool check_quorum = true;
  size_t max_entries_per_append = 64;  // `replication.batch_size`
  size_t max_inflight_appends = 8;
  // The leader serves reads locally while a quorum of voters acknowledged a heartbeat
  // it sent less than lease_ticks ago. Nodes ignore candidates for election_ticks after
  // hearing from a leader, so no other leader can exist meanwhile as long as
  // lease_ticks < election_ticks x (1 - clock drift between nodes). 0: election_ticks - 2.
  int lease_ticks = 0;
  uint64_t seed = 1;
};

enum class Role { kFollower, kPreCandidate, kCandidate, kLeader };
const char* RoleName(Role role);

class Raft {
 public:
  // Starts as a follower from what storage kept: term, vote, commit, the latest
  // snapshot (index 0: none; it overrides config's membership) and the log after it.
  Raft(const Config& config, HardState hard_state, std::vector<Entry> log, SnapshotMeta snapshot = {});

  void Tick();
  void Step(const Message& message);
  // Starts an election now, as an expired election timer would (pre-vote first if
  // enabled). No-op on a leader or a learner. For tests and forced failover.
  void StartElection();
  // Appends `data` to the leader's log; returns its index. Errors: kFailedPrecondition
  // on a non-leader, naming the leader if known.
  absl::StatusOr<Index> Propose(std::string data);

  // Appends a membership change (one node at a time). It takes effect on each node
  // when applied (committed and handed to the host); a removed leader then steps
  // down. Errors: kFailedPrecondition on a non-leader; kUnavailable while another
  // change is not applied or the leader has not committed in its term; kInvalidArgument
  // for a change that does not fit the membership.
  absl::StatusOr<Index> ProposeConfChange(const ConfChange& change);
  const std::vector<NodeId>& voters() const { return config_.voters; }
  const std::vector<NodeId>& learners() const { return config_.learners; }

  // Leadership transfer: the target (a voter) is brought up to date, then told to
  // campaign at once; proposals are refused meanwhile. Abandoned after an election
  // timeout. Errors: kFailedPrecondition on a non-leader, kInvalidArgument for a bad
  // target.
  absl::Status TransferLeadership(NodeId target);
  NodeId transferring_to() const { return transfer_target_; }

  // Whether this leader may answer a read from its own state now (see lease_ticks):
  // it holds the lease and has committed an entry of its term (so it knows every
  // committed entry). Requires check_quorum.
  // `ticks_ahead`: ticks that have elapsed but have not been delivered through Tick() yet.
  bool HasLease(int64_t ticks_ahead = 0) const;

  // Log compaction: the host saved a snapshot of its state machine as of `index`
  // (<= applied()); entries up to it are dropped. Returns the snapshot's description,
  // which the host stores with it (and restarts from). A follower that needs dropped
  // entries is sent a kSnapshot instead. Errors: kInvalidArgument for an index out of
  // [snapshot index, applied].
  absl::StatusOr<SnapshotMeta> Compact(Index index);
  // The description of a snapshot of the state machine as of `index` (a leader sends
  // one of its current state rather than of its compaction point). REQUIRES:
  // log().snapshot_index() <= index <= applied().
  SnapshotMeta SnapshotAt(Index index) const;
  // A snapshot received and accepted, not yet handed to the host in a Ready.
  const std::optional<SnapshotMeta>& pending_snapshot() const { return pending_snapshot_; }

  bool HasReady() const;
  Ready TakeReady();
  // The host carried out `ready` (persisted, sent, applied).
  void Advance(const Ready& ready);

  NodeId id() const { return config_.id; }
  Role role() const { return role_; }
  Term term() const { return term_; }
  NodeId leader() const { return leader_; }
  Index commit() const { return commit_; }
  Index applied() const { return applied_; }
  const RaftLog& log() const { return log_; }
  // Leader: the highest index known to match `peer`'s log (0 if unknown or not leader).
  Index MatchOf(NodeId peer) const {
    auto it = progress_.find(peer);
    return it == progress_.end() ? 0 : it->second.match();
  }
  HardState hard_state() const { return HardState{term_, vote_, commit_}; }

 private:
  void BecomeFollower(Term term, NodeId leader);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void Campaign(bool pre, bool transfer = false);
  void MaybeSendTimeoutNow(NodeId to);
  void ResetElectionTimer();
  void TickElection();
  void TickLeader();
  void Send(Message message);

  bool InLease() const;
  void HandleVoteRequest(const Message& m);
  void HandleVoteResponse(const Message& m);
  // A leader of this term spoke; returns whether the message was fresh (it restarted
  // the election timer).
  bool AcceptLeader(const Message& m);
  // Whether leader message `m` arrived about as late as the last fresh one (its send
  // tick against ours); if so it becomes the new baseline.
  bool FreshFromLeader(const Message& m);
  void HandleAppend(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleHeartbeatResponse(const Message& m);
  void HandleSnapshot(const Message& m);
  bool SendSnapshot(NodeId to);
  SnapshotMeta MembershipAt(Index index) const;
  void HandleAppendResponse(const Message& m);
  // Sends `to` the entries it lacks (a probe may carry none), if flow control allows;
  // returns whether it sent.
  bool SendAppend(NodeId to);
  void SendHeartbeat(NodeId to);
  void BroadcastAppend();
  // Advances the commit index to the highest entry of this term a quorum holds.
  bool MaybeCommit();
  size_t Quorum() const { return config_.voters.size() / 2 + 1; }
  bool IsVoter(NodeId id) const;
  bool IsLearner(NodeId id) const;
  void ApplyConfChange(const Entry& entry);
  // The send tick of the latest heartbeat a quorum of voters (the leader counting
  // itself as now) acknowledged; INT64_MIN if none yet.
  int64_t QuorumAckedTick() const;

  Config config_;
  Random rng_;
  RaftLog log_;
  Term term_ = 0;
  NodeId vote_ = kNoNode;
  Index commit_ = 0;
  Index applied_ = 0;
  HardState persisted_;  // as of the last Ready taken
  Role role_ = Role::kFollower;
  NodeId leader_ = kNoNode;
  int election_elapsed_ = 0;
  int randomized_election_ticks_ = 0;
  int heartbeat_elapsed_ = 0;
  int64_t ticks_ = 0;  // local ticks since start (lease arithmetic)
  bool restarted_ = false;  // started with a term: it may have promised a lease
  int64_t leader_since_tick_ = 0;
  Index pending_conf_index_ = 0;  // leader: the latest membership change in its log
  Index conf_applied_index_ = 0;  // the latest membership change applied
  // The membership as of the log's snapshot index, and after each applied change since.
  SnapshotMeta base_;
  absl::btree_map<Index, std::pair<std::vector<NodeId>, std::vector<NodeId>>> conf_history_;
  std::optional<SnapshotMeta> pending_snapshot_;  // follower: received, not yet installed
  NodeId transfer_target_ = kNoNode;
  // The last fresh message from a leader: who, in which term, its send tick, our tick
  // then; and since when its messages have kept arriving late (INT64_MIN: they have not).
  NodeId fresh_from_ = kNoNode;
  Term fresh_term_ = 0;
  int64_t fresh_sent_tick_ = 0;
  int64_t fresh_local_tick_ = 0;
  int64_t stale_since_tick_ = INT64_MIN;
  bool timeout_now_sent_ = false;  // this term's leader told a target to campaign
  int transfer_elapsed_ = 0;
  absl::btree_map<NodeId, bool> votes_;          // this campaign's answers
  absl::btree_map<NodeId, Progress> progress_;  // leader only: every other voter
  std::vector<Message> outbox_;
};

}  // namespace quanta::raft
