// Membership changes, one node at a time (Raft dissertation §4.1), and their log
// encoding. The payload of a kConfChange entry is decoded from bytes a peer sent, so
// the decoder checks everything (fuzz/raft_conf_change_fuzz.cc).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/raft/raft_types.h"

namespace quanta::raft {

struct ConfChange {
  enum class Op : uint8_t {
    kAddVoter = 1,
    kAddLearner = 2,
    kPromote = 3,  // learner -> voter
    kRemove = 4,   // voter or learner
  };
  ConfChange() {}
  ConfChange(Op o, NodeId n) : op(o), node(n) {}
  Op op = Op::kAddLearner;
  NodeId node = kNoNode;
  bool operator==(const ConfChange& o) const { return op == o.op && node == o.node; }
};

const char* ConfChangeOpName(ConfChange::Op op);
// Encoding: u8 version (1), u8 op, u64 node (little-endian): 10 bytes.
std::string EncodeConfChange(const ConfChange& change);
// Errors: kDataLoss naming what is wrong.
absl::StatusOr<ConfChange> DecodeConfChange(std::string_view bytes);

}  // namespace quanta::raft
