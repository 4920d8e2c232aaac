#include "delivery/tls_probe.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "net/tls.h"

namespace sealpost::delivery {

namespace asio = boost::asio;

namespace {

// Opens with TLS required and says QUIT. A plain function with pointers, not a
// capturing coroutine lambda (g++ 12 destroys such captures twice).
asio::awaitable<void> TryServer(asio::ssl::context* tls, const Destination* destination,
                                const ClientOptions* options, Status* out) {
  auto executor = co_await asio::this_coro::executor;
  auto connection = co_await SmtpConnection::Open(executor, *tls, *destination, *options);
  if (!connection.ok()) {
    *out = std::move(connection).error();
    co_return;
  }
  co_await (*connection)->Quit();
  *out = OkStatus();
}

}  // namespace

Result<ProbeResult> TlsProbe::Probe(const std::string& domain,
                                    std::chrono::steady_clock::time_point deadline) const {
  auto destinations = FindDestinations(domain, route_, resolver_);
  if (!destinations.ok()) return std::move(destinations).error();
  asio::ssl::context tls(asio::ssl::context::tls_client);
  net::ConfigureClientTls(tls);
  std::string last_error = "no mail server of " + domain + " answered";
  int tried = 0;
  for (Destination d : *destinations) {
    if (d.tls == TlsPolicy::kNone) {
      return ProbeResult{false, d.host, "the transport map sends mail for " + domain + " in clear"};
    }
    if (tried++ == max_servers_) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      last_error = "no time left to probe " + domain + "'s mail servers";
      break;
    }
    d.tls = TlsPolicy::kRequired;
    // The question is whether it offers TLS; DANE or MTA-STS proof is delivery's to ask.
    d.authentication = Authentication::kNone;
    Status status = MakeError(ErrorCode::kInternal, "not probed");
    asio::io_context io;
    asio::co_spawn(io, TryServer(&tls, &d, &client_, &status), asio::detached);
    // Past the deadline the unfinished probe is dropped with `io` (its socket closed).
    if (deadline == std::chrono::steady_clock::time_point::max()) {
      io.run();
    } else {
      io.run_until(deadline);
      if (!io.stopped()) {
        return MakeError(ErrorCode::kIo, "probing " + d.host + " took longer than planning may");
      }
    }
    if (status.ok()) return ProbeResult{true, d.host, "offers STARTTLS"};
    if (status.error().code == ErrorCode::kFailedPrecondition) {
      return ProbeResult{false, d.host, status.error().message};
    }
    last_error = status.error().message;
  }
  return MakeError(ErrorCode::kIo, last_error);
}

}  // namespace sealpost::delivery
