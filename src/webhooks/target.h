// Where a webhook goes: the endpoint's URL checked (HTTPS, a host, no credentials in
// it), and the addresses a request must not reach unless the administrator allows it
// — loopback, private, link-local and the like — so an endpoint cannot turn the
// gateway into a way into its own network (SSRF). Pure functions, no I/O: the
// resolver's answer is checked here, and the request goes to the address checked.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealpost::webhooks {

struct EndpointUrl {
  std::string host;    // lower case; an IP literal without brackets
  std::uint16_t port = 443;
  std::string target;  // path and query, "/" at least
  bool host_is_address = false;
};

inline constexpr std::size_t kMaxUrlBytes = 2000;

// kInvalidArgument saying what is wrong: not https, no host, user:password@, a
// fragment, too long.
Result<EndpointUrl> ParseEndpointUrl(std::string_view url);

// True for an address no webhook reaches unless allowed: loopback, unspecified,
// private (RFC 1918, unique local fc00::/7), link-local, shared (100.64.0.0/10),
// multicast, broadcast, "this network" (0.0.0.0/8), and IPv4-mapped IPv6 forms of
// them. Also true for text that is not an address (refuse what cannot be judged).
bool IsInternalAddress(std::string_view address);

}  // namespace sealpost::webhooks
