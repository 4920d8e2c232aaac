#include "console/webauthn.h"

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <boost/json.hpp>
#include <memory>
#include <optional>

#include "base/encoding.h"
#include "base/secret.h"
#include "crypto/primitives.h"

namespace sealpost::console {
namespace {

// Authenticator data flags (WebAuthn §6.1).
constexpr std::uint8_t kUserPresent = 0x01;
constexpr std::uint8_t kUserVerified = 0x04;
constexpr std::uint8_t kBackedUp = 0x10;
constexpr std::uint8_t kAttestedData = 0x40;
constexpr std::uint8_t kExtensions = 0x80;
// rpIdHash (32), flags (1), signCount (4).
constexpr std::size_t kAuthDataHead = 37;

struct Free {
  void operator()(cbor_item_t* p) const { cbor_decref(&p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

Error Refused(std::string reason) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(reason), "passkey");
}

// The length of the one CBOR item at the start of `data`, when it is well formed with
// definite lengths (CTAP2's canonical CBOR has no others), every declared count within
// the bytes that follow, and nesting at most 8 deep. libcbor 0.8 allocates an array's or
// a map's declared size before reading its items: unchecked, a few bytes could ask it
// for gigabytes (found by fuzzing).
std::optional<std::size_t> CheckedItem(std::string_view data, int depth) {
  if (depth > 8 || data.empty()) return std::nullopt;
  const auto first = static_cast<unsigned char>(data[0]);
  const int major = first >> 5;
  const int info = first & 31;
  std::size_t at = 1;
  std::uint64_t arg = static_cast<std::uint64_t>(info);
  if (info >= 24 && info <= 27) {
    const std::size_t n = std::size_t{1} << (info - 24);
    if (data.size() < 1 + n) return std::nullopt;
    arg = 0;
    for (std::size_t i = 0; i < n; ++i) arg = arg << 8 | static_cast<unsigned char>(data[1 + i]);
    at += n;
  } else if (info > 27) {
    return std::nullopt;  // reserved, or an indefinite length
  }
  const std::size_t left = data.size() - at;
  switch (major) {
    case 0:  // unsigned and negative integers
    case 1:
    case 7:  // simple values and floats: their bytes are the argument's
      return at;
    case 2:  // byte and text strings
    case 3:
      if (arg > left) return std::nullopt;
      return at + static_cast<std::size_t>(arg);
    case 4:  // arrays and maps: each item takes a byte at least
    case 5: {
      if (arg > left) return std::nullopt;
      const std::uint64_t items = major == 5 ? arg * 2 : arg;
      for (std::uint64_t i = 0; i < items; ++i) {
        auto n = CheckedItem(data.substr(at), depth + 1);
        if (!n) return std::nullopt;
        at += *n;
      }
      return at;
    }
    default: {  // 6: a tag and its one item
      auto n = CheckedItem(data.substr(at), depth + 1);
      if (!n) return std::nullopt;
      return at + *n;
    }
  }
}

// One whole CBOR item at the start of `bytes`; `*read` its length.
Result<Owned<cbor_item_t>> LoadCbor(std::string_view bytes, std::size_t* read) {
  const auto checked = CheckedItem(bytes, 0);
  if (!checked) return Refused("not valid CBOR");
  bytes = bytes.substr(0, *checked);
  cbor_load_result result{};
  Owned<cbor_item_t> item(
      cbor_load(reinterpret_cast<cbor_data>(bytes.data()), bytes.size(), &result));
  if (!item || result.error.code != CBOR_ERR_NONE) return Refused("not valid CBOR");
  *read = result.read;
  return item;
}

std::optional<std::string_view> Bytes(const cbor_item_t* item) {
  if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
                          cbor_bytestring_length(item));
}

std::optional<std::string_view> Text(const cbor_item_t* item) {
  if (!cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)),
                          cbor_string_length(item));
}

// A CBOR integer that fits in an int (COSE labels and values are small).
std::optional<int> SmallInt(const cbor_item_t* item) {
  if (cbor_isa_uint(item)) {
    const std::uint64_t v = cbor_get_int(item);
    if (v > 65535) return std::nullopt;
    return static_cast<int>(v);
  }
  if (cbor_isa_negint(item)) {
    const std::uint64_t v = cbor_get_int(item);
    if (v > 65535) return std::nullopt;
    return -1 - static_cast<int>(v);
  }
  return std::nullopt;
}

