#include <gtest/gtest.h>

#include "base/temp_dir.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "crypto/totp.h"
#include "queue/queue_entry.h"
#include "portal/accounts.h"
#include "portal/qr.h"
#include "portal/sessions.h"
#include "store/sqlite/stores.h"

namespace sealpost::portal {
namespace {

constexpr const char* kClient = "192.0.2.9";

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::OpenInMemory());
    audit_ = sqlite::NewAuditStore(*db_);
    store_ = sqlite::NewPortalAccountStore(*db_);
    queue_ = sqlite::NewQueueStore(*db_);
    keys_.emplace(std::move(*KeyRing::Derive(RandomSecret(32))));
    keys_->SetLookupKey(RandomSecret(32));
    AccountSettings settings;
    settings.public_url = "https://portal.test";
    settings.mail_from = "notices@clinic.test";
    settings.argon = {1, 8 * 1024};
    settings.audit = audit_.get();
    accounts_.emplace(settings, *store_, *queue_, *keys_, clock_, [this] { ++mailed_; });
  }

  // Every mailed link of `kind` ("confirm" or "reset"), oldest first, read as its
  // recipient would.
  std::vector<std::string> MailedTokens(const std::string& kind) {
    auto due = queue_->Due(clock_.NowUnix(), 100);
    EXPECT_TRUE(due.ok());
    std::vector<std::string> tokens;
    for (const auto& q : *due) {
      auto mail = *keys_->queue().Open(q.sealed_content, QueueContentAad(q.id));
      for (auto soft = mail.find("=\r\n"); soft != std::string::npos; soft = mail.find("=\r\n")) {
        mail.erase(soft, 3);
      }
      const std::string prefix = "https://portal.test/account/" + kind + "/";
      auto at = mail.find(prefix);
      if (at != std::string::npos) tokens.push_back(mail.substr(at + prefix.size(), 43));
      EXPECT_EQ(q.mail_from, "");
    }
    return tokens;
  }
  std::string MailedToken(const std::string& kind) {
    auto tokens = MailedTokens(kind);
    return tokens.empty() ? std::string() : tokens.back();
  }

  PortalAccountRecord Confirmed(const std::string& address, const std::string& password) {
    auto registrant = accounts_->Register("", address, password, "rid");
    EXPECT_TRUE(registrant.ok());
    auto confirmed = accounts_->Confirm(MailedToken("confirm"), *registrant, "");
    EXPECT_TRUE(confirmed.ok());
    return confirmed->first;
  }

  TempDir temp_;
  ManualClock clock_{1'700'000'000};
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<AuditStore> audit_;
  std::unique_ptr<PortalAccountStore> store_;
  std::unique_ptr<QueueStore> queue_;
  std::optional<KeyRing> keys_;
  std::optional<PortalAccounts> accounts_;
  int mailed_ = 0;
};

TEST_F(AccountsTest, PasswordsMustBeUsable) {
  EXPECT_NE(PasswordProblem("short", "a@b.example"), "");
  EXPECT_NE(PasswordProblem("a@b.example", "A@B.example"), "");
  EXPECT_NE(PasswordProblem("xxxxxxxxxxxx", "a@b.example"), "");
  EXPECT_NE(PasswordProblem(std::string(257, 'a') + "b", "a@b.example"), "");
  EXPECT_EQ(PasswordProblem("correct horse battery", "a@b.example"), "");
  EXPECT_EQ(accounts_->Register("", "pat@home.test", "short", "rid").error().field, "password");
  EXPECT_EQ(mailed_, 0);
}

