// API clients issued and given new secrets: the one way the CLI, the API and the web
// console make the credentials integrations present (api/auth.h checks them). A
// client's secret is 256 random bits, shown once; only a domain-separated SHA-256 of it
// is stored (unguessable, so a fast hash suffices; Argon2id is for what people choose).
// Each records what it made on the thread's pending audit record, never the secret.
// Blocking (the store): call off the event loop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "integrations/scopes.h"
#include "store/stores.h"

namespace sealpost::policy {
class OrgDirectory;
}

namespace sealpost::integrations {

struct IssuedSecret {
  std::string id;
  std::string secret;  // shown once; only its hash is stored
  std::string header_value() const { return id + ":" + secret; }
};

struct NewClient {
  std::string name;
  std::string account;
  std::string user;  // bound to this sender; empty: the account's
  Scopes scopes = kSenderScopes;
  std::int64_t rate_limit_per_minute = 0;  // 0: the configured default
};
inline constexpr std::int64_t kMaxRateLimitPerMinute = 1'000'000;

// kInvalidArgument for a client that cannot be: no name, no scope, a user's client with admin or
// audit:read, a name over 200 characters, a rate limit outside 0..kMaxRateLimitPerMinute.
Result<IssuedSecret> CreateClient(ApiClientStore& store, const Clock& clock,
                                  const NewClient& client);
// A new secret for the client; the old one keeps working for `grace_seconds` (0 to one
// week), so an integration can switch without a gap.
Result<IssuedSecret> RotateClient(ApiClientStore& store, const Clock& clock, const std::string& id,
                                  std::int64_t grace_seconds);
inline constexpr std::int64_t kMaxRotationGraceSeconds = 7 * 24 * 3600;

std::string HashClientSecret(std::string_view secret);

// A new API client for an account that exists (or "default", the organisation's own),
// bound to one of its users if `client.user` is set; kNotFound / kInvalidArgument
// naming the field otherwise. The secret is in the result only.
Result<IssuedSecret> CreateClientChecked(policy::OrgDirectory& directory, ApiClientStore& store,
                                         const Clock& clock, const NewClient& client);

}  // namespace sealpost::integrations
