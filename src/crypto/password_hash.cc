#include "crypto/password_hash.h"

#include <sodium.h>

#include "crypto/random.h"

namespace sealpost {

Result<std::string> HashSecret(std::string_view secret, const Argon2Params& params) {
  EnsureSodiumInitialised();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), params.ops_limit,
                            params.mem_limit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return MakeError(ErrorCode::kResourceExhausted, "not enough memory for Argon2id");
  }
  return std::string(out);
}

bool VerifySecret(std::string_view hash, std::string_view secret) {
  std::string h(hash);  // crypto_pwhash_str_verify wants a NUL-terminated string
  return crypto_pwhash_str_verify(h.c_str(), secret.data(), secret.size()) == 0;
}

}  // namespace sealpost
