// Portal accounts of recipients (issue 7), one pool per namespace (issue 8; "" is the
// shared pool — an address's accounts in two pools know nothing of each other):
// registration confirmed by a mailed link,
// password login with optional two-factor codes (TOTP, each used once, or a recovery
// code), and password reset by a mailed link. Passwords are Argon2id hashes; TOTP
// secrets are boxed under the metadata key; mailed links keep only their SHA-256.
// Guessing limits (per address, per account) are the portal's: this class answers
// whether a secret was right, and never says whether an address has an account to
// anyone who has not proved control of it.
// All methods block (Argon2id, fsync): call them off the event loop.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "console/webauthn.h"
#include "crypto/key_ring.h"
#include "crypto/password_hash.h"
#include "store/records.h"

namespace sealpost {
class AuditStore;
class PortalAccountStore;
class QueueStore;
}  // namespace sealpost

namespace sealpost::metrics {
class Registry;
}

namespace sealpost::portal {

// Whose accounts these are: recipients' (the portal's pools) or organisation users'
// console sign-ins (kConsolePool). It decides the links' paths, the mail's words and the
// audit trail's names (auth.portal.* or auth.console.*); every rule is the same.
enum class Audience { kRecipients, kConsole };

struct AccountSettings {
  Audience audience = Audience::kRecipients;
  std::string public_url;    // base of mailed links
  std::string organisation = "sealpost";
  std::string mail_from;     // From of confirmation and reset mail
  std::int64_t confirm_seconds = 24 * 3600;
  std::int64_t reset_seconds = 3600;
  std::int64_t invite_seconds = 72 * 3600;  // a console invitation's link
  Argon2Params argon;        // tests may lower the cost; never below the minimum in use
  // A namespace's record (blocking), so its accounts' mail names it and links to its
  // own host; unset or nullopt: the server's name and `public_url`.
  std::function<std::optional<NamespaceRecord>(const std::string&)> find_namespace;
  // Sign-ins by step (password, code) and outcome; none counted when null.
  metrics::Registry* metrics = nullptr;
  // Where every sign-in step is recorded (auth.portal.password, auth.portal.code);
  // nowhere when null.
  AuditStore* audit = nullptr;
};

// At least this long; a passphrase is easier to remember than a complex word.
inline constexpr std::size_t kMinPasswordLength = 10;
inline constexpr std::size_t kMaxPasswordLength = 256;

// Why `password` cannot be used for `address`, or "" when it can.
std::string PasswordProblem(std::string_view password, std::string_view address);
// The AAD that binds a sealed TOTP secret to its account.
std::string TotpAad(const std::string& account_id);

struct LoginAttempt {
  enum class Outcome {
    kSignedIn,
    kWrong,          // no such confirmed account, or the wrong password: told apart by nobody
    kNeedCode,       // right password; the account asks for a one-time code
    kWrongCode,      // a code that is not valid now, or a recovery code that is not one
    kReplayedCode,   // a code already used: refused, and logged
    kPasskeyCopied,  // a passkey's counter went back: refused, worth an administrator's look
  };
  Outcome outcome = Outcome::kWrong;
  std::optional<PortalAccountRecord> account;  // set from kNeedCode on
};

// A registration waiting for confirmation, as its link's page shows it.
struct PendingRegistration {
  std::string namespace_name;
  std::string address;
  bool from_this_browser = false;  // the registering browser: no password needed
};

struct TotpEnrolment {
  SecretBytes secret;
  std::string uri;  // otpauth://…, for the QR code
  std::string base32;  // for typing in by hand
};

// Accounts copied from the shared pool into a namespace (issue 8): each keeps its
// password and two-step sign-in; recovery codes are bound to the old account and do not
// come along (the holder makes new ones by turning two-step sign-in off and on).
struct ImportedAccounts {
  std::vector<std::string> imported;                         // addresses
  std::vector<std::pair<std::string, std::string>> skipped;  // address, why
};
// `addresses` empty: every confirmed account of the shared pool. Blocking.
Result<ImportedAccounts> ImportSharedAccounts(PortalAccountStore& store, const KeyRing& keys,
                                              const Clock& clock, const std::string& namespace_name,
                                              const std::vector<std::string>& addresses);

class PortalAccounts {
 public:
  PortalAccounts(AccountSettings settings, PortalAccountStore& store, QueueStore& queue,
                 const KeyRing& keys, const Clock& clock, std::function<void()> notify_queue);

