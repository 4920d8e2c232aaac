// The KeyStore (store/stores.h), written once for both backends: Store<sqlite::Backend>
// and Store<pg::Backend> (every table with a sealed column has a rowid, an identity on
// PostgreSQL). Sealed columns are named by the program (a rotation's fixed list), never by
// input; they are still checked to be plain identifiers before they are put into SQL.
#pragma once

#include <string>
#include <vector>

#include "store/stores.h"
namespace sealpost::sql::keys {

inline bool Identifier(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

inline Status CheckColumn(const SealedColumn& c) {
  bool ok = Identifier(c.table) && Identifier(c.column);
  for (const auto& b : c.binding) ok = ok && Identifier(b);
  if (!ok) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a sealed column: " + c.table + "." + c.column);
  }
  return OkStatus();
}

inline std::string HasValue(const SealedColumn& c) {
  return c.column + " IS NOT NULL AND length(" + c.column + ") > 0";
}

template <class B>
class Store final : public KeyStore {
 public:
  using Database = typename B::Database;
  using Connection = typename B::Connection;
  using Statement = typename B::Statement;

  explicit Store(Database& db) : db_(db) {}

  Result<std::optional<std::string>> FindSealedKey(const std::string& name) override {
    return QueryOne<std::string>(
        db_, "SELECT sealed FROM sealed_keys WHERE name = ?",
        [&](Statement& s) { s.Bind(1, name); }, [](const Statement& s) { return s.Text(0); });
  }

  Result<std::string> KeepSealedKey(const std::string& name, const std::string& sealed) override {
    auto status = db_.Transaction([&](Connection& db) {
      return Statement(db,
                       "INSERT INTO sealed_keys (name, sealed) VALUES (?, ?) "
                       "ON CONFLICT(name) DO NOTHING")
          .Bind(1, name)
          .BindBlob(2, sealed)
          .Run();
    });
    if (!status.ok()) return std::move(status).error();
    auto kept = FindSealedKey(name);
    if (!kept.ok()) return std::move(kept).error();
    if (!kept->has_value()) return MakeError(ErrorCode::kInternal, "sealed key not kept");
    return std::move(**kept);
  }

  Result<std::vector<SealedCell>> SealedCells(const SealedColumn& c, std::int64_t after_row,
                                              int limit) override {
    if (auto ok = CheckColumn(c); !ok.ok()) return std::move(ok).error();
    std::string sql = "SELECT rowid, " + c.column;
    for (const auto& b : c.binding) sql += ", " + b;
    sql += " FROM " + c.table + " WHERE rowid > ? AND " + HasValue(c) + " ORDER BY rowid LIMIT ?";
    std::vector<SealedCell> cells;
    auto status = Holding(c).Read([&](Connection& db) -> Status {
      Statement s(db, sql);
      s.Bind(1, after_row).Bind(2, static_cast<std::int64_t>(limit));
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        SealedCell cell;
        cell.row = s.Int(0);
        cell.value = s.Text(1);
        for (std::size_t i = 0; i < c.binding.size(); ++i) {
          cell.binding.push_back(s.Text(static_cast<int>(i) + 2));
        }
        cells.push_back(std::move(cell));
      }
    });
    if (!status.ok()) return std::move(status).error();
    return cells;
  }

  Result<std::int64_t> CountSealed(const SealedColumn& c) override {
    if (auto ok = CheckColumn(c); !ok.ok()) return std::move(ok).error();
    std::int64_t count = 0;
    auto status = Holding(c).Read([&](Connection& db) -> Status {
      Statement s(db, "SELECT count(*) FROM " + c.table + " WHERE " + HasValue(c));
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      count = *row ? s.Int(0) : 0;
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return count;
  }

  Result<std::int64_t> ReplaceSealed(const SealedColumn& c,
                                     const std::vector<SealedReplacement>& changes) override {
    if (auto ok = CheckColumn(c); !ok.ok()) return std::move(ok).error();
    // SQLite: CAST, so that a value written as text compares equal to the same bytes
    // (PostgreSQL's sealed columns are all bytea).
    const std::string old_value = B::kPostgres ? c.column : "CAST(" + c.column + " AS BLOB)";
    const std::string sql =
        "UPDATE " + c.table + " SET " + c.column + " = ? WHERE rowid = ? AND " + old_value + " = ?";
    std::int64_t written = 0;
    auto status = Holding(c).Transaction([&](Connection& db) -> Status {
      written = 0;
      for (const auto& change : changes) {
        auto run = Statement(db, sql)
                       .BindBlob(1, change.new_value)
                       .Bind(2, change.row)
                       .BindBlob(3, change.old_value)
                       .Run();
        if (!run.ok()) return run;
        written += db.changes();
      }
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return written;
  }

  Status PutHolder(const KeyHolderRecord& h) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(
                 db,
                 "INSERT INTO key_holders (holder, host, pid, key_id, since) VALUES (?,?,?,?,?) "
                 "ON CONFLICT(holder) DO UPDATE SET key_id = excluded.key_id, "
                 "since = excluded.since")
          .Bind(1, h.holder)
          .Bind(2, h.host)
          .Bind(3, h.pid)
          .Bind(4, h.key_id)
          .Bind(5, h.since)
          .Run();
    });
  }

  Status RemoveHolder(const std::string& holder) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db, "DELETE FROM key_holders WHERE holder = ?").Bind(1, holder).Run();
    });
  }

  Result<std::vector<KeyHolderRecord>> Holders() override {
    return QueryAll<KeyHolderRecord>(
        db_, "SELECT holder, host, pid, key_id, since FROM key_holders ORDER BY holder",
        [](Statement&) {},
        [](const Statement& s) {
          return KeyHolderRecord{s.Text(0), s.Text(1), s.Int(2), s.Text(3), s.Int(4)};
        });
  }

 private:
  // The database that holds the column: on SQLite, SMTP submissions are in the spool
  // (store/sqlite/spool.h).
  Database& Holding(const SealedColumn& c) {
    if constexpr (!B::kPostgres) {
      if (c.table == "inbound") return db_.spool();
    }
    return db_;
  }

  Database& db_;
};

}  // namespace sealpost::sql::keys
