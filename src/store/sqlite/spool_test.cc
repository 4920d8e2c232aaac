// The spool in a file of its own (store/sqlite/spool.h): a submission ends once, in the
// main database, whatever step a crash falls between.
#include "store/sqlite/spool.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/temp_dir.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/stores.h"
#include "store/test_records.h"

namespace sealpost::sqlite {
namespace {

InboundRecord Spooled(const std::string& id, std::int64_t at, const std::string& blob = "") {
  InboundRecord r;
  r.id = id;
  r.received_at = at;
  r.client_address = "192.0.2.1";
  r.envelope_json = "{}";
  r.sealed_content = blob.empty() ? "sealed" : "";
  r.content_blob = blob;
  r.next_attempt_at = at;
  return r;
}

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*Database::Open(dir_.path() + "/sealpost.db"));
    ASSERT_TRUE(NewSigningKeyStore(*db_)->Insert({"key1", "pub", "sealed", 1}).ok());
    inbound_ = NewInboundStore(*db_);
    messages_ = NewMessageStore(*db_);
  }

  // The main database's transaction of a submission's end, and nothing after it: what a
  // crash between the two steps leaves.
  void MarkOnly(const std::string& id, std::string_view outcome, const std::string& blob = "") {
    ASSERT_TRUE(db_->Transaction([&](Connection& c) {
                     return MarkEnded(c, id, outcome, "too many tries", blob);
                   })
                    .ok());
  }

  std::int64_t Rows(Database& db, const std::string& sql) {
    return QueryOne<std::int64_t>(
               db, sql, [](Statement&) {}, [](const Statement& s) { return s.Int(0); })
        ->value_or(-1);
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<InboundStore> inbound_;
  std::unique_ptr<MessageStore> messages_;
};

TEST_F(SpoolTest, SubmissionsWaitInAFileOfTheirOwn) {
  EXPECT_EQ(SpoolPath("/var/lib/sealpost/sealpost.db"), "/var/lib/sealpost/sealpost.spool.db");
  EXPECT_EQ(SpoolPath("/tmp/db"), "/tmp/db.spool.db");
  ASSERT_TRUE(inbound_->InsertBatch({Spooled("s1", 100)}).ok());
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/sealpost.spool.db"));
  EXPECT_EQ(Rows(db_->spool(), "SELECT count(*) FROM inbound"), 1);
  EXPECT_EQ(Rows(*db_, "SELECT count(*) FROM sqlite_master WHERE name = 'inbound'"), 0);
}

// A message that consumes a submission ends it once: its mark is written with it, the
// spool's row goes, and a second message for the same submission is refused whole.
TEST_F(SpoolTest, AMessageEndsItsSubmissionOnce) {
  ASSERT_TRUE(inbound_->InsertBatch({Spooled("s1", 100, "blob9")}).ok());
  MessageRecord m = testing_records::SampleMessage();
  const std::uint64_t syncs = db_->log_syncs();
  ASSERT_TRUE(messages_->InsertWithNotices(m, {}, {}, "s1").ok());
  // On disk before the spool's row goes: the spool's next sync (any 250's) would make the
  // removal durable, and a power failure then must not have lost the message.
  EXPECT_GT(db_->log_syncs(), syncs);
  EXPECT_EQ(*inbound_->Count(), 0);
  EXPECT_EQ(Rows(*db_, "SELECT count(*) FROM inbound_done WHERE id = 's1'"), 1);
  EXPECT_EQ(Rows(*db_, "SELECT count(*) FROM spent_content WHERE blob_id = 'blob9'"), 1);

  ASSERT_TRUE(inbound_->InsertBatch({Spooled("s2", 100)}).ok());
  MarkOnly("s2", kEndedDone);  // ended, but its row not yet gone
  m.id = "msg2";
  m.recipients[0].id = "rcpt2";
  m.recipients[0].message_id = "msg2";
  auto twice = messages_->InsertWithNotices(m, {}, {}, "s2");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(twice.error().message, kAlreadyProcessed);
  EXPECT_FALSE(messages_->Find("msg2")->has_value());  // rolled back with it
  auto complete = inbound_->Complete("s1", {}, {});    // gone from the spool already
  ASSERT_FALSE(complete.ok());
  EXPECT_EQ(complete.error().message, kAlreadyProcessed);
}

// A crash between the main database's commit and the spool's change leaves the row:
// Claim settles it as its mark says (gone, or a dead letter), and never hands it out.
TEST_F(SpoolTest, ClaimSettlesWhatACrashLeftBetweenTheTwoFiles) {
  ASSERT_TRUE(
      inbound_->InsertBatch({Spooled("done", 100), Spooled("dead", 100), Spooled("live", 100)})
          .ok());
  MarkOnly("done", kEndedDone);
  MarkOnly("dead", kEndedBuried);
  auto claimed = inbound_->Claim(200, 10, 300);
  ASSERT_TRUE(claimed.ok()) << claimed.error().ToString();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, "live");
  EXPECT_EQ(*inbound_->Count(), 2);  // "live", and the dead letter
  auto dead = inbound_->DeadLetters(10);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].id, "dead");
  EXPECT_EQ((*dead)[0].last_error, "too many tries");
  EXPECT_EQ((*dead)[0].attempts, 1);
  EXPECT_TRUE(inbound_->Due(1000, 10)->size() == 1);  // only "live", once its lease ends
}

