#include "delivery/tls_sessions.h"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

namespace sealpost::delivery {
namespace {

TEST(TlsSessionLog, TalliesByDayAndResult) {
  TlsSessionLog log(3);
  TlsSession ok{"Example.NET", "sts", {"version: STSv1", "mode: enforce"}, "MX.example.net",
                "192.0.2.1", ""};
  TlsSession bad = ok;
  bad.result_type = "certificate-host-mismatch";
  const std::int64_t nov26 = 1795651200;  // 2026-11-26T00:00:00Z
  log.Add(ok, nov26 + 10);
  log.Add(ok, nov26 + 86399);
  log.Add(bad, nov26 + 20);
  log.Add(ok, nov26 + 86400);  // the next day
  TlsSession other = ok;
  other.domain = "other.example";
  log.Add(other, nov26);  // a fourth tally: past the bound, dropped
  EXPECT_EQ(log.dropped(), 1);
  auto counts = log.Drain();
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[0].day, "2026-11-26");
  EXPECT_EQ(counts[0].domain, "example.net");
  EXPECT_EQ(counts[0].mx_host, "mx.example.net");
  EXPECT_EQ(counts[0].policy_strings, R"(["version: STSv1","mode: enforce"])");
  EXPECT_EQ(counts[0].result_type, "");
  EXPECT_EQ(counts[0].count, 2);
  EXPECT_EQ(counts[1].result_type, "certificate-host-mismatch");
  EXPECT_EQ(counts[2].day, "2026-11-27");
  EXPECT_TRUE(log.Drain().empty());
}

TEST(TlsReport, VerifyErrorsHaveTheirResultTypes) {
  EXPECT_EQ(ResultTypeForVerifyError(X509_V_ERR_HOSTNAME_MISMATCH, false), "certificate-host-mismatch");
  EXPECT_EQ(ResultTypeForVerifyError(X509_V_ERR_CERT_HAS_EXPIRED, false), "certificate-expired");
  EXPECT_EQ(ResultTypeForVerifyError(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, false),
            "certificate-not-trusted");
  EXPECT_EQ(ResultTypeForVerifyError(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, true),
            "validation-failure");
  EXPECT_EQ(ResultTypeForVerifyError(X509_V_ERR_DANE_NO_MATCH, true), "validation-failure");
}

TEST(TlsSessionLog, DaysAreUtc) {
  EXPECT_EQ(UtcDay(1795651200), "2026-11-26");
  EXPECT_EQ(UtcDay(1795651199), "2026-11-25");
  EXPECT_EQ(*UtcDayStart("2026-11-26"), 1795651200);
  EXPECT_FALSE(UtcDayStart("2026-11-26x").ok());
  EXPECT_FALSE(UtcDayStart("yesterday").ok());
}

}  // namespace
}  // namespace sealpost::delivery
