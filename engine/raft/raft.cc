#include "engine/raft/raft.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env/assert.h"
#include "engine/env/planted.h"
#include "engine/raft/conf_change.h"

namespace quanta::raft {

const char* MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kPreVote: return "PreVote";
    case MessageType::kPreVoteResponse: return "PreVoteResponse";
    case MessageType::kVote: return "Vote";
    case MessageType::kVoteResponse: return "VoteResponse";
    case MessageType::kAppend: return "Append";
    case MessageType::kAppendResponse: return "AppendResponse";
    case MessageType::kHeartbeat: return "Heartbeat";
    case MessageType::kHeartbeatResponse: return "HeartbeatResponse";
    case MessageType::kTimeoutNow: return "TimeoutNow";
    case MessageType::kSnapshot: return "Snapshot";
  }
  QUANTA_UNREACHABLE("unknown message type");
}

std::string DescribeEntries(const std::vector<Entry>& entries) {
  std::string out = "[";
  for (const Entry& e : entries) {
    absl::StrAppend(&out, out.size() > 1 ? ", " : "", e.term, "/", e.index, " ");
    if (e.type == EntryType::kConfChange) {
      auto change = DecodeConfChange(e.data);
      absl::StrAppend(&out, change.ok() ? absl::StrCat(ConfChangeOpName(change->op), " ", change->node)
                                        : std::string("bad-conf-change"));
    } else {
      absl::StrAppend(&out, e.data.empty() ? "noop" : absl::StrCat("'", e.data, "'"));
    }
  }
  return out + "]";
}

std::string DescribeMessage(const Message& m) {
  std::string out = absl::StrCat(m.from, "->", m.to, " ", MessageTypeName(m.type), " term=", m.term);
  switch (m.type) {
    case MessageType::kPreVote:
    case MessageType::kVote:
      absl::StrAppend(&out, " last=", m.log_term, "/", m.index, m.transfer ? " transfer" : "");
      break;
    case MessageType::kPreVoteResponse:
    case MessageType::kVoteResponse:
      absl::StrAppend(&out, m.reject ? " rejected" : " granted");
      break;
    case MessageType::kAppend:
      absl::StrAppend(&out, " prev=", m.log_term, "/", m.index, " commit=", m.commit);
      if (!m.entries.empty()) absl::StrAppend(&out, " ", DescribeEntries(m.entries));
      break;
    case MessageType::kAppendResponse:
      if (m.reject) {
        absl::StrAppend(&out, " rejected prev=", m.index, " hint=", m.hint);
      } else {
        absl::StrAppend(&out, " match=", m.hint);
      }
      break;
    case MessageType::kHeartbeat:
      absl::StrAppend(&out, " commit=", m.commit);
      break;
    case MessageType::kSnapshot:
      absl::StrAppend(&out, " snapshot=", m.snapshot.term, "/", m.snapshot.index, " voters=",
                      absl::StrJoin(m.snapshot.voters, ","));
      break;
    case MessageType::kHeartbeatResponse:
    case MessageType::kTimeoutNow:
      break;
  }
  return out;
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kFollower: return "follower";
    case Role::kPreCandidate: return "pre-candidate";
    case Role::kCandidate: return "candidate";
    case Role::kLeader: return "leader";
  }
  QUANTA_UNREACHABLE("unknown role");
}

