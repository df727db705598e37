// One Env contract, two implementations: every test here runs against RealEnv (real
// files in a temporary directory, real loopback sockets) and against the simulator's
// process Env (with faults off). Behaviour the simulator cannot show (Unix sockets)
// is tested on RealEnv alone; crash semantics, which only the simulator can show, live in
// sim/*_test.cc.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/env/env.h"
#include "engine/env/status.h"
#include "gtest/gtest.h"
#include "net/real_env.h"
#include "sim/testing.h"

namespace quanta {
namespace {

class Harness {
 public:
  virtual ~Harness() = default;
  virtual Env& env() = 0;
  // Runs the loop until `test` finishes.
  virtual void Run(Task<void> test) = 0;
  // An address to listen on with an OS- or simulator-chosen port.
  virtual std::string AnyPortAddress() = 0;
};

class RealHarness : public Harness {
 public:
  RealHarness() {
    char tmpl[] = "/tmp/quanta-env-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    env_ = std::make_unique<RealEnv>(RealEnv::Options{.data_root = dir_, .seed = 1});
  }
  ~RealHarness() override {
    env_.reset();
    std::filesystem::remove_all(dir_);
  }
  Env& env() override { return *env_; }
  void Run(Task<void> test) override { env_->RunUntilComplete(std::move(test)); }
  std::string AnyPortAddress() override { return "127.0.0.1:0"; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::unique_ptr<RealEnv> env_;
};

class SimHarness : public Harness {
 public:
  SimHarness() : node_(12345) {}
  Env& env() override { return node_.env(); }
  void Run(Task<void> test) override { node_.Run(std::move(test)); }
  std::string AnyPortAddress() override { return "node:0"; }

 private:
  sim::TestNode node_;
};

class EnvConformance : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "Real") {
      harness_ = std::make_unique<RealHarness>();
    } else {
      harness_ = std::make_unique<SimHarness>();
    }
  }
  Env& env() { return harness_->env(); }
  void Run(Task<void> test) { harness_->Run(std::move(test)); }
  std::unique_ptr<Harness> harness_;
};

#define CO_ASSERT_OK(expr)                               \
  do {                                                   \
    const absl::Status s_ = (expr);                      \
    EXPECT_TRUE(s_.ok()) << #expr << ": " << s_;         \
    if (!s_.ok()) co_return;                             \
  } while (0)

Task<void> FileRoundTrip(Env& env) {
  auto file = co_await env.Open("data.bin", OpenOptions{.create = true});
  CO_ASSERT_OK(file.status());
  CO_ASSERT_OK(co_await (*file)->Write(0, "hello"));
  CO_ASSERT_OK(co_await (*file)->Write(10, "world"));  // leaves a zero-filled gap
  CO_ASSERT_OK(co_await (*file)->Sync());
  auto size = co_await (*file)->Size();
  CO_ASSERT_OK(size.status());
  EXPECT_EQ(*size, 15u);
  auto data = co_await (*file)->Read(0, 100);
  CO_ASSERT_OK(data.status());
  EXPECT_EQ(*data, std::string("hello\0\0\0\0\0world", 15));
  auto past_end = co_await (*file)->Read(15, 10);
  CO_ASSERT_OK(past_end.status());
  EXPECT_EQ(*past_end, "");
  CO_ASSERT_OK(co_await (*file)->Truncate(3));
  data = co_await (*file)->Read(0, 100);
  EXPECT_EQ(*data, "hel");
  CO_ASSERT_OK(co_await (*file)->Sync(/*data_only=*/true));
}

TEST_P(EnvConformance, FileWriteReadSyncTruncate) { Run(FileRoundTrip(env())); }

Task<void> OpenErrors(Env& env) {
  auto missing = co_await env.Open("missing");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto created = co_await env.Open("x", OpenOptions{.create = true, .exclusive = true});
  CO_ASSERT_OK(created.status());
  auto again = co_await env.Open("x", OpenOptions{.create = true, .exclusive = true});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  auto in_missing_dir = co_await env.Open("nodir/x", OpenOptions{.create = true});
  EXPECT_EQ(in_missing_dir.status().code(), absl::StatusCode::kNotFound);
}

TEST_P(EnvConformance, OpenReportsMissingAndExisting) { Run(OpenErrors(env())); }

