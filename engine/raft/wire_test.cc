// Raft messages through the wire codec: every type round-trips (large batches
// compressed), and what a faulty peer could send is refused with a reason.
#include "engine/raft/wire.h"

#include "engine/raft/conf_change.h"
#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace quanta::raft {
namespace {

bool SameMessage(const Message& a, const Message& b) {
  return a.type == b.type && a.from == b.from && a.to == b.to && a.term == b.term && a.index == b.index &&
         a.log_term == b.log_term && a.entries == b.entries && a.commit == b.commit && a.reject == b.reject &&
         a.hint == b.hint && a.transfer == b.transfer && a.snapshot.index == b.snapshot.index &&
         a.snapshot.term == b.snapshot.term && a.snapshot.voters == b.snapshot.voters &&
         a.snapshot.learners == b.snapshot.learners;
}

Message Append(size_t entries, size_t bytes_each) {
  Message m;
  m.type = MessageType::kAppend;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  m.index = 10;
  m.log_term = 2;
  m.commit = 9;
  for (size_t i = 0; i < entries; ++i) m.entries.emplace_back(3, 11 + i, std::string(bytes_each, 'a' + i % 26));
  return m;
}

RC_GTEST_PROP(WireProperty, EveryMessageRoundTrips, ()) {
  Message m;
  m.type = static_cast<MessageType>(*rc::gen::inRange<int>(0, static_cast<int>(MessageType::kSnapshot) + 1));
  m.from = *rc::gen::inRange<NodeId>(1, 9);
  m.to = *rc::gen::inRange<NodeId>(1, 9);
  m.term = *rc::gen::inRange<Term>(1, 1000);
  m.log_term = *rc::gen::inRange<Term>(0, m.term + 1);
  m.index = *rc::gen::inRange<Index>(0, 1u << 20);
  m.commit = *rc::gen::arbitrary<uint32_t>();
  m.reject = *rc::gen::arbitrary<bool>();
  m.hint = *rc::gen::arbitrary<uint32_t>();
  m.transfer = *rc::gen::arbitrary<bool>();
  if (m.type == MessageType::kAppend) {
    const size_t n = *rc::gen::inRange<size_t>(0, 20);
    Term t = m.log_term;
    for (size_t i = 0; i < n; ++i) {
      t = *rc::gen::inRange<Term>(t, m.term + 1);
      const bool conf = *rc::gen::arbitrary<bool>();
      m.entries.emplace_back(t, m.index + 1 + i, *rc::gen::container<std::string>(*rc::gen::inRange(0, 2000), rc::gen::arbitrary<char>()),
                             conf ? EntryType::kConfChange : EntryType::kNormal);
    }
  }
  if (m.type == MessageType::kSnapshot) {
    m.snapshot.index = *rc::gen::inRange<Index>(1, 1000);
    m.snapshot.term = *rc::gen::inRange<Term>(0, 100);
    m.snapshot.voters = {1, 2, 3};
    m.snapshot.learners = *rc::gen::element(std::vector<NodeId>{}, std::vector<NodeId>{4});
  }
  auto back = DecodeMessage(EncodeMessage(m));
  RC_ASSERT(back.ok());
  RC_ASSERT(SameMessage(*back, m));
}

TEST(WireTest, LargeBatchesAreCompressed) {
  const Message small = Append(2, 100);
  const Message large = Append(64, 1000);
  EXPECT_GT(EncodeMessage(small).size(), 200u);
  const std::string packed = EncodeMessage(large);
  EXPECT_LT(packed.size(), 64u * 1000 / 10) << "repetitive entries compress";
  auto back = DecodeMessage(packed);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(SameMessage(*back, large));
}

TEST(WireTest, RefusesWhatAFaultyPeerCouldSend) {
  auto refused = [](const Message& m) {
    auto decoded = DecodeMessage(EncodeMessage(m));
    EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << DescribeMessage(m);
    return std::string(decoded.status().message());
  };
  Message m = Append(3, 10);
  m.entries[1].index = 99;
  EXPECT_NE(refused(m).find("out of sequence"), std::string::npos);
  m = Append(3, 10);
  m.entries[2].term = 1;  // goes back in term
  EXPECT_NE(refused(m).find("has term"), std::string::npos);
  m = Append(1, 10);
  m.entries[0].term = 7;  // after the message's own term
  refused(m);
  m = Append(1, 10);
  m.from = 0;
  EXPECT_NE(refused(m).find("node 0"), std::string::npos);
  m = Append(2, 10);
  m.type = MessageType::kHeartbeat;
  EXPECT_NE(refused(m).find("carries entries"), std::string::npos);
  m = Message();
  m.type = MessageType::kSnapshot;
  m.from = 1;
  m.to = 2;
  m.term = 1;
  EXPECT_NE(refused(m).find("snapshot without"), std::string::npos);

  const std::string good = EncodeMessage(Append(64, 1000));
  for (size_t cut : {size_t{1}, good.size() / 2, good.size() - 1}) {
    EXPECT_FALSE(DecodeMessage(good.substr(0, cut)).ok()) << cut;
  }
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x55;  // inside the compressed batch
  auto damaged = DecodeMessage(flipped);
  if (damaged.ok()) {
    EXPECT_FALSE(SameMessage(*damaged, Append(64, 1000)));  // never silently equal
  }
  EXPECT_FALSE(DecodeMessage(std::string(10, '\xff')).ok());
}

// A tiny compressed batch claiming to inflate to 60 MiB is refused before anything
// is allocated for it.
TEST(WireTest, RefusesAnImplausibleInflationClaim) {
  const Message large = Append(64, 1000);
  auto decoded = DecodeMessage(EncodeMessage(large));
  ASSERT_TRUE(decoded.ok());
  // Re-encode by hand with a lying size: 10 (entries_raw_bytes) as a varint field.
  std::string bytes = EncodeMessage(large);
  std::string lie;
  lie.push_back(static_cast<char>((9 << 3) | 0));  // field 9, varint: appended fields win in proto3
  uint64_t v = 60u << 20;
  while (v >= 0x80) {
    lie.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  lie.push_back(static_cast<char>(v));
  auto refused = DecodeMessage(bytes + lie);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("claims"), std::string::npos) << refused.status();
}

}  // namespace
}  // namespace quanta::raft