Raft::Raft(const Config& config, HardState hard_state, std::vector<Entry> log, SnapshotMeta snapshot)
    : config_(config), rng_(config.seed), log_(snapshot.index, snapshot.term, std::move(log)) {
  if (snapshot.index > 0) {
    config_.voters = snapshot.voters;
    config_.learners = snapshot.learners;
  }
  QUANTA_ASSERT(config_.id != kNoNode);
  QUANTA_ASSERT(!config_.voters.empty());
  for (NodeId learner : config_.learners) QUANTA_ASSERT_MSG(!IsVoter(learner), "a node is a voter or a learner");
  if (config_.lease_ticks == 0) config_.lease_ticks = config_.election_ticks - 2;
  QUANTA_ASSERT(config_.lease_ticks > 0);
  QUANTA_ASSERT(config_.lease_ticks < config_.election_ticks);
  QUANTA_ASSERT(config_.election_ticks > config_.heartbeat_ticks);
  QUANTA_ASSERT(config_.heartbeat_ticks > 0);
  QUANTA_ASSERT(config_.max_entries_per_append > 0);
  QUANTA_ASSERT(config_.max_inflight_appends > 0);
  QUANTA_ASSERT(hard_state.commit <= log_.last_index());
  std::sort(config_.voters.begin(), config_.voters.end());
  std::sort(config_.learners.begin(), config_.learners.end());
  term_ = hard_state.term;
  vote_ = hard_state.vote;
  commit_ = std::max(hard_state.commit, snapshot.index);
  applied_ = snapshot.index;  // the host restores its snapshot and re-applies after it
  conf_applied_index_ = snapshot.index;
  base_.index = snapshot.index;
  base_.term = snapshot.term;
  base_.voters = config_.voters;
  base_.learners = config_.learners;
  persisted_ = hard_state;
  restarted_ = hard_state.term > 0;
  // The membership is the snapshot's (or the initial one) plus every committed change
  // in the log after it.
  for (Index i = snapshot.index + 1; i <= commit_; ++i) {
    if (log_.at(i).type == EntryType::kConfChange) ApplyConfChange(log_.at(i));
  }
  BecomeFollower(term_, kNoNode);
}

// ---- roles ----

void Raft::ResetElectionTimer() {
  election_elapsed_ = 0;
  randomized_election_ticks_ = config_.election_ticks + static_cast<int>(rng_.Uniform(config_.election_ticks));
}

void Raft::BecomeFollower(Term term, NodeId leader) {
  QUANTA_ASSERT(term >= term_);
  if (term > term_) {
    term_ = term;
    vote_ = kNoNode;
  }
  role_ = Role::kFollower;
  leader_ = leader;
  transfer_target_ = kNoNode;
  progress_.clear();
  votes_.clear();
  ResetElectionTimer();
}

void Raft::BecomePreCandidate() {
  QUANTA_ASSERT(role_ != Role::kLeader);
  role_ = Role::kPreCandidate;  // term and vote unchanged: a pre-vote changes nothing
  leader_ = kNoNode;
  votes_.clear();
  ResetElectionTimer();
}

void Raft::BecomeCandidate() {
  QUANTA_ASSERT(role_ != Role::kLeader);
  ++term_;
  vote_ = config_.id;
  role_ = Role::kCandidate;
  leader_ = kNoNode;
  votes_.clear();
  ResetElectionTimer();
}

void Raft::BecomeLeader() {
  QUANTA_ASSERT(role_ == Role::kCandidate);
  role_ = Role::kLeader;
  leader_ = config_.id;
  transfer_target_ = kNoNode;
  timeout_now_sent_ = false;
  votes_.clear();
  progress_.clear();
  for (const std::vector<NodeId>* group : {&config_.voters, &config_.learners}) {
    for (NodeId peer : *group) {
      if (peer == config_.id) continue;
      progress_[peer] = Progress(log_.last_index() + 1, group == &config_.voters);
    }
  }
  heartbeat_elapsed_ = 0;
  election_elapsed_ = 0;
  leader_since_tick_ = ticks_;
  pending_conf_index_ = log_.last_index();  // any uncommitted entry may be a change
  // A no-op of this term: earlier entries commit only once an entry of the leader's
  // own term does (Raft §5.4.2).
  log_.Append(Entry(term_, log_.last_index() + 1, ""));
  BroadcastAppend();
  MaybeCommit();  // a one-node cluster commits once the entry is durable
}

void Raft::Campaign(bool pre, bool transfer) {
  QUANTA_ASSERT(!(pre && transfer));
  if (pre) {
    BecomePreCandidate();
  } else {
    BecomeCandidate();
  }
  const MessageType type = pre ? MessageType::kPreVote : MessageType::kVote;
  votes_[config_.id] = true;
  if (votes_.size() >= Quorum()) {  // a single voter
    if (pre) {
      Campaign(/*pre=*/false);
    } else {
      BecomeLeader();
    }
    return;
  }
  std::vector<NodeId> electorate = config_.voters;
  if (PlantedActive(PlantedBug::kRaftLearnerVoteCounted)) {
    electorate.insert(electorate.end(), config_.learners.begin(), config_.learners.end());
  }
  for (NodeId peer : electorate) {
    if (peer == config_.id) continue;
    Message m;
    m.type = type;
    m.to = peer;
    m.term = pre ? term_ + 1 : term_;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    m.transfer = transfer;
    Send(std::move(m));
  }
}

