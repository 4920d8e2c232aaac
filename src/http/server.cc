#include "http/server.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "base/client_key.h"
#include "base/text.h"
#include "base/log_id.h"
#include "metrics/registry.h"
#include "net/tls.h"

namespace sealpost::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// How long a refused request's connection stays open for its answer to be read.
constexpr std::chrono::seconds kLinger{2};

const char* const kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

namespace {

const Header kSecurityHeaders[] = {
    {"Strict-Transport-Security", "max-age=63072000; includeSubDomains"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"},
};

// Runs `work` on whatever executor the coroutine is spawned on. A plain function
// taking a pointer, not a capturing coroutine lambda: g++ 12 destroys such captures
// twice.
asio::awaitable<void> RunWork(const std::function<void()>* work) {
  (*work)();
  co_return;
}

// The sooner of an idle limit from now and the request's deadline.
std::chrono::steady_clock::time_point Expiry(std::chrono::seconds idle,
                                             std::chrono::steady_clock::time_point deadline) {
  return std::min(std::chrono::steady_clock::now() + idle, deadline);
}

class StreamBody final : public BodyStream {
 public:
  // Each read waits at most `timeout`; the whole body must arrive by `deadline`, so a
  // client trickling a byte now and then cannot hold the connection for ever.
  StreamBody(Stream& stream, beast::flat_buffer& buffer,
             bhttp::request_parser<bhttp::buffer_body>& parser, std::chrono::seconds timeout,
             std::chrono::steady_clock::time_point deadline)
      : stream_(stream), buffer_(buffer), parser_(parser), timeout_(timeout), deadline_(deadline) {}

  asio::awaitable<Result<std::size_t>> Read(char* data, std::size_t size) override {
    while (!parser_.is_done()) {
      parser_.get().body().data = data;
      parser_.get().body().size = size;
      beast::get_lowest_layer(stream_).expires_at(Expiry(timeout_, deadline_));
      auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, parser_, kTuple);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec == bhttp::error::body_limit) {
        co_return MakeError(ErrorCode::kResourceExhausted, "request body too large");
      }
      if (ec) co_return MakeError(ErrorCode::kIo, "reading request body: " + ec.message());
      std::size_t got = size - parser_.get().body().size;
      if (got > 0) {
        if (check_) check_->Update(std::string_view(data, got));
        co_return got;
      }
    }
    if (check_ && !finished_) {
      finished_ = true;
      if (auto matched = check_->Finish(); !matched.ok()) co_return std::move(matched).error();
    }
    co_return std::size_t{0};
  }

  void Check(BodyCheck* check) { check_ = check; }

  bool done() const override { return parser_.is_done(); }

 private:
  Stream& stream_;
  beast::flat_buffer& buffer_;
  bhttp::request_parser<bhttp::buffer_body>& parser_;
  std::chrono::seconds timeout_;
  std::chrono::steady_clock::time_point deadline_;
  BodyCheck* check_ = nullptr;
  bool finished_ = false;
};

// Bytes of request bodies buffered in memory, all connections together. Used on the
// event-loop thread only.
class BodyBudget {
 public:
  explicit BodyBudget(std::uint64_t max) : max_(max) {}
  // A share of `bytes` while the returned holder lives; nullopt when the budget is spent.
  class Share {
   public:
    Share(BodyBudget* budget, std::uint64_t bytes) : budget_(budget), bytes_(bytes) {}
    Share(Share&& o) noexcept : budget_(std::exchange(o.budget_, nullptr)), bytes_(o.bytes_) {}
    Share(const Share&) = delete;
    Share& operator=(const Share&) = delete;
    Share& operator=(Share&&) = delete;
    ~Share() {
      if (budget_) budget_->used_ -= bytes_;
    }

   private:
    BodyBudget* budget_;
    std::uint64_t bytes_;
  };
  std::optional<Share> Take(std::uint64_t bytes) {
    if (bytes > max_ - used_) return std::nullopt;
    used_ += bytes;
    return Share(this, bytes);
  }

 private:
  const std::uint64_t max_;
  std::uint64_t used_ = 0;
};

