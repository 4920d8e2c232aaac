#include "tlsrpt/report.h"

#include <zlib.h>

#include <algorithm>
#include <boost/json.hpp>
#include <ctime>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/text.h"
#include "crypto/random.h"
#include "dns/records.h"
#include "delivery/tls_sessions.h"
#include "mime/address.h"

namespace sealpost::tlsrpt {

namespace json = boost::json;

namespace {

bool Clean(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"') return false;
  }
  return true;
}

std::string Wrapped(const std::string& base64) {
  std::string out;
  for (std::size_t i = 0; i < base64.size(); i += 76) out += base64.substr(i, 76) + "\r\n";
  return out;
}

}  // namespace

Result<std::vector<std::string>> ParseTlsRptRecord(const std::vector<std::string>& txt_records) {
  auto tags = dns::FindTaggedTxtRecord(txt_records, "v=TLSRPTv1");
  if (!tags.ok()) return std::move(tags).error();
  std::vector<std::string> rua;
  auto found = tags->find("rua");
  std::string_view list = found == tags->end() ? std::string_view() : found->second;
  constexpr std::size_t kMaxRua = 10;
  while (!list.empty() && rua.size() < kMaxRua) {
    std::size_t comma = list.find(',');
    std::string uri(TrimWhitespace(list.substr(0, comma)));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (uri.rfind("https://", 0) == 0) {
      rua.push_back(uri);
    } else if (uri.rfind("mailto:", 0) == 0) {
      // One plain address only: the record is the domain's, the queue is ours.
      std::string address = uri.substr(7, uri.find('?') - 7);
      if (IsValidAddress(address)) rua.push_back("mailto:" + address);
    }
  }
  if (rua.empty()) return MakeError(ErrorCode::kInvalidArgument, "TLSRPT record names no usable rua");
  return rua;
}

std::string BuildTlsReportJson(const TlsReportInput& in) {
  // One policy entry per (type, policy strings), in the order the tallies come.
  struct Policy {
    std::string type, strings;
    std::vector<std::string> mx_hosts;
    std::int64_t ok = 0, failed = 0;
    json::array failures;
  };
  std::vector<Policy> policies;
  for (const auto& s : in.sessions) {
    Policy* p = nullptr;
    for (auto& q : policies) {
      if (q.type == s.policy_type && q.strings == s.policy_strings) p = &q;
    }
    if (!p) {
      policies.push_back({s.policy_type, s.policy_strings, {}, 0, 0, {}});
      p = &policies.back();
    }
    if (std::find(p->mx_hosts.begin(), p->mx_hosts.end(), s.mx_host) == p->mx_hosts.end()) {
      p->mx_hosts.push_back(s.mx_host);
    }
    if (s.result_type.empty()) {
      p->ok += s.count;
      continue;
    }
    p->failed += s.count;
    p->failures.push_back(json::object{{"result-type", s.result_type},
                                       {"receiving-mx-hostname", s.mx_host},
                                       {"receiving-ip", s.receiving_ip},
                                       {"failed-session-count", s.count}});
  }
  json::array out_policies;
  for (auto& p : policies) {
    json::value strings = json::parse(p.strings.empty() ? "[]" : p.strings);
    json::array mx(p.mx_hosts.begin(), p.mx_hosts.end());
    json::object policy{{"policy-type", p.type},
                        {"policy-string", strings},
                        {"policy-domain", in.domain},
                        {"mx-host", mx}};
    json::object entry{{"policy", policy},
                       {"summary", json::object{{"total-successful-session-count", p.ok},
                                                {"total-failure-session-count", p.failed}}}};
    if (!p.failures.empty()) entry["failure-details"] = std::move(p.failures);
    out_policies.push_back(std::move(entry));
  }
  auto start = delivery::UtcDayStart(in.day);
  std::int64_t begin = start.ok() ? *start : 0;
  json::object report{
      {"organization-name", in.organisation},
      {"date-range", json::object{{"start-datetime", FormatRfc3339(begin)},
                                  {"end-datetime", FormatRfc3339(begin + 86399)}}},
      {"contact-info", in.contact},
      {"report-id", in.report_id},
      {"policies", std::move(out_policies)}};
  return json::serialize(report);
}

Result<std::string> Gzip(std::string_view data) {
  z_stream z{};
  // 15 window bits, +16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return MakeError(ErrorCode::kInternal, "gzip: cannot start");
  }
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return MakeError(ErrorCode::kInternal, "gzip: did not finish");
  return out;
}

Result<std::string> BuildTlsReportMail(const TlsReportInput& in, const std::string& from,
                                       const std::string& to, std::int64_t now) {
  for (const std::string* s : {&in.submitter, &in.domain, &in.report_id, &from, &to, &in.day}) {
    if (!Clean(*s)) return MakeError(ErrorCode::kInvalidArgument, "a character a header cannot hold");
  }
  auto start = delivery::UtcDayStart(in.day);
  if (!start.ok()) return std::move(start).error();
  auto gz = Gzip(BuildTlsReportJson(in));
  if (!gz.ok()) return std::move(gz).error();
  // §5.3: "sender!policy-domain!begin!end!unique-id.json.gz".
  const std::string filename = in.submitter + "!" + in.domain + "!" + std::to_string(*start) +
                               "!" + std::to_string(*start + 86399) + "!" + in.report_id +
                               ".json.gz";
  const std::string boundary = "=_sealpost_tlsrpt_" + NewId();
  std::string out;
  out += "From: <" + from + ">\r\n";
  out += "To: <" + to + ">\r\n";
  out += "Subject: Report Domain: " + in.domain + " Submitter: " + in.submitter +
         " Report-ID: <" + in.report_id + ">\r\n";
  out += "Date: " + FormatRfc5322Date(now) + "\r\n";
  out += "Message-ID: <" + in.report_id + ">\r\n";
  out += "TLS-Report-Domain: " + in.domain + "\r\n";
  out += "TLS-Report-Submitter: " + in.submitter + "\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n boundary=\"" + boundary +
         "\"\r\n\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
  out += "This is an aggregate TLS report (RFC 8460) from " + in.submitter + " for " +
         in.domain + ", " + in.day + " (UTC).\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: application/tlsrpt+gzip\r\n";
  out += "Content-Transfer-Encoding: base64\r\n";
  out += "Content-Disposition: attachment;\r\n filename=\"" + filename + "\"\r\n\r\n";
  out += Wrapped(Base64Encode(*gz));
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace sealpost::tlsrpt