TEST_F(AccountsTest, OnlyAConfirmedAccountSignsIn) {
  ASSERT_TRUE(accounts_->Register("", "pat@home.test", "correct horse battery", "rid9").ok());
  EXPECT_EQ(mailed_, 1);
  EXPECT_FALSE(accounts_->HasConfirmedAccount("", "pat@home.test"));
  EXPECT_EQ(accounts_->Login("", "pat@home.test", "correct horse battery", kClient)->outcome,
            LoginAttempt::Outcome::kWrong);
  const std::string token = MailedToken("confirm");
  ASSERT_EQ(token.size(), 43u);
  EXPECT_EQ(accounts_->FindRegistration(token, "")->address, "pat@home.test");
  EXPECT_FALSE(accounts_->FindRegistration(token, "")->from_this_browser);
  // Another browser proves the registrant by the password chosen at registration.
  auto confirmed = accounts_->Confirm(token, "", "correct horse battery");
  ASSERT_TRUE(confirmed.ok()) << confirmed.error().ToString();
  EXPECT_EQ(confirmed->second, "rid9");  // on to the message
  EXPECT_EQ(accounts_->Confirm(token, "", "correct horse battery").error().code,
            ErrorCode::kNotFound);  // once only
  EXPECT_TRUE(accounts_->HasConfirmedAccount("", "PAT@home.test"));
  EXPECT_EQ(accounts_->Login("", "pat@home.test", "correct horse battery", kClient)->outcome,
            LoginAttempt::Outcome::kSignedIn);
  EXPECT_EQ(accounts_->Login("", "pat@home.test", "wrong horse battery", kClient)->outcome,
            LoginAttempt::Outcome::kWrong);
  EXPECT_EQ(accounts_->Login("", "nobody@home.test", "correct horse battery", kClient)->outcome,
            LoginAttempt::Outcome::kWrong);
  // Confirmed: nobody can register the address again.
  EXPECT_EQ(accounts_->Register("", "pat@home.test", "another long one", "rid").error().code,
            ErrorCode::kAlreadyExists);
}

TEST_F(AccountsTest, ConfirmationLinksExpire) {
  auto registrant = accounts_->Register("", "pat@home.test", "correct horse battery", "rid");
  ASSERT_TRUE(registrant.ok());
  const std::string token = MailedToken("confirm");
  clock_.Advance(24 * 3600);
  EXPECT_EQ(accounts_->Confirm(token, *registrant, "").error().code, ErrorCode::kNotFound);
}

// Issue 18.2: anyone holding a notice link can register its address. Their mailed link
// reaches the victim, whose click used to confirm the attacker's password.
TEST_F(AccountsTest, ConfirmationProvesTheRegistrantAndRegistrationsDoNotReplaceEachOther) {
  auto victim = accounts_->Register("", "pat@home.test", "victim's own password", "rid1");
  ASSERT_TRUE(victim.ok());
  clock_.Advance(1);  // mail is listed by age
  auto attacker = accounts_->Register("", "pat@home.test", "attacker's password!", "rid1");
  ASSERT_TRUE(attacker.ok());
  auto tokens = MailedTokens("confirm");
  ASSERT_EQ(tokens.size(), 2u);
  const std::string& victims_link = tokens[0];
  const std::string& attackers_link = tokens[1];
  // The attacker's link, clicked in the victim's browser (the victim's cookie, or none,
  // or the victim's password): refused, and nothing is confirmed.
  for (const auto& [cookie, password] :
       std::vector<std::pair<std::string, std::string>>{{*victim, ""}, {"", ""},
                                                        {"", "victim's own password"}}) {
    auto refused = accounts_->Confirm(attackers_link, cookie, password);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  }
  EXPECT_FALSE(accounts_->HasConfirmedAccount("", "pat@home.test"));
  EXPECT_TRUE(accounts_->FindRegistration(victims_link, *victim)->from_this_browser);
  EXPECT_FALSE(accounts_->FindRegistration(attackers_link, *victim)->from_this_browser);
  // The victim's own registration was not replaced: it confirms, with their password.
  auto confirmed = accounts_->Confirm(victims_link, *victim, "");
  ASSERT_TRUE(confirmed.ok()) << confirmed.error().ToString();
  EXPECT_EQ(accounts_->Login("", "pat@home.test", "victim's own password", kClient)->outcome,
            LoginAttempt::Outcome::kSignedIn);
  EXPECT_EQ(accounts_->Login("", "pat@home.test", "attacker's password!", kClient)->outcome,
            LoginAttempt::Outcome::kWrong);
  // Confirming one cancelled the rest: even the attacker's proof opens nothing now.
  EXPECT_EQ(accounts_->Confirm(attackers_link, *attacker, "").error().code,
            ErrorCode::kNotFound);
}

