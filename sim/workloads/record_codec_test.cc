#include "sim/workloads/record_codec.h"

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace quanta::sim {
namespace {

RC_GTEST_PROP(RecordCodecProperty, RoundTrips, (uint64_t seq, uint64_t synced, const std::string& payload)) {
  RC_PRE(payload.size() <= kMaxRecordPayload);
  const std::string bytes = EncodeRecord(Record{seq, synced, payload});
  RC_ASSERT(bytes.size() % kRecordAlignBytes == 0);
  DecodedRecord d = DecodeRecord(bytes);
  RC_ASSERT(d.status == DecodeStatus::kOk);
  RC_ASSERT(d.record.seq == seq);
  RC_ASSERT(d.record.synced_before == synced);
  RC_ASSERT(d.record.payload == payload);
  RC_ASSERT(d.size == bytes.size());
}

// Property: a decoder never accepts a record with any single bit flipped.
RC_GTEST_PROP(RecordCodecProperty, RejectsEveryBitFlip, (uint64_t seq, const std::string& payload)) {
  RC_PRE(payload.size() <= 2000);
  std::string bytes = EncodeRecord(Record{seq, 0, payload});
  const size_t used = kRecordHeaderBytes + payload.size();
  const size_t bit = *rc::gen::inRange<size_t>(0, used * 8);
  bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
  RC_ASSERT(DecodeRecord(bytes).status != DecodeStatus::kOk);
}

TEST(RecordCodecTest, TruncatedIsNeedMoreAndZerosAreCorrupt) {
  const std::string bytes = EncodeRecord(Record{1, 0, "payload"});
  EXPECT_EQ(DecodeRecord(bytes.substr(0, 10)).status, DecodeStatus::kNeedMore);
  EXPECT_EQ(DecodeRecord(std::string(512, '\0')).status, DecodeStatus::kCorrupt);
}

RC_GTEST_PROP(FrameCodecProperty, RoundTripsAcrossConcatenation, (const std::string& a, const std::string& b)) {
  RC_PRE(a.size() <= kMaxFramePayload && b.size() <= kMaxFramePayload);
  const std::string stream = EncodeFrame(a) + EncodeFrame(b);
  DecodedFrame first = DecodeFrame(stream);
  RC_ASSERT(first.status == DecodeStatus::kOk);
  RC_ASSERT(first.payload == a);
  DecodedFrame second = DecodeFrame(std::string_view(stream).substr(first.size));
  RC_ASSERT(second.status == DecodeStatus::kOk);
  RC_ASSERT(second.payload == b);
  const std::string last = EncodeFrame(b);
  RC_ASSERT(DecodeFrame(std::string_view(last).substr(0, last.size() - 1)).status == DecodeStatus::kNeedMore);
}

}  // namespace
}  // namespace quanta::sim
