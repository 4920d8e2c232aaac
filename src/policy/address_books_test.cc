#include <gtest/gtest.h>

#include "base/temp_dir.h"
#include "crypto/random.h"
#include "policy/address_books.h"
#include "store/sqlite/stores.h"

namespace sealpost::policy {
namespace {

class AddressBooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::OpenInMemory());
    store_ = sqlite::NewAddressBookStore(*db_);
    books_.emplace(*store_, key_, clock_);
    ASSERT_TRUE(books_->CreateBook(personal_).ok());
    ASSERT_TRUE(books_->CreateBook(shared_).ok());
  }
  TempDir temp_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<AddressBookStore> store_;
  PurposeKey key_{RandomSecret(32)};
  ManualClock clock_{1000};
  std::optional<AddressBookDirectory> books_;
  BookRef personal_{"user", "dr@clinic.example", "personal"};
  BookRef shared_{"account", "Springfield", "shared"};
};

TEST_F(AddressBooksTest, CsvImportReportsBadRowsAndKeepsGoodOnes) {
  std::string csv =
      "Address,Question,Answer\n"
      "pat@example.net,Your dog's name?,Rex\n"          // 2: good
      "not-an-address,Q,A\n"                            // 3: bad address
      "kid@example.net,,A\n"                            // 4: no question
      "lou@example.net,Q\n"                             // 5: two fields
      "\"mo@example.net\",\"Favourite, colour?\",\"Blue\"\n"  // 6: good, quoted
      "PAT@example.net,Again?,x\n"                      // 7: duplicate of line 2
      "ned@example.net,\"unclosed,x\n";                 // 8: malformed
  std::vector<std::pair<std::size_t, std::size_t>> ticks;
  auto report = books_->ImportQuestionsCsv(personal_, csv, [&](std::size_t d, std::size_t t) {
    ticks.emplace_back(d, t);
  });
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->imported, 2u);
  std::vector<std::size_t> lines;
  for (const auto& p : report->problems) lines.push_back(p.line);
  EXPECT_EQ(lines, (std::vector<std::size_t>{3, 4, 5, 7, 8}));
  EXPECT_NE(report->problems[0].reason.find("not a valid address"), std::string::npos);
  EXPECT_NE(report->problems[3].reason.find("already on line 2"), std::string::npos);
  ASSERT_FALSE(ticks.empty());
  EXPECT_EQ(ticks.back().first, ticks.back().second);

  auto qa = books_->Question(personal_.ToString(), "mo@example.net");
  ASSERT_TRUE(qa.ok());
  EXPECT_EQ(qa->question, "Favourite, colour?");
  EXPECT_EQ(qa->answer, "Blue");
}

TEST_F(AddressBooksTest, ABookIsLookedThroughAPageAtATime) {
  std::string csv = "address,question,answer\n";
  for (int i = 0; i < 25; ++i) csv += "p" + std::to_string(100 + i) + "@example.net,Q?,A1\n";
  ASSERT_EQ(books_->ImportQuestionsCsv(shared_, csv)->imported, 25u);
  auto first = books_->Page(shared_, "", 10);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->total, 25);
  ASSERT_EQ(first->entries.size(), 10u);
  EXPECT_EQ(first->entries[0].address, "p100@example.net");
  auto third = books_->Page(shared_, "p119@example.net", 10);
  ASSERT_EQ(third->entries.size(), 5u);
  EXPECT_EQ(third->entries[0].address, "p120@example.net");
  EXPECT_EQ(third->entries[0].kind, "question");
  EXPECT_EQ(books_->Page({"account", "Springfield", "none"}, "", 10).error().code,
            ErrorCode::kNotFound);
}

TEST_F(AddressBooksTest, ImportRefusesAFileWithoutTheHeader) {
  auto report = books_->ImportQuestionsCsv(personal_, "pat@example.net,Q,A\n");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->imported, 0u);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].line, 1u);
  EXPECT_EQ(books_->ImportQuestionsCsv({"user", "x@y.example", "nope"}, "a").error().code,
            ErrorCode::kNotFound);
}

