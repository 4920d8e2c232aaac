// API key authentication: "X-API-Key: <id>:<secret>". The secret is 256 random bits,
// so a single SHA-256 (domain-separated) is a sufficient verifier: unlike a password
// it cannot be guessed, and a fast hash keeps every API call cheap. Argon2id is for
// secrets people choose. Comparison is constant-time; unknown ids and wrong secrets
// fail alike.
#pragma once

#include <string>
#include <string_view>

#include "audit/pending.h"
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
  // `audit`: where refused keys are recorded (null: nowhere, for tools and tests).
  explicit ApiKeyAuthenticator(ApiKeyStore& store, AuditStore* audit = nullptr,
                               const Clock* clock = nullptr)
      : store_(store), audit_(audit), clock_(clock) {}
  // kUnauthenticated for a missing, malformed, unknown, revoked or wrong key; each is
  // recorded in the audit trail (auth.api_key, refused) with the id it named, if any.
  // A key that passes leaves no record of its own: every record of what it then does
  // names it.
  Result<Principal> Authenticate(std::string_view header_value,
                                 const std::string& client_address = {}) const;

 private:
  Result<Principal> Check(std::string_view header_value, std::string* id) const;

  ApiKeyStore& store_;
  AuditStore* audit_;
  const Clock* clock_;  // with audit_
};

std::string HashApiSecret(std::string_view secret);

// The audit trail's actor for what a key does (audit::ActingAs around the work).
inline audit::Actor ActorOf(const Principal& p, const std::string& client_address) {
  return {"api_key", p.api_key_id, client_address, p.account};
}

}  // namespace sealpost::api
