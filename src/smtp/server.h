// The SMTP submission listeners: STARTTLS (RFC 3207, port 587 in production) and
// implicit TLS (RFC 8314, port 465). Each connection runs one Session (session.h) in a
// coroutine; the driver here only moves bytes, runs TLS handshakes, and hands password
// checks and commits to the outside.
//
// Security exposure: high — it faces the Internet. Limits: connections in all and per
// client address, a deadline on every read and write and on the whole session, failed
// logins per client address (growing delays, then refusal; each one logged), and the
// Session's own limits on lines, sizes, recipients and errors.
//
// Threading: one event-loop thread; password checks (Argon2id) run on a small pool;
// commits complete on whatever thread the sink uses and are posted back.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/secret.h"
#include "smtp/session.h"

namespace sealpost::net {
class ServerTls;
}
namespace sealpost::metrics {
class Registry;
}

namespace sealpost::smtp {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t starttls_port = 587;     // 0: any free port (tests)
  std::uint16_t implicit_tls_port = 465; // 0: any free port (tests)
  bool implicit_tls = true;
  std::string cert_file;
  std::string key_file;
  // Shared with the other listeners (one SIGHUP renews it for all); loaded from
  // cert_file and key_file when empty.
  std::shared_ptr<net::ServerTls> tls;
  // Sessions, logins, messages and refusals (by reply code); none counted when null.
  metrics::Registry* metrics = nullptr;
  std::string hostname = "localhost";
  SessionLimits limits;
  // Client networks that may submit without AUTH (CIDR, e.g. "127.0.0.1/32").
  std::vector<std::string> trusted_networks;
  std::size_t max_connections = 256;
  std::size_t max_connections_per_client = 20;
  std::chrono::seconds command_timeout{300};  // RFC 5321 §4.5.3.2.7
  std::chrono::seconds session_limit{1800};
  int max_login_failures_per_hour = 30;       // per client address
  std::size_t auth_threads = 2;
};

// Checks a user's SMTP password. Blocking (Argon2id): called on the auth pool.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The addresses the user may send as, or kUnauthenticated. `client_address` is for
  // the audit record of the attempt.
  virtual Result<std::vector<std::string>> Authenticate(const std::string& user,
                                                        const SecretBytes& password,
                                                        const std::string& client_address) = 0;
};

// A message the session finished receiving, handed over for a durable commit.
struct Submission {
  Envelope envelope;
  std::string content;
  std::string client_address;
};

// Commits submissions. `done` gets the queue id once the message is durable, or an
// error; it may be called on any thread, exactly once.
// Where accepted mail goes. `done` gets the queue id once the message is on disk (then,
// and only then, the client hears 250), or why not: kResourceExhausted is a limit (452
// 4.3.1) whose message the client is told as it is — one of the reasons below — and any
// other error a failure to store it (451 4.3.0).
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void Commit(Submission submission, std::function<void(Result<std::string>)> done) = 0;

  static constexpr const char* kTooMuchWaiting = "Too much mail is waiting to be sent";
  static constexpr const char* kStorageFull = "The mail system's storage is full";
};

class Server {
 public:
  // Loads the certificate and binds both listening sockets; fails with a clear error.
  static Result<std::unique_ptr<Server>> Create(ServerOptions options, Authenticator& auth,
                                                MessageSink& sink);
  ~Server();

  std::uint16_t starttls_port() const;
  std::uint16_t implicit_tls_port() const;  // 0 when implicit TLS is off
  // Serves until Stop(); blocks the calling thread.
  void Run();
  // For /readyz: Run is serving and Stop has not been called.
  bool Listening() const;
  // Stops taking connections at once. A message being received (after DATA's 354) gets
  // up to `drain` to arrive and be committed; every other session is told 421 and
  // closed; then Run returns. Safe from any thread.
  void Stop(std::chrono::milliseconds drain = std::chrono::milliseconds(0));

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True when `address` (textual IPv4/IPv6) is inside one of `networks` (CIDR strings;
// a bare address means a single host). Unparseable entries match nothing.
bool InNetworks(const std::string& address, const std::vector<std::string>& networks);

}  // namespace sealpost::smtp