TEST_F(AddressBooksTest, OrderAndLookupFeedTheEngine) {
  ASSERT_TRUE(books_->Link("dr@clinic.example", personal_, "default").ok());
  ASSERT_TRUE(books_->Link("dr@clinic.example", shared_, "subscribed").ok());
  ASSERT_TRUE(books_->PutQuestion(shared_, "pat@example.net", {"Shared Q?", "s"}).ok());
  ASSERT_TRUE(books_->PutQuestion(personal_, "pat@example.net", {"Personal Q?", "p"}).ok());
  auto order = books_->OrderFor("dr@clinic.example");
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->default_book, "user:dr@clinic.example:personal");
  EXPECT_EQ(order->subscribed, std::vector<std::string>{"account:Springfield:shared"});

  StoredAddressBooks view(*store_);
  auto entry = view.Find("account:Springfield:shared", "PAT@example.net");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->kind, AddressBookEntry::Kind::kQuestion);
  EXPECT_FALSE(view.Find("account:Springfield:shared", "other@example.net").has_value());
  EXPECT_FALSE(view.Find("garbage", "pat@example.net").has_value());

  // The subscribed book comes before the default one.
  struct NoPortal : PortalRegistry { bool HasAccount(std::string_view, std::string_view) const override { return false; } } portal;
  struct NoTls : TlsKnowledge { std::optional<TlsCapability> Lookup(std::string_view, PlanDeadline) const override { return std::nullopt; } } tls;
  EffectiveSettings settings;
  MessageChoices choices;
  SelectionContext ctx{settings, *order, choices, true, view, portal, tls};
  Decision d = SelectMethod("pat@example.net", ctx);
  EXPECT_EQ(d.method, Method::kEscrowQuestion);
  EXPECT_EQ(d.book, "account:Springfield:shared");
  EXPECT_EQ(books_->Question(d.book, "pat@example.net")->question, "Shared Q?");

  // A second preferred book demotes the first to subscribed.
  ASSERT_TRUE(books_->Link("dr@clinic.example", personal_, "preferred").ok());
  EXPECT_EQ(books_->OrderFor("dr@clinic.example")->preferred.value_or(""),
            "user:dr@clinic.example:personal");
  EXPECT_EQ(books_->Link("dr@clinic.example", shared_, "owner").error().field, "role");
}

// Saved answers go where the next message's search looks first (issue 18.10: the
// default book is not searched while a book is subscribed).
TEST_F(AddressBooksTest, SavedAnswersGoWhereTheNextSearchLooks) {
  const QuestionAnswer qa{"Code?", "lemon"};
  // Nothing linked: the user's own book, made their default.
  EXPECT_EQ(*books_->SaveToDefaultBook("a@clinic.example", {"x@example.net"}, qa),
            "user:a@clinic.example:default");
  EXPECT_EQ(books_->OrderFor("a@clinic.example")->default_book, "user:a@clinic.example:default");
  // A subscribed book and no preferred one: the user's own book, linked as preferred.
  ASSERT_TRUE(books_->Link("b@clinic.example", shared_, "subscribed").ok());
  EXPECT_EQ(*books_->SaveToDefaultBook("b@clinic.example", {"x@example.net"}, qa),
            "user:b@clinic.example:default");
  EXPECT_EQ(*books_->OrderFor("b@clinic.example")->preferred, "user:b@clinic.example:default");
  // A preferred book: there.
  ASSERT_TRUE(books_->Link("dr@clinic.example", personal_, "preferred").ok());
  ASSERT_TRUE(books_->Link("dr@clinic.example", shared_, "subscribed").ok());
  EXPECT_EQ(*books_->SaveToDefaultBook("dr@clinic.example", {"y@example.net"}, qa),
            personal_.ToString());
  EXPECT_EQ(books_->Question(personal_.ToString(), "y@example.net")->answer, "lemon");
}

