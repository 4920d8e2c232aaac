#include "store/sqlite/database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "store/sqlite/faults.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/spool.h"

namespace sealpost::sqlite {

Error SqliteError(sqlite3* db, const char* what) {
  // A full disk is a limit reached, not a fault: the caller says "try later" (452 4.3.1).
  const ErrorCode code =
      sqlite3_errcode(db) == SQLITE_FULL ? ErrorCode::kResourceExhausted : ErrorCode::kIo;
  return MakeError(code, std::string(what) + ": " + sqlite3_errmsg(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : kept_) sqlite3_finalize(stmt);
}

std::int64_t Connection::changes() const { return sqlite3_changes64(db_); }

sqlite3_stmt* Connection::Take(std::string_view sql) {
  auto it = kept_.find(std::string(sql));
  if (it == kept_.end()) return nullptr;
  sqlite3_stmt* stmt = it->second;
  kept_.erase(it);  // in use: a nested use of the same SQL prepares its own
  return stmt;
}

void Connection::Give(std::string_view sql, sqlite3_stmt* stmt) {
  full_scan_steps_ += static_cast<std::uint64_t>(
      sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, /*resetFlg=*/1));
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (kept_.size() >= kMaxKept || !kept_.emplace(std::string(sql), stmt).second) {
    sqlite3_finalize(stmt);
  }
}

Statement::Statement(Connection& connection, std::string_view sql)
    : db_(connection.db_), connection_(&connection), sql_(sql) {
  stmt_ = connection.Take(sql);
  if (stmt_) return;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK) {
    prepare_error_ = sqlite3_errmsg(db_);
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
      SQLITE_OK) {
    prepare_error_ = sqlite3_errmsg(db);
    stmt_ = nullptr;
  }
}

