#include "app/key_rotation.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "base/temp_dir.h"
#include "crypto/random.h"
#include "dkim/domain_signer.h"
#include "policy/org_directory.h"
#include "store/sqlite/database.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

namespace fs = std::filesystem;

std::string Bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<SecretBytes> Keys(std::initializer_list<const SecretBytes*> keys) {
  std::vector<SecretBytes> out;
  for (const auto* k : keys) out.push_back(k->Copy());
  return out;
}

class RotationFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateMasterKeyFile(path_).ok());
    old_ = Bytes(path_);
  }
  TempDir dir_;
  const std::string path_ = dir_.path() + "/master.key";
  const std::string previous_ = PreviousMasterKeyPath(path_);
  const std::string next_ = path_ + ".next";
  std::string old_;
};

TEST_F(RotationFilesTest, StartKeepsTheOldKeyAsPreviousAndEndRemovesIt) {
  EXPECT_FALSE(RotationUnderWay(path_));
  ASSERT_TRUE(StartRotation(path_).ok());
  EXPECT_TRUE(RotationUnderWay(path_));
  EXPECT_EQ(Bytes(previous_), old_);
  const std::string fresh = Bytes(path_);
  EXPECT_EQ(fresh.size(), kMasterKeySize);
  EXPECT_NE(fresh, old_);
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(next_));
  // Again while under way: nothing new.
  ASSERT_TRUE(StartRotation(path_).ok());
  EXPECT_EQ(Bytes(path_), fresh);
  auto keys = LoadMasterKeys(path_);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ(std::string((*keys)[0].view()), fresh);
  EXPECT_EQ(std::string((*keys)[1].view()), old_);

  ASSERT_TRUE(EndRotation(path_).ok());
  EXPECT_FALSE(RotationUnderWay(path_));
  EXPECT_EQ(LoadMasterKeys(path_)->size(), 1u);
  EXPECT_EQ(Bytes(path_), fresh);
}

TEST_F(RotationFilesTest, AStartCutShortBeforeTheLinkUsesTheKeyItHadWritten) {
  ASSERT_TRUE(CreateMasterKeyFile(next_).ok());
  const std::string next = Bytes(next_);
  ASSERT_TRUE(StartRotation(path_).ok());
  EXPECT_EQ(Bytes(path_), next);
  EXPECT_EQ(Bytes(previous_), old_);
}

TEST_F(RotationFilesTest, AStartCutShortAfterTheLinkIsCompleted) {
  ASSERT_TRUE(CreateMasterKeyFile(next_).ok());
  const std::string next = Bytes(next_);
  ASSERT_EQ(::link(path_.c_str(), previous_.c_str()), 0);
  // Both names still hold the old key: it opens everything, as before the start.
  EXPECT_EQ(LoadMasterKeys(path_)->size(), 2u);
  ASSERT_TRUE(StartRotation(path_).ok());
  EXPECT_EQ(Bytes(path_), next);
  EXPECT_EQ(Bytes(previous_), old_);
  EXPECT_FALSE(fs::exists(next_));
}

TEST_F(RotationFilesTest, ADamagedNextKeyIsReportedNotReplaced) {
  std::ofstream(next_) << "short";
  ::chmod(next_.c_str(), 0600);
  auto started = StartRotation(path_);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Bytes(path_), old_);
  EXPECT_FALSE(RotationUnderWay(path_));
}

// Real SQLite, real components sealing real values.
class RewrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = sqlite::Database::Open(dir_.path() + "/sealpost.db");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    org_ = sqlite::NewOrgStore(*db_);
    keys_ = sqlite::NewKeyStore(*db_);
    auto ring = KeyRing::Derive(a_);
    ring_.emplace(std::move(*ring));
    ASSERT_TRUE(LoadLookupKey(*keys_, *ring_, a_).ok());
    lookup_ = std::string(ring_->lookup().view());
    directory_.emplace(*org_, ring_->metadata(), clock_);
    for (int i = 0; i < 10; ++i) {
      const std::string name = "Account" + std::to_string(i);
      ASSERT_TRUE(directory_->CreateAccount(name).ok());
      const std::string question = "default_question=Code " + std::to_string(i) + "?|1956";
      ASSERT_TRUE(directory_->Set(OrgLevel::kAccount, name, {question}).ok());
    }
    ASSERT_TRUE(directory_->CreateDomain("clinic.example", "Account0").ok());
    dkim::DomainSigner signer(*org_, ring_->metadata(), clock_);
    ASSERT_TRUE(signer.CreateKey("clinic.example", dkim::Algorithm::kEd25519Sha256, "s1").ok());
  }

  const ColumnTally& Of(const std::vector<ColumnTally>& tallies, const std::string& name) {
    for (const auto& t : tallies) {
      if (t.name == name) return t;
    }
    static const ColumnTally none;
    ADD_FAILURE() << "no column " << name;
    return none;
  }

  std::vector<ColumnTally> Survey() {
    auto tallies = PassOverSealed(*keys_, *ring_, /*rewrap=*/false, nullptr);
    EXPECT_TRUE(tallies.ok());
    return tallies.ok() ? *tallies : std::vector<ColumnTally>{};
  }

  TempDir dir_;
  ManualClock clock_{1790000000};
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<OrgStore> org_;
  std::unique_ptr<KeyStore> keys_;
  SecretBytes a_ = RandomSecret(kMasterKeySize), b_ = RandomSecret(kMasterKeySize);
  std::optional<KeyRing> ring_;
  std::string lookup_;
  std::optional<policy::OrgDirectory> directory_;
};

