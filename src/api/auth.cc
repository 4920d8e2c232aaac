#include "api/auth.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/encoding.h"
#include "base/secret.h"
#include "base/text.h"
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

std::string HashAccessToken(std::string_view token) {
  return Sha256(std::string("sealpost/access-token/v1|") + std::string(token));
}

Result<Principal> Authenticator::Authenticate(const Credentials& presented,
                                              const std::string& client_address) const {
  std::string named;
  auto principal = Check(presented, &named);
  if (!principal.ok() && principal.error().code == ErrorCode::kUnauthenticated) {
    Refused(presented.method, named, client_address);
  }
  return principal;
}

Result<Principal> Authenticator::AuthenticateSigned(const SignedCall& call,
                                                    const std::string& client_address,
                                                    std::string* body_sha256) const {
  std::string named;
  auto principal = CheckSigned(call, &named, body_sha256);
  if (!principal.ok() && principal.error().code == ErrorCode::kUnauthenticated) {
    Refused(Credentials::Method::kSignature, named, client_address);
  }
  return principal;
}

void Authenticator::Refused(Credentials::Method method, const std::string& named,
                            const std::string& client_address) const {
  if (!audit_) return;
  audit::AuditRecord r;
  r.at = clock_.NowUnix();
  r.actor_kind = "api_client";
  r.actor = named;
  r.client_address = client_address;
  r.action = "auth." + std::string(MethodName(method));
  r.subject = named;
  r.result = "refused";
  // Not synced on its own: a flood of bad credentials costs no disk sync each.
  if (auto noted = audit_->Note(std::move(r)); !noted.ok()) {
    spdlog::error("api: refused sign-in not recorded: {}", noted.error().ToString());
  }
}

std::string SessionKeyAad(std::string_view id) {
  return "sealpost/api-session/v1|" + std::string(id);
}

Result<OpenedSession> OpenSession(ApiClientStore& store, const PurposeKey& keys, const Clock& clock,
                                  const std::string& client_id, std::int64_t lifetime_seconds) {
  OpenedSession opened;
  opened.id = NewId();
  opened.key = RandomBytes(32);
  const std::int64_t now = clock.NowUnix();
  opened.expires_at = now + lifetime_seconds;
  auto sealed = keys.Seal(opened.key, SessionKeyAad(opened.id));
  if (!sealed.ok()) return std::move(sealed).error();
  ApiSessionRecord record{opened.id, client_id, std::move(*sealed), now, opened.expires_at, {}};
  audit::DetailPending("{\"session\":\"" + opened.id + "\"}");
  if (auto stored = store.InsertSession(record); !stored.ok()) return std::move(stored).error();
  return opened;
}

