#include "policy/org_directory.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/temp_dir.h"
#include "crypto/random.h"
#include "policy/settings_json.h"
#include "store/sqlite/stores.h"

namespace sealpost::policy {
namespace {

constexpr PlanDeadline kNoDeadline = PlanDeadline::max();

class OrgDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::OpenInMemory());
    store_ = sqlite::NewOrgStore(*db_);
    dir_.emplace(*store_, key_, clock_);
    ASSERT_TRUE(dir_->CreateAccount("Springfield").ok());
    ASSERT_TRUE(dir_->CreateDomain("clinic.example", "Springfield").ok());
    ASSERT_TRUE(dir_->CreateUser("dr@clinic.example").ok());
  }
  TempDir temp_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<OrgStore> store_;
  PurposeKey key_{RandomSecret(32)};
  ManualClock clock_{1000};
  std::optional<OrgDirectory> dir_;
};

TEST_F(OrgDirectoryTest, ThreeLevelsInherit) {
  ASSERT_TRUE(dir_->Set(OrgLevel::kAccount, "Springfield",
                        {"tls_only=true", "default_expiry_days=90", "failure_action=send-plain"}).ok());
  ASSERT_TRUE(dir_->Set(OrgLevel::kDomain, "clinic.example",
                        {"default_expiry_days=30", "verification=login"}).ok());
  ASSERT_TRUE(dir_->Set(OrgLevel::kUser, "dr@clinic.example", {"default_expiry_days=7"}).ok());
  auto e = dir_->EffectiveFor("dr@clinic.example");
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  EXPECT_EQ(e->default_expiry_days.value, 7);
  EXPECT_EQ(e->default_expiry_days.from, Level::kUser);
  EXPECT_EQ(e->verification.from, Level::kDomain);
  EXPECT_EQ(e->tls_only.from, Level::kAccount);
  // A sender in a known domain without a user record gets the domain's settings.
  auto other = dir_->EffectiveFor("nurse@clinic.example");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->default_expiry_days.value, 30);
  EXPECT_EQ(dir_->EffectiveFor("x@unknown.example").error().code, ErrorCode::kNotFound);
}

TEST_F(OrgDirectoryTest, EachLevelShowsWhatHoldsThereAndWhereItComesFrom) {
  ASSERT_TRUE(dir_->Set(OrgLevel::kAccount, "Springfield",
                        {"tls_only=true", "default_question=Your town?|Shelbyville"})
                  .ok());
  ASSERT_TRUE(dir_->Set(OrgLevel::kDomain, "clinic.example", {"default_expiry_days=12"}).ok());
  auto account = dir_->EffectiveAt(OrgLevel::kAccount, "Springfield");
  ASSERT_TRUE(account.ok()) << account.error().ToString();
  EXPECT_EQ(account->default_expiry_days.from, Level::kDefault);  // the domain's is below
  EXPECT_EQ(account->tls_only.from, Level::kAccount);
  auto domain = dir_->EffectiveAt(OrgLevel::kDomain, "clinic.example");
  ASSERT_TRUE(domain.ok());
  EXPECT_EQ(domain->default_expiry_days.value, 12);
  EXPECT_EQ(domain->default_expiry_days.from, Level::kDomain);
  EXPECT_EQ(domain->tls_only.from, Level::kAccount);
  EXPECT_EQ(dir_->EffectiveAt(OrgLevel::kUser, "dr@clinic.example")->default_expiry_days.value, 12);
  EXPECT_EQ(dir_->EffectiveAt(OrgLevel::kUser, "ghost@clinic.example").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(dir_->EffectiveAt(OrgLevel::kDomain, "nowhere.example").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(dir_->EffectiveAt(OrgLevel::kAccount, "Nobody").error().code, ErrorCode::kNotFound);

  // In words, for people: the question without its answer.
  auto lines = DescribeSettings(*domain);
  auto line = [&](const std::string& name) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const SettingLine& l) { return l.name == name; });
    EXPECT_NE(it, lines.end()) << name;
    return it == lines.end() ? SettingLine{} : *it;
  };
  EXPECT_EQ(line("default_expiry_days").value, "12 days");
  EXPECT_EQ(line("tls_only").value, "on");
  EXPECT_EQ(line("tls_only").from, Level::kAccount);
  EXPECT_EQ(line("default_question").value, "Your town? (answer set)");
  for (const auto& l : lines) EXPECT_EQ(l.value.find("Shelbyville"), std::string::npos);
  EXPECT_EQ(lines.size(), 12u);  // every setting
}

