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

}  // namespace
}  // namespace sealpost
