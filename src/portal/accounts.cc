#include "portal/accounts.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/encoding.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "crypto/totp.h"
#include "metrics/registry.h"
#include "queue/queue_entry.h"
#include "mime/address.h"
#include "mime/notice.h"
#include "store/stores.h"

namespace sealpost::portal {

std::string TotpAad(const std::string& account_id) { return "sealpost/portal/totp/v1|" + account_id; }

namespace {

constexpr int kRecoveryCodes = 10;
constexpr std::size_t kTokenBytes = 32;

// The digest kept of a mailed link's token: its secret never reaches the database.
std::string TokenHash(std::string_view token) { return Sha256("sealpost/portal/token/v1|" + std::string(token)); }

// The digest kept of the cookie a registering browser is given.
std::string RegistrantHash(std::string_view cookie) {
  return Sha256("sealpost/portal/registrant/v1|" + std::string(cookie));
}

// Registrations that may wait for one address at once. Not what limits them: the
// portal's account guard does (every registration counts, 100 an hour per address by
// default), and a small cap here would let whoever holds a notice link lock its owner
// out of registering. This only bounds the table should the guard be set very high.
constexpr int kMaxPendingRegistrations = 10000;

// A recovery code: ten base32 letters and digits in two groups ("k7mq2-xw4ta"), 50 bits.
std::string NewRecoveryCode() {
  std::string code = AsciiLower(Base32Encode(RandomBytes(8)).substr(0, 10));
  return code.substr(0, 5) + "-" + code.substr(5);
}

// As typed: case, spaces and the dash do not matter.
std::string NormaliseRecoveryCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

bool LooksLikeTotp(std::string_view code) {
  return code.size() == 6 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string PasswordProblem(std::string_view password, std::string_view address) {
  if (password.size() < kMinPasswordLength) {
    return "Choose a password of at least " + std::to_string(kMinPasswordLength) + " characters.";
  }
  if (password.size() > kMaxPasswordLength) {
    return "Choose a password of at most " + std::to_string(kMaxPasswordLength) + " characters.";
  }
  if (AsciiLower(password) == AsciiLower(address)) {
    return "Choose a password other than your email address.";
  }
  if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password[0]; })) {
    return "Choose a password that is not one character repeated.";
  }
  return {};
}

PortalAccounts::PortalAccounts(AccountSettings settings, PortalAccountStore& store,
                               QueueStore& queue, const KeyRing& keys, const Clock& clock,
                               std::function<void()> notify_queue)
    : settings_(std::move(settings)), store_(store), queue_(queue), keys_(keys), clock_(clock),
      notify_queue_(std::move(notify_queue)) {
  if (settings_.metrics) {
    settings_.metrics->DeclareCounter(
        "sealpost_portal_sign_ins_total",
        "Sign-ins by who signs in (portal: recipients, console: organisation users), step "
        "(password, code) and outcome (signed_in, need_code, wrong, wrong_code, "
        "replayed_code, error).");
  }
  // A hash of nothing anyone knows, at the same cost as real ones.
  auto decoy = HashSecret(Base64UrlEncode(RandomBytes(16)), settings_.argon);
  if (decoy.ok()) decoy_hash_ = std::move(*decoy);
}

Status PortalAccounts::MailLink(const std::string& namespace_name, const std::string& address,
                                const std::string& purpose, std::string& token,
                                std::int64_t lifetime) {
  const std::int64_t now = clock_.NowUnix();
  const bool confirm = purpose == "confirm";
  const bool console = settings_.audience == Audience::kConsole;
  AccountMail mail;
  mail.kind = confirm               ? AccountMail::Kind::kConfirm
              : purpose == "invite" ? AccountMail::Kind::kConsoleInvite
              : console             ? AccountMail::Kind::kConsoleReset
                                    : AccountMail::Kind::kReset;
  mail.organisation = settings_.organisation;
  std::string base = settings_.public_url;
  if (auto ns = namespace_name.empty() || !settings_.find_namespace
                    ? std::nullopt
                    : settings_.find_namespace(namespace_name)) {
    if (!ns->display_name.empty()) mail.organisation = ns->display_name;
    if (!ns->hosts.empty()) base = WithHost(base, ns->hosts.front());
  }
  mail.from_address = settings_.mail_from;
  mail.to_address = address;
  mail.link = base +
              (console   ? "/console/reset/"
               : confirm ? "/account/confirm/"
                         : "/account/reset/") +
              token;
  const std::int64_t hours = lifetime / 3600;
  mail.valid_for = hours >= 1 ? std::to_string(hours) + (hours == 1 ? " hour" : " hours")
                              : std::to_string(lifetime / 60) + " minutes";
  auto text = BuildAccountMail(mail);
  WipeMemory(mail.link.data(), mail.link.size());
  WipeMemory(token.data(), token.size());
  if (!text.ok()) return std::move(text).error();
  // From the null sender: nothing should come back to an automatic message.
  auto entry = SealQueueEntry(keys_.queue(), "", address, *text, now);
  WipeMemory(text->data(), text->size());
  if (!entry.ok()) return std::move(entry).error();
  auto queued = queue_.Record({}, {*entry}, {});
  if (!queued.ok()) return queued;
  if (notify_queue_) notify_queue_();
  return OkStatus();
}

