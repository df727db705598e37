// Golden interaction tests for the Raft core, in the style of etcd's datadriven tests.
//
// Each file in testdata/ is a sequence of blocks:
//
//   command arg...
//   ----
//   expected output (the conversation: every Ready carried out, every message delivered)
//   <blank line>
//
// Commands: cluster voters=N [learners=N] [spares=N] [pre-vote=false]
// [check-quorum=false] [seed=N]; campaign ID; stabilize; tick ID [COUNT] (one node's
// clock only); tick-all [COUNT]; propose ID DATA; conf ID OP NODE; compact ID INDEX;
// isolate ID; heal; transfer ID TARGET; restart ID; status.
// QUANTA_REWRITE_GOLDEN=1 rewrites the expected outputs: review the diff before
// committing it, because the golden files are the specification.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/raft/testing.h"
#include "gtest/gtest.h"

namespace quanta::raft {
namespace {

struct Block {
  std::string comments;  // '#' lines before the command, kept when rewriting
  std::string command;
  std::string expected;
};

std::vector<Block> ParseGolden(const std::string& text) {
  std::vector<Block> blocks;
  std::istringstream in(text);
  std::string line;
  std::string comments;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      comments += line + "\n";
      continue;
    }
    Block block;
    block.comments = std::exchange(comments, "");
    block.command = line;
    std::getline(in, line);
    EXPECT_EQ(line, "----") << "after command: " << block.command;
    while (std::getline(in, line) && !line.empty()) block.expected += line + "\n";
    blocks.push_back(std::move(block));
  }
  return blocks;
}

class Interaction {
 public:
  std::string Run(const std::string& command) {
    std::vector<std::string> args = absl::StrSplit(command, ' ', absl::SkipEmpty());
    const std::string& verb = args[0];
    lines_.clear();
    if (verb == "cluster") {
      NewCluster(args);
    } else if (verb == "campaign") {
      c_->node(Id(args, 1)).StartElection();
    } else if (verb == "stabilize") {
      c_->Settle();
    } else if (verb == "tick") {
      const int count = args.size() > 2 ? Int(args[2]) : 1;
      for (int i = 0; i < count; ++i) c_->node(Id(args, 1)).Tick();
    } else if (verb == "tick-all") {
      c_->Tick(args.size() > 1 ? Int(args[1]) : 1);
    } else if (verb == "propose") {
      auto index = c_->node(Id(args, 1)).Propose(args.at(2));
      lines_.push_back(index.ok() ? absl::StrCat("index ", *index) : std::string(index.status().message()));
    } else if (verb == "isolate") {
      c_->Isolate(Id(args, 1));
    } else if (verb == "heal") {
      c_->HealAll();
    } else if (verb == "transfer") {
      absl::Status s = c_->node(Id(args, 1)).TransferLeadership(Id(args, 2));
      if (!s.ok()) lines_.push_back(std::string(s.message()));
    } else if (verb == "conf") {  // conf ID add-voter|add-learner|promote|remove NODE
      ConfChange change;
      const std::string& op = args.at(2);
      change.op = op == "add-voter"     ? ConfChange::Op::kAddVoter
                  : op == "add-learner" ? ConfChange::Op::kAddLearner
                  : op == "promote"     ? ConfChange::Op::kPromote
                                        : ConfChange::Op::kRemove;
      change.node = Id(args, 3);
      auto index = c_->node(Id(args, 1)).ProposeConfChange(change);
      lines_.push_back(index.ok() ? absl::StrCat("index ", *index) : std::string(index.status().message()));
    } else if (verb == "compact") {  // compact ID INDEX: the host snapshotted its state at INDEX
      absl::Status s = c_->Compact(Id(args, 1), Id(args, 2));
      if (!s.ok()) lines_.push_back(std::string(s.message()));
    } else if (verb == "restart") {
      c_->Restart(Id(args, 1));
    } else if (verb == "status") {
      for (NodeId id = 1; id <= c_->size(); ++id) lines_.push_back(Status(id));
    } else {
      ADD_FAILURE() << "unknown command: " << command;
    }
    std::string out;
    for (const std::string& l : lines_) out += l + "\n";
    return out.empty() ? "ok\n" : out;
  }

 private:
  static int Int(const std::string& s) {
    int v = 0;
    EXPECT_TRUE(absl::SimpleAtoi(s, &v)) << s;
    return v;
  }
  static NodeId Id(const std::vector<std::string>& args, size_t i) { return Int(args.at(i)); }

  void NewCluster(const std::vector<std::string>& args) {
    int voters = 3, learners = 0, spares = 0;
    uint64_t seed = 1;
    bool pre_vote = true, check_quorum = true;
    for (size_t i = 1; i < args.size(); ++i) {
      std::pair<std::string, std::string> kv = absl::StrSplit(args[i], '=');
      if (kv.first == "voters") voters = Int(kv.second);
      if (kv.first == "learners") learners = Int(kv.second);
      if (kv.first == "spares") spares = Int(kv.second);
      if (kv.first == "seed") seed = Int(kv.second);
      if (kv.first == "pre-vote") pre_vote = kv.second == "true";
      if (kv.first == "check-quorum") check_quorum = kv.second == "true";
    }
    c_ = std::make_unique<Cluster>(
        voters, seed, std::vector<Durable>{}, learners,
        [=](Config& config) {
          config.pre_vote = pre_vote;
          config.check_quorum = check_quorum;
        },
        spares);
    c_->set_trace([this](const std::string& line) { lines_.push_back(line); });
  }

  std::string Status(NodeId id) {
    const Raft& r = c_->node(id);
    return absl::StrCat(id, ": ", RoleName(r.role()), " voters=", absl::StrJoin(r.voters(), ","),
                        r.learners().empty() ? "" : absl::StrCat(" learners=", absl::StrJoin(r.learners(), ",")),
                        " term=", r.term(), " leader=", r.leader(),
                        " commit=", r.commit(), " applied=", r.applied(),
                        r.log().snapshot_index() > 0 ? absl::StrCat(" snapshot=", r.log().snapshot_index()) : "",
                        " last=", r.log().last_term(), "/", r.log().last_index(), r.role() == Role::kLeader ? (r.HasLease() ? " lease" : " no-lease") : "");
  }

  std::unique_ptr<Cluster> c_;
  std::vector<std::string> lines_;
};

TEST(RaftInteraction, GoldenFiles) {
  const bool rewrite = std::getenv("QUANTA_REWRITE_GOLDEN") != nullptr;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(RAFT_TESTDATA_DIR)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    Interaction interaction;
    std::string rewritten;
    for (const Block& block : ParseGolden(text.str())) {
      const std::string got = interaction.Run(block.command);
      if (!rewrite) EXPECT_EQ(got, block.expected) << "command: " << block.command;
      absl::StrAppend(&rewritten, block.comments, block.command, "\n----\n", got, "\n");
    }
    if (rewrite) std::ofstream(path) << rewritten;
  }
}

}  // namespace
}  // namespace quanta::raft
