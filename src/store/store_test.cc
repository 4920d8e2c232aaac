#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "audit/pending.h"
#include "base/temp_dir.h"
#include "store/blob_store.h"
#include "store/campaign_store.h"
#include "store/contact_store.h"
#include "store/sqlite/faults.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/stores.h"

namespace sealpost {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = sqlite::Database::Open(dir_.path() + "/db.sqlite");
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(sqlite::NewSigningKeyStore(*db_)->Insert({"key1", "pub", "sealed", 1}).ok());
  }
  TempDir dir_;
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace
}  // namespace sealpost

namespace sealpost {
namespace {

}  // namespace
}  // namespace sealpost

namespace sealpost {
namespace {

}  // namespace
}  // namespace sealpost

namespace sealpost::sqlite {
namespace {

// Group commit: a durable commit returns after a sync of the log, a recoverable one
// without; commits made while a sync runs share the next one.
TEST(Commits, DurableCommitsShareTheSyncsOfTheLog) {
  TempDir dir;
  auto db = std::move(*Database::Open(dir.path() + "/db"));
  const std::uint64_t before = db->log_syncs();  // opening migrated the schema
  ASSERT_TRUE(db->Transaction([&](Connection& c) {
                  return Statement(c, "INSERT INTO spent_content (blob_id) VALUES ('a1')").Run();
                }).ok());
  EXPECT_EQ(db->log_syncs(), before + 1);
  ASSERT_TRUE(db->Transaction([&](Connection& c) -> Status {
                  return Statement(c, "INSERT INTO spent_content (blob_id) VALUES ('b1')").Run();
                }, Database::Commit::kRecoverable).ok());
  EXPECT_EQ(db->log_syncs(), before + 1);
  // Eight writers at once: 400 durable commits, fewer syncs (each one covers every
  // commit written before it began).
  std::vector<std::thread> writers;
  std::atomic<int> failed{0};
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 50; ++i) {
        const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto status = db->Transaction([&](Connection& c) {
          return Statement(c, "INSERT INTO spent_content (blob_id) VALUES (?)").Bind(1, id).Run();
        });
        if (!status.ok()) ++failed;
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failed, 0);
  const std::uint64_t syncs = db->log_syncs() - before - 1;
  EXPECT_LT(syncs, 400u);
  EXPECT_GE(syncs, 1u);
  // What every commit wrote, recoverable or durable, is there for every later reader.
  auto again = std::move(*Database::Open(dir.path() + "/db"));
  std::int64_t rows = 0;
  ASSERT_TRUE(again->Read([&](Connection& c) -> Status {
                     Statement s(c, "SELECT count(*) FROM spent_content");
                     EXPECT_TRUE(*s.Step());
                     rows = s.Int(0);
                     return OkStatus();
                   }).ok());
  EXPECT_EQ(rows, 402);
}

// Statements are kept by their SQL and reused: each use starts unbound and from the
// first row, a statement in use is never handed out twice, and a reader that stops
// early holds no snapshot that would keep the log from being checkpointed.
TEST(KeptStatements, EachUseStartsAfreshAndNestedUsesAreIndependent) {
  TempDir dir;
  auto db = std::move(*Database::Open(dir.path() + "/db"));
  ASSERT_TRUE(db->Transaction([](Connection& c) -> Status {
                  for (int i = 1; i <= 3; ++i) {
                    auto s = Statement(c, "INSERT INTO events (message_id, recipient_id, type, at, "
                                          "client_address, detail) VALUES (?, ?, ?, ?, ?, ?)")
                                 .Bind(1, "m")
                                 .Bind(2, "r" + std::to_string(i))
                                 .Bind(3, "viewed")
                                 .Bind(4, std::int64_t{i})
                                 .Bind(5, "")
                                 .Bind(6, "")
                                 .Run();
                    if (!s.ok()) return s;
                  }
                  return OkStatus();
                }).ok());
  const char* kCount = "SELECT count(*) FROM events WHERE recipient_id = ?";
  ASSERT_TRUE(db->Read([&](Connection& c) -> Status {
                  {
                    Statement bound(c, kCount);
                    bound.Bind(1, "r2");
                    EXPECT_TRUE(*bound.Step());
                    EXPECT_EQ(bound.Int(0), 1);
                  }
                  // The same SQL again: no binding is left over from the last use.
                  Statement unbound(c, kCount);
                  EXPECT_TRUE(*unbound.Step());
                  EXPECT_EQ(unbound.Int(0), 0);  // recipient_id = NULL matches nothing
                  // Nested: the outer one stays where it is while the inner one runs.
                  Statement outer(c, "SELECT recipient_id FROM events ORDER BY at");
                  EXPECT_TRUE(*outer.Step());
                  EXPECT_EQ(outer.Text(0), "r1");
                  {
                    Statement inner(c, "SELECT recipient_id FROM events ORDER BY at");
                    EXPECT_TRUE(*inner.Step());
                    EXPECT_EQ(inner.Text(0), "r1");
                    EXPECT_TRUE(*inner.Step());
                  }
                  EXPECT_TRUE(*outer.Step());
                  EXPECT_EQ(outer.Text(0), "r2");
                  return OkStatus();  // `outer` goes back to the connection mid-way
                }).ok());
  // Had the half-read statement kept its snapshot, the log could not be emptied.
  ASSERT_TRUE(db->Checkpoint().ok());
  EXPECT_EQ(std::filesystem::file_size(dir.path() + "/db-wal"), 0u);
  // And reused from the first row.
  auto first = QueryOne<std::string>(
      *db, "SELECT recipient_id FROM events ORDER BY at", [](Statement&) {},
      [](const Statement& s) { return s.Text(0); });
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(**first, "r1");
}

}  // namespace
}  // namespace sealpost::sqlite

