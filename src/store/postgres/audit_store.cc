// The audit trail on PostgreSQL. On SQLite one writer at a time reads the head and
// appends; here several nodes write at once, and SERIALIZABLE transactions that all read
// and extend one chain would fail against each other on every commit. So a transaction
// writes its records, unchained, into audit_pending (no contention: an identity column
// numbers them), and right after it commits, a chaining pass under one advisory lock
// shared by every node moves whatever is pending into audit_log in the order found,
// each record hashing the one before. A node that dies between the two leaves its
// records pending for the next pass, on any node: committed records are never lost,
// and the chain has one order. Reads that must see every record (the head a checkpoint
// signs, the forwarder's reading) chain first.
#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "audit/pending.h"
#include "store/audit_search.h"
#include "store/postgres/stores.h"

namespace sealpost::pg {
namespace {

constexpr const char* kColumns =
    "seq, at, actor_kind, actor, client_address, account, action, subject, result, details, "
    "message_id, recipient, prev_hash, hash";

audit::AuditRecord ReadRecord(const Statement& s) {
  return {s.Int(0),  s.Int(1),  s.Text(2), s.Text(3),  s.Text(4),  s.Text(5),  s.Text(6),
          s.Text(7), s.Text(8), s.Text(9), s.Text(10), s.Text(11), s.Text(12), s.Text(13)};
}

struct HeadRecord {
  std::int64_t seq = 0;
  std::string hash;
  std::int64_t at = 0;
};

// The last chained record's seq, hash and time; after a prune to nothing, the
// checkpoint signed at the cut; on an empty trail, genesis.
Result<HeadRecord> HeadIn(Connection& db) {
  for (const char* sql :
       {"SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1",
        "SELECT seq, head_hash, 0::bigint FROM audit_checkpoints ORDER BY seq DESC LIMIT 1"}) {
    Statement s(db, sql);
    auto row = s.Step();
    if (!row.ok()) return std::move(row).error();
    if (*row) return HeadRecord{s.Int(0), s.Text(1), s.Int(2)};
  }
  return HeadRecord{0, audit::GenesisHash(), 0};
}

// Whether this thread's transaction wrote a pending record (so chaining follows it).
thread_local bool wrote_pending = false;

constexpr std::string_view kChainJob = "audit-chain";
constexpr int kChainBatch = 500;

}  // namespace

Status AppendAuditIn(Connection& db, const audit::AuditRecord& r) {
  wrote_pending = true;
  return Statement(db,
                   "INSERT INTO audit_pending (at, actor_kind, actor, client_address, account, "
                   "action, subject, result, details, message_id, recipient) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?)")
      .Bind(1, r.at)
      .Bind(2, r.actor_kind)
      .Bind(3, r.actor)
      .Bind(4, r.client_address)
      .Bind(5, r.account)
      .Bind(6, r.action)
      .Bind(7, r.subject)
      .Bind(8, r.result)
      .Bind(9, r.details)
      .Bind(10, r.message_id)
      .Bind(11, r.recipient)
      .Run();
}

Status ChainPendingAudit(Database& database) {
  for (;;) {
    int chained = 0;
    auto status = database.Locked(kChainJob, [&](Connection& db) -> Status {
      chained = 0;
      auto head = HeadIn(db);
      if (!head.ok()) return std::move(head).error();
      Statement pending(db,
                        "SELECT id, at, actor_kind, actor, client_address, account, action, "
                        "subject, result, details, message_id, recipient FROM audit_pending "
                        "ORDER BY id LIMIT ?");
      pending.Bind(1, std::int64_t{kChainBatch});
      std::string taken;  // the ids chained, as an array literal: "{3,4,7}"
      for (;;) {
        auto row = pending.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) break;
        audit::AuditRecord r{0,
                             pending.Int(1),
                             pending.Text(2),
                             pending.Text(3),
                             pending.Text(4),
                             pending.Text(5),
                             pending.Text(6),
                             pending.Text(7),
                             pending.Text(8),
                             pending.Text(9),
                             pending.Text(10),
                             pending.Text(11),
                             "",
                             ""};
        r.seq = head->seq + 1;
        r.prev_hash = head->hash;
        // Time never goes back along the trail: a time range is a range of seq.
        r.at = std::max(r.at, head->at);
        r.hash = audit::RecordHash(r);
        auto put = Statement(db, std::string("INSERT INTO audit_log (") + kColumns +
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
        if (!put.ok()) return put;
        *head = {r.seq, r.hash, r.at};
        taken += (taken.empty() ? "{" : ",") + std::to_string(pending.Int(0));
        ++chained;
      }
      if (chained == 0) return OkStatus();
      // By id, not "up to the last": a record with a smaller id may commit meanwhile.
      return Statement(db, "DELETE FROM audit_pending WHERE id = ANY(?::bigint[])")
          .Bind(1, taken + "}")
          .Run();
    });
    if (!status.ok() || chained < kChainBatch) return status;
  }
}

namespace {

// Chains what transactions left pending on a thread of its own: a committing
// transaction wakes it and goes on, and one pass chains what many left (under load a
// chaining transaction after every commit was a third of the work). Readers of the trail
// chain first, so they never see it behind. Outlives the store if a transaction's hook
// still holds it: once stopped, a wake chains where it is, as before.
class Chainer {
 public:
  explicit Chainer(Database& db) : db_(db), thread_([this] { Loop(); }) {}
  ~Chainer() { Stop(); }

