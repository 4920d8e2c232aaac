#include "delivery/smtp_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "base/secret.h"
#include "base/text.h"
#include "delivery/tls_sessions.h"

namespace sealpost::delivery {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

bool IsAscii(std::string_view s) { return !HasEightBit(s); }

std::string Describe(const Destination& d) {
  return d.host + "[" + d.address + "]:" + std::to_string(d.port);
}

}  // namespace

struct SmtpConnection::Impl {
  Destination destination;
  ClientOptions options;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<TlsStream> tls;
  std::string input;  // bytes read past the last reply
  ReplyReader reader;
  EhloCapabilities caps;
  bool broken = false;
  Authentication authenticated = Authentication::kNone;
  std::string tls_failure;  // RFC 8460 result type of the last TLS attempt

  beast::tcp_stream& Lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  Error Failed(const std::string& what) {
    broken = true;
    return MakeError(ErrorCode::kIo, Describe(destination) + ": " + what);
  }

  asio::awaitable<Result<SmtpReply>> ReadReply(std::chrono::seconds timeout) {
    char chunk[kReadChunk];
    for (;;) {
      auto reply = reader.Feed(input);
      if (!reply.ok()) co_return Failed(reply.error().message);
      if (*reply) co_return std::move(**reply);
      Lowest().expires_after(timeout);
      boost::system::error_code ec;
      std::size_t n = 0;
      if (tls) {
        std::tie(ec, n) = co_await tls->async_read_some(asio::buffer(chunk), kTuple);
      } else {
        std::tie(ec, n) = co_await plain->async_read_some(asio::buffer(chunk), kTuple);
      }
      if (ec == beast::error::timeout) co_return Failed("timed out waiting for a reply");
      if (ec) co_return Failed("connection lost: " + ec.message());
      input.append(chunk, n);
    }
  }

  asio::awaitable<Status> Write(const std::string& bytes, std::chrono::seconds timeout) {
    Lowest().expires_after(timeout);
    boost::system::error_code ec;
    if (tls) {
      std::tie(ec, std::ignore) = co_await asio::async_write(*tls, asio::buffer(bytes), kTuple);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(*plain, asio::buffer(bytes), kTuple);
    }
    if (ec == beast::error::timeout) co_return Failed("timed out sending");
    if (ec) co_return Failed("connection lost: " + ec.message());
    co_return OkStatus();
  }

  asio::awaitable<Result<SmtpReply>> Command(const std::string& line) {
    auto written = co_await Write(line + "\r\n", options.command_timeout);
    if (!written.ok()) co_return std::move(written).error();
    co_return co_await ReadReply(options.command_timeout);
  }

  // EHLO, or HELO when EHLO is refused (a server without extensions).
  asio::awaitable<Status> Hello() {
    auto ehlo = co_await Command("EHLO " + options.helo_name);
    if (!ehlo.ok()) co_return std::move(ehlo).error();
    if (ehlo->Positive()) {
      caps = ParseEhlo(*ehlo);
      co_return OkStatus();
    }
    caps = EhloCapabilities();
    auto helo = co_await Command("HELO " + options.helo_name);
    if (!helo.ok()) co_return std::move(helo).error();
    if (!helo->Positive()) co_return Failed("HELO refused: " + helo->Summary());
    co_return OkStatus();
  }

  asio::awaitable<Status> Connect(asio::any_io_executor executor) {
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(destination.address, ec);
    if (ec) co_return Failed("not an IP address");
    plain = std::make_unique<beast::tcp_stream>(executor);
    plain->expires_after(options.connect_timeout);
    std::tie(ec) = co_await plain->async_connect(tcp::endpoint(ip, destination.port), kTuple);
    if (ec == beast::error::timeout) co_return Failed("connection timed out");
    if (ec) co_return Failed("cannot connect: " + ec.message());
    auto greeting = co_await ReadReply(options.greeting_timeout);
    if (!greeting.ok()) co_return std::move(greeting).error();
    if (greeting->code != 220) co_return Failed("greeting: " + greeting->Summary());
    co_return co_await Hello();
  }