// A dead letter's mark goes when it is revived, so that it can end again; its second end
// is marked anew.
TEST_F(SpoolTest, ARevivedDeadLetterEndsAgain) {
  ASSERT_TRUE(inbound_->InsertBatch({Spooled("s1", 100)}).ok());
  ASSERT_TRUE(inbound_->Bury("s1", 150, "broken", {}, {}).ok());
  auto again = inbound_->Bury("s1", 151, "broken", {}, {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*inbound_->DeadLetters(10))[0].dead_at, 150);
  EXPECT_EQ(*inbound_->Waiting(), 0);
  ASSERT_TRUE(inbound_->Revive("s1", 160).ok());
  EXPECT_EQ(Rows(*db_, "SELECT count(*) FROM inbound_done"), 0);
  EXPECT_EQ(inbound_->Revive("s1", 161).error().code, ErrorCode::kNotFound);  // not dead now
  ASSERT_EQ(inbound_->Claim(170, 10, 300)->size(), 1u);
  ASSERT_TRUE(inbound_->Complete("s1", {}, {}).ok());
  EXPECT_EQ(*inbound_->Count(), 0);
  EXPECT_EQ(Rows(*db_, "SELECT count(*) FROM inbound_done WHERE outcome = 'done'"), 1);
}

// Old marks are swept: what they say is made durable in the spool, then they go. Younger
// ones stay (their rows may still be being processed). Claim sweeps those an hour old.
TEST_F(SpoolTest, OldMarksAreSettledThenSwept) {
  ASSERT_TRUE(inbound_->InsertBatch({Spooled("old", 100), Spooled("young", 100)}).ok());
  MarkOnly("old", kEndedDone);
  MarkOnly("young", kEndedDone);
  ASSERT_TRUE(db_->Transaction([](Connection& c) {
                   return Statement(c, "UPDATE inbound_done SET at = 1000 WHERE id = 'old'").Run();
                 })
                  .ok());
  auto swept = SweepMarks(*db_, 1000, 100);  // those written before 1000: none
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 0u);
  swept = SweepMarks(*db_, 1001, 100);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 1u);
  EXPECT_EQ(Rows(*db_, "SELECT count(*) FROM inbound_done"), 1);  // "young"
  auto left = inbound_->Due(1000, 10);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].id, "young");
}

// Marks come as fast as mail: a sweep that fills its batch is followed by another at the
// next Claim, not a minute later, so that they never pile up.
TEST_F(SpoolTest, ClaimSweepsOldMarksAsFastAsTheyCome) {
  ASSERT_TRUE(db_->Transaction([](Connection& c) -> Status {
                   for (int i = 0; i < 1500; ++i) {
                     auto put = Statement(c,
                                          "INSERT INTO inbound_done (id, outcome, at) "
                                          "VALUES (?, 'done', 1000)")
                                    .Bind(1, "m" + std::to_string(i))
                                    .Run();
                     if (!put.ok()) return put;
                   }
                   return OkStatus();
                 })
                  .ok());
  const std::int64_t now = 1000 + 3601;  // an hour and a second later
  ASSERT_TRUE(inbound_->Claim(now, 10, now + 300).ok());
  EXPECT_EQ(Rows(*db_, "SELECT count(*) FROM inbound_done"), 500);  // one batch swept
  ASSERT_TRUE(inbound_->Claim(now, 10, now + 300).ok());
  EXPECT_EQ(Rows(*db_, "SELECT count(*) FROM inbound_done"), 0);  // the rest, at once
}

// A database spooled by an older version keeps its submissions: they move into the spool
// when it opens, and the old table goes.
TEST(SpoolMove, SubmissionsOfAnOlderVersionMoveIntoTheSpool) {
  TempDir dir;
  const std::string path = dir.path() + "/sealpost.db";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    for (int i = 0; i < 47; ++i) {
      ASSERT_EQ(sqlite3_exec(raw, kMigrations[i], nullptr, nullptr, nullptr), SQLITE_OK) << i;
    }
    std::string rows = "PRAGMA user_version = 47;";
    for (int i = 0; i < 600; ++i) {  // more than one chunk
      rows +=
          "INSERT INTO inbound (id, received_at, client_address, auth_user, envelope, "
          "sealed_content, next_attempt_at, dead_at) VALUES ('s" +
          std::to_string(i) + "', 5, '192.0.2.1', '', '{}', x'00ff', 5, " +
          (i == 7 ? "9" : "NULL") + ");";
    }
    ASSERT_EQ(sqlite3_exec(raw, rows.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  auto db = Database::Open(path);
  ASSERT_TRUE(db.ok()) << db.error().ToString();
  auto inbound = NewInboundStore(**db);
  EXPECT_EQ(*inbound->Count(), 600);
  EXPECT_EQ(*inbound->Waiting(), 599);
  auto dead = inbound->DeadLetters(10);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].id, "s7");
  EXPECT_EQ((*dead)[0].sealed_content, std::string("\x00\xff", 2));
  auto table = QueryOne<std::int64_t>(
      **db, "SELECT count(*) FROM sqlite_master WHERE name = 'inbound'", [](Statement&) {},
      [](const Statement& s) { return s.Int(0); });
  EXPECT_EQ(**table, 0);
}

}  // namespace
}  // namespace sealpost::sqlite
