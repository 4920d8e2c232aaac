#include "campaigns/contacts.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "audit/pending.h"
#include "base/temp_dir.h"
#include "crypto/key_ring.h"
#include "crypto/random.h"
#include "store/sqlite/stores.h"

namespace sealpost::campaigns {
namespace {

const char kAccount[] = "Springfield";

class ContactBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::Open(temp_.path() + "/db"));
    store_ = sqlite::NewContactStore(*db_);
    book_.emplace(*store_, metadata_, clock_);
    ASSERT_TRUE(book_->CreateList(kAccount, "reminders", "Appointment reminders").ok());
  }

  // What the database holds in a column, as bytes.
  std::string Column(const std::string& sql) {
    std::string out;
    sqlite3* raw = nullptr;
    sqlite3_open_v2((temp_.path() + "/db").c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(raw, sql.c_str(), -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) {
      out.append(static_cast<const char*>(sqlite3_column_blob(s, 0)), sqlite3_column_bytes(s, 0));
    }
    sqlite3_finalize(s);
    sqlite3_close(raw);
    return out;
  }

  TempDir temp_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<ContactStore> store_;
  PurposeKey metadata_{RandomSecret(32)};
  ManualClock clock_{1'796'000'000};  // 2026-11-30
  std::optional<ContactBook> book_;
};

TEST_F(ContactBookTest, ACsvImportAddsGoodRowsReportsBadOnesAndSealsAttributes) {
  const std::string csv =
      "Email,First Name,last_visit,diagnosis\n"
      "homer@springfield.example,Homer,2025-11-02,hypertension\n"
      "not an address,Bart,2026-01-01,\n"
      "MARGE@Springfield.example,Marge,2026-10-01,\n"
      "homer@springfield.example,Again,2026-01-01,\n"
      "lisa@springfield.example,Lisa\n"
      "ned@springfield.example," +
      std::string(kMaxAttributeChars + 1, 'n') + ",,\n";
  std::vector<std::pair<std::size_t, std::size_t>> told;
  auto report = book_->ImportCsv(
      kAccount, "reminders", csv, "front desk, paper form",
      [&](std::size_t done, std::size_t total) { told.emplace_back(done, total); });
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->added, 2u);
  EXPECT_EQ(report->updated, 0u);
  ASSERT_EQ(report->problems.size(), 4u);
  EXPECT_EQ(report->problems[0].line, 3u);
  EXPECT_NE(report->problems[0].reason.find("not an email address"), std::string::npos);
  EXPECT_EQ(report->problems[1].line, 5u);
  EXPECT_EQ(report->problems[1].reason, "the address is already on line 2");
  EXPECT_EQ(report->problems[2].line, 6u);
  EXPECT_EQ(report->problems[2].reason, "expected 4 fields, found 2");
  EXPECT_EQ(report->problems[3].line, 7u);
  EXPECT_EQ(report->problems[3].reason, "first_name is longer than 1000 characters");
  for (const auto& p : report->problems) {  // nothing of the file's values in a reason
    EXPECT_EQ(p.reason.find("Bart"), std::string::npos);
    EXPECT_EQ(p.reason.find("nnnn"), std::string::npos);
  }
  ASSERT_FALSE(told.empty());
  EXPECT_EQ(told.back(), std::make_pair(std::size_t{6}, std::size_t{6}));

  auto marge = book_->Find(kAccount, "marge@springfield.EXAMPLE");
  ASSERT_TRUE(marge.ok());
  ASSERT_TRUE(marge->has_value());
  EXPECT_EQ((*marge)->record.address, "marge@springfield.example");
  EXPECT_EQ((*marge)->attributes.at("first_name").text, "Marge");
  EXPECT_EQ((*marge)->attributes.count("diagnosis"), 0u);  // an empty cell sets nothing
  ASSERT_EQ((*marge)->lists.size(), 1u);
  EXPECT_EQ((*marge)->lists[0].first, "reminders");
  EXPECT_EQ((*marge)->lists[0].second.consent_source, "front desk, paper form");
  EXPECT_EQ((*marge)->lists[0].second.consented_at, clock_.NowUnix());

  // At rest the attributes are sealed: no diagnosis, no name in the database.
  const std::string stored = Column("SELECT sealed_attributes FROM contacts");
  EXPECT_EQ(stored.find("hypertension"), std::string::npos);
  EXPECT_EQ(stored.find("Homer"), std::string::npos);
  // And bound to their contact: moved to another, they do not open.
  auto homer = store_->FindContact(kAccount, "homer@springfield.example");
  ASSERT_TRUE(homer.ok() && homer->has_value());
  ContactRecord moved = **homer;
  moved.id = (*marge)->record.id;
  EXPECT_EQ(book_->Open(moved).error().code, ErrorCode::kIntegrity);

  // A second import merges: new values replace, empty cells leave what is there.
  clock_.Advance(60);
  report =
      book_->ImportCsv(kAccount, "", "email,diagnosis,plan\nhomer@springfield.example,,gold\n", "");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->updated, 1u);
  auto merged = book_->Find(kAccount, "homer@springfield.example");
  ASSERT_TRUE(merged.ok() && merged->has_value());
  EXPECT_EQ((*merged)->attributes.at("diagnosis").text, "hypertension");
  EXPECT_EQ((*merged)->attributes.at("plan").text, "gold");
  EXPECT_EQ((*merged)->record.id, (*homer)->id);
}

