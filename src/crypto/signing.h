// Ed25519 signatures (RFC 8032), for the organisation's signature on sealed messages.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost {

struct SigningKeyPair {
  std::string public_key;  // 32 bytes
  SecretBytes secret_key;  // 64 bytes (seed | public key), libsodium's layout
};

SigningKeyPair GenerateSigningKey();
Result<std::string> Sign(const SecretBytes& secret_key, std::string_view message);  // 64 bytes
bool VerifySignature(std::string_view public_key, std::string_view message,
                     std::string_view signature);

}  // namespace sealpost
