#include "store/postgres/database.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

namespace sealpost::pg {
namespace {

// Type OIDs of the integer columns Int() reads (pg_type.h).
constexpr unsigned kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23;

std::string Trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// What PostgreSQL said, as an error value: its primary message and SQLSTATE (never the
// DETAIL, which quotes the values of the row concerned).
Error ServerError(const PGresult* result, PGconn* conn, std::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  // A data exception's message quotes the offending bytes ("invalid byte sequence ...:
  // 0xe9 0x20"), which may be a piece of a secret: only its class is said.
  const bool quotes_data = state && std::string_view(state).substr(0, 2) == "22";
  std::string message = "PostgreSQL: " + std::string(what) + ": " +
                        (quotes_data ? std::string("a value does not fit its column")
                         : primary   ? std::string(primary)
                                     : Trimmed(PQerrorMessage(conn)));
  ErrorCode code = ErrorCode::kIo;
  if (state) {
    const std::string_view s(state);
    message += " (SQLSTATE " + std::string(s) + ")";
    if (s == "23505") {
      code = ErrorCode::kAlreadyExists;
    } else if (s == "40001" || s == "40P01" || s == "57014" || s.substr(0, 2) == "08" ||
               s.substr(0, 2) == "53" || s.substr(0, 2) == "57") {
      code = ErrorCode::kUnavailable;  // lost a race, timed out, or the server is going
    } else if (s.substr(0, 2) == "42" || s.substr(0, 2) == "22") {
      code = ErrorCode::kInternal;  // our SQL or our types are wrong: a bug
    }
  } else if (PQstatus(conn) != CONNECTION_OK) {
    code = ErrorCode::kUnavailable;
  }
  return MakeError(code, std::move(message));
}

bool IsRetryable(const Error& error) {
  const std::string state = SqlState(error);
  return state == "40001" || state == "40P01";
}

std::uint64_t BigEndian(const char* p, int length) {
  std::uint64_t v = 0;
  for (int i = 0; i < length; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

std::string SqlState(const Error& error) {
  constexpr std::string_view kMark = "(SQLSTATE ";
  const std::string& m = error.message;
  if (m.size() < kMark.size() + 6 || m.back() != ')') return "";
  const std::size_t at = m.size() - kMark.size() - 6;
  if (m.compare(at, kMark.size(), kMark) != 0) return "";
  return m.substr(at + kMark.size(), 5);
}

std::string NumberPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {  // a string or quoted name: '' or "" inside is the quote
      const std::size_t end = sql.find(c, i + 1);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t end = sql.find('\n', i);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const std::size_t end = sql.find("*/", i + 2);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 2;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '?') {
      // `?NNN` names its parameter (SQLite's numbered form, PostgreSQL's $NNN); a bare `?`
      // is the next one.
      std::size_t digits = i + 1;
      while (digits < sql.size() && sql[digits] >= '0' && sql[digits] <= '9') ++digits;
      if (digits > i + 1) {
        out += '$';
        out.append(sql.substr(i + 1, digits - i - 1));
        i = digits - 1;
      } else {
        out += '$' + std::to_string(++n);
      }
    } else {
      out += c;
    }
  }
  return out;
}

// --- Connection ---

Connection::~Connection() { PQfinish(conn_); }

bool Connection::healthy() const {
  return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

Status Connection::Exec(std::string_view sql) {
  const std::string text(sql);
  PGresult* r = PQexec(conn_, text.c_str());
  const ExecStatusType st = PQresultStatus(r);
  Status out = OkStatus();
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) out = ServerError(r, conn_, "exec");
  PQclear(r);
  return out;
}

Result<std::string> Connection::Prepared(const std::string& sql) {
  if (auto it = prepared_.find(sql); it != prepared_.end()) return it->second;
  // Past the bound, the unnamed statement: prepared again at each use.
  std::string name =
      prepared_.size() < kMaxPrepared ? "s" + std::to_string(prepared_.size() + 1) : "";
  PGresult* r = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  Error error = ok ? Error{} : ServerError(r, conn_, "prepare");
  PQclear(r);
  if (!ok) return error;
  if (!name.empty()) prepared_.emplace(sql, name);
  return name;
}

// --- Statement ---

Statement::Statement(Connection& connection, std::string_view sql)
    : connection_(connection), sql_(NumberPlaceholders(sql)) {}

Statement::~Statement() { PQclear(result_); }

Statement::Param& Statement::At(int index) {
  if (index < 1) index = 1;
  if (params_.size() < static_cast<std::size_t>(index)) params_.resize(index);
  return params_[index - 1];
}

Statement& Statement::Bind(int index, std::string_view text) {
  At(index) = {Param::Kind::kText, std::string(text)};
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  At(index) = {Param::Kind::kBytes, std::string(bytes)};
  return *this;
}

Statement& Statement::Bind(int index, std::int64_t value) {
  At(index) = {Param::Kind::kInt, std::to_string(value)};
  return *this;
}

Statement& Statement::Bind(int index, std::optional<std::int64_t> value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindNull(int index) {
  At(index) = {};
  return *this;
}

Status Statement::Execute() {
  ran_ = true;
  auto name = connection_.Prepared(sql_);
  if (!name.ok()) return std::move(name).error();
  std::vector<const char*> values(params_.size());
  std::vector<int> lengths(params_.size()), formats(params_.size());
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Param& p = params_[i];
    values[i] = p.kind == Param::Kind::kNull ? nullptr : p.value.data();
    lengths[i] = static_cast<int>(p.value.size());
    formats[i] = p.kind == Param::Kind::kBytes ? 1 : 0;  // bytes as they are; the rest as text
  }
  result_ = PQexecPrepared(connection_.conn_, name->c_str(), static_cast<int>(params_.size()),
                           values.data(), lengths.data(), formats.data(), /*resultFormat=*/1);
  const ExecStatusType st = PQresultStatus(result_);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return ServerError(result_, connection_.conn_, "statement");
  }
  connection_.changes_ = changes();
  return OkStatus();
}

Result<bool> Statement::Step() {
  if (!ran_) {
    if (auto status = Execute(); !status.ok()) return std::move(status).error();
  }
  if (!result_ || PQresultStatus(result_) != PGRES_TUPLES_OK) return false;
  ++row_;
  return row_ < PQntuples(result_);
}

Status Statement::Run() {
  if (ran_) return MakeError(ErrorCode::kInternal, "statement run twice");
  return Execute();
}

std::int64_t Statement::changes() const {
  if (!result_) return 0;
  const char* n = PQcmdTuples(result_);
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

bool Statement::IsNull(int column) const {
  return !result_ || row_ < 0 || PQgetisnull(result_, row_, column);
}

std::string Statement::Text(int column) const {
  if (IsNull(column)) return "";
  return std::string(PQgetvalue(result_, row_, column),
                     static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

std::int64_t Statement::Int(int column) const {
  if (IsNull(column)) return 0;
  const char* p = PQgetvalue(result_, row_, column);
  const int length = PQgetlength(result_, row_, column);
  switch (PQftype(result_, column)) {
    case kInt8Oid:
      return length == 8 ? static_cast<std::int64_t>(BigEndian(p, 8)) : 0;
    case kInt4Oid:
      return length == 4 ? static_cast<std::int32_t>(BigEndian(p, 4)) : 0;
    case kInt2Oid:
      return length == 2 ? static_cast<std::int16_t>(BigEndian(p, 2)) : 0;
    case kBoolOid:
      return length == 1 && p[0] != 0 ? 1 : 0;
    default:
      return 0;  // not an integer column: cast it in the SQL (e.g. sum(x)::bigint)
  }
}

std::optional<std::int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

// --- Database ---

Result<std::unique_ptr<Database>> Database::Open(Options options,
                                                 const std::vector<std::string>& migrations) {
  if (options.pool_size == 0) options.pool_size = 1;
  if (options.max_attempts < 1) options.max_attempts = 1;
  std::unique_ptr<Database> db(new Database(std::move(options)));
  if (auto status = db->Migrate(migrations); !status.ok()) return std::move(status).error();
  return db;
}

Database::~Database() = default;

Result<std::unique_ptr<Connection>> Database::Connect() {
  const auto seconds = std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(options_.acquire_timeout).count());
  const std::string timeout = std::to_string(seconds);
  // The conninfo (or URI) first, expanded; what follows overrides it.
  // Notices ("already exists, skipping") would go to stderr: only warnings and worse.
  const char* keys[] = {"dbname",          "connect_timeout", "application_name",
                        "client_encoding", "options",         nullptr};
  // The statement deadline is the session's: no SET LOCAL in every transaction.
  const std::string settings = "-c client_min_messages=warning -c statement_timeout=" +
                               std::to_string(options_.statement_timeout.count());
  const char* values[] = {options_.conninfo.c_str(), timeout.c_str(), "sealpost", "UTF8",
                          settings.c_str(),          nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return MakeError(ErrorCode::kResourceExhausted, "out of memory");
  std::unique_ptr<Connection> c(new Connection(conn));
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's message names the host and port, never the password.
    return MakeError(ErrorCode::kUnavailable,
                     "PostgreSQL: cannot connect: " + Trimmed(PQerrorMessage(conn)));
  }
  return c;
}

Result<std::unique_ptr<Connection>> Database::Acquire() {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    if (open_ < options_.pool_size) {
      ++open_;
      lock.unlock();
      auto c = Connect();
      if (!c.ok()) {
        lock.lock();
        --open_;
        freed_.notify_one();
      }
      return c;
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.pool_size) {
      return MakeError(ErrorCode::kUnavailable,
                       "PostgreSQL: no connection free within " +
                           std::to_string(options_.acquire_timeout.count()) + " ms (pool of " +
                           std::to_string(options_.pool_size) + ")");
    }
  }
}

void Database::Release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mu_);
  if (connection->healthy()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;  // closed as it goes; the next Acquire opens a fresh one
  }
  freed_.notify_one();
}

