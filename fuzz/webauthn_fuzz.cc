// libFuzzer target: what a browser sends when a passkey is registered or signs in (the
// attestation object's CBOR, the authenticator data and its COSE key), as anyone can
// post it to the console's sign-in. The input is tried whole as an attestation object,
// and after the relying party's hash (which no fuzzer would guess) as authenticator data.
#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/encoding.h"
#include "console/webauthn.h"
#include "crypto/primitives.h"

namespace {

const sealpost::console::RelyingParty kRp{"mail.example.org", "https://mail.example.org", "Org"};
const std::string kChallenge(32, 'c');

std::string ClientData(const char* type) {
  return std::string(R"({"type":")") + type + R"(","challenge":")" +
         sealpost::Base64UrlEncode(kChallenge) + R"(","origin":")" + kRp.origin + "\"}";
}

std::string Wrapped(const std::string& auth_data) {
  cbor_item_t* map = cbor_new_definite_map(1);
  cbor_map_add(map, {cbor_move(cbor_build_string("authData")),
                     cbor_move(cbor_build_bytestring(reinterpret_cast<cbor_data>(auth_data.data()),
                                                     auth_data.size()))});
  unsigned char* buffer = nullptr;
  std::size_t size = 0;
  const std::size_t n = cbor_serialize_alloc(map, &buffer, &size);
  std::string out(reinterpret_cast<const char*>(buffer), n);
  free(buffer);
  cbor_decref(&map);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sealpost::console;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string create = ClientData("webauthn.create");
  (void)VerifyRegistration(kRp, kChallenge, create, input);
  const std::string auth_data = sealpost::Sha256(kRp.id) + input;
  auto made = VerifyRegistration(kRp, kChallenge, create, Wrapped(auth_data));
  if (made.ok()) {
    // A key that was taken is one OpenSSL reads back.
    const KeptCredential kept{made->public_key, made->algorithm, made->sign_count};
    (void)VerifyAssertion(kRp, kChallenge, kept, {ClientData("webauthn.get"), auth_data, "sig"});
  }
  const std::string kept_key = "not a key";
  (void)VerifyAssertion(kRp, kChallenge, {kept_key, kCoseEs256, 0},
                        {ClientData("webauthn.get"), auth_data, input});
  (void)RelyingPartyOf(input, "Org");
  return 0;
}
