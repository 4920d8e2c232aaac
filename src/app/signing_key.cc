#include "app/signing_key.h"

#include "crypto/primitives.h"
#include "crypto/random.h"
#include "crypto/signing.h"

namespace sealpost {

std::string SigningKeyAad(const std::string& id) { return "sealpost/signing-key/v1|" + id; }

Status CreateSigningKey(SigningKeyStore& store, const KeyRing& keys, const Clock& clock) {
  SigningKeyPair pair = GenerateSigningKey();
  SigningKeyRecord record;
  record.id = NewId();
  record.public_key = pair.public_key;
  auto sealed = keys.signing().Seal(pair.secret_key.view(), SigningKeyAad(record.id));
  if (!sealed.ok()) return std::move(sealed).error();
  record.sealed_secret = std::move(*sealed);
  record.created_at = clock.NowUnix();
  return store.Insert(record);
}

Result<SigningIdentity> LoadSigningIdentity(SigningKeyStore& store, const KeyRing& keys) {
  auto newest = store.Newest();
  if (!newest.ok()) return std::move(newest).error();
  if (!newest->has_value()) {
    return MakeError(ErrorCode::kFailedPrecondition, "no organisation signing key: run sealpost init");
  }
  auto secret = keys.signing().OpenSecret((*newest)->sealed_secret, SigningKeyAad((*newest)->id));
  if (!secret.ok()) {
    return MakeError(ErrorCode::kIntegrity,
                     "the signing key does not open with this master key (wrong master.key?)");
  }
  return SigningIdentity{(*newest)->id, (*newest)->public_key, std::move(*secret)};
}

}  // namespace sealpost
