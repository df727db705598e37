// The internal client protocol's codec: requests and answers round-trip, and a
// malformed message is refused naming the problem.
#include "net/kv/client_protocol.h"

#include <gtest/gtest.h>

namespace quanta::net {
namespace {

TEST(ClientProtocolTest, RequestsAndAnswersRoundTrip) {
  ClientRequest scan;
  scan.id = 9;
  scan.kind = ClientRequest::Kind::kScan;
  scan.tree = 3;
  scan.key = "a";
  scan.end = "m";
  auto decoded = DecodeRequest(EncodeRequest(scan));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->kind, ClientRequest::Kind::kScan);
  EXPECT_EQ(decoded->end, std::optional<std::string>("m"));

  ClientRequest write;
  write.kind = ClientRequest::Kind::kWrite;
  write.writes.Put(3, "k", "v");
  write.term = 7;  // propose only as the leader of term 7
  auto written = DecodeRequest(EncodeRequest(write));
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(written->term, 7u);
  EXPECT_EQ(written->writes.ops.size(), 1u);

  ClientResponse refusal;
  refusal.id = 9;
  refusal.status = absl::FailedPreconditionError("read-only replica");
  refusal.sqlstate = replication::kSqlStateReadOnly;
  refusal.leader = "n1:5432";
  refusal.rows = {{"a", "1"}, {"b", "2"}};
  auto answer = DecodeResponse(EncodeResponse(refusal));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, refusal.status);
  EXPECT_EQ(answer->sqlstate, "25006");
  EXPECT_EQ(answer->rows, refusal.rows);
}

TEST(ClientProtocolTest, MalformedMessagesAreRefused) {
  ClientRequest transfer;
  transfer.kind = ClientRequest::Kind::kTransfer;  // no target
  EXPECT_TRUE(absl::IsDataLoss(DecodeRequest(EncodeRequest(transfer)).status()));
  ClientRequest write;
  write.kind = ClientRequest::Kind::kWrite;  // no operations
  EXPECT_TRUE(absl::IsDataLoss(DecodeRequest(EncodeRequest(write)).status()));
  ClientRequest get;
  get.kind = ClientRequest::Kind::kGet;
  get.term = 3;  // a term only qualifies a write
  EXPECT_TRUE(absl::IsDataLoss(DecodeRequest(EncodeRequest(get)).status()));
  ClientResponse unordered;
  unordered.rows = {{"b", "1"}, {"a", "2"}};
  EXPECT_TRUE(absl::IsDataLoss(DecodeResponse(EncodeResponse(unordered)).status()));
  EXPECT_TRUE(absl::IsDataLoss(DecodeRequest("\xff\xff\xff").status()));
}

}  // namespace
}  // namespace quanta::net
