#include "crypto/signing.h"

#include <sodium.h>

#include "crypto/random.h"

namespace sealpost {

SigningKeyPair GenerateSigningKey() {
  EnsureSodiumInitialised();
  SigningKeyPair pair;
  pair.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  pair.secret_key = SecretBytes(crypto_sign_SECRETKEYBYTES);
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(pair.public_key.data()),
                      pair.secret_key.data());
  return pair;
}

Result<std::string> Sign(const SecretBytes& secret_key, std::string_view message) {
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES) {
    return MakeError(ErrorCode::kInternal, "signing key has the wrong size");
  }
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key.data());
  return sig;
}

bool VerifySignature(std::string_view public_key, std::string_view message,
                     std::string_view signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char*>(signature.data()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(),
             reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

}  // namespace sealpost
