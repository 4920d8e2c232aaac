#include "delivery/route.h"

#include <algorithm>

#include "base/text.h"

namespace sealpost::delivery {

const char* TlsPolicyName(TlsPolicy policy) {
  switch (policy) {
    case TlsPolicy::kOpportunistic: return "opportunistic";
    case TlsPolicy::kRequired: return "required";
    case TlsPolicy::kNone: return "none";
  }
  return "?";
}

Result<TransportRule> ParseTransportRule(const std::string& line) {
  auto bad = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "transport \"" + SanitizeForLog(line, 100) + "\": " + why);
  };
  auto eq = line.find('=');
  if (eq == std::string::npos) return bad("expected DOMAIN = HOST[:PORT] [tls=...]");
  TransportRule rule;
  rule.domain = AsciiLower(TrimWhitespace(std::string_view(line).substr(0, eq)));
  if (rule.domain.empty()) return bad("no domain");
  std::string_view rest = TrimWhitespace(std::string_view(line).substr(eq + 1));
  auto space = rest.find(' ');
  std::string_view where = rest.substr(0, space);
  std::string_view options = space == std::string_view::npos ? "" : TrimWhitespace(rest.substr(space));
  std::string_view port_text;
  bool has_port = false;
  if (!where.empty() && where.front() == '[') {
    auto close = where.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    rule.host = std::string(where.substr(1, close - 1));
    std::string_view after = where.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected ':' after ']'");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    auto colon = where.rfind(':');
    rule.host = std::string(where.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = where.substr(colon + 1);
      has_port = true;
    }
  }
  if (rule.host.empty()) return bad("no host");
  if (has_port) {
    unsigned port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) return bad("port must be 1 to 65535");
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port == 0 || port > 65535) return bad("port must be 1 to 65535");
    rule.port = static_cast<std::uint16_t>(port);
  }
  if (!options.empty()) {
    if (options == "tls=opportunistic") {
      rule.tls = TlsPolicy::kOpportunistic;
    } else if (options == "tls=required") {
      rule.tls = TlsPolicy::kRequired;
    } else if (options == "tls=none") {
      rule.tls = TlsPolicy::kNone;
    } else {
      return bad("unknown option (tls=opportunistic, tls=required or tls=none)");
    }
  }
  return rule;
}

std::optional<TransportRule> FindTransport(const std::vector<TransportRule>& rules,
                                           const std::string& domain) {
  const TransportRule* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& rule : rules) {
    if (rule.domain == domain) return rule;
    if (rule.domain.size() > 1 && rule.domain[0] == '.' && domain.size() > rule.domain.size() &&
        domain.compare(domain.size() - rule.domain.size(), rule.domain.size(), rule.domain) == 0 &&
        rule.domain.size() > best_length) {
      best = &rule;
      best_length = rule.domain.size();
    }
    if (rule.domain == "*" && !best) best = &rule;
  }
  if (best) return *best;
  return std::nullopt;
}

Result<std::vector<std::string>> MxHostsInOrder(const std::string& domain, const dns::MxAnswer& answer,
                                                std::size_t max_hosts, std::mt19937& random) {
  if (!answer.exists) {
    return MakeError(ErrorCode::kNotFound, "5.1.2 domain " + domain + " does not exist");
  }
  if (answer.null_mx) {
    return MakeError(ErrorCode::kNotFound,
                     "5.1.10 domain " + domain + " accepts no mail (null MX, RFC 7505)");
  }
  if (answer.records.empty()) return std::vector<std::string>{domain};
  std::vector<dns::MxRecord> records = answer.records;
  std::shuffle(records.begin(), records.end(), random);
  std::stable_sort(records.begin(), records.end(),
                   [](const dns::MxRecord& a, const dns::MxRecord& b) { return a.preference < b.preference; });
  std::vector<std::string> hosts;
  for (const auto& r : records) {
    if (r.host.empty()) continue;  // "." among real hosts: nothing to connect to
    if (std::find(hosts.begin(), hosts.end(), r.host) != hosts.end()) continue;
    hosts.push_back(r.host);
    if (hosts.size() == max_hosts) break;
  }
  if (hosts.empty()) {
    return MakeError(ErrorCode::kNotFound, "5.1.10 domain " + domain + " has no usable MX host");
  }
  return hosts;
}

}  // namespace sealpost::delivery