Status Database::Run(const std::string& begin, const std::function<Status(Connection&)>& body,
                     const BeforeCommit& before_commit) {
  // No `begin`: one statement on its own (Single), which is its own transaction.
  const bool single = begin.empty();
  std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    auto c = Acquire();
    if (!c.ok()) return std::move(c).error();
    Connection& conn = **c;
    Status status = single ? OkStatus() : conn.Exec(begin);
    if (!single && !status.ok() && PQstatus(conn.conn_) != CONNECTION_OK &&
        attempt < options_.max_attempts) {
      // A kept connection the server has closed since (a restart, a failover): nothing
      // ran on it; it is dropped and the transaction starts on a fresh one.
      Release(std::move(*c));
      continue;
    }
    if (status.ok()) status = body(conn);
    if (single && !status.ok() && PQstatus(conn.conn_) != CONNECTION_OK &&
        attempt < options_.max_attempts) {
      Release(std::move(*c));  // the same for a read alone: it changed nothing
      continue;
    }
    if (status.ok() && before_commit) status = before_commit(conn);
    if (status.ok() && !single) status = conn.Exec("COMMIT");
    if (!status.ok() && PQtransactionStatus(conn.conn_) != PQTRANS_IDLE) {
      (void)conn.Exec("ROLLBACK");
    }
    Release(std::move(*c));
    if (status.ok() || !IsRetryable(status.error()) || attempt >= options_.max_attempts) {
      return status;
    }
    {
      std::lock_guard lock(mu_);
      ++retries_;
    }
    // Apart again before the next try, a little longer each time.
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(100, 1000 * attempt)(jitter)));
  }
}