  // A pipelined DATA the server said 354 to although nothing was accepted (RFC 2920
  // §3.1): ends it with no content, then resets the transaction.
  asio::awaitable<Status> Abandon(bool data_started) {
    if (data_started) {
      auto ended = co_await Write(".\r\n", options.command_timeout);
      if (!ended.ok()) co_return ended;
      auto end = co_await ReadReply(options.data_timeout);
      if (!end.ok()) co_return std::move(end).error();
    }
    auto reset = co_await Command("RSET");
    if (!reset.ok()) co_return std::move(reset).error();
    co_return OkStatus();
  }

  // Makes the handshake check the certificate as the destination asks.
  Status RequireAuthentication(SSL* ssl) {
    switch (destination.authentication) {
      case Authentication::kNone:
        return OkStatus();
      case Authentication::kDane: {
        // RFC 7672 §3.2: the reference names are the MX host's; DANE-EE ignores names.
        if (SSL_dane_enable(ssl, destination.host.c_str()) <= 0) {
          return Failed("cannot enable DANE checks");
        }
        SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
        int usable = 0;
        for (const auto& r : destination.tlsa) {
          int added = SSL_dane_tlsa_add(ssl, r.usage, r.selector, r.matching,
                                        reinterpret_cast<const unsigned char*>(r.data.data()),
                                        r.data.size());
          if (added > 0) ++usable;
        }
        if (usable == 0) return Failed("no usable TLSA record");
        break;
      }
      case Authentication::kPkix:
      case Authentication::kPkixReported:
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (SSL_set1_host(ssl, destination.host.c_str()) != 1) {
          return Failed("cannot set the name to verify");
        }
        // Reported only: the chain and name are still checked, the verdict read after.
        if (destination.authentication == Authentication::kPkixReported) return OkStatus();
        break;
    }
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    return OkStatus();
  }

  Error VerificationFailed(SSL* ssl) {
    broken = true;
    long result = SSL_get_verify_result(ssl);
    tls_failure = ResultTypeForVerifyError(result, destination.authentication == Authentication::kDane);
    const char* how = destination.authentication == Authentication::kDane ? "DANE" : "PKIX";
    return MakeError(ErrorCode::kUnauthenticated,
                     Describe(destination) + ": the certificate fails the " + how +
                         " check: " + X509_verify_cert_error_string(result));
  }

  // STARTTLS and the handshake; the error names what failed.
  asio::awaitable<Status> StartTls(asio::ssl::context& context) {
    auto reply = co_await Command("STARTTLS");
    if (!reply.ok()) co_return std::move(reply).error();
    tls_failure = "starttls-not-supported";
    if (reply->code != 220) co_return Failed("STARTTLS refused: " + reply->Summary());
    tls_failure = "validation-failure";  // until the handshake says otherwise
    if (!input.empty()) co_return Failed("data sent before the TLS handshake");  // RFC 3207 §4.2
    tls = std::make_unique<TlsStream>(std::move(*plain), context);
    plain.reset();
    SSL* ssl = tls->native_handle();
    if (!SSL_set_tlsext_host_name(ssl, destination.host.c_str())) {
      co_return Failed("cannot set the TLS server name");
    }
    auto checked = RequireAuthentication(ssl);
    if (!checked.ok()) co_return checked;
    Lowest().expires_after(options.command_timeout);
    auto [ec] = co_await tls->async_handshake(asio::ssl::stream_base::client, kTuple);
    const bool enforced = destination.authentication == Authentication::kDane ||
                          destination.authentication == Authentication::kPkix;
    if (ec && enforced && SSL_get_verify_result(ssl) != X509_V_OK) {
      co_return VerificationFailed(ssl);
    }
    if (ec) co_return Failed("TLS handshake failed: " + ec.message());
    tls_failure.clear();
    if (enforced) {
      authenticated = destination.authentication;
    } else if (destination.authentication == Authentication::kPkixReported) {
      long verdict = SSL_get_verify_result(ssl);
      if (verdict == X509_V_OK) {
        authenticated = Authentication::kPkix;
      } else {
        tls_failure = ResultTypeForVerifyError(verdict, false);
      }
    }
    co_return co_await Hello();
  }
};

