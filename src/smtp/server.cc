#include "smtp/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <map>
#include <optional>
#include <tuple>

#include "base/client_key.h"
#include "base/log_id.h"
#include "base/text.h"
#include "mime/address.h"
#include "metrics/registry.h"
#include "mime/submitted.h"
#include "net/tls.h"

namespace sealpost::smtp {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxTrackedClients = 65536;  // addresses with recent failed logins

// RFC 5321 §3.8: a server shutting down says 421 and closes; the client tries later.
std::string ShuttingDown(const std::string& hostname) {
  return "421 4.3.2 " + hostname + " Shutting down; try again later\r\n";
}

// Runs `work` on whatever executor the coroutine is spawned on. A plain function taking
// a pointer, not a capturing coroutine lambda: g++ 12 destroys such captures twice.
asio::awaitable<void> RunWork(const std::function<void()>* work) {
  (*work)();
  co_return;
}

// Waits for MessageSink::Commit, whose callback may come on any thread.
template <typename Token>
auto AsyncCommit(MessageSink& sink, Submission submission, Token&& token) {
  return asio::async_initiate<Token, void(Result<std::string>)>(
      [&sink](auto handler, Submission s) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        sink.Commit(std::move(s), [shared, executor](Result<std::string> result) {
          asio::post(executor, [shared, r = std::move(result)]() mutable {
            (*shared)(std::move(r));
          });
        });
      },
      token, std::move(submission));
}

// The connection's byte stream: plain TCP until STARTTLS (or TLS from the start).
class Channel {
 public:
  explicit Channel(tcp::socket socket) : plain_(std::make_unique<beast::tcp_stream>(std::move(socket))) {}

  // `context` is kept for the connection's life: a reload may replace it meanwhile.
  asio::awaitable<boost::system::error_code> Handshake(std::shared_ptr<asio::ssl::context> context,
                                                       std::chrono::seconds timeout) {
    context_ = std::move(context);
    tls_ = std::make_unique<TlsStream>(std::move(*plain_), *context_);
    plain_.reset();
    beast::get_lowest_layer(*tls_).expires_after(timeout);
    auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, kTuple);
    co_return ec;
  }

  // Reads what is there, or times out with beast::error::timeout — leaving the
  // connection open, so the client can still be told why it is closed (a timeout of
  // beast's own stream would close the socket first).
  asio::awaitable<std::pair<boost::system::error_code, std::size_t>> ReadSome(
      char* data, std::size_t size, Clock::duration timeout) {
    Lowest().expires_never();
    // Shared with the timer's handler, which may run after this frame is gone.
    auto reading = std::make_shared<bool>(true);
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
    timer.async_wait([this, reading, timed_out](boost::system::error_code ec) {
      if (ec || !*reading) return;
      *timed_out = true;
      boost::system::error_code ignored;
      Lowest().socket().cancel(ignored);
    });
    boost::system::error_code ec;
    std::size_t n = 0;
    waiting_ = true;
    if (tls_) {
      std::tie(ec, n) = co_await tls_->async_read_some(asio::buffer(data, size), kTuple);
    } else {
      std::tie(ec, n) = co_await plain_->async_read_some(asio::buffer(data, size), kTuple);
    }
    waiting_ = false;
    *reading = false;
    timer.cancel();
    if (*timed_out) ec = beast::error::timeout;
    co_return std::pair{ec, n};
  }

  asio::awaitable<bool> Write(const std::string& bytes, std::chrono::seconds timeout) {
    if (bytes.empty()) co_return true;
    Lowest().expires_after(timeout);
    if (tls_) {
      auto [ec, n] = co_await asio::async_write(*tls_, asio::buffer(bytes), kTuple);
      co_return !ec;
    }
    auto [ec, n] = co_await asio::async_write(*plain_, asio::buffer(bytes), kTuple);
    co_return !ec;
  }

  asio::awaitable<void> Close() {
    if (tls_) {
      Lowest().expires_after(std::chrono::seconds(5));
      co_await tls_->async_shutdown(kTuple);
    }
    boost::system::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    Lowest().close();
  }

  // Ends a read under way with operation_aborted (a shutdown telling an idle client).
  void Interrupt() {
    if (!waiting_) return;
    boost::system::error_code ignored;
    Lowest().socket().cancel(ignored);
  }

  const char* TlsVersion() const {
    return tls_ ? SSL_get_version(const_cast<TlsStream&>(*tls_).native_handle()) : "none";
  }

 private:
  beast::tcp_stream& Lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  std::unique_ptr<beast::tcp_stream> plain_;
  std::shared_ptr<asio::ssl::context> context_;  // outlives tls_, declared before it
  std::unique_ptr<TlsStream> tls_;
  bool waiting_ = false;  // in ReadSome
};

}  // namespace