Result<std::string> PortalAccounts::Register(const std::string& namespace_name,
                                             const std::string& address,
                                             std::string_view password,
                                             const std::string& recipient_id) {
  if (!IsValidAddress(address)) return MakeError(ErrorCode::kInvalidArgument, "not an address");
  if (std::string problem = PasswordProblem(password, address); !problem.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, problem, "password");
  }
  auto hash = HashSecret(password, settings_.argon);
  if (!hash.ok()) return std::move(hash).error();
  const std::int64_t now = clock_.NowUnix();
  std::string token = Base64UrlEncode(RandomBytes(kTokenBytes));
  std::string registrant = Base64UrlEncode(RandomBytes(kTokenBytes));
  PortalRegistrationRecord r{NewId(),
                             namespace_name,
                             address,
                             std::move(*hash),
                             TokenHash(token),
                             RegistrantHash(registrant),
                             recipient_id,
                             now,
                             now + settings_.confirm_seconds};
  auto stored = store_.AddRegistration(r, kMaxPendingRegistrations);
  if (!stored.ok()) return std::move(stored).error();
  auto mailed = MailLink(namespace_name, address, "confirm", token, settings_.confirm_seconds);
  if (!mailed.ok()) return std::move(mailed).error();
  spdlog::info("portal: registration {} waits, confirmation mailed", r.id);
  return registrant;
}

Result<PendingRegistration> PortalAccounts::FindRegistration(std::string_view token,
                                                             std::string_view registrant) {
  auto found = store_.FindRegistration(TokenHash(token), clock_.NowUnix());
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "unknown, used or expired link");
  PendingRegistration out;
  out.namespace_name = (*found)->namespace_name;
  out.address = (*found)->address;
  out.from_this_browser = !registrant.empty() &&
                          ConstantTimeEqual(RegistrantHash(registrant), (*found)->browser_hash);
  return out;
}

Result<std::pair<PortalAccountRecord, std::string>> PortalAccounts::Confirm(
    std::string_view token, std::string_view registrant, std::string_view password) {
  auto found = store_.FindRegistration(TokenHash(token), clock_.NowUnix());
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) return MakeError(ErrorCode::kNotFound, "unknown, used or expired link");
  // The link proves the mailbox; the registering browser or the password chosen then
  // proves the registrant. Someone else's link, clicked in the victim's browser, fails
  // both, so holding a notice link is not enough to plant an account.
  const bool same_browser = !registrant.empty() &&
                            ConstantTimeEqual(RegistrantHash(registrant), (*found)->browser_hash);
  if (!same_browser && (password.empty() || !VerifySecret((*found)->password_hash, password))) {
    spdlog::warn("portal: registration {}: confirmation refused, registrant not proved",
                 (*found)->id);
    return MakeError(ErrorCode::kPermissionDenied, "registrant not proved", "password");
  }
  auto confirmed = store_.ConfirmRegistration(TokenHash(token), NewId(), clock_.NowUnix());
  if (!confirmed.ok()) return std::move(confirmed).error();
  if (!confirmed->has_value()) {
    return MakeError(ErrorCode::kNotFound, "unknown, used or expired link");
  }
  spdlog::info("portal: registration {} confirmed as account {}", (*found)->id,
               (*confirmed)->id);
  return std::make_pair(std::move(**confirmed), (*found)->recipient_id);
}

