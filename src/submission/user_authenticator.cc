#include "submission/user_authenticator.h"

#include <spdlog/spdlog.h>

#include "base/text.h"
#include "crypto/password_hash.h"
#include "crypto/random.h"
#include "mime/address.h"

namespace sealpost::submission {

UserAuthenticator::UserAuthenticator(OrgStore& org, AuditStore& audit, const Clock& clock,
                                     std::string action)
    : org_(org), audit_(audit), clock_(clock), action_(std::move(action)) {
  auto decoy = HashSecret(NewId());
  if (decoy.ok()) decoy_hash_ = std::move(*decoy);
}

void UserAuthenticator::Audit(bool ok, const std::string& user, const std::string& client_address) {
  audit::AuditRecord r;
  r.at = clock_.NowUnix();
  r.actor_kind = "user";
  r.actor = SanitizeForLog(user, 320);
  r.client_address = client_address;
  r.action = action_;
  r.subject = r.actor;
  r.result = ok ? "ok" : "refused";
  // Not synced on its own: a flood of wrong passwords costs no disk sync each.
  auto status = audit_.Note(std::move(r));
  if (!status.ok())
    spdlog::error("{}: sign-in not recorded: {}", action_, status.error().ToString());
}

Result<std::vector<std::string>> UserAuthenticator::Authenticate(const std::string& user,
                                                                 const SecretBytes& password,
                                                                 const std::string& client_address) {
  const Error refused = MakeError(ErrorCode::kUnauthenticated, "authentication credentials invalid");
  std::optional<UserRecord> record;
  if (IsValidAddress(user) && password.size() <= 1024) {
    auto found = org_.FindUser(user);
    if (!found.ok()) return std::move(found).error();
    record = std::move(*found);
  }
  if (!record || record->smtp_password_hash.empty()) {
    (void)VerifySecret(decoy_hash_, password.view());
    Audit(false, user, client_address);
    return refused;
  }
  if (!VerifySecret(record->smtp_password_hash, password.view())) {
    Audit(false, user, client_address);
    return refused;
  }
  Audit(true, record->address, client_address);
  return std::vector<std::string>{record->address};
}

}  // namespace sealpost::submission
