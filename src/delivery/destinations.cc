#include "delivery/destinations.h"

#include <boost/asio/ip/address.hpp>
#include <random>

#include "dns/resolver.h"

namespace sealpost::delivery {
namespace {

bool IsIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

// RFC 7672 §2.2: a host whose validated TLSA records include usable ones must prove
// itself by one of them; with only unusable records it still must give TLS. A failed
// lookup (bogus, server failure) makes the host unusable now: kIo.
Status DaneFor(const std::string& host, std::uint16_t port, dns::Resolver& resolver,
               Destination& destination) {
  auto tlsa = resolver.Tlsa(host, port);
  if (!tlsa.ok()) return std::move(tlsa).error();
  if (!tlsa->secure || tlsa->records.empty()) return OkStatus();
  destination.tls = TlsPolicy::kRequired;
  for (const auto& r : tlsa->records) {
    if (r.UsableForSmtp()) destination.tlsa.push_back(r);
  }
  if (!destination.tlsa.empty()) destination.authentication = Authentication::kDane;
  return OkStatus();
}

}  // namespace

Result<std::vector<Destination>> FindDestinations(const std::string& domain,
                                                  const RouteOptions& options,
                                                  dns::Resolver& resolver) {
  std::vector<std::string> hosts;
  std::uint16_t port = options.port;
  TlsPolicy tls_policy = TlsPolicy::kOpportunistic;
  bool mx_secure = false;  // DANE needs a validated MX answer (RFC 7672 §2.2.1)
  if (auto rule = FindTransport(options.transports, domain)) {
    hosts.push_back(rule->host);
    port = rule->port;
    tls_policy = rule->tls;
  } else {
    auto mx = resolver.Mx(domain);
    if (!mx.ok()) return std::move(mx).error();
    mx_secure = mx->secure;
    // Equal preferences are shuffled: a fresh generator per lookup keeps this reentrant.
    std::mt19937 random(std::random_device{}());
    auto ordered = MxHostsInOrder(domain, *mx, options.max_mx_hosts, random);
    if (!ordered.ok()) return std::move(ordered).error();
    hosts = std::move(*ordered);
  }
  std::vector<Destination> destinations;
  std::string last_error;
  for (const auto& host : hosts) {
    if (destinations.size() == options.max_addresses) break;
    if (IsIpLiteral(host)) {
      Destination literal;
      literal.host = literal.address = host;
      literal.port = port;
      literal.tls = tls_policy;
      destinations.push_back(std::move(literal));
      continue;
    }
    auto addresses = resolver.Addresses(host);
    if (!addresses.ok()) {
      last_error = addresses.error().message;
      continue;
    }
    Destination base;
    base.host = host;
    base.port = port;
    base.tls = tls_policy;
    if (mx_secure && addresses->secure) {
      auto dane = DaneFor(host, port, resolver, base);
      if (!dane.ok()) {
        last_error = dane.error().message;
        continue;
      }
    }
    for (const auto& a : addresses->addresses) {
      if (destinations.size() == options.max_addresses) break;
      Destination d = base;
      d.address = a;
      destinations.push_back(std::move(d));
    }
  }
  if (destinations.empty()) {
    return MakeError(ErrorCode::kIo, last_error.empty()
                                         ? "no address for the mail servers of " + domain
                                         : last_error);
  }
  return destinations;
}

}  // namespace sealpost::delivery
