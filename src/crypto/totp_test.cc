#include "crypto/totp.h"

#include <gtest/gtest.h>

namespace sealpost {
namespace {

SecretBytes Key(std::string_view s) { return SecretBytes(s.data(), s.size()); }

TEST(Hotp, Rfc4226AppendixD) {
  const SecretBytes key = Key("12345678901234567890");
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t count = 0; count < 10; ++count) {
    EXPECT_EQ(Hotp(key, count, 6, TotpHash::kSha1), expected[count]) << count;
  }
}

TEST(Totp, Rfc6238AppendixB) {
  const SecretBytes sha1 = Key("12345678901234567890");
  const SecretBytes sha256 = Key("12345678901234567890123456789012");
  const SecretBytes sha512 =
      Key("1234567890123456789012345678901234567890123456789012345678901234");
  struct Row {
    std::int64_t time;
    const char *sha1, *sha256, *sha512;
  };
  const Row rows[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(Totp(sha1, row.time, {TotpHash::kSha1, 8, 30}), row.sha1) << row.time;
    EXPECT_EQ(Totp(sha256, row.time, {TotpHash::kSha256, 8, 30}), row.sha256) << row.time;
    EXPECT_EQ(Totp(sha512, row.time, {TotpHash::kSha512, 8, 30}), row.sha512) << row.time;
  }
}

TEST(Totp, EachCodeIsAcceptedOnceAndOnlyNearNow) {
  const SecretBytes key = Key("12345678901234567890");
  const TotpParams params;  // SHA-1, 6 digits, 30 s
  const std::int64_t now = 1'800'000'000;
  const std::int64_t step = now / 30;
  const std::string code = Totp(key, now, params);
  auto first = VerifyTotp(key, code, now, 0, params);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, step);
  // The same code again, within its step: a replay.
  auto replay = VerifyTotp(key, code, now + 5, *first, params);
  EXPECT_EQ(replay.error().code, ErrorCode::kFailedPrecondition);
  // An older code after a newer one was used: refused too.
  const std::string previous = Totp(key, now - 30, params);
  EXPECT_EQ(VerifyTotp(key, previous, now, *first, params).error().code,
            ErrorCode::kFailedPrecondition);
  // One step of clock drift either way is allowed; two are not.
  EXPECT_TRUE(VerifyTotp(key, Totp(key, now + 30, params), now, 0, params).ok());
  EXPECT_TRUE(VerifyTotp(key, previous, now, 0, params).ok());
  EXPECT_EQ(VerifyTotp(key, Totp(key, now - 60, params), now, 0, params).error().code,
            ErrorCode::kUnauthenticated);
  // Wrong codes, and codes of the wrong length.
  std::string wrong = code;
  wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
  EXPECT_EQ(VerifyTotp(key, wrong, now, 0, params).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyTotp(key, code.substr(1), now, 0, params).error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyTotp(key, "", now, 0, params).error().code, ErrorCode::kUnauthenticated);
}

TEST(Totp, Base32AndTheEnrolmentUri) {
  // RFC 4648 §10, without padding.
  EXPECT_EQ(Base32Encode(""), "");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("fo"), "MZXQ");
  EXPECT_EQ(Base32Encode("foo"), "MZXW6");
  EXPECT_EQ(Base32Encode("foob"), "MZXW6YQ");
  EXPECT_EQ(Base32Encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(TotpUri("Clinic Portal", "pat@home.example", Key("12345678901234567890"), {}),
            "otpauth://totp/Clinic%20Portal:pat@home.example"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Clinic%20Portal"
            "&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace sealpost
