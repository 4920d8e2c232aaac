#include <sqlite3.h>

#include "store/portal_session_sql.h"
#include "store/sqlite/stores.h"

namespace sealpost::sqlite {
namespace {

constexpr const char* kAccountColumns =
    "id, namespace, address, password_hash, created_at, confirmed_at, sealed_totp, totp_last_step";

PortalAccountRecord ReadAccount(const Statement& s) {
  PortalAccountRecord a;
  a.id = s.Text(0);
  a.namespace_name = s.Text(1);
  a.address = s.Text(2);
  a.password_hash = s.Text(3);
  a.created_at = s.Int(4);
  a.confirmed_at = s.OptionalInt(5);
  a.sealed_totp = s.Text(6);
  a.totp_last_step = s.Int(7);
  return a;
}

constexpr const char* kPasskeyColumns =
    "id, account_id, name, public_key, algorithm, sign_count, backed_up, created_at, last_used_at";

PasskeyRecord ReadPasskey(const Statement& s) {
  PasskeyRecord p;
  p.id = s.Text(0);
  p.account_id = s.Text(1);
  p.name = s.Text(2);
  p.public_key = s.Text(3);
  p.algorithm = static_cast<int>(s.Int(4));
  p.sign_count = s.Int(5);
  p.backed_up = s.Int(6) != 0;
  p.created_at = s.Int(7);
  p.last_used_at = s.OptionalInt(8);
  return p;
}

Status InsertToken(Connection& db, const PortalTokenRecord& t) {
  return Statement(db, "INSERT INTO portal_tokens VALUES (?,?,?,?,?)")
      .BindBlob(1, t.hash).Bind(2, t.account_id).Bind(3, t.purpose).Bind(4, t.recipient_id)
      .Bind(5, t.expires_at).Run();
}

// kAlreadyExists when the namespace has an account for the address (registering it, or
// confirming a registration, is then refused).
Status RefuseExisting(Connection& db, const std::string& namespace_name, const std::string& address) {
  Statement existing(db, "SELECT 1 FROM portal_accounts WHERE namespace = ? AND address = ?");
  existing.Bind(1, namespace_name).Bind(2, address);
  auto row = existing.Step();
  if (!row.ok()) return std::move(row).error();
  if (*row) return MakeError(ErrorCode::kAlreadyExists, "this address already has an account");
  return OkStatus();
}

class SqlitePortalAccountStore final : public PortalAccountStore {
 public:
  explicit SqlitePortalAccountStore(Database& db) : db_(db) {}

  Status AddRegistration(const PortalRegistrationRecord& r, int max_pending) override {
    return db_.Transaction([&](Connection& db) -> Status {
      if (auto taken = RefuseExisting(db, r.namespace_name, r.address); !taken.ok()) return taken;
      Statement pending(db, "SELECT count(*) FROM portal_registrations WHERE namespace = ? AND "
                            "address = ? AND expires_at > ?");
      pending.Bind(1, r.namespace_name).Bind(2, r.address).Bind(3, r.created_at);
      auto row = pending.Step();
      if (!row.ok()) return std::move(row).error();
      if (pending.Int(0) >= max_pending) {
        return MakeError(ErrorCode::kResourceExhausted,
                         "too many registrations wait for this address");
      }
      // Expired registrations of the address go as new ones come.
      auto s = Statement(db, "DELETE FROM portal_registrations WHERE namespace = ? AND "
                             "address = ? AND expires_at <= ?")
                   .Bind(1, r.namespace_name).Bind(2, r.address).Bind(3, r.created_at).Run();
      if (!s.ok()) return s;
      return Statement(db, "INSERT INTO portal_registrations (id, namespace, address, "
                           "password_hash, token_hash, browser_hash, recipient_id, created_at, "
                           "expires_at) VALUES (?,?,?,?,?,?,?,?,?)")
          .Bind(1, r.id).Bind(2, r.namespace_name).Bind(3, r.address).Bind(4, r.password_hash)
          .BindBlob(5, r.token_hash).BindBlob(6, r.browser_hash).Bind(7, r.recipient_id)
          .Bind(8, r.created_at).Bind(9, r.expires_at).Run();
    });
  }