namespace sealpost {
namespace {

// Migration 31: the API keys of a database made before it become clients, with the
// scopes they had in effect (an administrator's key everything, a user's key sending).
TEST(ApiClientMigration, KeysBecomeClientsWithTheirScopes) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    for (int i = 0; i < 30; ++i) {
      ASSERT_EQ(sqlite3_exec(raw, sqlite::kMigrations[i], nullptr, nullptr, nullptr), SQLITE_OK) << i;
    }
    ASSERT_EQ(sqlite3_exec(raw,
                           "PRAGMA user_version = 30;"
                           "INSERT INTO api_keys VALUES ('a1', x'01', 'admin', 'default', 1, NULL, '');"
                           "INSERT INTO api_keys VALUES ('u1', x'02', 'user', 'Clinic', 2, NULL, "
                           "'dr@clinic.example');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto db = sqlite::Database::Open(path);
  ASSERT_TRUE(db.ok()) << db.error().ToString();
  auto clients = sqlite::NewApiClientStore(**db);
  auto admin = clients->Find("a1");
  ASSERT_TRUE(admin.ok() && admin->has_value());
  EXPECT_EQ((*admin)->scopes, "messages:send messages:read admin audit:read");
  EXPECT_EQ((*admin)->secret_hash, std::string("\x01", 1));
  auto user = clients->Find("u1");
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_EQ((*user)->scopes, "messages:send messages:read");
  EXPECT_EQ((*user)->user, "dr@clinic.example");
  EXPECT_EQ(clients->List("Clinic")->size(), 1u);
  EXPECT_EQ(clients->List("")->size(), 2u);
}

// The faulty disk the submission, queue and portal tests use (store/sqlite/faults.h):
// each fault fails what it should with a clear error, a failed transaction keeps
// nothing, and the database goes on once the disk does.
TEST(SqliteFaults, EachFaultFailsItsWorkClearlyAndTheDatabaseGoesOnAfterwards) {
  TempDir dir;
  sqlite::Faults faults;
  const std::string path = dir.path() + "/db";
  {
    auto db = sqlite::Database::Open(path, &faults);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    auto insert = [&](const std::string& id) {
      return (*db)->Transaction([&](sqlite::Connection& c) {
        return sqlite::Statement(c, "INSERT INTO kv VALUES (?, 'v')").Bind(1, id).Run();
      });
    };
    ASSERT_TRUE(
        (*db)
            ->Transaction([](sqlite::Connection& c) {
              return sqlite::Statement(c, "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)").Run();
            })
            .ok());
    ASSERT_TRUE(insert("kept").ok());
    const std::uint64_t before = faults.writes();
    ASSERT_TRUE(insert("counted").ok());
    EXPECT_GT(faults.writes(), before);  // the VFS is in the way
    faults.FailWrite(0);                 // the commit's first write
    auto unwritten = insert("unwritten");
    ASSERT_FALSE(unwritten.ok());
    EXPECT_EQ(unwritten.error().code, ErrorCode::kIo);
    EXPECT_NE(unwritten.error().message.find("disk I/O error"), std::string::npos);
    faults.DiskFull(true);
    auto full = insert("full");
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(full.error().code, ErrorCode::kResourceExhausted);
    EXPECT_NE(full.error().message.find("full"), std::string::npos) << full.error().message;
    faults.Clear();
    faults.FailSync(true);
    auto unsynced = insert("unsynced");
    ASSERT_FALSE(unsynced.ok());
    EXPECT_EQ(unsynced.error().code, ErrorCode::kIo);
    EXPECT_NE(unsynced.error().message.find("sync"), std::string::npos);
    faults.Clear();
    ASSERT_TRUE(insert("after").ok());
    // Blobs under the same faults.
    auto files = NewFileBlobStore(dir.path() + "/blobs");
    ASSERT_TRUE(files.ok());
    auto blobs = faults.Blobs(**files);
    faults.DiskFull(true);
    auto writer = blobs->Create("blob00000001");
    ASSERT_TRUE(writer.ok());
    EXPECT_EQ((*writer)->Append("bytes").error().code, ErrorCode::kResourceExhausted);
    faults.Clear();
  }
  // What another process finds: what committed, and what committed but failed to sync
  // (SQLite had written it; the caller was told it might not be on disk).
  auto db = sqlite::Database::Open(path);
  ASSERT_TRUE(db.ok());
  std::vector<std::string> keys;
  ASSERT_TRUE((*db)
                  ->Read([&](sqlite::Connection& c) -> Status {
                    sqlite::Statement s(c, "SELECT k FROM kv ORDER BY rowid");
                    for (;;) {
                      auto row = s.Step();
                      if (!row.ok()) return std::move(row).error();
                      if (!*row) return OkStatus();
                      keys.push_back(s.Text(0));
                    }
                  })
                  .ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"kept", "counted", "unsynced", "after"}));
}

// A database in memory: the same schema and stores, nothing on disk, gone when closed
// (the conformance suite runs every store on it too).
// A removed blob's file is emptied and kept for the next blob (no inode made or freed);
// what it held is gone either way, and at most a bounded number are kept.
TEST(FileBlobs, ARemovedBlobsFileIsEmptiedAndTakenByTheNextBlob) {
  TempDir dir;
  const std::string root = dir.path() + "/blobs";
  constexpr std::size_t kKept = 40;  // (the default bound is larger: 40 keeps this quick)
  auto store = NewFileBlobStore(root, kKept);
  ASSERT_TRUE(store.ok());
  auto write = [&](const std::string& id, const std::string& bytes) {
    auto w = (*store)->Create(id);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(bytes).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  };
  auto inode = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  };
  write("aa000001", "sealed bytes of the first");
  const auto first_inode = inode(root + "/aa/aa000001");
  ASSERT_NE(first_inode, 0u);
  ASSERT_TRUE((*store)->Remove("aa000001").ok());
  EXPECT_EQ((*store)->Open("aa000001").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(std::filesystem::file_size(root + "/.spare/aa000001"), 0u);  // emptied

  write("bb000002", "the second");
  EXPECT_EQ(inode(root + "/bb/bb000002"), first_inode);  // the same file, renamed
  EXPECT_TRUE(std::filesystem::is_empty(root + "/.spare"));
  auto reader = (*store)->Open("bb000002");
  ASSERT_TRUE(reader.ok());
  std::string read;
  ASSERT_TRUE((*reader)->ReadAt(0, (*reader)->size(), read).ok());
  EXPECT_EQ(read, "the second");  // nothing of the first left at its end

  // Bounded; kept files are taken again by the store opened next time.
  for (int i = 0; i < 50; ++i) write("cc" + std::to_string(100000 + i), "x");
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE((*store)->Remove("cc" + std::to_string(100000 + i)).ok());
  auto count = [&] {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(root + "/.spare"))
      n += e.is_regular_file();
    return n;
  };
  EXPECT_EQ(count(), kKept);
  store->reset();
  store = NewFileBlobStore(root, kKept);
  ASSERT_TRUE(store.ok());
  write("dd000003", "after a restart");
  EXPECT_EQ(count(), kKept - 1);
  EXPECT_EQ((*store)->Remove("missing1").ok(), true);  // removing what is not there is fine
}