TEST_F(AccountsTest, ResetByMailedLinkOnceAndOnlyForConfirmedAccounts) {
  ASSERT_TRUE(accounts_->RequestReset("", "nobody@home.test").ok());
  EXPECT_EQ(mailed_, 0);  // nothing to mail, and the caller cannot tell
  Confirmed("pat@home.test", "correct horse battery");
  ASSERT_TRUE(accounts_->RequestReset("", "pat@home.test").ok());
  const std::string token = MailedToken("reset");
  ASSERT_EQ(token.size(), 43u);
  EXPECT_EQ(accounts_->LinkAccount(token, "reset")->address, "pat@home.test");
  EXPECT_EQ(accounts_->Reset(token, "short").error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(accounts_->Reset(token, "a brand new passphrase").ok());  // still usable after
  EXPECT_EQ(accounts_->Reset(token, "yet another passphrase").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(accounts_->Login("", "pat@home.test", "correct horse battery", kClient)->outcome,
            LoginAttempt::Outcome::kWrong);
  EXPECT_EQ(accounts_->Login("", "pat@home.test", "a brand new passphrase", kClient)->outcome,
            LoginAttempt::Outcome::kSignedIn);
  ASSERT_TRUE(accounts_->RequestReset("", "pat@home.test").ok());
  const std::string late = MailedToken("reset");
  clock_.Advance(3600);
  EXPECT_EQ(accounts_->Reset(late, "a later passphrase").error().code, ErrorCode::kNotFound);
}

TEST_F(AccountsTest, TwoStepLoginTakesEachCodeOnce) {
  PortalAccountRecord account = Confirmed("pat@home.test", "correct horse battery");
  TotpEnrolment enrolment = accounts_->BeginTotp(account);
  EXPECT_EQ(enrolment.uri.rfind("otpauth://totp/", 0), 0u);
  EXPECT_EQ(accounts_->ConfirmTotp(account, enrolment.secret, "000000").error().code,
            ErrorCode::kUnauthenticated);
  auto codes = accounts_->ConfirmTotp(account, enrolment.secret,
                                      Totp(enrolment.secret, clock_.NowUnix(), TotpParams{}));
  ASSERT_TRUE(codes.ok());
  ASSERT_EQ(codes->size(), 10u);
  EXPECT_EQ((*codes)[0].size(), 11u);
  auto first = accounts_->Login("", "pat@home.test", "correct horse battery", kClient);
  ASSERT_EQ(first->outcome, LoginAttempt::Outcome::kNeedCode);
  // The enrolment code cannot log in: it was used.
  EXPECT_EQ(accounts_->SecondFactor(account.id, Totp(enrolment.secret, clock_.NowUnix(), {}), kClient)->outcome,
            LoginAttempt::Outcome::kReplayedCode);
  clock_.Advance(30);
  const std::string code = Totp(enrolment.secret, clock_.NowUnix(), {});
  EXPECT_EQ(accounts_->SecondFactor(account.id, code, kClient)->outcome, LoginAttempt::Outcome::kSignedIn);
  EXPECT_EQ(accounts_->SecondFactor(account.id, code, kClient)->outcome, LoginAttempt::Outcome::kReplayedCode);
  std::string wrong = Totp(enrolment.secret, clock_.NowUnix() + 30, {});
  wrong[5] = static_cast<char>('0' + (wrong[5] - '0' + 5) % 10);  // next step's, altered
  EXPECT_EQ(accounts_->SecondFactor(account.id, wrong, kClient)->outcome, LoginAttempt::Outcome::kWrongCode);
  // Recovery codes: any case and spacing, each once.
  std::string typed = (*codes)[3];
  for (auto& c : typed) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(accounts_->SecondFactor(account.id, typed, kClient)->outcome, LoginAttempt::Outcome::kSignedIn);
  EXPECT_EQ(accounts_->SecondFactor(account.id, (*codes)[3], kClient)->outcome, LoginAttempt::Outcome::kWrongCode);
  EXPECT_EQ(accounts_->SecondFactor(account.id, "aaaaa-bbbbb", kClient)->outcome, LoginAttempt::Outcome::kWrongCode);
  // Off again, with the password only.
  auto fresh = **accounts_->Find(account.id);
  EXPECT_EQ(accounts_->DisableTotp(fresh, "wrong horse battery").error().code, ErrorCode::kUnauthenticated);
  ASSERT_TRUE(accounts_->DisableTotp(fresh, "correct horse battery").ok());
  EXPECT_EQ(accounts_->Login("", "pat@home.test", "correct horse battery", kClient)->outcome,
            LoginAttempt::Outcome::kSignedIn);

  // Every step is in the audit trail: who, from where, and how it went; never a code.
  AuditQuery codes_query;
  codes_query.action = "auth.portal.code";
  auto steps = *audit_->Search(codes_query);
  ASSERT_EQ(steps.size(), 7u);
  std::vector<std::string> outcomes;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    EXPECT_EQ(it->actor, account.id);
    EXPECT_EQ(it->client_address, kClient);
    EXPECT_EQ(it->details.find(code), std::string::npos);
    outcomes.push_back(it->result + " " + it->details);
  }
  EXPECT_EQ(outcomes[0], R"(refused {"outcome":"replayed_code"})");
  EXPECT_EQ(outcomes[1], R"(ok {"outcome":"signed_in"})");
  EXPECT_EQ(outcomes[3], R"(refused {"outcome":"wrong_code"})");
  AuditQuery passwords;
  passwords.action = "auth.portal.password";
  passwords.result = "ok";
  auto signed_in = *audit_->Search(passwords);
  ASSERT_FALSE(signed_in.empty());
  EXPECT_EQ(signed_in[0].subject, "pat@home.test");
}

TEST(AccountSessions, HalfSignedInSessionsAreShortAndResetEndsAll) {
  ManualClock clock(0);
  AccountSessions sessions(clock, 900);
  std::string pending = sessions.Create({"a1", "", "pat@home.test", true, "rid", {}});
  std::string full = sessions.Create({"a1", "", "pat@home.test", false, "", {}});
  std::string other = sessions.Create({"a2", "", "moe@home.test", false, "", {}});
  clock.Advance(299);
  EXPECT_TRUE(sessions.Find(pending).has_value());
  clock.Advance(1);
  EXPECT_FALSE(sessions.Find(pending).has_value());  // five minutes to give a code
  ASSERT_TRUE(sessions.Find(full).has_value());
  clock.Advance(899);
  EXPECT_TRUE(sessions.Find(full).has_value());  // refreshed by use
  sessions.RemoveAccount("a1");
  EXPECT_FALSE(sessions.Find(full).has_value());
  EXPECT_FALSE(sessions.Find(other).has_value());  // idle for 1,199 s
  std::string again = sessions.Create({"a2", "", "moe@home.test", false, "", {}});
  sessions.Remove(again);
  EXPECT_FALSE(sessions.Find(again).has_value());
}

TEST(Qr, DrawsAnSvgWithALabel) {
  auto svg = QrSvg("otpauth://totp/Clinic:pat%40home.test?secret=ABC", "Scan <me>");
  ASSERT_TRUE(svg.ok());
  EXPECT_EQ(svg->rfind("<svg ", 0), 0u);
  EXPECT_NE(svg->find("aria-label=\"Scan &lt;me&gt;\""), std::string::npos);
  EXPECT_NE(svg->find("h1v1h-1z"), std::string::npos);
  EXPECT_FALSE(QrSvg(std::string(8000, 'x'), "too long").ok());
}

}  // namespace
}  // namespace sealpost::portal
