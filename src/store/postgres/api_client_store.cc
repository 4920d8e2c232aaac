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
  explicit PgApiClientStore(Database& db) : db_(db), nonces_(std::make_unique<NonceGuard>()) {}
  ~PgApiClientStore() override { (void)WriteNonces(); }

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

  Result<bool> RememberNonce(const std::string& session_id, const std::string& nonce,
                             std::int64_t keep_until) override {
    NonceGuard& guard = *nonces_;
    NonceKey key{keep_until, session_id, nonce};
    for (;;) {
      std::uint64_t seen_generation = 0;
      {
        std::lock_guard lock(guard.mu);
        if (guard.waiting.count(key)) return false;
        seen_generation = guard.generation;
      }
      bool kept = false;
      auto status = db_.Read([&](Connection& db) -> Status {
        Statement find(db,
                       "SELECT 1 FROM request_nonces WHERE keep_until = ? AND session_id = ? "
                       "AND nonce = ?");
        find.Bind(1, keep_until).Bind(2, session_id).Bind(3, nonce);
        auto row = find.Step();
        if (!row.ok()) return std::move(row).error();
        kept = *row;
        return OkStatus();
      });
      if (!status.ok()) return std::move(status).error();
      if (kept) return false;
      std::size_t waiting = 0;
      {
        std::lock_guard lock(guard.mu);
        // Written and let go while the table was read: read it again.
        if (guard.generation != seen_generation) continue;
        if (!guard.waiting.insert(key).second) return false;
        waiting = guard.waiting.size();
      }
      // The server's worker writes them every 50 ms; a burst is written at once.
      if (waiting >= kMostNoncesWaiting) {
        if (auto written = WriteNonces(); !written.ok()) return std::move(written).error();
      }
      return true;
    }
  }

  Status WriteNonces() override {
    NonceGuard& guard = *nonces_;
    std::vector<NonceKey> batch;
    {
      std::lock_guard lock(guard.mu);
      batch.assign(guard.waiting.begin(), guard.waiting.end());
    }
    if (batch.empty()) return OkStatus();
    auto status = db_.Transaction([&](Connection& db) -> Status {
      for (const NonceKey& k : batch) {
        auto run = Statement(db,
                             "INSERT INTO request_nonces (keep_until, session_id, nonce) "
                             "VALUES (?,?,?) ON CONFLICT DO NOTHING")
                       .Bind(1, k.keep_until)
                       .Bind(2, k.session_id)
                       .Bind(3, k.nonce)
                       .Run();
        if (!run.ok()) return run;
      }
      return OkStatus();
    });
    if (!status.ok()) return status;  // they wait for the next try
    std::lock_guard lock(guard.mu);
    for (const NonceKey& k : batch) guard.waiting.erase(k);
    ++guard.generation;
    return OkStatus();
  }

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
  // A nonce is known by its row's whole key: a replay carries the same created time,
  // so the same keep_until.
  struct NonceKey {
    std::int64_t keep_until;
    std::string session_id;
    std::string nonce;
    bool operator<(const NonceKey& o) const {
      return std::tie(keep_until, session_id, nonce) <
             std::tie(o.keep_until, o.session_id, o.nonce);
    }
  };
  // Nonces seen but not yet committed to request_nonces, written together by
  // WriteNonces: a transaction of each request's own, even grouped, or a row riding in
  // each request's own transaction (one more page in the log per change) cost signed
  // requests 5 % of the API's throughput; one transaction every 50 ms costs nothing
  // measurable. Each is let go only after its row committed, and `generation` then moves
  // on: a caller that read the table before that reads it again (RememberNonce), so no
  // nonce is ever in neither place.
  struct NonceGuard {
    std::mutex mu;
    std::set<NonceKey> waiting;
    std::uint64_t generation = 0;
  };
  static constexpr std::size_t kMostNoncesWaiting = 1024;

  Database& db_;
  std::unique_ptr<NonceGuard> nonces_;
};

}  // namespace

std::unique_ptr<ApiClientStore> NewApiClientStore(Database& db) {
  return std::make_unique<PgApiClientStore>(db);
}

}  // namespace sealpost::pg
