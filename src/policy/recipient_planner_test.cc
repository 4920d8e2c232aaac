#include <gtest/gtest.h>

#include "policy/recipient_planner.h"
#include "base/temp_dir.h"
#include "crypto/random.h"
#include "pki/openpgp.h"
#include "store/sqlite/stores.h"

namespace sealpost::policy {
namespace {

class RecipientPlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::OpenInMemory());
    org_ = sqlite::NewOrgStore(*db_);
    book_store_ = sqlite::NewAddressBookStore(*db_);
    directory_.emplace(*org_, key_, clock_);
    books_.emplace(*book_store_, key_, clock_);
    view_.emplace(*book_store_);
    tls_.emplace(*org_);
    planner_.emplace(*directory_, *books_, *view_, *tls_, portal_, 30);
    ASSERT_TRUE(directory_->CreateAccount("Springfield").ok());
    ASSERT_TRUE(directory_->CreateDomain("clinic.example", "Springfield").ok());
    ASSERT_TRUE(directory_->CreateUser("dr@clinic.example").ok());
  }

  PlanInput Message(std::vector<std::string> to) {
    PlanInput m;
    m.from = "dr@clinic.example";
    m.to = std::move(to);
    m.text = "Results";
    return m;
  }

  TempDir temp_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<OrgStore> org_;
  std::unique_ptr<AddressBookStore> book_store_;
  PurposeKey key_{RandomSecret(32)};
  ManualClock clock_{1000};
  std::optional<policy::OrgDirectory> directory_;
  std::optional<policy::AddressBookDirectory> books_;
  std::optional<policy::StoredAddressBooks> view_;
  std::optional<policy::StoredTlsKnowledge> tls_;
  struct Accounts final : policy::PortalRegistry {
    bool HasAccount(std::string_view, std::string_view address) const override {
      return address == "member@y.example";
    }
  } portal_;
  std::optional<RecipientPlanner> planner_;
};

TEST_F(RecipientPlannerTest, AsksForAQuestionWhenNothingGivesOne) {
  auto plan = planner_->Plan(Message({"a@x.example", "A@x.example", "b@x.example"}));
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->need_question, (std::vector<std::string>{"a@x.example", "b@x.example"}));
  EXPECT_TRUE(plan->recipients.empty());
  EXPECT_EQ(plan->expiry_days, 30);  // the server's default
}

TEST_F(RecipientPlannerTest, BlindCopiesArePlannedAsBlindCopies) {
  PlanInput m = Message({"a@x.example"});
  m.cc = {"b@x.example"};
  m.bcc = {"c@x.example", "A@x.example"};  // listed in To already: one copy, as "to"
  m.question = QuestionAnswer{"Pet?", "Rex"};
  auto plan = planner_->Plan(m);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  ASSERT_EQ(plan->recipients.size(), 3u);
  EXPECT_EQ(plan->recipients[0].kind, "to");
  EXPECT_EQ(plan->recipients[1].kind, "cc");
  EXPECT_EQ(plan->recipients[2].address, "c@x.example");
  EXPECT_EQ(plan->recipients[2].kind, "bcc");
}

