// SQLite (WAL): the embedded default database. One connection, guarded by a mutex;
// every Store call is one transaction under it. That suits one node on a small machine;
// scale-out is the PostgreSQL backend's job.
//
// It is two files: the main database, and beside it the spool (spool()), where SMTP
// submissions wait between their 250 and processing, with a lock and a log of its own —
// so a 250 waits for its own small sync, not for the processor's and the queue's
// transactions (store/sqlite/spool.h says how a submission is ended across the two).
//
// Group commit: SQLite would sync the log inside every durable COMMIT, under the lock,
// so each waited for the one before it to reach the disk. Here COMMIT only writes the
// log (synchronous=NORMAL) and the lock is let go; then one sync of the log file makes
// every commit written before it durable, and whoever committed meanwhile shares the
// next one. Transaction still returns only once its commit is on disk.
// Thread-safety: Transaction may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include <string_view>
#include <unordered_map>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sealpost::sqlite {

class Statement;

// The database's one connection, as store code sees it inside Transaction and Read:
// it keeps the statements prepared on it, by their SQL, for the next use (preparing
// costs more than running most of ours). Used under Database's lock only.
class Connection {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // For the sqlite3_* calls store code makes (changes, last insert id, errors).
  operator sqlite3*() const { return db_; }  // NOLINT(google-explicit-constructor)
  // Rows stepped through by full table scans in the statements used so far: a query
  // that should use an index and does not shows here (tests; see Database below).
  std::uint64_t full_scan_steps() const { return full_scan_steps_; }
  // Rows changed by the last INSERT, UPDATE or DELETE (as pg::Connection::changes).
  std::int64_t changes() const;

 private:
  friend class Statement;
  // A kept statement for `sql`, reset, or null; and back when its user is done with it.
  sqlite3_stmt* Take(std::string_view sql);
  void Give(std::string_view sql, sqlite3_stmt* stmt);

  static constexpr std::size_t kMaxKept = 256;  // SQL built with varying text stays bounded
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> kept_;
  std::uint64_t full_scan_steps_ = 0;
};

// A prepared statement. Made on a Connection, it is the connection's kept one for its
// SQL (reset for this use) and goes back to it when destroyed; made on a bare handle
// (migrations), it is finalised. Bind indexes start at 1, columns at 0.
class Statement {
 public:
  Statement(Connection& connection, std::string_view sql);
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, std::optional<std::int64_t> value);
  Statement& BindNull(int index);

  // True while there is a row; false when done.
  Result<bool> Step();
  Status Run();  // steps to completion

  std::string Text(int column) const;
  std::int64_t Int(int column) const;
  std::optional<std::int64_t> OptionalInt(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3* db_;
  Connection* connection_ = nullptr;  // set: the statement goes back to it
  std::string sql_;                   // with connection_: its key there
  sqlite3_stmt* stmt_ = nullptr;
  std::string prepare_error_;
};

class Faults;

class Database {
 public:
  // `faults` (tests, store/sqlite/faults.h): the files are written through its VFS, and
  // the log synced through it, so that they fail when it says.
  static Result<std::unique_ptr<Database>> Open(const std::string& path, Faults* faults = nullptr);
  // A database in memory, gone when closed: the same stores with no disk under them, for
  // tests of logic (commits are "durable" at once: there is nothing to sync).
  static Result<std::unique_ptr<Database>> OpenInMemory();
  ~Database();

  // The spool beside this database (SpoolPath), opened and closed with it; in memory
  // when this one is. Only the main database has one.
  Database& spool() { return *spool_; }