TEST_F(OrgDirectoryTest, BadAssignmentsChangeNothing) {
  ASSERT_TRUE(dir_->Set(OrgLevel::kDomain, "clinic.example", {"default_expiry_days=30"}).ok());
  auto s = dir_->Set(OrgLevel::kDomain, "clinic.example", {"tls_only=true", "default_expiry_days=0"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "default_expiry_days");
  auto layer = dir_->Settings(OrgLevel::kDomain, "clinic.example");
  EXPECT_FALSE(layer->tls_only.has_value());
  EXPECT_EQ(*layer->default_expiry_days, 30);
  EXPECT_EQ(dir_->Set(OrgLevel::kUser, "ghost@clinic.example", {"tls_only=true"}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(dir_->Replace(OrgLevel::kAccount, "Springfield", R"({"content_rules": [{"regex": "("}]})")
                .error().field,
            "content_rules[0]");
}

TEST_F(OrgDirectoryTest, AnswersAreSealedAndMaskedForDisplay) {
  ASSERT_TRUE(dir_->Set(OrgLevel::kAccount, "Springfield", {"default_question=Year?|1956"}).ok());
  auto account = **store_->FindAccount("Springfield");
  EXPECT_EQ(account.sealed_settings.find("1956"), std::string::npos);
  auto layer = dir_->Settings(OrgLevel::kAccount, "Springfield");
  EXPECT_EQ(layer->default_question->answer, "1956");
  std::string shown = SettingsForDisplay(*layer);
  EXPECT_EQ(shown.find("1956"), std::string::npos);
  EXPECT_NE(shown.find("Year?"), std::string::npos);
}

TEST_F(OrgDirectoryTest, RefusesBadNames) {
  EXPECT_EQ(dir_->CreateDomain("not a domain", "Springfield").error().field, "domain");
  EXPECT_EQ(dir_->CreateDomain("other.example", "Nobody").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(dir_->CreateUser("nobody@nowhere.example").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(dir_->CreateUser("no-at-sign").error().field, "user");
  EXPECT_EQ(dir_->CreateUser("dr@clinic.example").error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ParseOrgLevel("planet").error().field, "level");
}

TEST_F(OrgDirectoryTest, MxTableFeedsTheEngine) {
  ASSERT_TRUE(dir_->SetMxTls("example.net", true, "mx.example.net").ok());
  StoredTlsKnowledge tls(*store_);
  auto known = tls.Lookup("example.net", kNoDeadline);
  ASSERT_TRUE(known.has_value());
  EXPECT_TRUE(known->starttls);
  EXPECT_FALSE(tls.Lookup("example.org", kNoDeadline).has_value());
}

// What a probe learns is kept for its TTL, then learnt again; an unreachable domain is
// not known and not probed again at once; the administrator's word is never probed.
TEST_F(OrgDirectoryTest, ProbedKnowledgeIsCachedAndExpires) {
  std::vector<std::string> probed;
  bool offers = true;
  PlanDeadline handed{};
  StoredTlsKnowledge tls(*store_, clock_, [&](const std::string& domain,
                                              PlanDeadline deadline) -> Result<TlsCapability> {
    probed.push_back(domain);
    handed = deadline;
    if (domain == "down.example") return MakeError(ErrorCode::kIo, "connection refused");
    return TlsCapability{offers, "mx." + domain};
  }, /*ttl_seconds=*/3600, /*retry_seconds=*/600);
  ASSERT_TRUE(dir_->SetMxTls("pinned.example", false, "mx.pinned.example").ok());

  auto known = tls.Lookup("Example.NET", kNoDeadline);
  ASSERT_TRUE(known.has_value());
  EXPECT_TRUE(known->starttls);
  EXPECT_EQ(known->host, "mx.example.net");
  EXPECT_FALSE(tls.Lookup("down.example", kNoDeadline).has_value());
  EXPECT_FALSE(tls.Lookup("pinned.example", kNoDeadline)->starttls);
  EXPECT_EQ(probed, (std::vector<std::string>{"example.net", "down.example"}));

  clock_.Advance(599);  // cached, both the answer and the failure
  EXPECT_TRUE(tls.Lookup("example.net", kNoDeadline)->starttls);
  EXPECT_FALSE(tls.Lookup("down.example", kNoDeadline).has_value());
  EXPECT_EQ(probed.size(), 2u);
  clock_.Advance(1);  // the failure is retried
  EXPECT_FALSE(tls.Lookup("down.example", kNoDeadline).has_value());
  EXPECT_EQ(probed.size(), 3u);

  offers = false;  // the server stopped offering STARTTLS; learnt once the TTL is over
  clock_.Advance(3000);
  EXPECT_FALSE(tls.Lookup("example.net", kNoDeadline)->starttls);
  EXPECT_EQ(probed.back(), "example.net");
  clock_.Advance(86400 * 365);
  EXPECT_FALSE(tls.Lookup("pinned.example", kNoDeadline)->starttls);
  EXPECT_EQ(std::count(probed.begin(), probed.end(), "pinned.example"), 0);

  // Planning that is out of time asks nobody and records nothing; the next message,
  // with time, probes; the probe is given the planning's deadline.
  const std::size_t before = probed.size();
  const PlanDeadline gone = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  EXPECT_FALSE(tls.Lookup("late.example", gone).has_value());
  EXPECT_EQ(probed.size(), before);
  const PlanDeadline soon = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  EXPECT_TRUE(tls.Lookup("late.example", soon).has_value());
  EXPECT_EQ(probed.back(), "late.example");
  EXPECT_EQ(handed, soon);
}

}  // namespace
}  // namespace sealpost::policy
