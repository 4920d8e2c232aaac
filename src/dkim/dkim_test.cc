#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/temp_dir.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "dkim/dkim.h"
#include "dkim/domain_signer.h"
#include "store/sqlite/stores.h"

namespace sealpost::dkim {
namespace {

// RFC 6376 §3.4.5: one message, canonicalised both ways.
TEST(Dkim, Rfc6376CanonicalisationExamples) {
  const std::string message =
      "A: X\r\n"
      "B : Y\t\r\n"
      "\tZ  \r\n"
      "\r\n"
      " C \r\n"
      "D \t E\r\n"
      "\r\n"
      "\r\n";
  auto split = Split(message);
  ASSERT_TRUE(split.ok());
  ASSERT_EQ(split->fields.size(), 2u);
  EXPECT_EQ(CanonicalHeader(split->fields[0], Canon::kRelaxed) +
                CanonicalHeader(split->fields[1], Canon::kRelaxed),
            "a:X\r\nb:Y Z\r\n");
  EXPECT_EQ(CanonicalBody(split->body, Canon::kRelaxed), " C\r\nD E\r\n");
  EXPECT_EQ(CanonicalHeader(split->fields[0], Canon::kSimple) +
                CanonicalHeader(split->fields[1], Canon::kSimple),
            "A: X\r\nB : Y\t\r\n\tZ  \r\n");
  EXPECT_EQ(CanonicalBody(split->body, Canon::kSimple), " C \r\nD \t E\r\n");
  // Empty bodies (§3.4.3, §3.4.4) and their well-known hashes.
  EXPECT_EQ(CanonicalBody("", Canon::kSimple), "\r\n");
  EXPECT_EQ(CanonicalBody("\r\n\r\n", Canon::kRelaxed), "");
  EXPECT_EQ(BodyHash("", Canon::kSimple), "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
  EXPECT_EQ(BodyHash("", Canon::kRelaxed), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

// RFC 8463 Appendix A: RFC 6376's example message, signed with the RFC 8032 Ed25519
// test key and with the RSA key of RFC 8463 §A.1. Both signature schemes are
// deterministic, so the b= values must come out exactly as published.
const char kMessage[] =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

const char kRsaKey[] =  // RFC 8463 §A.1, PKCS#1 DER in base64
    "MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi"
    "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM"
    "KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
    "AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm"
    "6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe"
    "zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy"
    "6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc"
    "uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy"
    "WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd"
    "WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a"
    "licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst"
    "o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe"
    "uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL";

DkimKey Rfc8032Key() {
  // PKCS#8 wrapping of the RFC 8032 §7.1 TEST 1 secret key.
  std::string der = *HexDecode("302e020100300506032b657004220420");
  der += *Base64Decode("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=");
  return std::move(*DkimKey::FromPrivateDer(Algorithm::kEd25519Sha256, der));
}

// The body hash of a message read piece by piece equals the whole body's, however it
// is cut: CRLF split between pieces, lone CRs, runs of WSP, empty lines at the end.
TEST(Dkim, RelaxedBodyHashPieceByPieceEqualsTheWholes) {
  const std::string alphabet = "\r\n \tab";
  std::uint32_t seed = 7;
  auto next = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  for (int round = 0; round < 3000; ++round) {
    std::string body;
    for (std::size_t n = next() % 30; n > 0; --n) body += alphabet[next() % alphabet.size()];
    RelaxedBodyHasher hasher;
    for (std::size_t pos = 0; pos < body.size();) {
      std::size_t len = std::min<std::size_t>(1 + next() % 4, body.size() - pos);
      hasher.Update(std::string_view(body).substr(pos, len));
      pos += len;
    }
    ASSERT_EQ(hasher.Final(), BodyHash(body, Canon::kRelaxed)) << "body: " << body;
  }
  // Larger than the hasher's buffer, in one piece and in uneven ones.
  std::string big;
  for (int i = 0; i < 5000; ++i) big += "line  " + std::to_string(i) + " \t\r\n";
  big += "\r\n\r\n";
  RelaxedBodyHasher whole, cut;
  whole.Update(big);
  for (std::size_t pos = 0; pos < big.size(); pos += 999) cut.Update(big.substr(pos, 999));
  const std::string expected = BodyHash(big, Canon::kRelaxed);
  EXPECT_EQ(whole.Final(), expected);
  EXPECT_EQ(cut.Final(), expected);
}

TEST(Dkim, Rfc8463SignaturesComeOutAsPublished) {
  auto split = Split(kMessage);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(BodyHash(split->body, Canon::kRelaxed), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
  const std::vector<std::string> h = {"from", "to", "subject", "date", "message-id",
                                      "from", "subject", "date"};
  HeaderField ed{"DKIM-Signature",
                 "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
                 " d=football.example.com; i=@football.example.com;\r\n"
                 " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
                 " subject : date : message-id : from : subject : date;\r\n"
                 " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
                 " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
                 " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"};
  auto b = Rfc8032Key().Sign(SignedData(split->fields, h, ed, Canon::kRelaxed));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==");
  EXPECT_EQ(Rfc8032Key().PublicValue(), "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");

  HeaderField rsa{"DKIM-Signature",
                  "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
                  " d=football.example.com; i=@football.example.com;\r\n"
                  " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
                  " date : message-id : from : subject : date;\r\n"
                  " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
                  " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
                  " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
                  " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"};
  auto key = DkimKey::FromPrivateDer(Algorithm::kRsaSha256, *Base64Decode(kRsaKey), /*for_tests=*/true);
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  b = key->Sign(SignedData(split->fields, h, rsa, Canon::kRelaxed));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2JzdA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=");
  // The same key is refused for real use: under 2048 bits.
  EXPECT_FALSE(DkimKey::FromPrivateDer(Algorithm::kRsaSha256, *Base64Decode(kRsaKey)).ok());
}

// The same message and keys with simple/simple canonicalisation, as signed in the
// test data of dkimpy (an independent implementation): exact bytes, folds kept.
TEST(Dkim, SimpleCanonicalisationSignaturesMatchAnIndependentSigner) {
  auto split = Split(kMessage);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(BodyHash(split->body, Canon::kSimple), "4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=");
  const std::vector<std::string> h = {"from", "to", "subject", "date", "message-id",
                                      "from", "subject", "date"};
  HeaderField ed{"DKIM-Signature",
                 "DKIM-Signature: v=1; a=ed25519-sha256; c=simple/simple; \r\n"
                 " d=football.example.com; i=@football.example.com; \r\n"
                 " q=dns/txt; s=brisbane; t=1518460054; h=from : to : \r\n"
                 " subject : date : message-id : from : subject : date; \r\n"
                 " bh=4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=; \r\n"
                 " b=9/dsDChY0YMTtD5Eyw3wx7x22BlSJP7M5ECbJ7GWrR45nXlTCGb8l0YB\r\n"
                 " o0wBLR++X5LqmsxXaOYLLJe46l10AQ==\r\n"};
  auto b = Rfc8032Key().Sign(SignedData(split->fields, h, ed, Canon::kSimple));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "9/dsDChY0YMTtD5Eyw3wx7x22BlSJP7M5ECbJ7GWrR45nXlTCGb8l0YBo0wBLR++X5LqmsxXaOYLLJe46l10AQ==");
  HeaderField rsa{"DKIM-Signature",
                  "DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; \r\n"
                  " d=football.example.com; i=@football.example.com; \r\n"
                  " q=dns/txt; s=test; t=1527915362; h=from : to : subject : \r\n"
                  " date : message-id : from : subject : date; \r\n"
                  " bh=4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=; \r\n"
                  " b=icKcLSEZYXJ95flvWE8FT6hl5iqd8MC/LEKYH0QjsqYy6MO/4pgVNCZH\r\n"
                  " l/RAXAuADxE/40Fg7uTlxwwD1hjN2Ple6J//cJfslBdDOq6zTVbne1dqtl\r\n"
                  " NOat7iamJ1AfRqyG+ja7a2AZsrpUuJ7VA6O+0zRYPqpwMEkEFIzI9i/Xk=\r\n"};
  auto key = DkimKey::FromPrivateDer(Algorithm::kRsaSha256, *Base64Decode(kRsaKey), true);
  ASSERT_TRUE(key.ok());
  b = key->Sign(SignedData(split->fields, h, rsa, Canon::kSimple));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "icKcLSEZYXJ95flvWE8FT6hl5iqd8MC/LEKYH0QjsqYy6MO/4pgVNCZHl/RAXAuADxE/40Fg7uTlxwwD1hjN2Ple6J//cJfslBdDOq6zTVbne1dqtlNOat7iamJ1AfRqyG+ja7a2AZsrpUuJ7VA6O+0zRYPqpwMEkEFIzI9i/Xk=");
}

TEST(Dkim, GeneratedKeysRoundTripAndPublishTheirRecord) {
  for (auto algorithm : {Algorithm::kRsaSha256, Algorithm::kEd25519Sha256}) {
    auto key = DkimKey::Generate(algorithm);
    ASSERT_TRUE(key.ok());
    auto again = DkimKey::FromPrivateDer(algorithm, key->PrivateDer());
    ASSERT_TRUE(again.ok()) << again.error().ToString();
    EXPECT_EQ(again->PublicValue(), key->PublicValue());
    const Algorithm other = algorithm == Algorithm::kRsaSha256 ? Algorithm::kEd25519Sha256
                                                                : Algorithm::kRsaSha256;
    EXPECT_FALSE(DkimKey::FromPrivateDer(other, key->PrivateDer()).ok());
    const std::string record = key->DnsRecord();
    EXPECT_EQ(record.rfind(algorithm == Algorithm::kRsaSha256 ? "v=DKIM1; k=rsa; p=MIIBIjAN"
                                                              : "v=DKIM1; k=ed25519; p=", 0), 0u);
    auto field = SignMessage(*key, {"clinic.example", "s2026", 1790000000}, kMessage);
    ASSERT_TRUE(field.ok());
    EXPECT_EQ(field->rfind("DKIM-Signature: v=1; a=", 0), 0u);
    EXPECT_NE(field->find("d=clinic.example; s=s2026; t=1790000000;"), std::string::npos);
    EXPECT_NE(field->find("h=from:to:subject:date:message-id:from;"), std::string::npos);
    EXPECT_NE(field->find("t=1790000000;"), std::string::npos);
    for (std::size_t pos = 0; pos < field->size();) {  // folded: no line over 78
      auto end = field->find("\r\n", pos);
      EXPECT_LE(end - pos, 78u);
      pos = end + 2;
    }
  }
  EXPECT_FALSE(ParseAlgorithm("dsa").ok());
}

TEST(Dkim, RefusesWhatCouldInjectOrIsNotAMessage) {
  auto key = DkimKey::Generate(Algorithm::kEd25519Sha256);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(SignMessage(*key, {"clinic.example", "s1;\r\nBcc: x", 1}, kMessage).ok());
  EXPECT_FALSE(SignMessage(*key, {"clinic example", "s1", 1}, kMessage).ok());
  EXPECT_FALSE(SignMessage(*key, {"clinic.example", "s1", 1}, "no colon here\r\n\r\nbody").ok());
  EXPECT_FALSE(SignMessage(*key, {"clinic.example", "s1", 1}, " folded first: x\r\n\r\n").ok());
  EXPECT_FALSE(DkimKey::FromPrivateDer(Algorithm::kRsaSha256, "not a key").ok());
}

TEST(DomainSigner, SignsWithTheFromDomainsKeysOrItsParents) {
  TempDir dir;
  auto db = sqlite::Database::Open(dir.path() + "/db");
  ASSERT_TRUE(db.ok());
  auto store = sqlite::NewOrgStore(**db);
  SecretBytes key = RandomSecret(32);
  PurposeKey metadata{key.Copy()};
  ManualClock clock(1790000000);
  DomainSigner signer(*store, metadata, clock);
  auto rsa = signer.CreateKey("Clinic.Example", Algorithm::kRsaSha256, "");
  ASSERT_TRUE(rsa.ok()) << rsa.error().ToString();
  EXPECT_EQ(rsa->selector, "sealpost-rsa-202609");
  ASSERT_TRUE(signer.CreateKey("clinic.example", Algorithm::kEd25519Sha256, "ed1").ok());
  EXPECT_EQ(signer.CreateKey("lab.example", Algorithm::kEd25519Sha256, "a.b").error().code,
            ErrorCode::kInvalidArgument);
  // A second key of an algorithm comes by rollover, never by replacing the one that signs.
  EXPECT_EQ(signer.CreateKey("clinic.example", Algorithm::kEd25519Sha256, "ed2").error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_FALSE(signer.CreateKey("not a domain", Algorithm::kEd25519Sha256, "s").ok());
  auto keys = *store->DkimKeys("clinic.example");
  ASSERT_EQ(keys.size(), 2u);
  // Sealed under the metadata key, bound to domain and algorithm: the DER is not there.
  auto der = BoxOpen(key, keys[0].sealed_private, "sealpost/dkim/v1|clinic.example|ed25519-sha256");
  ASSERT_TRUE(der.ok());
  EXPECT_TRUE(DkimKey::FromPrivateDer(Algorithm::kEd25519Sha256, *der).ok());
  EXPECT_EQ(keys[0].sealed_private.find(*der), std::string::npos);
  EXPECT_FALSE(BoxOpen(key, keys[0].sealed_private, "sealpost/dkim/v1|other.example|ed25519-sha256").ok());
  EXPECT_EQ(ZoneFileRecord(keys[0]).rfind("ed1._domainkey.clinic.example. IN TXT ( \"v=DKIM1; "
                                          "k=ed25519; p=", 0), 0u);
  const std::string rsa_zone = ZoneFileRecord(keys[1]);
  EXPECT_NE(rsa_zone.find("\" \""), std::string::npos);  // over 255 characters: split

  const std::string mail = "From: \"Dr. Who, MD\" <dr@Mail.Clinic.Example>\r\nTo: p@x.example\r\n"
                           "Subject: hi\r\n\r\nbody\r\n";
  EXPECT_EQ(FromDomain(mail), "mail.clinic.example");
  auto fields = signer.Sign(mail);
  ASSERT_TRUE(fields.ok());
  EXPECT_NE(fields->find("a=ed25519-sha256"), std::string::npos);
  EXPECT_NE(fields->find("a=rsa-sha256"), std::string::npos);
  EXPECT_NE(fields->find("d=clinic.example; s=ed1;"), std::string::npos);
  EXPECT_EQ(*signer.Sign("From: a@other.example\r\n\r\nx\r\n"), "");
  EXPECT_EQ(*signer.Sign("From: nobody\r\n\r\nx\r\n"), "");
  // What the queue asks before hashing a body: the same answer as Sign, from the header.
  EXPECT_TRUE(signer.Covers("From: dr@Mail.Clinic.Example\r\n"));
  EXPECT_FALSE(signer.Covers("From: a@other.example\r\n"));
  EXPECT_FALSE(signer.Covers("From: nobody\r\n"));
  EXPECT_FALSE(signer.Covers("Subject: no from\r\n"));
  EXPECT_EQ(FromDomain("Subject: no from\r\n\r\n"), "");
  ASSERT_TRUE(store->DeleteDkimKey("clinic.example", rsa->selector).ok());
  EXPECT_EQ(store->DeleteDkimKey("clinic.example", rsa->selector).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(signer.Sign(mail)->find("a=rsa-sha256"), std::string::npos);
}

TEST(DomainSigner, RollsOverWithBothKeysPublishedAndOnlyTheActiveOneSigning) {
  TempDir dir;
  auto db = sqlite::Database::Open(dir.path() + "/db");
  ASSERT_TRUE(db.ok());
  auto store = sqlite::NewOrgStore(**db);
  PurposeKey metadata{RandomSecret(32)};
  ManualClock clock(1790000000);  // 2026-09
  DomainSigner signer(*store, metadata, clock);
  const std::string mail = "From: dr@clinic.example\r\nSubject: hi\r\n\r\nbody\r\n";

  EXPECT_EQ(signer.RolloverKey("clinic.example", Algorithm::kEd25519Sha256, "").error().code,
            ErrorCode::kFailedPrecondition);  // nothing to roll over
  auto first = signer.CreateKey("clinic.example", Algorithm::kEd25519Sha256, "");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->state, "active");
  auto next = signer.RolloverKey("clinic.example", Algorithm::kEd25519Sha256, "");
  ASSERT_TRUE(next.ok()) << next.error().ToString();
  EXPECT_EQ(next->state, "pending");
  EXPECT_EQ(next->selector, first->selector + "b");  // same month: a letter added
  EXPECT_EQ(signer.RolloverKey("clinic.example", Algorithm::kEd25519Sha256, "x").error().code,
            ErrorCode::kFailedPrecondition);  // one pending at a time
  EXPECT_EQ(signer.RolloverKey("clinic.example", Algorithm::kRsaSha256, "x").error().code,
            ErrorCode::kFailedPrecondition);  // no rsa key to roll over
  // Pending: the current key still signs, alone.
  auto fields = signer.Sign(mail);
  ASSERT_TRUE(fields.ok());
  EXPECT_NE(fields->find("s=" + first->selector + ";"), std::string::npos);
  EXPECT_EQ(fields->find("s=" + next->selector + ";"), std::string::npos);

  clock.Advance(3600);
  auto retiring = signer.Activate("clinic.example", Algorithm::kEd25519Sha256, 7 * 86400);
  ASSERT_TRUE(retiring.ok()) << retiring.error().ToString();
  ASSERT_EQ(retiring->size(), 1u);
  EXPECT_EQ((*retiring)[0].selector, first->selector);
  EXPECT_EQ((*retiring)[0].retire_at, 1790000000 + 3600 + 7 * 86400);
  fields = signer.Sign(mail);
  ASSERT_TRUE(fields.ok());
  EXPECT_NE(fields->find("s=" + next->selector + ";"), std::string::npos);
  EXPECT_EQ(fields->find("s=" + first->selector + ";"), std::string::npos);
  auto keys = *store->DkimKeys("clinic.example");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].state, "retiring");
  EXPECT_EQ(keys[1].state, "active");
  // Nothing pending any more.
  EXPECT_EQ(signer.Activate("clinic.example", Algorithm::kEd25519Sha256, 1).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(
      signer.CreateKey("clinic.example", Algorithm::kEd25519Sha256, next->selector).error().code,
      ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace sealpost::dkim
