#include "api/http_signature.h"

#include <gtest/gtest.h>

#include <map>

#include "base/encoding.h"
#include "crypto/primitives.h"

namespace sealpost::api {
namespace {

// RFC 9421 Appendix B.2's test request.
SignedRequestView TestRequest(std::map<std::string, std::string> fields) {
  SignedRequestView r;
  r.method = "POST";
  r.scheme = "http";
  r.authority = "example.com";
  r.path = "/foo";
  r.query = "param=Value&Pet=dog";
  r.field = [fields](std::string_view name) -> std::optional<std::string> {
    auto it = fields.find(std::string(name));
    if (it == fields.end()) return std::nullopt;
    return it->second;
  };
  return r;
}

SecretBytes Key(std::string_view base64) {
  auto bytes = Base64Decode(base64);
  return SecretBytes(bytes->data(), bytes->size());
}

// Appendix B.2.5, exactly: the shared secret of B.1.5 signs date, @authority and
// content-type.
TEST(HttpSignatureTest, ReproducesRfc9421AppendixB25) {
  const SecretBytes key = Key(
      "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==");
  auto parsed = ParseSignatures(
      R"(sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret")",
      "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ASSERT_EQ(parsed->size(), 1u);
  const SignedMember& m = (*parsed)[0];
  EXPECT_EQ(m.input.label, "sig-b25");
  EXPECT_EQ(m.input.keyid, "test-shared-secret");
  EXPECT_EQ(m.input.created, 1618884473);
  auto request = TestRequest(
      {{"date", "Tue, 20 Apr 2021 02:07:55 GMT"}, {"content-type", "application/json"}});
  auto base = SignatureBase(request, m.input);
  ASSERT_TRUE(base.ok()) << base.error().ToString();
  EXPECT_EQ(*base,
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
            "\"@authority\": example.com\n"
            "\"content-type\": application/json\n"
            "\"@signature-params\": (\"date\" \"@authority\" \"content-type\")"
            ";created=1618884473;keyid=\"test-shared-secret\"");
  EXPECT_EQ(Base64Encode(HmacSignature(key, *base)),
            "pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=");
  EXPECT_TRUE(HmacSignatureMatches(key, *base, m.signature));
  // Any change to a covered part breaks it.
  auto other = TestRequest(
      {{"date", "Tue, 20 Apr 2021 02:07:56 GMT"}, {"content-type", "application/json"}});
  EXPECT_FALSE(HmacSignatureMatches(key, *SignatureBase(other, m.input), m.signature));
}

TEST(HttpSignatureTest, TargetUriMethodAndParametersInTheirOrder) {
  auto parsed = ParseSignatures(
      R"(sig1=("@method" "@target-uri" "content-digest");created=1700000000;nonce="n-1";keyid="s1";alg="hmac-sha256", other=("@path");tag="x")",
      "sig1=:AAAA:, other=:AAAA:");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  const SignatureInput& in = (*parsed)[0].input;
  EXPECT_EQ(in.nonce, "n-1");
  EXPECT_EQ(in.alg, "hmac-sha256");
  auto base = SignatureBase(TestRequest({{"content-digest", "sha-256=:x:"}}), in);
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(*base,
            "\"@method\": POST\n"
            "\"@target-uri\": http://example.com/foo?param=Value&Pet=dog\n"
            "\"content-digest\": sha-256=:x:\n"
            "\"@signature-params\": (\"@method\" \"@target-uri\" \"content-digest\")"
            ";created=1700000000;nonce=\"n-1\";keyid=\"s1\";alg=\"hmac-sha256\"");
  // A covered field the request lacks, or an unknown derived component: an error.
  EXPECT_EQ(SignatureBase(TestRequest({}), in).error().code, ErrorCode::kInvalidArgument);
  auto status = ParseSignatures(R"(s=("@status");created=1)", "s=:AAAA:");
  EXPECT_FALSE(SignatureBase(TestRequest({}), (*status)[0].input).ok());
}

TEST(HttpSignatureTest, MalformedFieldsAreRefused) {
  const char* bad_inputs[] = {
      "sig1",                                     // not an inner list
      R"(sig1=("@method" @path))",                // a token component
      R"(sig1=("@method";sf))",                   // component parameters
      R"(sig1=("@method");created=1.5)",          // a decimal
      R"(sig1=("@method");created="1")",          // the wrong type
      R"(sig1=("@method");nonce=1)",              // the wrong type
      R"(sig1=("@method" "@method"))",            // a component twice
      R"(sig1=("@method");created=1;created=2)",  // a parameter twice
      R"(sig1=("@method"),)",                     // trailing comma
      R"(Sig1=("@method"))",                      // an upper-case key
      R"(a=(), b=(), c=(), d=(), e=())",          // too many
      "",
  };
  for (const char* input : bad_inputs) {
    EXPECT_FALSE(ParseSignatures(input, "sig1=:AAAA:, a=:AAAA:").ok()) << input;
  }
  EXPECT_FALSE(ParseSignatures(R"(sig1=("@method"))", "sig2=:AAAA:").ok());
  EXPECT_FALSE(ParseSignatures(R"(sig1=("@method"))", "sig1=:not base64!:").ok());
  EXPECT_FALSE(ParseSignatures(R"(sig1=("@method"))", R"(sig1="text")").ok());
}

TEST(HttpSignatureTest, ContentDigestAsRfc9530Writes) {
  // RFC 9530 §2's example: {"hello": "world"}.
  const std::string body = "{\"hello\": \"world\"}";
  auto digest = ContentDigestSha256(
      "sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/"
      "WkppmM44T3qg==:, "
      "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
  ASSERT_TRUE(digest.ok()) << digest.error().ToString();
  EXPECT_EQ(*digest, Sha256(body));
  EXPECT_FALSE(ContentDigestSha256("sha-512=:YMAa:").ok());
  EXPECT_FALSE(ContentDigestSha256("sha-256=:AAAA:").ok());  // not 32 bytes
  EXPECT_FALSE(ContentDigestSha256("sha-256=abc").ok());
}

}  // namespace
}  // namespace sealpost::api