TEST_F(ContactBookTest, ABadHeaderOrListOrConsentIsRefusedBeforeAnyRow) {
  auto report = book_->ImportCsv(kAccount, "", "name,plan\nHomer,gold\n", "");
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].reason, "the header has no email column");
  report = book_->ImportCsv(kAccount, "", "email,Plan!\nh@example.net,gold\n", "");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->problems[0].reason.rfind("column 2 is not an attribute's name", 0), 0u);
  report = book_->ImportCsv(kAccount, "", "email,plan,Plan\nh@example.net,a,b\n", "");
  EXPECT_EQ(report->problems[0].reason, "column 3 (plan) is named twice");
  auto refused = book_->ImportCsv(kAccount, "newsletter", "email\nh@example.net\n", "web");
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  refused = book_->ImportCsv(kAccount, "reminders", "email\nh@example.net\n", "");
  EXPECT_EQ(refused.error().field, "consent");
  EXPECT_EQ(*store_->CountContacts(kAccount), 0);
}

TEST_F(ContactBookTest, PutReplacesOrMergesAndNamesTheChangeOnTheRecordWithoutValues) {
  auto pat =
      book_->Put(kAccount, "pat@example.net", R"({"first_name":"Pat","age":61,"smoker":false})",
                 false, {"reminders"}, "API: signed up at the front desk");
  ASSERT_TRUE(pat.ok()) << pat.error().message;
  EXPECT_EQ(pat->attributes.at("age").kind, AttributeValue::Kind::kNumber);
  EXPECT_EQ(AttributesJson(pat->attributes), R"({"age":61,"first_name":"Pat","smoker":false})");
  auto merged =
      book_->Put(kAccount, "pat@example.net", R"({"age":62,"smoker":null})", true, {}, "");
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(AttributesJson(merged->attributes), R"({"age":62,"first_name":"Pat"})");
  auto replaced = book_->Put(kAccount, "pat@example.net", R"({"plan":"gold"})", false, {}, "");
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(AttributesJson(replaced->attributes), R"({"plan":"gold"})");

  for (const char* bad : {R"([1])", R"({"Age":1})", R"({"a":{"b":1}})", R"({"a":[1]})"}) {
    auto refused = book_->Put(kAccount, "pat@example.net", bad, true, {}, "");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(refused.error().field.rfind("attributes", 0), 0u) << bad;
  }
  EXPECT_EQ(book_->Put(kAccount, "pat@example.net", "{}", true, {"reminders"}, "").error().field,
            "consent");
  EXPECT_EQ(book_->Put(kAccount, "nobody", "{}", true, {}, "").error().field, "address");

  // The record of a change names the attributes, never their values.
  audit::AuditRecord record;
  record.action = "contact.put";
  std::string details;
  {
    audit::PendingRecord pending(record);
    ASSERT_TRUE(
        book_->Put(kAccount, "pat@example.net", R"({"diagnosis":"asthma"})", true, {}, "").ok());
    auto taken = audit::TakePending();  // no audit store here: take it by hand
    ASSERT_EQ(taken.size(), 1u);
    details = taken[0].details;
  }
  EXPECT_NE(details.find(R"("attributes":["diagnosis"])"), std::string::npos) << details;
  EXPECT_EQ(details.find("asthma"), std::string::npos);
}

