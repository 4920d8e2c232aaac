// The PortalSessionStore in SQL both backends speak alike: one implementation over
// either's Database, Connection and Statement (store/sqlite/database.h and
// store/postgres/database.h have the same shape on purpose).
#pragma once

#include <memory>
#include <string>

#include "store/stores.h"

namespace sealpost::portal_session_sql {

template <typename Database, typename Connection, typename Statement>
class Store final : public PortalSessionStore {
 public:
  explicit Store(Database& db) : db_(db) {}

  Status Put(const PortalSessionRecord& r) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db,
                       "INSERT INTO portal_sessions (token_hash, kind, recipient_id, account_id, "
                       "sealed, expires_at, ends_at) VALUES (?,?,?,?,?,?,?) "
                       "ON CONFLICT (token_hash) DO UPDATE SET kind = excluded.kind, "
                       "recipient_id = excluded.recipient_id, account_id = excluded.account_id, "
                       "sealed = excluded.sealed, expires_at = excluded.expires_at, "
                       "ends_at = excluded.ends_at")
          .BindBlob(1, r.token_hash)
          .Bind(2, r.kind)
          .Bind(3, r.recipient_id)
          .Bind(4, r.account_id)
          .BindBlob(5, r.sealed)
          .Bind(6, r.expires_at)
          .Bind(7, r.ends_at)
          .Run();
    });
  }

  Result<std::optional<PortalSessionRecord>> Find(const std::string& token_hash,
                                                  std::int64_t now) override {
    std::optional<PortalSessionRecord> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      out.reset();
      Statement s(db,
                  "SELECT token_hash, kind, recipient_id, account_id, sealed, expires_at, ends_at "
                  "FROM portal_sessions WHERE token_hash = ? AND expires_at > ?");
      s.BindBlob(1, token_hash).Bind(2, now);
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (*row) {
        out = PortalSessionRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3),
                                  s.Text(4), s.Int(5),  s.Int(6)};
      }
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Status Touch(const std::string& token_hash, std::int64_t expires_at) override {
    return Run(
        "UPDATE portal_sessions SET expires_at = CASE WHEN ? < ends_at THEN ? ELSE "
        "ends_at END WHERE token_hash = ?",
        [&](Statement& s) { s.Bind(1, expires_at).Bind(2, expires_at).BindBlob(3, token_hash); });
  }

  Status Remove(const std::string& token_hash) override {
    return Run("DELETE FROM portal_sessions WHERE token_hash = ?",
               [&](Statement& s) { s.BindBlob(1, token_hash); });
  }

  Status RemoveAccount(const std::string& account_id) override {
    if (account_id.empty()) return OkStatus();
    return Run("DELETE FROM portal_sessions WHERE account_id = ?",
               [&](Statement& s) { s.Bind(1, account_id); });
  }

  Result<std::int64_t> Count(const std::string& kind, std::int64_t now) override {
    std::int64_t n = 0;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(db, "SELECT count(*) FROM portal_sessions WHERE kind = ? AND expires_at > ?");
      s.Bind(1, kind).Bind(2, now);
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      n = *row ? s.Int(0) : 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return n;
  }

  Result<std::int64_t> PruneExpired(std::int64_t now) override {
    std::int64_t before = 0, after = 0;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      for (auto* n : {&before, &after}) {
        Statement count(db, "SELECT count(*) FROM portal_sessions");
        auto row = count.Step();
        if (!row.ok()) return std::move(row).error();
        *n = *row ? count.Int(0) : 0;
        if (n == &before) {
          auto gone =
              Statement(db, "DELETE FROM portal_sessions WHERE expires_at <= ?").Bind(1, now).Run();
          if (!gone.ok()) return gone;
        }
      }
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return before - after;
  }

 private:
  template <typename BindFn>
  Status Run(const char* sql, BindFn bind) {
    return db_.Transaction([&](Connection& db) {
      Statement s(db, sql);
      bind(s);
      return s.Run();
    });
  }

  Database& db_;
};

}  // namespace sealpost::portal_session_sql