TEST_F(RecipientPlannerTest, UsesBooksThenDefaultsAndTheSendersSettings) {
  ASSERT_TRUE(directory_->Set(OrgLevel::kDomain, "clinic.example",
                              {"default_question=Year?|1956", "default_expiry_days=12",
                               "fixed_subject=Clinic notice"}).ok());
  BookRef book{"user", "dr@clinic.example", "personal"};
  ASSERT_TRUE(books_->CreateBook(book).ok());
  ASSERT_TRUE(books_->Link("dr@clinic.example", book, "default").ok());
  ASSERT_TRUE(books_->PutQuestion(book, "booked@x.example", {"Pet?", "Rex"}).ok());

  auto plan = planner_->Plan(Message({"booked@x.example", "other@x.example"}));
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  ASSERT_EQ(plan->recipients.size(), 2u);
  EXPECT_EQ(plan->recipients[0].question, "Pet?");
  EXPECT_EQ(plan->recipients[0].answer, "Rex");
  EXPECT_NE(plan->recipients[0].trace.find("address book user:dr@clinic.example:personal"),
            std::string::npos);
  EXPECT_EQ(plan->recipients[1].question, "Year?");
  EXPECT_NE(plan->recipients[1].trace.find("default question (domain)"), std::string::npos);
  EXPECT_EQ(plan->expiry_days, 12);
  // Answers the server keeps say where, to be stretched once there; a message's own does not.
  EXPECT_EQ(plan->recipients[0].kept_as, "book|user:dr@clinic.example:personal|booked@x.example");
  EXPECT_EQ(plan->recipients[1].kept_as, "default|dr@clinic.example");
  PlanInput own = Message({"booked@x.example"});
  own.question = QuestionAnswer{"Colour?", "teal"};
  auto own_plan = planner_->Plan(own);
  ASSERT_TRUE(own_plan.ok());
  ASSERT_EQ(own_plan->recipients.size(), 1u);
  EXPECT_EQ(own_plan->recipients[0].answer, "teal");
  EXPECT_TRUE(own_plan->recipients[0].kept_as.empty());
  EXPECT_EQ(plan->notice_subject, "Clinic notice");

  PlanInput explicit_days = Message({"other@x.example"});
  explicit_days.expires_in_days = 3;
  EXPECT_EQ(planner_->Plan(explicit_days)->expiry_days, 3);
}

// Escrow by portal login: for everyone when the sender's settings say so (step 3), and
// for a recipient who already has an account otherwise (step 4).
TEST_F(RecipientPlannerTest, LoginModeAndExistingAccountsGiveEscrowByLogin) {
  ASSERT_TRUE(directory_->Set(OrgLevel::kDomain, "clinic.example",
                              {"default_question=Year?|1956"}).ok());
  auto plan = planner_->Plan(Message({"member@y.example", "stranger@y.example"}));
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  ASSERT_EQ(plan->recipients.size(), 2u);
  EXPECT_TRUE(plan->recipients[0].login);
  EXPECT_TRUE(plan->recipients[0].answer.empty());
  EXPECT_NE(plan->recipients[0].trace.find("escrow/login"), std::string::npos)
      << plan->recipients[0].trace;
  EXPECT_FALSE(plan->recipients[1].login);
  EXPECT_EQ(plan->recipients[1].question, "Year?");
  ASSERT_TRUE(directory_->Set(OrgLevel::kUser, "dr@clinic.example", {"verification=login"}).ok());
  plan = planner_->Plan(Message({"stranger@y.example"}));
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->recipients.size(), 1u);
  EXPECT_TRUE(plan->recipients[0].login);
  EXPECT_NE(plan->recipients[0].trace.find("login mode enabled"), std::string::npos)
      << plan->recipients[0].trace;
}

TEST_F(RecipientPlannerTest, SavedAnswersAreUsedNextTime) {
  PlanInput first = Message({"pat@x.example"});
  auto book = planner_->SaveAnswers(first.from, {"Code word?", "lemon"}, {"pat@x.example"});
  ASSERT_TRUE(book.ok()) << book.error().ToString();
  EXPECT_EQ(*book, "user:dr@clinic.example:default");
  auto plan = planner_->Plan(Message({"pat@x.example"}));  // no question this time
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->recipients.size(), 1u);
  EXPECT_EQ(plan->recipients[0].question, "Code word?");
  EXPECT_EQ(plan->recipients[0].answer, "lemon");
  EXPECT_NE(plan->recipients[0].trace.find("address book user:dr@clinic.example:default"),
            std::string::npos);
}