TEST_F(ContactBookTest, ASegmentCountsAndReachesConsentingUnsuppressedMatches) {
  ASSERT_TRUE(book_->CreateList(kAccount, "newsletter", "").ok());
  std::string csv = "email,last_visit\n";
  for (int i = 0; i < 2500; ++i) {  // more than one batch of the walk
    csv += "p" + std::to_string(i) + "@example.net," + (i % 2 ? "2025-01-01" : "2026-11-01") + "\n";
  }
  auto report = book_->ImportCsv(kAccount, "reminders", csv, "import");
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->added, 2500u);
  // Another account's contacts and another list's members are not the segment's.
  ASSERT_TRUE(book_->Put("Shelbyville", "p1@example.net", "{}", true, {}, "").ok());
  ASSERT_TRUE(book_
                  ->Put(kAccount, "other@example.net", R"({"last_visit":"2020-01-01"})", true,
                        {"newsletter"}, "web")
                  .ok());

  EXPECT_EQ(book_->PutSegment(kAccount, "lapsed", "reminders", "last_visit <").error().field,
            "condition");
  EXPECT_EQ(book_->PutSegment(kAccount, "lapsed", "nope", "").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(
      book_->PutSegment(kAccount, "lapsed", "reminders", "last_visit < 11 months ago").ok());

  ASSERT_TRUE(book_->Suppress(kAccount, "P1@example.net", "bounced", "550 5.1.1").ok());
  ASSERT_TRUE(book_->Unsubscribe(kAccount, "reminders", "p3@example.net").ok());
  EXPECT_EQ(book_->Suppress(kAccount, "p5@example.net", "bored", "").error().field, "reason");

  auto count = book_->Count(kAccount, "lapsed");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->members, 2499);  // p3 left
  EXPECT_EQ(count->matched, 1249);  // the odd ones but p3
  EXPECT_EQ(count->suppressed, 1);  // p1

  std::vector<std::string> reached;
  std::string after;
  for (;;) {
    auto page = book_->Reach(kAccount, "lapsed", after, 500);
    ASSERT_TRUE(page.ok());
    for (const auto& c : *page) reached.push_back(c.record.address);
    if (page->size() < 500) break;
    after = page->back().record.id;
  }
  EXPECT_EQ(reached.size(), 1248u);
  EXPECT_EQ(std::count(reached.begin(), reached.end(), "p1@example.net"), 0);
  EXPECT_EQ(std::count(reached.begin(), reached.end(), "p3@example.net"), 0);
  EXPECT_EQ(std::count(reached.begin(), reached.end(), "p7@example.net"), 1);

  // A contact deleted keeps their suppression; joining again after leaving is consent anew.
  ASSERT_TRUE(book_->Delete(kAccount, "p1@example.net").ok());
  EXPECT_EQ(book_->Delete(kAccount, "p1@example.net").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(*book_->MayWriteTo(kAccount, "p1@example.net"));
  EXPECT_TRUE(*book_->MayWriteTo(kAccount, "p7@example.net"));
  ASSERT_TRUE(
      book_->Put(kAccount, "p3@example.net", "{}", true, {"reminders"}, "asked again").ok());
  EXPECT_EQ(book_->Count(kAccount, "lapsed")->matched, 1249);
  ASSERT_TRUE(book_->Unsuppress(kAccount, "p1@example.net").ok());
  EXPECT_EQ(book_->Unsuppress(kAccount, "p1@example.net").error().code, ErrorCode::kNotFound);
}

// Two writers adding the same new address: the second's attributes were sealed to an id
// that lost, so its write is refused (and can be tried again), never kept unopenable.
TEST_F(ContactBookTest, AContactAddedMeanwhileIsNotOverwrittenWithAnotherIdsBox) {
  ASSERT_TRUE(book_->Put(kAccount, "pat@example.net", R"({"a":"1"})", true, {}, "").ok());
  ContactStore::Put late;
  late.contact.id = "another-id";
  late.contact.account = kAccount;
  late.contact.address = "pat@example.net";
  late.contact.sealed_attributes = "sealed for another-id";
  EXPECT_EQ(store_->PutContacts({late}).error().code, ErrorCode::kUnavailable);
  auto pat = book_->Find(kAccount, "pat@example.net");
  ASSERT_TRUE(pat.ok() && pat->has_value());
  EXPECT_EQ((*pat)->attributes.at("a").text, "1");
}

TEST_F(ContactBookTest, ListsAreNamedOncePerAccountAndCountTheirMembers) {
  EXPECT_EQ(book_->CreateList(kAccount, "reminders", "").error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(book_->CreateList("Shelbyville", "reminders", "").ok());
  EXPECT_EQ(book_->CreateList(kAccount, "", "").error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(book_->Put(kAccount, "a@example.net", "{}", true, {"reminders"}, "web").ok());
  ASSERT_TRUE(book_->Put(kAccount, "b@example.net", "{}", true, {"reminders"}, "web").ok());
  ASSERT_TRUE(book_->Unsubscribe(kAccount, "reminders", "b@example.net").ok());
  auto lists = book_->Lists(kAccount);
  ASSERT_TRUE(lists.ok());
  ASSERT_EQ(lists->size(), 1u);
  EXPECT_EQ((*lists)[0].subscribed, 1);
}

}  // namespace
}  // namespace sealpost::campaigns
