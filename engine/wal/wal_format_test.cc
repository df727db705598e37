#include "engine/wal/wal_format.h"

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace quanta::wal {
namespace {

WalRecord MakeRecord(Lsn lsn, std::string payload) {
  WalRecord r;
  r.lsn = lsn;
  r.term = 7;
  r.durable_lsn = lsn > 0 ? lsn - 1 : 0;
  r.type = RecordType::kWriteSet;
  r.payload = std::move(payload);
  return r;
}

RC_GTEST_PROP(WalFormatProperty, RecordRoundTrips, (uint64_t lsn, uint64_t term, const std::string& payload)) {
  RC_PRE(lsn > 0);
  WalRecord r = MakeRecord(lsn, payload);
  r.term = term;
  std::string bytes;
  EncodeRecord(r, &bytes);
  DecodedRecord d = DecodeRecord(bytes);
  RC_ASSERT(d.status == DecodeStatus::kOk);
  RC_ASSERT(d.size == bytes.size());
  RC_ASSERT(d.record.lsn == r.lsn);
  RC_ASSERT(d.record.term == r.term);
  RC_ASSERT(d.record.durable_lsn == r.durable_lsn);
  RC_ASSERT(d.record.type == r.type);
  RC_ASSERT(d.record.payload == r.payload);
}

// Property: the decoder never accepts a record with a flipped bit anywhere.
RC_GTEST_PROP(WalFormatProperty, RejectsAnyBitFlip, (const std::string& payload)) {
  std::string bytes;
  EncodeRecord(MakeRecord(5, payload), &bytes);
  const size_t bit = *rc::gen::inRange<size_t>(0, bytes.size() * 8);
  bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
  RC_ASSERT(DecodeRecord(bytes).status != DecodeStatus::kOk);
}

RC_GTEST_PROP(WalFormatProperty, TruncationIsNeedMore, (const std::string& payload)) {
  std::string bytes;
  EncodeRecord(MakeRecord(9, payload), &bytes);
  const size_t keep = *rc::gen::inRange<size_t>(0, bytes.size());
  RC_ASSERT(DecodeRecord(std::string_view(bytes).substr(0, keep)).status == DecodeStatus::kNeedMore);
}

RC_GTEST_PROP(WalFormatProperty, PaddingEndsOnASectorBoundary, (uint16_t base, const std::string& payload)) {
  std::string bytes;
  EncodeRecord(MakeRecord(3, payload), &bytes);
  PadToSector(&bytes, base);
  RC_ASSERT((base + bytes.size()) % kSectorBytes == 0);
  // The padding decodes as a padding record.
  DecodedRecord first = DecodeRecord(bytes);
  RC_ASSERT(first.status == DecodeStatus::kOk);
  if (first.size < bytes.size()) {
    DecodedRecord pad = DecodeRecord(std::string_view(bytes).substr(first.size));
    RC_ASSERT(pad.status == DecodeStatus::kOk);
    RC_ASSERT(pad.record.type == RecordType::kPadding);
    RC_ASSERT(first.size + pad.size == bytes.size());
  }
}

TEST(WalFormatTest, ZerosAreCorruptNotRecords) {
  EXPECT_EQ(DecodeRecord(std::string(kSectorBytes, '\0')).status, DecodeStatus::kCorrupt);
}

TEST(WalFormatTest, SegmentHeaderRoundTripsAndDetectsDamage) {
  std::string header = EncodeSegmentHeader(12345);
  ASSERT_EQ(header.size(), kSegmentHeaderBytes);
  auto lsn = DecodeSegmentHeader(header);
  ASSERT_TRUE(lsn.ok()) << lsn.status();
  EXPECT_EQ(*lsn, 12345u);
  header[20] ^= 1;
  EXPECT_EQ(DecodeSegmentHeader(header).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeSegmentHeader("short").status().code(), absl::StatusCode::kDataLoss);
}

TEST(WalFormatTest, SegmentNamesSortInLsnOrder) {
  EXPECT_EQ(SegmentFileName(1), "0000000000000001.wal");
  EXPECT_EQ(SegmentFileName(0xabc), "0000000000000abc.wal");
  EXPECT_EQ(ParseSegmentFileName("0000000000000abc.wal"), 0xabcu);
  EXPECT_EQ(ParseSegmentFileName("0000000000000ABC.wal"), std::nullopt);
  EXPECT_EQ(ParseSegmentFileName("x.wal"), std::nullopt);
  EXPECT_LT(SegmentFileName(0xff), SegmentFileName(0x100));
}

}  // namespace
}  // namespace quanta::wal
