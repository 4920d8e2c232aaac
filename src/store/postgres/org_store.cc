#include "store/postgres/stores.h"

namespace sealpost::pg {
namespace {

// One row by a single key.
template <typename Record, typename ReadFn>
Result<std::optional<Record>> FindOne(Database& db, const char* sql, const std::string& key,
                                      ReadFn read) {
  return QueryOne<Record>(
      db, sql, [&](Statement& s) { s.Bind(1, key); }, read);
}

bool Exists(Connection& db, const char* sql, const std::string& key) {
  Statement s(db, sql);
  s.Bind(1, key);
  auto row = s.Step();
  return row.ok() && *row;
}

// Revokes the API clients that `where` selects (its one parameter is $2), with their
// signed sessions and access tokens: the next request with any of them is refused.
Status RevokeClients(Connection& db, std::string_view where, const std::string& key,
                     std::int64_t now) {
  const std::string clients = "SELECT id FROM api_clients WHERE " + std::string(where);
  for (const std::string& sql :
       {"UPDATE api_sessions SET revoked_at = $1 WHERE revoked_at IS NULL AND client_id IN (" +
            clients + ")",
        "UPDATE access_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND client_id IN (" +
            clients + ")",
        "UPDATE api_clients SET revoked_at = $1 WHERE revoked_at IS NULL AND " +
            std::string(where)}) {
    auto s = Statement(db, sql).Bind(1, now).Bind(2, key).Run();
    if (!s.ok()) return s;
  }
  return OkStatus();
}

// Deletes the address books of one owner; their entries and links go with them.
Status DeleteBooksOf(Connection& db, const char* level, const std::string& owner) {
  return Statement(db, "DELETE FROM address_books WHERE owner_level = ? AND owner = ?")
      .Bind(1, level)
      .Bind(2, owner)
      .Run();
}

// Runs `sql` (one parameter) and says kNotFound with `missing` when it changed nothing.
Status DeleteOne(Connection& db, const char* sql, const std::string& key, std::string missing) {
  auto s = Statement(db, sql).Bind(1, key).Run();
  if (!s.ok()) return s;
  if (db.changes() == 0) return MakeError(ErrorCode::kNotFound, std::move(missing));
  return OkStatus();
}

class PgOrgStore final : public OrgStore {
 private:
  // `sealed_key`: the Message Center key it keeps (never taken from `n`, so a record
  // read before the key was made cannot drop it).
  static Status WriteNamespace(Connection& db, const NamespaceRecord& n,
                               const std::string& sealed_key) {
    auto s = Statement(db,
                       "INSERT INTO namespaces (name, display_name, colour, support_contact, "
                       "logo, logo_type, message_center, created_at, sealed_key) "
                       "VALUES (?,?,?,?,?,?,?,?,?)")
                 .Bind(1, n.name)
                 .Bind(2, n.display_name)
                 .Bind(3, n.colour)
                 .Bind(4, n.support_contact)
                 .BindBlob(5, n.logo)
                 .Bind(6, n.logo_type)
                 .Bind(7, std::int64_t{n.message_center ? 1 : 0})
                 .Bind(8, n.created_at)
                 .BindBlob(9, sealed_key)
                 .Run();
    if (!s.ok()) return s;
    for (const auto& host : n.hosts) {
      Statement owner(db, "SELECT namespace FROM namespace_hosts WHERE host = ?");
      owner.Bind(1, host);
      auto row = owner.Step();
      if (!row.ok()) return std::move(row).error();
      if (*row) {
        return MakeError(ErrorCode::kAlreadyExists,
                         "host " + host + " already belongs to namespace " + owner.Text(0), "host");
      }
      s = Statement(db, "INSERT INTO namespace_hosts VALUES (?,?)")
              .Bind(1, host)
              .Bind(2, n.name)
              .Run();
      if (!s.ok()) return s;
    }
    return OkStatus();
  }

  Result<std::vector<NamespaceRecord>> ReadNamespaces(const std::optional<std::string>& name) {
    std::vector<NamespaceRecord> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(
          db, std::string("SELECT name, display_name, colour, support_contact, logo, logo_type, "
                          "message_center, created_at, sealed_key FROM namespaces") +
                  (name ? " WHERE name = ?" : " ORDER BY name"));
      if (name) s.Bind(1, *name);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) break;
        NamespaceRecord n;
        n.name = s.Text(0);
        n.display_name = s.Text(1);
        n.colour = s.Text(2);
        n.support_contact = s.Text(3);
        n.logo = s.Text(4);
        n.logo_type = s.Text(5);
        n.message_center = s.Int(6) != 0;
        n.created_at = s.Int(7);
        n.sealed_key = s.Text(8);
        out.push_back(std::move(n));
      }
      for (auto& n : out) {
        Statement hosts(db, "SELECT host FROM namespace_hosts WHERE namespace = ? ORDER BY host");
        hosts.Bind(1, n.name);
        for (;;) {
          auto row = hosts.Step();
          if (!row.ok()) return std::move(row).error();
          if (!*row) break;
          n.hosts.push_back(hosts.Text(0));
        }
      }
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

