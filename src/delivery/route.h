// Where mail for a domain goes: a transport map rule (smarthosts, partners' relays,
// tests) or, without one, the domain's MX hosts in preference order (RFC 5321 §5.1).
// Pure: the DNS answers come in as values.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "base/result.h"
#include "dns/records.h"
#include "delivery/smtp_client.h"

namespace sealpost::delivery {

// One line of the transport map: "DOMAIN = HOST[:PORT] [tls=opportunistic|required|none]".
// DOMAIN "*" matches every domain; ".example.org" matches its subdomains. HOST may be a
// name, an IPv4 literal, or an IPv6 literal in brackets.
struct TransportRule {
  std::string domain;
  std::string host;
  std::uint16_t port = 25;
  TlsPolicy tls = TlsPolicy::kOpportunistic;
};

// kInvalidArgument naming what is wrong with the line.
Result<TransportRule> ParseTransportRule(const std::string& line);

// The first rule for `domain`: an exact match, else the longest ".suffix", else "*".
std::optional<TransportRule> FindTransport(const std::vector<TransportRule>& rules,
                                           const std::string& domain);

// MX hosts to try, in order: ascending preference, equal preferences shuffled (RFC 5321
// §5.1), at most `max_hosts`. Without MX records, the domain itself (its implicit MX).
// kNotFound (permanent) for a domain that does not exist or has a null MX.
Result<std::vector<std::string>> MxHostsInOrder(const std::string& domain, const dns::MxAnswer& answer,
                                                std::size_t max_hosts, std::mt19937& random);

const char* TlsPolicyName(TlsPolicy policy);

}  // namespace sealpost::delivery
