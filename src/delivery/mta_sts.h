// MTA-STS (RFC 8461): a domain without DANE can still say "my mail servers are these,
// they have certificates from a public CA, and mail must reach them over TLS". The
// record at _mta-sts.DOMAIN announces a policy (and its id); the policy itself comes
// over HTTPS from mta-sts.DOMAIN and is cached for its max_age, so an attacker who
// later strips the record cannot switch it off.
// Parsing, matching and the cache are pure; FetchStsPolicy does the HTTPS request.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "delivery/mta_sts_policy.h"
#include "delivery/smtp_client.h"

namespace boost::asio::ssl {
class context;
}

namespace sealpost::delivery {

struct MtaStsOptions {
  std::uint16_t port = 443;  // of mta-sts.DOMAIN (tests point it elsewhere)
  std::chrono::seconds timeout{60};
  std::size_t max_policy_bytes = 64 * 1024;
  std::size_t max_cached_domains = 10000;
};

// An enforced policy applied to where mail would go (§5): hosts it does not list are
// dropped; the rest must give TLS with a certificate a public CA vouches for, naming
// the host. DANE destinations keep DANE: MTA-STS never overrides it (§2). kNotFound
// when no destination is left. A testing policy only has certificates checked and
// reported (kPkixReported).
Status ApplyStsPolicy(const StsPolicy& policy, std::vector<Destination>& destinations);

// Policies seen, per domain, until they expire. Bounded: when full, the entry that
// expires first gives way.
class StsCache {
 public:
  explicit StsCache(std::size_t max_domains) : max_domains_(max_domains) {}

  // The unexpired policy for `domain`, if any.
  std::optional<StsPolicy> Valid(const std::string& domain, std::int64_t now) const;
  // Whether the published id is one we do not hold (so the policy is fetched again).
  bool IsNew(const std::string& domain, const std::string& id, std::int64_t now) const;
  void Put(const std::string& domain, StsPolicy policy, std::int64_t now);
  // A policy kept from before (the store), with its own expiry.
  void Restore(const std::string& domain, StsPolicy policy, std::int64_t expires_at);

 private:
  struct Entry {
    StsPolicy policy;
    std::int64_t expires_at = 0;
  };
  std::size_t max_domains_;
  std::map<std::string, Entry> entries_;
};

// GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt from `address`, checking the
// certificate against the context's trusted CAs and the name. The policy text, or an
// error naming what failed: redirects are not followed (§3.3), only 200 with
// text/plain counts, at most max_policy_bytes.
boost::asio::awaitable<Result<std::string>> FetchStsPolicy(boost::asio::any_io_executor executor,
                                                           boost::asio::ssl::context& https,
                                                           const std::string& domain,
                                                           const std::string& address,
                                                           const MtaStsOptions& options);

}  // namespace sealpost::delivery
