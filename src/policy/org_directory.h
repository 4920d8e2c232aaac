// OrgDirectory: the organisation model as the rest of sealpost uses it — create
// accounts, domains and users, read and change settings at any level (sealed under the
// metadata key at rest, since they hold default answers), and resolve a sender's
// effective settings (user → domain → account). Also the administrator's table of MX
// TLS support, which stands in for probing until outbound delivery (issue 4) fills it.
// Thread-safety: as thread-safe as the OrgStore it uses.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/key_ring.h"
#include "policy/selection.h"
#include "policy/settings.h"
#include "store/stores.h"

namespace sealpost::policy {

Result<OrgLevel> ParseOrgLevel(std::string_view text);
const char* OrgLevelName(OrgLevel level);
// The AAD that binds a sealed settings layer to its level and name.
std::string SettingsAad(OrgLevel level, const std::string& name);

class OrgDirectory {
 public:
  OrgDirectory(OrgStore& store, const PurposeKey& metadata_key, const Clock& clock)
      : store_(store), key_(metadata_key), clock_(clock) {}

  Status CreateAccount(const std::string& name);
  Status CreateDomain(const std::string& domain, const std::string& account);
  // The user's domain (the part after @) must exist.
  Status CreateUser(const std::string& address);
  // The user's role in the web console ("" or "none": none), with what it was and
  // becomes on the pending audit record. kNotFound for unknown users.
  Status SetConsoleRole(const std::string& address, const std::string& role);

  Result<SettingsLayer> Settings(OrgLevel level, const std::string& name);
  // Applies every "name=value" assignment, or none of them.
  Status Set(OrgLevel level, const std::string& name, const std::vector<std::string>& assignments);
  // Replaces a level's settings with a JSON layer (content rules are set this way).
  Status Replace(OrgLevel level, const std::string& name, std::string_view json);

  // The account a user belongs to (through their domain); kNotFound for unknown users.
  Result<std::string> AccountOfUser(const std::string& address);

  // kNotFound when the sender is not a user and their domain is not known either.
  Result<EffectiveSettings> EffectiveFor(const std::string& sender);
  // What holds at a level, with where each value comes from: an account's (its own over
  // the defaults), a domain's (over its account's), a user's (EffectiveFor). kNotFound
  // when there is no such account, domain or user.
  Result<EffectiveSettings> EffectiveAt(OrgLevel level, const std::string& name);

  // What deleting a level takes, for the deletion's audit record: {"before": {…}}, the
  // level's own settings as displayed (the default answer masked) and, for a user,
  // their domain, whether SMTP login was on and their console role. Blocking.
  std::string DeletionDetails(OrgLevel level, const std::string& name);
  // Deletes an account (without domains), a domain (without users) or a user, with
  // DeletionDetails as the pending audit record's details (every caller's way).
  Status Delete(OrgLevel level, const std::string& name);

  // A namespace that settings point at; kNotFound when it is gone.
  Result<NamespaceRecord> Namespace(const std::string& name);
  Status SetMxTls(const std::string& domain, bool starttls, const std::string& host);

 private:
  Result<std::string> Seal(OrgLevel level, const std::string& name, const SettingsLayer& layer);
  Result<SettingsLayer> Open(OrgLevel level, const std::string& name, const std::string& sealed);
  Status Store(OrgLevel level, const std::string& name, const SettingsLayer& layer);

  OrgStore& store_;
  const PurposeKey& key_;
  const Clock& clock_;
};

// TLS knowledge from the mx_tls table: what an administrator set (kept until changed),
// else what a probe of the domain's servers found, learnt again once it is older than
// `ttl_seconds`. A domain whose servers could not be reached is not known, and is not
// probed again for `retry_seconds`. Without a probe (the dev outbox), the table only.
// Thread-safety: Lookup may be called concurrently; it blocks while it probes.
class StoredTlsKnowledge final : public TlsKnowledge {
 public:
  // What a probe found: whether STARTTLS works, the server, or an Error (unreachable).
  using Probe =
      std::function<Result<TlsCapability>(const std::string& domain, PlanDeadline deadline)>;
  explicit StoredTlsKnowledge(OrgStore& store) : store_(store) {}
  StoredTlsKnowledge(OrgStore& store, const Clock& clock, Probe probe,
                     std::int64_t ttl_seconds = 86400, std::int64_t retry_seconds = 600)
      : store_(store), clock_(&clock), probe_(std::move(probe)), ttl_seconds_(ttl_seconds),
        retry_seconds_(retry_seconds) {}
  std::optional<TlsCapability> Lookup(std::string_view domain,
                                      PlanDeadline deadline) const override;

 private:
  OrgStore& store_;
  const Clock* clock_ = nullptr;
  Probe probe_;
  std::int64_t ttl_seconds_ = 0;
  std::int64_t retry_seconds_ = 0;
};

// Settings shown to an administrator: the default answer is a secret and is masked.
std::string SettingsForDisplay(const SettingsLayer& layer);
// A change of settings as the audit trail keeps it: {"before": …, "after": …}, both as
// displayed (without the default answer).
std::string SettingsChangeDetails(const SettingsLayer& before, const SettingsLayer& after);

}  // namespace sealpost::policy
