#include "engine/storage/node.h"

#include <cstring>
#include <set>

#include "engine/storage/meta.h"
#include "engine/storage/write_set.h"
#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace quanta::storage {
namespace {

Node RandomLeaf() {
  Node node;
  std::set<std::string> keys;
  const int n = *rc::gen::inRange(0, 20);
  for (int i = 0; i < n; ++i) keys.insert(*rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 40), rc::gen::arbitrary<char>()));
  for (const std::string& k : keys) {
    Cell c;
    c.key = k;
    c.value = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 200), rc::gen::arbitrary<char>());
    node.cells.push_back(c);
  }
  return node;
}

RC_GTEST_PROP(NodeProperty, LeafRoundTripsAndSearches, ()) {
  Node node = RandomLeaf();
  RC_PRE(Fits(node));
  PageBuffer page;
  EncodeNode(node, 42, 7, page.data());
  SealPage(page.data());
  RC_ASSERT(VerifyPage(page.data(), 42).ok());
  auto decoded = DecodeNode(page.data());
  RC_ASSERT(decoded.ok());
  RC_ASSERT(decoded->cells.size() == node.cells.size());
  NodeView view(page.data());
  for (size_t i = 0; i < node.cells.size(); ++i) {
    RC_ASSERT(decoded->cells[i].key == node.cells[i].key);
    RC_ASSERT(decoded->cells[i].value == node.cells[i].value);
    RC_ASSERT(view.LowerBound(node.cells[i].key) == i);
  }
}

RC_GTEST_PROP(NodeProperty, InteriorChildForRoutesByKey, ()) {
  Node node;
  node.leaf = false;
  node.right_child = PageRef{1000, 0xabcd};
  const int n = *rc::gen::inRange(1, 30);
  for (int i = 0; i < n; ++i) {
    node.cells.push_back(Cell{std::string(1, static_cast<char>('a' + 2 * (i % 12))) + std::to_string(i / 12), "", false,
                              PageRef{static_cast<PageId>(10 + i), static_cast<uint32_t>(7 * i + 1)}});
  }
  std::sort(node.cells.begin(), node.cells.end(), [](const Cell& a, const Cell& b) { return a.key < b.key; });
  PageBuffer page;
  EncodeNode(node, 5, 0, page.data());
  RC_ASSERT(ValidateNode(page.data()).ok());
  NodeView view(page.data());
  const std::string probe = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 3), rc::gen::inRange('a', 'z'));
  const PageRef child = view.ChildFor(probe);
  // The chosen child (and the version it names) is the first cell whose key is greater
  // than the probe.
  PageRef expected = node.right_child;
  for (const Cell& c : node.cells) {
    if (probe < c.key) {
      expected = c.child;
      break;
    }
  }
  RC_ASSERT(child == expected);
}

// Property: whatever bytes a damaged page holds, validation never reads outside it and
// a node it accepts decodes.
RC_GTEST_PROP(NodeProperty, ValidationSurvivesGarbage, ()) {
  PageBuffer page;
  EncodeNode(RandomLeaf(), 9, 0, page.data());
  const int flips = *rc::gen::inRange(1, 20);
  for (int i = 0; i < flips; ++i) page[*rc::gen::inRange<size_t>(0, kPageBytes)] = *rc::gen::arbitrary<char>();
  if (ValidateNode(page.data()).ok()) RC_ASSERT(DecodeNode(page.data()).ok());
}

TEST(PageTest, ChecksumCatchesDamageAndMisdirection) {
  PageBuffer page;
  EncodeNode(Node{}, 3, 0, page.data());
  SealPage(page.data());
  EXPECT_TRUE(VerifyPage(page.data(), 3).ok());
  EXPECT_EQ(VerifyPage(page.data(), 4).code(), absl::StatusCode::kDataLoss);
  page[500] ^= 1;
  EXPECT_EQ(VerifyPage(page.data(), 3).code(), absl::StatusCode::kDataLoss);
  PageBuffer zeros{};
  EXPECT_NE(VerifyPage(zeros.data(), 3).message().find("never written"), std::string::npos);
}

