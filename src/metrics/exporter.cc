#include "metrics/exporter.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "base/secret.h"
#include "metrics/registry.h"

namespace sealpost::metrics {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxConnections = 16;
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::chrono::seconds kExchangeTimeout{10};

}  // namespace

struct Exporter::Impl {
  Impl(ExporterOptions o, Registry& r) : options(std::move(o)), registry(r), acceptor(io) {}

  asio::awaitable<void> Listen();
  asio::awaitable<void> Exchange(tcp::socket socket);
  bhttp::response<bhttp::string_body> Answer(const bhttp::request<bhttp::empty_body>& req);

  ExporterOptions options;
  Registry& registry;
  // Event-loop thread only. Declared before the io_context: exchanges still pending when
  // it is destroyed give their count back into it.
  std::size_t connections = 0;
  asio::io_context io{1};
  tcp::acceptor acceptor;
  std::thread thread;
};

asio::awaitable<void> Exporter::Impl::Listen() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec || connections >= kMaxConnections) continue;  // the socket closes
    asio::co_spawn(io, Exchange(std::move(socket)), asio::detached);
  }
}

bhttp::response<bhttp::string_body> Exporter::Impl::Answer(
    const bhttp::request<bhttp::empty_body>& req) {
  auto answer = [&req](bhttp::status status, std::string body) {
    bhttp::response<bhttp::string_body> res{status, req.version()};
    res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    res.body() = std::move(body);
    return res;
  };
  if (req.target() != "/metrics") return answer(bhttp::status::not_found, "not found\n");
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    auto res = answer(bhttp::status::method_not_allowed, "GET only\n");
    res.set(bhttp::field::allow, "GET, HEAD");
    return res;
  }
  if (!options.bearer_token.empty()) {
    const std::string expected = "Bearer " + options.bearer_token;
    auto given = req[bhttp::field::authorization];
    if (!ConstantTimeEqual(std::string_view(given.data(), given.size()), expected)) {
      auto res = answer(bhttp::status::unauthorized, "a bearer token is required\n");
      res.set(bhttp::field::www_authenticate, "Bearer realm=\"sealpost metrics\"");
      return res;
    }
  }
  auto res = answer(bhttp::status::ok, registry.Render());
  res.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  return res;
}

asio::awaitable<void> Exporter::Impl::Exchange(tcp::socket socket) {
  ++connections;
  struct Release {
    std::size_t& n;
    ~Release() { --n; }
  } release{connections};
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(kExchangeTimeout);
  beast::flat_buffer buffer(kHeaderLimit);
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(0);
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
  if (rec) co_return;
  auto res = Answer(parser.get());
  res.keep_alive(false);
  res.prepare_payload();
  if (parser.get().method() == bhttp::verb::head) res.body().clear();
  co_await bhttp::async_write(stream, res, kTuple);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

Exporter::Exporter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Exporter::~Exporter() {
  asio::post(impl_->io, [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    impl->io.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<Exporter>> Exporter::Start(ExporterOptions options, Registry& registry) {
  auto impl = std::make_unique<Impl>(std::move(options), registry);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl->options.address, ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid metrics listen address " + impl->options.address);
  }
  tcp::endpoint endpoint(address, impl->options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, "cannot listen for metrics on " + impl->options.address +
                                         ":" + std::to_string(impl->options.port) + ": " +
                                         ec.message());
  }
  asio::co_spawn(impl->io, impl->Listen(), asio::detached);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<Exporter>(new Exporter(std::move(impl)));
}

std::uint16_t Exporter::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace sealpost::metrics