  // Registers `address` (fixed by the message the visitor's link opened) and mails the
  // confirmation link, which leads on to `recipient_id`. Other registrations waiting
  // for the address stay (the first to be confirmed wins). Returns the secret for the
  // registering browser's cookie, which proves the registrant at confirmation.
  // kInvalidArgument with the password's problem; kAlreadyExists when a confirmed
  // account has the address; kResourceExhausted when too many wait for it.
  Result<std::string> Register(const std::string& namespace_name, const std::string& address,
                               std::string_view password, const std::string& recipient_id);
  // A confirmation link's registration, to show its form; `registrant`: the browser's
  // cookie, if any. kNotFound for unknown, used or expired links.
  Result<PendingRegistration> FindRegistration(std::string_view token, std::string_view registrant);
  // Confirms with the mailed link's token and proof of the registrant: the registering
  // browser's cookie, or the password chosen at registration. The account, confirmed,
  // and the recipient id to go on to; every other registration for the address is
  // cancelled. kNotFound for unknown, used or expired links; kPermissionDenied when the
  // registrant is not proved; kAlreadyExists when the address has an account by now.
  Result<std::pair<PortalAccountRecord, std::string>> Confirm(std::string_view token,
                                                              std::string_view registrant,
                                                              std::string_view password);
  // The first step: kSignedIn, kWrong, or kNeedCode when two-factor login is on.
  Result<LoginAttempt> Login(const std::string& namespace_name, const std::string& address,
                             std::string_view password, const std::string& client_address);
  // The second step, for an account whose password was right just now: a TOTP code or
  // a recovery code. kSignedIn, kWrongCode or kReplayedCode.
  Result<LoginAttempt> SecondFactor(const std::string& account_id, std::string_view code,
                                    const std::string& client_address);
  // Mails a reset link when a confirmed account has `address`; OK either way, so the
  // answer tells nobody whether it has.
  Status RequestReset(const std::string& namespace_name, const std::string& address);
  // A console sign-in for `address` (Audience::kConsole): the account is made, confirmed
  // and without a password, if it has none, and a link to choose the password is mailed
  // (a reset link that lasts invite_seconds) — unless they have chosen a password
  // already (then nothing is mailed: they sign in with it). Returns whether it mailed
  // one. Blocking.
  Result<bool> Invite(const std::string& pool, const std::string& address);
  // Checks a mailed reset link's token without using it, to show its
  // form: the account. kNotFound for unknown, used or expired links.
  Result<PortalAccountRecord> LinkAccount(std::string_view token, const std::string& purpose);
  // Sets a new password from a reset link, which is then used up. Returns the account.
  // kNotFound for unknown, used or expired links; kInvalidArgument for a bad password
  // (the link stays usable).
  Result<PortalAccountRecord> Reset(std::string_view token, std::string_view password);

  Result<std::optional<PortalAccountRecord>> Find(const std::string& account_id);
  std::int64_t confirm_seconds() const { return settings_.confirm_seconds; }
  bool HasConfirmedAccount(const std::string& namespace_name, const std::string& address);

  // Two-factor enrolment: a fresh secret, kept by the caller (in the session) until a
  // code from it is confirmed; then it is stored and ten recovery codes are returned
  // (shown once, kept only as hashes).
  TotpEnrolment BeginTotp(const PortalAccountRecord& account) const;
  Result<std::vector<std::string>> ConfirmTotp(const PortalAccountRecord& account,
                                               const SecretBytes& secret, std::string_view code);
  // Turns two-factor login off; needs the password. kUnauthenticated when it is wrong.
  Status DisableTotp(const PortalAccountRecord& account, std::string_view password);
  // kUnauthenticated when `password` is not the account's (a change that needs it again).
  Status ConfirmPassword(const PortalAccountRecord& account, std::string_view password);

  // Passkeys (console/webauthn.h checks them). A checked registration is kept under
  // `name` (at most kMaxPasskeys per account).
  static constexpr int kMaxPasskeys = 10;
  Result<PasskeyRecord> AddPasskey(const PortalAccountRecord& account,
                                   const console::NewCredential& credential, std::string name);
  Result<std::vector<PasskeyRecord>> Passkeys(const std::string& account_id);
  Result<bool> RemovePasskey(const std::string& account_id, const std::string& credential_id);
  // Sign-in with a passkey, for `challenge`: the credential the browser named, whose
  // user handle (when it sends one) must be its account's id. kSignedIn — a passkey that
  // verified its user stands for both steps — kWrong, or kPasskeyCopied (`account` set
  // whenever the passkey is known). Recorded as the step "passkey" (auth.console.passkey).
  Result<LoginAttempt> PasskeySignIn(const console::RelyingParty& rp, std::string_view challenge,
                                     const std::string& credential_id, std::string_view user_handle,
                                     const console::Assertion& assertion,
                                     const std::string& client_address);

 private:
  // Mails `token`'s link ("confirm" or "reset") to `address`, in its namespace's name,
  // and wipes the token.
  Status MailLink(const std::string& namespace_name, const std::string& address,
                  const std::string& purpose, std::string& token, std::int64_t lifetime);
  std::string RecoveryHash(const std::string& account_id, std::string_view code) const;
  Result<LoginAttempt> CheckPassword(const std::string& namespace_name,
                                     const std::string& address, std::string_view password);
  Result<LoginAttempt> CheckCode(const std::string& account_id, std::string_view code);
  // Counts the step in the metrics and records it in the audit trail.
  Result<LoginAttempt> Counted(const char* step, const std::string& who,
                               const std::string& client_address, Result<LoginAttempt> attempt);

  AccountSettings settings_;
  PortalAccountStore& store_;
  QueueStore& queue_;
  const KeyRing& keys_;
  const Clock& clock_;
  std::function<void()> notify_queue_;
  std::string decoy_hash_;  // checked when there is no account, so both take as long
};

}  // namespace sealpost::portal
