// What became of TLS in each session with a recipient's server, tallied by day, domain,
// policy and result for SMTP TLS reporting (RFC 8460). Delivery adds sessions as it
// makes them; the reports (tlsrpt/) are built from the tallies once a day.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "base/result.h"
#include "store/records.h"

namespace sealpost::metrics {
class Registry;
}

namespace sealpost::delivery {

struct TlsSession {
  std::string domain;                       // the policy domain: the recipients'
  std::string policy_type;                  // "tlsa", "sts" or "no-policy-found"
  std::vector<std::string> policy_strings;  // the TLSA records, or the STS policy's lines
  std::string mx_host;
  std::string receiving_ip;
  std::string result_type;                  // "" when TLS was established as the policy asks
};

// Tallies sessions in memory until they are drained into the store. Bounded: past
// `max_keys` distinct tallies, new ones are dropped (and counted as dropped).
// Thread-safety: all methods may be called from any thread.
class TlsSessionLog {
 public:
  explicit TlsSessionLog(std::size_t max_keys = 100000) : max_keys_(max_keys) {}
  // Each session also counted by policy (DANE's "tlsa", "sts", none) and result.
  void CountInto(metrics::Registry* metrics);
  void Add(const TlsSession& session, std::int64_t now);
  std::vector<TlsSessionCount> Drain();
  std::int64_t dropped() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string,
                         std::string, std::string>;
  mutable std::mutex mu_;
  std::size_t max_keys_;
  std::map<Key, std::int64_t> counts_;
  std::int64_t dropped_ = 0;
  metrics::Registry* metrics_ = nullptr;
};

// RFC 8460 §4.3 result type for an X.509 verification error (OpenSSL's X509_V_ERR_*)
// in a session under a DANE ("tlsa") or MTA-STS ("sts") policy.
std::string ResultTypeForVerifyError(long verify_error, bool dane);

// The day a tally belongs to: "YYYY-MM-DD" of a Unix time, UTC; and the Unix time a
// day starts (kInvalidArgument for anything but such a day).
std::string UtcDay(std::int64_t unix_seconds);
Result<std::int64_t> UtcDayStart(const std::string& day);

}  // namespace sealpost::delivery