Task<void> Namespace(Env& env) {
  CO_ASSERT_OK(co_await env.CreateDir("d/e"));
  CO_ASSERT_OK(co_await env.CreateDir("d/e"));  // exists: fine
  for (const char* name : {"d/b", "d/a", "d/c"}) {
    auto f = co_await env.Open(name, OpenOptions{.create = true});
    CO_ASSERT_OK(f.status());
    CO_ASSERT_OK(co_await (*f)->Write(0, name));
  }
  CO_ASSERT_OK(co_await env.Rename("d/a", "d/c"));  // replaces d/c
  CO_ASSERT_OK(co_await env.Remove("d/b"));
  CO_ASSERT_OK(co_await env.SyncDir("d"));
  auto names = co_await env.List("d");
  CO_ASSERT_OK(names.status());
  EXPECT_EQ(*names, (std::vector<std::string>{"c", "e"}));
  auto c = co_await env.Open("d/c");
  CO_ASSERT_OK(c.status());
  auto data = co_await (*c)->Read(0, 10);
  EXPECT_EQ(*data, "d/a");
  EXPECT_EQ((co_await env.Remove("d/b")).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((co_await env.List("nope")).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(EnvConformance, RenameRemoveListSyncDir) { Run(Namespace(env())); }

Task<void> Timers(Env& env) {
  std::vector<int> fired;
  const absl::Duration start = env.MonotonicNow();
  env.StartTimer(absl::Milliseconds(30), [&fired] { fired.push_back(30); });
  env.StartTimer(absl::Milliseconds(10), [&fired] { fired.push_back(10); });
  const TimerId cancelled = env.StartTimer(absl::Milliseconds(20), [&fired] { fired.push_back(20); });
  EXPECT_TRUE(env.CancelTimer(cancelled));
  EXPECT_FALSE(env.CancelTimer(cancelled));
  CO_ASSERT_OK(co_await env.Sleep(absl::Milliseconds(60)));
  EXPECT_EQ(fired, (std::vector<int>{10, 30}));
  EXPECT_GE(env.MonotonicNow() - start, absl::Milliseconds(59));
}

TEST_P(EnvConformance, TimersFireInOrderAndCancel) { Run(Timers(env())); }

Task<void> EchoServer(std::unique_ptr<Listener>* listener, int* eofs) {
  auto stream = co_await (*listener)->Accept();
  if (!stream.ok()) co_return;
  for (;;) {
    auto data = co_await (*stream)->Read(4096);
    if (!data.ok()) co_return;
    if (data->empty()) {
      ++*eofs;
      co_return;
    }
    if (!(co_await (*stream)->Write(*data)).ok()) co_return;
  }
}

Task<void> Echo(Env& env, std::string address) {
  auto listener = env.Listen(address);
  CO_ASSERT_OK(listener.status());
  int eofs = 0;
  env.Spawn(EchoServer(&*listener, &eofs));
  auto client = co_await env.Connect((*listener)->LocalAddress());
  CO_ASSERT_OK(client.status());
  std::string sent;
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&sent, "line ", i, "\n");
  CO_ASSERT_OK(co_await (*client)->Write(sent));
  std::string echoed;
  while (echoed.size() < sent.size()) {
    auto data = co_await (*client)->Read(1 << 16);
    CO_ASSERT_OK(data.status());
    if (data->empty()) {
      ADD_FAILURE() << "unexpected EOF";
      co_return;
    }
    echoed += *data;
  }
  EXPECT_EQ(echoed, sent);
  (*client)->Close();
  CO_ASSERT_OK(co_await env.Sleep(absl::Milliseconds(50)));
  EXPECT_EQ(eofs, 1) << "the server should read EOF after the client closes";
}

TEST_P(EnvConformance, StreamEchoesInOrderAndEndsWithEof) { Run(Echo(env(), harness_->AnyPortAddress())); }

// Real only: the simulator names hosts, not paths.
TEST(RealEnvTest, UnixDomainStream) {
  RealHarness harness;
  harness.Run(Echo(harness.env(), "unix:" + harness.dir() + "/.s.test"));
}

Task<void> Refused(Env& env, std::string any) {
  auto listener = env.Listen(any);
  CO_ASSERT_OK(listener.status());
  const std::string address = (*listener)->LocalAddress();
  (*listener)->Close();
  auto stream = co_await env.Connect(address);
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kUnavailable) << stream.status();
  auto in_use = env.Listen(any);
  CO_ASSERT_OK(in_use.status());
  EXPECT_EQ(env.Listen((*in_use)->LocalAddress()).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(env.Listen("no-port").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(EnvConformance, ConnectRefusedAndAddressInUse) { Run(Refused(env(), harness_->AnyPortAddress())); }

Task<void> ReadUntilCancelled(Stream* stream, absl::StatusCode* code) {
  auto data = co_await stream->Read(10);
  *code = data.status().code();
}

Task<void> CloseCancels(Env& env, std::string any) {
  auto listener = env.Listen(any);
  CO_ASSERT_OK(listener.status());
  auto client = co_await env.Connect((*listener)->LocalAddress());
  CO_ASSERT_OK(client.status());
  auto server = co_await (*listener)->Accept();
  CO_ASSERT_OK(server.status());
  absl::StatusCode code = absl::StatusCode::kUnknown;
  env.Spawn(ReadUntilCancelled(client->get(), &code));
  CO_ASSERT_OK(co_await env.Sleep(absl::Milliseconds(10)));
  (*client)->Close();
  CO_ASSERT_OK(co_await env.Sleep(absl::Milliseconds(10)));
  EXPECT_EQ(code, absl::StatusCode::kCancelled);
}

TEST_P(EnvConformance, CloseCancelsPendingRead) { Run(CloseCancels(env(), harness_->AnyPortAddress())); }

INSTANTIATE_TEST_SUITE_P(Backends, EnvConformance, testing::Values("Real", "Sim"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace quanta
