#include "store/sqlite/database.h"

#include <sqlite3.h>

#include "store/sqlite/schema.h"

namespace sealpost::sqlite {

Error SqliteError(sqlite3* db, const char* what) {
  return MakeError(ErrorCode::kIo, std::string(what) + ": " + sqlite3_errmsg(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : kept_) sqlite3_finalize(stmt);
}

sqlite3_stmt* Connection::Take(std::string_view sql) {
  auto it = kept_.find(std::string(sql));
  if (it == kept_.end()) return nullptr;
  sqlite3_stmt* stmt = it->second;
  kept_.erase(it);  // in use: a nested use of the same SQL prepares its own
  return stmt;
}

void Connection::Give(std::string_view sql, sqlite3_stmt* stmt) {
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

std::optional<std::int64_t> Statement::OptionalInt(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return Int(column);
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    Error e = MakeError(ErrorCode::kIo, "cannot open database " + path + ": " +
                                            (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Database> database(new Database(db));
  // synchronous=FULL: a commit is on disk when it returns, so we may acknowledge.
  // secure_delete: deleted content (a delivered notice's sealed link, a destroyed key)
  // is overwritten with zeros, not left in free pages for whoever copies the file.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000",
                             "PRAGMA secure_delete=ON"}) {
    auto status = database->Exec(pragma);
    if (!status.ok()) return std::move(status).error();
  }
  auto status = database->Migrate();
  if (!status.ok()) return std::move(status).error();
  return database;
}

Database::~Database() {
  connection_.reset();  // its kept statements are finalised first
  sqlite3_close(db_);
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
  std::lock_guard lock(mu_);
  // Set outside the transaction (SQLite ignores it inside), and only when it changes.
  if (commit != synchronous_) {
    auto set = Statement(*connection_, commit == Commit::kDurable ? "PRAGMA synchronous=FULL"
                                                                  : "PRAGMA synchronous=NORMAL")
                   .Run();
    if (!set.ok()) return set;
    synchronous_ = commit;
  }
  // BEGIN and COMMIT too are kept statements: they run once per transaction.
  auto status = Statement(*connection_, "BEGIN IMMEDIATE").Run();
  if (!status.ok()) return status;
  status = body(*connection_);
  if (!status.ok()) {
    (void)Exec("ROLLBACK");
    return status;
  }
  status = Statement(*connection_, "COMMIT").Run();
  if (!status.ok()) (void)Exec("ROLLBACK");
  return status;
}

Status Database::Read(const std::function<Status(Connection&)>& body) {
  std::lock_guard lock(mu_);
  return body(*connection_);
}

Status Database::Migrate() {
  return Transaction([&](Connection& db) -> Status {
    Statement version(db, "PRAGMA user_version");
    auto row = version.Step();
    if (!row.ok()) return std::move(row).error();
    int current = static_cast<int>(version.Int(0));
    int index = 0;
    for (const char* step : kMigrations) {
      ++index;
      if (index <= current) continue;
      auto status = Exec(step);
      if (!status.ok()) return status;
    }
    return Exec(("PRAGMA user_version=" + std::to_string(index)).c_str());
  });
}

}  // namespace sealpost::sqlite
