#include <gtest/gtest.h>

#include "dns/records.h"

namespace sealpost::dns {
namespace {

TEST(MxRdata, ParsesNamesAndRefusesMalformed) {
  const char good[] = "\x00\x0a\x02mx\x07" "example\x03net\x00";
  auto mx = ParseMxRdata(good, sizeof good - 1);
  ASSERT_TRUE(mx.ok());
  EXPECT_EQ(mx->preference, 10);
  EXPECT_EQ(mx->host, "mx.example.net");
  const char null_mx[] = "\x00\x00\x00";
  EXPECT_EQ(ParseMxRdata(null_mx, 3)->host, "");
  const char overrun[] = "\x00\x0a\x09mx";
  EXPECT_FALSE(ParseMxRdata(overrun, sizeof overrun - 1).ok());
  const char unterminated[] = "\x00\x0a\x02mx";
  EXPECT_FALSE(ParseMxRdata(unterminated, sizeof unterminated - 1).ok());
}

TEST(TlsaRdata, ParsesAndKnowsWhatSmtpCanUse) {
  std::string rdata("\x03\x01\x01", 3);
  rdata += std::string(32, '\xab');
  auto tlsa = ParseTlsaRdata(rdata.data(), static_cast<int>(rdata.size()));
  ASSERT_TRUE(tlsa.ok());
  EXPECT_EQ(tlsa->usage, 3);
  EXPECT_EQ(tlsa->selector, 1);
  EXPECT_EQ(tlsa->matching, 1);
  EXPECT_EQ(tlsa->data, std::string(32, '\xab'));
  EXPECT_TRUE(tlsa->UsableForSmtp());
  EXPECT_FALSE(ParseTlsaRdata(rdata.data(), 3).ok());

  TlsaRecord r = *tlsa;
  r.usage = 2;  // DANE-TA
  EXPECT_TRUE(r.UsableForSmtp());
  r.usage = 1;  // PKIX-EE: RFC 7672 §3.1.3, not for SMTP
  EXPECT_FALSE(r.UsableForSmtp());
  r.usage = 3;
  r.data.resize(31);  // a SHA-256 of the wrong length
  EXPECT_FALSE(r.UsableForSmtp());
  r.matching = 2;
  r.data.assign(64, 'x');
  EXPECT_TRUE(r.UsableForSmtp());
  r.matching = 3;
  EXPECT_FALSE(r.UsableForSmtp());
  r.matching = 0;
  r.selector = 2;
  EXPECT_FALSE(r.UsableForSmtp());
}

TEST(TxtRdata, JoinsItsStringsAndRefusesOverruns) {
  const char two[] = "\x05v=STS\x03v1;";
  EXPECT_EQ(*ParseTxtRdata(two, sizeof two - 1), "v=STSv1;");
  EXPECT_EQ(*ParseTxtRdata("", 0), "");
  const char overrun[] = "\x09short";
  EXPECT_EQ(ParseTxtRdata(overrun, sizeof overrun - 1).error().code, ErrorCode::kInvalidArgument);
}

TEST(TaggedTxtRecord, FindsTheOneRecordOfItsVersion) {
  auto tags = FindTaggedTxtRecord({"v=spf1 -all", "v=STSv1; id=20260101; id=later"}, "v=STSv1");
  ASSERT_TRUE(tags.ok()) << tags.error().message;
  EXPECT_EQ(tags->at("id"), "20260101");  // a repeated tag counts the first time
  EXPECT_EQ(FindTaggedTxtRecord({"v=STSv1; id=a", "v=STSv1; id=b"}, "v=STSv1").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(FindTaggedTxtRecord({"v=STSv10; id=a"}, "v=STSv1").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sealpost::dns
