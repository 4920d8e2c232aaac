// Backup and restore of a SQLite installation (app/backup.h), with the server's stores
// open and working while the copy is taken.
#include "app/backup.h"

#include <gtest/gtest.h>

#include <string>

#include "app/open_stores.h"
#include "app/setup.h"
#include "base/clock.h"
#include "base/temp_dir.h"
#include "store/test_records.h"

namespace sealpost {
namespace {

InboundRecord Submission(const std::string& id) {
  InboundRecord r;
  r.id = id;
  r.received_at = 100;
  r.client_address = "192.0.2.1";
  r.envelope_json = "{}";
  r.sealed_content = "sealed";
  r.next_attempt_at = 100;
  return r;
}

// The spool and the database are copied one after the other. A submission the processor
// ends between the two copies (its message stored and marked in the database, its row
// removed from the spool) must come back once: as the message, and not again as a
// submission to process. Copied the other way round it would be in neither copy.
TEST(BackupTest, ASubmissionEndedBetweenTheTwoCopiesComesBackOnceAsItsMessage) {
  TempDir dir;
  auto init = InitDataDir(dir.path() + "/data", /*dev=*/false);
  ASSERT_TRUE(init.ok()) << init.error().ToString();
  auto config = LoadConfig(init->config_path);
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  auto stores = OpenStores(*config);
  ASSERT_TRUE(stores.ok()) << stores.error().ToString();
  Stores& live = **stores;
  ASSERT_TRUE(live.signing_keys->Insert({"key1", "pub", "sealed", 1}).ok());
  ASSERT_TRUE(live.inbound->InsertBatch({Submission("ended"), Submission("waiting")}).ok());

  const MessageRecord message = testing_records::SampleMessage();
  std::vector<std::string> steps;
  ManualClock clock(1000);
  auto backup = Backup(*config, live, dir.path() + "/backup", /*include_master_key=*/true, clock,
                       [&](const std::string& step) {
                         steps.push_back(step);
                         if (step.rfind("copying the database", 0) != 0) return;
                         // The spool is copied; the processor ends "ended" now.
                         auto ended = live.messages->InsertWithNotices(message, {}, {}, "ended");
                         ASSERT_TRUE(ended.ok()) << ended.error().ToString();
                       });
  ASSERT_TRUE(backup.ok()) << backup.error().ToString();
  ASSERT_GE(steps.size(), 2u);
  EXPECT_EQ(steps[0].rfind("copying the SMTP spool", 0), 0u);  // the spool first
  EXPECT_EQ(steps[1].rfind("copying the database", 0), 0u);
  EXPECT_EQ(*live.inbound->Count(), 1);  // the live server: "waiting" only

  auto restored_at = dir.path() + "/restored/config.toml";
  auto restore = Restore(dir.path() + "/backup", restored_at, "", [](const std::string&) {});
  ASSERT_TRUE(restore.ok()) << restore.error().ToString();
  auto restored_config = LoadConfig(restored_at);
  ASSERT_TRUE(restored_config.ok()) << restored_config.error().ToString();
  auto restored = OpenStores(*restored_config);
  ASSERT_TRUE(restored.ok()) << restored.error().ToString();
  EXPECT_TRUE((*restored)->messages->Find(message.id)->has_value());
  // The restored spool still holds "ended" (copied before it ended), but claiming settles
  // it by the mark its message left, and hands out only "waiting".
  auto claimed = (*restored)->inbound->Claim(2000, 10, 3000);
  ASSERT_TRUE(claimed.ok()) << claimed.error().ToString();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, "waiting");
  EXPECT_EQ(*(*restored)->inbound->Count(), 1);
}

}  // namespace
}  // namespace sealpost
