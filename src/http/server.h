// The HTTPS server (Boost.Beast over OpenSSL, C++20 coroutines) that serves the API
// and the portal. Security exposure: high — it faces the Internet and parses
// untrusted HTTP. Limits: header size, body size per route, timeouts on every read
// and write, on the TLS handshake and on the whole of a request body, caps on
// concurrent connections in all and per client address (an IPv6 /64 is one client),
// and a budget for the bodies buffered in memory at once (503 with Retry-After
// beyond it). Routes' gates (router.h) refuse before any body is read. Every response carries HSTS, a strict
// Content-Security-Policy, nosniff, frame-ancestors 'none' and no-referrer. Request
// log lines name the route pattern, never the path: paths may carry link secrets.
//
// Threading: one event-loop thread runs every connection's coroutine; handlers hand
// blocking or CPU-heavy work to a bounded worker pool through Offload().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <string>

#include "base/result.h"
#include "http/router.h"

namespace sealpost::net {
class ServerTls;
}
namespace sealpost::metrics {
class Registry;
}

namespace sealpost::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8443;  // 0: any free port (tests)
  std::string cert_file;
  std::string key_file;
  // The certificate, shared with the other listeners so one SIGHUP renews it for all;
  // loaded from cert_file and key_file when empty.
  std::shared_ptr<net::ServerTls> tls;
  // Requests by route, method and status, and their latency; none counted when null.
  metrics::Registry* metrics = nullptr;
  std::size_t worker_threads = 8;
  std::uint32_t header_limit = 16 * 1024;
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_client = 64;
  std::uint64_t max_body_memory = 256 * 1024 * 1024;  // buffered bodies, all together
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds io_timeout{30};     // each read or write
  std::chrono::seconds idle_timeout{60};   // between requests
  std::chrono::seconds upload_timeout{3600};  // the whole of one request body
  // Blocking work handed to the worker pool and not finished, all requests together;
  // past it RunOffLoop refuses at once (kUnavailable: 503 with Retry-After).
  std::size_t max_waiting_work = 512;
};

// Runs blocking work off the event loop and resumes the caller when it is done.
class Offloader {
 public:
  using Deadline = std::chrono::steady_clock::time_point;
  virtual ~Offloader() = default;
  // Runs `work` on the worker pool. kUnavailable, and `work` never runs, when too much
  // work waits already or when the pool could not start it before `deadline`.
  virtual boost::asio::awaitable<Status> RunOffLoop(const std::function<void()>& work,
                                             Deadline deadline) = 0;
};

// The one way to leave the event loop: runs `fn` (returning Result<T>) on the worker
// pool and returns its result, or kUnavailable when the pool is full or `fn` could not
// start within `within`:
//   auto key = co_await Offload<Principal>(offloader, [&] { return auth.Check(header); });
template <typename T, typename Fn>
boost::asio::awaitable<Result<T>> Offload(Offloader& offloader, Fn fn,
                                          std::chrono::seconds within = std::chrono::seconds(30)) {
  std::optional<Result<T>> out;
  const std::function<void()> work = [&] { out.emplace(fn()); };
  Status ran = co_await offloader.RunOffLoop(work, std::chrono::steady_clock::now() + within);
  if (!ran.ok()) co_return std::move(ran).error();
  co_return std::move(*out);
}

class Server : public Offloader {
 public:
  // Loads the certificate and binds the listening socket; fails with a clear error.
  static Result<std::unique_ptr<Server>> Create(ServerOptions options);
  ~Server() override;

  // The router may be filled until Run() is called.
  Router& router();
  std::uint16_t port() const;
  // Serves until Stop(); blocks the calling thread.
  void Run();
  // Stops taking connections at once; requests already being read or answered get up
  // to `drain` to finish (their answers say "Connection: close"), then Run returns. A
  // request that starts meanwhile is refused with 503. Safe from any thread.
  void Stop(std::chrono::milliseconds drain = std::chrono::milliseconds(0));

  boost::asio::awaitable<Status> RunOffLoop(const std::function<void()>& work,
                                     Deadline deadline) override;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The headers every response carries (tests check them).
extern const char* const kContentSecurityPolicy;

}  // namespace sealpost::http