template <typename Message>
void ApplyHeaders(Message& out, const Response& res) {
  bool has_csp = false, has_cache = false, frameable = false;
  for (const auto& h : res.headers) {
    out.insert(h.name, h.value);
    if (EqualsIgnoreCase(h.name, "content-security-policy")) {
      has_csp = true;
      // A page that names the sites that may frame it (a secure form a website embeds):
      // X-Frame-Options cannot say so, and would forbid what the policy allows.
      frameable = h.value.find("frame-ancestors") != std::string::npos &&
                  h.value.find("frame-ancestors 'none'") == std::string::npos;
    }
    has_cache |= EqualsIgnoreCase(h.name, "cache-control");
  }
  for (const auto& h : kSecurityHeaders) {
    if (frameable && EqualsIgnoreCase(h.name, "x-frame-options")) continue;
    out.set(h.name, h.value);
  }
  if (!has_csp) out.set("Content-Security-Policy", kContentSecurityPolicy);
  if (!has_cache) out.set(bhttp::field::cache_control, "no-store");
}

}  // namespace

struct Server::Impl {
  explicit Impl(ServerOptions o)
      : options(std::move(o)), bodies(options.max_body_memory),
        acceptor(io), pool(options.worker_threads) {}

  Status Setup();
  asio::awaitable<void> Listen();
  asio::awaitable<void> Session(tcp::socket socket, std::string client, std::string client_key);
  asio::awaitable<Response> Dispatch(Request& req, const Route& route);
  asio::awaitable<bool> Write(Stream& stream, Response& res, bool keep_alive, unsigned version);

  ServerOptions options;
  Router router;
  // Event-loop thread only: connections per client key, and buffered bodies. Declared
  // before the io_context: sessions still pending when it is destroyed release their
  // shares into these.
  std::map<std::string, std::size_t> per_client;
  BodyBudget bodies;
  std::chrono::steady_clock::time_point last_refusal_log{};
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> waiting_work{0};  // handed to the pool by RunOffLoop, not done
  asio::io_context io{1};
  std::shared_ptr<net::ServerTls> tls;
  tcp::acceptor acceptor;
  asio::thread_pool pool;
  std::atomic<bool> stopping{false};
  std::size_t requests = 0;  // event-loop thread only: being read or answered now
};

Status Server::Impl::Setup() {
  if (options.metrics) {
    options.metrics->DeclareCounter("sealpost_http_requests_total",
                                    "HTTP requests answered, by route pattern, method and status.");
    options.metrics->DeclareHistogram("sealpost_http_request_duration_seconds",
                                      "From a request's first byte to its answer's last, by route.",
                                      metrics::LatencyBuckets());
  }
  tls = options.tls;
  if (!tls) {
    auto loaded = net::ServerTls::Load(options.cert_file, options.key_file);
    if (!loaded.ok()) return std::move(loaded).error();
    tls = std::move(*loaded);
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return MakeError(ErrorCode::kInvalidArgument, "invalid listen address " + options.address);
  tcp::endpoint endpoint(address, options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, "cannot listen on " + options.address + ":" +
                                         std::to_string(options.port) + ": " + ec.message());
  }
  return OkStatus();
}

asio::awaitable<void> Server::Impl::Listen() {
  while (!stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) break;
      continue;
    }
    boost::system::error_code rec;
    const auto remote = socket.remote_endpoint(rec);
    std::string client = rec ? "unknown" : remote.address().to_string();
    std::string key = ClientKey(client);  // an IPv6 client is its /64
    const bool all_full = connections >= options.max_connections;
    if (all_full || per_client[key] >= options.max_connections_per_client) {
      if (per_client[key] == 0) per_client.erase(key);
      // One line a second at most: a flood must not flood the log too.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_refusal_log >= std::chrono::seconds(1)) {
        last_refusal_log = now;
        spdlog::warn("http: {} limit reached; refusing connections from {}",
                     all_full ? "connection" : "per-client connection", client);
      }
      continue;  // the socket closes as it goes out of scope
    }
    ++per_client[key];
    asio::co_spawn(io, Session(std::move(socket), std::move(client), std::move(key)),
                   asio::detached);
  }
}