  Result<std::optional<PortalRegistrationRecord>> FindRegistration(const std::string& token_hash,
                                                                   std::int64_t now) override {
    return QueryOne<PortalRegistrationRecord>(
        db_,
        "SELECT id, namespace, address, password_hash, token_hash, browser_hash, recipient_id, "
        "created_at, expires_at FROM portal_registrations WHERE token_hash = ? AND expires_at > ?",
        [&](Statement& s) { s.BindBlob(1, token_hash).Bind(2, now); },
        [](const Statement& s) {
          return PortalRegistrationRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4),
                                          s.Text(5), s.Text(6), s.Int(7), s.Int(8)};
        });
  }

  Result<std::optional<PortalAccountRecord>> ConfirmRegistration(const std::string& token_hash,
                                                                 const std::string& account_id,
                                                                 std::int64_t now) override {
    std::optional<PortalAccountRecord> out;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      Statement s(db, "SELECT namespace, address, password_hash, expires_at "
                      "FROM portal_registrations WHERE token_hash = ?");
      s.BindBlob(1, token_hash);
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row || s.Int(3) <= now) return OkStatus();
      PortalAccountRecord a;
      a.id = account_id;
      a.namespace_name = s.Text(0);
      a.address = s.Text(1);
      a.password_hash = s.Text(2);
      a.created_at = now;
      a.confirmed_at = now;
      if (auto taken = RefuseExisting(db, a.namespace_name, a.address); !taken.ok()) return taken;
      auto done = Statement(db, "DELETE FROM portal_registrations WHERE namespace = ? AND "
                                "address = ?")
                      .Bind(1, a.namespace_name).Bind(2, a.address).Run();
      if (!done.ok()) return done;
      done = Statement(db, std::string("INSERT INTO portal_accounts (") + kAccountColumns +
                               ") VALUES (?,?,?,?,?,?,?,?)")
                 .Bind(1, a.id).Bind(2, a.namespace_name).Bind(3, a.address)
                 .Bind(4, a.password_hash).Bind(5, a.created_at).Bind(6, a.confirmed_at)
                 .BindBlob(7, a.sealed_totp).Bind(8, a.totp_last_step).Run();
      if (!done.ok()) return done;
      out = std::move(a);
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Result<std::optional<PortalAccountRecord>> Find(const std::string& id) override {
    return FindWhere("id = ?", {id});
  }

  Result<std::optional<PortalAccountRecord>> FindByAddress(const std::string& namespace_name,
                                                           const std::string& address) override {
    return FindWhere("namespace = ? AND address = ?", {namespace_name, address});
  }

  Status PutToken(const PortalTokenRecord& token) override {
    return db_.Transaction([&](Connection& db) { return InsertToken(db, token); });
  }