TEST_F(RecipientPlannerTest, UnknownSendersGetBuiltInDefaults) {
  PlanInput m = Message({"a@x.example"});
  m.from = "someone@elsewhere.example";
  m.question = QuestionAnswer{"Q?", "A"};
  auto plan = planner_->Plan(m);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->recipients.size(), 1u);
  EXPECT_EQ(plan->recipients[0].trace.rfind("sender's domain has no settings", 0), 0u);
}

TEST_F(RecipientPlannerTest, NonInteractiveSendersGetTheFailureAction) {
  // Bounce is the built-in failure action.
  PlanInput smtp = Message({"a@x.example"});
  smtp.interactive = false;
  auto plan = planner_->Plan(smtp);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->need_question.empty());
  ASSERT_EQ(plan->bounce.size(), 1u);
  EXPECT_EQ(plan->bounce[0].address, "a@x.example");
  EXPECT_NE(plan->bounce[0].trace.find("bounce"), std::string::npos);

  ASSERT_TRUE(directory_->Set(OrgLevel::kDomain, "clinic.example",
                              {"failure_action=send-plain"}).ok());
  plan = planner_->Plan(smtp);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->bounce.empty());
  ASSERT_EQ(plan->send_plain.size(), 1u);
  EXPECT_NE(plan->send_plain[0].trace.find("send-plain"), std::string::npos);

  // A question given with the message still wins over the failure action.
  PlanInput m = Message({"a@x.example"});
  m.question = QuestionAnswer{"Year?", "1956"};
  m.interactive = false;
  plan = planner_->Plan(m);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->send_plain.empty());
  ASSERT_EQ(plan->recipients.size(), 1u);
}


}  // namespace
}  // namespace sealpost::policy

namespace sealpost::policy {
namespace {

TEST_F(RecipientPlannerTest, KeysInBooksEncryptAndAKeyNoLongerValidIsPassedOver) {
  clock_.Advance(1790000000 - clock_.NowUnix());
  ASSERT_TRUE(directory_->Set(OrgLevel::kDomain, "clinic.example", {"default_question=Year?|1956"}).ok());
  BookRef book{"user", "dr@clinic.example", "personal"};
  ASSERT_TRUE(books_->CreateBook(book).ok());
  ASSERT_TRUE(books_->Link("dr@clinic.example", book, "default").ok());
  auto key = pki::GeneratePgpSigningKey("Pat <pat@x.example>", clock_.NowUnix());
  ASSERT_TRUE(key.ok());
  auto added = books_->AddKey(book, "pat@x.example", key->public_armored);
  ASSERT_TRUE(added.ok()) << added.error().ToString();
  EXPECT_NE(added->find("OpenPGP key " + key->fingerprint), std::string::npos) << *added;

  auto plan = planner_->Plan(Message({"pat@x.example"}));
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  ASSERT_EQ(plan->encrypted.size(), 1u);
  EXPECT_EQ(plan->encrypted[0].method, "pgp");
  EXPECT_FALSE(plan->encrypted[0].key.empty());
  EXPECT_TRUE(plan->recipients.empty());

  // Judged at a time the key was not valid: not used; the walk goes on to the default question.
  clock_.Advance(-86400);
  plan = planner_->Plan(Message({"pat@x.example"}));
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_TRUE(plan->encrypted.empty());
  ASSERT_EQ(plan->recipients.size(), 1u);
  EXPECT_EQ(plan->recipients[0].question, "Year?");
  EXPECT_NE(plan->recipients[0].trace.find("OpenPGP key is not valid"), std::string::npos)
      << plan->recipients[0].trace;
}

// With mail leaving over the network, TLS-only applies where the recipient's servers
// offer STARTTLS, and each TLS-only copy gets a fallback planned as for a sender who
// cannot be asked: escrow with the default question, else a notice to the sender —
// never the message in clear, whatever the failure action says.
TEST_F(RecipientPlannerTest, TlsOnlyCopiesComeWithAStandbyFallback) {
  RecipientPlanner direct(*directory_, *books_, *view_, *tls_, portal_, 30, /*direct_delivery=*/true);
  ASSERT_TRUE(directory_->SetMxTls("tls.example", true, "mx.tls.example").ok());
  ASSERT_TRUE(directory_->SetMxTls("clear.example", false, "mx.clear.example").ok());
  ASSERT_TRUE(directory_->Set(OrgLevel::kDomain, "clinic.example",
                              {"tls_only=true", "default_question=Year?|1956"}).ok());
  auto plan = direct.Plan(Message({"pat@tls.example", "kid@clear.example"}));
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->direct.size(), 1u);
  EXPECT_EQ(plan->direct[0].address, "pat@tls.example");
  EXPECT_TRUE(plan->direct[0].tls_required());
  EXPECT_NE(plan->direct[0].trace.find("tls-only: mx.tls.example offers STARTTLS"),
            std::string::npos);
  ASSERT_EQ(plan->recipients.size(), 2u);
  EXPECT_EQ(plan->recipients[0].address, "pat@tls.example");
  EXPECT_TRUE(plan->recipients[0].standby);
  EXPECT_EQ(plan->recipients[0].trace.rfind("standby for tls-only: ", 0), 0u);
  EXPECT_EQ(plan->recipients[0].answer, "1956");
  EXPECT_EQ(plan->recipients[1].address, "kid@clear.example");  // no STARTTLS: escrow now
  EXPECT_FALSE(plan->recipients[1].standby);

