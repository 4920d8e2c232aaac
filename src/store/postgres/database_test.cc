// pg::Database against a real PostgreSQL (a cluster of the suite's own, on loopback):
// types both ways, rollback, serialisation failures retried, deadlines on statements and
// on the pool, migrations applied once by nodes that start together.
#include "store/postgres/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <future>
#include <thread>

#include "store/limit_events.h"
#include "store/postgres/schema.h"
#include "store/postgres/stores.h"
#include "store/postgres/test_cluster.h"

namespace sealpost::pg {
namespace {

TEST(NumberPlaceholdersTest, NumbersOnlyPlaceholdersOutsideQuotesAndComments) {
  EXPECT_EQ(NumberPlaceholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
  EXPECT_EQ(NumberPlaceholders("SELECT '?', \"a?\", 'it''s ?' FROM t WHERE x = ?"),
            "SELECT '?', \"a?\", 'it''s ?' FROM t WHERE x = $1");
  EXPECT_EQ(NumberPlaceholders("SELECT 1 -- why?\nWHERE a = ? /* b = ? */ AND c = ?"),
            "SELECT 1 -- why?\nWHERE a = $1 /* b = ? */ AND c = $2");
  EXPECT_EQ(NumberPlaceholders("UPDATE t SET a = ?1, b = ?12 WHERE c = ?1 AND d = '?2'"),
            "UPDATE t SET a = $1, b = $12 WHERE c = $1 AND d = '?2'");
}

TEST(SqlStateTest, ReadsTheStateAtTheEndOfTheMessage) {
  EXPECT_EQ(SqlState(MakeError(ErrorCode::kUnavailable, "PostgreSQL: x (SQLSTATE 40001)")),
            "40001");
  EXPECT_EQ(SqlState(MakeError(ErrorCode::kIo, "no state here")), "");
}

const std::vector<std::string> kSchema = {
    "CREATE TABLE items (id text PRIMARY KEY, body bytea, n bigint, small integer)",
    // A migration that must run once however many nodes start at the same moment.
    "CREATE TABLE starts (n integer); INSERT INTO starts VALUES (1)",
};

class PostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cluster = TestCluster::Start();
    ASSERT_TRUE(cluster.ok()) << cluster.error().ToString();
    cluster_ = std::move(*cluster).release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  // A database of the test's own, migrated.
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    auto conninfo = cluster_->CreateDatabase(std::string("t_") + info->name());
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().ToString();
    options_.conninfo = *conninfo;
    auto db = Database::Open(options_, kSchema);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(*db);
  }

  static TestCluster* cluster_;
  Database::Options options_;
  std::unique_ptr<Database> db_;
};

TestCluster* PostgresTest::cluster_ = nullptr;

TEST_F(PostgresTest, TextBytesIntegersAndNullsComeBackAsTheyWent) {
  const std::string bytes("\x00\x01\xff\xfe'\"?\\x", 10);
  ASSERT_TRUE(db_->Transaction([&](Connection& c) -> Status {
                   return Statement(c, "INSERT INTO items VALUES (?, ?, ?, ?)")
                       .Bind(1, "caf\xc3\xa9 ?")
                       .BindBlob(2, bytes)
                       .Bind(3, std::int64_t{-9007199254740993})
                       .Bind(4, std::optional<std::int64_t>{})
                       .Run();
                 })
                  .ok());
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
                   Statement s(c, "SELECT id, body, n, small, count(*) OVER () FROM items");
                   auto row = s.Step();
                   EXPECT_TRUE(row.ok() && *row);
                   EXPECT_EQ(s.Text(0), "caf\xc3\xa9 ?");
                   EXPECT_EQ(s.Text(1), bytes);
                   EXPECT_EQ(s.Int(2), -9007199254740993);
                   EXPECT_TRUE(s.IsNull(3));
                   EXPECT_EQ(s.OptionalInt(3), std::nullopt);
                   EXPECT_EQ(s.Int(4), 1);
                   row = s.Step();
                   EXPECT_TRUE(row.ok() && !*row);
                   return OkStatus();
                 })
                  .ok());
}