  Result<std::optional<PortalTokenRecord>> FindToken(const std::string& hash,
                                                     const std::string& purpose,
                                                     std::int64_t now) override {
    return QueryOne<PortalTokenRecord>(
        db_,
        "SELECT hash, account_id, purpose, recipient_id, expires_at FROM portal_tokens "
        "WHERE hash = ? AND purpose = ? AND expires_at > ?",
        [&](Statement& s) { s.BindBlob(1, hash).Bind(2, purpose).Bind(3, now); },
        [](const Statement& s) {
          return PortalTokenRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4)};
        });
  }

  Result<std::optional<PortalTokenRecord>> TakeToken(const std::string& hash,
                                                     const std::string& purpose,
                                                     std::int64_t now) override {
    std::optional<PortalTokenRecord> out;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      Statement s(db, "SELECT hash, account_id, purpose, recipient_id, expires_at "
                      "FROM portal_tokens WHERE hash = ? AND purpose = ?");
      s.BindBlob(1, hash).Bind(2, purpose);
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return OkStatus();
      PortalTokenRecord t{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4)};
      auto deleted = Statement(db, "DELETE FROM portal_tokens WHERE hash = ?").BindBlob(1, hash).Run();
      if (!deleted.ok()) return deleted;
      if (t.expires_at > now) out = std::move(t);
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Status SetPassword(const std::string& id, const std::string& password_hash) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, "UPDATE portal_accounts SET password_hash = ? WHERE id = ?")
                   .Bind(1, password_hash).Bind(2, id).Run();
      if (!s.ok()) return s;
      if (sqlite3_changes(db) == 0) return MakeError(ErrorCode::kNotFound, "no such account");
      return Statement(db, "DELETE FROM portal_tokens WHERE account_id = ? AND purpose = 'reset'")
          .Bind(1, id).Run();
    });
  }

  Status SetTotp(const std::string& id, const std::string& sealed_totp,
                 const std::vector<std::string>& recovery_hashes) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, "UPDATE portal_accounts SET sealed_totp = ? WHERE id = ?")
                   .BindBlob(1, sealed_totp).Bind(2, id).Run();
      if (!s.ok()) return s;
      if (sqlite3_changes(db) == 0) return MakeError(ErrorCode::kNotFound, "no such account");
      s = Statement(db, "DELETE FROM portal_recovery_codes WHERE account_id = ?").Bind(1, id).Run();
      if (!s.ok()) return s;
      for (const auto& h : recovery_hashes) {
        s = Statement(db, "INSERT INTO portal_recovery_codes VALUES (?,?)")
                .Bind(1, id).BindBlob(2, h).Run();
        if (!s.ok()) return s;
      }
      return OkStatus();
    });
  }

  Result<bool> UseTotpStep(const std::string& id, std::int64_t step) override {
    bool used = false;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, "UPDATE portal_accounts SET totp_last_step = ? "
                             "WHERE id = ? AND totp_last_step < ?")
                   .Bind(1, step).Bind(2, id).Bind(3, step).Run();
      if (!s.ok()) return s;
      used = sqlite3_changes(db) > 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return used;
  }

  Result<bool> UseRecoveryCode(const std::string& id, const std::string& hash) override {
    bool used = false;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, "DELETE FROM portal_recovery_codes WHERE account_id = ? AND hash = ?")
                   .Bind(1, id).BindBlob(2, hash).Run();
      if (!s.ok()) return s;
      used = sqlite3_changes(db) > 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return used;
  }

  Result<std::vector<PortalAccountRecord>> ListConfirmed(
      const std::string& namespace_name) override {
    std::vector<PortalAccountRecord> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(db, std::string("SELECT ") + kAccountColumns +
                          " FROM portal_accounts WHERE namespace = ? AND confirmed_at IS NOT NULL "
                          "ORDER BY address");
      s.Bind(1, namespace_name);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        out.push_back(ReadAccount(s));
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Status Import(const PortalAccountRecord& a) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement existing(db, "SELECT 1 FROM portal_accounts WHERE namespace = ? AND address = ?");
      existing.Bind(1, a.namespace_name).Bind(2, a.address);
      auto row = existing.Step();
      if (!row.ok()) return std::move(row).error();
      if (*row) {
        return MakeError(ErrorCode::kAlreadyExists,
                         "the namespace has an account for this address");
      }
      auto s = Statement(db, std::string("INSERT INTO portal_accounts (") + kAccountColumns +
                                 ") VALUES (?,?,?,?,?,?,?,?)")
                   .Bind(1, a.id)
                   .Bind(2, a.namespace_name)
                   .Bind(3, a.address)
                   .Bind(4, a.password_hash)
                   .Bind(5, a.created_at)
                   .Bind(6, a.confirmed_at)
                   .BindBlob(7, a.sealed_totp)
                   .Bind(8, a.totp_last_step)
                   .Run();
      if (!s.ok()) return s;
      for (const auto& hash : a.recovery_hashes) {
        s = Statement(db, "INSERT INTO portal_recovery_codes VALUES (?,?)")
                .Bind(1, a.id)
                .BindBlob(2, hash)
                .Run();
        if (!s.ok()) return s;
      }
      return OkStatus();
    });
  }

  Status AddPasskey(const PasskeyRecord& p, int max_per_account) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement count(db, "SELECT count(*) FROM passkeys WHERE account_id = ?");
      count.Bind(1, p.account_id);
      auto row = count.Step();
      if (!row.ok()) return std::move(row).error();
      if (count.Int(0) >= max_per_account) {
        return MakeError(ErrorCode::kResourceExhausted, "this sign-in has " +
                                                            std::to_string(max_per_account) +
                                                            " passkeys already; remove one first");
      }
      Statement existing(db, "SELECT 1 FROM passkeys WHERE id = ?");
      existing.BindBlob(1, p.id);
      row = existing.Step();
      if (!row.ok()) return std::move(row).error();
      if (*row) return MakeError(ErrorCode::kAlreadyExists, "this passkey is registered already");
      return Statement(db,
                       "INSERT INTO passkeys (id, account_id, name, public_key, algorithm, "
                       "sign_count, backed_up, created_at, last_used_at) "
                       "VALUES (?,?,?,?,?,?,?,?,?)")
          .BindBlob(1, p.id)
          .Bind(2, p.account_id)
          .Bind(3, p.name)
          .BindBlob(4, p.public_key)
          .Bind(5, static_cast<std::int64_t>(p.algorithm))
          .Bind(6, p.sign_count)
          .Bind(7, static_cast<std::int64_t>(p.backed_up))
          .Bind(8, p.created_at)
          .Bind(9, p.last_used_at)
          .Run();
    });
  }

  Result<std::vector<PasskeyRecord>> ListPasskeys(const std::string& account_id) override {
    return QueryAll<PasskeyRecord>(
        db_,
        std::string("SELECT ") + kPasskeyColumns +
            " FROM passkeys WHERE account_id = ? ORDER BY created_at, name",
        [&](Statement& s) { s.Bind(1, account_id); }, ReadPasskey);
  }

  Result<std::optional<PasskeyRecord>> FindPasskey(const std::string& id) override {
    return QueryOne<PasskeyRecord>(
        db_, std::string("SELECT ") + kPasskeyColumns + " FROM passkeys WHERE id = ?",
        [&](Statement& s) { s.BindBlob(1, id); }, ReadPasskey);
  }

  Result<bool> UsePasskey(const std::string& id, std::int64_t seen, std::int64_t count,
                          std::int64_t at) override {
    bool used = false;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db,
                         "UPDATE passkeys SET sign_count = ?, last_used_at = ? "
                         "WHERE id = ? AND sign_count = ?")
                   .Bind(1, count)
                   .Bind(2, at)
                   .BindBlob(3, id)
                   .Bind(4, seen)
                   .Run();
      if (!s.ok()) return s;
      used = sqlite3_changes(db) > 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return used;
  }

  Result<bool> RemovePasskey(const std::string& account_id, const std::string& id) override {
    bool removed = false;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, "DELETE FROM passkeys WHERE account_id = ? AND id = ?")
                   .Bind(1, account_id)
                   .BindBlob(2, id)
                   .Run();
      if (!s.ok()) return s;
      removed = sqlite3_changes(db) > 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return removed;
  }

 private:
  Result<std::optional<PortalAccountRecord>> FindWhere(const char* where,
                                                       const std::vector<std::string>& values) {
    std::optional<PortalAccountRecord> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(db, std::string("SELECT ") + kAccountColumns + " FROM portal_accounts WHERE " + where);
      for (std::size_t i = 0; i < values.size(); ++i) s.Bind(static_cast<int>(i + 1), values[i]);
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return OkStatus();
      out = ReadAccount(s);
      Statement codes(db, "SELECT hash FROM portal_recovery_codes WHERE account_id = ?");
      codes.Bind(1, out->id);
      for (;;) {
        auto more = codes.Step();
        if (!more.ok()) return std::move(more).error();
        if (!*more) return OkStatus();
        out->recovery_hashes.push_back(codes.Text(0));
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<PortalAccountStore> NewPortalAccountStore(Database& db) {
  return std::make_unique<SqlitePortalAccountStore>(db);
}

std::unique_ptr<PortalSessionStore> NewPortalSessionStore(Database& db) {
  return std::make_unique<portal_session_sql::Store<Database, Connection, Statement>>(db);
}

}  // namespace sealpost::sqlite