  // Without a default question, even an interactive sender is not asked for the
  // fallback (nobody can be asked at delivery time): the sender will be told.
  ASSERT_TRUE(directory_->Set(OrgLevel::kDomain, "clinic.example",
                              {"default_question=", "failure_action=send-plain"}).ok());
  plan = direct.Plan(Message({"pat@tls.example"}));
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_TRUE(plan->need_question.empty());
  ASSERT_EQ(plan->direct.size(), 1u);
  EXPECT_TRUE(plan->send_plain.empty());
  ASSERT_EQ(plan->bounce.size(), 1u);
  EXPECT_TRUE(plan->bounce[0].standby);
  EXPECT_NE(plan->bounce[0].trace.find("never sent in clear"), std::string::npos);

  // The message's opt-out, and the dev outbox (no network), take TLS-only out.
  PlanInput opted = Message({"pat@tls.example"});
  opted.tls_only_opt_out = true;
  plan = direct.Plan(opted);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->direct.empty());
  plan = planner_->Plan(Message({"pat@tls.example"}));
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->direct.empty());
  EXPECT_EQ(plan->need_question, std::vector<std::string>{"pat@tls.example"});

  // Content rules that do not match: standard delivery, no TLS requirement, no standby.
  ASSERT_TRUE(directory_->Replace(OrgLevel::kDomain, "clinic.example",
                                  R"({"tls_only": true, "content_rules": [{"keyword": "diagnosis"}]})")
                  .ok());
  plan = direct.Plan(Message({"pat@tls.example"}));
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  ASSERT_EQ(plan->direct.size(), 1u);
  EXPECT_EQ(plan->direct[0].method, "standard");
  EXPECT_FALSE(plan->direct[0].tls_required());
  EXPECT_TRUE(plan->recipients.empty());
  EXPECT_TRUE(plan->bounce.empty());
}

}  // namespace
}  // namespace sealpost::policy

