// RequestHandler through a one-node cluster on a simulated process: the node elects
// itself, then serves writes, reads, scans and status, and refuses what it must (bad
// write sets, reserved trees, a transfer to a node that is not a voter) naming why.
#include "engine/replication/request_handler.h"

#include <memory>

#include "gtest/gtest.h"
#include "engine/replication/node.h"
#include "sim/testing.h"

namespace quanta::replication {
namespace {

NodeOptions OneNode() {
  NodeOptions o;
  o.id = 1;
  o.members.emplace_back(1, "n1", PeerAddresses("node:7432", "node:6432"), "node:5432");
  o.on_fatal = [](absl::Status status) { FAIL() << "the node stopped: " << status; };
  return o;
}

Task<void> StartPrimary(Env& env, std::unique_ptr<ReplicatedNode>* out) {
  auto node = co_await ReplicatedNode::Open(env, OneNode());
  QUANTA_ASSERT(node.ok());
  QUANTA_ASSERT((*node)->Start().ok());
  while (!(*node)->AcceptingWrites()) (void)co_await env.Sleep(absl::Milliseconds(50));
  *out = std::move(*node);
}

Task<void> Call(ReplicatedNode& node, ClientRequest request, ClientResponse* out) {
  *out = co_await node.Handle(std::move(request));
}

class RequestHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override { sim_.Run(StartPrimary(sim_.env(), &node_)); }
  void TearDown() override { node_.reset(); }
  ClientResponse Ask(ClientRequest request) {
    static uint64_t next_id = 1;
    request.id = next_id++;
    ClientResponse r;
    sim_.Run(Call(*node_, std::move(request), &r));
    EXPECT_EQ(r.id, next_id - 1);  // every answer names its request
    return r;
  }
  sim::TestNode sim_{9};
  std::unique_ptr<ReplicatedNode> node_;
};

ClientRequest Write(storage::TreeId tree, std::string key, std::string value) {
  ClientRequest w;
  w.kind = ClientRequest::Kind::kWrite;
  w.writes.Put(tree, std::move(key), std::move(value));
  return w;
}

TEST_F(RequestHandlerTest, AWriteIsAcknowledgedThenReadAndScannedWhole) {
  const ClientResponse written = Ask(Write(1, "k", "v"));
  ASSERT_TRUE(written.status.ok()) << written.status;
  EXPECT_TRUE(written.primary);
  EXPECT_GT(written.index, 0u);
  ClientRequest get;
  get.kind = ClientRequest::Kind::kGet;
  get.tree = 1;
  get.key = "k";
  const ClientResponse read = Ask(get);
  ASSERT_TRUE(read.status.ok()) << read.status;
  EXPECT_TRUE(read.found);
  EXPECT_EQ(read.value, "v");
  EXPECT_GE(read.index, written.index);  // the read barrier: everything committed is visible
  ClientRequest scan;
  scan.kind = ClientRequest::Kind::kScan;
  scan.tree = 1;
  const ClientResponse rows = Ask(scan);
  ASSERT_TRUE(rows.status.ok()) << rows.status;
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0].key, "k");
  ClientRequest status;
  status.kind = ClientRequest::Kind::kStatus;
  const ClientResponse before = Ask(status);
  ASSERT_TRUE(Ask(Write(1, "k2", "v2")).status.ok());
  const ClientResponse after = Ask(status);
  EXPECT_GT(after.index, before.index);
  EXPECT_NE(after.state_hash, before.state_hash);  // the hash covers the client rows
}

TEST_F(RequestHandlerTest, BadRequestsAreRefusedNamingWhy) {
  ClientRequest empty;
  empty.kind = ClientRequest::Kind::kWrite;
  const ClientResponse nothing = Ask(empty);
  EXPECT_TRUE(absl::IsInvalidArgument(nothing.status)) << nothing.status;
  const ClientResponse reserved = Ask(Write(kFirstSystemTree, "applied", "x"));
  EXPECT_TRUE(absl::IsInvalidArgument(reserved.status)) << reserved.status;
  EXPECT_NE(reserved.status.message().find("reserved"), std::string::npos);
  const ClientResponse huge = Ask(Write(1, "k", std::string(kMaxClientWriteBytes, 'x')));
  EXPECT_FALSE(huge.status.ok());
  ClientRequest get;
  get.kind = ClientRequest::Kind::kGet;
  get.tree = kFirstSystemTree;
  EXPECT_TRUE(absl::IsInvalidArgument(Ask(get).status));
  ClientRequest transfer;
  transfer.kind = ClientRequest::Kind::kTransfer;
  transfer.target = 7;  // no such voter
  EXPECT_TRUE(absl::IsInvalidArgument(Ask(transfer).status));
  ASSERT_TRUE(Ask(Write(1, "still", "serving")).status.ok());  // refusals change nothing
}

TEST_F(RequestHandlerTest, AWriteNamingAnotherTermIsRefusedUnproposed) {
  const ClientResponse first = Ask(Write(1, "a", "1"));
  ASSERT_TRUE(first.status.ok()) << first.status;
  ASSERT_GT(first.term, 0u);
  ClientRequest stale = Write(1, "b", "2");
  stale.term = first.term + 1;  // read under another primary term than the current one
  const ClientResponse refused = Ask(std::move(stale));
  EXPECT_TRUE(absl::IsUnavailable(refused.status)) << refused.status;
  EXPECT_NE(refused.status.message().find("term changed"), std::string::npos) << refused.status;
  ClientRequest current = Write(1, "c", "3");
  current.term = first.term;
  const ClientResponse accepted = Ask(std::move(current));
  ASSERT_TRUE(accepted.status.ok()) << accepted.status;
  EXPECT_EQ(accepted.index, first.index + 1);  // the refused write set never reached the log
}

}  // namespace
}  // namespace quanta::replication
