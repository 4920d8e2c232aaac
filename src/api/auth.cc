#include "api/auth.h"

#include <spdlog/spdlog.h>

#include "base/encoding.h"
#include "base/secret.h"
#include "crypto/primitives.h"
#include "crypto/random.h"

namespace sealpost::api {
namespace {

// How often a client's last-used time is written: to the minute is enough to see which
// integrations are alive, and a busy client costs one write a minute, not one a call.
constexpr std::int64_t kLastUsedResolution = 60;

Error Denied(Credentials::Method method) {
  switch (method) {
    case Credentials::Method::kBearer:
      return MakeError(ErrorCode::kUnauthenticated,
                       "The access token is not valid: it is unknown, expired or revoked.");
    case Credentials::Method::kNone:
      return MakeError(ErrorCode::kUnauthenticated,
                       "Credentials are required: an API client's id:secret (X-API-Key or "
                       "Basic) or an OAuth access token (Bearer).");
    default:
      return MakeError(ErrorCode::kUnauthenticated,
                       "The API client's credentials (id:secret) are not valid.");
  }
}

}  // namespace

std::string HashClientSecret(std::string_view secret) {
  // The label of the first API keys: the clients they became keep their secrets.
  return Sha256(std::string("sealpost/api-key/v1|") + std::string(secret));
}

std::string HashAccessToken(std::string_view token) {
  return Sha256(std::string("sealpost/access-token/v1|") + std::string(token));
}

Result<IssuedSecret> CreateClient(ApiClientStore& store, const Clock& clock,
                                  const NewClient& client) {
  if (client.scopes == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "a client needs at least one scope", "scopes");
  }
  if (!client.user.empty() && (client.scopes & ~kSenderScopes) != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a client bound to a user may hold messages:send and messages:read only",
                     "scopes");
  }
  if (client.name.size() > 200) {
    return MakeError(ErrorCode::kInvalidArgument, "at most 200 characters", "name");
  }
  IssuedSecret issued;
  issued.id = NewId();
  issued.secret = Base64UrlEncode(RandomBytes(32));
  ApiClientRecord record;
  record.id = issued.id;
  record.secret_hash = HashClientSecret(issued.secret);
  record.name = client.name;
  record.account = client.account;
  record.created_at = clock.NowUnix();
  record.user = client.user;
  record.scopes = FormatScopes(client.scopes);
  // The command's or call's audit record names what it made (never the secret).
  audit::DetailPending("{\"client\":\"" + issued.id + "\",\"scopes\":\"" + record.scopes + "\"}");
  auto status = store.Insert(record);
  if (!status.ok()) return std::move(status).error();
  return issued;
}

Result<IssuedSecret> RotateClient(ApiClientStore& store, const Clock& clock, const std::string& id,
                                  std::int64_t grace_seconds) {
  if (grace_seconds < 0 || grace_seconds > kMaxRotationGraceSeconds) {
    return MakeError(ErrorCode::kInvalidArgument, "from 0 to 7 days", "grace");
  }
  IssuedSecret issued{id, Base64UrlEncode(RandomBytes(32))};
  const std::int64_t now = clock.NowUnix();
  audit::DetailPending("{\"grace_seconds\":" + std::to_string(grace_seconds) + "}");
  auto status = store.Rotate(id, HashClientSecret(issued.secret),
                             grace_seconds > 0 ? now + grace_seconds : 0, now);
  if (!status.ok()) return std::move(status).error();
  return issued;
}

Result<Principal> Authenticator::Authenticate(const Credentials& presented,
                                              const std::string& client_address) const {
  std::string named;
  auto principal = Check(presented, &named);
  if (principal.ok() || principal.error().code != ErrorCode::kUnauthenticated || !audit_) {
    return principal;
  }
  audit::AuditRecord r;
  r.at = clock_.NowUnix();
  r.actor_kind = "api_client";
  r.actor = named;
  r.client_address = client_address;
  r.action = "auth." + std::string(MethodName(presented.method));
  r.subject = named;
  r.result = "refused";
  // Not synced on its own: a flood of bad credentials costs no disk sync each.
  if (auto noted = audit_->Note(std::move(r)); !noted.ok()) return std::move(noted).error();
  return principal;
}

Result<Principal> Authenticator::Check(const Credentials& presented, std::string* named) const {
  if (presented.malformed || presented.method == Credentials::Method::kNone) {
    return Denied(presented.method);
  }
  if (presented.method == Credentials::Method::kBearer) {
    return CheckToken(presented.token, named);
  }
  // Only an id's shape is recorded; anything else in its place could be a secret.
  *named = LooksLikeClientId(presented.id) ? presented.id : "(not a client id)";
  auto principal = CheckSecret(presented.id, presented.secret);
  if (principal.ok()) principal->method = presented.method;
  return principal;
}

