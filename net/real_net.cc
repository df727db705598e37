// RealEnv's streams: TCP and Unix-domain sockets on Asio, completions on the loop.
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/util/strings.h"
#include "net/real_env_internal.h"

namespace quanta {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using unix_stream = asio::local::stream_protocol;

constexpr std::string_view kUnixPrefix = "unix:";

struct HostPort {
  std::string host;
  uint16_t port;
};

absl::StatusOr<HostPort> ParseHostPort(std::string_view address) {
  const size_t colon = address.rfind(':');
  uint32_t port = 0;
  if (colon == std::string_view::npos || !absl::SimpleAtoi(ToAbsl(address.substr(colon + 1)), &port) ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad address '", ToAbsl(address), "': want host:port or unix:/path"));
  }
  std::string host(address.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  return HostPort{host, static_cast<uint16_t>(port)};
}

absl::Status NetError(const boost::system::error_code& ec, std::string_view what) {
  if (ec == asio::error::operation_aborted) return absl::CancelledError(absl::StrCat(ToAbsl(what), ": cancelled"));
  return absl::UnavailableError(absl::StrCat(ToAbsl(what), ": ", ec.message()));
}

template <typename Endpoint>
std::string EndpointText(const Endpoint& ep) {
  if constexpr (std::is_same_v<Endpoint, tcp::endpoint>) {
    const std::string host = ep.address().to_string();
    return ep.address().is_v6() ? absl::StrCat("[", host, "]:", ep.port()) : absl::StrCat(host, ":", ep.port());
  } else {
    return absl::StrCat(ToAbsl(kUnixPrefix), ep.path());
  }
}

template <typename Socket>
std::string PeerText(const Socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? std::string("?") : EndpointText(ep);
}

template <typename Acceptor>
std::string LocalText(const Acceptor& acceptor) {
  boost::system::error_code ec;
  auto ep = acceptor.local_endpoint(ec);
  return ec ? std::string("?") : EndpointText(ep);
}

// The socket lives in shared state so handlers in flight keep it alive after the
// Stream handle is destroyed.
template <typename Socket>
class AsioStream final : public Stream {
 public:
  explicit AsioStream(Socket socket) : state_(std::make_shared<State>(std::move(socket))) {
    state_->peer = PeerText(state_->socket);
  }
  ~AsioStream() override { Close(); }

  void StartRead(size_t max_bytes, Callback<absl::StatusOr<std::string>> done) override {
    auto buffer = std::make_shared<std::string>(max_bytes, '\0');
    state_->socket.async_read_some(
        asio::buffer(buffer->data(), buffer->size()),
        [state = state_, buffer, done = std::move(done)](const boost::system::error_code& ec, size_t n) mutable {
          if (ec == asio::error::eof) {
            done(std::string());
          } else if (ec) {
            done(NetError(ec, "read"));
          } else {
            buffer->resize(n);
            done(std::move(*buffer));
          }
        });
  }
  void StartWrite(std::string data, Callback<absl::Status> done) override {
    auto buffer = std::make_shared<std::string>(std::move(data));
    asio::async_write(state_->socket, asio::buffer(buffer->data(), buffer->size()),
                      [state = state_, buffer, done = std::move(done)](const boost::system::error_code& ec,
                                                                     size_t) mutable {
                        done(ec ? NetError(ec, "write") : absl::OkStatus());
                      });
  }
  void Close() override {
    boost::system::error_code ignored;
    if (state_->socket.is_open()) state_->socket.close(ignored);
  }
  std::string PeerAddress() const override { return state_->peer; }

 private:
  struct State {
    explicit State(Socket s) : socket(std::move(s)) {}
    Socket socket;
    std::string peer;
  };
  std::shared_ptr<State> state_;
};

template <typename Acceptor, typename Socket>
class AsioListener final : public Listener {
 public:
  AsioListener(asio::io_context& io, Acceptor acceptor, std::string unix_path)
      : io_(io), state_(std::make_shared<State>(std::move(acceptor))), unix_path_(std::move(unix_path)) {
    address_ = LocalText(state_->acceptor);
  }
  ~AsioListener() override { Close(); }

  void StartAccept(Callback<absl::StatusOr<std::unique_ptr<Stream>>> done) override {
    auto socket = std::make_shared<Socket>(io_);
    state_->acceptor.async_accept(*socket, [state = state_, socket, done = std::move(done)](
                                               const boost::system::error_code& ec) mutable {
      if (ec) {
        done(NetError(ec, "accept"));
        return;
      }
      if constexpr (std::is_same_v<Socket, tcp::socket>) {
        boost::system::error_code ignored;
        socket->set_option(tcp::no_delay(true), ignored);
      }
      done(std::unique_ptr<Stream>(std::make_unique<AsioStream<Socket>>(std::move(*socket))));
    });
  }
  void Close() override {
    boost::system::error_code ignored;
    if (!state_->acceptor.is_open()) return;
    state_->acceptor.close(ignored);
    if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
  }
  std::string LocalAddress() const override { return address_; }

 private:
  struct State {
    explicit State(Acceptor a) : acceptor(std::move(a)) {}
    Acceptor acceptor;
  };
  asio::io_context& io_;
  std::shared_ptr<State> state_;
  std::string unix_path_;
  std::string address_;
};

absl::Status BindError(const boost::system::error_code& ec, std::string_view address) {
  if (ec == asio::error::address_in_use) {
    return absl::AlreadyExistsError(absl::StrCat("address in use: ", ToAbsl(address)));
  }
  return absl::InvalidArgumentError(absl::StrCat("cannot listen on ", ToAbsl(address), ": ", ec.message()));
}

absl::StatusOr<std::unique_ptr<Listener>> ListenUnix(asio::io_context& io, std::string_view address) {
  const std::string path(address.substr(kUnixPrefix.size()));
  ::unlink(path.c_str());  // a stale socket file from a previous run
  unix_stream::acceptor acceptor(io);
  boost::system::error_code ec;
  acceptor.open(unix_stream(), ec);
  if (!ec) acceptor.bind(unix_stream::endpoint(path), ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return BindError(ec, address);
  return std::unique_ptr<Listener>(
      std::make_unique<AsioListener<unix_stream::acceptor, unix_stream::socket>>(io, std::move(acceptor), path));
}

absl::StatusOr<std::unique_ptr<Listener>> ListenTcp(asio::io_context& io, std::string_view address) {
  auto hp = ParseHostPort(address);
  if (!hp.ok()) return hp.status();
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(hp->host == "localhost" ? "127.0.0.1" : hp->host, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad listen host in '", ToAbsl(address), "'"));
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(ip, hp->port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return BindError(ec, address);
  return std::unique_ptr<Listener>(
      std::make_unique<AsioListener<tcp::acceptor, tcp::socket>>(io, std::move(acceptor), ""));
}

void ConnectUnix(asio::io_context& io, const std::string& address,
                 Callback<absl::StatusOr<std::unique_ptr<Stream>>> done) {
  auto socket = std::make_shared<unix_stream::socket>(io);
  const std::string path = address.substr(kUnixPrefix.size());
  socket->async_connect(unix_stream::endpoint(path), [socket, done = std::move(done)](
                                                         const boost::system::error_code& ec) mutable {
    if (ec) {
      done(NetError(ec, "connect"));
      return;
    }
    done(std::unique_ptr<Stream>(std::make_unique<AsioStream<unix_stream::socket>>(std::move(*socket))));
  });
}

void ConnectTcp(asio::io_context& io, const HostPort& hp,
                Callback<absl::StatusOr<std::unique_ptr<Stream>>> done) {
  auto resolver = std::make_shared<tcp::resolver>(io);
  resolver->async_resolve(
      hp.host, std::to_string(hp.port),
      [&io, resolver, done = std::move(done)](const boost::system::error_code& ec,
                                               tcp::resolver::results_type results) mutable {
        if (ec) {
          done(NetError(ec, "resolve"));
          return;
        }
        auto socket = std::make_shared<tcp::socket>(io);
        asio::async_connect(*socket, results, [socket, done = std::move(done)](
                                                  const boost::system::error_code& ec, const tcp::endpoint&) mutable {
          if (ec) {
            done(NetError(ec, "connect"));
            return;
          }
          boost::system::error_code ignored;
          socket->set_option(tcp::no_delay(true), ignored);
          done(std::unique_ptr<Stream>(std::make_unique<AsioStream<tcp::socket>>(std::move(*socket))));
        });
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Listener>> RealEnv::Listen(std::string_view address) {
  if (address.substr(0, kUnixPrefix.size()) == kUnixPrefix) return ListenUnix(impl_->io, address);
  return ListenTcp(impl_->io, address);
}

void RealEnv::StartConnect(std::string address, Callback<absl::StatusOr<std::unique_ptr<Stream>>> done) {
  if (address.rfind(kUnixPrefix, 0) == 0) {
    ConnectUnix(impl_->io, address, std::move(done));
    return;
  }
  auto hp = ParseHostPort(address);
  if (!hp.ok()) {
    asio::post(impl_->io, [done = std::move(done), status = hp.status()]() mutable { done(status); });
    return;
  }
  ConnectTcp(impl_->io, *hp, std::move(done));
}

}  // namespace quanta
