// Who calls the API: every method of authentication (credentials.h) ends at one API
// client, and a Principal says which, for whom it acts and what it may do.
//
// A client's secret and an access token are 256 random bits, so a single SHA-256
// (domain-separated) is a sufficient verifier: unlike a password they cannot be guessed,
// and a fast hash keeps every API call cheap. Argon2id is for secrets people choose.
// Comparison is constant-time; unknown ids and wrong secrets fail alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/credentials.h"
#include "api/http_signature.h"
#include "audit/pending.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/key_ring.h"
#include "http/message.h"
#include "integrations/clients.h"
#include "store/stores.h"

namespace sealpost::api {

struct Principal {
  std::string client_id;
  std::string account;
  std::string user;  // the only sender it may send as; empty: any of the account's
  Scopes scopes = 0;
  Credentials::Method method = Credentials::Method::kNone;
  std::int64_t rate_limit_per_minute = 0;  // 0: the configured default
  bool Has(Scope s) const { return s == kAnyScope || (scopes & s) != 0; }
};

// Clients are issued by integrations/clients.h; the API names them as it always has.
using integrations::CreateClient;
using integrations::HashClientSecret;
using integrations::IssuedSecret;
using integrations::kMaxRateLimitPerMinute;
using integrations::kMaxRotationGraceSeconds;
using integrations::NewClient;
using integrations::RotateClient;

std::string HashAccessToken(std::string_view token);

// Signed-request sessions (RFC 9421, HMAC-SHA256): a client opens one with its
// credentials and gets a key, shown once; each request is then signed with it.
struct OpenedSession {
  std::string id;   // the signatures' keyid
  std::string key;  // 32 random bytes
  std::int64_t expires_at = 0;
};
// The AAD of a session's sealed key.
std::string SessionKeyAad(std::string_view id);
Result<OpenedSession> OpenSession(ApiClientStore& store, const PurposeKey& keys, const Clock& clock,
                                  const std::string& client_id, std::int64_t lifetime_seconds);
// How far a signature's `created` may be from the server's clock, either way.
inline constexpr std::int64_t kSignatureWindowSeconds = 300;

// A signed request, as the gate sees it.
struct SignedCall {
  SignedRequestView request;
  std::string signature_input;
  std::string signature;
  bool has_body = false;
};

class Authenticator {
 public:
  // `audit`: where refused credentials are recorded (null: nowhere, for tools).
  // `session_keys`: what opens signed sessions' keys (null: signed requests refused).
  Authenticator(ApiClientStore& store, AuditStore* audit, const Clock& clock,
                const PurposeKey* session_keys = nullptr)
      : store_(store),
        audit_(audit),
        clock_(clock),
        session_keys_(session_keys),
        started_(clock.NowUnix()) {}

  // kUnauthenticated for missing, malformed, unknown, revoked, expired or wrong
  // credentials; each is recorded in the audit trail (auth.<method>, refused) with the
  // client id it named, if any. Credentials that pass leave no record of their own: every
  // record of what the client then does names it.
  Result<Principal> Authenticate(const Credentials& presented,
                                 const std::string& client_address) const;
  // A signed request: a live session's HMAC over at least @method and @target-uri (and
  // content-digest when there is a body), created within kSignatureWindowSeconds, with a
  // nonce the session has not used, and not created before this authenticator was (the
  // last nonces before a crash may be lost: ApiClientStore::WriteNonces). `body_sha256`
  // gets the digest the body must have
  // (empty: none covered). Refusals say which rule failed, and are recorded
  // (auth.signature).
  Result<Principal> AuthenticateSigned(const SignedCall& call, const std::string& client_address,
                                       std::string* body_sha256) const;

 private:
  Result<Principal> Check(const Credentials& presented, std::string* named) const;
  Result<Principal> CheckSecret(std::string_view id, std::string_view secret) const;
  Result<Principal> CheckToken(std::string_view token, std::string* named) const;
  Result<Principal> CheckSigned(const SignedCall& call, std::string* named,
                                std::string* body_sha256) const;
  void Refused(Credentials::Method method, const std::string& named,
               const std::string& client_address) const;
  void Used(const ApiClientRecord& client) const;

  ApiClientStore& store_;
  AuditStore* audit_;
  const Clock& clock_;
  const PurposeKey* session_keys_;
  const std::int64_t started_;  // signatures created before are refused
};

// The WWW-Authenticate field of a 401 (RFC 9110 §11.6.1): the scheme presented, with
// RFC 6750's error for a bearer token, and the others the API takes.
std::string Challenge(const Credentials& presented);
http::Response Unauthenticated(const Error& error, const Credentials& presented);
// 403 for a client without the scope a route needs (RFC 6750 §3.1 for bearer tokens).
http::Response InsufficientScope(Scope needed, const Credentials& presented);

// The scope a route of /api/v1/ needs (its method and pattern, as the router has them).
// Routes this does not know need kAdmin.
Scope ScopeFor(std::string_view method, std::string_view route);

// The audit trail's actor for what a client does (audit::ActingAs around the work).
inline audit::Actor ActorOf(const Principal& p, const std::string& client_address) {
  return {"api_client", p.client_id, client_address, p.account};
}

}  // namespace sealpost::api