std::int64_t JobKey(std::string_view job);  // below, with the job locks

Status Database::Write(const std::string& begin, const std::function<Status(Connection&)>& body) {
  const BeforeCommit before_commit = prepare_commit_ ? prepare_commit_() : nullptr;
  Status status = Run(begin, body, before_commit);
  if (status.ok() && before_commit && after_commit_) after_commit_();
  return status;
}

namespace {

std::string Begin(const char* isolation, Database::Commit commit) {
  std::string begin = std::string("BEGIN ISOLATION LEVEL ") + isolation;
  if (commit == Database::Commit::kRecoverable) begin += "; SET LOCAL synchronous_commit = off";
  return begin;
}

}  // namespace

Status Database::Transaction(const std::function<Status(Connection&)>& body, Commit commit) {
  return Write(Begin("SERIALIZABLE", commit), body);
}

Status Database::ReadCommitted(const std::function<Status(Connection&)>& body, Commit commit) {
  return Write(Begin("READ COMMITTED", commit), body);
}

Status Database::Locked(std::string_view job, const std::function<Status(Connection&)>& body) {
  return Run("BEGIN ISOLATION LEVEL READ COMMITTED", [&](Connection& conn) -> Status {
    Statement lock(conn, "SELECT pg_advisory_xact_lock(?)");
    lock.Bind(1, JobKey(job));
    if (auto status = lock.Run(); !status.ok()) return status;
    return body(conn);
  });
}