// ---- time ----

bool Raft::IsVoter(NodeId id) const {
  return std::find(config_.voters.begin(), config_.voters.end(), id) != config_.voters.end();
}

bool Raft::IsLearner(NodeId id) const {
  return std::find(config_.learners.begin(), config_.learners.end(), id) != config_.learners.end();
}

void Raft::StartElection() {
  if (role_ == Role::kLeader || !IsVoter(config_.id)) return;
  Campaign(config_.pre_vote);
}

void Raft::Tick() {
  ++ticks_;
  if (role_ == Role::kLeader) {
    TickLeader();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  if (++election_elapsed_ < randomized_election_ticks_ || !IsVoter(config_.id)) return;
  Campaign(config_.pre_vote);  // a pre-candidate that timed out pre-votes again
}

void Raft::TickLeader() {
  if (++heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    for (const auto& [peer, p] : progress_) SendHeartbeat(peer);
  }
  for (auto& [peer, p] : progress_) p.TickSnapshot(config_.election_ticks);  // a lost transfer is resent
  if (transfer_target_ != kNoNode && ++transfer_elapsed_ >= config_.election_ticks) {
    transfer_target_ = kNoNode;  // the target did not take over in time
    // Once told to campaign, the target may still win this term's successor with votes
    // that set the lease aside: this leader can never hold a lease again, so it steps
    // down and lets an election settle it. Otherwise it carries on.
    if (timeout_now_sent_) {
      BecomeFollower(term_, kNoNode);
      return;
    }
  }
  if (++election_elapsed_ >= config_.election_ticks) election_elapsed_ = 0;
  // Check-quorum, every tick: once no quorum has acknowledged a heartbeat sent within
  // an election timeout, stop acting as leader. The followers' timers started no
  // earlier than those heartbeats were sent, so this happens before any of them can
  // time out and elect someone else: a cut-off leader stops taking writes first.
  const int64_t heard = std::max(QuorumAckedTick(), leader_since_tick_);
  const bool stale = PlantedActive(PlantedBug::kReplStalePrimaryWrites);
  if (config_.check_quorum && !stale && ticks_ - heard >= config_.election_ticks) BecomeFollower(term_, kNoNode);
}

int64_t Raft::QuorumAckedTick() const {
  std::vector<int64_t> acked = {ticks_};
  for (const auto& [peer, p] : progress_) {
    if (p.voter) acked.push_back(p.acked_tick);
  }
  std::sort(acked.begin(), acked.end(), std::greater<>());
  return acked[Quorum() - 1];
}

// ---- messages ----

void Raft::Send(Message message) {
  message.from = config_.id;
  if (message.type != MessageType::kPreVote && message.type != MessageType::kPreVoteResponse) {
    QUANTA_ASSERT(message.term == 0 || message.term == term_);
    message.term = term_;
  }
  outbox_.push_back(std::move(message));
}

bool Raft::InLease() const {
  if (!config_.check_quorum) return false;
  // A node that restarts may have acknowledged a leader just before it crashed: it
  // keeps that promise for an election timeout after starting, too. (A node with no
  // term yet never acknowledged anyone.)
  if (restarted_ && ticks_ < config_.election_ticks) return true;
  return leader_ != kNoNode && election_elapsed_ < config_.election_ticks;
}

void Raft::Step(const Message& m) {
  QUANTA_ASSERT(m.to == config_.id);
  const bool vote_request = m.type == MessageType::kVote || m.type == MessageType::kPreVote;
  if (m.term > term_) {
    // A node that heard from a live leader within the election timeout ignores
    // candidates: a node that was merely cut off cannot depose a working leader.
    if (vote_request && InLease() && !m.transfer) return;
    const bool future_term = m.type == MessageType::kPreVote ||
                             (m.type == MessageType::kPreVoteResponse && !m.reject);
    const bool from_leader = m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
                             m.type == MessageType::kSnapshot;
    if (!future_term) BecomeFollower(m.term, from_leader ? m.from : kNoNode);
  } else if (m.term < term_) {
    if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat || m.type == MessageType::kSnapshot) {
      // A stale leader: tell it the term, so it steps down.
      Message reply;
      reply.type = MessageType::kAppendResponse;
      reply.to = m.from;
      reply.index = m.index;
      reply.reject = true;
      reply.hint = log_.last_index();
      Send(std::move(reply));
    } else if (m.type == MessageType::kPreVote) {
      Message reply;
      reply.type = MessageType::kPreVoteResponse;
      reply.to = m.from;
      reply.term = term_;
      reply.reject = true;
      Send(std::move(reply));
    }
    return;  // anything else from an old term is stale
  }
  switch (m.type) {
    case MessageType::kPreVote:
    case MessageType::kVote:
      HandleVoteRequest(m);
      return;
    case MessageType::kPreVoteResponse:
    case MessageType::kVoteResponse:
      HandleVoteResponse(m);
      return;
    case MessageType::kAppend:
      HandleAppend(m);
      return;
    case MessageType::kAppendResponse:
      HandleAppendResponse(m);
      return;
    case MessageType::kHeartbeat:
      HandleHeartbeat(m);
      return;
    case MessageType::kHeartbeatResponse:
      HandleHeartbeatResponse(m);
      return;
    case MessageType::kSnapshot:
      HandleSnapshot(m);
      return;
    case MessageType::kTimeoutNow:
      // From this term's leader: campaign at once, skipping pre-vote (the leader is
      // handing over, so the cluster is not disrupted).
      if (role_ == Role::kFollower && IsVoter(config_.id) && m.from == leader_) Campaign(/*pre=*/false, /*transfer=*/true);
      return;
  }
}