namespace {

const char* OutcomeLabel(LoginAttempt::Outcome outcome) {
  switch (outcome) {
    case LoginAttempt::Outcome::kSignedIn: return "signed_in";
    case LoginAttempt::Outcome::kWrong: return "wrong";
    case LoginAttempt::Outcome::kNeedCode: return "need_code";
    case LoginAttempt::Outcome::kWrongCode: return "wrong_code";
    case LoginAttempt::Outcome::kReplayedCode: return "replayed_code";
    case LoginAttempt::Outcome::kPasskeyCopied:
      return "passkey_copied";
  }
  return "unknown";
}

}  // namespace

Result<LoginAttempt> PortalAccounts::Counted(const char* step, const std::string& who,
                                             const std::string& client_address,
                                             Result<LoginAttempt> attempt) {
  const char* outcome = attempt.ok() ? OutcomeLabel(attempt->outcome) : "error";
  if (settings_.metrics) {
    const char* who = settings_.audience == Audience::kConsole ? "console" : "portal";
    settings_.metrics->Add("sealpost_portal_sign_ins_total",
                           {{"who", who}, {"step", step}, {"outcome", outcome}});
  }
  if (settings_.audit && attempt.ok()) {
    audit::AuditRecord r;
    r.at = clock_.NowUnix();
    const bool console = settings_.audience == Audience::kConsole;
    r.actor_kind = console ? "user" : "portal_account";
    // The account when one is known (an organisation user by their address, as every
    // other record of theirs names them); else the address that was tried.
    r.actor = !attempt->account ? SanitizeForLog(who, 320)
              : console         ? attempt->account->address
                                : attempt->account->id;
    r.client_address = client_address;
    r.action = std::string(console ? "auth.console." : "auth.portal.") + step;
    r.subject = attempt->account ? attempt->account->address : r.actor;
    const auto o = attempt->outcome;
    r.result = o == LoginAttempt::Outcome::kSignedIn || o == LoginAttempt::Outcome::kNeedCode
                   ? "ok"
                   : "refused";
    r.details = std::string(R"({"outcome":")") + outcome + "\"}";
    // Not synced on its own: a flood of wrong passwords costs no disk sync each.
    if (auto noted = settings_.audit->Note(std::move(r)); !noted.ok()) {
      return std::move(noted).error();  // no record, no sign-in
    }
  }
  return attempt;
}

Result<LoginAttempt> PortalAccounts::Login(const std::string& namespace_name,
                                           const std::string& address, std::string_view password,
                                           const std::string& client_address) {
  return Counted("password", address, client_address,
                 CheckPassword(namespace_name, address, password));
}

Result<LoginAttempt> PortalAccounts::SecondFactor(const std::string& account_id,
                                                  std::string_view code,
                                                  const std::string& client_address) {
  return Counted("code", account_id, client_address, CheckCode(account_id, code));
}

Result<LoginAttempt> PortalAccounts::CheckPassword(const std::string& namespace_name,
                                                   const std::string& address,
                                                   std::string_view password) {
  LoginAttempt attempt;
  auto found = store_.FindByAddress(namespace_name, address);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value() || !(*found)->confirmed_at) {
    (void)VerifySecret(decoy_hash_, password);  // the same time as a wrong password
    return attempt;
  }
  // An invited account has no password until its holder chooses one.
  if ((*found)->password_hash.empty()) {
    (void)VerifySecret(decoy_hash_, password);
    attempt.account = std::move(**found);
    return attempt;
  }
  if (!VerifySecret((*found)->password_hash, password)) {
    attempt.account = std::move(**found);
    return attempt;
  }
  attempt.outcome = (*found)->sealed_totp.empty() ? LoginAttempt::Outcome::kSignedIn
                                                  : LoginAttempt::Outcome::kNeedCode;
  attempt.account = std::move(**found);
  return attempt;
}

std::string PortalAccounts::RecoveryHash(const std::string& account_id, std::string_view code) const {
  // Keyed, so that a copy of the database alone cannot search the 50-bit code space.
  return HmacSha256(keys_.lookup(),
                    "sealpost/portal/recovery/v1|" + account_id + "|" + NormaliseRecoveryCode(code));
}

