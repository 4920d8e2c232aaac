// Address books and users' links to them (store/stores.h), written once for both
// backends: Store<sqlite::Backend> and Store<pg::Backend>. ("user" is quoted: a reserved
// word in PostgreSQL; links keep their order by SQLite's rowid, by an identity there.)
#pragma once

#include <string>
#include <vector>

#include "store/stores.h"

namespace sealpost::sql::books {

template <class B>
class Store final : public AddressBookStore {
 public:
  using Database = typename B::Database;
  using Connection = typename B::Connection;
  using Statement = typename B::Statement;

  explicit Store(Database& db) : db_(db) {}

  Status CreateBook(const AddressBookRecord& b) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement exists(db,
                       "SELECT 1 FROM address_books WHERE owner_level = ? AND owner = ? "
                       "AND name = ?");
      exists.Bind(1, b.owner_level).Bind(2, b.owner).Bind(3, b.name);
      auto row = exists.Step();
      if (!row.ok()) return std::move(row).error();
      if (*row) {
        return MakeError(ErrorCode::kAlreadyExists, "address book " + b.owner_level + ":" +
                                                        b.owner + ":" + b.name + " already exists");
      }
      return Statement(db, "INSERT INTO address_books VALUES (?,?,?,?,?)")
          .Bind(1, b.id)
          .Bind(2, b.owner_level)
          .Bind(3, b.owner)
          .Bind(4, b.name)
          .Bind(5, b.created_at)
          .Run();
    });
  }

  Result<std::optional<AddressBookRecord>> FindBook(const std::string& level,
                                                    const std::string& owner,
                                                    const std::string& name) override {
    return QueryOne<AddressBookRecord>(
        db_,
        "SELECT id, owner_level, owner, name, created_at FROM address_books "
        "WHERE owner_level = ? AND owner = ? AND name = ?",
        [&](Statement& s) { s.Bind(1, level).Bind(2, owner).Bind(3, name); },
        [](const Statement& s) {
          return AddressBookRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4)};
        });
  }

  Result<std::optional<AddressBookEntryRecord>> FindEntry(const std::string& book_id,
                                                          const std::string& address) override {
    return QueryOne<AddressBookEntryRecord>(
        db_,
        "SELECT book_id, address, kind, sealed_data, updated_at "
        "FROM address_book_entries WHERE book_id = ? AND address = ?",
        [&](Statement& s) { s.Bind(1, book_id).Bind(2, address); },
        [](const Statement& s) {
          return AddressBookEntryRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4)};
        });
  }

  Result<EntryPage> PageEntries(const std::string& book_id, const std::string& after,
                                int limit) override {
    EntryPage page;
    auto status = db_.Read([&](Connection& db) -> Status {
      page.entries.clear();
      Statement count(db, "SELECT count(*) FROM address_book_entries WHERE book_id = ?");
      count.Bind(1, book_id);
      auto row = count.Step();
      if (!row.ok()) return std::move(row).error();
      page.total = *row ? count.Int(0) : 0;
      Statement s(db,
                  "SELECT book_id, address, kind, updated_at FROM address_book_entries "
                  "WHERE book_id = ? AND address > ? ORDER BY address LIMIT ?");
      s.Bind(1, book_id).Bind(2, after).Bind(3, std::int64_t{limit});
      for (;;) {
        auto more = s.Step();
        if (!more.ok()) return std::move(more).error();
        if (!*more) return OkStatus();
        page.entries.push_back({s.Text(0), s.Text(1), s.Text(2), "", s.Int(3)});
      }
    });
    if (!status.ok()) return std::move(status).error();
    return page;
  }

  Result<std::vector<AddressBookEntryRecord>> ListEntries(const std::string& book_id) override {
    std::vector<AddressBookEntryRecord> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      out.clear();
      Statement s(db,
                  "SELECT book_id, address, kind, sealed_data, updated_at "
                  "FROM address_book_entries WHERE book_id = ? ORDER BY address");
      s.Bind(1, book_id);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4)});
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Status RemoveEntry(const std::string& book_id, const std::string& address) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement remove(db, "DELETE FROM address_book_entries WHERE book_id = ? AND address = ?");
      auto status = remove.Bind(1, book_id).Bind(2, address).Run();
      if (!status.ok()) return status;
      if (db.changes() == 0) return MakeError(ErrorCode::kNotFound, "no entry for " + address);
      return OkStatus();
    });
  }

  Status PutEntries(const std::vector<AddressBookEntryRecord>& entries) override {
    return db_.Transaction([&](Connection& db) -> Status {
      for (const auto& e : entries) {
        Statement insert(db,
                         "INSERT INTO address_book_entries VALUES (?,?,?,?,?) "
                         "ON CONFLICT(book_id, address) DO UPDATE SET kind = excluded.kind, "
                         "sealed_data = excluded.sealed_data, updated_at = excluded.updated_at");
        auto status = insert.Bind(1, e.book_id)
                          .Bind(2, e.address)
                          .Bind(3, e.kind)
                          .BindBlob(4, e.sealed_data)
                          .Bind(5, e.updated_at)
                          .Run();
        if (!status.ok()) return status;
      }
      return OkStatus();
    });
  }

  Status LinkUser(const UserBookRecord& link) override {
    return db_.Transaction([&](Connection& db) -> Status {
      if (link.role == "default" || link.role == "preferred") {
        auto status = Statement(db,
                                "UPDATE user_books SET role = 'subscribed' "
                                "WHERE \"user\" = ? AND role = ?")
                          .Bind(1, link.user)
                          .Bind(2, link.role)
                          .Run();
        if (!status.ok()) return status;
      }
      return Statement(db,
                       "INSERT INTO user_books (\"user\", book_id, role) VALUES (?,?,?) "
                       "ON CONFLICT (\"user\", book_id) "
                       "DO UPDATE SET role = excluded.role")
          .Bind(1, link.user)
          .Bind(2, link.book_id)
          .Bind(3, link.role)
          .Run();
    });
  }

  Status UnlinkUser(const std::string& user, const std::string& book_id) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement unlink(db, "DELETE FROM user_books WHERE \"user\" = ? AND book_id = ?");
      auto status = unlink.Bind(1, user).Bind(2, book_id).Run();
      if (!status.ok()) return status;
      if (db.changes() == 0) {
        return MakeError(ErrorCode::kNotFound, user + " has no link to that book");
      }
      return OkStatus();
    });
  }

  Result<std::vector<UserBookRecord>> UserBooks(const std::string& user) override {
    std::vector<UserBookRecord> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      out.clear();
      Statement s(db,
                  "SELECT u.\"user\", u.book_id, u.role, b.owner_level, b.owner, b.name "
                  "FROM user_books u JOIN address_books b ON b.id = u.book_id "
                  "WHERE u.\"user\" = ? ORDER BY u." +
                      std::string(B::kPostgres ? "seq" : "rowid"));
      s.Bind(1, user);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5)});
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

 private:
  Database& db_;
};

}  // namespace sealpost::sql::books
