#include "tlsrpt/report.h"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>
#include <zlib.h>

#include <boost/json.hpp>

#include "base/encoding.h"

namespace sealpost::tlsrpt {
namespace {

namespace json = boost::json;

std::string Gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

TEST(TlsRptRecord, FindsTheReportingAddresses) {
  auto rua = ParseTlsRptRecord(
      {"v=spf1 -all", "v=TLSRPTv1; rua=mailto:reports@example.net, https://r.example.net/v1"});
  ASSERT_TRUE(rua.ok()) << rua.error().message;
  EXPECT_EQ(*rua, (std::vector<std::string>{"mailto:reports@example.net",
                                            "https://r.example.net/v1"}));
  EXPECT_EQ(ParseTlsRptRecord({"v=spf1 -all"}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ParseTlsRptRecord({"v=TLSRPTv1; rua=mailto:a@x", "v=TLSRPTv1; rua=mailto:b@x"})
                .error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(ParseTlsRptRecord({"v=TLSRPTv1; rua=ftp://x"}).error().code,
            ErrorCode::kInvalidArgument);
  // A later version is not this one.
  EXPECT_EQ(ParseTlsRptRecord({"v=TLSRPTv10; rua=mailto:a@x.example"}).error().code,
            ErrorCode::kNotFound);
  // mailto: keeps one valid address and drops RFC 6068 header fields; lists, junk and
  // anything that is not an address are not mailed.
  auto mixed = ParseTlsRptRecord({"v=TLSRPTv1;rua=mailto:r@x.example?subject=hi,"
                                  "mailto:a@x.example%2Cb@y.example,mailto:no-at-sign,"
                                  "mailto:c@z.example"});
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(*mixed, (std::vector<std::string>{"mailto:r@x.example", "mailto:c@z.example"}));
}

TEST(TlsReport, JsonFollowsRfc8460) {
  TlsReportInput in;
  in.organisation = "Clinic";
  in.submitter = "gw.clinic.example";
  in.contact = "tlsrpt@clinic.example";
  in.domain = "example.net";
  in.day = "2026-11-26";
  in.report_id = "r1@gw.clinic.example";
  const std::string sts = R"(["version: STSv1","mode: enforce","mx: *.example.net","max_age: 86400"])";
  in.sessions = {
      {"2026-11-26", "example.net", "sts", sts, "mx1.example.net", "192.0.2.1", "", 5},
      {"2026-11-26", "example.net", "sts", sts, "mx2.example.net", "192.0.2.2",
       "certificate-host-mismatch", 2},
      {"2026-11-26", "example.net", "no-policy-found", "[]", "mx9.example.net", "192.0.2.9",
       "starttls-not-supported", 1},
  };
  auto report = json::parse(BuildTlsReportJson(in)).as_object();
  EXPECT_EQ(report.at("organization-name"), "Clinic");
  EXPECT_EQ(report.at("report-id"), "r1@gw.clinic.example");
  EXPECT_EQ(report.at("date-range").at("start-datetime"), "2026-11-26T00:00:00Z");
  EXPECT_EQ(report.at("date-range").at("end-datetime"), "2026-11-26T23:59:59Z");
  const auto& policies = report.at("policies").as_array();
  ASSERT_EQ(policies.size(), 2u);
  const auto& first = policies[0].as_object();
  EXPECT_EQ(first.at("policy").at("policy-type"), "sts");
  EXPECT_EQ(first.at("policy").at("policy-domain"), "example.net");
  EXPECT_EQ(first.at("policy").at("policy-string").as_array().size(), 4u);
  EXPECT_EQ(first.at("policy").at("mx-host").as_array().size(), 2u);
  EXPECT_EQ(first.at("summary").at("total-successful-session-count"), 5);
  EXPECT_EQ(first.at("summary").at("total-failure-session-count"), 2);
  const auto& failure = first.at("failure-details").as_array()[0].as_object();
  EXPECT_EQ(failure.at("result-type"), "certificate-host-mismatch");
  EXPECT_EQ(failure.at("receiving-mx-hostname"), "mx2.example.net");
  EXPECT_EQ(failure.at("receiving-ip"), "192.0.2.2");
  EXPECT_EQ(failure.at("failed-session-count"), 2);
  EXPECT_EQ(policies[1].at("policy").at("policy-type"), "no-policy-found");
  EXPECT_EQ(policies[1].at("summary").at("total-successful-session-count"), 0);

  auto mail = BuildTlsReportMail(in, "tlsrpt@clinic.example", "reports@example.net", 1795737600);
  ASSERT_TRUE(mail.ok()) << mail.error().message;
  EXPECT_NE(mail->find("Content-Type: multipart/report; report-type=\"tlsrpt\""), std::string::npos);
  EXPECT_NE(mail->find("TLS-Report-Domain: example.net\r\n"), std::string::npos);
  EXPECT_NE(mail->find("TLS-Report-Submitter: gw.clinic.example\r\n"), std::string::npos);
  EXPECT_NE(mail->find("Subject: Report Domain: example.net Submitter: gw.clinic.example "
                       "Report-ID: <r1@gw.clinic.example>\r\n"),
            std::string::npos);
  EXPECT_NE(mail->find("filename=\"gw.clinic.example!example.net!1795651200!1795737599!"
                       "r1@gw.clinic.example.json.gz\""),
            std::string::npos);
  // The attachment is the gzipped JSON.
  auto start = mail->find("\r\n\r\n", mail->find("application/tlsrpt+gzip")) + 4;
  auto end = mail->find("--=_sealpost_tlsrpt_", start);
  std::string b64;
  for (char c : mail->substr(start, end - start)) {
    if (c != '\r' && c != '\n') b64 += c;
  }
  auto gz = Base64Decode(b64);
  ASSERT_TRUE(gz);
  EXPECT_EQ(Gunzip(*gz), BuildTlsReportJson(in));

  in.domain = "example.net\r\nBcc: x@evil.example";
  EXPECT_EQ(BuildTlsReportMail(in, "a@b", "c@d", 0).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace sealpost::tlsrpt
