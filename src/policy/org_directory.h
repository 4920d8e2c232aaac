// OrgDirectory: the organisation model as the rest of sealpost uses it — create
// accounts, domains and users, read and change settings at any level (sealed under the
// metadata key at rest, since they hold default answers), and resolve a sender's
// effective settings (user → domain → account). Also the administrator's table of MX
// TLS support, which stands in for probing until outbound delivery (issue 4) fills it.
// Thread-safety: as thread-safe as the OrgStore it uses.
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "policy/selection.h"
#include "policy/settings.h"
#include "store/stores.h"

namespace sealpost::policy {

Result<OrgLevel> ParseOrgLevel(std::string_view text);
const char* OrgLevelName(OrgLevel level);

class OrgDirectory {
 public:
  OrgDirectory(OrgStore& store, const SecretBytes& metadata_key, const Clock& clock)
      : store_(store), key_(metadata_key), clock_(clock) {}

  Status CreateAccount(const std::string& name);
  Status CreateDomain(const std::string& domain, const std::string& account);
  // The user's domain (the part after @) must exist.
  Status CreateUser(const std::string& address);

  Result<SettingsLayer> Settings(OrgLevel level, const std::string& name);
  // Applies every "name=value" assignment, or none of them.
  Status Set(OrgLevel level, const std::string& name, const std::vector<std::string>& assignments);
  // Replaces a level's settings with a JSON layer (content rules are set this way).
  Status Replace(OrgLevel level, const std::string& name, std::string_view json);

  // The account a user belongs to (through their domain); kNotFound for unknown users.
  Result<std::string> AccountOfUser(const std::string& address);

  // kNotFound when the sender is not a user and their domain is not known either.
  Result<EffectiveSettings> EffectiveFor(const std::string& sender);

  Status SetMxTls(const std::string& domain, bool starttls, const std::string& host);

 private:
  Result<std::string> Seal(OrgLevel level, const std::string& name, const SettingsLayer& layer);
  Result<SettingsLayer> Open(OrgLevel level, const std::string& name, const std::string& sealed);
  Status Store(OrgLevel level, const std::string& name, const SettingsLayer& layer);

  OrgStore& store_;
  const SecretBytes& key_;
  const Clock& clock_;
};

// TLS knowledge from the administrator's table.
class StoredTlsKnowledge final : public TlsKnowledge {
 public:
  explicit StoredTlsKnowledge(OrgStore& store) : store_(store) {}
  std::optional<TlsCapability> Lookup(std::string_view domain) const override;

 private:
  OrgStore& store_;
};

// Settings shown to an administrator: the default answer is a secret and is masked.
std::string SettingsForDisplay(const SettingsLayer& layer);

}  // namespace sealpost::policy
