// Contacts, lists, consent, suppressions and segments (store/contact_store.h), written once
// for both backends: Store<sqlite::Backend> and Store<pg::Backend>.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/contact_store.h"

namespace sealpost::sql::contacts {

inline constexpr const char* kContactColumns =
    "id, account, address, sealed_attributes, created_at, updated_at, last_sent, last_opened, "
    "last_clicked";

template <class Statement>
ContactRecord ReadContact(const Statement& s) {
  ContactRecord c;
  c.id = s.Text(0);
  c.account = s.Text(1);
  c.address = s.Text(2);
  c.sealed_attributes = s.Text(3);
  c.created_at = s.Int(4);
  c.updated_at = s.Int(5);
  c.last_sent = s.Int(6);
  c.last_opened = s.Int(7);
  c.last_clicked = s.Int(8);
  return c;
}

inline std::string Prefixed(const char* prefix) {
  std::string out;
  std::string_view columns = kContactColumns;
  for (;;) {
    const auto comma = columns.find(", ");
    out += prefix;
    out += columns.substr(0, comma);
    if (comma == std::string_view::npos) return out;
    out += ", ";
    columns.remove_prefix(comma + 2);
  }
}

template <class Statement>
ContactListRecord ReadList(const Statement& s) {
  return {s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5)};
}

template <class Statement>
SuppressionRecord ReadSuppression(const Statement& s) {
  return {s.Text(0), s.Text(1), s.Text(2), s.Int(3), s.Text(4)};
}

template <class Statement>
SegmentRecord ReadSegment(const Statement& s) {
  return {s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Int(5), s.Int(6)};
}

inline constexpr const char* kSegmentColumns =
    "id, account, name, list_id, condition, created_at, updated_at";

template <class Connection>
Status Changed(Connection& db, const char* what) {
  if (db.changes() == 0) return MakeError(ErrorCode::kNotFound, what);
  return OkStatus();
}

template <class B>
class Store final : public ContactStore {
 public:
  using Database = typename B::Database;
  using Connection = typename B::Connection;
  using Statement = typename B::Statement;

  explicit Store(Database& db) : db_(db) {}