SmtpConnection::SmtpConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SmtpConnection::~SmtpConnection() = default;

asio::awaitable<Result<std::unique_ptr<SmtpConnection>>> SmtpConnection::Open(
    asio::any_io_executor executor, asio::ssl::context& tls, const Destination& destination,
    const ClientOptions& options, TlsAttempt* attempt) {
  auto impl = std::make_unique<Impl>();
  impl->destination = destination;
  impl->options = options;
  auto connected = co_await impl->Connect(executor);
  if (!connected.ok()) co_return std::move(connected).error();
  if (destination.tls == TlsPolicy::kNone) {
    co_return std::unique_ptr<SmtpConnection>(new SmtpConnection(std::move(impl)));
  }
  if (attempt) *attempt = TlsAttempt{true, impl->caps.starttls ? "" : "starttls-not-supported"};
  if (!impl->caps.starttls) {
    if (destination.tls == TlsPolicy::kRequired) {
      co_return MakeError(ErrorCode::kFailedPrecondition,
                          Describe(destination) + ": offers no STARTTLS");
    }
    co_return std::unique_ptr<SmtpConnection>(new SmtpConnection(std::move(impl)));
  }
  auto secured = co_await impl->StartTls(tls);
  if (attempt) attempt->failure = impl->tls_failure;
  if (secured.ok()) co_return std::unique_ptr<SmtpConnection>(new SmtpConnection(std::move(impl)));
  if (secured.error().code == ErrorCode::kUnauthenticated) co_return std::move(secured).error();
  if (destination.tls == TlsPolicy::kRequired) {
    co_return MakeError(ErrorCode::kFailedPrecondition, secured.error().message);
  }
  // Opportunistic TLS that failed: the same server, in clear, as RFC 7435 allows.
  Destination clear = destination;
  clear.tls = TlsPolicy::kNone;
  co_return co_await Open(executor, tls, clear, options);
}