TEST_F(PostgresTest, AFailedBodyLeavesNothingAndADuplicateSaysSo) {
  auto insert = [&](const char* id) {
    return db_->Transaction([&](Connection& c) -> Status {
      return Statement(c, "INSERT INTO items (id) VALUES (?)").Bind(1, id).Run();
    });
  };
  ASSERT_TRUE(insert("a").ok());
  Status failed = db_->Transaction([&](Connection& c) -> Status {
    if (auto s = Statement(c, "INSERT INTO items (id) VALUES ('b')").Run(); !s.ok()) return s;
    return MakeError(ErrorCode::kInvalidArgument, "the body changed its mind");
  });
  EXPECT_EQ(failed.error().code, ErrorCode::kInvalidArgument);
  Status duplicate = insert("a");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(SqlState(duplicate.error()), "23505");
  EXPECT_EQ(duplicate.error().message.find("(a)"), std::string::npos);  // no row values
  // Text that is not UTF-8: refused, and the message does not quote its bytes.
  Status bad = db_->Transaction([&](Connection& c) -> Status {
    return Statement(c, "INSERT INTO items (id) VALUES (?)").Bind(1, "secr\xe9t").Run();
  });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(SqlState(bad.error()), "22021") << bad.error().message;
  EXPECT_EQ(bad.error().message.find("0xe9"), std::string::npos) << bad.error().message;
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
                   Statement s(c, "SELECT count(*) FROM items");
                   EXPECT_TRUE(*s.Step());
                   EXPECT_EQ(s.Int(0), 1);  // 'b' rolled back
                   return OkStatus();
                 })
                  .ok());
}

// Two transactions read the same rows and each writes what the other read (write skew):
// SERIALIZABLE lets only one commit as it is; the other is run again and then sees it.
TEST_F(PostgresTest, ASerialisationFailureRunsTheBodyAgain) {
  std::barrier both_read(2);
  std::atomic<int> runs{0};
  auto claim = [&](const char* id) {
    return db_->Transaction([&, id](Connection& c) -> Status {
      const bool first = runs.fetch_add(1) < 2;
      Statement count(c, "SELECT count(*) FROM items");
      auto row = count.Step();
      if (!row.ok()) return std::move(row).error();
      const std::int64_t seen = count.Int(0);
      if (first) both_read.arrive_and_wait();  // both have read before either writes
      return Statement(c, "INSERT INTO items (id, n) VALUES (?, ?)")
          .Bind(1, id)
          .Bind(2, seen)
          .Run();
    });
  };
  auto a = std::async(std::launch::async, claim, "a");
  auto b = std::async(std::launch::async, claim, "b");
  Status sa = a.get(), sb = b.get();
  ASSERT_TRUE(sa.ok()) << sa.error().ToString();
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  // The loser may fail more than once: its retry can start before the winner commits and
  // meet the same conflict. Each retry runs the body once more, and nothing else does.
  EXPECT_GE(db_->retries(), 1u);
  EXPECT_EQ(static_cast<std::uint64_t>(runs.load()), 2 + db_->retries());
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
                   Statement s(c, "SELECT n FROM items ORDER BY n");
                   EXPECT_TRUE(*s.Step());
                   EXPECT_EQ(s.Int(0), 0);
                   EXPECT_TRUE(*s.Step());
                   EXPECT_EQ(s.Int(0), 1);  // the retried one saw the other's row
                   return OkStatus();
                 })
                  .ok());
}

TEST_F(PostgresTest, AStatementPastItsDeadlineFailsClearly) {
  options_.statement_timeout = std::chrono::milliseconds(200);
  auto db = Database::Open(options_, kSchema);
  ASSERT_TRUE(db.ok()) << db.error().ToString();
  Status slow = (*db)->Read(
      [&](Connection& c) -> Status { return Statement(c, "SELECT pg_sleep(5)").Run(); });
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(SqlState(slow.error()), "57014") << slow.error().message;
  // The connection is usable again.
  EXPECT_TRUE((*db)->Read([&](Connection& c) { return Statement(c, "SELECT 1").Run(); }).ok());
}

TEST_F(PostgresTest, AFullPoolFailsAtItsDeadlineAndServesOnceFreed) {
  options_.pool_size = 1;
  options_.acquire_timeout = std::chrono::milliseconds(200);
  auto opened = Database::Open(options_, kSchema);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  Database& db = **opened;
  std::promise<void> holding, release;
  auto holder = std::async(std::launch::async, [&] {
    return db.Read([&](Connection&) -> Status {
      holding.set_value();
      release.get_future().wait();
      return OkStatus();
    });
  });
  holding.get_future().wait();
  Status waited = db.Read([](Connection&) { return OkStatus(); });
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(waited.error().message.find("no connection free within 200 ms"), std::string::npos);
  release.set_value();
  EXPECT_TRUE(holder.get().ok());
  EXPECT_TRUE(db.Read([](Connection& c) { return Statement(c, "SELECT 1").Run(); }).ok());
}