TEST_F(RewrapTest, APassCutShortResumesAndTheNewKeyAloneOpensEverything) {
  ASSERT_TRUE(ring_->Reload(Keys({&b_, &a_})).ok());
  // Sealing now uses the new key; what was sealed before still opens.
  ASSERT_TRUE(directory_->CreateAccount("Late").ok());
  EXPECT_TRUE(directory_->Settings(OrgLevel::kAccount, "Account3").ok());

  // Cut short after four values: the lookup key and three accounts.
  auto partial = PassOverSealed(*keys_, *ring_, true, nullptr, /*budget=*/4, /*batch=*/3);
  ASSERT_TRUE(partial.ok()) << partial.error().ToString();
  EXPECT_EQ(Of(*partial, "sealed_keys.sealed").rewrapped, 1);
  EXPECT_EQ(Of(*partial, "accounts.sealed_settings").rewrapped, 3);
  auto survey = Survey();
  const ColumnTally& accounts = Of(survey, "accounts.sealed_settings");
  EXPECT_EQ(accounts.values, 11);
  EXPECT_EQ(accounts.newest, 4);  // three re-wrapped, and "Late"
  EXPECT_EQ(accounts.unreadable, 0);

  std::vector<std::int64_t> seen;
  auto rest = PassOverSealed(
      *keys_, *ring_, true, [&](const ColumnTally& t) { seen.push_back(t.seen); }, -1, 3);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(Of(*rest, "accounts.sealed_settings").rewrapped, 7);
  EXPECT_EQ(Of(*rest, "domains.sealed_settings").rewrapped, 1);
  EXPECT_EQ(Of(*rest, "dkim_keys.sealed_private").rewrapped, 1);
  EXPECT_FALSE(seen.empty());  // progress was told

  // The previous key gone: everything opens under the new key alone.
  ASSERT_TRUE(ring_->Reload(Keys({&b_})).ok());
  for (const auto& t : Survey()) {
    EXPECT_EQ(t.newest, t.values) << t.name;
    EXPECT_EQ(t.unreadable, 0) << t.name;
  }
  auto settings = directory_->Settings(OrgLevel::kAccount, "Account7");
  ASSERT_TRUE(settings.ok()) << settings.error().ToString();
  dkim::DomainSigner signer(*org_, ring_->metadata(), clock_);
  auto signature = signer.Sign("From: a@clinic.example\r\nSubject: x\r\n\r\nbody\r\n");
  ASSERT_TRUE(signature.ok()) << signature.error().ToString();
  EXPECT_NE(signature->find("d=clinic.example"), std::string::npos);
  // The lookup key is the same bytes, re-wrapped: lookups made before still match.
  KeyRing fresh = std::move(*KeyRing::Derive(b_));
  ASSERT_TRUE(LoadLookupKey(*keys_, fresh, b_).ok());
  EXPECT_EQ(std::string(fresh.lookup().view()), lookup_);
}

TEST_F(RewrapTest, ValuesUnderNoKeyOfTheRingAreCountedNeverRewritten) {
  const SecretBytes c = RandomSecret(kMasterKeySize);
  ASSERT_TRUE(ring_->Reload(Keys({&c})).ok());
  auto pass = PassOverSealed(*keys_, *ring_, true, nullptr);
  ASSERT_TRUE(pass.ok());
  const ColumnTally& accounts = Of(*pass, "accounts.sealed_settings");
  EXPECT_EQ(accounts.unreadable, 10);
  EXPECT_EQ(accounts.rewrapped, 0);
  EXPECT_EQ(accounts.unreadable_rows.size(), 5u);
  // Untouched: the right key still opens them.
  ASSERT_TRUE(ring_->Reload(Keys({&a_})).ok());
  EXPECT_TRUE(directory_->Settings(OrgLevel::kAccount, "Account9").ok());
}

