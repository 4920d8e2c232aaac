#include <gtest/gtest.h>

#include "delivery/resolver.h"
#include "delivery/route.h"

namespace sealpost::delivery {
namespace {

TEST(TransportRule, ParsesHostsPortsAndTls) {
  auto a = ParseTransportRule("Example.NET = 127.0.0.1:2525 tls=none");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->domain, "example.net");
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 2525);
  EXPECT_EQ(a->tls, TlsPolicy::kNone);
  auto b = ParseTransportRule("* = [::1]:25 tls=required");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->tls, TlsPolicy::kRequired);
  auto c = ParseTransportRule(".clinic.example=relay.clinic.example");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 25);
  EXPECT_EQ(c->tls, TlsPolicy::kOpportunistic);
  auto v6 = ParseTransportRule("x.test = [2001:db8::1]");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->port, 25);
  for (const char* bad : {"example.net", "= host", "x = ", "x = host:0", "x = host:70000",
                          "x = host:", "x = [::1", "x = host tls=maybe", "x = host:2a"}) {
    auto r = ParseTransportRule(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("transport"), std::string::npos);
    }
  }
}

TEST(TransportRule, ExactThenLongestSuffixThenStar) {
  std::vector<TransportRule> rules = {*ParseTransportRule("* = star"),
                                      *ParseTransportRule(".example = short"),
                                      *ParseTransportRule(".b.example = long"),
                                      *ParseTransportRule("a.b.example = exact")};
  EXPECT_EQ(FindTransport(rules, "a.b.example")->host, "exact");
  EXPECT_EQ(FindTransport(rules, "c.b.example")->host, "long");
  EXPECT_EQ(FindTransport(rules, "d.example")->host, "short");
  EXPECT_EQ(FindTransport(rules, "example")->host, "star");
  EXPECT_FALSE(FindTransport({}, "example").has_value());
}

TEST(MxHosts, PreferenceOrderImplicitAndNullMx) {
  std::mt19937 random(7);
  MxAnswer answer;
  answer.records = {{20, "b.test"}, {10, "a.test"}, {20, "c.test"}, {10, "a.test"}};
  auto hosts = MxHostsInOrder("x.test", answer, 5, random);
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 3u);
  EXPECT_EQ((*hosts)[0], "a.test");
  EXPECT_TRUE(((*hosts)[1] == "b.test" && (*hosts)[2] == "c.test") ||
              ((*hosts)[1] == "c.test" && (*hosts)[2] == "b.test"));
  EXPECT_EQ(MxHostsInOrder("x.test", answer, 1, random)->size(), 1u);
  MxAnswer none;
  EXPECT_EQ(*MxHostsInOrder("x.test", none, 5, random), std::vector<std::string>{"x.test"});
  MxAnswer null_mx;
  null_mx.null_mx = true;
  auto refused = MxHostsInOrder("x.test", null_mx, 5, random);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  EXPECT_NE(refused.error().message.find("null MX"), std::string::npos);
  MxAnswer missing;
  missing.exists = false;
  EXPECT_EQ(MxHostsInOrder("x.test", missing, 5, random).error().code, ErrorCode::kNotFound);
}

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

}  // namespace
}  // namespace sealpost::delivery