Status Database::Single(const std::function<Status(Connection&)>& body) { return Run("", body); }

Status Database::Read(const std::function<Status(Connection&)>& body) {
  return Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body);
}

// FNV-1a: a job's name as the 64-bit key of its advisory lock, the same on every node.
std::int64_t JobKey(std::string_view job) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : job) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<std::int64_t>(h);
}

Result<std::unique_ptr<JobLock>> Database::TryJobLock(std::string_view job) {
  auto c = Acquire();
  if (!c.ok()) return std::move(c).error();
  const std::int64_t key = JobKey(job);
  bool held = false;
  Status status = OkStatus();
  {
    Statement s(**c, "SELECT pg_try_advisory_lock(?)");
    s.Bind(1, key);
    auto row = s.Step();
    if (!row.ok()) {
      status = std::move(row).error();
    } else {
      held = *row && s.Int(0) != 0;
    }
  }
  if (!status.ok() || !held) {
    Release(std::move(*c));
    if (!status.ok()) return std::move(status).error();
    return std::unique_ptr<JobLock>();
  }
  return std::unique_ptr<JobLock>(new JobLock(*this, std::move(*c), key));
}

JobLock::~JobLock() {
  {
    Statement s(*connection_, "SELECT pg_advisory_unlock(?)");
    (void)s.Bind(1, key_).Run();
  }
  db_.Release(std::move(connection_));
}

std::uint64_t Database::retries() const {
  std::lock_guard lock(mu_);
  return retries_;
}

Result<int> Database::SchemaVersion() {
  int version = 0;
  auto status = Read([&](Connection& db) -> Status {
    Statement s(db, "SELECT version FROM schema_version");
    auto row = s.Step();
    if (!row.ok()) return std::move(row).error();
    version = *row ? static_cast<int>(s.Int(0)) : 0;
    return OkStatus();
  });
  if (!status.ok()) return std::move(status).error();
  return version;
}

Status Database::Migrate(const std::vector<std::string>& migrations) {
  // READ COMMITTED, not SERIALIZABLE: a node that waited for the lock below must then see
  // what the node before it committed, which a snapshot taken before the wait would hide.
  return Run("BEGIN ISOLATION LEVEL READ COMMITTED", [&](Connection& db) -> Status {
    // One node migrates at a time; the others wait, then find nothing left to do.
    if (auto s = db.Exec("SELECT pg_advisory_xact_lock(7301)"); !s.ok()) return s;
    if (auto s = db.Exec("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
        !s.ok()) {
      return s;
    }
    Statement current(db, "SELECT version FROM schema_version");
    auto row = current.Step();
    if (!row.ok()) return std::move(row).error();
    const int at = *row ? static_cast<int>(current.Int(0)) : 0;
    if (!*row) {
      if (auto s = db.Exec("INSERT INTO schema_version VALUES (0)"); !s.ok()) return s;
    }
    if (at > static_cast<int>(migrations.size())) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "the database's schema (version " + std::to_string(at) +
                           ") is newer than this sealpost knows (" +
                           std::to_string(migrations.size()) + "): upgrade this node");
    }
    for (std::size_t v = static_cast<std::size_t>(at); v < migrations.size(); ++v) {
      if (auto s = db.Exec(migrations[v]); !s.ok()) {
        return MakeError(s.error().code,
                         "migration " + std::to_string(v + 1) + ": " + s.error().message);
      }
    }
    Statement done(db, "UPDATE schema_version SET version = ?");
    return done.Bind(1, static_cast<std::int64_t>(migrations.size())).Run();
  });
}

}  // namespace sealpost::pg
