// The organisation's Ed25519 signing key at rest: its secret half is boxed under the
// key ring's signing key (so the database alone does not hold it), bound to its id.
#pragma once

#include "base/clock.h"
#include "crypto/key_ring.h"
#include "escrow/sealer.h"
#include "store/stores.h"

namespace sealpost {

Status CreateSigningKey(SigningKeyStore& store, const KeyRing& keys, const Clock& clock);
// The newest key, unsealed.
Result<SigningIdentity> LoadSigningIdentity(SigningKeyStore& store, const KeyRing& keys);
// The AAD that binds a sealed signing key to its id.
std::string SigningKeyAad(const std::string& id);

}  // namespace sealpost