TEST(PageTest, AReferenceCatchesAnIntactPageOfAnotherVersion) {
  PageBuffer old_version;
  EncodeNode(Node{}, 3, 1, old_version.data());
  const PageRef old_ref = SealPage(old_version.data());
  PageBuffer page;
  Node node;
  node.cells.push_back(Cell{"k", "v", false, PageRef()});
  EncodeNode(node, 3, 2, page.data());
  const PageRef ref = SealPage(page.data());
  EXPECT_EQ(ref.id, 3u);
  EXPECT_NE(ref.checksum, old_ref.checksum);
  EXPECT_TRUE(IsSealed(page.data()));
  EXPECT_TRUE(VerifyPageRef(page.data(), ref).ok());
  // The write of the new version was lost: the old one is intact, and still refused.
  EXPECT_TRUE(VerifyPage(old_version.data(), 3).ok());
  const absl::Status stale = VerifyPageRef(old_version.data(), ref);
  EXPECT_EQ(stale.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(stale.message().find("lost or misdirected write"), std::string::npos) << stale;
  page[100] ^= 1;
  EXPECT_FALSE(IsSealed(page.data()));
}

TEST(NodeTest, SetChildAtRepointsAChildAndTheVersionItNames) {
  Node node;
  node.leaf = false;
  node.right_child = PageRef{9, 90};
  node.cells.push_back(Cell{"m", "", false, PageRef{8, 80}});
  PageBuffer page;
  EncodeNode(node, 4, 0, page.data());
  SetChildAt(page.data(), 0, PageRef{18, 180});
  SetChildAt(page.data(), 1, PageRef{19, 190});
  SealPage(page.data());
  auto decoded = DecodeNode(page.data());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->cells[0].child, (PageRef{18, 180}));
  EXPECT_EQ(decoded->right_child, (PageRef{19, 190}));
}

TEST(MetaTest, RoundTripsAndRejectsTampering) {
  Meta meta;
  meta.seq = 9;
  meta.checkpoint_lsn = 1234;
  meta.next_page = 500;
  meta.freelist_first = 400;
  meta.freelist_pages = 1;
  meta.freelist_entries = 10;
  meta.freelist_checksum = 0x1234;
  meta.roots[1] = PageRef{17, 0xdeadbeef};
  meta.roots[99] = PageRef{23, 5};
  PageBuffer page;
  EncodeMeta(meta, 1, page.data());
  auto decoded = DecodeMeta(page.data(), 1);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->seq, 9u);
  EXPECT_EQ(decoded->roots, meta.roots);
  EXPECT_EQ(decoded->freelist_checksum, 0x1234u);
  EXPECT_EQ(DecodeMeta(page.data(), 0).status().code(), absl::StatusCode::kDataLoss);
  page[200] ^= 1;
  EXPECT_EQ(DecodeMeta(page.data(), 1).status().code(), absl::StatusCode::kDataLoss);
}

RC_GTEST_PROP(WriteSetProperty, RoundTrips, (const std::vector<std::string>& keys)) {
  WriteSet ws;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i % 3 == 2) {
      ws.Delete(i, keys[i]);
    } else {
      ws.Put(i, keys[i], keys[i] + "!");
    }
  }
  auto decoded = DecodeWriteSet(EncodeWriteSet(ws));
  RC_ASSERT(decoded.ok());
  RC_ASSERT(decoded->ops == ws.ops);
}

RC_GTEST_PROP(WriteSetProperty, TruncationIsRejected, (const std::string& key)) {
  WriteSet ws;
  ws.Put(1, key, "value");
  const std::string bytes = EncodeWriteSet(ws);
  const size_t keep = *rc::gen::inRange<size_t>(0, bytes.size());
  RC_ASSERT(DecodeWriteSet(std::string_view(bytes).substr(0, keep)).status().code() == absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace quanta::storage
