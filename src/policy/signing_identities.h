// The organisation's signing identities: an OpenPGP key and an S/MIME certificate per
// account or per domain, generated or imported by the administrator. A sender's mail
// is signed with their domain's identity of the right kind, else their account's.
// Secret parts are sealed under the metadata key; public parts are for download.
// Blocking (database, key generation): call off the event loop. Thread-safe if the
// OrgStore is.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/key_ring.h"
#include "pki/smime.h"
#include "store/stores.h"

namespace sealpost::policy {

// "domain:clinic.example" or "account:Springfield"; checked against what exists.
struct IdentityScope {
  std::string level;  // "domain" or "account"
  std::string name;
  std::string ToString() const { return level + ":" + name; }
};

// What a sender's mail is signed with; either may be missing.
struct Signers {
  std::optional<SecretBytes> pgp;          // unprotected OpenPGP secret key
  std::optional<pki::SmimeSigner> smime;
};

struct IdentitySummary {
  std::string scope, kind, label, fingerprint;
};

class SigningIdentities {
 public:
  SigningIdentities(OrgStore& store, const PurposeKey& metadata_key, const Clock& clock)
      : store_(store), key_(metadata_key), clock_(clock) {}

  // kNotFound when the account or domain does not exist.
  Result<IdentitySummary> GeneratePgp(const IdentityScope& scope, const std::string& user_id);
  Result<IdentitySummary> ImportPgp(const IdentityScope& scope, std::string_view secret_key);
  Result<IdentitySummary> GenerateSmime(const IdentityScope& scope, const std::string& address,
                                        const std::string& organisation, int days);
  Result<IdentitySummary> ImportSmime(const IdentityScope& scope, std::string_view certificate,
                                      std::string_view private_key);

  // The public part to publish: an armored OpenPGP key, or a PEM certificate.
  // kNotFound when the scope has none of that kind.
  Result<std::string> PublicPart(const IdentityScope& scope, const std::string& kind);
  // The public part that signs mail from `domain`: its own, else its account's.
  Result<std::string> PublicPartForDomain(const std::string& domain, const std::string& kind);

  // What signs mail from `sender` (an address).
  Result<Signers> For(const std::string& sender);

  // Every account's and domain's identities, accounts first, by name then kind.
  Result<std::vector<IdentitySummary>> List();

 private:
  Status CheckScope(const IdentityScope& scope);
  Result<IdentitySummary> Put(const IdentityScope& scope, const std::string& kind,
                              const std::string& label, const std::string& fingerprint,
                              const std::string& public_data, const SecretBytes& secret);
  Result<std::optional<OrgIdentityRecord>> Resolve(const std::string& domain, const std::string& kind);

  OrgStore& store_;
  const PurposeKey& key_;
  const Clock& clock_;
};

Result<IdentityScope> ParseIdentityScope(std::string_view text);
// The AAD that binds a sealed identity key to its scope and kind.
std::string IdentityAad(const std::string& scope, const std::string& kind);

}  // namespace sealpost::policy