Result<LoginAttempt> PortalAccounts::CheckCode(const std::string& account_id,
                                               std::string_view code) {
  LoginAttempt attempt;
  attempt.outcome = LoginAttempt::Outcome::kWrongCode;
  auto found = store_.Find(account_id);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value() || (*found)->sealed_totp.empty()) return attempt;
  attempt.account = **found;
  const PortalAccountRecord& account = **found;
  if (!LooksLikeTotp(code)) {
    auto used = store_.UseRecoveryCode(account.id, RecoveryHash(account.id, code));
    if (!used.ok()) return std::move(used).error();
    if (*used) {
      spdlog::info("portal: account {} signed in with a recovery code", account.id);
      attempt.outcome = LoginAttempt::Outcome::kSignedIn;
    }
    return attempt;
  }
  auto secret = keys_.metadata().OpenSecret(account.sealed_totp, TotpAad(account.id));
  if (!secret.ok()) return std::move(secret).error();
  auto step = VerifyTotp(*secret, code, clock_.NowUnix(), account.totp_last_step, TotpParams{});
  if (!step.ok()) {
    if (step.error().code == ErrorCode::kFailedPrecondition) {
      spdlog::warn("portal: account {}: a one-time code was used again (replay refused)", account.id);
      attempt.outcome = LoginAttempt::Outcome::kReplayedCode;
    }
    return attempt;
  }
  // Two logins racing with one code: the store lets only one of them record its step.
  auto fresh = store_.UseTotpStep(account.id, *step);
  if (!fresh.ok()) return std::move(fresh).error();
  if (!*fresh) {
    spdlog::warn("portal: account {}: a one-time code was used again (replay refused)", account.id);
    attempt.outcome = LoginAttempt::Outcome::kReplayedCode;
    return attempt;
  }
  attempt.outcome = LoginAttempt::Outcome::kSignedIn;
  return attempt;
}

Status PortalAccounts::RequestReset(const std::string& namespace_name, const std::string& address) {
  auto found = store_.FindByAddress(namespace_name, address);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value() || !(*found)->confirmed_at) return OkStatus();
  const std::int64_t now = clock_.NowUnix();
  std::string token = Base64UrlEncode(RandomBytes(kTokenBytes));
  auto stored = store_.PutToken(
      {TokenHash(token), (*found)->id, "reset", "", now + settings_.reset_seconds});
  if (!stored.ok()) return stored;
  auto mailed = MailLink(namespace_name, (*found)->address, "reset", token, settings_.reset_seconds);
  if (mailed.ok()) spdlog::info("portal: account {}: password reset link mailed", (*found)->id);
  return mailed;
}

Result<bool> PortalAccounts::Invite(const std::string& pool, const std::string& address) {
  auto found = store_.FindByAddress(pool, address);
  if (!found.ok()) return std::move(found).error();
  const std::int64_t now = clock_.NowUnix();
  std::string account_id;
  if (found->has_value() && !(*found)->password_hash.empty()) return false;
  if (found->has_value()) {
    account_id = (*found)->id;
  } else {
    PortalAccountRecord account;
    account.id = NewId();
    account.namespace_name = pool;
    account.address = address;
    account.created_at = now;
    account.confirmed_at = now;  // the administrator vouches for the address
    if (auto made = store_.Import(account); !made.ok()) return std::move(made).error();
    account_id = account.id;
  }
  std::string token = Base64UrlEncode(RandomBytes(kTokenBytes));
  auto stored =
      store_.PutToken({TokenHash(token), account_id, "reset", "", now + settings_.invite_seconds});
  if (!stored.ok()) return std::move(stored).error();
  auto mailed = MailLink(pool, address, "invite", token, settings_.invite_seconds);
  if (!mailed.ok()) return std::move(mailed).error();
  spdlog::info("console: sign-in {}: invitation mailed", account_id);
  return true;
}

Result<PortalAccountRecord> PortalAccounts::LinkAccount(std::string_view token,
                                                        const std::string& purpose) {
  auto taken = store_.FindToken(TokenHash(token), purpose, clock_.NowUnix());
  if (!taken.ok()) return std::move(taken).error();
  if (!taken->has_value()) return MakeError(ErrorCode::kNotFound, "unknown, used or expired link");
  auto account = store_.Find((*taken)->account_id);
  if (!account.ok()) return std::move(account).error();
  if (!account->has_value()) return MakeError(ErrorCode::kNotFound, "no such account");
  return std::move(**account);
}

