#include "api/credentials.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace sealpost::api {
namespace {

using Method = Credentials::Method;

TEST(ScopesTest, ParseAndFormatRoundTrip) {
  auto all = ParseScopes("campaigns audit:read  admin messages:read messages:send");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, kAllScopes);
  EXPECT_EQ(FormatScopes(*all), "messages:send messages:read admin audit:read campaigns");
  EXPECT_EQ(*ParseScopes(""), 0);
  EXPECT_EQ(FormatScopes(kMessagesRead), "messages:read");
  auto bad = ParseScopes("messages:send mesages:read");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("mesages:read"), std::string::npos);
  EXPECT_EQ(ScopeName(kAuditRead), "audit:read");
  EXPECT_EQ(ScopeName(kCampaigns), "campaigns");
}

TEST(CredentialsTest, ApiKeyHeader) {
  auto c = ReadCredentials("0123456789abcdef0123456789abcdef:s3cr:et", "");
  EXPECT_EQ(c.method, Method::kApiKey);
  EXPECT_FALSE(c.malformed);
  EXPECT_EQ(c.id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(c.secret, "s3cr:et");  // only the first colon separates
  EXPECT_TRUE(ReadCredentials("no-colon", "").malformed);
  EXPECT_TRUE(ReadCredentials(":secret", "").malformed);
  EXPECT_TRUE(ReadCredentials("id:", "").malformed);
  EXPECT_TRUE(ReadCredentials(std::string(600, 'a') + ":b", "").malformed);
}

TEST(CredentialsTest, BasicAsRfc7617Writes) {
  // RFC 7617 §2's example, with the scheme in any case and extra spaces.
  auto c = ReadCredentials("", "basic   QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(c.method, Method::kBasic);
  ASSERT_FALSE(c.malformed);
  EXPECT_EQ(c.id, "Aladdin");
  EXPECT_EQ(c.secret, "open sesame");
  auto bad = ReadCredentials("", "Basic !!!notbase64");
  EXPECT_EQ(bad.method, Method::kBasic);
  EXPECT_TRUE(bad.malformed);
  EXPECT_TRUE(bad.id.empty());
  EXPECT_TRUE(ReadCredentials("", "Basic " + Base64Encode("nocolon")).malformed);
  EXPECT_TRUE(ReadCredentials("", "Basic").malformed);
}

TEST(CredentialsTest, BearerTokens) {
  auto c = ReadCredentials("", "Bearer spt_abc-DEF_123~+/=");
  EXPECT_EQ(c.method, Method::kBearer);
  ASSERT_FALSE(c.malformed);
  EXPECT_EQ(c.token, "spt_abc-DEF_123~+/=");
  EXPECT_TRUE(ReadCredentials("", "Bearer two words").malformed);
  EXPECT_TRUE(ReadCredentials("", "Bearer ").malformed);
  EXPECT_TRUE(ReadCredentials("", "Bearer " + std::string(600, 'a')).malformed);
}

TEST(CredentialsTest, AmbiguousOrUnknownIsMalformed) {
  EXPECT_EQ(ReadCredentials("", "").method, Method::kNone);
  EXPECT_TRUE(ReadCredentials("a:b", "Bearer t").malformed);
  auto digest = ReadCredentials("", "Digest username=\"x\"");
  EXPECT_TRUE(digest.malformed);
  EXPECT_NE(digest.method, Method::kNone);
}

TEST(CredentialsTest, ClientIdShape) {
  EXPECT_TRUE(LooksLikeId("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(LooksLikeId("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(LooksLikeId("my-secret-password"));
}

}  // namespace
}  // namespace sealpost::api
