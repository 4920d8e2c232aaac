// API clients and their OAuth access tokens, in SQLite (store/stores.h, ApiClientStore).
#include <memory>
#include <mutex>
#include <set>
#include <tuple>
#include <vector>

#include "store/postgres/stores.h"

namespace sealpost::pg {
namespace {

constexpr const char* kClientColumns =
    "id, secret_hash, name, account, created_at, revoked_at, \"user\", scopes, last_used_at, "
    "rotated_at, previous_hash, previous_valid_until, rate_limit_per_minute";

ApiClientRecord ReadClient(const Statement& s) {
  ApiClientRecord c;
  c.id = s.Text(0);
  c.secret_hash = s.Text(1);
  c.name = s.Text(2);
  c.account = s.Text(3);
  c.created_at = s.Int(4);
  c.revoked_at = s.OptionalInt(5);
  c.user = s.Text(6);
  c.scopes = s.Text(7);
  c.last_used_at = s.OptionalInt(8);
  c.rotated_at = s.OptionalInt(9);
  c.previous_hash = s.Text(10);
  c.previous_valid_until = s.Int(11);
  c.rate_limit_per_minute = s.OptionalInt(12);
  return c;
}

class PgApiClientStore final : public ApiClientStore {
 public:
  explicit PgApiClientStore(Database& db) : db_(db) {}

