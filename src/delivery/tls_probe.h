// TlsProbe: whether a domain's mail servers offer STARTTLS, learnt by asking them as
// delivery would: the same destinations in the same order, a connection to the first
// that answers, EHLO, and STARTTLS with TLS 1.2 or later. Nothing is sent; the
// connection ends with QUIT. The policy engine's TLS knowledge caches the answers.
// Thread-safety: Probe may be called from any thread; it blocks (DNS, network), for at
// most a few timeouts, so call it off the event loop.
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"
#include "delivery/destinations.h"
#include "delivery/smtp_client.h"

namespace sealpost::dns {
class Resolver;
}  // namespace sealpost::dns

namespace sealpost::delivery {

struct ProbeResult {
  bool starttls = false;  // offered, and a TLS 1.2+ handshake completed
  std::string host;       // the server that answered
  std::string detail;     // what it said, for the record ("offers no STARTTLS", ...)
};

class TlsProbe {
 public:
  // `max_servers`: destinations tried before giving up.
  TlsProbe(RouteOptions route, ClientOptions client, dns::Resolver& resolver, int max_servers = 3)
      : route_(std::move(route)), client_(std::move(client)), resolver_(resolver),
        max_servers_(max_servers) {}

  // kNotFound: the domain takes no mail; kIo: no server answered (nothing learnt), or
  // `deadline` came first (a connection still open then is dropped).
  Result<ProbeResult> Probe(const std::string& domain,
                            std::chrono::steady_clock::time_point deadline =
                                std::chrono::steady_clock::time_point::max()) const;

 private:
  RouteOptions route_;
  ClientOptions client_;
  dns::Resolver& resolver_;
  int max_servers_;
};

}  // namespace sealpost::delivery
