// Passkeys for the console's sign-in (issue 22): the relying party's checks of WebAuthn
// Level 2 (https://www.w3.org/TR/webauthn-2/, sections 7.1 and 7.2), without I/O.
//
// Registration takes what navigator.credentials.create() gave the page (the client data
// JSON and the attestation object, CBOR) and returns the credential to keep: its id,
// its public key (as DER SubjectPublicKeyInfo, which OpenSSL reads back) and its
// signature counter. Attestation is not checked: the console asks for none, and which
// maker built an authenticator decides nothing here; what proves the user later is that
// the key's holder signs a fresh challenge. Sign-in checks navigator.credentials.get()'s
// assertion against the kept key.
//
// Both insist on the user being verified (a PIN or a fingerprint on the authenticator,
// "UV"): a passkey then stands for both steps of a two-step sign-in. Keys: ES256 (P-256,
// what most security keys and phones make), EdDSA (Ed25519) and RS256 (Windows Hello).
// Every input is limited in size; the CBOR parser (libcbor) sees at most 16 KiB.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealpost::console {

// The site the browser saw: the console's public URL.
struct RelyingParty {
  std::string id;      // its host name: "mail.example.org"
  std::string origin;  // "https://mail.example.org" (":8443" when not the default port)
  std::string name;    // shown by the authenticator: the organisation's name
};
// The relying party of a public URL ("https://host[:port][/...]"); kInvalidArgument when
// it is not an https URL with a host name (an IP address is no relying party).
Result<RelyingParty> RelyingPartyOf(std::string_view public_url, std::string name);

// COSE algorithm numbers (RFC 9053) the console accepts, in the order it prefers them.
inline constexpr int kCoseEs256 = -7;
inline constexpr int kCoseEdDsa = -8;
inline constexpr int kCoseRs256 = -257;

inline constexpr std::size_t kMaxCredentialIdBytes = 1023;  // WebAuthn's own limit
inline constexpr std::size_t kMaxClientDataBytes = 4096;
inline constexpr std::size_t kMaxAttestationBytes = 16 * 1024;
inline constexpr std::size_t kMaxAuthenticatorDataBytes = 4096;
inline constexpr std::size_t kMaxSignatureBytes = 1024;

struct NewCredential {
  std::string id;          // raw bytes
  std::string public_key;  // DER SubjectPublicKeyInfo
  int algorithm = 0;       // COSE
  std::uint32_t sign_count = 0;
  bool backed_up = false;  // a synced passkey (the BS flag), shown to its owner
};

// Checks a registration made for `challenge` (the raw bytes the server gave) at `rp`.
// kInvalidArgument saying what is wrong when any check fails.
Result<NewCredential> VerifyRegistration(const RelyingParty& rp, std::string_view challenge,
                                         std::string_view client_data_json,
                                         std::string_view attestation_object);

struct Assertion {
  std::string_view client_data_json;
  std::string_view authenticator_data;
  std::string_view signature;
};
// A kept credential, as VerifyRegistration returned it and sign-ins moved it on.
struct KeptCredential {
  std::string_view public_key;  // DER SubjectPublicKeyInfo
  int algorithm = 0;
  std::uint32_t sign_count = 0;
};

// Checks a sign-in made for `challenge` with `kept`; returns the authenticator's new
// signature count, to keep. kInvalidArgument when any check fails, and
// kFailedPrecondition when the count did not go up although the authenticator counts
// (a copy of the authenticator may be in use: refused, and worth an administrator's look).
Result<std::uint32_t> VerifyAssertion(const RelyingParty& rp, std::string_view challenge,
                                      const KeptCredential& kept, const Assertion& assertion);

}  // namespace sealpost::console