// The value of a map's text key `name`, or null.
const cbor_item_t* TextKey(const cbor_item_t* map, std::string_view name) {
  const cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    if (Text(pairs[i].key) == name) return pairs[i].value;
  }
  return nullptr;
}

const cbor_item_t* IntKey(const cbor_item_t* map, int label) {
  const cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    if (SmallInt(pairs[i].key) == label) return pairs[i].value;
  }
  return nullptr;
}

std::string Spki(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

Result<Owned<EVP_PKEY>> FromParams(const char* type, OSSL_PARAM_BLD* build) {
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(build));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    return Refused("its public key is not a valid key");
  }
  return Owned<EVP_PKEY>(key);
}

// A COSE_Key (RFC 9052 §7) as a DER SubjectPublicKeyInfo, and its algorithm.
Result<std::pair<std::string, int>> CoseKey(const cbor_item_t* key) {
  if (!cbor_isa_map(key) || cbor_map_size(key) > 16) return Refused("its public key is not a map");
  const auto kty = IntKey(key, 1) ? SmallInt(IntKey(key, 1)) : std::nullopt;
  const auto alg = IntKey(key, 3) ? SmallInt(IntKey(key, 3)) : std::nullopt;
  if (!kty || !alg) return Refused("its public key has no type or algorithm");
  const cbor_item_t* p1 = IntKey(key, -1);
  const cbor_item_t* p2 = IntKey(key, -2);
  const cbor_item_t* p3 = IntKey(key, -3);
  Owned<EVP_PKEY> pkey;
  if (*alg == kCoseEs256) {
    // EC2 on P-256: crv 1, x and y of 32 bytes each.
    const auto x = p2 ? Bytes(p2) : std::nullopt;
    const auto y = p3 ? Bytes(p3) : std::nullopt;
    if (*kty != 2 || !p1 || SmallInt(p1) != 1 || !x || !y || x->size() != 32 || y->size() != 32) {
      return Refused("its ES256 key is not a P-256 point");
    }
    std::string point = "\x04" + std::string(*x) + std::string(*y);
    Owned<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
    if (!build ||
        !OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                         0) ||
        !OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                          point.size())) {
      return MakeError(ErrorCode::kInternal, "key parameters not built");
    }
    // EVP_PKEY_fromdata checks the point is on the curve.
    auto made = FromParams("EC", build.get());
    if (!made.ok()) return std::move(made).error();
    pkey = std::move(*made);
  } else if (*alg == kCoseEdDsa) {
    // OKP on Ed25519: crv 6, x of 32 bytes.
    const auto x = p2 ? Bytes(p2) : std::nullopt;
    if (*kty != 1 || !p1 || SmallInt(p1) != 6 || !x || x->size() != 32) {
      return Refused("its EdDSA key is not an Ed25519 key");
    }
    pkey.reset(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size()));
    if (!pkey) return Refused("its public key is not a valid key");
  } else if (*alg == kCoseRs256) {
    // RSA: n (-1) and e (-2); at least 2048 bits, as every platform makes them.
    const auto n = p1 ? Bytes(p1) : std::nullopt;
    const auto e = p2 ? Bytes(p2) : std::nullopt;
    if (*kty != 3 || !n || !e || n->size() < 256 || n->size() > 512 || e->empty() ||
        e->size() > 8) {
      return Refused("its RS256 key is not an RSA key of 2048 to 4096 bits");
    }
    Owned<BIGNUM> bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                                 static_cast<int>(n->size()), nullptr));
    Owned<BIGNUM> bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                                 static_cast<int>(e->size()), nullptr));
    Owned<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
    if (!bn_n || !bn_e || !build ||
        !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
        !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
      return MakeError(ErrorCode::kInternal, "key parameters not built");
    }
    auto made = FromParams("RSA", build.get());
    if (!made.ok()) return std::move(made).error();
    pkey = std::move(*made);
  } else {
    return Refused("its key's algorithm (" + std::to_string(*alg) +
                   ") is not one the console accepts (ES256, EdDSA, RS256)");
  }
  std::string spki = Spki(pkey.get());
  if (spki.empty()) return MakeError(ErrorCode::kInternal, "public key not encoded");
  return std::pair{std::move(spki), *alg};
}