  void Wake() {
    {
      std::lock_guard lock(mu_);
      if (!stop_) {
        wake_ = true;
        cv_.notify_one();
        return;
      }
    }
    (void)ChainPendingAudit(db_);
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      stop_ = true;
      cv_.notify_one();
    }
    thread_.join();
    (void)ChainPendingAudit(db_);  // what the last wakes left
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return wake_ || stop_; });
      if (stop_) return;
      wake_ = false;
      lock.unlock();
      // Left for the next pass if it fails: the records are committed, pending.
      (void)ChainPendingAudit(db_);
      lock.lock();
    }
  }

  Database& db_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = false;
  bool stop_ = false;
  std::thread thread_;
};

class PgAuditStore final : public AuditStore {
 public:
  explicit PgAuditStore(Database& db) : db_(db), chainer_(std::make_shared<Chainer>(db)) {
    // Every transaction writes the records its thread has waiting, in it, and wakes the
    // chainer. They are taken when the body has succeeded (a change that fails takes
    // none), once: an attempt run again writes the same.
    db_.SetCommitHooks(
        []() -> Database::BeforeCommit {
          wrote_pending = false;
          auto records = std::make_shared<std::optional<std::vector<audit::AuditRecord>>>();
          return [records](Connection& conn) -> Status {
            if (!records->has_value()) *records = audit::TakePending();
            for (const auto& record : **records) {
              if (auto s = AppendAuditIn(conn, record); !s.ok()) return s;
            }
            return OkStatus();
          };
        },
        [chainer = chainer_]() {
          if (!wrote_pending) return;
          wrote_pending = false;
          chainer->Wake();
        });
  }
  ~PgAuditStore() override { chainer_->Stop(); }

  Status Append(audit::AuditRecord record) override {
    return db_.Transaction([&](Connection& db) { return AppendAuditIn(db, record); });
  }

  Status Note(audit::AuditRecord record) override { return Append(std::move(record)); }

  Result<std::vector<audit::AuditRecord>> Search(const AuditQuery& q) override {
    std::vector<std::string> texts;
    std::vector<std::int64_t> numbers;
    const std::string where = audit_search::Clause(q, &texts, &numbers, true, "");
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
    const std::string where = audit_search::Clause(q, &texts, &numbers, false, "");
    auto found = QueryOne<std::int64_t>(
        db_, "SELECT count(*) FROM audit_log WHERE " + where,
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
        db_, "SELECT max(seq) FROM audit_log WHERE at < ?", [&](Statement& s) { s.Bind(1, at); },
        [](const Statement& s) { return s.Int(0); });
    if (!found.ok()) return std::move(found).error();
    return found->value_or(0);
  }

  Result<std::int64_t> Prune(const audit::Checkpoint& cut) override {
    std::int64_t removed = 0;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto put = PutCheckpointIn(db, cut);
      if (!put.ok()) return put;
      auto gone =
          Statement(db, "DELETE FROM audit_checkpoints WHERE seq < ?").Bind(1, cut.seq).Run();
      if (!gone.ok()) return gone;
      Statement deleted(db, "DELETE FROM audit_log WHERE seq <= ?");
      deleted.Bind(1, cut.seq);
      if (auto s = deleted.Run(); !s.ok()) return s;
      removed = deleted.changes();
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return removed;
  }

  Result<std::vector<audit::AuditRecord>> Read(std::int64_t after_seq, int limit) override {
    if (auto s = ChainPendingAudit(db_); !s.ok()) return std::move(s).error();
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
            " FROM audit_log WHERE ($1::bigint = 0 OR seq < $1) ORDER BY seq DESC LIMIT $2",
        [&](Statement& s) { s.Bind(1, before_seq).Bind(2, static_cast<std::int64_t>(limit)); },
        ReadRecord);
  }

  Result<std::pair<std::int64_t, std::string>> Head() override {
    if (auto s = ChainPendingAudit(db_); !s.ok()) return std::move(s).error();
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
    return db_.Transaction([&](Connection& db) { return PutCheckpointIn(db, c); });
  }

  Result<std::int64_t> ForwardedThrough(const std::string& target) override {
    auto found = QueryOne<std::int64_t>(
        db_, "SELECT seq FROM audit_forwarded WHERE target = ?",
        [&](Statement& s) { s.Bind(1, target); }, [](const Statement& s) { return s.Int(0); });
    if (!found.ok()) return std::move(found).error();
    return found->value_or(0);
  }

  Status SetForwardedThrough(const std::string& target, std::int64_t seq) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db,
                       "INSERT INTO audit_forwarded (target, seq) VALUES (?,?) "
                       "ON CONFLICT (target) DO UPDATE SET seq = excluded.seq")
          .Bind(1, target)
          .Bind(2, seq)
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
  static Status PutCheckpointIn(Connection& db, const audit::Checkpoint& c) {
    return Statement(db,
                     "INSERT INTO audit_checkpoints (seq, at, head_hash, signing_key_id, "
                     "signature) VALUES (?,?,?,?,?) ON CONFLICT (seq) DO UPDATE SET "
                     "at = excluded.at, head_hash = excluded.head_hash, "
                     "signing_key_id = excluded.signing_key_id, signature = excluded.signature")
        .Bind(1, c.seq)
        .Bind(2, c.at)
        .BindBlob(3, c.head_hash)
        .Bind(4, c.signing_key_id)
        .BindBlob(5, c.signature)
        .Run();
  }

  Database& db_;
  std::shared_ptr<Chainer> chainer_;
};

}  // namespace

std::unique_ptr<AuditStore> NewAuditStore(Database& db) {
  return std::make_unique<PgAuditStore>(db);
}

}  // namespace sealpost::pg