void Raft::HandleVoteRequest(const Message& m) {
  const bool pre = m.type == MessageType::kPreVote;
  const bool log_ok = log_.OtherIsUpToDate(m.index, m.log_term);
  // A real vote: once per term (vote_ is durable before the reply is sent). A pre-vote
  // promises nothing; it is granted for a later term to an up-to-date log.
  const bool may_vote = IsVoter(config_.id) || PlantedActive(PlantedBug::kRaftLearnerVoteCounted);
  const bool grant = may_vote && (pre ? (m.term > term_ && log_ok)
                                                  : ((vote_ == kNoNode || vote_ == m.from) && log_ok));
  Message reply;
  reply.type = pre ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
  reply.to = m.from;
  reply.term = pre && grant ? m.term : term_;
  reply.reject = !grant;
  if (grant && !pre) {
    vote_ = m.from;
    ResetElectionTimer();
  }
  Send(std::move(reply));
}

void Raft::HandleVoteResponse(const Message& m) {
  const bool pre = m.type == MessageType::kPreVoteResponse;
  if (role_ != (pre ? Role::kPreCandidate : Role::kCandidate)) return;
  // A learner's answer never counts.
  if (!IsVoter(m.from) && !PlantedActive(PlantedBug::kRaftLearnerVoteCounted)) return;
  votes_.emplace(m.from, !m.reject);  // the first answer counts
  size_t granted = 0;
  for (const auto& [voter, yes] : votes_) granted += yes ? 1 : 0;
  if (granted >= Quorum()) {
    if (pre) {
      Campaign(/*pre=*/false);  // the real election
    } else {
      BecomeLeader();
    }
    return;
  }
  if (votes_.size() - granted >= Quorum()) BecomeFollower(term_, kNoNode);  // lost
}

void Raft::HandleAppend(const Message& m) {
  AcceptLeader(m);
  Message reply;
  reply.type = MessageType::kAppendResponse;
  reply.to = m.from;
  reply.index = m.index;
  if (m.index < commit_) {
    // Everything up to the commit index already matches the leader's log.
    reply.hint = commit_;
  } else if (log_.Matches(m.index, m.log_term)) {
    const Index last_new = log_.AppendAfter(m.index, m.entries, commit_);
    commit_ = std::max(commit_, std::min(m.commit, last_new));
    reply.hint = last_new;
  } else {
    reply.reject = true;
    reply.hint = log_.last_index();
  }
  Send(std::move(reply));
}

