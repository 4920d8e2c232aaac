#include "console/webauthn.h"

#include <cbor.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>

#include "base/encoding.h"
#include "crypto/primitives.h"

namespace sealpost::console {
namespace {

struct Free {
  void operator()(cbor_item_t* p) const { cbor_decref(&p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};

std::string Serialised(cbor_item_t* item) {
  unsigned char* buffer = nullptr;
  std::size_t size = 0;
  const std::size_t n = cbor_serialize_alloc(item, &buffer, &size);
  std::string out(reinterpret_cast<const char*>(buffer), n);
  free(buffer);
  cbor_decref(&item);
  return out;
}

cbor_item_t* CborBytes(std::string_view b) {
  return cbor_build_bytestring(reinterpret_cast<cbor_data>(b.data()), b.size());
}
cbor_item_t* CborInt(int v) {
  if (v >= 0) return cbor_build_uint8(static_cast<std::uint8_t>(v));
  return -1 - v < 256 ? cbor_build_negint8(static_cast<std::uint8_t>(-1 - v))
                      : cbor_build_negint16(static_cast<std::uint16_t>(-1 - v));
}
void Put(cbor_item_t* map, cbor_item_t* key, cbor_item_t* value) {
  cbor_map_add(map, {cbor_move(key), cbor_move(value)});
}

std::string BigEndian(const BIGNUM* bn) {
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// A software authenticator: one key, a counter, and the flags it sets.
class Authenticator {
 public:
  explicit Authenticator(int alg) : alg_(alg) {
    if (alg == kCoseEs256) {
      key_.reset(EVP_EC_gen("P-256"));
    } else if (alg == kCoseEdDsa) {
      key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    } else {
      key_.reset(EVP_RSA_gen(2048));
    }
  }

  std::string CoseKey() const {
    cbor_item_t* map = cbor_new_definite_map(5);
    if (alg_ == kCoseEs256) {
      unsigned char* point = nullptr;
      const std::size_t n = EVP_PKEY_get1_encoded_public_key(key_.get(), &point);
      std::string p(reinterpret_cast<const char*>(point), n);
      OPENSSL_free(point);
      Put(map, CborInt(1), CborInt(2));
      Put(map, CborInt(3), CborInt(alg_));
      Put(map, CborInt(-1), CborInt(1));
      Put(map, CborInt(-2), CborBytes(p.substr(1, 32)));
      Put(map, CborInt(-3), CborBytes(p.substr(33, 32)));
    } else if (alg_ == kCoseEdDsa) {
      std::string raw(32, '\0');
      std::size_t n = raw.size();
      EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(raw.data()), &n);
      Put(map, CborInt(1), CborInt(1));
      Put(map, CborInt(3), CborInt(alg_));
      Put(map, CborInt(-1), CborInt(6));
      Put(map, CborInt(-2), CborBytes(raw));
    } else {
      BIGNUM* n = nullptr;
      BIGNUM* e = nullptr;
      EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_N, &n);
      EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_E, &e);
      std::unique_ptr<BIGNUM, Free> own_n(n), own_e(e);
      Put(map, CborInt(1), CborInt(3));
      Put(map, CborInt(3), CborInt(alg_));
      Put(map, CborInt(-1), CborBytes(BigEndian(n)));
      Put(map, CborInt(-2), CborBytes(BigEndian(e)));
    }
    return Serialised(map);
  }

  std::string AuthData(const std::string& rp_id, bool attested) const {
    std::string out = Sha256(rp_id);
    out += static_cast<char>(flags | (attested ? 0x40 : 0));
    out += static_cast<char>(count >> 24);
    out += static_cast<char>(count >> 16);
    out += static_cast<char>(count >> 8);
    out += static_cast<char>(count);
    if (attested) {
      out += std::string(16, '\0');  // aaguid
      out += static_cast<char>(credential_id.size() >> 8);
      out += static_cast<char>(credential_id.size());
      out += credential_id;
      out += CoseKey();
    }
    return out;
  }

  std::string Sign(std::string_view message) const {
    std::unique_ptr<EVP_MD_CTX, Free> ctx(EVP_MD_CTX_new());
    EVP_DigestSignInit(ctx.get(), nullptr, alg_ == kCoseEdDsa ? nullptr : EVP_sha256(), nullptr,
                       key_.get());
    std::size_t n = 0;
    const auto* m = reinterpret_cast<const unsigned char*>(message.data());
    EVP_DigestSign(ctx.get(), nullptr, &n, m, message.size());
    std::string sig(n, '\0');
    EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n, m, message.size());
    sig.resize(n);
    return sig;
  }

  std::uint8_t flags = 0x05;  // user present and verified
  std::uint32_t count = 0;
  std::string credential_id = "credential-1";