bool InNetworks(const std::string& address, const std::vector<std::string>& networks) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) return false;
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) {
    ip = asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
  }
  for (const auto& n : networks) {
    std::string cidr = n.find('/') == std::string::npos
                           ? n + (n.find(':') == std::string::npos ? "/32" : "/128")
                           : n;
    if (ip.is_v4()) {
      auto net = asio::ip::make_network_v4(cidr, ec);
      if (!ec && net.canonical() ==
                     asio::ip::make_network_v4(ip.to_v4(), net.prefix_length()).canonical()) {
        return true;
      }
    } else {
      auto net = asio::ip::make_network_v6(cidr, ec);
      if (!ec && net.canonical() ==
                     asio::ip::make_network_v6(ip.to_v6(), net.prefix_length()).canonical()) {
        return true;
      }
    }
  }
  return false;
}

struct Server::Impl {
  Impl(ServerOptions o, Authenticator& a, MessageSink& s)
      : options(std::move(o)), auth(a), sink(s), starttls_acceptor(io), implicit_acceptor(io),
        pool(options.auth_threads) {}

  Status Setup();
  Status Bind(tcp::acceptor& acceptor, std::uint16_t port);
  asio::awaitable<void> Listen(tcp::acceptor& acceptor, bool implicit_tls);
  asio::awaitable<void> Connection(tcp::socket socket, bool implicit_tls, std::string client);
  asio::awaitable<bool> LogIn(Session& session, const std::string& client,
                              const std::string& sid);
  asio::awaitable<void> Deliver(Session& session, const std::string& client,
                                const std::string& sid);
  int RecentLoginFailures(const std::string& client);
  // Writes what the session (or the driver) says, counting its refusals first.
  asio::awaitable<bool> Say(Channel& channel, const std::string& text,
                            std::chrono::seconds timeout);
  void Count(std::string_view family, std::string_view label, std::string_view value);
  void ForgetOldLoginFailures();

  ServerOptions options;
  Authenticator& auth;
  MessageSink& sink;
  asio::io_context io{1};
  std::shared_ptr<net::ServerTls> tls;
  tcp::acceptor starttls_acceptor;
  tcp::acceptor implicit_acceptor;
  asio::thread_pool pool;
  std::atomic<bool> stopping{false};
  std::atomic<bool> running{false};  // inside Run
  // Touched only on the event-loop thread.
  std::size_t connections = 0;
  std::map<Channel*, const Session*> live;  // to tell idle ones about a shutdown
  std::optional<asio::steady_timer> drain_deadline;
  std::map<std::string, std::size_t> per_client;
  std::map<std::string, std::deque<Clock::time_point>> login_failures;
};

Status Server::Impl::Bind(tcp::acceptor& acceptor, std::uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return MakeError(ErrorCode::kInvalidArgument, "invalid SMTP listen address " + options.address);
  tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, "cannot listen for SMTP on " + options.address + ":" +
                                         std::to_string(port) + ": " + ec.message());
  }
  return OkStatus();
}

Status Server::Impl::Setup() {
  if (options.metrics) {
    options.metrics->DeclareCounter(
        "sealpost_smtp_sessions_total",
        "SMTP sessions accepted, by listener (starttls, implicit_tls).");
    options.metrics->DeclareCounter("sealpost_smtp_logins_total",
                                    "SMTP AUTH attempts by outcome (ok, failed, refused: too many "
                                    "failures from the client's address).");
    options.metrics->DeclareCounter("sealpost_smtp_messages_total",
                                    "Messages received over SMTP, by outcome (accepted, refused, "
                                    "not_committed).");
    options.metrics->DeclareCounter("sealpost_smtp_refusals_total",
                                    "SMTP replies refusing a command or closing a session, by "
                                    "reply code and enhanced status code.");
  }
  tls = options.tls;
  if (!tls) {
    auto loaded = net::ServerTls::Load(options.cert_file, options.key_file);
    if (!loaded.ok()) return std::move(loaded).error();
    tls = std::move(*loaded);
  }
  auto status = Bind(starttls_acceptor, options.starttls_port);
  if (status.ok() && options.implicit_tls) status = Bind(implicit_acceptor, options.implicit_tls_port);
  return status;
}

