#include "sim/sim_network.h"

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"
#include "sim/sim_world.h"

namespace quanta::sim {
namespace {

// A sink process: accepts connections on :9000 and appends what it reads to `received`.
class SinkBody : public ProcessBody {
 public:
  SinkBody(Env& env, std::string* received, bool* eof) : received_(received), eof_(eof) {
    auto listener = env.Listen(":9000");
    QUANTA_ASSERT(listener.ok());
    listener_ = *std::move(listener);
    env.Spawn(Accept());
  }

 private:
  Task<void> Accept() {
    auto stream = co_await listener_->Accept();
    if (!stream.ok()) co_return;
    stream_ = *std::move(stream);
    for (;;) {
      auto data = co_await stream_->Read(1 << 16);
      if (!data.ok()) co_return;
      if (data->empty()) {
        *eof_ = true;
        co_return;
      }
      *received_ += *data;
    }
  }
  std::string* received_;
  bool* eof_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Stream> stream_;
};

// A source process: connects to sink:9000, then writes whatever the test queues.
class SourceBody : public ProcessBody {
 public:
  explicit SourceBody(Env& env) : env_(env) { env.Spawn(Connect()); }
  std::unique_ptr<Stream> stream;
  absl::Status last_write;

  Task<void> Send(std::string data) { last_write = co_await stream->Write(std::move(data)); }

 private:
  Task<void> Connect() {
    auto s = co_await env_.Connect("sink:9000");
    QUANTA_ASSERT(s.ok());
    stream = *std::move(s);
  }
  Env& env_;
};

struct Pair {
  explicit Pair(uint64_t seed) : world(seed) {
    world.AddProcess("sink", [this](Env& env) { return std::make_unique<SinkBody>(env, &received, &eof); });
    world.AddProcess("source", [this](Env& env) {
      auto body = std::make_unique<SourceBody>(env);
      source = body.get();
      return body;
    });
    world.loop().RunUntil(absl::Milliseconds(100));
    QUANTA_ASSERT(source != nullptr && source->stream != nullptr);
  }
  void Send(std::string data) { world.Find("source")->env()->Spawn(source->Send(std::move(data))); }
  SimWorld world;
  std::string received;
  bool eof = false;
  SourceBody* source = nullptr;
};

// Property: nothing crosses a cut link; healing delivers everything, in order.
RC_GTEST_PROP(SimNetworkProperty, PartitionBlocksAndHealRestores, (uint64_t seed)) {
  Pair pair(seed);
  const uint32_t source = pair.world.Find("source")->id();
  const uint32_t sink = pair.world.Find("sink")->id();
  std::string expected;
  const int writes = *rc::gen::inRange(1, 10);
  pair.world.network().Cut(source, sink);
  for (int i = 0; i < writes; ++i) {
    std::string data = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(1, 5000),
                                                        rc::gen::character<char>());
    expected += data;
    pair.Send(std::move(data));
    pair.world.loop().RunUntil(pair.world.Now() + absl::Milliseconds(50));
  }
  pair.world.loop().RunUntil(pair.world.Now() + absl::Milliseconds(500));  // < reset timeout
  RC_ASSERT(pair.received.empty());
  pair.world.network().HealAll();
  pair.world.loop().RunUntil(pair.world.Now() + absl::Seconds(1));
  RC_ASSERT(pair.received == expected);
}

TEST(SimNetworkTest, LongPartitionResetsTheConnection) {
  Pair pair(9);
  pair.world.network().Cut(pair.world.Find("source")->id(), pair.world.Find("sink")->id());
  pair.Send("lost");
  pair.world.loop().RunUntil(pair.world.Now() + absl::Seconds(30));
  pair.Send("after reset");
  pair.world.loop().RunUntil(pair.world.Now() + absl::Seconds(1));
  EXPECT_EQ(pair.source->last_write.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(pair.received.empty());
}

TEST(SimNetworkTest, CloseDeliversEofAfterData) {
  Pair pair(10);
  pair.Send("bye");
  pair.world.loop().RunUntil(pair.world.Now() + absl::Milliseconds(100));
  pair.source->stream->Close();
  pair.world.loop().RunUntil(pair.world.Now() + absl::Milliseconds(100));
  EXPECT_EQ(pair.received, "bye");
  EXPECT_TRUE(pair.eof);
}

TEST(SimNetworkTest, CrashResetsPeers) {
  Pair pair(11);
  pair.world.Crash(*pair.world.Find("sink"));
  pair.world.loop().RunUntil(pair.world.Now() + absl::Milliseconds(100));
  pair.Send("x");
  pair.world.loop().RunUntil(pair.world.Now() + absl::Milliseconds(100));
  EXPECT_EQ(pair.source->last_write.code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace quanta::sim