 public:
  explicit PgOrgStore(Database& db) : db_(db) {}

  Status CreateAccount(const AccountRecord& a) override {
    return db_.Transaction([&](Connection& db) -> Status {
      if (Exists(db, "SELECT 1 FROM accounts WHERE name = ?", a.name)) {
        return MakeError(ErrorCode::kAlreadyExists, "account " + a.name + " already exists");
      }
      // The organisation's own account ("default") has had messages from its clients
      // before it had a row, and they were always its own.
      if (a.name != "default" &&
          Exists(db, "SELECT 1 FROM messages WHERE account = ? LIMIT 1", a.name)) {
        return MakeError(ErrorCode::kAlreadyExists,
                         "account " + a.name +
                             " was deleted and its messages are still kept; choose another name");
      }
      return Statement(db, "INSERT INTO accounts VALUES (?,?,?)")
          .Bind(1, a.name)
          .BindBlob(2, a.sealed_settings)
          .Bind(3, a.created_at)
          .Run();
    });
  }

  Status CreateDomain(const DomainRecord& d) override {
    return db_.Transaction([&](Connection& db) -> Status {
      if (!Exists(db, "SELECT 1 FROM accounts WHERE name = ?", d.account)) {
        return MakeError(ErrorCode::kNotFound, "no account " + d.account);
      }
      if (Exists(db, "SELECT 1 FROM domains WHERE name = ?", d.name)) {
        return MakeError(ErrorCode::kAlreadyExists, "domain " + d.name + " already exists");
      }
      return Statement(db, "INSERT INTO domains VALUES (?,?,?,?)")
          .Bind(1, d.name)
          .Bind(2, d.account)
          .BindBlob(3, d.sealed_settings)
          .Bind(4, d.created_at)
          .Run();
    });
  }

  Status CreateNamespace(const NamespaceRecord& n) override {
    return db_.Transaction([&](Connection& db) -> Status {
      if (Exists(db, "SELECT 1 FROM namespaces WHERE name = ?", n.name)) {
        return MakeError(ErrorCode::kAlreadyExists, "namespace " + n.name + " already exists");
      }
      return WriteNamespace(db, n, "");
    });
  }