// A blob has its name only once committed (a backup skips the dot-named files of writes
// under way), whole; one never committed leaves no file behind.
TEST(FileBlobs, ABlobIsNamedOnlyOnceCommittedAndAnAbandonedOneLeavesNothing) {
  TempDir dir;
  const std::string root = dir.path() + "/blobs";
  auto store = NewFileBlobStore(root);
  ASSERT_TRUE(store.ok());
  auto files = [&](const std::string& sub) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(root + "/" + sub))
      names.push_back(e.path().filename().string());
    return names;
  };
  {
    auto w = (*store)->Create("ee000001");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("half of it").ok());
    EXPECT_EQ((*store)->Open("ee000001").error().code, ErrorCode::kNotFound);
    EXPECT_EQ(files("ee"), (std::vector<std::string>{".ee000001.tmp"}));
    ASSERT_TRUE((*w)->Append(", the rest").ok());
    ASSERT_TRUE((*w)->Commit().ok());
    EXPECT_EQ(files("ee"), (std::vector<std::string>{"ee000001"}));
  }
  auto reader = (*store)->Open("ee000001");
  ASSERT_TRUE(reader.ok());
  std::string read;
  ASSERT_TRUE((*reader)->ReadAt(0, (*reader)->size(), read).ok());
  EXPECT_EQ(read, "half of it, the rest");
  {
    auto w = (*store)->Create("ff000002");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("never committed").ok());
  }
  EXPECT_TRUE(files("ff").empty());
  EXPECT_EQ((*store)->Open("ff000002").error().code, ErrorCode::kNotFound);
}

TEST(SqliteInMemory, HoldsWhatItIsGivenEachDatabaseItsOwn) {
  auto db = sqlite::Database::OpenInMemory();
  ASSERT_TRUE(db.ok()) << db.error().ToString();
  auto org = sqlite::NewOrgStore(**db);
  ASSERT_TRUE(org->CreateAccount({"Lab", "", 1}).ok());
  EXPECT_EQ(org->ListAccounts()->size(), 1u);
  auto again = sqlite::Database::OpenInMemory();
  EXPECT_TRUE(sqlite::NewOrgStore(**again)->ListAccounts()->empty());  // each its own
}

}  // namespace
}  // namespace sealpost
