#include "integrations/clients.h"

#include "audit/pending.h"
#include "base/encoding.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "policy/org_directory.h"

namespace sealpost::integrations {

std::string HashClientSecret(std::string_view secret) {
  // The label of the first API keys: the clients they became keep their secrets.
  return Sha256(std::string("sealpost/api-key/v1|") + std::string(secret));
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
  if (client.name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "say what the client is for", "name");
  }
  if (client.name.size() > 200) {
    return MakeError(ErrorCode::kInvalidArgument, "at most 200 characters", "name");
  }
  if (client.rate_limit_per_minute < 0 || client.rate_limit_per_minute > kMaxRateLimitPerMinute) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "requests a minute, from 1 to 1000000 (0: the configured default)",
                     "rate_limit_per_minute");
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
  if (client.rate_limit_per_minute > 0) record.rate_limit_per_minute = client.rate_limit_per_minute;
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

Result<IssuedSecret> CreateClientChecked(policy::OrgDirectory& directory, ApiClientStore& store,
                                         const Clock& clock, const NewClient& client) {
  if (client.account.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "a client belongs to an account", "account");
  }
  // "default" is the organisation's own account, where the first administrator's client
  // is made; every other account must exist.
  if (client.account != "default") {
    auto found = directory.Settings(OrgLevel::kAccount, client.account);
    if (!found.ok()) {
      Error e = found.error();
      if (e.code == ErrorCode::kNotFound)
        e = MakeError(ErrorCode::kNotFound, "no account " + client.account, "account");
      return e;
    }
  }
  if (!client.user.empty()) {
    auto of = directory.AccountOfUser(client.user);
    if (!of.ok()) return std::move(of).error();
    if (*of != client.account) {
      return MakeError(ErrorCode::kInvalidArgument,
                       client.user + " is a user of account " + *of + ", not " + client.account,
                       "user");
    }
  }
  return CreateClient(store, clock, client);
}

}  // namespace sealpost::integrations