Result<Principal> Authenticator::CheckSigned(const SignedCall& call, std::string* named,
                                             std::string* body_sha256) const {
  const auto refuse = [](std::string why) {
    return MakeError(ErrorCode::kUnauthenticated, "The request's signature is not valid: " + why);
  };
  if (!session_keys_) return refuse("signed requests are not accepted here.");
  auto members = ParseSignatures(call.signature_input, call.signature);
  if (!members.ok()) return refuse(members.error().message + ".");
  // The first signature made with a session's key (other parties may sign too).
  const SignedMember* chosen = nullptr;
  for (const auto& m : *members) {
    if (!m.input.keyid.empty() && (m.input.alg.empty() || m.input.alg == "hmac-sha256")) {
      chosen = &m;
      break;
    }
  }
  if (!chosen) return refuse("no signature names a session (keyid) with hmac-sha256.");
  const SignatureInput& in = chosen->input;
  *named = in.keyid.size() <= 64 ? SanitizeForLog(in.keyid, 64) : "(too long)";
  const auto covers = [&](std::string_view c) {
    return std::find(in.components.begin(), in.components.end(), c) != in.components.end();
  };
  if (!covers("@method") || !covers("@target-uri")) {
    return refuse("it must cover \"@method\" and \"@target-uri\".");
  }
  if (call.has_body && !covers("content-digest")) {
    return refuse("a request with a body must cover \"content-digest\".");
  }
  const std::int64_t now = clock_.NowUnix();
  if (!in.created) return refuse("it needs a created time.");
  if (*in.created < now - kSignatureWindowSeconds || *in.created > now + kSignatureWindowSeconds) {
    return refuse("created is more than 5 minutes from the server's time.");
  }
  if (in.expires && *in.expires <= now) return refuse("it has expired.");
  // Nonces seen in the last moments before a crash may not have reached the database;
  // what was signed before this start cannot be checked against them, so it is refused.
  if (*in.created < started_) {
    return refuse("it was created before the server started; sign the request again.");
  }
  if (in.nonce.empty() || in.nonce.size() > 128)
    return refuse("it needs a nonce (1 to 128 characters).");

  auto both = store_.FindSessionWithClient(in.keyid);
  if (!both.ok()) return std::move(both).error();
  if (!both->has_value()) return refuse("the session is unknown, expired or revoked.");
  const ApiSessionRecord& session = (*both)->session;
  const ApiClientRecord& found = (*both)->client;
  if (session.revoked_at || session.expires_at <= now || found.revoked_at) {
    return refuse("the session is unknown, expired or revoked.");
  }
  *named = found.id;
  auto key = session_keys_->OpenSecret(session.sealed_key, SessionKeyAad(in.keyid));
  if (!key.ok()) return std::move(key).error();
  auto base = SignatureBase(call.request, in);
  if (!base.ok()) return refuse(base.error().message + ".");
  if (!HmacSignatureMatches(*key, *base, chosen->signature)) {
    return refuse("the signature does not match the request.");
  }
  // Only a good signature's nonce is kept: others cannot fill the table.
  auto fresh = store_.RememberNonce(in.keyid, in.nonce, *in.created + 2 * kSignatureWindowSeconds);
  if (!fresh.ok()) return std::move(fresh).error();
  if (!*fresh) return refuse("the nonce was used already (a replay).");
  body_sha256->clear();
  if (covers("content-digest")) {
    auto digest = ContentDigestSha256(call.request.field("content-digest").value_or(""));
    if (!digest.ok()) return refuse(digest.error().message + ".");
    *body_sha256 = std::move(*digest);
  }
  auto scopes = ParseScopes(found.scopes);
  if (!scopes.ok()) return std::move(scopes).error();
  Used(found);
  return Principal{found.id,
                   found.account,
                   found.user,
                   *scopes,
                   Credentials::Method::kSignature,
                   found.rate_limit_per_minute.value_or(0)};
}

Result<Principal> Authenticator::Check(const Credentials& presented, std::string* named) const {
  if (presented.malformed || presented.method == Credentials::Method::kNone) {
    return Denied(presented.method);
  }
  if (presented.method == Credentials::Method::kBearer) {
    return CheckToken(presented.token, named);
  }
  // Only an id's shape is recorded; anything else in its place could be a secret.
  *named = LooksLikeId(presented.id) ? presented.id : "(not a client id)";
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
  return Principal{client.id,
                   client.account,
                   client.user,
                   *scopes,
                   Credentials::Method::kNone,
                   client.rate_limit_per_minute.value_or(0)};
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
  return Principal{(*client)->id,
                   (*client)->account,
                   t.user,
                   Scopes(*granted & *held),
                   Credentials::Method::kBearer,
                   (*client)->rate_limit_per_minute.value_or(0)};
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
  // Secure requests: asking is sending; looking is reading.
  if (route == "/api/v1/requests" || starts("/api/v1/requests/")) {
    return method == "GET" ? kMessagesRead : kMessagesSend;
  }
  if (route == "/api/v1/tools/received-headers") return kMessagesRead;
  if (route == "/api/v1/audit" || starts("/api/v1/audit/")) return kAuditRead;
  for (std::string_view noun :
       {"/api/v1/lists", "/api/v1/contacts", "/api/v1/suppressions", "/api/v1/segments",
        "/api/v1/templates", "/api/v1/campaigns", "/api/v1/automations"}) {
    if (route == noun || (starts(noun) && route[noun.size()] == '/')) return kCampaigns;
  }
  if (route == "/api/v1/sessions" || route == "/api/v1/sessions/{id}") return kAnyScope;
  return kAdmin;
}

}  // namespace sealpost::api
