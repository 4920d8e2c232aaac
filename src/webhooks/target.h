// Where a webhook goes: the endpoint's URL checked (HTTPS, a host, no credentials in
// it), and the addresses a request must not reach unless the administrator allows it
// — loopback, private, link-local and the like — so an endpoint cannot turn the
// gateway into a way into its own network (SSRF). Pure functions, no I/O: the
// resolver's answer is checked here, and the request goes to the address checked.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <functional>
#include <vector>

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

// A host's addresses (the resolver's, in serve); kNotFound/kIo when there are none.
using AddressLookup = std::function<Result<std::vector<std::string>>(const std::string& host)>;

// The first address of `url`'s host a webhook may reach: kPermissionDenied (field
// "url") when every one is internal and those are not allowed; the lookup's error, or
// kUnavailable without a lookup, for a name.
Result<std::string> AddressFor(const EndpointUrl& url, bool allow_internal,
                               const AddressLookup& lookup);

// Why `url` may not be an endpoint (not HTTPS, an internal address when those are not
// allowed, a name that resolves to one); OK otherwise, also for a name that does not
// resolve yet or without `lookup`: every delivery checks again.
Status CheckEndpointUrl(const std::string& url, bool allow_internal, const AddressLookup& lookup);

// The AAD an endpoint's sealed secrets are bound to.
std::string SecretsAad(const std::string& endpoint_id);

}  // namespace sealpost::webhooks