asio::awaitable<Response> Server::Impl::Dispatch(Request& req, const Route& route) {
  try {
    co_return co_await route.handler(req);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} failed: {}", route.method, route.pattern, e.what());
  }
  co_return ProblemResponse(500, "Internal error", "The server could not complete the request.");
}

asio::awaitable<bool> Server::Impl::Write(Stream& stream, Response& res, bool keep_alive,
                                          unsigned version) {
  beast::get_lowest_layer(stream).expires_after(options.io_timeout);
  if (!res.producer) {
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
    ApplyHeaders(out, res);
    out.body() = std::move(res.body);
    out.keep_alive(keep_alive);
    out.prepare_payload();
    auto [ec, n] = co_await bhttp::async_write(stream, out, kTuple);
    co_return !ec;
  }
  bhttp::response<bhttp::buffer_body> out{static_cast<bhttp::status>(res.status), version};
  ApplyHeaders(out, res);
  out.keep_alive(keep_alive);
  if (res.content_length) out.content_length(*res.content_length);
  else out.chunked(true);
  out.body().data = nullptr;
  out.body().more = true;
  bhttp::response_serializer<bhttp::buffer_body> serializer{out};
  auto [hec, hn] = co_await bhttp::async_write_header(stream, serializer, kTuple);
  if (hec) co_return false;
  std::string chunk;
  for (;;) {
    std::optional<Result<bool>> more;
    const std::function<void()> next = [&] { more.emplace(res.producer(chunk)); };
    co_await asio::co_spawn(pool, RunWork(&next), asio::use_awaitable);
    if (!more->ok()) {
      spdlog::error("http: response body failed midway: {}", more->error().ToString());
      co_return false;  // the connection is closed: the client sees a cut body
    }
    if (!**more) break;
    if (chunk.empty()) continue;
    out.body().data = chunk.data();
    out.body().size = chunk.size();
    out.body().more = true;
    beast::get_lowest_layer(stream).expires_after(options.io_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream, serializer, kTuple);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) co_return false;
  }
  out.body().data = nullptr;
  out.body().size = 0;
  out.body().more = false;
  auto [ec, n] = co_await bhttp::async_write(stream, serializer, kTuple);
  co_return !ec;
}

