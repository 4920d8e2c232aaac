// API key authentication: "X-API-Key: <id>:<secret>". The secret is 256 random bits,
// so a single SHA-256 (domain-separated) is a sufficient verifier: unlike a password
// it cannot be guessed, and a fast hash keeps every API call cheap. Argon2id is for
// secrets people choose. Comparison is constant-time; unknown ids and wrong secrets
// fail alike.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "store/stores.h"

namespace sealpost::api {

struct Principal {
  std::string api_key_id;
  std::string account;
  std::string user;  // the only sender this key may send as; empty: any
};

struct NewApiKey {
  std::string id;
  std::string secret;  // shown once; only its hash is stored
  std::string header_value() const { return id + ":" + secret; }
};

Result<NewApiKey> CreateApiKey(ApiKeyStore& store, const Clock& clock, const std::string& name,
                               const std::string& account, const std::string& user = {});

class ApiKeyAuthenticator {
 public:
  explicit ApiKeyAuthenticator(ApiKeyStore& store) : store_(store) {}
  // kUnauthenticated for a missing, malformed, unknown, revoked or wrong key.
  Result<Principal> Authenticate(std::string_view header_value) const;

 private:
  ApiKeyStore& store_;
};

std::string HashApiSecret(std::string_view secret);

}  // namespace sealpost::api