void Raft::HandleAppendResponse(const Message& m) {
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& p = it->second;
  if (m.reject) {
    // Stale unless it answers the append we are waiting on (a snapshot in flight
    // answers for itself).
    if (p.state() == Progress::State::kSnapshot) return;
    if (p.state() == Progress::State::kReplicate ? m.index <= p.match() : m.index + 1 != p.next()) return;
    p.BecomeProbe(std::max(p.match() + 1, std::min(m.index, m.hint + 1)));
    SendAppend(m.from);
    return;
  }
  // The probe found where the logs match, or a snapshot was installed (it shows in the
  // hint): stream from there.
  if (p.state() != Progress::State::kReplicate) p.BecomeReplicate(std::max(p.match(), m.hint) + 1);
  if (p.MaybeUpdate(m.hint)) {
    if (m.from == transfer_target_) MaybeSendTimeoutNow(m.from);
    if (MaybeCommit()) {
      BroadcastAppend();
      return;
    }
  }
  p.ProbeAnswered();
  while (SendAppend(m.from) && p.state() == Progress::State::kReplicate) {
  }
  // Tell it the commit index now rather than at the next heartbeat (replica reads and
  // the apply lag depend on it).
  if (std::min(commit_, p.match()) > p.commit_sent) SendHeartbeat(m.from);
}

bool Raft::FreshFromLeader(const Message& m) {
  if (m.sent_tick == 0) return true;  // a peer that does not say
  const int64_t sent = static_cast<int64_t>(m.sent_tick);
  if (m.from == fresh_from_ && term_ == fresh_term_) {
    // How much later than the last fresh message this one arrived, against the
    // leader's own ticks: a message buffered while a link was cut arrives with its old
    // send tick, long after.
    const int64_t late = (ticks_ - fresh_local_tick_) - (sent - fresh_sent_tick_);
    if (late > config_.election_ticks / 4) {
      // A buffer empties in a burst; messages that keep coming late for half an
      // election timeout mean the clocks' relation moved: take it as the new baseline.
      if (stale_since_tick_ == INT64_MIN) stale_since_tick_ = ticks_;
      if (ticks_ - stale_since_tick_ < config_.election_ticks / 2) return false;
    }
    if (sent < fresh_sent_tick_) return true;  // reordered across channels, not late: keep the baseline
  }
  fresh_from_ = m.from;
  fresh_term_ = term_;
  fresh_sent_tick_ = sent;
  fresh_local_tick_ = ticks_;
  stale_since_tick_ = INT64_MIN;
  return true;
}

bool Raft::AcceptLeader(const Message& m) {
  QUANTA_ASSERT_MSG(role_ != Role::kLeader, "two leaders in one term");
  // A stale message (delivered late, after a partition healed) is still processed,
  // but it does not restart the election timer: the leader that sent it may be gone.
  const bool fresh = FreshFromLeader(m);
  const int elapsed = election_elapsed_;
  if (role_ != Role::kFollower) BecomeFollower(term_, m.from);  // a leader of this term exists
  QUANTA_ASSERT_MSG(leader_ == kNoNode || leader_ == m.from, "two leaders in one term");
  leader_ = m.from;
  election_elapsed_ = fresh ? 0 : elapsed;
  return fresh;
}

void Raft::HandleSnapshot(const Message& m) {
  AcceptLeader(m);
  const SnapshotMeta& s = m.snapshot;
  Message reply;
  reply.type = MessageType::kAppendResponse;
  reply.to = m.from;
  reply.index = s.index;
  if (s.index <= commit_) {
    reply.hint = commit_;  // it already has all of that, applied or about to be
  } else if (log_.Matches(s.index, s.term)) {
    commit_ = s.index;  // the entries are here: just commit them
    reply.hint = s.index;
  } else {
    // Replace state machine and log by the snapshot. The host installs the data (with
    // the next Ready) before this reply leaves.
    log_.Restore(s.index, s.term);
    commit_ = s.index;
    config_.voters = s.voters;
    config_.learners = s.learners;
    base_ = s;
    conf_history_.clear();
    conf_applied_index_ = s.index;
    pending_snapshot_ = s;
    reply.hint = s.index;
  }
  Send(std::move(reply));
}

void Raft::HandleHeartbeat(const Message& m) {
  // The answer extends the leader's lease, a promise to ignore candidates for an
  // election timeout: a stale heartbeat did not restart the timer, so it gets none.
  const bool fresh = AcceptLeader(m);
  // The leader caps m.commit at what it knows this log matches.
  commit_ = std::max(commit_, std::min(m.commit, log_.last_index()));
  Message reply;
  reply.type = MessageType::kHeartbeatResponse;
  reply.to = m.from;
  reply.index = m.index;  // the leader's send tick, for its lease
  if (fresh) Send(std::move(reply));
}

