// The key under which limits count a client address (connections per client, login and
// guessing guards). One IPv4 address is one client; an IPv6 client is its /64, since a
// single host is usually given a whole /64 and can pick any address in it at will —
// counting each of its 2^64 addresses apart would make every per-client limit moot.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) count as the IPv4 address.
// Thread-safety: a pure function. Sees untrusted input only as parsed socket addresses.
#pragma once

#include <string>
#include <string_view>

namespace sealpost {

// "192.0.2.7" → "192.0.2.7"; "2001:db8:1:2:a:b:c:d" → "2001:db8:1:2::/64";
// "::ffff:192.0.2.7" → "192.0.2.7". Anything that is not an address is returned as it is.
std::string ClientKey(std::string_view address);

}  // namespace sealpost
