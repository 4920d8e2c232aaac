// SMTP logins against the organisation's users: their SMTP password (Argon2id, set with
// `sealpost admin user smtp-password`). A user may send as their own address.
// Blocking (Argon2id): call off the event loop. Thread-safe.
#pragma once

#include "smtp/server.h"
#include "store/stores.h"

namespace sealpost::submission {

class UserAuthenticator final : public smtp::Authenticator {
 public:
  explicit UserAuthenticator(OrgStore& org);

  Result<std::vector<std::string>> Authenticate(const std::string& user,
                                                const SecretBytes& password) override;

 private:
  OrgStore& org_;
  // Checked for unknown users too, so the time taken does not tell which users exist.
  std::string decoy_hash_;
};

}  // namespace sealpost::submission
