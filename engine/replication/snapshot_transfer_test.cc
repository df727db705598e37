// Snapshot streaming over the simulator's network (one process talking to itself):
// a whole stream builds a store equal to the source; a stream cut anywhere before its
// trailer is refused and never gets its data file (so it never opens as a store).
#include "engine/replication/snapshot_transfer.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "engine/storage/snapshot.h"
#include "engine/storage/store.h"
#include "sim/testing.h"

namespace quanta::replication {
namespace {

using Rows = std::map<std::pair<storage::TreeId, std::string>, std::string>;

// Passes writes through until `budget` bytes went out, then closes: a primary that
// died mid-stream.
class CuttingStream : public Stream {
 public:
  CuttingStream(std::shared_ptr<Stream> inner, size_t budget, size_t* bytes)
      : inner_(std::move(inner)), budget_(budget), bytes_(bytes) {}
  void StartRead(size_t max_bytes, Callback<absl::StatusOr<std::string>> done) override {
    inner_->StartRead(max_bytes, std::move(done));
  }
  void StartWrite(std::string data, Callback<absl::Status> done) override {
    if (bytes_ != nullptr) *bytes_ += std::min(data.size(), budget_);
    if (data.size() >= budget_) {
      data.resize(budget_);
      budget_ = 0;
      inner_->StartWrite(std::move(data), [inner = inner_, done = std::move(done)](absl::Status) mutable {
        inner->Close();
        done(absl::UnavailableError("connection reset"));
      });
      return;
    }
    budget_ -= data.size();
    inner_->StartWrite(std::move(data), std::move(done));
  }
  void Close() override { inner_->Close(); }
  std::string PeerAddress() const override { return inner_->PeerAddress(); }

 private:
  std::shared_ptr<Stream> inner_;
  size_t budget_;
  size_t* bytes_;  // counts what went out
};

struct Outcome {
  absl::Status sent;
  absl::StatusOr<raft::Message> received = absl::UnknownError("not run");
  bool receiver_done = false;
  size_t bytes = 0;        // sent on the wire
  bool has_pages = false;  // the build put its data file in place
  Rows rows;               // of the built store, if it did
};

Task<Rows> ReadAll(storage::Store& store) {
  Rows rows;
  for (storage::TreeId tree : store.trees()) {
    auto scanned = co_await store.Scan(tree, storage::ScanRange());
    EXPECT_TRUE(scanned.ok());
    for (const storage::KeyValue& kv : *scanned) rows[{tree, kv.key}] = kv.value;
  }
  co_return rows;
}

Task<void> Receive(Env& env, Listener& listener, Outcome* out) {
  auto accepted = co_await listener.Accept();
  QUANTA_ASSERT(accepted.ok());
  std::shared_ptr<Stream> stream = std::move(*accepted);
  FrameReader reader(kMaxSnapshotFrameBytes);
  for (;;) {  // the hello
    auto frame = reader.Next();
    QUANTA_ASSERT(frame.ok());
    if (frame->has_value()) {
      EXPECT_EQ(**frame, kSnapshotHello);
      break;
    }
    auto bytes = co_await stream->Read(4096);
    if (!bytes.ok() || bytes->empty()) {  // cut inside the hello: the transport drops it
      out->received = absl::DataLossError("the stream ended inside its hello");
      out->receiver_done = true;
      co_return;
    }
    reader.Feed(*bytes);
  }
  out->received = co_await ReceiveSnapshot(env, stream, reader, "copy");
  out->receiver_done = true;
}

// Builds a source store (a checkpoint plus WAL after it), streams it to itself, cut
// after `budget` bytes, and opens what was built.
Task<void> Transfer(Env& env, size_t budget, Rows* source, Outcome* out) {
  storage::StoreOptions options;
  options.dir = "source";
  auto store = co_await storage::Store::Open(env, options);
  QUANTA_ASSERT(store.ok());
  for (int i = 0; i < 300; ++i) {
    storage::WriteSet ws;
    ws.Put(1 + i % 3, absl::StrCat("key", i), std::string(200 + i, 'a' + i % 26));
    QUANTA_ASSERT((co_await (*store)->Commit(std::move(ws))).ok());
    if (i == 200) QUANTA_ASSERT((co_await (*store)->Checkpoint()).ok());
  }
  *source = co_await ReadAll(**store);
  std::unique_ptr<storage::StoreSnapshot> snapshot = (*store)->TakeSnapshot();
  auto listener = env.Listen(":6432");
  QUANTA_ASSERT(listener.ok());
  Outcome* result = out;
  env.Spawn(Receive(env, **listener, result));
  auto connected = co_await env.Connect("node:6432");
  QUANTA_ASSERT(connected.ok());
  auto stream = std::make_shared<CuttingStream>(std::shared_ptr<Stream>(std::move(*connected)), budget, &out->bytes);
  raft::Message message;
  message.type = raft::MessageType::kSnapshot;
  message.from = 1;
  message.to = 2;
  message.term = 3;
  message.snapshot.index = 300;
  message.snapshot.term = 3;
  message.snapshot.voters = {1, 2, 3};
  out->sent = co_await SendSnapshot(env, stream, *snapshot, message, 16u << 10);
  while (!out->receiver_done) co_await env.Sleep(absl::Milliseconds(10));
  snapshot.reset();
  out->has_pages = (co_await env.Open(absl::StrCat("copy/", storage::kPagesFile))).ok();
  if (!out->has_pages) co_return;
  storage::StoreOptions copy_options;
  copy_options.dir = "copy";
  auto copy = co_await storage::Store::Open(env, copy_options);
  QUANTA_ASSERT(copy.ok());
  out->rows = co_await ReadAll(**copy);
}

TEST(SnapshotTransferTest, AWholeStreamBuildsTheSameStore) {
  sim::TestNode node(11);
  Rows source;
  Outcome out;
  node.Run(Transfer(node.env(), SIZE_MAX, &source, &out));
  ASSERT_TRUE(out.sent.ok()) << out.sent;
  ASSERT_TRUE(out.received.ok()) << out.received.status();
  EXPECT_EQ(out.received->snapshot.index, 300u);
  EXPECT_EQ(out.received->from, 1u);
  ASSERT_TRUE(out.has_pages);
  EXPECT_EQ(out.rows.size(), 300u);
  EXPECT_EQ(out.rows, source);
}

TEST(SnapshotTransferTest, AStreamCutShortIsRefusedWhereverItIsCut) {
  size_t total = 0;
  {
    sim::TestNode node(12);
    Rows source;
    Outcome whole;
    node.Run(Transfer(node.env(), SIZE_MAX, &source, &whole));
    ASSERT_TRUE(whole.received.ok());
    total = whole.bytes;
  }
  ASSERT_GT(total, 10000u);
  for (size_t budget : {size_t{10}, size_t{200}, total / 4, total / 2, total - 100, total - 1}) {
    sim::TestNode node(12);
    Rows source;
    Outcome out;
    node.Run(Transfer(node.env(), budget, &source, &out));
    EXPECT_FALSE(out.sent.ok()) << "cut after " << budget;
    EXPECT_FALSE(out.received.ok()) << "cut after " << budget;
    EXPECT_TRUE(absl::IsDataLoss(out.received.status())) << out.received.status();
    EXPECT_FALSE(out.has_pages) << "a partial build must never look like a store (cut after " << budget << ")";
  }
}

}  // namespace
}  // namespace quanta::replication