 private:
  int alg_;
  std::unique_ptr<EVP_PKEY, Free> key_;
};

std::string ClientData(const char* type, std::string_view challenge, const std::string& origin,
                       const std::string& extra = "") {
  return std::string(R"({"type":")") + type + R"(","challenge":")" + Base64UrlEncode(challenge) +
         R"(","origin":")" + origin + "\"" + extra + "}";
}

std::string AttestationObject(const std::string& auth_data) {
  cbor_item_t* map = cbor_new_definite_map(3);
  Put(map, cbor_build_string("fmt"), cbor_build_string("none"));
  Put(map, cbor_build_string("attStmt"), cbor_new_definite_map(0));
  Put(map, cbor_build_string("authData"), CborBytes(auth_data));
  return Serialised(map);
}

const RelyingParty kRp{"mail.example.org", "https://mail.example.org:8443", "Example"};
const std::string kChallenge(32, '\x2a');

struct SignIn {
  std::string client_data, auth_data, signature;
  Assertion view() const { return {client_data, auth_data, signature}; }
};

SignIn SignInWith(const Authenticator& a, std::string_view challenge,
                  const RelyingParty& rp = kRp) {
  SignIn s;
  s.client_data = ClientData("webauthn.get", challenge, rp.origin);
  s.auth_data = a.AuthData(rp.id, false);
  s.signature = a.Sign(s.auth_data + Sha256(s.client_data));
  return s;
}

NewCredential Registered(const Authenticator& a) {
  auto made =
      VerifyRegistration(kRp, kChallenge, ClientData("webauthn.create", kChallenge, kRp.origin),
                         AttestationObject(a.AuthData(kRp.id, true)));
  EXPECT_TRUE(made.ok()) << made.error().ToString();
  return made.ok() ? *made : NewCredential{};
}

TEST(WebAuthnTest, EachAlgorithmRegistersAndSignsIn) {
  for (int alg : {kCoseEs256, kCoseEdDsa, kCoseRs256}) {
    SCOPED_TRACE(alg);
    Authenticator a(alg);
    a.count = 7;
    NewCredential c = Registered(a);
    EXPECT_EQ(c.id, "credential-1");
    EXPECT_EQ(c.algorithm, alg);
    EXPECT_EQ(c.sign_count, 7u);
    EXPECT_FALSE(c.backed_up);
    a.count = 8;
    const std::string challenge(32, '\x11');
    SignIn s = SignInWith(a, challenge);
    auto count = VerifyAssertion(kRp, challenge, {c.public_key, c.algorithm, 7}, s.view());
    ASSERT_TRUE(count.ok()) << count.error().ToString();
    EXPECT_EQ(*count, 8u);
  }
}

TEST(WebAuthnTest, ASyncedPasskeyIsMarkedBackedUp) {
  Authenticator a(kCoseEs256);
  a.flags = 0x05 | 0x08 | 0x10;  // backup eligible, backed up
  EXPECT_TRUE(Registered(a).backed_up);
}

TEST(WebAuthnTest, AnAuthenticatorThatDoesNotCountSignsInAgain) {
  Authenticator a(kCoseEdDsa);
  NewCredential c = Registered(a);
  for (int i = 0; i < 2; ++i) {
    auto count = VerifyAssertion(kRp, kChallenge, {c.public_key, c.algorithm, 0},
                                 SignInWith(a, kChallenge).view());
    ASSERT_TRUE(count.ok()) << count.error().ToString();
    EXPECT_EQ(*count, 0u);
  }
}

TEST(WebAuthnTest, ACounterThatGoesBackIsRefused) {
  Authenticator a(kCoseEs256);
  a.count = 5;
  NewCredential c = Registered(a);
  // The kept count is 9 (a sign-in since); a copy still at 5 signs.
  auto count = VerifyAssertion(kRp, kChallenge, {c.public_key, c.algorithm, 9},
                               SignInWith(a, kChallenge).view());
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.error().code, ErrorCode::kFailedPrecondition);
}

