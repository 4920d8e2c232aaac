#include "app/audit_checkpoints.h"

#include <gtest/gtest.h>

#include "audit/chain.h"
#include "base/temp_dir.h"
#include "crypto/signing.h"
#include "store/sqlite/database.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

TEST(AuditCheckpointerTest, SealsTheHeadOnceAnIntervalWhenRecordsCame) {
  TempDir dir;
  auto db = sqlite::Database::Open(dir.path() + "/sealpost.db");
  ASSERT_TRUE(db.ok());
  auto store = sqlite::NewAuditStore(**db);
  SigningKeyPair pair = GenerateSigningKey();
  SigningIdentity signer{"k1", pair.public_key, pair.secret_key.Copy()};
  ManualClock clock(1790000000);
  auto append = [&](const std::string& action) {
    audit::AuditRecord r;
    r.at = clock.NowUnix();
    r.actor_kind = "system";
    r.action = action;
    r.result = "ok";
    ASSERT_TRUE(store->Append(r).ok());
  };

  AuditCheckpointer checkpointer(*store, signer, clock, 3600);
  EXPECT_EQ(checkpointer.RunOnce().value(), 0);  // an empty trail: nothing to seal
  append("a");
  append("b");
  EXPECT_EQ(checkpointer.RunOnce().value(), 2);
  EXPECT_EQ(checkpointer.RunOnce().value(), 0);  // nothing new
  append("c");
  clock.Advance(3599);
  EXPECT_EQ(checkpointer.RunOnce().value(), 0);  // not yet an hour
  clock.Advance(1);
  EXPECT_EQ(checkpointer.RunOnce().value(), 3);
  // A new process starts from the newest checkpoint in the store.
  AuditCheckpointer restarted(*store, signer, clock, 3600);
  append("d");
  EXPECT_EQ(restarted.RunOnce().value(), 0);

  auto checkpoints = store->Checkpoints();
  ASSERT_TRUE(checkpoints.ok());
  ASSERT_EQ(checkpoints->size(), 2u);
  audit::ChainVerifier verifier(
      [&](const std::string& id) { return id == "k1" ? pair.public_key : std::string(); },
      std::nullopt);
  for (const auto& c : *checkpoints) ASSERT_TRUE(verifier.AddCheckpoint(c));
  auto records = store->Read(0, 10);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 4u);
  for (const auto& r : *records) ASSERT_TRUE(verifier.Add(r));
  EXPECT_EQ(verifier.Finish(), std::nullopt);
}

// Retention: once a day, the records past the period go in passes of at most
// `max_per_pass`, each from a checkpoint signed at its cut with its `audit.pruned`
// record; the rest verifies from the last cut.
TEST(AuditCheckpointerTest, PrunesOnceADayFromASignedCut) {
  TempDir dir;
  auto db = sqlite::Database::Open(dir.path() + "/sealpost.db");
  ASSERT_TRUE(db.ok());
  auto store = sqlite::NewAuditStore(**db);
  SigningKeyPair pair = GenerateSigningKey();
  SigningIdentity signer{"k1", pair.public_key, pair.secret_key.Copy()};
  ManualClock clock(1790000000);
  auto append = [&](const std::string& action) {
    audit::AuditRecord r;
    r.at = clock.NowUnix();
    r.actor_kind = "system";
    r.action = action;
    r.result = "ok";
    ASSERT_TRUE(store->Append(r).ok());
  };
  for (int i = 0; i < 5; ++i) {
    append("old");
    clock.Advance(86400);
  }
  // Now the records are 5, 4, 3, 2 and 1 days old; keep three days.
  auto first_prune = PruneAuditTrail(*store, signer, clock, 3 * 86400, /*max_per_pass=*/1);
  ASSERT_TRUE(first_prune.ok()) << first_prune.error().ToString();
  EXPECT_EQ(*first_prune, 2);
  auto pruned = store->Search({0, 0, "", "", "", "", "audit.pruned", "", 0, 10});
  ASSERT_TRUE(pruned.ok());
  ASSERT_EQ(pruned->size(), 2u);  // one per pass
  EXPECT_EQ((*pruned)[0].subject, "2");
  EXPECT_EQ((*pruned)[1].subject, "1");
  auto start = PrunedStart(*store);
  ASSERT_TRUE(start.ok());
  ASSERT_TRUE(start->has_value());
  EXPECT_EQ((*start)->seq, 2);
  audit::ChainVerifier verifier(
      [&](const std::string& id) { return id == "k1" ? pair.public_key : std::string(); }, *start);
  auto records = store->Read(0, 100);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->front().seq, 3);
  for (const auto& r : *records) ASSERT_TRUE(verifier.Add(r));
  EXPECT_EQ(verifier.Finish(), std::nullopt);

  // The server's daily pass: due at once, then not for a day.
  AuditCheckpointer checkpointer(*store, signer, clock, 3600);
  EXPECT_EQ(*checkpointer.PruneIfDue(2 * 86400), 1);  // record 3 is 3 days old
  clock.Advance(86399);
  EXPECT_EQ(*checkpointer.PruneIfDue(1), 0);  // everything is old now, but not yet a day
  clock.Advance(1);
  auto all_old = checkpointer.PruneIfDue(1);
  ASSERT_TRUE(all_old.ok()) << all_old.error().ToString();
  EXPECT_GT(*all_old, 0);

  // Records cut from the start without a prune are missing, not pruned.
  append("new");
  append("new");
  ASSERT_TRUE((*db)->Transaction([](sqlite::Connection& c) {
                      return sqlite::Statement(c, "DELETE FROM audit_log WHERE seq = (SELECT "
                                                  "MIN(seq) FROM audit_log)")
                          .Run();
                    })
                  .ok());
  auto gap = PrunedStart(*store);
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.error().code, ErrorCode::kIntegrity);
}

}  // namespace
}  // namespace sealpost