namespace sealpost::policy {
namespace {

// A form's submission: TLS-only and content rules that would let it go as it is are
// set aside, and where the walk finds nothing, escrow by portal login instead of the
// failure action — the public's data never crosses the network in clear. A key or a
// question in the books still decides first.
TEST_F(RecipientPlannerTest, WhatMustNeverGoInClearIsNeverPlannedInClear) {
  RecipientPlanner direct(*directory_, *books_, *view_, *tls_, portal_, 30,
                          /*direct_delivery=*/true);
  ASSERT_TRUE(directory_->SetMxTls("tls.example", true, "mx.tls.example").ok());
  ASSERT_TRUE(directory_
                  ->Replace(OrgLevel::kDomain, "clinic.example",
                            R"({"tls_only": true, "failure_action": "send-plain",
                                      "content_rules": [{"keyword": "biopsy"}]})")
                  .ok());
  BookRef book{"user", "dr@clinic.example", "personal"};
  ASSERT_TRUE(books_->CreateBook(book).ok());
  ASSERT_TRUE(books_->Link("dr@clinic.example", book, "default").ok());
  ASSERT_TRUE(books_->AddQuestion(book, "nurse@tls.example", {"Ward?", "7"}).ok());

  PlanInput m = Message({"staff@tls.example", "desk@clear.example", "nurse@tls.example"});
  m.interactive = false;
  auto plain = direct.Plan(m);
  ASSERT_TRUE(plain.ok()) << plain.error().ToString();
  EXPECT_FALSE(plain->direct.empty());  // as an ordinary message: standard delivery

  m.never_in_clear = true;
  auto plan = direct.Plan(m);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_TRUE(plan->direct.empty());
  EXPECT_TRUE(plan->send_plain.empty());
  EXPECT_TRUE(plan->bounce.empty());
  ASSERT_EQ(plan->recipients.size(), 3u);
  EXPECT_TRUE(plan->recipients[0].login);
  EXPECT_NE(plan->recipients[0].trace.find("never sent in clear: escrow by portal login"),
            std::string::npos)
      << plan->recipients[0].trace;
  EXPECT_TRUE(plan->recipients[1].login);
  EXPECT_FALSE(plan->recipients[2].login);  // the book's question
  EXPECT_EQ(plan->recipients[2].question, "Ward?");
}

}  // namespace
}  // namespace sealpost::policy

namespace sealpost::policy {
namespace {

// An SMTP submission's body is taken apart only when a content rule is to read it: the
// planner asks for it then, once, and matches what it is given.
TEST_F(RecipientPlannerTest, TheBodyIsAskedForOnlyWhenAContentRuleReadsIt) {
  RecipientPlanner direct(*directory_, *books_, *view_, *tls_, portal_, 30,
                          /*direct_delivery=*/true);
  ASSERT_TRUE(directory_->SetMxTls("tls.example", true, "mx.tls.example").ok());
  ASSERT_TRUE(
      directory_->Replace(OrgLevel::kDomain, "clinic.example", R"({"tls_only": true})").ok());
  int asked = 0;
  const std::string attachment = "Biopsy: benign";
  PlanInput m = Message({"pat@tls.example"});
  m.text = "";  // what the header alone gives
  m.read_body = [&] {
    ++asked;
    return PlanBody{"See the report", "", {attachment}};
  };
  auto plan = direct.Plan(m);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_EQ(asked, 0);  // no content rules: the body is not needed
  ASSERT_EQ(plan->direct.size(), 1u);
  EXPECT_EQ(plan->direct[0].method, "tls-only");

  ASSERT_TRUE(directory_
                  ->Replace(OrgLevel::kDomain, "clinic.example",
                            R"({"tls_only": true, "content_rules": [{"keyword": "biopsy"}]})")
                  .ok());
  plan = direct.Plan(m);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_EQ(asked, 1);
  ASSERT_EQ(plan->direct.size(), 1u);
  EXPECT_EQ(plan->direct[0].method, "tls-only");  // the rule matched what read_body gave

  m.read_body = [&] {
    ++asked;
    return PlanBody{"Lunch at noon?", "", {}};
  };
  plan = direct.Plan(m);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_EQ(asked, 2);
  ASSERT_EQ(plan->direct.size(), 1u);
  EXPECT_EQ(plan->direct[0].method, "standard");
  EXPECT_NE(plan->direct[0].trace.find("no content rule matched"), std::string::npos);
}

}  // namespace
}  // namespace sealpost::policy