void Raft::HandleHeartbeatResponse(const Message& m) {
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& p = it->second;
  if (m.index <= static_cast<Index>(ticks_)) p.acked_tick = std::max(p.acked_tick, static_cast<int64_t>(m.index));
  if (p.match() >= log_.last_index()) return;
  if (p.state() == Progress::State::kSnapshot) return;  // it is catching up from one
  // Alive but behind: appends were lost or are slow. Probe again from the match (at
  // most once per heartbeat), so a lost batch cannot stall the follower forever.
  p.BecomeProbe(p.match() + 1);
  SendAppend(m.from);
}

bool Raft::SendAppend(NodeId to) {
  Progress& p = progress_.at(to);
  if (p.state() == Progress::State::kSnapshot) return false;
  if (p.next() <= log_.snapshot_index()) return SendSnapshot(to);  // its entries are gone
  if (p.Paused(log_.last_index(), config_.max_inflight_appends)) return false;
  Message m;
  m.type = MessageType::kAppend;
  m.sent_tick = static_cast<uint64_t>(ticks_) + 1;
  m.to = to;
  m.index = p.next() - 1;
  m.log_term = *log_.TermAt(m.index);
  m.entries = log_.Slice(p.next(), config_.max_entries_per_append);
  m.commit = commit_;
  QUANTA_ASSERT(p.state() == Progress::State::kProbe || !m.entries.empty());
  p.commit_sent = std::max(p.commit_sent, std::min(commit_, m.index + m.entries.size()));
  p.SentAppend(m.index + m.entries.size());
  Send(std::move(m));
  return true;
}

bool Raft::SendSnapshot(NodeId to) {
  Progress& p = progress_.at(to);
  Message m;
  m.type = MessageType::kSnapshot;
  m.sent_tick = static_cast<uint64_t>(ticks_) + 1;
  m.to = to;
  m.snapshot = base_;
  m.commit = commit_;
  p.BecomeSnapshot(base_.index);
  Send(std::move(m));
  return true;
}

void Raft::SendHeartbeat(NodeId to) {
  Message m;
  m.sent_tick = static_cast<uint64_t>(ticks_) + 1;
  Progress& p = progress_.at(to);
  m.type = MessageType::kHeartbeat;
  m.to = to;
  m.index = static_cast<Index>(ticks_);  // echoed back: when the follower's lease began at the latest
  m.commit = std::min(commit_, p.match());  // never past what it holds
  p.commit_sent = std::max(p.commit_sent, m.commit);
  Send(std::move(m));
}

void Raft::BroadcastAppend() {
  // Entries where flow control allows; otherwise a heartbeat if it has a newer
  // commit index to learn.
  for (const auto& [peer, p] : progress_) {
    if (!SendAppend(peer) && std::min(commit_, p.match()) > p.commit_sent) SendHeartbeat(peer);
  }
}

bool Raft::MaybeCommit() {
  QUANTA_ASSERT(role_ == Role::kLeader);
  std::vector<Index> matches = {log_.stable()};  // the leader counts only what it persisted
  for (const auto& [peer, p] : progress_) {
    if (p.voter) matches.push_back(p.match());
  }
  std::sort(matches.begin(), matches.end(), std::greater<>());
  Index quorum_index = matches[Quorum() - 1];
  if (PlantedActive(PlantedBug::kRaftCommitWithoutQuorum)) quorum_index = matches[0];
  const bool own_term = log_.TermAt(quorum_index) == term_ || PlantedActive(PlantedBug::kRaftFigure8Commit);
  if (quorum_index <= commit_ || !own_term) return false;
  commit_ = quorum_index;
  return true;
}

