#include "delivery/tls_sessions.h"

#include <openssl/x509_vfy.h>

#include <boost/json.hpp>
#include <ctime>

#include "base/clock.h"
#include "base/text.h"
#include "metrics/registry.h"

namespace sealpost::delivery {

namespace json = boost::json;

void TlsSessionLog::CountInto(metrics::Registry* metrics) {
  metrics_ = metrics;
  if (metrics_ == nullptr) return;
  metrics_->DeclareCounter("sealpost_tls_policy_sessions_total",
                           "Sessions with recipients' servers by TLS policy (tlsa: DANE, sts: "
                           "MTA-STS, no-policy-found) and RFC 8460 result (success or why not).");
}

void TlsSessionLog::Add(const TlsSession& s, std::int64_t now) {
  if (metrics_) {
    metrics_->Add("sealpost_tls_policy_sessions_total",
                  {{"policy", s.policy_type},
                   {"result", s.result_type.empty() ? "success" : s.result_type}});
  }
  json::array strings;
  for (const auto& p : s.policy_strings) strings.emplace_back(p);
  Key key{UtcDay(now), AsciiLower(s.domain), s.policy_type, json::serialize(strings),
          AsciiLower(s.mx_host), s.receiving_ip, s.result_type};
  std::lock_guard lock(mu_);
  auto it = counts_.find(key);
  if (it != counts_.end()) {
    ++it->second;
  } else if (counts_.size() < max_keys_) {
    counts_.emplace(std::move(key), 1);
  } else {
    ++dropped_;
  }
}

std::vector<TlsSessionCount> TlsSessionLog::Drain() {
  std::map<Key, std::int64_t> taken;
  {
    std::lock_guard lock(mu_);
    taken.swap(counts_);
  }
  std::vector<TlsSessionCount> out;
  for (auto& [k, n] : taken) {
    auto& [day, domain, type, strings, mx, ip, result] = k;
    out.push_back({day, domain, type, strings, mx, ip, result, n});
  }
  return out;
}

std::int64_t TlsSessionLog::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

std::string ResultTypeForVerifyError(long error, bool dane) {
  switch (error) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
      return "certificate-host-mismatch";
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "certificate-expired";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      // Under DANE no CA is asked: a chain that matches no TLSA record fails validation.
      return dane ? "validation-failure" : "certificate-not-trusted";
    default:
      return "validation-failure";
  }
}

std::string UtcDay(std::int64_t unix_seconds) { return FormatRfc3339(unix_seconds).substr(0, 10); }

Result<std::int64_t> UtcDayStart(const std::string& day) {
  std::tm tm{};
  const char* end = strptime(day.c_str(), "%Y-%m-%d", &tm);
  if (day.size() != 10 || !end || *end != '\0') {
    return MakeError(ErrorCode::kInvalidArgument, "not a day (YYYY-MM-DD): " + SanitizeForLog(day, 20));
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace sealpost::delivery
