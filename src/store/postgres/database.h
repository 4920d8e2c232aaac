// PostgreSQL, for several sealpost nodes sharing one database (issue 23): a bounded pool
// of libpq connections, transactions that are retried when PostgreSQL reports a
// serialisation failure or a deadlock, statements prepared once per connection, a
// deadline on every wait (for a connection, for a statement), and schema migrations that
// two nodes starting at once apply once.
//
// The shape follows store/sqlite/database.h on purpose — Transaction/Read with a body
// that makes Statements, `?` placeholders, Bind/Step/Text/Int — so a store's PostgreSQL
// implementation reads like its SQLite one and differs only where the SQL must.
//
// libpq directly, not libpqxx: errors are values here (libpqxx throws), and what we need
// of it is small. Results come in binary format: bytes columns need no hex decoding.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"

struct pg_conn;
struct pg_result;

namespace sealpost::pg {

// One open connection and the statements prepared on it (by their SQL). Used by one
// transaction at a time: Database lends it out.
class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL without parameters or results (BEGIN, SET, DDL).
  Status Exec(std::string_view sql);
  // True when the connection is still usable (a broken one is replaced, not lent again).
  bool healthy() const;
  // Rows changed by the last INSERT, UPDATE or DELETE run on it (as sqlite3_changes).
  std::int64_t changes() const { return changes_; }

 private:
  friend class Database;
  friend class Statement;
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  // The name of `sql`'s prepared statement on this connection, preparing it first.
  Result<std::string> Prepared(const std::string& sql);

  static constexpr std::size_t kMaxPrepared = 512;  // SQL built with varying text stays bounded
  pg_conn* conn_;
  std::int64_t changes_ = 0;
  std::unordered_map<std::string, std::string> prepared_;  // PostgreSQL SQL -> name
};

// A statement: `?` placeholders (outside quotes) become $1, $2, ...; parameters are bound
// by index from 1, columns read from 0. It runs at the first Step (or Run) and then
// steps through the rows it returned.
class Statement {
 public:
  Statement(Connection& connection, std::string_view sql);
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
  Status Run();  // runs it; rows, if any, are ignored
  // Rows changed by an INSERT, UPDATE or DELETE that ran.
  std::int64_t changes() const;

  std::string Text(int column) const;  // text or bytes; "" for NULL
  std::int64_t Int(int column) const;  // integer of any width; 0 for NULL
  std::optional<std::int64_t> OptionalInt(int column) const;
  bool IsNull(int column) const;

 private:
  struct Param {
    enum class Kind { kNull, kText, kBytes, kInt } kind = Kind::kNull;
    std::string value;
  };
  Param& At(int index);
  Status Execute();

  Connection& connection_;
  std::string sql_;  // with $n placeholders
  std::vector<Param> params_;
  pg_result* result_ = nullptr;
  int row_ = -1;
  bool ran_ = false;
};

// The SQL text with each `?` outside quotes and comments replaced by $1, $2, ... in order,
// and each `?NNN` (a numbered parameter, as SQLite writes it) by $NNN.
std::string NumberPlaceholders(std::string_view sql);

class Database;

// A job that must run on one node at a time (the expiry sweep, TLS reports, audit
// checkpoints): held while this object lives, by a session-level advisory lock on one of
// the pool's connections, kept out of the pool meanwhile. A node that dies lets it go
// with its connection.
class JobLock {
 public:
  ~JobLock();
  JobLock(const JobLock&) = delete;
  JobLock& operator=(const JobLock&) = delete;

 private:
  friend class Database;
  JobLock(Database& db, std::unique_ptr<Connection> connection, std::int64_t key)
      : db_(db), connection_(std::move(connection)), key_(key) {}
  Database& db_;
  std::unique_ptr<Connection> connection_;
  std::int64_t key_;
};

class Database {
 public:
  struct Options {
    std::string conninfo;  // libpq: "host=... port=... dbname=... user=..." or a URI
    std::size_t pool_size = 4;
    // How long to wait for a free connection, and for one statement, before failing with
    // kUnavailable: a stuck database must not hold a request forever.
    std::chrono::milliseconds acquire_timeout{5000};
    std::chrono::milliseconds statement_timeout{30000};
    // A transaction that lost a serialisation race is run again, this many times at most.
    int max_attempts = 8;
  };