TEST_F(AddressBooksTest, ExportReadsBackThroughImport) {
  ASSERT_TRUE(books_->PutQuestion(personal_, "pat@example.net", {"Pet, first?", "Rex \"the\" dog"}).ok());
  ASSERT_TRUE(books_->PutQuestion(personal_, "kid@example.net", {"Q?", "A"}).ok());
  auto csv = books_->ExportQuestionsCsv(personal_);
  ASSERT_TRUE(csv.ok());
  auto report = books_->ImportQuestionsCsv(shared_, *csv);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->imported, 2u);
  EXPECT_TRUE(report->problems.empty());
  EXPECT_EQ(books_->Question(shared_.ToString(), "pat@example.net")->answer, "Rex \"the\" dog");
  auto listing = books_->List(shared_);
  ASSERT_EQ(listing->size(), 2u);
  EXPECT_EQ((*listing)[0].address, "kid@example.net");
  ASSERT_TRUE(books_->Remove(shared_, "kid@example.net").ok());
  EXPECT_EQ(books_->Remove(shared_, "kid@example.net").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(books_->List(shared_)->size(), 1u);
}

TEST_F(AddressBooksTest, AnswersAreSealedAtRest) {
  ASSERT_TRUE(books_->PutQuestion(personal_, "pat@example.net", {"Q?", "SecretAnswer42"}).ok());
  auto book = **store_->FindBook("user", "dr@clinic.example", "personal");
  auto entry = **store_->FindEntry(book.id, "pat@example.net");
  EXPECT_EQ(entry.sealed_data.find("SecretAnswer42"), std::string::npos);
  EXPECT_EQ(ParseBookRef("planet:x:y").error().field, "book");
  EXPECT_FALSE(ParseBookRef("user:only-two").ok());
}

// A kept judgement is used while it holds, and never past its age, the key's own end,
// or for a clock set before it; other bytes or another address are other judgements.
TEST(KeyJudgements, HoldOnlyWhileTheyAreTrue) {
  KeyJudgements judged(/*max_age_seconds=*/3600, /*max_entries=*/2);
  KeyJudgements::Judged key{AddressBookEntry::Kind::kPgpKey, "transferable", false, 10'000};
  judged.Keep("key bytes", "Pat@X.example", 1'000, key);
  auto found = judged.Find("key bytes", "pat@x.example", 1'500);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->data, "transferable");
  EXPECT_FALSE(judged.Find("other bytes", "pat@x.example", 1'500));  // a newer import
  EXPECT_FALSE(judged.Find("key bytes", "kim@x.example", 1'500));
  EXPECT_FALSE(judged.Find("key bytes", "pat@x.example", 999));        // clock set back
  EXPECT_FALSE(judged.Find("key bytes", "pat@x.example", 1'000 + 3600));  // too old
  judged.Keep("short-lived", "pat@x.example", 1'000, {key.kind, "d", false, 1'200});
  EXPECT_TRUE(judged.Find("short-lived", "pat@x.example", 1'199));
  EXPECT_FALSE(judged.Find("short-lived", "pat@x.example", 1'200));  // the key's own end
  // Full (two entries here): it starts afresh rather than grow.
  judged.Keep("third", "pat@x.example", 1'000, key);
  EXPECT_FALSE(judged.Find("key bytes", "pat@x.example", 1'500));
  EXPECT_TRUE(judged.Find("third", "pat@x.example", 1'500));
}

TEST(KeyFiles, AreNamedByTheirAddressEitherWay) {
  EXPECT_EQ(KeyFileAddress("pat@example.net.asc").value_or("?"), "pat@example.net");
  EXPECT_EQ(KeyFileAddress("Sam@Example.NET.PEM").value_or("?"), "Sam@Example.NET");
  EXPECT_EQ(KeyFileAddress("a%2Fb%25c@example.net.der").value_or("?"), "a/b%c@example.net");
  EXPECT_FALSE(KeyFileAddress("notes.txt").has_value());
  EXPECT_FALSE(KeyFileAddress("pat@example.net").has_value());  // ".net" is not a key's
  EXPECT_FALSE(KeyFileAddress(".asc").has_value());
  const std::string odd = "a/b%c@example.net";
  EXPECT_EQ(KeyFileAddress(KeyFileStem(odd) + ".gpg").value_or("?"), odd);
}

}  // namespace
}  // namespace sealpost::policy