TEST_F(PostgresTest, NodesStartingTogetherMigrateOnce) {
  auto conninfo = cluster_->CreateDatabase("t_together");
  ASSERT_TRUE(conninfo.ok()) << conninfo.error().ToString();
  options_.conninfo = *conninfo;
  std::vector<std::future<Result<std::unique_ptr<Database>>>> nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(
        std::async(std::launch::async, [&] { return Database::Open(options_, kSchema); }));
  }
  std::vector<std::unique_ptr<Database>> opened;
  for (auto& n : nodes) {
    auto db = n.get();
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    opened.push_back(std::move(*db));
  }
  EXPECT_EQ(*opened[0]->SchemaVersion(), 2);
  ASSERT_TRUE(opened[1]
                  ->Read([&](Connection& c) -> Status {
                    Statement s(c, "SELECT count(*) FROM starts");
                    EXPECT_TRUE(*s.Step());
                    EXPECT_EQ(s.Int(0), 1);
                    return OkStatus();
                  })
                  .ok());
  // A node that knows fewer migrations than the database has refuses to start.
  auto older = Database::Open(options_, {kSchema[0]});
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error().code, ErrorCode::kFailedPrecondition);
}

// A kept connection that the server has closed since (a restart, a failover, an
// administrator's pg_terminate_backend) is replaced; the transaction does not fail.
TEST_F(PostgresTest, AConnectionTheServerClosedIsReplaced) {
  ASSERT_TRUE(db_->Read([](Connection& c) { return Statement(c, "SELECT 1").Run(); }).ok());
  auto admin = Database::Open(options_, kSchema);
  ASSERT_TRUE(admin.ok()) << admin.error().ToString();
  ASSERT_TRUE((*admin)
                  ->Transaction([](Connection& c) -> Status {
                    Statement s(c,
                                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()");
                    auto row = s.Step();
                    if (!row.ok()) return std::move(row).error();
                    EXPECT_EQ(s.Int(0), 1);  // the idle one db_ keeps
                    return OkStatus();
                  })
                  .ok());
  Status after = db_->Transaction(
      [](Connection& c) { return Statement(c, "INSERT INTO items (id) VALUES ('after')").Run(); });
  EXPECT_TRUE(after.ok()) << after.error().ToString();
}

// A job two nodes both start runs on one: the other is told someone has it, until the
// holder lets go — or dies, and its session with it.
TEST_F(PostgresTest, AJobLockIsHeldByOneNodeAtATime) {
  auto other = Database::Open(options_, kSchema);
  ASSERT_TRUE(other.ok()) << other.error().ToString();
  auto sweep = db_->TryJobLock("expiry-sweep");
  ASSERT_TRUE(sweep.ok()) << sweep.error().ToString();
  ASSERT_NE(*sweep, nullptr);
  auto taken = (*other)->TryJobLock("expiry-sweep");
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(*taken, nullptr);
  auto reports = (*other)->TryJobLock("tls-reports");  // another job is free
  ASSERT_TRUE(reports.ok());
  EXPECT_NE(*reports, nullptr);
  sweep->reset();  // let go
  auto now = (*other)->TryJobLock("expiry-sweep");
  ASSERT_TRUE(now.ok());
  ASSERT_NE(*now, nullptr);
  // The holder's session ends (its node died): the lock goes with it.
  ASSERT_TRUE(db_->Transaction([](Connection& c) {
                   return Statement(c,
                                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid()")
                       .Run();
                 })
                  .ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Result<std::unique_ptr<JobLock>> after = std::unique_ptr<JobLock>();
  do {
    if (after.ok() && *after == nullptr) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the server is ending it
    }
    after = db_->TryJobLock("expiry-sweep");
    ASSERT_TRUE(after.ok()) << after.error().ToString();
  } while (*after == nullptr && std::chrono::steady_clock::now() < deadline);
  EXPECT_NE(*after, nullptr);
}

TEST_F(PostgresTest, AnUnreachableServerIsAClearError) {
  Database::Options o;
  o.conninfo = "host=127.0.0.1 port=1 user=sealpost dbname=none";
  auto db = Database::Open(o, kSchema);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(db.error().message.find("cannot connect"), std::string::npos);
}

// A recoverable commit does not wait for the log to be flushed (synchronous_commit off,
// for that transaction only); a durable one does; both are seen at once.
TEST_F(PostgresTest, ARecoverableCommitIsAsynchronousForItsOwnTransactionOnly) {
  int n = 0;
  auto setting = [&](Database::Commit commit) {
    std::string value;
    const std::string id = "row" + std::to_string(++n);
    EXPECT_TRUE(db_->ReadCommitted(
                       [&](Connection& c) -> Status {
                         Statement s(c, "SELECT current_setting('synchronous_commit')");
                         auto row = s.Step();
                         if (!row.ok()) return std::move(row).error();
                         value = s.Text(0);
                         return Statement(c, "INSERT INTO items (id) VALUES (?)").Bind(1, id).Run();
                       },
                       commit)
                    .ok());
    return value;
  };
  EXPECT_EQ(setting(Database::Commit::kRecoverable), "off");
  EXPECT_EQ(setting(Database::Commit::kDurable), "on");
  EXPECT_EQ(setting(Database::Commit::kRecoverable), "off");
  std::int64_t rows = 0;
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
                   Statement s(c, "SELECT count(*) FROM items");
                   auto row = s.Step();
                   if (!row.ok()) return std::move(row).error();
                   rows = s.Int(0);
                   return OkStatus();
                 })
                  .ok());
  EXPECT_EQ(rows, 3);
}