  Status UpdateNamespace(const NamespaceRecord& n) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement key(db, "SELECT sealed_key FROM namespaces WHERE name = ?");
      key.Bind(1, n.name);
      auto row = key.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kNotFound, "no namespace " + n.name);
      const std::string sealed_key = key.Text(0);
      auto s =
          Statement(db, "DELETE FROM namespace_hosts WHERE namespace = ?").Bind(1, n.name).Run();
      if (!s.ok()) return s;
      s = Statement(db, "DELETE FROM namespaces WHERE name = ?").Bind(1, n.name).Run();
      if (!s.ok()) return s;
      return WriteNamespace(db, n, sealed_key);
    });
  }

  Result<std::optional<NamespaceRecord>> FindNamespace(const std::string& name) override {
    auto all = ReadNamespaces(name);
    if (!all.ok()) return std::move(all).error();
    if (all->empty()) return std::optional<NamespaceRecord>();
    return std::optional<NamespaceRecord>(std::move(all->front()));
  }

  Result<std::vector<NamespaceRecord>> ListNamespaces() override {
    return ReadNamespaces(std::nullopt);
  }

  Result<std::string> KeepNamespaceKey(const std::string& name,
                                       const std::string& sealed_key) override {
    std::string kept;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto s =
          Statement(
              db, "UPDATE namespaces SET sealed_key = ? WHERE name = ? AND sealed_key = ''::bytea")
              .BindBlob(1, sealed_key)
              .Bind(2, name)
              .Run();
      if (!s.ok()) return s;
      Statement read(db, "SELECT sealed_key FROM namespaces WHERE name = ?");
      read.Bind(1, name);
      auto row = read.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kNotFound, "no namespace " + name);
      kept = read.Text(0);
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return kept;
  }

  Status CreateUser(const UserRecord& u) override {
    return db_.Transaction([&](Connection& db) -> Status {
      if (!Exists(db, "SELECT 1 FROM domains WHERE name = ?", u.domain)) {
        return MakeError(ErrorCode::kNotFound, "no domain " + u.domain);
      }
      if (Exists(db, "SELECT 1 FROM users WHERE address = ?", u.address)) {
        return MakeError(ErrorCode::kAlreadyExists, "user " + u.address + " already exists");
      }
      return Statement(db,
                       "INSERT INTO users (address, domain, sealed_settings, smtp_password_hash, "
                       "created_at, console_role) VALUES (?,?,?,?,?,?)")
          .Bind(1, u.address)
          .Bind(2, u.domain)
          .BindBlob(3, u.sealed_settings)
          .Bind(4, u.smtp_password_hash)
          .Bind(5, u.created_at)
          .Bind(6, u.console_role)
          .Run();
    });
  }

  Result<std::optional<AccountRecord>> FindAccount(const std::string& name) override {
    return FindOne<AccountRecord>(
        db_, "SELECT name, sealed_settings, created_at FROM accounts WHERE name = ?", name,
        [](const Statement& s) {
          return AccountRecord{s.Text(0), s.Text(1), s.Int(2)};
        });
  }

  Result<std::optional<DomainRecord>> FindDomain(const std::string& name) override {
    return FindOne<DomainRecord>(
        db_, "SELECT name, account, sealed_settings, created_at FROM domains WHERE name = ?", name,
        [](const Statement& s) {
          return DomainRecord{s.Text(0), s.Text(1), s.Text(2), s.Int(3)};
        });
  }

  Result<std::optional<UserRecord>> FindUser(const std::string& address) override {
    return FindOne<UserRecord>(
        db_,
        "SELECT address, domain, sealed_settings, smtp_password_hash, created_at, "
        "console_role FROM users WHERE address = ?",
        address, [](const Statement& s) {
          return UserRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Text(5)};
        });
  }

  Result<std::vector<AccountRecord>> ListAccounts() override {
    return QueryAll<AccountRecord>(
        db_, "SELECT name, sealed_settings, created_at FROM accounts ORDER BY name",
        [](Statement&) {},
        [](const Statement& s) {
          return AccountRecord{s.Text(0), s.Text(1), s.Int(2)};
        });
  }

  Result<std::vector<DomainRecord>> ListDomains(const std::string& account) override {
    return QueryAll<DomainRecord>(
        db_,
        "SELECT name, account, sealed_settings, created_at FROM domains "
        "WHERE $1::text = '' OR account = $1::citext ORDER BY name",
        [&](Statement& s) { s.Bind(1, account); },
        [](const Statement& s) {
          return DomainRecord{s.Text(0), s.Text(1), s.Text(2), s.Int(3)};
        });
  }

  Result<std::vector<UserRecord>> ListUsers(const std::string& account,
                                            const std::string& domain) override {
    // Never the password hash: "set" when there is one (SMTP login is on).
    return QueryAll<UserRecord>(
        db_,
        "SELECT u.address, u.domain, u.sealed_settings, "
        "CASE WHEN u.smtp_password_hash = '' THEN '' ELSE 'set' END, u.created_at, "
        "u.console_role FROM users u "
        "JOIN domains d ON d.name = u.domain WHERE ($1::text = '' OR d.account = $1::citext) "
        "AND ($2::text = '' OR u.domain = $2::citext) ORDER BY u.address",
        [&](Statement& s) { s.Bind(1, account).Bind(2, domain); },
        [](const Statement& s) {
          return UserRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Text(5)};
        });
  }

  Status SetSettings(OrgLevel level, const std::string& name,
                     const std::string& sealed_settings) override {
    const char* sql =
        level == OrgLevel::kAccount  ? "UPDATE accounts SET sealed_settings = ? WHERE name = ?"
        : level == OrgLevel::kDomain ? "UPDATE domains SET sealed_settings = ? WHERE name = ?"
                                     : "UPDATE users SET sealed_settings = ? WHERE address = ?";
    return db_.Transaction([&](Connection& db) -> Status {
      auto status = Statement(db, sql).BindBlob(1, sealed_settings).Bind(2, name).Run();
      if (!status.ok()) return status;
      if (db.changes() == 0) return MakeError(ErrorCode::kNotFound, "no such " + name);
      return OkStatus();
    });
  }

  Status DeleteUser(const std::string& address, std::int64_t now) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = DeleteOne(db, "DELETE FROM users WHERE address = ?", address, "no user " + address);
      if (!s.ok()) return s;
      s = RevokeClients(db, "\"user\" = $2::citext", address, now);
      if (!s.ok()) return s;
      // Tokens the password grant gave the user through a client not bound to them.
      s = Statement(db,
                    "UPDATE access_tokens SET revoked_at = ? "
                    "WHERE \"user\" = ? AND revoked_at IS NULL")
              .Bind(1, now)
              .Bind(2, address)
              .Run();
      if (!s.ok()) return s;
      s = DeleteBooksOf(db, "user", address);
      if (!s.ok()) return s;
      // Their console sign-in (its recovery codes and links go with it, by cascade).
      s = Statement(db, "DELETE FROM portal_accounts WHERE namespace = ? AND address = ?")
              .Bind(1, kConsolePool)
              .Bind(2, address)
              .Run();
      if (!s.ok()) return s;
      return Statement(db, "DELETE FROM user_books WHERE \"user\" = ?").Bind(1, address).Run();
    });
  }

  Status DeleteDomain(const std::string& name) override {
    return db_.Transaction([&](Connection& db) -> Status {
      if (Exists(db, "SELECT 1 FROM users WHERE domain = ? LIMIT 1", name)) {
        return MakeError(ErrorCode::kFailedPrecondition,
                         "domain " + name + " still has users; delete them first");
      }
      auto s = DeleteOne(db, "DELETE FROM domains WHERE name = ?", name, "no domain " + name);
      if (!s.ok()) return s;
      return DeleteBooksOf(db, "domain", name);
    });
  }

  Status DeleteAccount(const std::string& name, std::int64_t now) override {
    if (name == "default") {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "the organisation's own account cannot be deleted", "name");
    }
    return db_.Transaction([&](Connection& db) -> Status {
      if (Exists(db, "SELECT 1 FROM domains WHERE account = ? LIMIT 1", name)) {
        return MakeError(ErrorCode::kFailedPrecondition,
                         "account " + name + " still has domains; delete them first");
      }
      auto s = DeleteOne(db, "DELETE FROM accounts WHERE name = ?", name, "no account " + name);
      if (!s.ok()) return s;
      s = RevokeClients(db, "account = $2", name, now);
      if (!s.ok()) return s;
      s = DeleteBooksOf(db, "account", name);
      if (!s.ok()) return s;
      return Statement(db, "DELETE FROM webhook_endpoints WHERE account = ?").Bind(1, name).Run();
    });
  }

  Status SetConsoleRole(const std::string& address, const std::string& role) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, "UPDATE users SET console_role = ? WHERE address = ?")
                   .Bind(1, role)
                   .Bind(2, address)
                   .Run();
      if (!s.ok()) return s;
      if (db.changes() == 0) return MakeError(ErrorCode::kNotFound, "no user " + address);
      return OkStatus();
    });
  }

  Status SetSmtpPassword(const std::string& address, const std::string& hash) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto status = Statement(db, "UPDATE users SET smtp_password_hash = ? WHERE address = ?")
                        .Bind(1, hash)
                        .Bind(2, address)
                        .Run();
      if (!status.ok()) return status;
      if (db.changes() == 0) return MakeError(ErrorCode::kNotFound, "no user " + address);
      return OkStatus();
    });
  }

  Status SetMxTls(const MxTlsRecord& r) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db,
                       "INSERT INTO mx_tls (domain, starttls, host, updated_at, expires_at) "
                       "VALUES (?,?,?,?,?) ON CONFLICT(domain) DO UPDATE "
                       "SET starttls = excluded.starttls, host = excluded.host, "
                       "updated_at = excluded.updated_at, expires_at = excluded.expires_at")
          .Bind(1, r.domain)
          .Bind(2, std::int64_t{r.starttls})
          .Bind(3, r.host)
          .Bind(4, r.updated_at)
          .Bind(5, r.expires_at)
          .Run();
    });
  }

  Result<std::optional<MxTlsRecord>> FindMxTls(const std::string& domain) override {
    return FindOne<MxTlsRecord>(
        db_, "SELECT domain, starttls, host, updated_at, expires_at FROM mx_tls WHERE domain = ?",
        domain, [](const Statement& s) {
          return MxTlsRecord{s.Text(0), s.Int(1) != 0, s.Text(2), s.Int(3), s.Int(4)};
        });
  }

  Status ForgetMxTls(const std::string& domain) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto status = Statement(db, "DELETE FROM mx_tls WHERE domain = ?").Bind(1, domain).Run();
      if (!status.ok()) return status;
      if (db.changes() == 0) {
        return MakeError(ErrorCode::kNotFound, "nothing is known of " + domain);
      }
      return OkStatus();
    });
  }

  Status PutDkimKey(const DkimKeyRecord& k) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto status =
          Statement(db,
                    "INSERT INTO dkim_keys (domain, algorithm, selector, public_value, "
                    "sealed_private, created_at, state, retire_at) VALUES (?,?,?,?,?,?,?,?) "
                    "ON CONFLICT(domain, selector) DO NOTHING")
              .Bind(1, k.domain)
              .Bind(2, k.algorithm)
              .Bind(3, k.selector)
              .Bind(4, k.public_value)
              .BindBlob(5, k.sealed_private)
              .Bind(6, k.created_at)
              .Bind(7, k.state)
              .Bind(8, k.retire_at)
              .Run();
      if (!status.ok()) return status;
      if (db.changes() == 0) {
        return MakeError(ErrorCode::kAlreadyExists,
                         k.domain + " has a DKIM key with selector " + k.selector, "selector");
      }
      return OkStatus();
    });
  }

  Result<std::vector<DkimKeyRecord>> DkimKeys(const std::string& domain) override {
    std::vector<DkimKeyRecord> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(db, domain.empty()
                          ? "SELECT domain, algorithm, selector, public_value, sealed_private, "
                            "created_at, state, retire_at FROM dkim_keys "
                            "ORDER BY domain, algorithm, created_at, rowid"
                          : "SELECT domain, algorithm, selector, public_value, sealed_private, "
                            "created_at, state, retire_at FROM dkim_keys WHERE domain = ? "
                            "ORDER BY algorithm, created_at, rowid");
      if (!domain.empty()) s.Bind(1, domain);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        out.push_back(
            {s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Int(5), s.Text(6), s.Int(7)});
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Status DeleteDkimKey(const std::string& domain, const std::string& selector) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto status = Statement(db, "DELETE FROM dkim_keys WHERE domain = ? AND selector = ?")
                        .Bind(1, domain)
                        .Bind(2, selector)
                        .Run();
      if (!status.ok()) return status;
      if (db.changes() == 0) {
        return MakeError(ErrorCode::kNotFound,
                         domain + " has no DKIM key with selector " + selector);
      }
      return OkStatus();
    });
  }

  Status ActivateDkimKey(const std::string& domain, const std::string& selector,
                         std::int64_t retire_at) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement pending(db,
                        "SELECT algorithm FROM dkim_keys WHERE domain = ? AND selector = ? "
                        "AND state = 'pending'");
      pending.Bind(1, domain).Bind(2, selector);
      auto row = pending.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) {
        return MakeError(ErrorCode::kNotFound,
                         domain + " has no pending DKIM key with selector " + selector);
      }
      const std::string algorithm = pending.Text(0);
      auto retired = Statement(db,
                               "UPDATE dkim_keys SET state = 'retiring', retire_at = ? "
                               "WHERE domain = ? AND algorithm = ? AND state = 'active'")
                         .Bind(1, retire_at)
                         .Bind(2, domain)
                         .Bind(3, algorithm)
                         .Run();
      if (!retired.ok()) return retired;
      return Statement(db,
                       "UPDATE dkim_keys SET state = 'active', retire_at = 0 "
                       "WHERE domain = ? AND selector = ?")
          .Bind(1, domain)
          .Bind(2, selector)
          .Run();
    });
  }

  Status PutIdentity(const OrgIdentityRecord& r) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(
                 db,
                 "INSERT INTO org_identities VALUES (?,?,?,?,?,?,?) ON CONFLICT (scope, kind) DO "
                 "UPDATE "
                 "SET label = excluded.label, fingerprint = excluded.fingerprint, "
                 "public_data = excluded.public_data, sealed_secret = excluded.sealed_secret, "
                 "created_at = excluded.created_at")
          .Bind(1, r.scope)
          .Bind(2, r.kind)
          .Bind(3, r.label)
          .Bind(4, r.fingerprint)
          .BindBlob(5, r.public_data)
          .BindBlob(6, r.sealed_secret)
          .Bind(7, r.created_at)
          .Run();
    });
  }

  Result<std::optional<OrgIdentityRecord>> FindIdentity(const std::string& scope,
                                                        const std::string& kind) override {
    return QueryOne<OrgIdentityRecord>(
        db_,
        "SELECT scope, kind, label, fingerprint, public_data, sealed_secret, created_at "
        "FROM org_identities WHERE scope = ? AND kind = ?",
        [&](Statement& s) { s.Bind(1, scope).Bind(2, kind); },
        [](const Statement& s) {
          return OrgIdentityRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3),
                                   s.Text(4), s.Text(5), s.Int(6)};
        });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<OrgStore> NewOrgStore(Database& db) { return std::make_unique<PgOrgStore>(db); }

}  // namespace sealpost::pg