Result<PortalAccountRecord> PortalAccounts::Reset(std::string_view token, std::string_view password) {
  auto linked = LinkAccount(token, "reset");
  if (!linked.ok()) return std::move(linked).error();
  if (std::string problem = PasswordProblem(password, linked->address); !problem.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, problem, "password");
  }
  auto hash = HashSecret(password, settings_.argon);
  if (!hash.ok()) return std::move(hash).error();
  auto taken = store_.TakeToken(TokenHash(token), "reset", clock_.NowUnix());
  if (!taken.ok()) return std::move(taken).error();
  if (!taken->has_value()) return MakeError(ErrorCode::kNotFound, "unknown, used or expired link");
  auto set = store_.SetPassword((*taken)->account_id, *hash);
  if (!set.ok()) return std::move(set).error();
  auto account = store_.Find((*taken)->account_id);
  if (!account.ok()) return std::move(account).error();
  if (!account->has_value()) return MakeError(ErrorCode::kNotFound, "no such account");
  spdlog::info("portal: account {}: password reset", (*account)->id);
  return std::move(**account);
}

Result<std::optional<PortalAccountRecord>> PortalAccounts::Find(const std::string& account_id) {
  return store_.Find(account_id);
}

bool PortalAccounts::HasConfirmedAccount(const std::string& namespace_name,
                                         const std::string& address) {
  auto found = store_.FindByAddress(namespace_name, address);
  return found.ok() && found->has_value() && (*found)->confirmed_at.has_value();
}

TotpEnrolment PortalAccounts::BeginTotp(const PortalAccountRecord& account) const {
  TotpEnrolment e;
  e.secret = RandomSecret(20);  // 160 bits, as RFC 4226 recommends for SHA-1
  e.uri = TotpUri(settings_.organisation, account.address, e.secret, TotpParams{});
  e.base32 = Base32Encode(e.secret.view());
  return e;
}

Result<std::vector<std::string>> PortalAccounts::ConfirmTotp(const PortalAccountRecord& account,
                                                             const SecretBytes& secret,
                                                             std::string_view code) {
  auto step = VerifyTotp(secret, code, clock_.NowUnix(), -1, TotpParams{});
  if (!step.ok()) return MakeError(ErrorCode::kUnauthenticated, "that code does not match", "code");
  auto sealed = keys_.metadata().Seal(secret.view(), TotpAad(account.id));
  if (!sealed.ok()) return std::move(sealed).error();
  std::vector<std::string> codes, hashes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    codes.push_back(NewRecoveryCode());
    hashes.push_back(RecoveryHash(account.id, codes.back()));
  }
  auto stored = store_.SetTotp(account.id, *sealed, hashes);
  if (!stored.ok()) return std::move(stored).error();
  // The code just shown cannot be used again to log in.
  auto used = store_.UseTotpStep(account.id, *step);
  if (!used.ok()) return std::move(used).error();
  spdlog::info("portal: account {}: two-factor login turned on", account.id);
  return codes;
}

Status PortalAccounts::DisableTotp(const PortalAccountRecord& account, std::string_view password) {
  if (auto confirmed = ConfirmPassword(account, password); !confirmed.ok()) return confirmed;
  auto stored = store_.SetTotp(account.id, "", {});
  if (stored.ok()) spdlog::info("portal: account {}: two-factor login turned off", account.id);
  return stored;
}

Status PortalAccounts::ConfirmPassword(const PortalAccountRecord& account,
                                       std::string_view password) {
  auto fresh = store_.Find(account.id);
  if (!fresh.ok()) return std::move(fresh).error();
  if (!fresh->has_value() || !VerifySecret((*fresh)->password_hash, password)) {
    return MakeError(ErrorCode::kUnauthenticated, "wrong password", "password");
  }
  return OkStatus();
}

Result<PasskeyRecord> PortalAccounts::AddPasskey(const PortalAccountRecord& account,
                                                 const console::NewCredential& credential,
                                                 std::string name) {
  PasskeyRecord p;
  p.id = credential.id;
  p.account_id = account.id;
  p.name = std::move(name);
  p.public_key = credential.public_key;
  p.algorithm = credential.algorithm;
  p.sign_count = credential.sign_count;
  p.backed_up = credential.backed_up;
  p.created_at = clock_.NowUnix();
  if (auto added = store_.AddPasskey(p, kMaxPasskeys); !added.ok()) return std::move(added).error();
  spdlog::info("portal: account {}: passkey added", account.id);
  return p;
}

Result<std::vector<PasskeyRecord>> PortalAccounts::Passkeys(const std::string& account_id) {
  return store_.ListPasskeys(account_id);
}