// Client data (§5.8.1): the ceremony's type, the challenge and the page's origin.
Status CheckClientData(const RelyingParty& rp, std::string_view challenge, const char* type,
                       std::string_view json) {
  if (json.empty() || json.size() > kMaxClientDataBytes) {
    return Refused("its client data is missing or too long");
  }
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return Refused("its client data is not a JSON object");
  const auto& o = value.get_object();
  auto text = [&](const char* name) -> std::string_view {
    const auto* v = o.if_contains(name);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
  };
  if (text("type") != type) return Refused(std::string("its client data is not for ") + type);
  // The challenge is the server's secret-ish nonce: compared in constant time.
  const std::string expected = Base64UrlEncode(challenge);
  if (!ConstantTimeEqual(text("challenge"), expected)) {
    return Refused("it answers another challenge (an old or copied one)");
  }
  if (text("origin") != rp.origin) return Refused("it was made for another site");
  if (const auto* cross = o.if_contains("crossOrigin");
      cross && cross->is_bool() && cross->get_bool()) {
    return Refused("it was made inside another site's frame");
  }
  return OkStatus();
}

struct AuthData {
  std::uint8_t flags = 0;
  std::uint32_t sign_count = 0;
  std::string_view credential_id;
  std::string public_key;  // SPKI, when attested credential data is present
  int algorithm = 0;
};

// Authenticator data (§6.1): for the relying party, the user present and verified.
Result<AuthData> ParseAuthData(const RelyingParty& rp, std::string_view data, bool attested) {
  if (data.size() < kAuthDataHead || data.size() > kMaxAuthenticatorDataBytes) {
    return Refused("its authenticator data is too short or too long");
  }
  if (!ConstantTimeEqual(data.substr(0, 32), Sha256(rp.id))) {
    return Refused("it was made for another site");
  }
  AuthData out;
  out.flags = static_cast<std::uint8_t>(data[32]);
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(data[i]));
  };
  out.sign_count = byte(33) << 24 | byte(34) << 16 | byte(35) << 8 | byte(36);
  if (!(out.flags & kUserPresent)) return Refused("the authenticator did not see the user");
  if (!(out.flags & kUserVerified)) {
    return Refused("the authenticator did not verify the user (no PIN or fingerprint)");
  }
  std::string_view rest = data.substr(kAuthDataHead);
  if (attested) {
    if (!(out.flags & kAttestedData)) return Refused("it carries no new credential");
    // aaguid (16), credentialIdLength (2), credentialId, credentialPublicKey (CBOR).
    if (rest.size() < 18) return Refused("its credential data is cut short");
    const std::size_t id_size =
        static_cast<std::size_t>(byte(kAuthDataHead + 16)) << 8 | byte(kAuthDataHead + 17);
    rest = rest.substr(18);
    if (id_size == 0 || id_size > kMaxCredentialIdBytes || rest.size() < id_size) {
      return Refused("its credential id is empty, too long or cut short");
    }
    out.credential_id = rest.substr(0, id_size);
    rest = rest.substr(id_size);
    std::size_t read = 0;
    auto key = LoadCbor(rest, &read);
    if (!key.ok()) return Refused("its public key is not valid CBOR");
    auto cose = CoseKey(key->get());
    if (!cose.ok()) return std::move(cose).error();
    out.public_key = std::move(cose->first);
    out.algorithm = cose->second;
    rest = rest.substr(read);
  } else if (out.flags & kAttestedData) {
    return Refused("a sign-in carries a new credential");
  }
  if (out.flags & kExtensions) {
    std::size_t read = 0;
    auto extensions = LoadCbor(rest, &read);
    if (!extensions.ok() || !cbor_isa_map(extensions->get())) {
      return Refused("its extensions are not a CBOR map");
    }
    rest = rest.substr(read);
  }
  if (!rest.empty()) return Refused("its authenticator data has bytes left over");
  return out;
}