asio::awaitable<void> Server::Impl::Listen(tcp::acceptor& acceptor, bool implicit_tls) {
  while (!stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) break;
      spdlog::warn("smtp: accept failed: {}", ec.message());
      continue;
    }
    boost::system::error_code rec;
    auto remote = socket.remote_endpoint(rec);
    std::string client = rec ? "unknown" : remote.address().to_string();
    asio::co_spawn(io, Connection(std::move(socket), implicit_tls, std::move(client)),
                   asio::detached);
  }
}

// Bounds the memory the failure counters take: clients from many addresses (IPv6 has
// plenty) must not grow the table without end. Expired entries go first; past the cap,
// arbitrary ones, which only makes those clients' next guesses faster, never accepted.
void Server::Impl::ForgetOldLoginFailures() {
  if (login_failures.size() < kMaxTrackedClients) return;
  const auto cutoff = Clock::now() - std::chrono::hours(1);
  std::erase_if(login_failures, [&](const auto& entry) {
    return entry.second.empty() || entry.second.back() < cutoff;
  });
  while (login_failures.size() >= kMaxTrackedClients) login_failures.erase(login_failures.begin());
}

int Server::Impl::RecentLoginFailures(const std::string& client) {
  auto it = login_failures.find(client);
  if (it == login_failures.end()) return 0;
  auto cutoff = Clock::now() - std::chrono::hours(1);
  while (!it->second.empty() && it->second.front() < cutoff) it->second.pop_front();
  if (it->second.empty()) {
    login_failures.erase(it);
    return 0;
  }
  return static_cast<int>(it->second.size());
}

void Server::Impl::Count(std::string_view family, std::string_view label, std::string_view value) {
  if (options.metrics) options.metrics->Add(family, {{label, value}});
}

asio::awaitable<bool> Server::Impl::Say(Channel& channel, const std::string& text,
                                        std::chrono::seconds timeout) {
  if (options.metrics) {
    // Each reply's last line ("550 5.7.1 ..."): a 4xx or 5xx is a refusal.
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find("\r\n", start);
      if (end == std::string::npos) end = text.size();
      std::string_view line(text.data() + start, end - start);
      start = end + 2;
      if (line.size() < 4 || line[3] != ' ' || (line[0] != '4' && line[0] != '5')) continue;
      std::string_view rest = line.substr(4);
      std::string_view status = rest.substr(0, rest.find(' '));
      const bool enhanced = status.size() >= 5 && status.size() <= 9 && status[1] == '.' &&
                            std::all_of(status.begin(), status.end(), [](char c) {
                              return c == '.' || (c >= '0' && c <= '9');
                            });
      options.metrics->Add("sealpost_smtp_refusals_total",
                           {{"code", line.substr(0, 3)}, {"status", enhanced ? status : ""}});
    }
  }
  co_return co_await channel.Write(text, timeout);
}

asio::awaitable<bool> Server::Impl::LogIn(Session& session, const std::string& client,
                                          const std::string& sid) {
  const std::string user = SanitizeForLog(session.AuthUser(), 100);
  if (RecentLoginFailures(ClientKey(client)) >= options.max_login_failures_per_hour) {
    spdlog::warn("smtp[{}]: login refused for {} from {}: too many failed logins from this address",
                 sid, user, client);
    session.AuthUnavailable("454 4.7.0 Too many failed logins from your address; try again later");
    Count("sealpost_smtp_logins_total", "outcome", "refused");
    co_return true;
  }
  std::optional<Result<std::vector<std::string>>> result;
  std::string name = session.AuthUser();
  const SecretBytes& password = session.AuthPassword();
  std::function<void()> work = [&] { result.emplace(auth.Authenticate(name, password, client)); };
  co_await asio::co_spawn(pool, RunWork(&work), asio::use_awaitable);
  if (result->ok()) {
    spdlog::info("smtp[{}]: {} logged in from {}", sid, user, client);
    Count("sealpost_smtp_logins_total", "outcome", "ok");
    session.AuthResult(true, std::move(**result));
    co_return true;
  }
  Count("sealpost_smtp_logins_total", "outcome", "failed");
  ForgetOldLoginFailures();
  auto& failures = login_failures[ClientKey(client)];
  failures.push_back(Clock::now());
  // Each failure from an address makes the next answer slower: 0.25 s doubling to 8 s.
  auto delay = std::chrono::milliseconds(250 << std::min<std::size_t>(failures.size() - 1, 5));
  spdlog::warn("smtp[{}]: failed login for {} from {} ({} in the last hour)", sid, user, client,
               failures.size());
  asio::steady_timer timer(io, delay);
  co_await timer.async_wait(kTuple);
  session.AuthResult(false);
  co_return true;
}