asio::awaitable<Result<std::vector<SmtpReply>>> SmtpConnection::Send(
    const OutboundMessage& message, const std::vector<std::string>& recipients) {
  Impl& c = *impl_;
  const std::string& mail_from = message.mail_from;
  std::vector<SmtpReply> replies(recipients.size());
  auto all = [&](SmtpReply reply) {
    for (auto& r : replies) r = reply;
    return replies;
  };
  // Refusals we can make without asking: the server would refuse these itself.
  bool utf8 = !IsAscii(mail_from);
  for (const auto& r : recipients) utf8 = utf8 || !IsAscii(r);
  if (utf8 && !c.caps.smtputf8) {
    co_return all({553, "5.6.7 the server does not accept internationalised addresses (SMTPUTF8)"});
  }
  if (c.caps.size != 0 && message.size > c.caps.size) {
    co_return all({552, "5.3.4 message larger than the server accepts (SIZE " +
                            std::to_string(c.caps.size) + ")"});
  }
  // Opened before the transaction: content that cannot be read fails nothing here.
  auto content = message.content->Open();
  if (!content.ok()) co_return std::move(content).error();

  std::string mail = "MAIL FROM:<" + mail_from + ">";
  if (c.caps.size != 0) mail += " SIZE=" + std::to_string(message.size);
  if (message.eight_bit && c.caps.eight_bit_mime) mail += " BODY=8BITMIME";
  if (utf8) mail += " SMTPUTF8";
  std::vector<std::string> commands{mail};
  for (const auto& r : recipients) commands.push_back("RCPT TO:<" + r + ">");
  commands.push_back("DATA");

  // Pipelined: every command in one write, then the replies in order. Otherwise one
  // by one, stopping where the server says no.
  std::vector<SmtpReply> got;
  if (c.caps.pipelining) {
    std::string batch;
    for (const auto& cmd : commands) batch += cmd + "\r\n";
    auto written = co_await c.Write(batch, c.options.command_timeout);
    if (!written.ok()) co_return std::move(written).error();
    for (std::size_t i = 0; i < commands.size(); ++i) {
      auto reply = co_await c.ReadReply(c.options.command_timeout);
      if (!reply.ok()) co_return std::move(reply).error();
      got.push_back(std::move(*reply));
    }
  } else {
    for (std::size_t i = 0; i < commands.size(); ++i) {
      bool accepted_any = false;
      for (std::size_t k = 1; k < got.size(); ++k) accepted_any |= got[k].Positive();
      if (i == commands.size() - 1 && !accepted_any) break;  // no DATA for nobody
      auto reply = co_await c.Command(commands[i]);
      if (!reply.ok()) co_return std::move(reply).error();
      got.push_back(std::move(*reply));
      if (i == 0 && !got[0].Positive()) break;
    }
  }

  const bool data_started = got.size() == commands.size() && got.back().code == 354;
  const SmtpReply mail_reply = got[0];
  if (!mail_reply.Positive()) {
    auto abandoned = co_await c.Abandon(data_started);
    if (!abandoned.ok()) co_return std::move(abandoned).error();
    co_return all(mail_reply);
  }
  bool accepted_any = false;
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    replies[i] = got[i + 1];
    accepted_any |= got[i + 1].Positive();
  }
  if (!accepted_any) {
    auto abandoned = co_await c.Abandon(data_started);
    if (!abandoned.ok()) co_return std::move(abandoned).error();
    co_return replies;
  }
  if (!data_started) {
    for (std::size_t i = 0; i < recipients.size(); ++i) {
      if (replies[i].Positive()) replies[i] = got.size() == commands.size()
                                                   ? got.back()
                                                   : SmtpReply{451, "4.3.0 no reply to DATA"};
    }
    auto reset = co_await c.Command("RSET");
    if (!reset.ok()) co_return std::move(reset).error();
    co_return replies;
  }
  // After the 354 there is no way back but closing: content that fails to read now
  // leaves the connection broken and every recipient to be tried again.
  constexpr std::size_t kWriteAtLeast = 64 * 1024;
  DataStuffer stuffer;
  std::string payload, piece;
  stuffer.Add(message.prefix, payload);
  for (;;) {
    auto more = (*content)->Next(piece);
    if (!more.ok()) {
      c.broken = true;
      co_return std::move(more).error();
    }
    if (*more) stuffer.Add(piece, payload);
    WipeMemory(piece.data(), piece.size());
    if (!*more) stuffer.Finish(payload);
    if (payload.size() >= kWriteAtLeast || !*more) {
      auto sent = co_await c.Write(payload, c.options.data_timeout);
      WipeMemory(payload.data(), payload.size());
      payload.clear();
      if (!sent.ok()) co_return std::move(sent).error();
    }
    if (!*more) break;
  }
  auto final_reply = co_await c.ReadReply(c.options.data_timeout);
  if (!final_reply.ok()) co_return std::move(final_reply).error();
  for (auto& r : replies) {
    if (r.Positive()) r = *final_reply;
  }
  co_return replies;
}

asio::awaitable<void> SmtpConnection::Quit() {
  Impl& c = *impl_;
  if (!c.broken) {
    c.options.command_timeout = std::chrono::seconds(5);
    (void)co_await c.Command("QUIT");
  }
  if (c.tls) {
    c.Lowest().expires_after(std::chrono::seconds(5));
    (void)co_await c.tls->async_shutdown(kTuple);
  }
  boost::system::error_code ec;
  c.Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
  c.Lowest().close();
  c.broken = true;
}

Authentication SmtpConnection::authenticated() const { return impl_->authenticated; }

bool SmtpConnection::usable() const { return !impl_->broken; }
const Destination& SmtpConnection::destination() const { return impl_->destination; }

std::string SmtpConnection::tls_version() const {
  return impl_->tls ? SSL_get_version(impl_->tls->native_handle()) : "";
}

std::string SmtpConnection::tls_cipher() const {
  return impl_->tls ? SSL_get_cipher_name(impl_->tls->native_handle()) : "";
}

}  // namespace sealpost::delivery
