#include "audit/chain.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/encoding.h"
#include "crypto/signing.h"

namespace sealpost::audit {
namespace {

class ChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string prev = GenesisHash();
    for (int i = 1; i <= 10; ++i) {
      AuditRecord r{i,
                    1790000000 + i,
                    "admin_cli",
                    "root",
                    "",
                    "Clinic",
                    "settings.changed",
                    "account:Clinic",
                    "ok",
                    "{\"n\":" + std::to_string(i) + "}",
                    i % 2 == 0 ? "m" + std::to_string(i) : "",
                    i % 4 == 0 ? "pat@example.net" : "",
                    prev,
                    ""};
      r.hash = RecordHash(r);
      prev = r.hash;
      records_.push_back(r);
    }
    // Sealed at record 5 and at the head.
    checkpoints_.push_back(*SignCheckpoint(key_.secret_key, "k1", 5, 1790000005, records_[4].hash));
    checkpoints_.push_back(
        *SignCheckpoint(key_.secret_key, "k1", 10, 1790000010, records_[9].hash));
  }

  // The problem Verify finds in `records` (nullopt: none), and where.
  std::optional<std::string> Verify(const std::vector<AuditRecord>& records,
                                    std::optional<Checkpoint> start = std::nullopt) {
    ChainVerifier v(KeyOf(), start);
    for (const auto& c : checkpoints_) {
      if (!start || c.seq > start->seq) v.AddCheckpoint(c);
    }
    for (const auto& r : records) {
      if (!v.Add(r)) break;
    }
    auto problem = v.Finish();
    seq_ = v.problem_seq();
    return problem;
  }

  ChainVerifier::PublicKeyOf KeyOf() {
    return [this](const std::string& id) { return id == "k1" ? key_.public_key : std::string(); };
  }

  SigningKeyPair key_ = GenerateSigningKey();
  std::vector<AuditRecord> records_;
  std::vector<Checkpoint> checkpoints_;
  std::int64_t seq_ = 0;
};

TEST_F(ChainTest, AnUntouchedChainHolds) {
  EXPECT_EQ(Verify(records_), std::nullopt);
  ChainVerifier v(KeyOf(), std::nullopt);
  for (const auto& r : records_) ASSERT_TRUE(v.Add(r));
  EXPECT_EQ(v.records(), 10);
}

TEST_F(ChainTest, AnAlteredRecordIsNamed) {
  auto edited = records_;
  edited[6].result = "refused";  // the hash left as it was
  auto problem = Verify(edited);
  ASSERT_TRUE(problem);
  EXPECT_EQ(seq_, 7);
  EXPECT_NE(problem->find("record 7 was altered"), std::string::npos) << *problem;
  // Rehashed to hide it: the next record no longer follows it.
  edited[6].hash = RecordHash(edited[6]);
  problem = Verify(edited);
  ASSERT_TRUE(problem);
  EXPECT_EQ(seq_, 8);
  EXPECT_NE(problem->find("does not follow"), std::string::npos) << *problem;
}

TEST_F(ChainTest, ARewrittenChainIsCaughtByItsSignedCheckpoint) {
  // Every hash from record 3 on recomputed after an edit: only the signature tells.
  auto rewritten = records_;
  rewritten[2].details = "{\"n\":99}";
  for (std::size_t i = 2; i < rewritten.size(); ++i) {
    rewritten[i].prev_hash = rewritten[i - 1].hash;
    rewritten[i].hash = RecordHash(rewritten[i]);
  }
  auto problem = Verify(rewritten);
  ASSERT_TRUE(problem);
  EXPECT_EQ(seq_, 5);
  EXPECT_NE(problem->find("not the one its signed checkpoint sealed"), std::string::npos)
      << *problem;
  // A forged checkpoint does not help.
  checkpoints_[0].head_hash = rewritten[4].hash;
  problem = Verify(rewritten);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("not signed by the organisation's key"), std::string::npos) << *problem;
}

TEST_F(ChainTest, RemovedInsertedAndReorderedRecordsAreNamed) {
  auto removed = records_;
  removed.erase(removed.begin() + 3);
  auto problem = Verify(removed);
  ASSERT_TRUE(problem);
  EXPECT_EQ(seq_, 4);
  EXPECT_NE(problem->find("record 4 is missing"), std::string::npos) << *problem;

  auto reordered = records_;
  std::swap(reordered[2], reordered[3]);
  problem = Verify(reordered);
  ASSERT_TRUE(problem);
  EXPECT_EQ(seq_, 3);

  auto inserted = records_;
  inserted.insert(inserted.begin() + 5, records_[2]);  // a copy of record 3 after record 5
  problem = Verify(inserted);
  ASSERT_TRUE(problem);
  EXPECT_EQ(seq_, 3);
  EXPECT_NE(problem->find("inserted or reordered"), std::string::npos) << *problem;

  // Renumbered to look in place: the chain of hashes breaks.
  auto renumbered = inserted;
  for (std::size_t i = 0; i < renumbered.size(); ++i)
    renumbered[i].seq = static_cast<std::int64_t>(i) + 1;
  problem = Verify(renumbered);
  ASSERT_TRUE(problem);
  EXPECT_EQ(seq_, 6);
}

TEST_F(ChainTest, ACutTailIsFoundByTheLastCheckpoint) {
  auto cut = records_;
  cut.resize(7);
  auto problem = Verify(cut);
  ASSERT_TRUE(problem);
  EXPECT_EQ(seq_, 8);
  EXPECT_NE(problem->find("records 8 to 10 are missing"), std::string::npos) << *problem;
}

TEST_F(ChainTest, APrunedChainVerifiesFromTheCheckpointAtTheCut) {
  std::vector<AuditRecord> kept(records_.begin() + 5, records_.end());  // 6..10
  EXPECT_EQ(Verify(kept, checkpoints_[0]), std::nullopt);
  // A kept record that does not follow the cut is found.
  kept.erase(kept.begin());
  auto problem = Verify(kept, checkpoints_[0]);
  ASSERT_TRUE(problem);
  EXPECT_EQ(seq_, 6);
}

// The hash, as written down by hand from the format in chain.h (computed apart, in
// Python): a record without a message or recipient hashes as records did before those
// fields existed, so trails written then still verify.
TEST(RecordHashTest, MatchesTheDocumentedFormat) {
  AuditRecord r{7,       1790000007,         "admin_cli", "root", "127.0.0.1", "Clinic",
                "settings.changed", "account:Clinic", "ok",  "{}"};
  r.prev_hash = GenesisHash();
  EXPECT_EQ(HexEncode(RecordHash(r)),
            "446b6a60441c0337e8257f86dc6f45edf7e325b8fbb86779d268fc061bd173d7");
  r.message_id = "m1";
  r.recipient = "pat@example.net";
  EXPECT_EQ(HexEncode(RecordHash(r)),
            "bc7fae136260d444f27fe2e6c29a9680025cead0744561366316823c7aa845fa");
}

}  // namespace
}  // namespace sealpost::audit