  Result<std::vector<std::string>> PutContacts(const std::vector<Put>& puts) override {
    std::vector<std::string> ids;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      ids.clear();
      for (const Put& p : puts) {
        const ContactRecord& c = p.contact;
        // A contact of that address keeps its id, creation and engagement.
        Statement upsert(db, std::string("INSERT INTO contacts (") + kContactColumns +
                                 ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, 0) "
                                 "ON CONFLICT (account, address) DO UPDATE SET "
                                 "sealed_attributes = excluded.sealed_attributes, "
                                 "updated_at = excluded.updated_at RETURNING id");
        upsert.Bind(1, c.id)
            .Bind(2, c.account)
            .Bind(3, c.address)
            .BindBlob(4, c.sealed_attributes)
            .Bind(5, c.created_at)
            .Bind(6, c.updated_at);
        auto row = upsert.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return MakeError(ErrorCode::kInternal, "a contact was not kept");
        std::string id = upsert.Text(0);
        auto done = upsert.Step();  // RETURNING: the statement completes on the next step
        if (!done.ok()) return std::move(done).error();
        // The attributes are sealed to the id they were given with: a contact of that
        // address added meanwhile under another id would keep a box it cannot open.
        if (id != c.id) {
          return MakeError(ErrorCode::kUnavailable,
                           "the contact " + c.address + " was added meanwhile; try again");
        }
        for (const std::string& list : p.subscribe) {
          auto joined = Statement(db,
                                  "INSERT INTO list_members (list_id, contact_id, consented_at, "
                                  "consent_source, unsubscribed_at) VALUES (?, ?, ?, ?, 0) "
                                  "ON CONFLICT (list_id, contact_id) DO UPDATE SET "
                                  "consented_at = excluded.consented_at, consent_source = "
                                  "excluded.consent_source, unsubscribed_at = 0")
                            .Bind(1, list)
                            .Bind(2, id)
                            .Bind(3, p.consented_at)
                            .Bind(4, p.consent_source)
                            .Run();
          if (!joined.ok()) return joined;
        }
        ids.push_back(std::move(id));
      }
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return ids;
  }

  Result<std::optional<ContactRecord>> FindContact(const std::string& account,
                                                   const std::string& address) override {
    return QueryOne<ContactRecord>(
        db_,
        std::string("SELECT ") + kContactColumns +
            " FROM contacts WHERE account = ? AND address = ?",
        [&](Statement& s) { s.Bind(1, account).Bind(2, address); }, ReadContact<Statement>);
  }

  Result<std::optional<ContactRecord>> FindContactById(const std::string& id) override {
    return QueryOne<ContactRecord>(
        db_, std::string("SELECT ") + kContactColumns + " FROM contacts WHERE id = ?",
        [&](Statement& s) { s.Bind(1, id); }, ReadContact<Statement>);
  }

  Result<std::map<std::string, ContactRecord>> FindContacts(
      const std::string& account, const std::vector<std::string>& addresses) override {
    std::map<std::string, ContactRecord> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      for (const auto& address : addresses) {
        Statement find(db, std::string("SELECT ") + kContactColumns +
                               " FROM contacts WHERE account = ? AND address = ?");
        find.Bind(1, account).Bind(2, address);
        auto row = find.Step();
        if (!row.ok()) return std::move(row).error();
        if (*row) out.emplace(address, ReadContact(find));
      }
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Result<std::vector<ContactRecord>> PageContacts(const std::string& account,
                                                  const std::string& after,
                                                  std::size_t limit) override {
    return QueryAll<ContactRecord>(
        db_,
        std::string("SELECT ") + kContactColumns +
            " FROM contacts WHERE account = ? AND address > ? ORDER BY address LIMIT ?",
        [&](Statement& s) {
          s.Bind(1, account).Bind(2, after).Bind(3, static_cast<std::int64_t>(limit));
        },
        ReadContact<Statement>);
  }

  Result<std::int64_t> CountContacts(const std::string& account) override {
    auto n = QueryOne<std::int64_t>(
        db_, "SELECT count(*) FROM contacts WHERE account = ?",
        [&](Statement& s) { s.Bind(1, account); }, [](const Statement& s) { return s.Int(0); });
    if (!n.ok()) return std::move(n).error();
    return n->value_or(0);
  }

  Status DeleteContact(const std::string& account, const std::string& address) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto gone = Statement(db,
                            "DELETE FROM list_members WHERE contact_id = (SELECT id FROM "
                            "contacts WHERE account = ? AND address = ?)")
                      .Bind(1, account)
                      .Bind(2, address)
                      .Run();
      if (!gone.ok()) return gone;
      auto s = Statement(db, "DELETE FROM contacts WHERE account = ? AND address = ?")
                   .Bind(1, account)
                   .Bind(2, address)
                   .Run();
      if (!s.ok()) return s;
      return Changed(db, "no such contact");
    });
  }

  Status CreateList(const ContactListRecord& l) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db,
                         "INSERT INTO contact_lists (id, account, name, description, created_at) "
                         "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, name) DO NOTHING")
                   .Bind(1, l.id)
                   .Bind(2, l.account)
                   .Bind(3, l.name)
                   .Bind(4, l.description)
                   .Bind(5, l.created_at)
                   .Run();
      if (!s.ok()) return s;
      if (db.changes() == 0) {
        return MakeError(ErrorCode::kAlreadyExists, "the account has a list called " + l.name,
                         "name");
      }
      return OkStatus();
    });
  }

  Result<std::optional<ContactListRecord>> FindList(const std::string& account,
                                                    const std::string& name) override {
    return QueryOne<ContactListRecord>(
        db_,
        "SELECT l.id, l.account, l.name, l.description, l.created_at, (SELECT count(*) FROM "
        "list_members m WHERE m.list_id = l.id AND m.unsubscribed_at = 0) FROM contact_lists l "
        "WHERE l.account = ? AND l.name = ?",
        [&](Statement& s) { s.Bind(1, account).Bind(2, name); }, ReadList<Statement>);
  }

  Result<std::vector<ContactListRecord>> Lists(const std::string& account) override {
    return QueryAll<ContactListRecord>(
        db_,
        "SELECT l.id, l.account, l.name, l.description, l.created_at, (SELECT count(*) FROM "
        "list_members m WHERE m.list_id = l.id AND m.unsubscribed_at = 0) FROM contact_lists l "
        "WHERE l.account = ? ORDER BY l.name",
        [&](Statement& s) { s.Bind(1, account); }, ReadList<Statement>);
  }

  Result<std::vector<ListMemberRecord>> Memberships(const std::string& contact_id) override {
    return QueryAll<ListMemberRecord>(
        db_,
        "SELECT list_id, contact_id, consented_at, consent_source, unsubscribed_at FROM "
        "list_members WHERE contact_id = ? ORDER BY list_id",
        [&](Statement& s) { s.Bind(1, contact_id); },
        [](const Statement& s) {
          return ListMemberRecord{s.Text(0), s.Text(1), s.Int(2), s.Text(3), s.Int(4)};
        });
  }

  Result<std::vector<Member>> Subscribed(const std::string& list_id, const std::string& after_id,
                                         std::size_t limit) override {
    return QueryAll<Member>(
        db_,
        "SELECT " + Prefixed("c.") +
            ", EXISTS (SELECT 1 FROM suppressions s WHERE s.account = c.account AND s.address "
            "= c.address) FROM list_members m JOIN contacts c ON c.id = m.contact_id WHERE "
            "m.list_id = ? AND m.unsubscribed_at = 0 AND m.contact_id > ? ORDER BY "
            "m.contact_id LIMIT ?",
        [&](Statement& s) {
          s.Bind(1, list_id).Bind(2, after_id).Bind(3, static_cast<std::int64_t>(limit));
        },
        [](const Statement& s) {
          return Member{ReadContact(s), s.Int(9) != 0};
        });
  }

  Status Unsubscribe(const std::string& list_id, const std::string& contact_id,
                     std::int64_t at) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db,
                         "UPDATE list_members SET unsubscribed_at = CASE WHEN unsubscribed_at = "
                         "0 THEN ? ELSE unsubscribed_at END WHERE list_id = ? AND contact_id = ?")
                   .Bind(1, at)
                   .Bind(2, list_id)
                   .Bind(3, contact_id)
                   .Run();
      if (!s.ok()) return s;
      return Changed(db, "the contact is not on the list");
    });
  }

  Status Suppress(const SuppressionRecord& r) override {
    return db_.Transaction([&](Connection& db) -> Status {
      return Statement(db,
                       "INSERT INTO suppressions (account, address, reason, at, detail) "
                       "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, address) DO UPDATE SET "
                       "reason = excluded.reason, at = excluded.at, detail = excluded.detail")
          .Bind(1, r.account)
          .Bind(2, r.address)
          .Bind(3, r.reason)
          .Bind(4, r.at)
          .Bind(5, r.detail)
          .Run();
    });
  }

  Status Unsuppress(const std::string& account, const std::string& address) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, "DELETE FROM suppressions WHERE account = ? AND address = ?")
                   .Bind(1, account)
                   .Bind(2, address)
                   .Run();
      if (!s.ok()) return s;
      return Changed(db, "the address is not suppressed");
    });
  }

  Result<std::optional<SuppressionRecord>> FindSuppression(const std::string& account,
                                                           const std::string& address) override {
    return QueryOne<SuppressionRecord>(
        db_,
        "SELECT account, address, reason, at, detail FROM suppressions WHERE account = ? AND "
        "address = ?",
        [&](Statement& s) { s.Bind(1, account).Bind(2, address); }, ReadSuppression<Statement>);
  }

  Result<std::vector<SuppressionRecord>> Suppressions(const std::string& account,
                                                      const std::string& after,
                                                      std::size_t limit) override {
    return QueryAll<SuppressionRecord>(
        db_,
        "SELECT account, address, reason, at, detail FROM suppressions WHERE account = ? AND "
        "address > ? ORDER BY address LIMIT ?",
        [&](Statement& s) {
          s.Bind(1, account).Bind(2, after).Bind(3, static_cast<std::int64_t>(limit));
        },
        ReadSuppression<Statement>);
  }

  Status PutSegment(const SegmentRecord& r) override {
    return db_.Transaction([&](Connection& db) -> Status {
      return Statement(db, std::string("INSERT INTO segments (") + kSegmentColumns +
                               ") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, name) DO "
                               "UPDATE SET list_id = excluded.list_id, condition = "
                               "excluded.condition, updated_at = excluded.updated_at")
          .Bind(1, r.id)
          .Bind(2, r.account)
          .Bind(3, r.name)
          .Bind(4, r.list_id)
          .Bind(5, r.condition)
          .Bind(6, r.created_at)
          .Bind(7, r.updated_at)
          .Run();
    });
  }

  Result<std::optional<SegmentRecord>> FindSegment(const std::string& account,
                                                   const std::string& name) override {
    return QueryOne<SegmentRecord>(
        db_,
        std::string("SELECT ") + kSegmentColumns + " FROM segments WHERE account = ? AND name = ?",
        [&](Statement& s) { s.Bind(1, account).Bind(2, name); }, ReadSegment<Statement>);
  }

  Result<std::optional<SegmentRecord>> FindSegmentById(const std::string& id) override {
    return QueryOne<SegmentRecord>(
        db_, std::string("SELECT ") + kSegmentColumns + " FROM segments WHERE id = ?",
        [&](Statement& s) { s.Bind(1, id); }, ReadSegment<Statement>);
  }

  Result<std::vector<SegmentRecord>> Segments(const std::string& account) override {
    return QueryAll<SegmentRecord>(
        db_,
        std::string("SELECT ") + kSegmentColumns + " FROM segments WHERE account = ? ORDER BY name",
        [&](Statement& s) { s.Bind(1, account); }, ReadSegment<Statement>);
  }

  Status DeleteSegment(const std::string& account, const std::string& name) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, "DELETE FROM segments WHERE account = ? AND name = ?")
                   .Bind(1, account)
                   .Bind(2, name)
                   .Run();
      if (!s.ok()) return s;
      return Changed(db, "no such segment");
    });
  }

 private:
  Database& db_;
};

}  // namespace sealpost::sql::contacts
