// SQLite (WAL, synchronous=FULL): the embedded default database. One connection,
// guarded by a mutex; every Store call is one transaction under it. That suits one
// node on a small machine; scale-out is the PostgreSQL backend's job.
// Thread-safety: Transaction may be called from any thread.
#pragma once

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

 private:
  friend class Statement;
  // A kept statement for `sql`, reset, or null; and back when its user is done with it.
  sqlite3_stmt* Take(std::string_view sql);
  void Give(std::string_view sql, sqlite3_stmt* stmt);

  static constexpr std::size_t kMaxKept = 256;  // SQL built with varying text stays bounded
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> kept_;
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

 private:
  sqlite3* db_;
  Connection* connection_ = nullptr;  // set: the statement goes back to it
  std::string sql_;                   // with connection_: its key there
  sqlite3_stmt* stmt_ = nullptr;
  std::string prepare_error_;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const std::string& path);
  ~Database();

  // How a commit reaches the disk.
  enum class Commit {
    // On disk when Transaction returns (synchronous=FULL): what is acknowledged — a
    // 250, a 202, an administrator's change, a sender's control.
    kDurable,
    // Written to the log, synced by the next durable commit or checkpoint (the log only
    // grows, so that sync covers it), with no fsync of its own (synchronous=NORMAL).
    // Only for work a power failure may undo because it is redone from a durable
    // record: a dispatch that consumes its spooled submission, claims and delivery
    // results (the lease brings an entry back; at worst a message leaves twice, as
    // with any MTA). Never for anything a client was told is done.
    kRecoverable,
  };
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
  Status Transaction(const std::function<Status(Connection&)>& body,
                     Commit commit = Commit::kDurable);
  // Runs `body` without a transaction (reads); still serialised with writers.
  Status Read(const std::function<Status(Connection&)>& body);
  // Copies the write-ahead log into the database and truncates it to nothing. With
  // secure_delete on (always, here), what was deleted is then in neither file: the
  // old frames of the log are gone and freed pages were zeroed.
  Status Checkpoint();

 private:
  explicit Database(sqlite3* db) : db_(db), connection_(std::make_unique<Connection>(db)) {}
  Status Exec(const char* sql);
  Status Migrate();

  std::mutex mu_;
  sqlite3* db_;
  std::unique_ptr<Connection> connection_;  // its kept statements go before db_ closes
  Commit synchronous_ = Commit::kDurable;     // what PRAGMA synchronous is set to now
};

Error SqliteError(sqlite3* db, const char* what);

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
