#include "submission/user_authenticator.h"

#include "crypto/password_hash.h"
#include "crypto/random.h"
#include "mime/address.h"

namespace sealpost::submission {

UserAuthenticator::UserAuthenticator(OrgStore& org) : org_(org) {
  auto decoy = HashSecret(NewId());
  if (decoy.ok()) decoy_hash_ = std::move(*decoy);
}

Result<std::vector<std::string>> UserAuthenticator::Authenticate(const std::string& user,
                                                                 const SecretBytes& password) {
  const Error refused = MakeError(ErrorCode::kUnauthenticated, "authentication credentials invalid");
  std::optional<UserRecord> record;
  if (IsValidAddress(user) && password.size() <= 1024) {
    auto found = org_.FindUser(user);
    if (!found.ok()) return std::move(found).error();
    record = std::move(*found);
  }
  if (!record || record->smtp_password_hash.empty()) {
    (void)VerifySecret(decoy_hash_, password.view());
    return refused;
  }
  if (!VerifySecret(record->smtp_password_hash, password.view())) return refused;
  return std::vector<std::string>{record->address};
}

}  // namespace sealpost::submission
