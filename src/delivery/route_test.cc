#include <gtest/gtest.h>

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
  dns::MxAnswer answer;
  answer.records = {{20, "b.test"}, {10, "a.test"}, {20, "c.test"}, {10, "a.test"}};
  auto hosts = MxHostsInOrder("x.test", answer, 5, random);
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 3u);
  EXPECT_EQ((*hosts)[0], "a.test");
  EXPECT_TRUE(((*hosts)[1] == "b.test" && (*hosts)[2] == "c.test") ||
              ((*hosts)[1] == "c.test" && (*hosts)[2] == "b.test"));
  EXPECT_EQ(MxHostsInOrder("x.test", answer, 1, random)->size(), 1u);
  dns::MxAnswer none;
  EXPECT_EQ(*MxHostsInOrder("x.test", none, 5, random), std::vector<std::string>{"x.test"});
  dns::MxAnswer null_mx;
  null_mx.null_mx = true;
  auto refused = MxHostsInOrder("x.test", null_mx, 5, random);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  EXPECT_NE(refused.error().message.find("null MX"), std::string::npos);
  dns::MxAnswer missing;
  missing.exists = false;
  EXPECT_EQ(MxHostsInOrder("x.test", missing, 5, random).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sealpost::delivery
