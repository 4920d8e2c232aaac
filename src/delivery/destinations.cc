#include "delivery/destinations.h"

#include <boost/asio/ip/address.hpp>
#include <random>

#include "delivery/resolver.h"

namespace sealpost::delivery {
namespace {

bool IsIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Result<std::vector<Destination>> FindDestinations(const std::string& domain,
                                                  const RouteOptions& options,
                                                  Resolver& resolver) {
  std::vector<std::string> hosts;
  std::uint16_t port = options.port;
  TlsPolicy tls_policy = TlsPolicy::kOpportunistic;
  if (auto rule = FindTransport(options.transports, domain)) {
    hosts.push_back(rule->host);
    port = rule->port;
    tls_policy = rule->tls;
  } else {
    auto mx = resolver.Mx(domain);
    if (!mx.ok()) return std::move(mx).error();
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
      destinations.push_back({host, host, port, tls_policy});
      continue;
    }
    auto addresses = resolver.Addresses(host);
    if (!addresses.ok()) {
      last_error = addresses.error().message;
      continue;
    }
    for (const auto& a : addresses->addresses) {
      if (destinations.size() == options.max_addresses) break;
      destinations.push_back({host, a, port, tls_policy});
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