Result<bool> PortalAccounts::RemovePasskey(const std::string& account_id,
                                           const std::string& credential_id) {
  auto removed = store_.RemovePasskey(account_id, credential_id);
  if (removed.ok() && *removed) spdlog::info("portal: account {}: passkey removed", account_id);
  return removed;
}

Result<LoginAttempt> PortalAccounts::PasskeySignIn(const console::RelyingParty& rp,
                                                   std::string_view challenge,
                                                   const std::string& credential_id,
                                                   std::string_view user_handle,
                                                   const console::Assertion& assertion,
                                                   const std::string& client_address) {
  auto attempt = [&]() -> Result<LoginAttempt> {
    LoginAttempt out;
    auto passkey = store_.FindPasskey(credential_id);
    if (!passkey.ok()) return std::move(passkey).error();
    if (!passkey->has_value()) return out;  // a passkey this server does not keep
    const PasskeyRecord& kept = **passkey;
    if (!user_handle.empty() && user_handle != kept.account_id) return out;
    auto account = store_.Find(kept.account_id);
    if (!account.ok()) return std::move(account).error();
    if (!account->has_value() || !(*account)->confirmed_at) return out;
    // The account is named in the record from here on, whatever the outcome.
    out.account = std::move(**account);
    auto count = console::VerifyAssertion(
        rp, challenge,
        {kept.public_key, kept.algorithm, static_cast<std::uint32_t>(kept.sign_count)}, assertion);
    if (!count.ok()) {
      if (count.error().code == ErrorCode::kFailedPrecondition) {
        spdlog::warn("portal: account {}: a passkey's counter went back (a copy in use?)",
                     out.account->id);
        out.outcome = LoginAttempt::Outcome::kPasskeyCopied;
      } else {
        spdlog::info("portal: account {}: passkey sign-in refused: {}", out.account->id,
                     count.error().message);
      }
      return out;
    }
    // Two sign-ins checked against one count: only the first moves it on.
    auto used = store_.UsePasskey(kept.id, kept.sign_count, *count, clock_.NowUnix());
    if (!used.ok()) return std::move(used).error();
    if (*used) out.outcome = LoginAttempt::Outcome::kSignedIn;
    return out;
  }();
  return Counted("passkey", "passkey", client_address, std::move(attempt));
}

Result<ImportedAccounts> ImportSharedAccounts(PortalAccountStore& store, const KeyRing& keys,
                                              const Clock& clock, const std::string& namespace_name,
                                              const std::vector<std::string>& addresses) {
  if (namespace_name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "accounts are imported into a namespace",
                     "namespace");
  }
  auto shared = store.ListConfirmed("");
  if (!shared.ok()) return std::move(shared).error();
  ImportedAccounts out;
  std::vector<std::string> wanted;
  for (const auto& a : addresses) wanted.push_back(AsciiLower(a));
  std::vector<bool> found(wanted.size(), false);
  for (const auto& account : *shared) {
    if (!wanted.empty()) {
      auto it = std::find(wanted.begin(), wanted.end(), AsciiLower(account.address));
      if (it == wanted.end()) continue;
      found[it - wanted.begin()] = true;
    }
    PortalAccountRecord copy = account;
    copy.id = NewId();
    copy.namespace_name = namespace_name;
    copy.created_at = clock.NowUnix();
    copy.recovery_hashes.clear();
    if (!account.sealed_totp.empty()) {
      // The TOTP secret is sealed to its account: sealed again to the new one.
      auto secret = keys.metadata().OpenSecret(account.sealed_totp, TotpAad(account.id));
      if (!secret.ok()) return std::move(secret).error();
      auto sealed = keys.metadata().Seal(secret->view(), TotpAad(copy.id));
      if (!sealed.ok()) return std::move(sealed).error();
      copy.sealed_totp = std::move(*sealed);
    }
    auto imported = store.Import(copy);
    if (imported.ok()) {
      out.imported.push_back(account.address);
    } else if (imported.error().code == ErrorCode::kAlreadyExists) {
      out.skipped.emplace_back(account.address, "the namespace already has an account for it");
    } else {
      return std::move(imported).error();
    }
  }
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (!found[i]) {
      out.skipped.emplace_back(addresses[i], "no confirmed account in the shared pool");
    }
  }
  return out;
}

}  // namespace sealpost::portal