absl::StatusOr<Index> Raft::ProposeConfChange(const ConfChange& change) {
  if (role_ != Role::kLeader) return absl::FailedPreconditionError("only the leader changes the membership");
  if (transfer_target_ != kNoNode) return absl::UnavailableError("a leadership transfer is in progress");
  if (pending_conf_index_ > conf_applied_index_) {
    return absl::UnavailableError(absl::StrCat("the membership change at index ", pending_conf_index_,
                                               " is not applied yet: one change at a time"));
  }
  // Until an entry of its own term commits, a new leader may not know the latest
  // committed membership (the single-server change bug; the no-op fixes it).
  if (log_.TermAt(commit_) != term_) return absl::UnavailableError("the leader has not committed in its term yet");
  const bool voter = IsVoter(change.node);
  const bool learner = IsLearner(change.node);
  switch (change.op) {
    case ConfChange::Op::kAddVoter:
    case ConfChange::Op::kAddLearner:
      if (voter || learner) return absl::InvalidArgumentError(absl::StrCat("node ", change.node, " is already a member"));
      break;
    case ConfChange::Op::kPromote:
      if (!learner) return absl::InvalidArgumentError(absl::StrCat("node ", change.node, " is not a learner"));
      break;
    case ConfChange::Op::kRemove:
      if (!voter && !learner) return absl::InvalidArgumentError(absl::StrCat("node ", change.node, " is not a member"));
      if (voter && config_.voters.size() == 1) return absl::InvalidArgumentError("cannot remove the last voter");
      break;
  }
  const Index index = log_.last_index() + 1;
  log_.Append(Entry(term_, index, EncodeConfChange(change), EntryType::kConfChange));
  pending_conf_index_ = index;
  for (const auto& [peer, p] : progress_) SendAppend(peer);
  return index;
}

void Raft::ApplyConfChange(const Entry& entry) {
  if (entry.index <= conf_applied_index_) return;  // re-applied after a restart
  conf_applied_index_ = entry.index;
  auto decoded = DecodeConfChange(entry.data);
  QUANTA_ASSERT_MSG(decoded.ok(), "a committed membership change does not decode");
  const ConfChange change = *decoded;
  auto erase = [](std::vector<NodeId>& ids, NodeId id) { std::erase(ids, id); };
  switch (change.op) {
    case ConfChange::Op::kAddVoter:
      config_.voters.push_back(change.node);
      break;
    case ConfChange::Op::kAddLearner:
      config_.learners.push_back(change.node);
      break;
    case ConfChange::Op::kPromote:
      erase(config_.learners, change.node);
      config_.voters.push_back(change.node);
      break;
    case ConfChange::Op::kRemove:
      erase(config_.voters, change.node);
      erase(config_.learners, change.node);
      break;
  }
  std::sort(config_.voters.begin(), config_.voters.end());
  std::sort(config_.learners.begin(), config_.learners.end());
  QUANTA_ASSERT(!config_.voters.empty());
  conf_history_[entry.index] = {config_.voters, config_.learners};
  if (role_ != Role::kLeader) return;
  if (change.node == config_.id && change.op == ConfChange::Op::kRemove) {
    BecomeFollower(term_, kNoNode);  // removed: stop leading (a non-member never campaigns)
    return;
  }
  if (change.op == ConfChange::Op::kRemove) {
    progress_.erase(change.node);
  } else if (change.node != config_.id) {
    auto [it, added] = progress_.try_emplace(change.node, log_.last_index() + 1, true);  // new: probe from the end
    Progress& p = it->second;
    p.voter = IsVoter(change.node);
    if (p.state() != Progress::State::kReplicate) SendAppend(change.node);
  }
  if (MaybeCommit()) BroadcastAppend();  // a smaller quorum may commit at once
}

SnapshotMeta Raft::MembershipAt(Index index) const {
  SnapshotMeta meta = base_;
  auto it = conf_history_.upper_bound(index);
  if (it != conf_history_.begin()) {
    --it;
    meta.voters = it->second.first;
    meta.learners = it->second.second;
  }
  meta.index = index;
  meta.term = *log_.TermAt(index);
  return meta;
}

SnapshotMeta Raft::SnapshotAt(Index index) const {
  QUANTA_ASSERT(index >= log_.snapshot_index());
  QUANTA_ASSERT(index <= applied_);
  return MembershipAt(index);
}

absl::StatusOr<SnapshotMeta> Raft::Compact(Index index) {
  if (index < log_.snapshot_index() || index > applied_) {
    return absl::InvalidArgumentError(absl::StrCat("cannot compact to index ", index, ": the log holds ",
                                                   log_.snapshot_index(), "..", log_.last_index(), ", applied ", applied_));
  }
  base_ = MembershipAt(index);
  conf_history_.erase(conf_history_.begin(), conf_history_.upper_bound(index));
  log_.Compact(index);
  return base_;
}