  // Connects (one connection now, the rest when needed) and brings the schema to the
  // newest migration. `migrations`: the SQL of each version, oldest first.
  static Result<std::unique_ptr<Database>> Open(Options options,
                                                const std::vector<std::string>& migrations);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // How a commit reaches the disk, as sqlite::Database::Commit: kDurable waits for its
  // log to be flushed (PostgreSQL's synchronous_commit); kRecoverable does not (a
  // transaction of `synchronous_commit = off`: committed and seen by every node at once,
  // on disk within the WAL writer's delay or the next durable commit). Only for work a
  // crash of the database server may undo because it is redone from a durable record:
  // claims, delivery results, a dispatch that consumes its spooled submission.
  enum class Commit { kDurable, kRecoverable };

  // Runs `body` inside a SERIALIZABLE transaction and commits; rolls back when it fails.
  // When PostgreSQL reports a serialisation failure (40001) or a deadlock (40P01) the
  // whole body runs again (it must not have effects outside the database), up to
  // Options::max_attempts times; then kUnavailable.
  Status Transaction(const std::function<Status(Connection&)>& body,
                     Commit commit = Commit::kDurable);
  // The same at READ COMMITTED, retried alike: for claiming work with FOR UPDATE SKIP
  // LOCKED, where the rows one node takes are locked, not compared with what another
  // read (a SERIALIZABLE claim would fail whenever two nodes look at the same due rows).
  Status ReadCommitted(const std::function<Status(Connection&)>& body,
                       Commit commit = Commit::kDurable);
  // Runs `body` in a read-only transaction (a consistent snapshot).
  Status Read(const std::function<Status(Connection&)>& body);
  // Runs `body`, one statement that only reads, on its own: no BEGIN and COMMIT around it
  // (two round trips fewer; one statement sees one snapshot anyway). QueryOne/QueryAll.
  Status Single(const std::function<Status(Connection&)>& body);

  // Runs `body` in a READ COMMITTED transaction that first takes the transaction-level
  // advisory lock of `job`, waiting for it: what must happen in one order across every
  // node (the audit trail's chaining), each statement seeing what committed before it.
  Status Locked(std::string_view job, const std::function<Status(Connection&)>& body);

  // What every Transaction does beside its body (the audit trail's records of the
  // change, audit/pending.h; store/postgres/audit_store.cc). `prepare` runs once per
  // Transaction, before its first attempt, and returns what each attempt runs just
  // before COMMIT, or null for nothing: a retried transaction writes the same again.
  // `after_commit` runs once the transaction committed with something prepared (outside
  // it; what it fails at is left for the next). Set once, before the database is shared.
  using BeforeCommit = std::function<Status(Connection&)>;
  void SetCommitHooks(std::function<BeforeCommit()> prepare, std::function<void()> after_commit) {
    prepare_commit_ = std::move(prepare);
    after_commit_ = std::move(after_commit);
  }

  // The lock of the job named `job`, or null when another node (or another holder in
  // this one) has it.
  Result<std::unique_ptr<JobLock>> TryJobLock(std::string_view job);

  // The schema version the database is at.
  Result<int> SchemaVersion();
  // Transactions run again after a serialisation failure or deadlock (tests, metrics).
  std::uint64_t retries() const;

 private:
  friend class JobLock;
  explicit Database(Options options) : options_(std::move(options)) {}
  Result<std::unique_ptr<Connection>> Connect();
  Result<std::unique_ptr<Connection>> Acquire();
  void Release(std::unique_ptr<Connection> connection);
  Status Run(const std::string& begin, const std::function<Status(Connection&)>& body,
             const BeforeCommit& before_commit = nullptr);
  Status Migrate(const std::vector<std::string>& migrations);
  Status Write(const std::string& begin, const std::function<Status(Connection&)>& body);

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // connections made and not closed, idle or lent
  std::uint64_t retries_ = 0;
  std::function<BeforeCommit()> prepare_commit_;
  std::function<void()> after_commit_;
};

// Runs a query expected to return at most one row: `bind` binds its parameters, `read`
// turns the row into a Record. nullopt when there is no row. (As sqlite::QueryOne.)
template <typename Record, typename BindFn, typename ReadFn>
Result<std::optional<Record>> QueryOne(Database& db, std::string_view sql, BindFn bind,
                                       ReadFn read) {
  std::optional<Record> out;
  auto status = db.Single([&](Connection& conn) -> Status {
    out.reset();
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

// Runs a query and turns every row into a Record with `read`. (As sqlite::QueryAll.)
template <typename Record, typename BindFn, typename ReadFn>
Result<std::vector<Record>> QueryAll(Database& db, std::string_view sql, BindFn bind, ReadFn read) {
  std::vector<Record> out;
  auto status = db.Single([&](Connection& conn) -> Status {
    out.clear();
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

// The SQLSTATE of a failed statement (its message ends "(SQLSTATE 40001)"); empty when
// the error did not come from the server.
std::string SqlState(const Error& error);

}  // namespace sealpost::pg
