#include "api/auth.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/secret.h"
#include "crypto/primitives.h"
#include "crypto/random.h"

namespace sealpost::api {

std::string HashApiSecret(std::string_view secret) {
  return Sha256(std::string("sealpost/api-key/v1|") + std::string(secret));
}

Result<NewApiKey> CreateApiKey(ApiKeyStore& store, const Clock& clock, const std::string& name,
                               const std::string& account, const std::string& user) {
  NewApiKey key;
  key.id = NewId();
  key.secret = Base64UrlEncode(RandomBytes(32));
  ApiKeyRecord record;
  record.id = key.id;
  record.secret_hash = HashApiSecret(key.secret);
  record.name = name;
  record.account = account;
  record.created_at = clock.NowUnix();
  record.user = user;
  auto status = store.Insert(record);
  if (!status.ok()) return std::move(status).error();
  return key;
}

Result<Principal> ApiKeyAuthenticator::Authenticate(std::string_view value,
                                                    const std::string& client_address) const {
  std::string id;
  auto principal = Check(value, &id);
  if (principal.ok() || principal.error().code != ErrorCode::kUnauthenticated || !audit_ ||
      !clock_) {
    return principal;
  }
  audit::AuditRecord r;
  r.at = clock_->NowUnix();
  r.actor_kind = "api_key";
  r.actor = id;
  r.client_address = client_address;
  r.action = "auth.api_key";
  r.subject = id;
  r.result = "refused";
  // Not synced on its own: a flood of bad keys costs no disk sync each.
  if (auto noted = audit_->Note(std::move(r)); !noted.ok()) return std::move(noted).error();
  return principal;
}

Result<Principal> ApiKeyAuthenticator::Check(std::string_view value, std::string* id_out) const {
  const Error denied = MakeError(ErrorCode::kUnauthenticated,
                                 "A valid X-API-Key header (id:secret) is required.");
  auto colon = value.find(':');
  if (value.empty() || colon == std::string_view::npos || colon > 64 || value.size() > 256) {
    return denied;
  }
  std::string id(value.substr(0, colon));
  // The id is the key's public half, 32 hex digits; anything else in its place is not
  // recorded (it could be a secret pasted in the wrong place).
  if (id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    *id_out = id;
  } else {
    *id_out = "(not a key id)";
  }
  auto record = store_.Find(id);
  if (!record.ok()) return std::move(record).error();
  // Hash even when the id is unknown, so both failures take the same time.
  const std::string hash = HashApiSecret(value.substr(colon + 1));
  if (!record->has_value()) {
    (void)ConstantTimeEqual(hash, hash);
    return denied;
  }
  if (!ConstantTimeEqual(hash, (*record)->secret_hash) || (*record)->revoked_at.has_value()) {
    return denied;
  }
  return Principal{(*record)->id, (*record)->account, (*record)->user};
}

}  // namespace sealpost::api
