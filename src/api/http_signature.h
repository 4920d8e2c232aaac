// HTTP Message Signatures (RFC 9421) with HMAC-SHA256, and Content-Digest (RFC 9530),
// as much of them as signed API sessions need: parsing Signature-Input and Signature
// (the Structured Field dictionaries of RFC 8941 they are), building a signature base,
// and checking a signature. No I/O: the gate (gate.h) brings the request and the key.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost::api {

// One signature's covered components and parameters (a member of Signature-Input).
struct SignatureInput {
  std::string label;
  std::vector<std::string> components;  // "@method", "content-digest" …
  std::optional<std::int64_t> created;
  std::optional<std::int64_t> expires;
  std::string nonce;
  std::string keyid;
  std::string alg;
  // The inner list and its parameters serialized as RFC 8941 §4 does: the value of the
  // base's "@signature-params" line.
  std::string serialized;
};

// The signatures a request carries: each member of Signature-Input with the bytes of
// the Signature member of the same label. kInvalidArgument for fields that are not
// well-formed dictionaries, a member without its signature, more than 4 signatures,
// components with parameters, or more than 32 components.
struct SignedMember {
  SignatureInput input;
  std::string signature;  // raw bytes
};
Result<std::vector<SignedMember>> ParseSignatures(std::string_view signature_input,
                                                  std::string_view signature);

// What the signature base needs of a request.
struct SignedRequestView {
  std::string method;
  std::string scheme = "https";
  std::string authority;  // the Host field, lower-cased
  std::string path;       // as received
  std::string query;      // without "?"
  // Every value of a header field (by lower-case name), joined as RFC 9421 §2.1 says;
  // nullopt when the request has none.
  std::function<std::optional<std::string>(std::string_view name)> field;
};

// RFC 9421 §2.5. kInvalidArgument naming a component the request does not have or this
// implementation does not know.
Result<std::string> SignatureBase(const SignedRequestView& request, const SignatureInput& input);

// HMAC-SHA256 of the base, compared in constant time.
bool HmacSignatureMatches(const SecretBytes& key, std::string_view base,
                          std::string_view signature);
std::string HmacSignature(const SecretBytes& key, std::string_view base);

// The SHA-256 digest in a Content-Digest field ("sha-256=:…:", other algorithms
// beside it ignored); kInvalidArgument when it has none or is malformed.
Result<std::string> ContentDigestSha256(std::string_view field);

}  // namespace sealpost::api