  // How a commit reaches the disk.
  enum class Commit {
    // On disk when Transaction returns (the log synced after the commit, shared with
    // the commits around it): what is acknowledged — a 250, a 202, an administrator's
    // change, a sender's control.
    kDurable,
    // Written to the log, synced by the next durable commit or checkpoint (a sync of the
    // log covers everything written to it before), with no sync of its own.
    // Only for work a power failure may undo because it is redone from a durable
    // record: a dispatch that consumes its spooled submission, claims and delivery
    // results (the lease brings an entry back; at worst a message leaves twice, as
    // with any MTA). Never for anything a client was told is done.
    kRecoverable,
  };
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
  Status Transaction(const std::function<Status(Connection&)>& body,
                     Commit commit = Commit::kDurable);
  // How many times the log was synced for durable commits (tests, benchmarks).
  std::uint64_t log_syncs() const { return log_syncs_.load(); }
  // Rows stepped through by full table scans so far (Connection::full_scan_steps): a
  // test asserts that a hot path's queries use their indexes, which no timing shows
  // until the table is large.
  std::uint64_t full_scan_steps();
  // What every transaction adds before it commits, in it (the audit trail's records of
  // the change: store/sqlite/audit_store.cc). Set once, before the database is shared.
  void SetBeforeCommit(std::function<Status(Connection&)> hook) {
    before_commit_ = std::move(hook);
  }
  // Runs `body` without a transaction (reads); still serialised with writers.
  Status Read(const std::function<Status(Connection&)>& body);
  // Copies the write-ahead log into the database and truncates it to nothing. With
  // secure_delete on (always, here), what was deleted is then in neither file: the
  // old frames of the log are gone and freed pages were zeroed. Not the spool's: it
  // holds content sealed under the queue key only, and its writers (each a 250 waiting)
  // are left to SQLite's automatic checkpoint rather than a scrub every second.
  Status Checkpoint();

 private:
  Database(sqlite3* db, std::string path, Faults* faults)
      : db_(db),
        path_(std::move(path)),
        faults_(faults),
        connection_(std::make_unique<Connection>(db)) {}
  // `spool`: this is the spool file (its own schema, no spool of its own).
  static Result<std::unique_ptr<Database>> OpenAt(const std::string& path, Faults* faults,
                                                  bool in_memory, bool spool);
  Status Exec(const char* sql);
  Status Migrate(bool spool);
  // Returns once commit number `ticket` is on disk: syncs the log itself, or waits for
  // the sync in progress (and then, unless that one covered it, syncs next).
  Status SyncThrough(std::uint64_t ticket);
  // fdatasync of the log file (of the database file when there is no log).
  Status SyncLog();

  std::mutex mu_;
  sqlite3* db_;
  const std::string path_;
  Faults* const faults_;  // tests only
  bool in_memory_ = false;
  std::unique_ptr<Connection> connection_;  // its kept statements go before db_ closes
  std::unique_ptr<Database> spool_;         // the main database's only
  std::atomic<std::uint64_t> committed_{0};  // durable commits written to the log
  std::function<Status(Connection&)> before_commit_;

  std::mutex sync_mu_;        // held while syncing; guards what follows
  std::uint64_t synced_ = 0;  // commits up to this one are on disk
  int log_fd_ = -1;           // the log file, opened at the first sync
  std::atomic<std::uint64_t> log_syncs_{0};
};

Error SqliteError(sqlite3* db, const char* what);

// Where the spool of the database at `path` is: "x.db" → "x.spool.db", else path + ".spool.db".
std::string SpoolPath(const std::string& path);

// Runs a query expected to return at most one row: `bind` binds its parameters,
// `read` turns the row into a Record. nullopt when there is no row.
template <typename Record, typename BindFn, typename ReadFn>
Result<std::optional<Record>> QueryOne(Database& db, std::string_view sql, BindFn bind,
                                       ReadFn read) {
  std::optional<Record> out;
  auto status = db.Read([&](Connection& conn) -> Status {
    Statement s(conn, sql);
    bind(s);
    auto row = s.Step();
    if (!row.ok()) return std::move(row).error();
    if (*row) out = read(s);
    return OkStatus();
  });
  if (!status.ok()) return std::move(status).error();
  return out;
}

// Runs a query and turns every row into a Record with `read`.
template <typename Record, typename BindFn, typename ReadFn>
Result<std::vector<Record>> QueryAll(Database& db, std::string_view sql, BindFn bind,
                                     ReadFn read) {
  std::vector<Record> out;
  auto status = db.Read([&](Connection& conn) -> Status {
    Statement s(conn, sql);
    bind(s);
    for (;;) {
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return OkStatus();
      out.push_back(read(s));
    }
  });
  if (!status.ok()) return std::move(status).error();
  return out;
}

}  // namespace sealpost::sqlite