asio::awaitable<void> Server::Impl::Deliver(Session& session, const std::string& client,
                                            const std::string& sid) {
  Submission submission{session.envelope(), session.TakeMessage(), client};
  // The From: field must name an address the user may send as, like MAIL FROM.
  if (!session.allowed_senders().empty()) {
    std::optional<Result<SubmittedMessage>> parsed;
    std::function<void()> work = [&] { parsed.emplace(ParseSubmittedHeader(submission.content)); };
    co_await asio::co_spawn(pool, RunWork(&work), asio::use_awaitable);
    if (!parsed->ok() || (*parsed)->from.empty()) {
      session.NotCommitted("550 5.6.0 The message needs a From: header field");
      Count("sealpost_smtp_messages_total", "outcome", "refused");
      co_return;
    }
    const auto& allowed = session.allowed_senders();
    for (const auto& from : (*parsed)->from) {
      bool ok = std::any_of(allowed.begin(), allowed.end(), [&](const std::string& a) {
        return CanonicalAddress(a) == CanonicalAddress(from);
      });
      if (!ok) {
        spdlog::warn("smtp[{}]: {} from {} refused as From: {}", sid,
                     SanitizeForLog(session.AuthUser()), client, SanitizeForLog(from));
        session.NotCommitted("550 5.7.1 From: address <" + SanitizeForLog(from, 100) +
                             "> is not allowed for " + SanitizeForLog(session.AuthUser(), 100));
        Count("sealpost_smtp_messages_total", "outcome", "refused");
        co_return;
      }
    }
  }
  const std::size_t size = submission.content.size();
  const std::size_t rcpts = submission.envelope.recipients.size();
  Result<std::string> committed = co_await AsyncCommit(sink, std::move(submission), asio::use_awaitable);
  Count("sealpost_smtp_messages_total", "outcome", committed.ok() ? "accepted" : "not_committed");
  if (committed.ok()) {
    spdlog::info("smtp[{}]: {} from {} queued as {}: {} bytes, {} recipient(s)", sid,
                 SanitizeForLog(session.envelope().mail_from), client, *committed, size, rcpts);
    session.Committed(*committed);
  } else {
    spdlog::error("smtp[{}]: message from {} not committed: {}", sid, client,
                  committed.error().ToString());
    const Error& e = committed.error();
    const bool limit =
        e.code == ErrorCode::kResourceExhausted &&
        (e.message == MessageSink::kTooMuchWaiting || e.message == MessageSink::kStorageFull);
    session.NotCommitted(limit ? "452 4.3.1 " + e.message + "; try again later"
                               : "451 4.3.0 The message could not be stored; try again later");
  }
}

