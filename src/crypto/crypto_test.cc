#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <set>

#include "base/encoding.h"
#include "base/text.h"
#include "crypto/key_ring.h"
#include "crypto/password_hash.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "crypto/signing.h"
#include "crypto/stream.h"

namespace sealpost {
namespace {

TEST(Hkdf, MatchesRfc5869TestCase1) {
  std::string ikm(22, '\x0b');
  auto salt = *HexDecode("000102030405060708090a0b0c");
  auto info = *HexDecode("f0f1f2f3f4f5f6f7f8f9");
  auto okm = HkdfSha256(ikm, salt, info, 42);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(HexEncode(okm->view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Sha256, MatchesKnownDigest) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Box, RoundTripAndTamper) {
  auto key = RandomSecret(kKeySize);
  auto box = BoxSeal(key, "secret message", "aad");
  ASSERT_TRUE(box.ok());
  EXPECT_EQ(BoxOpen(key, *box, "aad").value(), "secret message");
  EXPECT_EQ(BoxOpen(key, *box, "other aad").error().code, ErrorCode::kIntegrity);
  std::string flipped = *box;
  flipped[kNonceSize + 3] ^= 1;
  EXPECT_EQ(BoxOpen(key, flipped, "aad").error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(BoxOpen(RandomSecret(kKeySize), *box, "aad").error().code, ErrorCode::kIntegrity);
  EXPECT_FALSE(BoxOpen(key, "short", "aad").ok());
}

TEST(Stream, RoundTripsEverySizeAroundSegmentBoundaries) {
  auto key = RandomSecret(kKeySize);
  const std::uint32_t seg = 1024;
  for (std::size_t size : {0u, 1u, 1023u, 1024u, 1025u, 2048u, 5000u}) {
    std::string plain = RandomBytes(size);
    auto sealed = SealAll(key, "blob-1", plain, seg);
    ASSERT_TRUE(sealed.ok());
    auto got_size = SegmentOpener::PlaintextSize(sealed->size(), seg);
    ASSERT_TRUE(got_size.ok()) << size;
    EXPECT_EQ(*got_size, size);
    auto opened = OpenAll(key, "blob-1", *sealed);
    ASSERT_TRUE(opened.ok()) << size << ": " << opened.error().ToString();
    EXPECT_EQ(*opened, plain);
  }
}

TEST(Stream, DetectsTamperingTruncationAndWrongLabel) {
  auto key = RandomSecret(kKeySize);
  const std::uint32_t seg = 1024;
  std::string plain = RandomBytes(3000);
  auto sealed = *SealAll(key, "blob-1", plain, seg);

  std::string flipped = sealed;
  flipped[kStreamHeaderSize + 1500] ^= 0x01;
  EXPECT_EQ(OpenAll(key, "blob-1", flipped).error().code, ErrorCode::kIntegrity);

  // Dropping the last segment leaves a stream whose new last segment was not sealed last.
  std::string truncated = sealed.substr(0, kStreamHeaderSize + 2 * (seg + kTagSize));
  EXPECT_FALSE(OpenAll(key, "blob-1", truncated).ok());

  // Swapping two full segments breaks their nonces.
  std::string swapped = sealed;
  std::string s0 = sealed.substr(kStreamHeaderSize, seg + kTagSize);
  std::string s1 = sealed.substr(kStreamHeaderSize + seg + kTagSize, seg + kTagSize);
  swapped.replace(kStreamHeaderSize, s1.size(), s1);
  swapped.replace(kStreamHeaderSize + s0.size(), s0.size(), s0);
  EXPECT_FALSE(OpenAll(key, "blob-1", swapped).ok());

  EXPECT_FALSE(OpenAll(key, "blob-2", sealed).ok());
  EXPECT_FALSE(OpenAll(RandomSecret(kKeySize), "blob-1", sealed).ok());
}

TEST(PasswordHash, VerifiesOnlyTheRightSecret) {
  Argon2Params fast{1, 8 * 1024};  // tests only: the real parameters are the defaults
  auto hash = HashSecret("blue whale", fast);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifySecret(*hash, "blue whale"));
  EXPECT_FALSE(VerifySecret(*hash, "blue whale "));
  EXPECT_FALSE(VerifySecret("garbage", "blue whale"));
}

TEST(PasswordHash, DefaultsMeetTheMinimum) {
  auto hash = HashSecret("x");
  ASSERT_TRUE(hash.ok());
  EXPECT_NE(hash->find("m=19456,t=2,p=1"), std::string::npos) << *hash;
}

TEST(Signing, VerifiesAndRejectsChanges) {
  auto pair = GenerateSigningKey();
  auto sig = Sign(pair.secret_key, "manifest");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(VerifySignature(pair.public_key, "manifest", *sig));
  EXPECT_FALSE(VerifySignature(pair.public_key, "manifesT", *sig));
  EXPECT_FALSE(VerifySignature(GenerateSigningKey().public_key, "manifest", *sig));
}

TEST(Random, PasswordsAreLettersAndDigits) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string p = NewPassword();
    ASSERT_EQ(p.size(), 24u);
    for (char c : p) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << p;
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 2000u);
  EXPECT_EQ(NewPassword(12).size(), 12u);
}

std::uint64_t NowMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

TEST(Random, AnIdIsAUuidv7OfTheMillisecondItWasMadeIn) {
  const std::uint64_t before = NowMs();
  const std::string id = NewId();
  const std::uint64_t after = NowMs();
  ASSERT_TRUE(IsHexId(id)) << id;
  EXPECT_EQ(id[12], '7') << id;                                          // version
  EXPECT_NE(std::string("89ab").find(id[16]), std::string::npos) << id;  // variant
  const std::uint64_t ms = std::stoull(id.substr(0, 12), nullptr, 16);
  EXPECT_LE(before, ms);
  EXPECT_LE(ms, after);
}

TEST(Random, IdsMadeLaterSortLaterAndNeverRepeat) {
  // 21 ids, each in a later millisecond: random ids fall in this order 1 time in 21! (5e19).
  std::set<std::string> seen;
  std::string last = NewId();
  for (int i = 0; i < 20; ++i) {
    // The next millisecond, whatever this machine's speed.
    for (const std::uint64_t now = NowMs(); NowMs() == now;) {
    }
    const std::string id = NewId();
    EXPECT_LT(last, id);
    last = id;
    for (int j = 0; j < 500; ++j) seen.insert(NewId());  // mostly within one millisecond
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(Random, BlobIdsSpreadOverTheBlobStoresDirectories) {
  std::set<std::string> blob_dirs, id_prefixes;
  for (int i = 0; i < 256; ++i) {
    const std::string blob = NewBlobId();
    ASSERT_TRUE(IsHexId(blob)) << blob;
    blob_dirs.insert(blob.substr(0, 2));
    id_prefixes.insert(NewId().substr(0, 2));
  }
  // 256 random ids fall in about 162 of 256 directories; fewer than 100 is a 1 in 10^20.
  EXPECT_GT(blob_dirs.size(), 100u);
  EXPECT_LE(id_prefixes.size(), 2u);  // why blobs do not take NewId: one directory for years
}

}  // namespace
}  // namespace sealpost

namespace sealpost {
namespace {

TEST(StretchSecret, IsArgon2idOfTheSecretUnderItsSaltAndNamesItsParameters) {
  const Argon2Params params{1, 8 * 1024};
  const std::string salt(16, 's');
  auto a = StretchSecret("springfield", salt, params);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_EQ(StretchSecret("springfield", salt, params)->view(), a->view());
  EXPECT_NE(StretchSecret("springfield", std::string(16, 't'), params)->view(), a->view());
  EXPECT_NE(StretchSecret("shelbyville", salt, params)->view(), a->view());
  EXPECT_EQ(StretchSecret("x", "short", params).error().code, ErrorCode::kInvalidArgument);

  EXPECT_EQ(Argon2ParamsName(Argon2Params{}), "argon2id$v=19$m=19456,t=2,p=1");
  auto back = ParseArgon2ParamsName("argon2id$v=19$m=19456,t=2,p=1");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ops_limit, 2u);
  EXPECT_EQ(back->mem_limit, std::size_t{19} * 1024 * 1024);
  for (const char* bad : {"", "argon2i$v=19$m=19456,t=2,p=1", "argon2id$v=19$m=19456,t=2,p=4",
                          "argon2id$v=19$m=19456,t=2,p=1x", "argon2id$v=19$m=019456,t=2,p=1",
                          "argon2id$v=19$m=4,t=2,p=1", "argon2id$v=19$m=19456,t=99,p=1",
                          "argon2id$v=19$m=99999999999,t=2,p=1"}) {
    EXPECT_FALSE(ParseArgon2ParamsName(bad).ok()) << bad;
  }
}

std::vector<SecretBytes> Masters(std::initializer_list<const SecretBytes*> keys) {
  std::vector<SecretBytes> out;
  for (const auto* k : keys) out.push_back(k->Copy());
  return out;
}

TEST(KeyRingTest, PurposesAreSeparateAndAKeyIdNamesTheMasterKeyWithoutRevealingIt) {
  const SecretBytes master = RandomSecret(kMasterKeySize);
  KeyRing ring = std::move(*KeyRing::Derive(master));
  auto box = ring.metadata().Seal("question", "aad");
  ASSERT_TRUE(box.ok());
  EXPECT_EQ(ring.metadata().Open(*box, "aad").value(), "question");
  EXPECT_EQ(ring.queue().Open(*box, "aad").error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(ring.metadata().Open(*box, "other").error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(KeyRing::KeyId(master).size(), 16u);
  EXPECT_EQ(ring.newest_key_id(), KeyRing::KeyId(master));
  EXPECT_EQ(HexEncode(master.view()).find(ring.newest_key_id()), std::string::npos);
  EXPECT_FALSE(KeyRing::Derive(SecretBytes(16)).ok());
}

TEST(KeyRingTest, DuringARotationTheNewKeySealsAndBothOpen) {
  const SecretBytes old_master = RandomSecret(kMasterKeySize),
                    new_master = RandomSecret(kMasterKeySize);
  KeyRing ring = std::move(*KeyRing::Derive(old_master));
  const PurposeKey& metadata = ring.metadata();  // held across the reload, as servers hold it
  auto before = metadata.Seal("sealed before", "aad");
  ASSERT_TRUE(before.ok());
  const std::string old_mac = ring.csrf().Mac("form|browser");

  ASSERT_TRUE(ring.Reload(Masters({&new_master, &old_master})).ok());
  EXPECT_EQ(ring.generation_count(), 2u);
  EXPECT_EQ(ring.newest_key_id(), KeyRing::KeyId(new_master));
  EXPECT_EQ(metadata.Open(*before, "aad").value(), "sealed before");
  EXPECT_FALSE(metadata.OpensWithNewest(*before, "aad"));
  auto after = metadata.Seal("sealed after", "aad");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(metadata.OpensWithNewest(*after, "aad"));
  EXPECT_TRUE(ring.csrf().MacMatches("form|browser", old_mac));
  EXPECT_NE(ring.csrf().Mac("form|browser"), old_mac);
  EXPECT_FALSE(ring.csrf().MacMatches("form|other", old_mac));
  // A link carrying the MAC's first half (campaigns' links) keeps working too.
  EXPECT_TRUE(ring.csrf().MacPrefixMatches("form|browser", old_mac.substr(0, 16)));
  EXPECT_FALSE(ring.csrf().MacPrefixMatches("form|other", old_mac.substr(0, 16)));
  EXPECT_FALSE(ring.csrf().MacPrefixMatches("form|browser", old_mac.substr(0, 8)));

  // The rotation ended: the previous key no longer opens anything.
  ASSERT_TRUE(ring.Reload(Masters({&new_master})).ok());
  EXPECT_EQ(metadata.Open(*before, "aad").error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(metadata.Open(*after, "aad").value(), "sealed after");
  EXPECT_FALSE(ring.csrf().MacMatches("form|browser", old_mac));
  // A reload that fails leaves the keys in use.
  EXPECT_FALSE(ring.Reload({}).ok());
  EXPECT_EQ(metadata.Open(*after, "aad").value(), "sealed after");
}

TEST(KeyRingTest, APurposeKeyOfItsOwnSealsWithTheKeyGiven) {
  const SecretBytes key = RandomSecret(kKeySize);
  PurposeKey own(key.Copy());
  auto box = own.Seal("x", "aad");
  ASSERT_TRUE(box.ok());
  EXPECT_EQ(BoxOpen(key, *box, "aad").value(), "x");
  EXPECT_EQ(own.Mac("data"), HmacSha256(key, "data"));
}

}  // namespace
}  // namespace sealpost
