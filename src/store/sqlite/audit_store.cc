// The audit trail over SQLite. Appending reads the head and writes the next record in
// the same BEGIN IMMEDIATE transaction, so records are numbered and chained in the
// order they commit, whichever thread writes them.
#include "audit/pending.h"
#include "store/sqlite/stores.h"

namespace sealpost::sqlite {
namespace {

constexpr const char* kColumns =
    "seq, at, actor_kind, actor, client_address, account, action, subject, result, details, "
    "prev_hash, hash";

audit::AuditRecord ReadRecord(const Statement& s) {
  return {s.Int(0),  s.Int(1),  s.Text(2), s.Text(3), s.Text(4),  s.Text(5),
          s.Text(6), s.Text(7), s.Text(8), s.Text(9), s.Text(10), s.Text(11)};
}

Result<std::pair<std::int64_t, std::string>> HeadIn(Connection& db) {
  Statement s(db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  auto row = s.Step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::make_pair(std::int64_t{0}, audit::GenesisHash());
  return std::make_pair(s.Int(0), s.Text(1));
}

Status AppendIn(Connection& db, audit::AuditRecord& r) {
  auto head = HeadIn(db);
  if (!head.ok()) return std::move(head).error();
  r.seq = head->first + 1;
  r.prev_hash = head->second;
  r.hash = audit::RecordHash(r);
  return Statement(db, std::string("INSERT INTO audit_log (") + kColumns +
                           ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
      .Bind(1, r.seq)
      .Bind(2, r.at)
      .Bind(3, r.actor_kind)
      .Bind(4, r.actor)
      .Bind(5, r.client_address)
      .Bind(6, r.account)
      .Bind(7, r.action)
      .Bind(8, r.subject)
      .Bind(9, r.result)
      .Bind(10, r.details)
      .BindBlob(11, r.prev_hash)
      .BindBlob(12, r.hash)
      .Run();
}

class SqliteAuditStore final : public AuditStore {
 public:
  explicit SqliteAuditStore(Database& db) : db_(db) {
    // Every transaction writes the records its thread has waiting, in it.
    db_.SetBeforeCommit([](Connection& conn) -> Status {
      for (auto& record : audit::TakePending()) {
        if (auto s = AppendIn(conn, record); !s.ok()) return s;
      }
      return OkStatus();
    });
  }

  Status Append(audit::AuditRecord record) override {
    return db_.Transaction([&](Connection& db) { return AppendIn(db, record); });
  }

  Result<std::vector<audit::AuditRecord>> Read(std::int64_t after_seq, int limit) override {
    return QueryAll<audit::AuditRecord>(
        db_,
        std::string("SELECT ") + kColumns + " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
        [&](Statement& s) { s.Bind(1, after_seq).Bind(2, static_cast<std::int64_t>(limit)); },
        ReadRecord);
  }

  Result<std::vector<audit::AuditRecord>> Newest(std::int64_t before_seq, int limit) override {
    return QueryAll<audit::AuditRecord>(
        db_,
        std::string("SELECT ") + kColumns +
            " FROM audit_log WHERE (? = 0 OR seq < ?) ORDER BY seq DESC LIMIT ?",
        [&](Statement& s) {
          s.Bind(1, before_seq).Bind(2, before_seq).Bind(3, static_cast<std::int64_t>(limit));
        },
        ReadRecord);
  }

  Result<std::pair<std::int64_t, std::string>> Head() override {
    Result<std::pair<std::int64_t, std::string>> out =
        std::make_pair(std::int64_t{0}, std::string());
    auto status = db_.Read([&](Connection& db) -> Status {
      out = HeadIn(db);
      return out.ok() ? OkStatus() : Status(out.error());
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Status PutCheckpoint(const audit::Checkpoint& c) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db,
                       "INSERT OR REPLACE INTO audit_checkpoints (seq, at, head_hash, "
                       "signing_key_id, signature) VALUES (?,?,?,?,?)")
          .Bind(1, c.seq)
          .Bind(2, c.at)
          .BindBlob(3, c.head_hash)
          .Bind(4, c.signing_key_id)
          .BindBlob(5, c.signature)
          .Run();
    });
  }

  Result<std::vector<audit::Checkpoint>> Checkpoints() override {
    return QueryAll<audit::Checkpoint>(
        db_,
        "SELECT seq, at, head_hash, signing_key_id, signature FROM audit_checkpoints "
        "ORDER BY seq",
        [](Statement&) {},
        [](const Statement& s) {
          return audit::Checkpoint{s.Int(0), s.Int(1), s.Text(2), s.Text(3), s.Text(4)};
        });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<AuditStore> NewAuditStore(Database& db) {
  return std::make_unique<SqliteAuditStore>(db);
}

}  // namespace sealpost::sqlite
