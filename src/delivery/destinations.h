// Where mail for one domain goes, in the order to try: the transport map's host, or
// the domain's MX hosts and their addresses, looked up through the resolver. Shared by
// delivery and by the TLS probe, so both ask the same servers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "delivery/route.h"

namespace sealpost::dns {
class Resolver;
}  // namespace sealpost::dns

namespace sealpost::delivery {

struct RouteOptions {
  std::uint16_t port = 25;  // of MX hosts (tests point it elsewhere)
  std::vector<TransportRule> transports;
  std::size_t max_mx_hosts = 5;
  std::size_t max_addresses = 10;  // destinations, at most
};

// kNotFound (permanent): the domain takes no mail (null MX, no such domain); kIo: no
// address could be found for any of its hosts now. Blocking (DNS): off the event loop.
Result<std::vector<Destination>> FindDestinations(const std::string& domain,
                                                  const RouteOptions& options,
                                                  dns::Resolver& resolver);

}  // namespace sealpost::delivery
