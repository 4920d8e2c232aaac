// SMTP logins against the organisation's users: their SMTP password (Argon2id, set with
// `sealpost admin user smtp-password`). A user may send as their own address. Every
// attempt, good or bad, goes into the audit trail (auth.smtp, ok or refused) with the
// user name and client address — never the password.
// Blocking (Argon2id): call off the event loop. Thread-safe.
#pragma once

#include "base/clock.h"
#include "smtp/server.h"
#include "store/stores.h"

namespace sealpost::submission {

class UserAuthenticator final : public smtp::Authenticator {
 public:
  // `action`: what the audit trail calls a sign-in ("auth.smtp"; the OAuth password
  // grant checks the same password as "auth.oauth.password").
  UserAuthenticator(OrgStore& org, AuditStore& audit, const Clock& clock,
                    std::string action = "auth.smtp");

  Result<std::vector<std::string>> Authenticate(const std::string& user,
                                                const SecretBytes& password,
                                                const std::string& client_address) override;

 private:
  void Audit(bool ok, const std::string& user, const std::string& client_address);

  OrgStore& org_;
  AuditStore& audit_;
  const Clock& clock_;
  const std::string action_;
  // Checked for unknown users too, so the time taken does not tell which users exist.
  std::string decoy_hash_;
};

}  // namespace sealpost::submission