asio::awaitable<void> Server::Impl::Session(tcp::socket socket, std::string client,
                                            std::string client_key) {
  ++connections;
  struct Release {
    Impl& impl;
    const std::string& key;
    ~Release() {
      --impl.connections;
      if (--impl.per_client[key] == 0) impl.per_client.erase(key);
    }
  } release{*this, client_key};
  // This connection's context, kept for its life even if a reload replaces it.
  const std::shared_ptr<asio::ssl::context> context = tls->Current();
  Stream stream(std::move(socket), *context);
  // A client that connects and says nothing holds a connection only this long.
  beast::get_lowest_layer(stream).expires_after(options.handshake_timeout);
  auto [hs_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
  if (hs_ec) co_return;

  beast::flat_buffer buffer;
  for (;;) {
    beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
    bhttp::request_parser<bhttp::empty_body> header_parser;
    header_parser.header_limit(options.header_limit);
    // The route, known only once the header is read, sets the body limit.
    header_parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    auto [rec, rn] = co_await bhttp::async_read_header(stream, buffer, header_parser, kTuple);
    if (rec) {
      if (rec == bhttp::error::header_limit) {
        Response too_big = ProblemResponse(431, "Request header too large", "");
        co_await Write(stream, too_big, false, 11);
      } else if (rec != bhttp::error::end_of_stream && rec != beast::error::timeout &&
                 rec != asio::ssl::error::stream_truncated && rec != asio::error::eof) {
        Response bad = ProblemResponse(400, "Bad request", "The request could not be parsed.");
        co_await Write(stream, bad, false, 11);
      }
      break;
    }
    const auto start = std::chrono::steady_clock::now();
    // Ties this request's log line to what the client saw (X-Request-Id).
    const std::string request_id = NewLogId();
    ++requests;
    struct Done {
      std::size_t& requests;
      ~Done() { --requests; }
    } done{requests};
    auto& head = header_parser.get();
    Request req;
    req.method = std::string(head.method_string());
    std::string_view target = head.target();
    auto q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
    for (const auto& field : head) {
      req.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    req.client_address = client;
    req.id = request_id;
    const unsigned version = head.version();
    bool keep_alive = head.keep_alive();
    bool body_left = false;  // refused or cut short: the client may still be sending it
    const bool has_body = header_parser.content_length().value_or(0) > 0 || header_parser.chunked();

    RouteMatch match = router.Match(req.method, req.path);
    Response res;
    std::string pattern = "<unmatched>";
    std::optional<Response> refused;
    if (stopping) {
      // Draining for a shutdown: what is under way finishes, nothing new starts.
      refused = ProblemResponse(503, "Shutting down",
                                "The server is stopping. Try again in a moment.");
      refused->Set("Retry-After", "5");
      keep_alive = false;
    } else if (match.route) {
      pattern = match.route->pattern;
      req.params = std::move(match.params);
      req.route = match.route->pattern;
      // Credentials (or whatever the gate asks) before a byte of the body is read.
      if (match.gate) refused = co_await (*match.gate)(req);
    }
    // What a buffered body may take of memory; the route's limit when its length is
    // not announced (chunked).
    const std::uint64_t announced =
        match.route ? std::min<std::uint64_t>(
                          header_parser.content_length().value_or(match.route->body_limit),
                          match.route->body_limit)
                    : 0;
    const bool buffers = match.route && !refused && has_body &&
                         match.route->body_mode == BodyMode::kBuffered;
    const std::optional<BodyBudget::Share> share =
        buffers ? bodies.Take(announced) : std::optional<BodyBudget::Share>();
    if (buffers) {
      if (!share) {
        spdlog::warn("http[{}]: body memory budget spent; {} {} from {} refused", request_id,
                     req.method, pattern, client);
        refused = ProblemResponse(503, "Busy", "The server is busy. Try again in a moment.");
        refused->Set("Retry-After", "5");
      }
    }
    if (!match.route) {
      res = match.method_not_allowed ? ProblemResponse(405, "Method not allowed", "")
                                     : ProblemResponse(404, "Not found", "No such page.");
      keep_alive = keep_alive && !has_body;
      body_left = has_body;
    } else if (refused) {
      res = std::move(*refused);
      keep_alive = keep_alive && !has_body;  // the body is not read: the connection ends
      body_left = has_body;
    } else {
      if (has_body && EqualsIgnoreCase(head[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
        auto [cec, cn] = co_await bhttp::async_write(stream, cont, kTuple);
        if (cec) break;
      }
      if (match.route->body_mode == BodyMode::kBuffered) {
        bhttp::request_parser<bhttp::string_body> parser(std::move(header_parser));
        parser.body_limit(match.route->body_limit);
        // One deadline for the whole body (a buffered body is one read).
        beast::get_lowest_layer(stream).expires_at(
            Expiry(std::max(options.io_timeout, std::chrono::seconds(
                                                    announced / (16 * 1024) + 1)),
                   start + options.upload_timeout));
        auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
        if (bec == bhttp::error::body_limit) {
          res = ProblemResponse(413, "Request body too large",
                                "The body is larger than this endpoint accepts (" +
                                    std::to_string(match.route->body_limit) + " bytes).");
          keep_alive = false;
          body_left = true;
        } else if (bec) {
          break;
        } else {
          req.body = std::move(parser.get().body());
          Status matched = OkStatus();
          if (req.body_check) {
            req.body_check->Update(req.body);
            matched = req.body_check->Finish();
          }
          // (Not a conditional expression: GCC 12 mishandles co_await inside one.)
          if (matched.ok()) {
            res = co_await Dispatch(req, *match.route);
          } else {
            res = ProblemFromError(matched.error());
          }
        }
      } else {
        bhttp::request_parser<bhttp::buffer_body> parser(std::move(header_parser));
        parser.body_limit(match.route->body_limit);
        StreamBody body(stream, buffer, parser, options.io_timeout, start + options.upload_timeout);
        body.Check(req.body_check.get());
        req.stream = &body;
        res = co_await Dispatch(req, *match.route);
        // A body the handler did not read to the end cannot be skipped safely.
        if (!parser.is_done()) {
          keep_alive = false;
          body_left = true;
        }
      }
    }
    const int status = res.status;
    for (auto& h : req.response_headers) res.Set(std::move(h.name), std::move(h.value));
    res.Set("X-Request-Id", request_id);
    if (stopping) keep_alive = false;  // the last answer on this connection
    bool written = co_await Write(stream, res, keep_alive, version);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start).count();
    spdlog::info("http[{}]: {} {} {} {} {}ms", request_id, client, req.method, pattern, status,
                 ms);
    if (!res.log_note.empty()) spdlog::error("http[{}]: {}", request_id, res.log_note);
    if (options.metrics) {
      // Labels the server chose: the route's pattern and method, never the path (it may
      // carry a link secret) nor a method a client made up.
      const std::string code = std::to_string(status);
      const std::string_view method = match.route ? std::string_view(match.route->method) : "-";
      options.metrics->Add("sealpost_http_requests_total",
                           {{"route", pattern}, {"method", method}, {"status", code}});
      options.metrics->Observe("sealpost_http_request_duration_seconds", {{"route", pattern}},
                               std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                             start).count());
    }
    if (written && body_left) {
      // The client may still be sending the body nobody will read. Closing now would
      // reset the connection and could destroy the answer before it is read; instead the
      // answer is left to be read while the client's sending stalls (nothing is read, so
      // this costs a socket buffer), then the connection is closed without ceremony.
      asio::steady_timer linger(io, kLinger);
      co_await linger.async_wait(kTuple);
      co_return;
    }
    if (!written || !keep_alive) break;
  }
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  co_await stream.async_shutdown(kTuple);
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() {
  Stop();
  impl_->pool.join();
}

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  auto status = impl->Setup();
  if (!status.ok()) return std::move(status).error();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Router& Server::router() { return impl_->router; }

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::Run() {
  asio::co_spawn(impl_->io, impl_->Listen(), asio::detached);
  impl_->io.run();
}

void Server::Stop(std::chrono::milliseconds drain) {
  impl_->stopping = true;
  asio::post(impl_->io, [impl = impl_.get(), drain] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    // Connections idle between requests hold nothing: they go with the loop.
    asio::co_spawn(impl->io, [impl, drain]() -> asio::awaitable<void> {
      const auto deadline = std::chrono::steady_clock::now() + drain;
      asio::steady_timer tick(impl->io);
      while (impl->requests > 0 && std::chrono::steady_clock::now() < deadline) {
        tick.expires_after(std::chrono::milliseconds(20));
        co_await tick.async_wait(kTuple);
      }
      if (impl->requests > 0) {
        spdlog::warn("http: {} requests cut short by the shutdown", impl->requests);
      }
      impl->io.stop();
    }, asio::detached);
  });
}

namespace {

// Runs `work` unless `deadline` passed while it waited for a worker.
asio::awaitable<bool> RunBefore(const std::function<void()>* work, Offloader::Deadline deadline) {
  if (std::chrono::steady_clock::now() > deadline) co_return false;
  (*work)();
  co_return true;
}

}  // namespace

asio::awaitable<Status> Server::RunOffLoop(const std::function<void()>& work, Deadline deadline) {
  Impl& s = *impl_;
  if (s.waiting_work.fetch_add(1) >= s.options.max_waiting_work) {
    s.waiting_work.fetch_sub(1);
    spdlog::warn("http: {} pieces of work wait for the worker pool; one more refused",
                 s.options.max_waiting_work);
    co_return MakeError(ErrorCode::kUnavailable, "too much work waits for the worker pool");
  }
  const bool ran = co_await asio::co_spawn(s.pool, RunBefore(&work, deadline), asio::use_awaitable);
  s.waiting_work.fetch_sub(1);
  if (!ran) co_return MakeError(ErrorCode::kUnavailable, "the work could not start in time");
  co_return OkStatus();
}

}  // namespace sealpost::http