// The guards' and rate limits' counts nodes pass on (store/limit_events.h): a batch goes
// in with one statement and comes back, fields intact, by when PostgreSQL wrote it, in
// pages; old rows are pruned.
TEST_F(PostgresTest, LimitEventsComeBackByWhenTheyWereWrittenAndArePruned) {
  auto conninfo = cluster_->CreateDatabase("limits");
  ASSERT_TRUE(conninfo.ok()) << conninfo.error().ToString();
  Database::Options options;
  options.conninfo = *conninfo;
  auto db = Database::Open(options, Migrations());
  ASSERT_TRUE(db.ok()) << db.error().ToString();
  auto store = NewLimitEventStore(**db);
  auto start = store->WrittenSince(0, 0);
  ASSERT_TRUE(start.ok()) << start.error().ToString();
  EXPECT_TRUE(start->events.empty());
  std::vector<LimitEvent> events;
  for (int i = 0; i < 1500; ++i) events.push_back({"api.rate", "client" + std::to_string(i), i});
  EXPECT_FALSE(store->Append(events).ok());  // more than one batch: refused
  events.resize(LimitEventStore::kMaxBatch);
  auto ids = store->Append(events);
  ASSERT_TRUE(ids.ok()) << ids.error().ToString();
  ASSERT_EQ(ids->size(), events.size());
  ASSERT_TRUE(store->Append({{"portal.client", "digest", 1790000000, 1, 0, 0}}).ok());
  // A full page, then the rest after its last id.
  auto first = store->WrittenSince(start->now_us, 0);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_EQ(first->events.size(), LimitEventStore::kMaxBatch);
  EXPECT_EQ(first->events.front().id, ids->front());
  EXPECT_EQ(first->events[7].event.key, "client7");
  EXPECT_EQ(first->events[7].event.at, 7);
  EXPECT_GE(first->events[7].written_us, start->now_us);
  EXPECT_LE(first->events[7].written_us, first->now_us);
  auto rest = store->WrittenSince(start->now_us, first->events.back().id);
  ASSERT_TRUE(rest.ok()) << rest.error().ToString();
  ASSERT_EQ(rest->events.size(), 1u);
  const LimitEvent& e = rest->events[0].event;
  EXPECT_EQ(e.scope, "portal.client");
  EXPECT_EQ(e.key, "digest");
  EXPECT_EQ(e.at, 1790000000);
  EXPECT_EQ(e.count, 1);
  // Nothing written since the last read; pruning what came before it removes everything.
  auto none = store->WrittenSince(rest->now_us, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->events.empty());
  auto pruned = store->PruneBefore(rest->now_us);
  ASSERT_TRUE(pruned.ok()) << pruned.error().ToString();
  EXPECT_EQ(*pruned, static_cast<std::int64_t>(LimitEventStore::kMaxBatch) + 1);
  EXPECT_TRUE(store->WrittenSince(0, 0)->events.empty());
}

}  // namespace
}  // namespace sealpost::pg