TEST(WebAuthnTest, RegistrationRefusals) {
  Authenticator a(kCoseEs256);
  const std::string good_client = ClientData("webauthn.create", kChallenge, kRp.origin);
  const std::string good_object = AttestationObject(a.AuthData(kRp.id, true));
  auto refused = [&](const std::string& client, const std::string& object,
                     const std::string& words) {
    auto made = VerifyRegistration(kRp, kChallenge, client, object);
    ASSERT_FALSE(made.ok()) << words;
    EXPECT_EQ(made.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(made.error().message.find(words), std::string::npos) << made.error().message;
  };
  refused(ClientData("webauthn.get", kChallenge, kRp.origin), good_object, "not for");
  refused(ClientData("webauthn.create", std::string(32, 'x'), kRp.origin), good_object,
          "another challenge");
  refused(ClientData("webauthn.create", kChallenge, "https://evil.example"), good_object,
          "another site");
  refused(ClientData("webauthn.create", kChallenge, kRp.origin, R"(,"crossOrigin":true)"),
          good_object, "frame");
  refused("not json", good_object, "JSON");
  refused(good_client, "\xff\xff", "CBOR");
  refused(good_client, good_object + std::string(1, '\0'), "one CBOR map");
  // Counts larger than the bytes that follow (libcbor would allocate them first), and
  // indefinite lengths, are refused before libcbor sees them.
  refused(good_client, std::string("\xba\x5d\x72\xca\x67\x01", 6), "CBOR");
  refused(good_client, std::string("\x9b\x00\x00\x00\x10\x00\x00\x00\x00\x01", 10), "CBOR");
  refused(good_client,
          std::string("\xbf\x63"
                      "fmt\x64none\xff",
                      11),
          "CBOR");
  refused(good_client, AttestationObject(a.AuthData("evil.example", true)), "another site");
  Authenticator unverified(kCoseEs256);
  unverified.flags = 0x01;
  refused(good_client, AttestationObject(unverified.AuthData(kRp.id, true)), "verify the user");
  Authenticator absent(kCoseEs256);
  absent.flags = 0x04;
  refused(good_client, AttestationObject(absent.AuthData(kRp.id, true)), "see the user");
  refused(good_client, AttestationObject(a.AuthData(kRp.id, false)), "no new credential");
  refused(good_client, AttestationObject(a.AuthData(kRp.id, true) + "x"), "left over");
  refused(good_client, AttestationObject(a.AuthData(kRp.id, true).substr(0, 60)), "cut short");
  // An algorithm it does not take: ES384 (-35) in an otherwise P-256 key.
  std::string auth = a.AuthData(kRp.id, true);
  const std::string cose = a.CoseKey();
  const std::size_t at = auth.find(cose);
  ASSERT_NE(at, std::string::npos);
  std::string es384 = cose;
  // {1: 2, 3: -7, ...}: the byte after 0x03 is -7 (0x26); -35 is 0x38 0x22.
  const std::size_t alg_at = es384.find("\x03\x26");
  ASSERT_NE(alg_at, std::string::npos);
  es384.replace(alg_at + 1, 1, "\x38\x22");
  refused(good_client, AttestationObject(auth.substr(0, at) + es384), "not one the console");
  // A P-256 "point" that is not on the curve.
  std::string off_curve = cose;
  off_curve[off_curve.size() - 1] ^= 1;
  refused(good_client, AttestationObject(auth.substr(0, at) + off_curve), "not a valid key");
}

TEST(WebAuthnTest, SignInRefusals) {
  Authenticator a(kCoseEs256);
  NewCredential c = Registered(a);
  const KeptCredential kept{c.public_key, c.algorithm, 0};
  auto refused = [&](const SignIn& s, const std::string& words) {
    auto count = VerifyAssertion(kRp, kChallenge, kept, s.view());
    ASSERT_FALSE(count.ok()) << words;
    EXPECT_EQ(count.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(count.error().message.find(words), std::string::npos) << count.error().message;
  };
  refused(SignInWith(a, "another challenge"), "another challenge");
  refused(SignInWith(a, kChallenge, {"mail.example.org", "https://mail.example.org", ""}),
          "another site");
  refused(SignInWith(a, kChallenge, {"evil.example", kRp.origin, ""}), "another site");
  SignIn s = SignInWith(a, kChallenge);
  s.client_data = ClientData("webauthn.create", kChallenge, kRp.origin);
  refused(s, "not for");
  // The signature of someone else's key, and one over other data.
  Authenticator other(kCoseEs256);
  refused(SignInWith(other, kChallenge), "does not hold");
  s = SignInWith(a, kChallenge);
  s.auth_data[36] ^= 1;  // the counter, after signing
  refused(s, "does not hold");
  s = SignInWith(a, kChallenge);
  s.signature.clear();
  refused(s, "signature is missing");
  Authenticator unverified(kCoseEs256);
  unverified.flags = 0x01;
  refused(SignInWith(unverified, kChallenge), "verify the user");
  s = SignInWith(a, kChallenge);
  s.auth_data = a.AuthData(kRp.id, true);
  s.signature = a.Sign(s.auth_data + Sha256(s.client_data));
  refused(s, "carries a new credential");
  // A key kept as one algorithm is never used as another.
  auto count = VerifyAssertion(kRp, kChallenge, {c.public_key, kCoseEdDsa, 0},
                               SignInWith(a, kChallenge).view());
  EXPECT_FALSE(count.ok());
}

TEST(WebAuthnTest, RelyingPartyOfThePublicUrl) {
  auto rp = RelyingPartyOf("https://localhost:8443", "Org");
  ASSERT_TRUE(rp.ok());
  EXPECT_EQ(rp->id, "localhost");
  EXPECT_EQ(rp->origin, "https://localhost:8443");
  rp = RelyingPartyOf("https://Mail.Example.org:443/console", "Org");
  ASSERT_TRUE(rp.ok());
  EXPECT_EQ(rp->id, "mail.example.org");
  EXPECT_EQ(rp->origin, "https://mail.example.org");
  EXPECT_EQ(rp->name, "Org");
  for (const char* bad : {"http://mail.example.org", "https://127.0.0.1:8443", "https://[::1]/",
                          "https://", "mail.example.org"}) {
    EXPECT_FALSE(RelyingPartyOf(bad, "Org").ok()) << bad;
  }
}

}  // namespace
}  // namespace sealpost::console
