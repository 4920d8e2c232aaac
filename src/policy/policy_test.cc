#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "policy/content_rules.h"
#include "policy/selection.h"
#include "policy/settings.h"

namespace sealpost::policy {
namespace {

// In-memory fakes of the world the engine reads.
struct FakeBooks : AddressBooks {
  std::map<std::pair<std::string, std::string>, AddressBookEntry> entries;
  std::optional<AddressBookEntry> Find(std::string_view book, std::string_view address) const override {
    auto it = entries.find({std::string(book), std::string(address)});
    if (it == entries.end()) return std::nullopt;
    return it->second;
  }
};

struct FakePortal : PortalRegistry {
  std::set<std::string> accounts;
  bool HasAccount(std::string_view, std::string_view a) const override {
    return accounts.count(std::string(a)) > 0;
  }
};

struct FakeTls : TlsKnowledge {
  std::map<std::string, TlsCapability> domains;
  std::optional<TlsCapability> Lookup(std::string_view d, PlanDeadline) const override {
    auto it = domains.find(std::string(d));
    if (it == domains.end()) return std::nullopt;
    return it->second;
  }
};

struct World {
  FakeBooks books;
  FakePortal portal;
  FakeTls tls;
  World() {
    tls.domains["tls.example"] = {true, "mx.tls.example"};
    tls.domains["plain.example"] = {false, "mx.plain.example"};
    books.entries[{"personal", "pgp@plain.example"}] = {AddressBookEntry::Kind::kPgpKey, "e1"};
    books.entries[{"clinic", "smime@plain.example"}] = {AddressBookEntry::Kind::kSmimeCertificate, "e2"};
    books.entries[{"personal", "qa@plain.example"}] = {AddressBookEntry::Kind::kQuestion, "e3"};
    // The preferred book wins over the default one.
    books.entries[{"preferred", "both@plain.example"}] = {AddressBookEntry::Kind::kSmimeCertificate, "e4"};
    books.entries[{"personal", "both@plain.example"}] = {AddressBookEntry::Kind::kPgpKey, "e5"};
    portal.accounts.insert("member@plain.example");
  }
};

struct Case {
  const char* name;
  std::string recipient;
  SettingsLayer account;
  MessageChoices choices;
  bool encryption_required = true;
  Method want;
  std::string trace_has;  // a phrase the explanation must contain
};

SettingsLayer TlsOn() {
  SettingsLayer l;
  l.tls_only = true;
  return l;
}

TEST(SelectMethod, WalksTheOrderWithEveryReason) {
  World w;
  // Preferred, then the default book (nothing subscribed); the subscribed case below.
  BookOrder order{"preferred", {}, "personal"};
  SettingsLayer login;
  login.verification = VerificationMode::kLogin;
  SettingsLayer default_q;
  default_q.default_question = QuestionAnswer{"Birth year?", "1956"};
  SettingsLayer send_plain;
  send_plain.failure_action = FailureAction::kSendPlain;
  SettingsLayer excluded = TlsOn();
  excluded.tls_exclusions = std::vector<std::string>{"*.partner.example", "tls.example"};
  MessageChoices opt_out;
  opt_out.tls_only_opt_out = true;
  MessageChoices with_question;
  with_question.question = QuestionAnswer{"Code word?", "lemon"};
  MessageChoices interactive;
  interactive.interactive = true;

  const Case cases[] = {
      {"content rules did not match", "x@tls.example", TlsOn(), {}, false, Method::kStandard,
       "no content rule matched"},
      {"tls-only applies", "x@tls.example", TlsOn(), {}, true, Method::kTlsOnly,
       "tls-only: mx.tls.example offers STARTTLS"},
      {"tls-only off", "x@tls.example", {}, {}, true, Method::kBounce, "tls-only off (default)"},
      {"tls-only: message opted out", "pgp@plain.example", TlsOn(), opt_out, true, Method::kPgp,
       "the message opted out"},
      {"tls-only: excluded", "x@tls.example", excluded, {}, true, Method::kBounce,
       "excluded by the administrator (account)"},
      {"tls-only: no STARTTLS", "pgp@plain.example", TlsOn(), {}, true, Method::kPgp,
       "mx.plain.example offers no STARTTLS"},
      {"tls-only: unknown domain", "x@unknown.example", TlsOn(), {}, true, Method::kBounce,
       "TLS support of unknown.example not known"},
      {"address book: pgp", "pgp@plain.example", {}, {}, true, Method::kPgp,
       "address book personal: PGP key"},
      {"address book: preferred first", "both@plain.example", {}, {}, true, Method::kSmime,
       "address book preferred"},
      {"address book: question", "qa@plain.example", {}, {}, true, Method::kEscrowQuestion,
       "address book personal: question"},
      {"message question overrides book question", "qa@plain.example", {}, with_question, true,
       Method::kEscrowQuestion, "the message gives its own"},
      {"message question", "new@plain.example", {}, with_question, true, Method::kEscrowQuestion,
       "question given with the message"},
      {"login mode", "new@plain.example", login, {}, true, Method::kEscrowLogin,
       "escrow login mode enabled (account)"},
      {"portal account", "member@plain.example", {}, {}, true, Method::kEscrowLogin,
       "recipient has a portal account"},
      {"default question", "new@plain.example", default_q, {}, true, Method::kEscrowQuestion,
       "default question (account)"},
      {"ask the sender", "new@plain.example", {}, interactive, true, Method::kAskSender,
       "asking the sender"},
      {"failure: bounce", "new@plain.example", {}, {}, true, Method::kBounce,
       "failure action bounce (default)"},
      {"failure: send plain", "new@plain.example", send_plain, {}, true, Method::kSendPlain,
       "failure action send-plain (account)"},
  };
  for (const auto& c : cases) {
    EffectiveSettings s = Resolve(c.account, nullptr, nullptr);
    SelectionContext ctx{s, order, c.choices, c.encryption_required, w.books, w.portal, w.tls};
    Decision d = SelectMethod(c.recipient, ctx);
    EXPECT_EQ(d.method, c.want) << c.name << ": " << d.Explain();
    EXPECT_NE(d.Explain().find(c.trace_has), std::string::npos) << c.name << ": " << d.Explain();
  }
}

// Issue 18.10, as the reference says: the preferred book, then every subscribed book,
// and the default book only when none is subscribed.
TEST(SelectMethod, TheDefaultBookCountsOnlyWhenNoneIsSubscribed) {
  World w;
  EffectiveSettings s = Resolve({}, nullptr, nullptr);
  MessageChoices choices;
  BookOrder subscribed{"preferred", {"clinic"}, "personal"};
  SelectionContext ctx{s, subscribed, choices, true, w.books, w.portal, w.tls};
  Decision smime = SelectMethod("smime@plain.example", ctx);
  EXPECT_EQ(smime.method, Method::kSmime) << smime.Explain();
  EXPECT_NE(smime.Explain().find("address book clinic: S/MIME certificate"), std::string::npos);
  // pgp@ is only in the default book: with a subscribed book, it is not searched.
  Decision pgp = SelectMethod("pgp@plain.example", ctx);
  EXPECT_NE(pgp.method, Method::kPgp) << pgp.Explain();
  EXPECT_NE(pgp.Explain().find("no address-book entry in preferred, clinic;"), std::string::npos)
      << pgp.Explain();
  BookOrder none_subscribed{"preferred", {}, "personal"};
  SelectionContext ctx2{s, none_subscribed, choices, true, w.books, w.portal, w.tls};
  EXPECT_EQ(SelectMethod("pgp@plain.example", ctx2).method, Method::kPgp);
}

TEST(SelectMethod, ExplainsTheWholePath) {
  World w;
  SettingsLayer account = TlsOn();
  SettingsLayer domain;
  domain.verification = VerificationMode::kLogin;
  EffectiveSettings s = Resolve(account, &domain, nullptr);
  BookOrder order{std::nullopt, {"clinic-shared"}, "default"};
  MessageChoices choices;
  SelectionContext ctx{s, order, choices, true, w.books, w.portal, w.tls};
  EXPECT_EQ(SelectMethod("bob@plain.example", ctx).Explain(),
            "tls-only skipped: mx.plain.example offers no STARTTLS; no address-book entry in "
            "clinic-shared; escrow login mode enabled (domain) → escrow/login");
}

TEST(SelectMethod, UnavailableMethodsAreReplanned) {
  World w;
  SettingsLayer account = TlsOn();
  account.verification = VerificationMode::kLogin;
  account.default_question = QuestionAnswer{"Q?", "A"};
  EffectiveSettings s = Resolve(account, nullptr, nullptr);
  BookOrder order{std::nullopt, {}, "personal"};
  MessageChoices choices;
  Availability escrow_question_only{false, false, false, false, false};
  SelectionContext ctx{s, order, choices, true, w.books, w.portal, w.tls, escrow_question_only};

  Decision tls = SelectMethod("x@tls.example", ctx);
  EXPECT_EQ(tls.method, Method::kEscrowQuestion) << tls.Explain();
  EXPECT_NE(tls.Explain().find("tls-only would apply (mx.tls.example offers STARTTLS) but is not "
                               "available here: re-planned"), std::string::npos) << tls.Explain();
  EXPECT_NE(tls.Explain().find("portal accounts are not available here"), std::string::npos);

  Decision pgp = SelectMethod("pgp@plain.example", ctx);
  EXPECT_EQ(pgp.method, Method::kEscrowQuestion) << pgp.Explain();
  EXPECT_NE(pgp.Explain().find("PGP key not usable here"), std::string::npos);

  Decision member = SelectMethod("member@plain.example", ctx);
  EXPECT_EQ(member.method, Method::kEscrowQuestion) << member.Explain();

  // With everything available the same inputs choose the stronger methods.
  SelectionContext all{s, order, choices, true, w.books, w.portal, w.tls};
  EXPECT_EQ(SelectMethod("x@tls.example", all).method, Method::kTlsOnly);
  EXPECT_EQ(SelectMethod("pgp@plain.example", all).method, Method::kPgp);
}

TEST(SelectMethod, QuestionComesFromTheRightPlace) {
  World w;
  SettingsLayer account;
  account.default_question = QuestionAnswer{"Account Q", "a"};
  SettingsLayer user;
  user.default_question = QuestionAnswer{"User Q", "u"};
  EffectiveSettings s = Resolve(account, nullptr, &user);
  BookOrder order;
  MessageChoices choices;
  SelectionContext ctx{s, order, choices, true, w.books, w.portal, w.tls};
  Decision d = SelectMethod("new@plain.example", ctx);
  ASSERT_TRUE(d.question.has_value());
  EXPECT_EQ(d.question->question, "User Q");
  EXPECT_NE(d.Explain().find("default question (user)"), std::string::npos);
}

TEST(Resolve, LowerLevelsOverrideFieldByField) {
  SettingsLayer account;
  account.tls_only = true;
  account.default_expiry_days = 90;
  account.failure_action = FailureAction::kSendPlain;
  SettingsLayer domain;
  domain.default_expiry_days = 30;
  domain.verification = VerificationMode::kLogin;
  SettingsLayer user;
  user.default_expiry_days = 7;

  EffectiveSettings only_account = Resolve(account, nullptr, nullptr);
  EXPECT_EQ(only_account.default_expiry_days.value, 90);
  EXPECT_EQ(only_account.default_expiry_days.from, Level::kAccount);
  EXPECT_EQ(only_account.verification.from, Level::kDefault);

  EffectiveSettings all = Resolve(account, &domain, &user);
  EXPECT_EQ(all.default_expiry_days.value, 7);
  EXPECT_EQ(all.default_expiry_days.from, Level::kUser);
  EXPECT_EQ(all.verification.value, VerificationMode::kLogin);
  EXPECT_EQ(all.verification.from, Level::kDomain);
  EXPECT_TRUE(all.tls_only.value);
  EXPECT_EQ(all.tls_only.from, Level::kAccount);
  EXPECT_EQ(all.failure_action.value, FailureAction::kSendPlain);

  SettingsLayer user_off;
  user_off.tls_only = false;  // a user may turn off what the account turned on
  EXPECT_FALSE(Resolve(account, &domain, &user_off).tls_only.value);
}

TEST(TlsExclusions, MatchAddressesDomainsAndSubdomains) {
  std::vector<std::string> p{"Bob@Example.net", "partner.example", "*.lab.example"};
  EXPECT_TRUE(IsExcludedFromTls(p, "bob@example.NET"));
  EXPECT_FALSE(IsExcludedFromTls(p, "alice@example.net"));
  EXPECT_TRUE(IsExcludedFromTls(p, "x@partner.example"));
  EXPECT_FALSE(IsExcludedFromTls(p, "x@sub.partner.example"));
  EXPECT_TRUE(IsExcludedFromTls(p, "x@a.lab.example"));
  EXPECT_FALSE(IsExcludedFromTls(p, "x@lab.example"));
  EXPECT_FALSE(IsExcludedFromTls(p, "x@evil-lab.example"));
}

TEST(Validate, NamesTheBadSetting) {
  struct { SettingsLayer layer; const char* field; } cases[4];
  cases[0].layer.default_expiry_days = 0;
  cases[0].field = "default_expiry_days";
  cases[1].layer.tls_exclusions = std::vector<std::string>{"not a domain!"};
  cases[1].field = "tls_exclusions";
  cases[2].layer.default_question = QuestionAnswer{"Q?", "  "};
  cases[2].field = "default_question";
  cases[3].layer.content_rules = std::vector<ContentRuleSpec>{
      {ContentRuleSpec::Kind::kKeyword, "ok"}, {ContentRuleSpec::Kind::kRegex, "(unclosed"}};
  cases[3].field = "content_rules[1]";
  for (const auto& c : cases) {
    auto s = Validate(c.layer);
    ASSERT_FALSE(s.ok()) << c.field;
    EXPECT_EQ(s.error().field, c.field);
  }
  SettingsLayer good;
  good.default_expiry_days = 3650;
  good.tls_exclusions = std::vector<std::string>{"a@b.example", "b.example", "*.c.example"};
  EXPECT_TRUE(Validate(good).ok());
}

TEST(ContentRules, KeywordsPhrasesAndRegexes) {
  auto rules = ContentRules::Compile({{ContentRuleSpec::Kind::kKeyword, "HIV"},
                                      {ContentRuleSpec::Kind::kPhrase, "social security  number"},
                                      {ContentRuleSpec::Kind::kRegex, R"(\b\d{3}-\d{2}-\d{4}\b)"}});
  ASSERT_TRUE(rules.ok()) << rules.error().ToString();
  EXPECT_EQ(rules->Match("Your hiv test", "", {}).where, "subject");
  EXPECT_FALSE(rules->Match("Archive", "", {}).matched);  // whole words only
  EXPECT_EQ(rules->Match("", "your Social\nSecurity number is", {}).rule, "social security  number");
  auto m = rules->Match("hello", "nothing", {"plain", "SSN 123-45-6789"});
  EXPECT_TRUE(m.matched);
  EXPECT_EQ(m.where, "attachment 2");
  EXPECT_FALSE(rules->Match("lunch", "see you at noon", {}).matched);
}

TEST(ContentRules, PathologicalPatternStaysLinear) {
  auto rules = ContentRules::Compile({{ContentRuleSpec::Kind::kRegex, "(a+)+$"}});
  ASSERT_TRUE(rules.ok());
  std::string input(1'000'000, 'a');
  input += '!';  // forces a backtracking engine into exponential time
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(rules->Match(input, input, {}).matched);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A backtracking engine would not finish in the age of the universe; RE2 takes
  // milliseconds. The bound is loose so a loaded machine cannot fail it.
  EXPECT_LT(seconds, 10.0);
}

TEST(ContentRules, RefusesBadRules) {
  EXPECT_EQ(ContentRules::Compile({{ContentRuleSpec::Kind::kRegex, "a{2,1}"}}).error().field,
            "content_rules[0]");
  EXPECT_FALSE(ContentRules::Compile({{ContentRuleSpec::Kind::kKeyword, "   "}}).ok());
  EXPECT_FALSE(ContentRules::Compile({{ContentRuleSpec::Kind::kRegex, ""}}).ok());
}

}  // namespace
}  // namespace sealpost::policy
