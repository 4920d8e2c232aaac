#include "delivery/mta_sts.h"

#include <gtest/gtest.h>

namespace sealpost::delivery {
namespace {

TEST(StsRecord, FindsTheOneRecordAndItsId) {
  auto id = FindStsRecordId({"v=spf1 -all", "v=STSv1; id=20160831085700Z;"});
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(*id, "20160831085700Z");
  EXPECT_EQ(*FindStsRecordId({"v=STSv1;id=abc"}), "abc");
  // §3.1: none, or more than one, means no policy.
  EXPECT_EQ(FindStsRecordId({"v=spf1 -all"}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(FindStsRecordId({"v=STSv1; id=a;", "v=STSv1; id=b;"}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(FindStsRecordId({"v=STSv1; id=bad-id;"}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(FindStsRecordId({"v=STSv1;"}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(FindStsRecordId({"v=STSv10; id=a;"}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*FindStsRecordId({" v=STSv1 ; id = b2 ; id=later"}), "b2");  // the first counts
  EXPECT_EQ(FindStsRecordId({"v=STSv1; id=" + std::string(33, 'a')}).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(StsPolicy, ParsesTheRfcExample) {
  // RFC 8461 §3.2's example, with CRLF line ends and a key from the future.
  auto policy = ParseStsPolicy(
      "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
      "mx: backupmx.example.com.\r\nmax_age: 604800\r\nextension: ignored\r\n");
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  EXPECT_EQ(policy->mode, StsMode::kEnforce);
  EXPECT_EQ(policy->max_age, 604800);
  EXPECT_EQ(policy->mx, (std::vector<std::string>{"mail.example.com", "*.example.net",
                                                  "backupmx.example.com"}));
  auto none = ParseStsPolicy("version: STSv1\nmode: none\nmax_age: 86400\n");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->mode, StsMode::kNone);
  // max_age is capped at a year.
  EXPECT_EQ(ParseStsPolicy("version: STSv1\nmode: testing\nmx: a.example\nmax_age: 9999999999\n")
                ->max_age,
            31557600);
}

TEST(StsPolicy, RefusesWhatIsMissingOrWrong) {
  for (const char* text : {
           "mode: enforce\nmx: a.example\nmax_age: 1\n",                   // no version
           "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n",   // wrong version
           "version: STSv1\nmx: a.example\nmax_age: 1\n",                  // no mode
           "version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n",    // unknown mode
           "version: STSv1\nmode: enforce\nmx: a.example\n",               // no max_age
           "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -5\n",  // not a number
           "version: STSv1\nmode: enforce\nmax_age: 86400\n",              // enforce without mx
           "version: STSv1\nmode enforce\nmx: a.example\nmax_age: 1\n",    // no colon
       }) {
    auto policy = ParseStsPolicy(text);
    ASSERT_FALSE(policy.ok()) << text;
    EXPECT_EQ(policy.error().code, ErrorCode::kInvalidArgument) << text;
  }
  EXPECT_NE(ParseStsPolicy("version: STSv1\nmode enforce\n").error().message.find("line 2"),
            std::string::npos);
}

TEST(StsMx, WildcardsMatchOneLabel) {
  EXPECT_TRUE(StsMxMatches("mail.example.com", "MAIL.example.com."));
  EXPECT_TRUE(StsMxMatches("*.example.com", "mx1.example.com"));
  EXPECT_FALSE(StsMxMatches("*.example.com", "a.mx1.example.com"));  // §4.1: one label
  EXPECT_FALSE(StsMxMatches("*.example.com", "example.com"));
  EXPECT_FALSE(StsMxMatches("mail.example.com", "mail.example.com.evil"));
  EXPECT_FALSE(StsMxMatches("*.example.com", "mx.badexample.com"));
}

std::vector<Destination> Destinations() {
  std::vector<Destination> d(3);
  d[0].host = "mx1.example.com";
  d[1].host = "rogue.example.org";
  d[2].host = "dane.example.com";
  d[2].tls = TlsPolicy::kRequired;
  d[2].authentication = Authentication::kDane;
  return d;
}

TEST(StsApply, EnforceKeepsListedHostsAndRequiresPkixButNeverOverridesDane) {
  StsPolicy policy;
  policy.mode = StsMode::kEnforce;
  policy.mx = {"*.example.com"};
  auto d = Destinations();
  ASSERT_TRUE(ApplyStsPolicy(policy, d).ok());
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].host, "mx1.example.com");
  EXPECT_EQ(d[0].tls, TlsPolicy::kRequired);
  EXPECT_EQ(d[0].authentication, Authentication::kPkix);
  EXPECT_EQ(d[1].authentication, Authentication::kDane);  // DANE stays DANE

  policy.mx = {"mail.elsewhere.example"};
  d = Destinations();
  d.pop_back();
  auto none = ApplyStsPolicy(policy, d);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(d.empty());

  // none changes nothing; testing drops nothing and requires nothing, but has
  // certificates checked for the report (§5).
  policy.mode = StsMode::kNone;
  d = Destinations();
  ASSERT_TRUE(ApplyStsPolicy(policy, d).ok());
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].authentication, Authentication::kNone);
  policy.mode = StsMode::kTesting;
  d = Destinations();
  ASSERT_TRUE(ApplyStsPolicy(policy, d).ok());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[1].authentication, Authentication::kPkixReported);  // unlisted, still used
  EXPECT_EQ(d[1].tls, TlsPolicy::kOpportunistic);
  EXPECT_EQ(d[2].authentication, Authentication::kDane);
}

TEST(StsCache, KeepsPoliciesUntilTheyExpireAndNoticesNewIds) {
  StsCache cache(2);
  StsPolicy p;
  p.mode = StsMode::kEnforce;
  p.mx = {"mx.a.example"};
  p.max_age = 100;
  p.id = "one";
  EXPECT_TRUE(cache.IsNew("a.example", "one", 1000));
  cache.Put("a.example", p, 1000);
  EXPECT_FALSE(cache.IsNew("a.example", "one", 1050));
  EXPECT_TRUE(cache.IsNew("a.example", "two", 1050));
  ASSERT_TRUE(cache.Valid("a.example", 1099));
  EXPECT_EQ(cache.Valid("a.example", 1099)->mx, p.mx);
  EXPECT_FALSE(cache.Valid("a.example", 1100));  // expired
  EXPECT_TRUE(cache.IsNew("a.example", "one", 1100));
  // Bounded: the policy that expires first makes room.
  p.max_age = 500;
  cache.Put("b.example", p, 1000);
  p.max_age = 50;
  cache.Put("a.example", p, 1000);
  cache.Put("c.example", p, 1000);
  EXPECT_FALSE(cache.Valid("a.example", 1001));
  EXPECT_TRUE(cache.Valid("b.example", 1001));
  EXPECT_TRUE(cache.Valid("c.example", 1001));
}

}  // namespace
}  // namespace sealpost::delivery
