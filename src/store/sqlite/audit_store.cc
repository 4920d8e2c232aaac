// The audit trail over SQLite. Appending reads the head and writes the next record in
// the same BEGIN IMMEDIATE transaction, so records are numbered and chained in the
// order they commit, whichever thread writes them.
#include <sqlite3.h>

#include <algorithm>

#include "audit/pending.h"
#include "store/audit_search.h"
#include "store/sqlite/stores.h"

namespace sealpost::sqlite {
namespace {

constexpr const char* kColumns =
    "seq, at, actor_kind, actor, client_address, account, action, subject, result, details, "
    "message_id, recipient, prev_hash, hash";

audit::AuditRecord ReadRecord(const Statement& s) {
  return {s.Int(0),  s.Int(1),  s.Text(2),  s.Text(3),  s.Text(4),  s.Text(5),  s.Text(6),
          s.Text(7), s.Text(8), s.Text(9), s.Text(10), s.Text(11), s.Text(12), s.Text(13)};
}

struct HeadRecord {
  std::int64_t seq = 0;
  std::string hash;
  std::int64_t at = 0;
};

// The last record's seq, hash and time. A trail pruned to nothing goes on from the
// checkpoint signed at the cut (the record it names was the head); an empty one from
// genesis.
Result<HeadRecord> HeadIn(Connection& db) {
  for (const char* sql :
       {"SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1",
        "SELECT seq, head_hash, 0 FROM audit_checkpoints ORDER BY seq DESC LIMIT 1"}) {
    Statement s(db, sql);
    auto row = s.Step();
    if (!row.ok()) return std::move(row).error();
    if (*row) return HeadRecord{s.Int(0), s.Text(1), s.Int(2)};
  }
  return HeadRecord{0, audit::GenesisHash(), 0};
}

}  // namespace

Status AppendAuditIn(Connection& db, audit::AuditRecord& r) {
  auto head = HeadIn(db);
  if (!head.ok()) return std::move(head).error();
  r.seq = head->seq + 1;
  r.prev_hash = head->hash;
  // Time never goes back along the trail (a record made a moment before another may
  // commit after it): so a time range is a range of seq, found through the time index.
  r.at = std::max(r.at, head->at);
  r.hash = audit::RecordHash(r);
  return Statement(db, std::string("INSERT INTO audit_log (") + kColumns +
                           ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
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
      .Bind(11, r.message_id)
      .Bind(12, r.recipient)
      .BindBlob(13, r.prev_hash)
      .BindBlob(14, r.hash)
      .Run();
}

namespace {

class SqliteAuditStore final : public AuditStore {
 public:
  explicit SqliteAuditStore(Database& db) : db_(db) {
    // Every transaction writes the records its thread has waiting, in it.
    db_.SetBeforeCommit([](Connection& conn) -> Status {
      for (auto& record : audit::TakePending()) {
        if (auto s = AppendAuditIn(conn, record); !s.ok()) return s;
      }
      return OkStatus();
    });
  }

  Status Append(audit::AuditRecord record) override {
    return db_.Transaction([&](Connection& db) { return AppendAuditIn(db, record); });
  }

  Status Note(audit::AuditRecord record) override {
    return db_.Transaction([&](Connection& db) { return AppendAuditIn(db, record); },
                           Database::Commit::kRecoverable);
  }

  Result<std::vector<audit::AuditRecord>> Search(const AuditQuery& q) override {
    std::vector<std::string> texts;
    std::vector<std::int64_t> numbers;
    // Newest first by seq, which follows time; the cursor is the last seq returned.
    const std::string where = audit_search::Clause(q, &texts, &numbers, true, " COLLATE NOCASE");
    return QueryAll<audit::AuditRecord>(
        db_,
        std::string("SELECT ") + kColumns + " FROM audit_log WHERE " + where +
            " ORDER BY seq DESC LIMIT ?",
        [&](Statement& s) {
          int i = 1;
          for (const auto& t : texts) s.Bind(i++, t);
          for (auto n : numbers) s.Bind(i++, n);
          s.Bind(i++, static_cast<std::int64_t>(q.limit));
        },
        ReadRecord);
  }

  Result<std::int64_t> Count(const AuditQuery& q) override {
    std::vector<std::string> texts;
    std::vector<std::int64_t> numbers;
    const std::string where = audit_search::Clause(q, &texts, &numbers, false, " COLLATE NOCASE");
    auto found = QueryOne<std::int64_t>(
        db_, "SELECT COUNT(*) FROM audit_log WHERE " + where,
        [&](Statement& s) {
          int i = 1;
          for (const auto& t : texts) s.Bind(i++, t);
          for (auto n : numbers) s.Bind(i++, n);
        },
        [](const Statement& s) { return s.Int(0); });
    if (!found.ok()) return std::move(found).error();
    return found->value_or(0);
  }

  Result<std::int64_t> LastBefore(std::int64_t at) override {
    auto found = QueryOne<std::int64_t>(
        db_, "SELECT MAX(seq) FROM audit_log WHERE at < ?", [&](Statement& s) { s.Bind(1, at); },
        [](const Statement& s) { return s.Int(0); });
    if (!found.ok()) return std::move(found).error();
    return found->value_or(0);
  }

  Result<std::int64_t> Prune(const audit::Checkpoint& cut) override {
    std::int64_t removed = 0;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto put = Statement(db,
                           "INSERT OR REPLACE INTO audit_checkpoints (seq, at, head_hash, "
                           "signing_key_id, signature) VALUES (?,?,?,?,?)")
                     .Bind(1, cut.seq)
                     .Bind(2, cut.at)
                     .BindBlob(3, cut.head_hash)
                     .Bind(4, cut.signing_key_id)
                     .BindBlob(5, cut.signature)
                     .Run();
      if (!put.ok()) return put;
      auto gone = Statement(db, "DELETE FROM audit_checkpoints WHERE seq < ?").Bind(1, cut.seq).Run();
      if (!gone.ok()) return gone;
      auto deleted = Statement(db, "DELETE FROM audit_log WHERE seq <= ?").Bind(1, cut.seq).Run();
      if (!deleted.ok()) return deleted;
      removed = sqlite3_changes(db);
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return removed;
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
      auto head = HeadIn(db);
      if (!head.ok()) return std::move(head).error();
      out = std::make_pair(head->seq, head->hash);
      return OkStatus();
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

  Result<std::int64_t> ForwardedThrough(const std::string& target) override {
    auto found = QueryOne<std::int64_t>(
        db_, "SELECT seq FROM audit_forwarded WHERE target = ?",
        [&](Statement& s) { s.Bind(1, target); }, [](const Statement& s) { return s.Int(0); });
    if (!found.ok()) return std::move(found).error();
    return found->value_or(0);
  }

  Status SetForwardedThrough(const std::string& target, std::int64_t seq) override {
    // Not synced on its own: after a power failure a few records are forwarded again
    // (each carries its seq, so the receiver can tell), never skipped.
    return db_.Transaction(
        [&](Connection& db) {
          return Statement(db, "INSERT OR REPLACE INTO audit_forwarded (target, seq) VALUES (?,?)")
              .Bind(1, target)
              .Bind(2, seq)
              .Run();
        },
        Database::Commit::kRecoverable);
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