bool Raft::HasLease(int64_t ticks_ahead) const {
  if (role_ != Role::kLeader || !config_.check_quorum) return false;
  // The target may win any moment, lease or not; once it was told to campaign, for the
  // rest of the term.
  if (transfer_target_ != kNoNode || timeout_now_sent_) return false;
  if (log_.TermAt(commit_) != term_) return false;  // not yet sure of every committed entry
  const int64_t quorum_acked = QuorumAckedTick();
  return quorum_acked != INT64_MIN && ticks_ + ticks_ahead < quorum_acked + config_.lease_ticks;
}

absl::Status Raft::TransferLeadership(NodeId target) {
  if (role_ != Role::kLeader) return absl::FailedPreconditionError("only the leader can transfer leadership");
  if (target == config_.id) return absl::InvalidArgumentError("node is already the leader");
  if (!IsVoter(target)) return absl::InvalidArgumentError(absl::StrCat("node ", target, " is not a voter"));
  transfer_target_ = target;
  transfer_elapsed_ = 0;
  MaybeSendTimeoutNow(target);
  Progress& p = progress_.at(target);
  if (p.match() < log_.last_index() && p.state() != Progress::State::kSnapshot) {  // catch it up first, now
    p.BecomeProbe(p.match() + 1);
    SendAppend(target);
  }
  return absl::OkStatus();
}

void Raft::MaybeSendTimeoutNow(NodeId to) {
  if (progress_.at(to).match() != log_.last_index()) return;
  Message m;
  m.type = MessageType::kTimeoutNow;
  m.to = to;
  Send(std::move(m));
  timeout_now_sent_ = true;
}

absl::StatusOr<Index> Raft::Propose(std::string data) {
  if (role_ != Role::kLeader) {
    return absl::FailedPreconditionError(
        leader_ == kNoNode ? std::string("not the leader, and no leader is known")
                           : absl::StrCat("not the leader; the leader is node ", leader_));
  }
  if (transfer_target_ != kNoNode) {
    return absl::UnavailableError(absl::StrCat("leadership is moving to node ", transfer_target_, "; retry there"));
  }
  const Index index = log_.last_index() + 1;
  log_.Append(Entry(term_, index, std::move(data)));
  for (const auto& [peer, p] : progress_) SendAppend(peer);
  return index;
}

// ---- ready ----

bool Raft::HasReady() const {
  return pending_snapshot_.has_value() || !outbox_.empty() || log_.last_index() > log_.stable() || !(hard_state() == persisted_) ||
         std::min(commit_, log_.stable()) > applied_;
}

Ready Raft::TakeReady() {
  Ready ready;
  Index applied = applied_;
  if (pending_snapshot_) {
    ready.snapshot = std::move(pending_snapshot_);
    pending_snapshot_.reset();
    ready.must_sync = true;
    applied = ready.snapshot->index;
  }
  const HardState now = hard_state();
  if (!(now == persisted_)) {
    ready.hard_state = now;
    ready.must_sync = ready.must_sync || now.term != persisted_.term || now.vote != persisted_.vote;
    persisted_ = now;
  }
  ready.entries = log_.Unstable();
  if (!ready.entries.empty()) ready.must_sync = true;
  ready.messages = std::move(outbox_);
  outbox_.clear();
  const Index apply_to = std::min(commit_, log_.stable());
  if (apply_to > applied) ready.committed = log_.Slice(applied + 1, apply_to - applied);
  return ready;
}

void Raft::Advance(const Ready& ready) {
  if (ready.snapshot) applied_ = std::max(applied_, ready.snapshot->index);
  if (!ready.entries.empty()) log_.MarkStable(ready.entries.back().index, ready.entries.back().term);
  if (!ready.committed.empty()) {
    QUANTA_ASSERT(ready.committed.front().index == applied_ + 1);
    applied_ = ready.committed.back().index;
    for (const Entry& e : ready.committed) {
      if (e.type == EntryType::kConfChange) ApplyConfChange(e);
    }
  }
  if (role_ == Role::kLeader && MaybeCommit()) BroadcastAppend();
}

}  // namespace quanta::raft
