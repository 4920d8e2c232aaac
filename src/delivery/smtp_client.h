// SmtpConnection: one client connection to a receiving mail server (RFC 5321), as
// C++20 coroutines on Boost.Asio. Opening it connects, reads the greeting, says EHLO,
// upgrades with STARTTLS when the server offers it (or the destination requires it) and
// says EHLO again. Send runs one transaction — MAIL, RCPT for each recipient, DATA —
// pipelined when the server allows (RFC 2920), and returns each recipient's reply.
// Every wait has the timeout RFC 5321 §4.5.3.2 suggests (configurable).
// Thread-safety: one connection belongs to one coroutine at a time.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "dns/records.h"
#include "delivery/smtp_wire.h"
#include "delivery/target.h"

namespace boost::asio::ssl {
class context;
}

namespace sealpost::delivery {

enum class TlsPolicy {
  kOpportunistic,  // STARTTLS when offered; in clear when not, or when the handshake fails
  kRequired,       // STARTTLS, TLS 1.2 or later, or no delivery over this connection
  kNone,           // never (a transport map's choice for a local relay)
};

// What the server's certificate must prove, beyond giving TLS at all. kDane and kPkix
// come with TlsPolicy::kRequired.
enum class Authentication {
  kNone,  // any certificate (opportunistic TLS, RFC 7435)
  kDane,  // matches one of the destination's TLSA records (RFC 7672)
  kPkix,  // chains to a trusted CA and names the host (MTA-STS, RFC 8461 §4.2)
  // As kPkix, but only checked and reported (MTA-STS testing mode, §5): a failure
  // leaves TLS as opportunistic TLS would, and TlsAttempt says why.
  kPkixReported,
};

struct Destination {
  std::string host;     // the server's name: SNI, reports, the name PKIX checks
  std::string address;  // IPv4 or IPv6 literal
  std::uint16_t port = 25;
  TlsPolicy tls = TlsPolicy::kOpportunistic;
  Authentication authentication = Authentication::kNone;
  std::vector<dns::TlsaRecord> tlsa;  // kDane: the usable records
};

// What became of TLS when a connection was opened, for TLS reports (RFC 8460 §4.3).
struct TlsAttempt {
  bool attempted = false;  // TLS was offered or required
  std::string failure;     // "" when TLS was established (and proven, if asked); else the result type
};

struct ClientOptions {
  std::string helo_name = "localhost";
  std::chrono::seconds connect_timeout{30};
  std::chrono::seconds greeting_timeout{300};
  std::chrono::seconds command_timeout{300};
  std::chrono::seconds data_timeout{600};  // the reply to the end of data
};

class SmtpConnection {
 public:
  // kFailedPrecondition when TLS is required and cannot be had; kUnauthenticated when
  // the server's certificate fails the destination's DANE or PKIX check (the context
  // must have had SSL_CTX_dane_enable for DANE, and trusted CAs loaded for PKIX); kIo for anything else
  // that leaves this server unusable now (refused, timed out, 4xx/5xx greeting).
  static boost::asio::awaitable<Result<std::unique_ptr<SmtpConnection>>> Open(
      boost::asio::any_io_executor executor, boost::asio::ssl::context& tls,
      const Destination& destination, const ClientOptions& options,
      TlsAttempt* attempt = nullptr);
  ~SmtpConnection();
  SmtpConnection(const SmtpConnection&) = delete;
  SmtpConnection& operator=(const SmtpConnection&) = delete;

  // One transaction. A reply per recipient, in order: its RCPT refusal, or the reply
  // to the end of data. Replies made here (a limit the server announced, SMTPUTF8 it
  // lacks) read like a server's. An Error when the connection failed before every
  // recipient had a final reply; the connection is then unusable.
  // The content is read piece by piece as it is sent: however large the message, a
  // piece of it is in memory at a time.
  boost::asio::awaitable<Result<std::vector<SmtpReply>>> Send(
      const OutboundMessage& message, const std::vector<std::string>& recipients);

  // Says QUIT (briefly waiting for the reply) and closes.
  boost::asio::awaitable<void> Quit();

  bool usable() const;
  const Destination& destination() const;
  std::string tls_version() const;  // empty: in clear
  std::string tls_cipher() const;
  // What the certificate was proven by: kNone unless the destination asked (a
  // reported-only check that passed says kPkix).
  Authentication authenticated() const;

 private:
  struct Impl;
  explicit SmtpConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sealpost::delivery