bool SignatureHolds(const KeptCredential& kept, std::string_view message,
                    std::string_view signature) {
  const auto* der = reinterpret_cast<const unsigned char*>(kept.public_key.data());
  Owned<EVP_PKEY> key(d2i_PUBKEY(nullptr, &der, static_cast<long>(kept.public_key.size())));
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!key || !ctx) return false;
  // EdDSA signs the message itself; ES256 and RS256 its SHA-256.
  const EVP_MD* md = kept.algorithm == kCoseEdDsa ? nullptr : EVP_sha256();
  const int type = EVP_PKEY_get_base_id(key.get());
  const bool matches = (kept.algorithm == kCoseEs256 && type == EVP_PKEY_EC) ||
                       (kept.algorithm == kCoseEdDsa && type == EVP_PKEY_ED25519) ||
                       (kept.algorithm == kCoseRs256 && type == EVP_PKEY_RSA);
  if (!matches) return false;
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.get()) <= 0) return false;
  if (kept.algorithm == kCoseRs256 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

bool HostNameLike(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  bool letter = false;
  for (char c : host) {
    if (c >= 'a' && c <= 'z') {
      letter = true;
    } else if (!(c >= '0' && c <= '9') && c != '-' && c != '.') {
      return false;
    }
  }
  // All digits and dots is an IPv4 address, which WebAuthn does not take as an RP ID.
  return letter;
}

}  // namespace

Result<RelyingParty> RelyingPartyOf(std::string_view public_url, std::string name) {
  constexpr std::string_view kScheme = "https://";
  if (public_url.substr(0, kScheme.size()) != kScheme) {
    return Refused("the public URL is not https: passkeys need a secure site");
  }
  std::string_view rest = public_url.substr(kScheme.size());
  const std::string_view authority = rest.substr(0, rest.find('/'));
  const std::size_t colon = authority.find(':');
  std::string host(authority.substr(0, colon));
  for (char& c : host) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (!HostNameLike(host)) return Refused("the public URL has no host name for passkeys");
  std::string_view port = colon == std::string_view::npos ? "" : authority.substr(colon + 1);
  if (port == "443") port = "";
  RelyingParty rp;
  rp.id = host;
  rp.origin = "https://" + host + (port.empty() ? "" : ":" + std::string(port));
  rp.name = std::move(name);
  return rp;
}

Result<NewCredential> VerifyRegistration(const RelyingParty& rp, std::string_view challenge,
                                         std::string_view client_data_json,
                                         std::string_view attestation_object) {
  if (auto s = CheckClientData(rp, challenge, "webauthn.create", client_data_json); !s.ok()) {
    return std::move(s).error();
  }
  if (attestation_object.empty() || attestation_object.size() > kMaxAttestationBytes) {
    return Refused("its attestation object is missing or too long");
  }
  std::size_t read = 0;
  auto object = LoadCbor(attestation_object, &read);
  if (!object.ok()) return std::move(object).error();
  if (read != attestation_object.size() || !cbor_isa_map(object->get())) {
    return Refused("its attestation object is not one CBOR map");
  }
  // fmt and attStmt are not checked (see the header); authData carries the credential.
  const cbor_item_t* auth = TextKey(object->get(), "authData");
  const auto auth_bytes = auth ? Bytes(auth) : std::nullopt;
  if (!auth_bytes) return Refused("its attestation object has no authenticator data");
  auto parsed = ParseAuthData(rp, *auth_bytes, true);
  if (!parsed.ok()) return std::move(parsed).error();
  NewCredential out;
  out.id = std::string(parsed->credential_id);
  out.public_key = std::move(parsed->public_key);
  out.algorithm = parsed->algorithm;
  out.sign_count = parsed->sign_count;
  out.backed_up = (parsed->flags & kBackedUp) != 0;
  return out;
}

Result<std::uint32_t> VerifyAssertion(const RelyingParty& rp, std::string_view challenge,
                                      const KeptCredential& kept, const Assertion& assertion) {
  if (auto s = CheckClientData(rp, challenge, "webauthn.get", assertion.client_data_json);
      !s.ok()) {
    return std::move(s).error();
  }
  auto parsed = ParseAuthData(rp, assertion.authenticator_data, false);
  if (!parsed.ok()) return std::move(parsed).error();
  if (assertion.signature.empty() || assertion.signature.size() > kMaxSignatureBytes) {
    return Refused("its signature is missing or too long");
  }
  // The signed message: authenticatorData || SHA-256(clientDataJSON) (§7.2 step 20).
  std::string message(assertion.authenticator_data);
  message += Sha256(assertion.client_data_json);
  if (!SignatureHolds(kept, message, assertion.signature)) {
    return Refused("its signature does not hold for this passkey");
  }
  // An authenticator that counts never counts back (§6.1.1); one that does not count
  // says 0 every time.
  if ((parsed->sign_count != 0 || kept.sign_count != 0) && parsed->sign_count <= kept.sign_count) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "its signature counter went back: a copy of the passkey may be in use",
                     "passkey");
  }
  return parsed->sign_count;
}

}  // namespace sealpost::console