Result<Principal> Authenticator::CheckSecret(std::string_view id, std::string_view secret) const {
  const Error denied = Denied(Credentials::Method::kApiKey);
  auto record = store_.Find(std::string(id));
  if (!record.ok()) return std::move(record).error();
  // Hash even when the id is unknown, so both failures take the same time.
  const std::string hash = HashClientSecret(secret);
  if (!record->has_value()) {
    (void)ConstantTimeEqual(hash, hash);
    return denied;
  }
  const ApiClientRecord& client = **record;
  const bool current = ConstantTimeEqual(hash, client.secret_hash);
  const bool previous = !client.previous_hash.empty() &&
                        ConstantTimeEqual(hash, client.previous_hash) &&
                        clock_.NowUnix() < client.previous_valid_until;
  if (!(current || previous) || client.revoked_at.has_value()) return denied;
  auto scopes = ParseScopes(client.scopes);
  if (!scopes.ok()) return std::move(scopes).error();
  Used(client);
  return Principal{client.id, client.account, client.user, *scopes, Credentials::Method::kNone};
}

Result<Principal> Authenticator::CheckToken(std::string_view token, std::string* named) const {
  const Error denied = Denied(Credentials::Method::kBearer);
  auto found = store_.FindToken(HashAccessToken(token));
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) return denied;
  const AccessTokenRecord& t = **found;
  *named = t.client_id;
  if (t.revoked_at.has_value() || clock_.NowUnix() >= t.expires_at) return denied;
  // A revoked client's tokens die with it.
  auto client = store_.Find(t.client_id);
  if (!client.ok()) return std::move(client).error();
  if (!client->has_value() || (*client)->revoked_at.has_value()) return denied;
  auto granted = ParseScopes(t.scopes);
  auto held = ParseScopes((*client)->scopes);
  if (!granted.ok()) return std::move(granted).error();
  if (!held.ok()) return std::move(held).error();
  Used(**client);
  return Principal{(*client)->id, (*client)->account, t.user, Scopes(*granted & *held),
                   Credentials::Method::kBearer};
}

void Authenticator::Used(const ApiClientRecord& client) const {
  const std::int64_t now = clock_.NowUnix();
  if (client.last_used_at && now - *client.last_used_at < kLastUsedResolution) return;
  if (auto touched = store_.Touch(client.id, now); !touched.ok()) {
    spdlog::warn("api: last use of client {} not recorded: {}", client.id,
                 touched.error().ToString());
  }
}

std::string Challenge(const Credentials& presented) {
  const std::string realm = "realm=\"sealpost\"";
  if (presented.method == Credentials::Method::kBearer) {
    // RFC 6750 §3: a token was presented, so say what was wrong with it.
    return "Bearer " + realm + ", error=\"invalid_token\", Basic " + realm + ", X-API-Key";
  }
  if (presented.method == Credentials::Method::kApiKey) {
    return "X-API-Key, Basic " + realm + ", Bearer " + realm;
  }
  return "Basic " + realm + ", Bearer " + realm + ", X-API-Key";
}

http::Response Unauthenticated(const Error& error, const Credentials& presented) {
  http::Response r = http::ProblemFromError(error);
  if (r.status == 401) r.Set("WWW-Authenticate", Challenge(presented));
  return r;
}

http::Response InsufficientScope(Scope needed, const Credentials& presented) {
  const std::string name(ScopeName(needed));
  http::Response r = http::ProblemResponse(
      403, "Insufficient scope", "This call needs an API client with the scope \"" + name + "\".");
  if (presented.method == Credentials::Method::kBearer) {
    r.Set("WWW-Authenticate",
          "Bearer realm=\"sealpost\", error=\"insufficient_scope\", scope=\"" + name + "\"");
  }
  return r;
}

Scope ScopeFor(std::string_view method, std::string_view route) {
  const auto starts = [&](std::string_view prefix) {
    return route.substr(0, prefix.size()) == prefix;
  };
  if (route == "/api/v1/messages" || starts("/api/v1/messages/")) {
    return method == "GET" ? kMessagesRead : kMessagesSend;
  }
  if (route == "/api/v1/tools/received-headers") return kMessagesRead;
  if (route == "/api/v1/audit" || starts("/api/v1/audit/")) return kAuditRead;
  return kAdmin;
}

}  // namespace sealpost::api
