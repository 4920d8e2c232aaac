#include "delivery/mta_sts.h"

#include <algorithm>

#include "base/text.h"
#include "delivery/https_client.h"

namespace sealpost::delivery {

namespace asio = boost::asio;

Status ApplyStsPolicy(const StsPolicy& policy, std::vector<Destination>& destinations) {
  if (policy.mode == StsMode::kNone) return OkStatus();
  if (policy.mode == StsMode::kTesting) {
    // §5: checked and reported, never enforced.
    for (auto& d : destinations) {
      if (d.authentication == Authentication::kNone && d.tls != TlsPolicy::kNone) {
        d.authentication = Authentication::kPkixReported;
      }
    }
    return OkStatus();
  }
  std::vector<Destination> kept;
  for (auto& d : destinations) {
    if (d.authentication == Authentication::kDane) {
      kept.push_back(std::move(d));
      continue;
    }
    bool listed = std::any_of(policy.mx.begin(), policy.mx.end(),
                              [&](const std::string& p) { return StsMxMatches(p, d.host); });
    if (!listed) continue;
    d.tls = TlsPolicy::kRequired;
    d.authentication = Authentication::kPkix;
    kept.push_back(std::move(d));
  }
  destinations = std::move(kept);
  if (destinations.empty()) {
    return MakeError(ErrorCode::kNotFound, "the MTA-STS policy lists none of the mail servers");
  }
  return OkStatus();
}

std::optional<StsPolicy> StsCache::Valid(const std::string& domain, std::int64_t now) const {
  auto it = entries_.find(domain);
  if (it == entries_.end() || it->second.expires_at <= now) return std::nullopt;
  return it->second.policy;
}

bool StsCache::IsNew(const std::string& domain, const std::string& id, std::int64_t now) const {
  auto policy = Valid(domain, now);
  return !policy || policy->id != id;
}

void StsCache::Put(const std::string& domain, StsPolicy policy, std::int64_t now) {
  std::int64_t expires_at = now + policy.max_age;
  Restore(domain, std::move(policy), expires_at);
}

void StsCache::Restore(const std::string& domain, StsPolicy policy, std::int64_t expires_at) {
  if (entries_.size() >= max_domains_ && !entries_.count(domain)) {
    auto first = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.expires_at < b.second.expires_at;
    });
    if (first != entries_.end()) entries_.erase(first);
  }
  entries_[domain] = Entry{std::move(policy), expires_at};
}

asio::awaitable<Result<std::string>> FetchStsPolicy(asio::any_io_executor executor,
                                                    asio::ssl::context& https,
                                                    const std::string& domain,
                                                    const std::string& address,
                                                    const MtaStsOptions& options) {
  HttpsRequest request;
  // §3.3: the server's certificate must be valid for mta-sts.DOMAIN, from a trusted CA.
  request.host = "mta-sts." + domain;
  request.address = address;
  request.port = options.port;
  request.target = "/.well-known/mta-sts.txt";
  request.timeout = options.timeout;
  request.max_response_bytes = options.max_policy_bytes;
  auto response = co_await HttpsExchange(std::move(executor), https, request);
  if (!response.ok()) {
    co_return MakeError(ErrorCode::kIo, "MTA-STS policy of " + domain + ": " + response.error().message);
  }
  auto failed = [&](const std::string& what) {
    return MakeError(ErrorCode::kIo, "MTA-STS policy of " + domain + ": " + what);
  };
  // Including 3xx: a redirect could hand the policy to someone else (§3.3).
  if (response->status != 200) co_return failed("HTTP " + std::to_string(response->status));
  if (response->content_type != "text/plain") co_return failed("not text/plain");
  co_return std::move(response->body);
}

}  // namespace sealpost::delivery
