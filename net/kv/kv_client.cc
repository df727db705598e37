#include "net/kv/kv_client.h"

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"

namespace quanta::net {

namespace {

using StreamOr = absl::StatusOr<std::unique_ptr<Stream>>;

// Env::Connect raced against a timer; a connection that arrives late is closed.
Op<StreamOr> ConnectWithin(Env& env, std::string address, absl::Duration timeout) {
  return Op<StreamOr>([&env, address = std::move(address), timeout](Callback<StreamOr> done) mutable {
    struct Race {
      bool decided = false;
      TimerId timer = 0;
      Callback<StreamOr> done;
    };
    auto race = std::make_shared<Race>();
    race->done = std::move(done);
    race->timer = env.StartTimer(timeout, [race, address, timeout] {
      if (race->decided) return;
      race->decided = true;
      race->done(absl::DeadlineExceededError(absl::StrCat("connect to ", address, " took over ", absl::FormatDuration(timeout))));
    });
    env.StartConnect(address, [race, &env](StreamOr stream) {
      if (race->decided) return;  // too late: the stream closes as it goes out of scope
      race->decided = true;
      env.CancelTimer(race->timer);
      race->done(std::move(stream));
    });
  });
}

}  // namespace

Task<absl::StatusOr<std::unique_ptr<KvClient>>> KvClient::Connect(Env& env, std::string address,
                                                                 absl::Duration timeout) {
  auto stream = co_await ConnectWithin(env, std::move(address), timeout);
  if (!stream.ok()) co_return stream.status();
  co_return std::unique_ptr<KvClient>(new KvClient(env, std::move(*stream)));
}

KvClient::~KvClient() { stream_->Close(); }

Task<absl::StatusOr<ClientResponse>> KvClient::Call(ClientRequest request, absl::Duration timeout) {
  QUANTA_ASSERT(!broken_);
  request.id = next_id_++;
  const uint64_t id = request.id;
  std::string frame;
  AppendFrame(EncodeRequest(request), &frame);
  // On timeout the stream is closed, which completes the pending read or write.
  auto timed_out = std::make_shared<bool>(false);
  Stream* stream = stream_.get();
  const TimerId timer = env_.StartTimer(timeout, [timed_out, stream] {
    *timed_out = true;
    stream->Close();
  });
  absl::StatusOr<ClientResponse> answer = absl::UnavailableError("not sent");
  const absl::Status written = co_await stream_->Write(std::move(frame));
  if (written.ok()) {
    answer = co_await ReadAnswer(id);
  } else {
    answer = written;
  }
  env_.CancelTimer(timer);
  if (answer.ok()) co_return answer;
  broken_ = true;
  stream_->Close();
  if (*timed_out) co_return absl::DeadlineExceededError(absl::StrCat("no answer within ", absl::FormatDuration(timeout)));
  co_return absl::UnavailableError(absl::StrCat("connection lost: ", answer.status().message()));
}

Task<absl::StatusOr<ClientResponse>> KvClient::ReadAnswer(uint64_t id) {
  for (;;) {
    auto frame = reader_.Next();
    if (!frame.ok()) co_return frame.status();
    if (frame->has_value()) {
      auto response = DecodeResponse(**frame);
      if (!response.ok()) co_return response.status();
      if (response->id != id) co_return absl::DataLossError(absl::StrCat("answer to request ", response->id, ", expected ", id));
      co_return response;
    }
    auto bytes = co_await stream_->Read(64u << 10);
    if (!bytes.ok()) co_return bytes.status();
    if (bytes->empty()) co_return absl::UnavailableError("the node closed the connection");
    reader_.Feed(*bytes);
  }
}

}  // namespace quanta::net