  Status Insert(const ApiClientRecord& c) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db, std::string("INSERT INTO api_clients (") + kClientColumns +
                               ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
          .Bind(1, c.id)
          .BindBlob(2, c.secret_hash)
          .Bind(3, c.name)
          .Bind(4, c.account)
          .Bind(5, c.created_at)
          .Bind(6, c.revoked_at)
          .Bind(7, c.user)
          .Bind(8, c.scopes)
          .Bind(9, c.last_used_at)
          .Bind(10, c.rotated_at)
          .BindBlob(11, c.previous_hash)
          .Bind(12, c.previous_valid_until)
          .Bind(13, c.rate_limit_per_minute)
          .Run();
    });
  }

  Result<std::optional<ApiClientRecord>> Find(const std::string& id) override {
    return QueryOne<ApiClientRecord>(
        db_, std::string("SELECT ") + kClientColumns + " FROM api_clients WHERE id = ?",
        [&](Statement& s) { s.Bind(1, id); }, ReadClient);
  }

  Result<std::vector<ApiClientRecord>> List(const std::string& account) override {
    return QueryAll<ApiClientRecord>(
        db_,
        std::string("SELECT ") + kClientColumns +
            " FROM api_clients WHERE $1::text = '' OR account = $1::citext ORDER BY created_at, "
            "rowid",
        [&](Statement& s) { s.Bind(1, account); }, ReadClient);
  }

  Status Rotate(const std::string& id, const std::string& secret_hash,
                std::int64_t previous_valid_until, std::int64_t at) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement find(db, "SELECT revoked_at FROM api_clients WHERE id = ?");
      find.Bind(1, id);
      auto row = find.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kNotFound, "no API client " + id);
      if (find.OptionalInt(0)) {
        return MakeError(ErrorCode::kFailedPrecondition, "API client " + id + " is revoked");
      }
      auto rotated = Statement(db,
                               "UPDATE api_clients SET previous_hash = secret_hash, "
                               "previous_valid_until = ?, secret_hash = ?, rotated_at = ? "
                               "WHERE id = ?")
                         .Bind(1, previous_valid_until)
                         .BindBlob(2, secret_hash)
                         .Bind(3, at)
                         .Bind(4, id)
                         .Run();
      if (!rotated.ok() || previous_valid_until > at) return rotated;
      // No grace period: the old secret is presumed known to someone else, who may have
      // opened sessions or taken tokens with it. They end with it.
      for (const char* sql :
           {"UPDATE api_sessions SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL",
            "UPDATE access_tokens SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS "
            "NULL"}) {
        auto ended = Statement(db, sql).Bind(1, at).Bind(2, id).Run();
        if (!ended.ok()) return ended;
      }
      return OkStatus();
    });
  }

  Status Revoke(const std::string& id, std::int64_t at) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto status = Statement(db,
                              "UPDATE api_clients SET revoked_at = coalesce(revoked_at, ?) "
                              "WHERE id = ?")
                        .Bind(1, at)
                        .Bind(2, id)
                        .Run();
      if (!status.ok()) return status;
      if (db.changes() == 0) return MakeError(ErrorCode::kNotFound, "no API client " + id);
      return OkStatus();
    });
  }

  Status Touch(const std::string& id, std::int64_t at) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db, "UPDATE api_clients SET last_used_at = ? WHERE id = ?")
          .Bind(1, at)
          .Bind(2, id)
          .Run();
    });
  }

  Status InsertToken(const AccessTokenRecord& t) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db,
                       "INSERT INTO access_tokens (hash, client_id, \"user\", scopes, grant_type, "
                       "issued_at, expires_at, revoked_at) VALUES (?,?,?,?,?,?,?,?)")
          .BindBlob(1, t.hash)
          .Bind(2, t.client_id)
          .Bind(3, t.user)
          .Bind(4, t.scopes)
          .Bind(5, t.grant_type)
          .Bind(6, t.issued_at)
          .Bind(7, t.expires_at)
          .Bind(8, t.revoked_at)
          .Run();
    });
  }

  Result<std::optional<AccessTokenRecord>> FindToken(const std::string& hash) override {
    return QueryOne<AccessTokenRecord>(
        db_,
        "SELECT hash, client_id, \"user\", scopes, grant_type, issued_at, expires_at, revoked_at "
        "FROM access_tokens WHERE hash = ?",
        [&](Statement& s) { s.BindBlob(1, hash); },
        [](const Statement& s) {
          AccessTokenRecord t;
          t.hash = s.Text(0);
          t.client_id = s.Text(1);
          t.user = s.Text(2);
          t.scopes = s.Text(3);
          t.grant_type = s.Text(4);
          t.issued_at = s.Int(5);
          t.expires_at = s.Int(6);
          t.revoked_at = s.OptionalInt(7);
          return t;
        });
  }

  Result<bool> RevokeToken(const std::string& hash, const std::string& client_id,
                           std::int64_t at) override {
    bool revoked = false;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto run = Statement(db,
                           "UPDATE access_tokens SET revoked_at = coalesce(revoked_at, ?) "
                           "WHERE hash = ? AND client_id = ?")
                     .Bind(1, at)
                     .BindBlob(2, hash)
                     .Bind(3, client_id)
                     .Run();
      if (!run.ok()) return run;
      revoked = db.changes() > 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return revoked;
  }

  Status InsertSession(const ApiSessionRecord& s) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db,
                       "INSERT INTO api_sessions (id, client_id, sealed_key, created_at, "
                       "expires_at, revoked_at) VALUES (?,?,?,?,?,?)")
          .Bind(1, s.id)
          .Bind(2, s.client_id)
          .BindBlob(3, s.sealed_key)
          .Bind(4, s.created_at)
          .Bind(5, s.expires_at)
          .Bind(6, s.revoked_at)
          .Run();
    });
  }

  Result<std::optional<ApiSessionRecord>> FindSession(const std::string& id) override {
    return QueryOne<ApiSessionRecord>(
        db_,
        "SELECT id, client_id, sealed_key, created_at, expires_at, revoked_at FROM api_sessions "
        "WHERE id = ?",
        [&](Statement& s) { s.Bind(1, id); },
        [](const Statement& s) {
          return ApiSessionRecord{s.Text(0), s.Text(1), s.Text(2),
                                  s.Int(3),  s.Int(4),  s.OptionalInt(5)};
        });
  }

  Result<bool> RevokeSession(const std::string& id, const std::string& client_id,
                             std::int64_t at) override {
    std::int64_t changed = 0;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto run = Statement(db,
                           "UPDATE api_sessions SET revoked_at = coalesce(revoked_at, $1) "
                           "WHERE id = $2 AND ($3::text = '' OR client_id = $3)")
                     .Bind(1, at)
                     .Bind(2, id)
                     .Bind(3, client_id)
                     .Run();
      if (!run.ok()) return run;
      changed = db.changes();
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return changed > 0;
  }

  Result<std::int64_t> RevokeSessions(const std::string& client_id, std::int64_t at) override {
    std::int64_t changed = 0;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto run = Statement(db,
                           "UPDATE api_sessions SET revoked_at = $1 WHERE client_id = $2 "
                           "AND revoked_at IS NULL AND expires_at > $1")
                     .Bind(1, at)
                     .Bind(2, client_id)
                     .Run();
      if (!run.ok()) return run;
      changed = db.changes();
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return changed;
  }

  Result<std::optional<SessionWithClient>> FindSessionWithClient(
      const std::string& session_id) override {
    std::optional<SessionWithClient> found;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement session(db,
                        "SELECT id, client_id, sealed_key, created_at, expires_at, revoked_at "
                        "FROM api_sessions WHERE id = ?");
      session.Bind(1, session_id);
      auto row = session.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return OkStatus();
      SessionWithClient both;
      both.session = {session.Text(0), session.Text(1), session.Text(2),
                      session.Int(3),  session.Int(4),  session.OptionalInt(5)};
      Statement client(db,
                       std::string("SELECT ") + kClientColumns + " FROM api_clients WHERE id = ?");
      client.Bind(1, both.session.client_id);
      row = client.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return OkStatus();
      both.client = ReadClient(client);
      found = std::move(both);
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return found;
  }

  // Unlike SQLite's store (one node: the nonce waits in memory, where replays find it,
  // for a write every 50 ms), a nonce here is a row at once: a replay sent to another node
  // a millisecond later finds it. One INSERT, which a replay's conflicts with; on a
  // PostgreSQL server the write costs about what the read it replaces did.
  Result<bool> RememberNonce(const std::string& session_id, const std::string& nonce,
                             std::int64_t keep_until) override {
    bool fresh = false;
    auto status = db_.ReadCommitted([&](Connection& db) -> Status {
      Statement insert(db,
                       "INSERT INTO request_nonces (keep_until, session_id, nonce) "
                       "VALUES (?,?,?) ON CONFLICT DO NOTHING");
      if (auto run = insert.Bind(1, keep_until).Bind(2, session_id).Bind(3, nonce).Run();
          !run.ok()) {
        return run;
      }
      fresh = insert.changes() > 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return fresh;
  }

  Status WriteNonces() override { return OkStatus(); }  // each is written as it comes

  Result<std::int64_t> PruneExpired(std::int64_t now) override {
    std::int64_t removed = 0;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      for (const char* sql : {"DELETE FROM access_tokens WHERE expires_at < ?",
                              "DELETE FROM api_sessions WHERE expires_at < ?",
                              "DELETE FROM request_nonces WHERE keep_until < ?"}) {
        auto run = Statement(db, sql).Bind(1, now).Run();
        if (!run.ok()) return run;
        removed += db.changes();
      }
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return removed;
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<ApiClientStore> NewApiClientStore(Database& db) {
  return std::make_unique<PgApiClientStore>(db);
}

}  // namespace sealpost::pg
