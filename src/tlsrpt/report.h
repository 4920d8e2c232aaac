// SMTP TLS reporting (RFC 8460): once a day, each domain that publishes a "_smtp._tls"
// record gets a report of the tallies of our TLS sessions with its servers (JSON,
// gzipped, by mail or HTTPS). Domains learn from these whether senders can reach them
// securely, and attacks show up. Pure: the record, the report and its mail.
// TlsReporter (tlsrpt/reporter.h) does the DNS, the queueing and the uploads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/records.h"

namespace sealpost::tlsrpt {

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

}  // namespace sealpost::tlsrpt
