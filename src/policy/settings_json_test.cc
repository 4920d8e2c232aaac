#include <gtest/gtest.h>

#include "policy/settings_json.h"

namespace sealpost::policy {
namespace {

TEST(SettingsJson, RoundTrips) {
  SettingsLayer l;
  l.tls_only = true;
  l.tls_exclusions = std::vector<std::string>{"partner.example", "*.lab.example"};
  l.verification = VerificationMode::kLogin;
  l.default_question = QuestionAnswer{"Birth year?", "1956"};
  l.default_expiry_days = 90;
  l.fixed_subject = "Secure message";
  l.failure_action = FailureAction::kSendPlain;
  l.content_rules = std::vector<ContentRuleSpec>{{ContentRuleSpec::Kind::kKeyword, "HIV"},
                                                 {ContentRuleSpec::Kind::kRegex, "\\d{3}-\\d{2}"}};
  l.preferred_address_book = "clinic";
  l.api_password_grant = false;
  auto back = SettingsFromJson(SettingsToJson(l));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(SettingsToJson(*back), SettingsToJson(l));
  EXPECT_EQ(SettingsToJson(SettingsLayer{}), "{}");
}

TEST(SettingsText, PasswordGrantIsOffUntilSetAndInherits) {
  SettingsLayer account;
  EXPECT_FALSE(Resolve(account, nullptr, nullptr).api_password_grant.value);
  ASSERT_TRUE(SetFromText(account, "api_password_grant=on").ok());
  EXPECT_EQ(SettingsToJson(account), R"({"api_password_grant":true})");
  SettingsLayer user;
  EXPECT_TRUE(Resolve(account, nullptr, &user).api_password_grant.value);
  ASSERT_TRUE(SetFromText(user, "api_password_grant=off").ok());
  EXPECT_FALSE(Resolve(account, nullptr, &user).api_password_grant.value);
  EXPECT_EQ(SetFromText(user, "api_password_grant=maybe").error().field, "api_password_grant");
  EXPECT_EQ(SettingsFromJson(R"({"api_password_grant": 1})").error().field, "api_password_grant");
  // Two-step sign-in in the console: required by an account, inherited below it.
  SettingsLayer domain;
  ASSERT_TRUE(SetFromText(account, "console_two_step=on").ok());
  EXPECT_TRUE(Resolve(account, &domain, nullptr).console_two_step.value);
  EXPECT_EQ(Resolve(account, &domain, nullptr).console_two_step.from, Level::kAccount);
  auto round = SettingsFromJson(SettingsToJson(account));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->console_two_step, true);
  EXPECT_EQ(SettingsFromJson(R"({"console_two_step": "yes"})").error().field, "console_two_step");
}

TEST(SettingsJson, NamesTheBadSetting) {
  struct { const char* json; const char* field; } cases[] = {
      {"[]", "settings"},
      {R"({"tls_only": "yes"})", "tls_only"},
      {R"({"tls_onyl": true})", "tls_onyl"},
      {R"({"verification": "password"})", "verification"},
      {R"({"default_expiry_days": 5000})", "default_expiry_days"},
      {R"({"default_question": {"question": "Q"}})", "default_question"},
      {R"({"content_rules": [{"regex": "(a"}]})", "content_rules[0]"},
      {R"({"content_rules": [{"glob": "*"}]})", "content_rules[0]"},
      {R"({"tls_exclusions": ["not valid!"]})", "tls_exclusions"},
  };
  for (const auto& c : cases) {
    auto r = SettingsFromJson(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().field, c.field) << c.json;
  }
}

TEST(SettingsText, SetsAndUnsetsWithoutHalfChanges) {
  SettingsLayer l;
  ASSERT_TRUE(SetFromText(l, "tls_only=yes").ok());
  ASSERT_TRUE(SetFromText(l, "default_expiry_days = 90").ok());
  ASSERT_TRUE(SetFromText(l, "tls_exclusions=a.example, *.b.example").ok());
  ASSERT_TRUE(SetFromText(l, "default_question=Pet's name?|Rex").ok());
  EXPECT_TRUE(*l.tls_only);
  EXPECT_EQ(*l.default_expiry_days, 90);
  EXPECT_EQ(l.tls_exclusions->size(), 2u);
  EXPECT_EQ(l.default_question->answer, "Rex");

  EXPECT_EQ(SetFromText(l, "default_expiry_days=0").error().field, "default_expiry_days");
  EXPECT_EQ(*l.default_expiry_days, 90);  // unchanged
  EXPECT_EQ(SetFromText(l, "colour=blue").error().field, "colour");
  EXPECT_EQ(SetFromText(l, "tls_only=maybe").error().field, "tls_only");
  EXPECT_FALSE(SetFromText(l, "no equals sign").ok());

  ASSERT_TRUE(SetFromText(l, "tls_only=").ok());
  EXPECT_FALSE(l.tls_only.has_value());
}

}  // namespace
}  // namespace sealpost::policy