TEST_F(RewrapTest, AValueChangedSinceItWasReadIsLeftToItsWriter) {
  SealedColumn accounts{"accounts", "sealed_settings", {"name"}};
  auto cells = keys_->SealedCells(accounts, 0, 1);
  ASSERT_TRUE(cells.ok());
  ASSERT_EQ(cells->size(), 1u);
  auto written = keys_->ReplaceSealed(accounts, {{(*cells)[0].row, "not what is there", "new"}});
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, 0);
  written =
      keys_->ReplaceSealed(accounts, {{(*cells)[0].row, (*cells)[0].value, (*cells)[0].value}});
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, 1);
  // A name that is not an identifier never reaches SQL.
  auto refused = keys_->CountSealed({"accounts; DROP TABLE accounts", "sealed_settings", {}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(RewrapTest, EverySealedColumnIsRotatedOrSealedByAKeyOfItsOwn) {
  // Sealed under keys that are not the master key's, so not re-wrapped: the message
  // keys (wrapped by the recipient's key), manifests (by the message key), and what a
  // namespace's own key seals, and a form submission's answers (its own key).
  const std::set<std::string> other_keys = {"recipients.wrapped_key", "recipients.center_key",
                                            "messages.center_key", "messages.center_subject",
                                            "messages.sealed_manifest",
                                            // a kept form submission, by its own key
                                            "form_submissions.sealed",
                                            // a portal session, by its cookie's token
                                            "portal_sessions.sealed"};
  std::set<std::string> rotated;
  for (const auto& c : MasterKeyColumns()) rotated.insert(c.column.table + "." + c.column.column);
  std::set<std::string> columns;
  for (sqlite::Database* db : {db_.get(), &db_->spool()}) {  // the spool's too
    auto status = db->Read([&](sqlite::Connection& conn) -> Status {
      sqlite::Statement tables(conn, "SELECT name FROM sqlite_master WHERE type = 'table'");
      std::vector<std::string> names;
      while (*tables.Step()) names.push_back(tables.Text(0));
      for (const auto& table : names) {
        sqlite::Statement info(conn, "SELECT name FROM pragma_table_info(?)");
        info.Bind(1, table);
        while (*info.Step()) columns.insert(table + "." + info.Text(0));
      }
      return OkStatus();
    });
    ASSERT_TRUE(status.ok());
  }
  for (const auto& name : columns) {
    const std::string column = name.substr(name.find('.') + 1);
    const bool sealed = column.find("sealed") != std::string::npos ||
                        column.find("wrapped") != std::string::npos || column == "content_key" ||
                        column.rfind("center_", 0) == 0;
    if (!sealed) continue;
    EXPECT_TRUE(rotated.count(name) || other_keys.count(name))
        << name << " looks sealed: add it to MasterKeyColumns() or say which key seals it";
  }
  for (const auto& c : MasterKeyColumns()) {
    EXPECT_TRUE(columns.count(c.column.table + "." + c.column.column)) << c.column.column;
    for (const auto& b : c.column.binding)
      EXPECT_TRUE(columns.count(c.column.table + "." + b)) << b;
  }
}

TEST(KeyHolderTest, AProcessThatEndedIsGone) {
  const SecretBytes key = RandomSecret(kMasterKeySize);
  KeyRing ring = std::move(*KeyRing::Derive(key));
  ManualClock clock(1790000000);
  KeyHolderRecord me = ThisHolder(ring, clock);
  EXPECT_EQ(me.key_id, KeyRing::KeyId(key));
  EXPECT_EQ(me.key_id.size(), 16u);
  EXPECT_FALSE(HolderGone(me));
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  KeyHolderRecord ended = me;
  ended.pid = child;
  EXPECT_TRUE(HolderGone(ended));
  EXPECT_FALSE(AskHolderToReload(ended));
  KeyHolderRecord elsewhere = me;
  elsewhere.host = "another-host.example";
  EXPECT_FALSE(HolderGone(elsewhere));  // not ours to judge
  EXPECT_FALSE(AskHolderToReload(elsewhere));
}

}  // namespace
}  // namespace sealpost