asio::awaitable<void> Server::Impl::Connection(tcp::socket socket, bool implicit_tls,
                                               std::string client) {
  Channel channel(std::move(socket));
  const std::string sid = NewLogId();  // ties this session's log lines together
  const std::string client_key = ClientKey(client);  // an IPv6 client is its /64
  if (connections >= options.max_connections ||
      per_client[client_key] >= options.max_connections_per_client) {
    spdlog::warn("smtp[{}]: too many connections; refusing {}", sid, client);
    co_await Say(channel, "421 4.7.0 " + options.hostname + " Too many connections; try later\r\n",
                           std::chrono::seconds(5));
    co_await channel.Close();
    if (per_client[client_key] == 0) per_client.erase(client_key);
    co_return;
  }
  ++connections;
  ++per_client[client_key];
  Count("sealpost_smtp_sessions_total", "listener", implicit_tls ? "implicit_tls" : "starttls");

  SessionOptions session_options;
  session_options.hostname = options.hostname;
  session_options.tls_active = implicit_tls;
  session_options.trusted_client = InNetworks(client, options.trusted_networks);
  Session session(session_options, options.limits);
  live.emplace(&channel, &session);
  const auto deadline = Clock::now() + options.session_limit;
  bool open = true;
  if (implicit_tls) {
    auto ec = co_await channel.Handshake(tls->Current(), options.command_timeout);
    if (ec) {
      spdlog::info("smtp[{}]: TLS handshake with {} failed: {}", sid, client, ec.message());
      open = false;
    }
  }
  if (open) session.Start();
  std::string buffer(kReadChunk, '\0');
  while (open) {
    Session::Step step = session.Next();
    if (step == Session::Step::kAuthenticate) {
      co_await LogIn(session, client, sid);
      continue;
    }
    if (step == Session::Step::kMessage) {
      co_await Deliver(session, client, sid);
      continue;
    }
    if (!co_await Say(channel, session.TakeOutput(), options.command_timeout)) break;
    if (step == Session::Step::kClose) break;
    if (step == Session::Step::kStartTls) {
      auto ec = co_await channel.Handshake(tls->Current(), options.command_timeout);
      if (ec) {
        spdlog::info("smtp[{}]: STARTTLS with {} failed: {}", sid, client, ec.message());
        break;
      }
      session.TlsStarted();
      continue;
    }
    // kNeedInput. A shutdown lets a message being received finish; anyone else is told.
    if (stopping && !session.receiving_data()) {
      co_await Say(channel, ShuttingDown(options.hostname), std::chrono::seconds(5));
      break;
    }
    auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) {
      co_await Say(channel, "421 4.4.2 " + options.hostname + " Session time limit reached\r\n",
                             std::chrono::seconds(5));
      break;
    }
    auto [ec, n] = co_await channel.ReadSome(
        buffer.data(), buffer.size(), std::min<Clock::duration>(left, options.command_timeout));
    if (ec == beast::error::timeout) {
      const bool at_limit = Clock::now() >= deadline;
      co_await Say(channel, "421 4.4.2 " + options.hostname +
                                 (at_limit ? " Session time limit reached\r\n"
                                           : " Timeout; closing\r\n"),
                             std::chrono::seconds(5));
      break;
    }
    if (ec == asio::error::operation_aborted && stopping) {
      co_await Say(channel, ShuttingDown(options.hostname), std::chrono::seconds(5));
      break;
    }
    if (ec) break;
    session.Receive(std::string_view(buffer.data(), n));
  }
  live.erase(&channel);
  co_await channel.Close();
  --connections;
  if (--per_client[client_key] == 0) per_client.erase(client_key);
  if (stopping && connections == 0) io.stop();  // the last one drained
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Stop();
  impl_->pool.join();
}

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options, Authenticator& auth,
                                               MessageSink& sink) {
  auto impl = std::make_unique<Impl>(std::move(options), auth, sink);
  auto status = impl->Setup();
  if (!status.ok()) return std::move(status).error();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::uint16_t Server::starttls_port() const {
  return impl_->starttls_acceptor.local_endpoint().port();
}

std::uint16_t Server::implicit_tls_port() const {
  return impl_->options.implicit_tls ? impl_->implicit_acceptor.local_endpoint().port() : 0;
}

void Server::Run() {
  asio::co_spawn(impl_->io, impl_->Listen(impl_->starttls_acceptor, false), asio::detached);
  if (impl_->options.implicit_tls) {
    asio::co_spawn(impl_->io, impl_->Listen(impl_->implicit_acceptor, true), asio::detached);
  }
  impl_->running = true;
  impl_->io.run();
  impl_->running = false;
}

bool Server::Listening() const { return impl_->running && !impl_->stopping; }

void Server::Stop(std::chrono::milliseconds drain) {
  impl_->stopping = true;
  asio::post(impl_->io, [impl = impl_.get(), drain] {
    boost::system::error_code ec;
    impl->starttls_acceptor.close(ec);
    impl->implicit_acceptor.close(ec);
    if (impl->connections == 0 || drain <= std::chrono::milliseconds::zero()) {
      impl->io.stop();
      return;
    }
    if (impl->drain_deadline) return;  // already draining
    for (auto& [channel, session] : impl->live) {
      if (!session->receiving_data()) channel->Interrupt();
    }
    impl->drain_deadline.emplace(impl->io, drain);
    impl->drain_deadline->async_wait([impl](boost::system::error_code ec) {
      if (!ec) impl->io.stop();
    });
  });
}

}  // namespace sealpost::smtp