Statement::~Statement() {
  if (stmt_ && connection_) {
    connection_->Give(sql_, stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::Bind(int index, std::string_view text) {
  if (stmt_) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  if (stmt_) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

Statement& Statement::Bind(int index, std::int64_t value) {
  if (stmt_) sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::optional<std::int64_t> value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindNull(int index) {
  if (stmt_) sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::Step() {
  if (!stmt_) return MakeError(ErrorCode::kInternal, "bad SQL: " + prepare_error_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  if (rc == SQLITE_CONSTRAINT) return MakeError(ErrorCode::kAlreadyExists, sqlite3_errmsg(db_));
  return SqliteError(db_, "sqlite step");
}

Status Statement::Run() {
  for (;;) {
    auto row = Step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return OkStatus();
  }
}

std::string Statement::Text(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string(static_cast<const char*>(p), n) : std::string();
}

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<std::int64_t> Statement::OptionalInt(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return Int(column);
}

std::string SpoolPath(const std::string& path) {
  constexpr std::string_view kDb = ".db";
  if (path.size() > kDb.size() && path.compare(path.size() - kDb.size(), kDb.size(), kDb) == 0) {
    return path.substr(0, path.size() - kDb.size()) + ".spool.db";
  }
  return path + ".spool.db";
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, Faults* faults) {
  return OpenAt(path, faults, /*in_memory=*/false, /*spool=*/false);
}

Result<std::unique_ptr<Database>> Database::OpenInMemory() {
  return OpenAt(":memory:", nullptr, /*in_memory=*/true, /*spool=*/false);
}

Result<std::unique_ptr<Database>> Database::OpenAt(const std::string& path, Faults* faults,
                                                   bool in_memory, bool spool) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           faults ? faults->vfs().c_str() : nullptr);
  if (rc != SQLITE_OK) {
    Error e = MakeError(ErrorCode::kIo, "cannot open database " + path + ": " +
                                            (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Database> database(new Database(db, path, faults));
  database->in_memory_ = in_memory;
  // synchronous=NORMAL: COMMIT writes the log without syncing it; Transaction syncs it
  // after, for every commit written so far (group commit), before it returns.
  // secure_delete: deleted content (a delivered notice's sealed link, a destroyed key)
  // is overwritten with zeros, not left in free pages for whoever copies the file.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000",
                             "PRAGMA secure_delete=ON"}) {
    auto status = database->Exec(pragma);
    if (!status.ok()) return std::move(status).error();
  }
  auto status = database->Migrate(spool);
  if (!status.ok()) return std::move(status).error();
  if (spool) return database;
  auto opened = OpenAt(in_memory ? path : SpoolPath(path), faults, in_memory, /*spool=*/true);
  if (!opened.ok()) return std::move(opened).error();
  database->spool_ = std::move(*opened);
  // Submissions spooled by a version that kept them in this file go across first.
  status = MoveInboundToSpool(*database, *database->spool_);
  if (!status.ok()) return std::move(status).error();
  return database;
}

Database::~Database() {
  spool_.reset();
  connection_.reset();  // its kept statements are finalised first
  sqlite3_close(db_);
  if (log_fd_ >= 0) ::close(log_fd_);
}

Status Database::Checkpoint() {
  std::lock_guard lock(mu_);
  return Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

Status Database::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "unknown";
    sqlite3_free(err);
    return MakeError(ErrorCode::kIo, std::string("sqlite: ") + message);
  }
  return OkStatus();
}

Status Database::Transaction(const std::function<Status(Connection&)>& body, Commit commit) {
  std::uint64_t ticket = 0;
  {
    std::lock_guard lock(mu_);
    // BEGIN and COMMIT too are kept statements: they run once per transaction.
    auto status = Statement(*connection_, "BEGIN IMMEDIATE").Run();
    if (!status.ok()) return status;
    status = body(*connection_);
    if (status.ok() && before_commit_) status = before_commit_(*connection_);
    if (!status.ok()) {
      (void)Exec("ROLLBACK");
      return status;
    }
    status = Statement(*connection_, "COMMIT").Run();
    if (!status.ok()) {
      (void)Exec("ROLLBACK");
      return status;
    }
    if (commit == Commit::kRecoverable) return OkStatus();
    ticket = ++committed_;
  }
  return SyncThrough(ticket);
}

Status Database::SyncThrough(std::uint64_t ticket) {
  // Whoever holds sync_mu_ is syncing; a commit that waits for it is covered by that
  // sync if it was written before it began, or syncs next (for all who waited with it).
  if (in_memory_) return OkStatus();  // nothing to sync
  std::lock_guard lock(sync_mu_);
  if (synced_ >= ticket) return OkStatus();
  // Every commit numbered up to here is in the log already: one sync covers them all.
  const std::uint64_t covered = committed_.load();
  auto status = SyncLog();
  ++log_syncs_;
  if (status.ok()) synced_ = covered;
  return status;
}

// Under sync_mu_. The sync itself runs while others commit: fsync covers the file (its
// inode), whichever descriptor wrote to it, so a descriptor of our own will do. The log
// stays the same file while the connection is open (a checkpoint truncates it; only the
// last connection's close removes it), so a changed inode can only mean it was made
// anew; then the new one is opened.
Status Database::SyncLog() {
  const std::string log = path_ + "-wal";
  struct stat named {};
  if (::stat(log.c_str(), &named) != 0) {
    if (errno != ENOENT) {
      return MakeError(ErrorCode::kIo, "stat " + log + ": " + std::strerror(errno));
    }
    // No log: everything is in the database file.
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return MakeError(ErrorCode::kIo, "open " + path_ + ": " + std::strerror(errno));
    const int rc = faults_ ? faults_->Sync(fd) : ::fdatasync(fd);
    ::close(fd);
    if (rc != 0) return MakeError(ErrorCode::kIo, "sync " + path_ + ": " + std::strerror(errno));
    return OkStatus();
  }
  struct stat held {};
  if (log_fd_ >= 0 && (::fstat(log_fd_, &held) != 0 || held.st_ino != named.st_ino ||
                       held.st_dev != named.st_dev)) {
    ::close(log_fd_);
    log_fd_ = -1;
  }
  if (log_fd_ < 0) {
    log_fd_ = ::open(log.c_str(), O_RDONLY | O_CLOEXEC);
    if (log_fd_ < 0) return MakeError(ErrorCode::kIo, "open " + log + ": " + std::strerror(errno));
  }
  if ((faults_ ? faults_->Sync(log_fd_) : ::fdatasync(log_fd_)) != 0) {
    return MakeError(ErrorCode::kIo, "sync " + log + ": " + std::strerror(errno));
  }
  return OkStatus();
}

Status Database::Read(const std::function<Status(Connection&)>& body) {
  std::lock_guard lock(mu_);
  return body(*connection_);
}

std::uint64_t Database::full_scan_steps() {
  std::lock_guard lock(mu_);
  return connection_->full_scan_steps();
}

Status Database::Migrate(bool spool) {
  return Transaction([&](Connection& db) -> Status {
    int current = 0;
    {
      // Done with before any step runs: a statement still open would lock the tables a
      // step drops (SQLITE_LOCKED).
      Statement version(db, "PRAGMA user_version");
      auto row = version.Step();
      if (!row.ok()) return std::move(row).error();
      current = static_cast<int>(version.Int(0));
    }
    int index = 0;
    const auto run = [&](const auto& steps) -> Status {
      for (const char* step : steps) {
        ++index;
        if (index <= current) continue;
        if (auto status = Exec(step); !status.ok()) return status;
      }
      return OkStatus();
    };
    auto status = spool ? run(kSpoolMigrations) : run(kMigrations);
    if (!status.ok()) return status;
    return Exec(("PRAGMA user_version=" + std::to_string(index)).c_str());
  });
}

}  // namespace sealpost::sqlite
