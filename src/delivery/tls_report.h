// SMTP TLS reporting (RFC 8460): every TLS session with a recipient's server is tallied
// by day, domain, policy and result; once a day, each domain that publishes a
// "_smtp._tls" record gets a report of its tallies (JSON, gzipped, by mail). Domains
// learn from these whether senders can reach them securely, and attacks show up.
// Pure: tallying, the record, the report and its mail. TlsReporter (tls_reporter.h)
// does the DNS and the queueing.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "base/result.h"
#include "store/records.h"

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
};

// RFC 8460 §4.3 result type for an X.509 verification error (OpenSSL's X509_V_ERR_*)
// in a session under a DANE ("tlsa") or MTA-STS ("sts") policy.
std::string ResultTypeForVerifyError(long verify_error, bool dane);

// The reporting addresses of a "_smtp._tls" record ("v=TLSRPTv1; rua=mailto:a@x,https://…"):
// https: URLs as given, mailto: reduced to its address (RFC 6068 header fields are not
// ours to add) and kept only when that is one valid address; at most 10. kNotFound
// without exactly one TLSRPTv1 record; kInvalidArgument when it names no usable rua.
Result<std::vector<std::string>> ParseTlsRptRecord(const std::vector<std::string>& txt_records);

struct TlsReportInput {
  std::string organisation;  // organization-name
  std::string submitter;     // our host name: TLS-Report-Submitter
  std::string contact;       // contact-info (an address)
  std::string domain;        // the policy domain
  std::string day;           // "YYYY-MM-DD", UTC
  std::string report_id;
  std::vector<TlsSessionCount> sessions;  // this domain's, this day's
};

// The report as RFC 8460 §4.4 JSON: one entry per policy, with its summary and failures.
std::string BuildTlsReportJson(const TlsReportInput& input);

// The report as a mail (§5.3): multipart/report; report-type="tlsrpt", the JSON
// gzipped in an application/tlsrpt+gzip part. kInvalidArgument for a header-breaking
// name or address.
Result<std::string> BuildTlsReportMail(const TlsReportInput& input, const std::string& from,
                                       const std::string& to, std::int64_t now);

// gzip (RFC 1952) of `data`.
Result<std::string> Gzip(std::string_view data);

// "YYYY-MM-DD" of a Unix time, UTC; and the Unix time a day starts.
std::string UtcDay(std::int64_t unix_seconds);
Result<std::int64_t> UtcDayStart(const std::string& day);

}  // namespace sealpost::delivery
