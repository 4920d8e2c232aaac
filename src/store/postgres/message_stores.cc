// The mail's stores on PostgreSQL: signing keys, stretched answers, events, messages,
// the delivery queue and SMTP submissions. The SQL of store/sqlite/stores.cc in
// PostgreSQL's dialect; what differs beyond the dialect:
// - Claiming queue entries runs at READ COMMITTED with FOR UPDATE SKIP LOCKED: two
//   nodes claiming at once take different entries, and neither waits for the other.
// - A claimed entry names the node that holds it (claimed_by); ReleaseInFlight, when a
//   node starts again, releases only that node's: another's may still be on the wire.
//   A node that never comes back leaves its entries to their leases (next_attempt_at).
// - An event's audit record goes into audit_pending, chained after the commit
//   (store/postgres/audit_store.cc).
// - What every message passes through (its insert, the queue's results, events, views,
//   wrong answers, SMTP submissions) runs at READ COMMITTED: each changes rows it names
//   by key, with conditions the UPDATE itself checks (under the row's lock), so nothing
//   there needs SERIALIZABLE's predicate checks — which, on small tables and shared
//   index pages, failed one node's commit against another's unrelated one and made the
//   queue's results wait for a lease to run out (a message delivered twice).
#include <algorithm>
#include <boost/json.hpp>
#include <tuple>

#include "audit/pending.h"
#include "store/event_effects.h"
#include "store/postgres/backend.h"
#include "store/postgres/stores.h"
#include "store/sql/inbound_rows.h"
#include "store/sql/message_rows.h"
#include "webhooks/signature.h"

namespace sealpost::pg {
namespace {

Result<std::string> RecipientsJson(Connection& db, const std::string& message_id) {
  Statement s(db,
              "SELECT address, method, trace FROM recipients WHERE message_id = ? "
              "ORDER BY position");
  s.Bind(1, message_id);
  std::vector<event_effects::RecipientLine> lines;
  for (;;) {
    auto row = s.Step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    lines.push_back({s.Text(0), s.Text(1), s.Text(2)});
  }
  return event_effects::RecipientsDetails(lines);
}

Status AuditEvent(Connection& db, const EventRecord& e) {
  if (!event_effects::Audited(e)) return OkStatus();
  std::string account, recipient, recipients;
  {
    Statement find(db, e.recipient_id.empty()
                           ? "SELECT account, ''::text FROM messages WHERE id = ?"
                           : "SELECT m.account, r.address::text FROM recipients r JOIN messages m "
                             "ON m.id = r.message_id WHERE r.id = ?");
    find.Bind(1, e.recipient_id.empty() ? e.message_id : e.recipient_id);
    auto row = find.Step();
    if (!row.ok()) return std::move(row).error();
    if (*row) {
      account = find.Text(0);
      recipient = find.Text(1);
    }
  }
  if (event_effects::DetailsAreRecipients(e)) {
    auto listed = RecipientsJson(db, e.message_id);
    if (!listed.ok()) return std::move(listed).error();
    recipients = std::move(*listed);
  }
  return AppendAuditIn(db, event_effects::AuditRecordOf(e, std::move(account), std::move(recipient),
                                                        std::move(recipients)));
}

Status ContactEngagement(Connection& db, const EventRecord& e) {
  const auto engagement = event_effects::EngagementOf(e);
  if (engagement == event_effects::Engagement::kNone) return OkStatus();
  return Statement(db,
                   "UPDATE contacts SET last_opened = GREATEST(last_opened, $1), last_clicked = "
                   "CASE WHEN $2::bigint <> 0 THEN GREATEST(last_clicked, $1) ELSE last_clicked "
                   "END WHERE id IN (SELECT contact_id FROM campaign_sends WHERE message_id = $3 "
                   "UNION ALL SELECT contact_id FROM automation_sends WHERE message_id = $3)")
      .Bind(1, e.at)
      .Bind(2, std::int64_t{engagement == event_effects::Engagement::kClicked})
      .Bind(3, e.message_id)
      .Run();
}

Status WebhookFanOut(Connection& db, const EventRecord& e) {
  auto facts = event_effects::WebhookFactsOf(e);
  if (!facts) return OkStatus();
  Statement endpoints(db,
                      "SELECT e.id, e.event_types, m.account FROM messages m "
                      "JOIN webhook_endpoints e ON e.account = m.account "
                      "WHERE m.id = ? AND e.enabled = 1 ORDER BY e.rowid");
  endpoints.Bind(1, e.message_id);
  std::vector<std::string> wanting;
  for (;;) {
    auto row = endpoints.Step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    facts->account = endpoints.Text(2);
    if (webhooks::Wants(endpoints.Text(1), facts->type)) wanting.push_back(endpoints.Text(0));
  }
  if (wanting.empty()) return OkStatus();
  if (!e.recipient_id.empty()) {
    Statement recipient(db, "SELECT status, method FROM recipients WHERE id = ?");
    recipient.Bind(1, e.recipient_id);
    auto row = recipient.Step();
    if (!row.ok()) return std::move(row).error();
    if (*row) {
      facts->status = recipient.Text(0);
      facts->method = recipient.Text(1);
    }
  }
  const std::string payload = webhooks::Payload(*facts);
  for (const auto& endpoint : wanting) {
    auto queued = Statement(db,
                            "INSERT INTO webhook_deliveries (id, endpoint_id, event_type, "
                            "message_id, payload, created_at, state, attempts, "
                            "next_attempt_at, last_status, last_error) "
                            "VALUES ($1,$2,$3,$4,$5,$6,'pending',0,$6,0,'')")
                      .Bind(1, webhooks::NewMessageId())
                      .Bind(2, endpoint)
                      .Bind(3, facts->type)
                      .Bind(4, e.message_id)
                      .Bind(5, payload)
                      .Bind(6, e.at)
                      .Run();
    if (!queued.ok()) return queued;
  }
  return OkStatus();
}

Status InsertEvent(Connection& db, const EventRecord& e) {
  auto status = Statement(db,
                          "INSERT INTO events (message_id, recipient_id, type, at, "
                          "client_address, detail) VALUES (?,?,?,?,?,?)")
                    .Bind(1, e.message_id)
                    .Bind(2, e.recipient_id)
                    .Bind(3, e.type)
                    .Bind(4, e.at)
                    .Bind(5, e.client_address)
                    .Bind(6, e.detail)
                    .Run();
  if (!status.ok()) return status;
  if (status = AuditEvent(db, e); !status.ok()) return status;
  if (status = ContactEngagement(db, e); !status.ok()) return status;
  return WebhookFanOut(db, e);
}

class PgSigningKeyStore final : public SigningKeyStore {
 public:
  explicit PgSigningKeyStore(Database& db) : db_(db) {}

  Status Insert(const SigningKeyRecord& k) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db,
                       "INSERT INTO signing_keys (id, public_key, sealed_secret, created_at) "
                       "VALUES (?,?,?,?)")
          .Bind(1, k.id)
          .BindBlob(2, k.public_key)
          .BindBlob(3, k.sealed_secret)
          .Bind(4, k.created_at)
          .Run();
    });
  }

  Result<std::optional<SigningKeyRecord>> Find(const std::string& id) override {
    return Query("SELECT id, public_key, sealed_secret, created_at FROM signing_keys WHERE id = ?",
                 id);
  }

  Result<std::optional<SigningKeyRecord>> Newest() override {
    return Query(
        "SELECT id, public_key, sealed_secret, created_at FROM signing_keys "
        "ORDER BY created_at DESC, rowid DESC LIMIT 1",
        std::nullopt);
  }

 private:
  Result<std::optional<SigningKeyRecord>> Query(const char* sql, std::optional<std::string> id) {
    return QueryOne<SigningKeyRecord>(
        db_, sql,
        [&](Statement& s) {
          if (id) s.Bind(1, *id);
        },
        [](const Statement& s) {
          return SigningKeyRecord{s.Text(0), s.Text(1), s.Text(2), s.Int(3)};
        });
  }

  Database& db_;
};

class PgAnswerKeyStore final : public AnswerKeyStore {
 public:
  explicit PgAnswerKeyStore(Database& db) : db_(db) {}

  Result<std::optional<AnswerKeyRecord>> Find(const std::string& tag) override {
    return QueryOne<AnswerKeyRecord>(
        db_, "SELECT tag, kdf, sealed_key, created_at FROM answer_keys WHERE tag = ?",
        [&](Statement& s) { s.BindBlob(1, tag); },
        [](const Statement& s) {
          return AnswerKeyRecord{s.Text(0), s.Text(1), s.Text(2), s.Int(3)};
        });
  }

  Result<AnswerKeyRecord> Keep(const AnswerKeyRecord& r) override {
    auto status = db_.Transaction([&](Connection& db) {
      return Statement(db,
                       "INSERT INTO answer_keys (tag, kdf, sealed_key, created_at) "
                       "VALUES (?,?,?,?) ON CONFLICT (tag) DO NOTHING")
          .BindBlob(1, r.tag)
          .Bind(2, r.kdf)
          .BindBlob(3, r.sealed_key)
          .Bind(4, r.created_at)
          .Run();
    });
    if (!status.ok()) return std::move(status).error();
    auto kept = Find(r.tag);
    if (!kept.ok()) return std::move(kept).error();
    if (!kept->has_value()) return MakeError(ErrorCode::kInternal, "answer key not kept");
    return std::move(**kept);
  }

 private:
  Database& db_;
};

class PgEventStore final : public EventStore {
 public:
  explicit PgEventStore(Database& db) : db_(db) {}

  Status Append(const EventRecord& event) override {
    return db_.ReadCommitted([&](Connection& db) { return InsertEvent(db, event); });
  }

  Result<std::vector<EventRecord>> ForMessage(const std::string& message_id) override {
    return QueryAll<EventRecord>(
        db_,
        "SELECT id, message_id, recipient_id, type, at, client_address, detail "
        "FROM events WHERE message_id = ? ORDER BY id",
        [&](Statement& s) { s.Bind(1, message_id); },
        [](const Statement& s) {
          return EventRecord{s.Int(0), s.Text(1), s.Text(2), s.Text(3),
                             s.Int(4), s.Text(5), s.Text(6)};
        });
  }

 private:
  Database& db_;
};

Status InsertQueueEntry(Connection& db, const QueueEntry& q) {
  return sql::messages::InsertQueueRow<Backend>(db, q);
}

Status InsertQueueAndEvents(Connection& db, const std::vector<QueueEntry>& queue,
                            const std::vector<EventRecord>& events) {
  for (const auto& q : queue) {
    if (auto status = InsertQueueEntry(db, q); !status.ok()) return status;
  }
  for (const auto& e : events) {
    if (auto status = InsertEvent(db, e); !status.ok()) return status;
  }
  return OkStatus();
}

// As store/sqlite/stores.cc SettleStandbys.
Status SettleStandbys(Connection& db, const std::string& primary_id, bool replanned,
                      std::int64_t now) {
  static constexpr const char* kStandbyRecipients =
      "id IN (SELECT recipient_id FROM queue WHERE standby_for = $1 AND standby_for != '' AND "
      "state = 'standby') "
      "AND status = 'standby'";
  if (replanned) {
    auto status = Statement(db, std::string("UPDATE recipients SET status = CASE method WHEN "
                                            "'escrow' THEN 'notice_queued' ELSE 'queued' END "
                                            "WHERE ") +
                                    kStandbyRecipients)
                      .Bind(1, primary_id)
                      .Run();
    if (status.ok()) {
      status = Statement(db,
                         "UPDATE recipients SET status = 'replanned' WHERE status = 'queued' "
                         "AND id = (SELECT recipient_id FROM queue WHERE id = ?)")
                   .Bind(1, primary_id)
                   .Run();
    }
    if (!status.ok()) return status;
    return Statement(db,
                     "UPDATE queue SET state = 'queued', next_attempt_at = ? "
                     "WHERE standby_for = ? AND standby_for != '' AND state = 'standby'")
        .Bind(1, now)
        .Bind(2, primary_id)
        .Run();
  }
  auto status = Statement(db, std::string("UPDATE recipients SET status = 'superseded' WHERE ") +
                                  kStandbyRecipients)
                    .Bind(1, primary_id)
                    .Run();
  if (!status.ok()) return status;
  return Statement(
             db,
             "UPDATE queue SET state = 'superseded', sealed_content = NULL, "
             "content_key = NULL WHERE standby_for = ? AND standby_for != '' AND state = 'standby'")
      .Bind(1, primary_id)
      .Run();
}

// As store/sqlite/stores.cc SettleDelivered.
Status SettleDelivered(Connection& db, const std::string& queue_id, std::int64_t at,
                       const std::string& report) {
  Statement find(db,
                 "SELECT q.message_id, q.recipient_id, r.status FROM queue q "
                 "JOIN recipients r ON r.id = q.recipient_id WHERE q.id = ?");
  find.Bind(1, queue_id);
  auto row = find.Step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return OkStatus();
  const std::string message_id = find.Text(0), recipient_id = find.Text(1);
  const std::string status = find.Text(2);
  const bool mail_itself = status == "queued";
  if (mail_itself || status == "notice_queued") {
    // Only from the status read: a view that came meanwhile is not undone.
    auto moved = Statement(db, "UPDATE recipients SET status = ? WHERE id = ? AND status = ?")
                     .Bind(1, mail_itself ? "delivered" : "notice_delivered")
                     .Bind(2, recipient_id)
                     .Bind(3, status)
                     .Run();
    if (!moved.ok()) return moved;
  }
  return InsertEvent(db, {0, message_id, recipient_id,
                          mail_itself ? "delivered" : "notice_delivered", at, "", report});
}

// As store/sqlite/stores.cc RemoveInbound.
Status RemoveInbound(Connection& db, const std::string& id) {
  std::string blob;
  {
    Statement find(db, "SELECT content_blob FROM inbound WHERE id = ? FOR UPDATE");
    find.Bind(1, id);
    auto row = find.Step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return MakeError(ErrorCode::kNotFound, kAlreadyProcessed);
    blob = find.Text(0);
  }
  auto status = Statement(db, "DELETE FROM inbound WHERE id = ?").Bind(1, id).Run();
  if (!status.ok() || blob.empty()) return status;
  return Statement(db, "INSERT INTO spent_content (blob_id) VALUES (?) ON CONFLICT DO NOTHING")
      .Bind(1, blob)
      .Run();
}

// Whether a delivery's report says it went over TLS ({"tls_version": "TLSv1.3", ...}).
bool DeliveredOverTls(const std::string& report) {
  boost::system::error_code ec;
  auto value = boost::json::parse(report, ec);
  if (ec || !value.is_object()) return false;
  const auto* version = value.as_object().if_contains("tls_version");
  return version && version->is_string() && !version->as_string().empty();
}

class PgMessageStore final : public MessageStore {
 public:
  explicit PgMessageStore(Database& db) : db_(db) {}

  Status InsertAll(const std::vector<NewMessage>& batch) override {
    const auto commit = sql::messages::AllConsumeSpooled(batch) ? Database::Commit::kRecoverable
                                                                : Database::Commit::kDurable;
    return db_.ReadCommitted(
        [&](Connection& db) -> Status {
          for (const NewMessage& one : batch) {
            auto status = InsertOne(db, one);
            if (!status.ok()) return status;
          }
          return OkStatus();
        },
        commit);
  }

 private:
  static Status InsertOne(Connection& db, const NewMessage& one) {
    const MessageRecord& m = *one.message;
    const std::string& consumed_inbound = one.consumed_inbound;
    std::optional<audit::ActingAs> acting;  // the audit trail names this message's sender
    if (one.actor != nullptr) acting.emplace(*one.actor);
    if (!consumed_inbound.empty()) {
      if (auto removed = RemoveInbound(db, consumed_inbound); !removed.ok()) return removed;
    }
    auto status = sql::messages::InsertMessageRows<Backend>(db, m);
    if (!status.ok()) return status;
    status = InsertQueueAndEvents(db, *one.notices, *one.events);
    if (!status.ok() || one.records == nullptr) return status;
    for (const audit::AuditRecord& record : *one.records) {
      if (status = AppendAuditIn(db, record); !status.ok()) return status;
    }
    return OkStatus();
  }

 public:
  Result<std::vector<MessageRecord>> List(const MessageQuery& q) override {
    auto ids = QueryAll<std::string>(
        db_,
        "SELECT m.id FROM messages m WHERE m.account = $1 "
        "AND ($2::text = '' OR m.sender = $2::citext) "
        "AND ($3::bigint IS NULL OR m.created_at >= $3) "
        "AND ($4::bigint IS NULL OR m.created_at < $4) "
        // Newest first is creation order: rowid breaks ties within a second.
        "AND ($5::text = '' OR (m.created_at, m.rowid) < "
        "(SELECT created_at, rowid FROM messages WHERE id = $5 AND account = $1)) "
        "AND ($6::text = '' AND $7::text = '' AND $8::text = '' OR EXISTS (SELECT 1 FROM "
        "recipients r WHERE r.message_id = m.id AND ($6 = '' OR r.address = $6::citext) "
        "AND ($7 = '' OR r.status = $7) AND ($8 = '' OR r.method = $8))) "
        "ORDER BY m.created_at DESC, m.rowid DESC LIMIT $9",
        [&](Statement& s) {
          s.Bind(1, q.account).Bind(2, q.sender).Bind(3, q.from).Bind(4, q.to).Bind(5, q.after_id);
          s.Bind(6, q.recipient).Bind(7, q.status).Bind(8, q.method).Bind(9, std::int64_t{q.limit});
        },
        [](const Statement& s) { return s.Text(0); });
    if (!ids.ok()) return std::move(ids).error();
    std::vector<MessageRecord> out;
    for (const auto& id : *ids) {
      auto found = Find(id);
      if (!found.ok()) return std::move(found).error();
      if (found->has_value()) out.push_back(std::move(**found));  // unless just deleted
    }
    return out;
  }

  Result<std::optional<MessageRecord>> Find(const std::string& id) override {
    Result<std::optional<MessageRecord>> out = std::optional<MessageRecord>();
    auto status = db_.Read([&](Connection& db) -> Status {
      out = sql::messages::ReadMessageRows<Backend>(db, id);
      return out.ok() ? OkStatus() : Status(out.error());
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Result<std::optional<RecipientRecord>> FindRecipient(const std::string& id) override {
    std::optional<Error> bad;
    auto found = QueryOne<RecipientRecord>(
        db_,
        std::string("SELECT ") + sql::messages::kRecipientColumns + " FROM recipients WHERE id = ?",
        [&](Statement& s) { s.Bind(1, id); },
        [&](const Statement& s) {
          auto r = sql::messages::ReadRecipient(s);
          if (!r.ok()) {
            bad = r.error();
            return RecipientRecord{};
          }
          return std::move(*r);
        });
    if (bad) return *bad;
    return found;
  }

  // One row updated in place, counted in it: wrong answers given on several nodes at
  // once add up (the row lock orders them; SERIALIZABLE retries the loser).
  Result<int> RecordFailure(const std::string& recipient_id, int lock_after, std::int64_t now,
                            const std::optional<QueueEntry>& lock_notice) override {
    int failures = 0;
    auto status = db_.ReadCommitted([&](Connection& db) -> Status {
      Statement count(db,
                      "UPDATE recipients SET failures = failures + 1 WHERE id = ? "
                      "RETURNING failures");
      count.Bind(1, recipient_id);
      auto row = count.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kNotFound, "no such recipient");
      failures = static_cast<int>(count.Int(0));
      if (failures < lock_after) return OkStatus();
      Statement locked(db,
                       "UPDATE recipients SET status = ?, locked_at = ? "
                       "WHERE id = ? AND locked_at IS NULL");
      locked.Bind(1, RecipientStatusName(RecipientStatus::kLocked))
          .Bind(2, now)
          .Bind(3, recipient_id);
      if (auto s = locked.Run(); !s.ok()) return s;
      if (locked.changes() > 0 && lock_notice) return InsertQueueEntry(db, *lock_notice);
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return failures;
  }

  Status ResetFailures(const std::string& recipient_id) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db, "UPDATE recipients SET failures = 0 WHERE id = ? AND locked_at IS NULL")
          .Bind(1, recipient_id)
          .Run();
    });
  }

  Status DeleteCopy(const std::string& recipient_id, const EventRecord& event) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement gone(db,
                     "UPDATE recipients SET status = 'deleted', wrapped_key = '', "
                     "answer_hash = '', center_key = '' "
                     "WHERE id = ? AND status NOT IN ('deleted', 'locked')");
      gone.Bind(1, recipient_id);
      if (auto s = gone.Run(); !s.ok()) return s;
      if (gone.changes() == 0) {
        return MakeError(ErrorCode::kFailedPrecondition, "already deleted or locked");
      }
      return InsertEvent(db, event);
    });
  }

  Result<bool> MarkViewed(const std::string& recipient_id, const EventRecord& event,
                          const std::optional<QueueEntry>& receipt) override {
    bool first = false;
    auto status = db_.ReadCommitted([&](Connection& db) -> Status {
      Statement viewed(db,
                       "UPDATE recipients SET status = 'viewed' WHERE id = ? "
                       "AND status NOT IN ('viewed', 'locked')");
      viewed.Bind(1, recipient_id);
      if (auto s = viewed.Run(); !s.ok()) return s;
      first = viewed.changes() > 0;
      if (first && receipt) {
        if (auto s = InsertQueueEntry(db, *receipt); !s.ok()) return s;
      }
      return InsertEvent(db, event);
    });
    if (!status.ok()) return std::move(status).error();
    return first;
  }

  Status SetExpiry(const std::string& message_id, std::int64_t expires_at,
                   const EventRecord& event) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto destroyed = Destroyed(db, message_id);
      if (!destroyed.ok()) return std::move(destroyed).error();
      if (*destroyed) return MakeError(ErrorCode::kFailedPrecondition, "the message is gone");
      auto s = Statement(db, "UPDATE messages SET expires_at = ? WHERE id = ?")
                   .Bind(1, expires_at)
                   .Bind(2, message_id)
                   .Run();
      if (!s.ok()) return s;
      return InsertEvent(db, event);
    });
  }

  // What SQLite's secure_delete and log truncation do for deleted keys, PostgreSQL's
  // VACUUM does for dead row versions; the database's own storage is the operator's to
  // encrypt (README, "Running it for real").
  Status Destroy(const std::string& message_id, std::int64_t now, bool retracted,
                 const EventRecord& event) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto destroyed = Destroyed(db, message_id);
      if (!destroyed.ok()) return std::move(destroyed).error();
      if (*destroyed) return MakeError(ErrorCode::kFailedPrecondition, "the message is gone");
      auto s =
          Statement(db,
                    "UPDATE messages SET destroyed_at = $1, expires_at = LEAST(expires_at, $1), "
                    "retracted_at = CASE WHEN $2::bigint <> 0 THEN $1 ELSE retracted_at END, "
                    "center_key = '', center_subject = '', webhook_subject = '', "
                    "sealed_manifest = NULL WHERE id = $3")
              .Bind(1, now)
              .Bind(2, std::int64_t{retracted ? 1 : 0})
              .Bind(3, message_id)
              .Run();
      if (!s.ok()) return s;
      s = Statement(db,
                    "UPDATE recipients SET wrapped_key = '', answer_hash = '', "
                    "center_key = '' WHERE message_id = ?")
              .Bind(1, message_id)
              .Run();
      if (!s.ok()) return s;
      s = Statement(db,
                    "UPDATE queue SET state = 'superseded', sealed_content = NULL, "
                    "content_key = NULL WHERE message_id = ? "
                    "AND state IN ('queued', 'deferred', 'standby')")
              .Bind(1, message_id)
              .Run();
      if (!s.ok()) return s;
      return InsertEvent(db, event);
    });
  }

  Result<std::vector<std::string>> ExpiredUndestroyed(std::int64_t now, int limit) override {
    return QueryAll<std::string>(
        db_,
        "SELECT id FROM messages WHERE destroyed_at IS NULL AND expires_at <= ? "
        "ORDER BY expires_at LIMIT ?",
        [&](Statement& s) { s.Bind(1, now).Bind(2, std::int64_t{limit}); },
        [](const Statement& s) { return s.Text(0); });
  }

  Result<std::vector<CenterItem>> CenterItems(const std::string& namespace_name,
                                              const std::string& address, std::int64_t now,
                                              int limit) override {
    std::vector<CenterItem> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      out.clear();
      Statement received(
          db,
          "SELECT r.id, m.id, m.sender, m.created_at, m.expires_at, r.center_key, "
          "m.center_subject, r.status FROM recipients r JOIN messages m ON m.id = r.message_id "
          "WHERE r.address = ?::citext AND r.center_key != '' AND m.namespace = ? "
          "AND m.destroyed_at IS NULL AND m.expires_at > ? "
          "AND r.status NOT IN ('deleted', 'locked') ORDER BY m.created_at DESC LIMIT ?");
      received.Bind(1, address).Bind(2, namespace_name).Bind(3, now).Bind(4, std::int64_t{limit});
      for (;;) {
        auto row = received.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) break;
        CenterItem item;
        item.recipient_id = received.Text(0);
        item.message_id = received.Text(1);
        item.counterpart = received.Text(2);
        item.created_at = received.Int(3);
        item.expires_at = received.Int(4);
        item.center_key = received.Text(5);
        item.center_subject = received.Text(6);
        item.status = received.Text(7);
        out.push_back(std::move(item));
      }
      Statement sent(db,
                     "SELECT m.id, m.created_at, m.expires_at, m.center_key, m.center_subject, "
                     "(SELECT string_agg(address::text, ', ' ORDER BY position) FROM recipients "
                     "WHERE message_id = m.id) FROM messages m WHERE m.sender = ?::citext "
                     "AND m.center_key != '' AND m.namespace = ? AND m.destroyed_at IS NULL "
                     "AND m.expires_at > ? ORDER BY m.created_at DESC LIMIT ?");
      sent.Bind(1, address).Bind(2, namespace_name).Bind(3, now).Bind(4, std::int64_t{limit});
      for (;;) {
        auto row = sent.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) break;
        CenterItem item;
        item.sent = true;
        item.message_id = sent.Text(0);
        item.created_at = sent.Int(1);
        item.expires_at = sent.Int(2);
        item.center_key = sent.Text(3);
        item.center_subject = sent.Text(4);
        item.counterpart = sent.Text(5);
        out.push_back(std::move(item));
      }
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    std::stable_sort(out.begin(), out.end(), [](const CenterItem& a, const CenterItem& b) {
      return a.created_at > b.created_at;
    });
    if (out.size() > static_cast<std::size_t>(limit)) out.resize(limit);
    return out;
  }

  Status SetStatus(const std::string& recipient_id, RecipientStatus status) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db, "UPDATE recipients SET status = ? WHERE id = ? AND status != 'locked'")
          .Bind(1, RecipientStatusName(status))
          .Bind(2, recipient_id)
          .Run();
    });
  }

 private:
  static Result<bool> Destroyed(Connection& db, const std::string& message_id) {
    Statement s(db, "SELECT destroyed_at IS NOT NULL FROM messages WHERE id = ?");
    s.Bind(1, message_id);
    auto row = s.Step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return MakeError(ErrorCode::kNotFound, "no such message");
    return s.Int(0) != 0;
  }

  Database& db_;
};

class PgQueueStore final : public QueueStore {
 public:
  PgQueueStore(Database& db, std::string node) : db_(db), node_(std::move(node)) {}

  Result<std::vector<QueueEntry>> Due(std::int64_t now, int limit) override {
    return Select(std::string("WHERE ") + kDue + " ORDER BY next_attempt_at, created_at LIMIT ?",
                  [&](Statement& s) { s.Bind(1, now).Bind(2, std::int64_t{limit}); });
  }

  Result<std::vector<QueueEntry>> Claim(std::int64_t now, int limit,
                                        std::int64_t lease_until) override {
    std::vector<QueueEntry> out;
    auto status = db_.ReadCommitted(
        [&](Connection& db) -> Status {
          out.clear();
          // Entries another node is claiming right now are locked: skipped, not waited for.
          // One statement takes the batch: the due rows locked and leased together.
          std::string columns = kColumns;  // "SELECT a, b, ... FROM queue "
          columns = columns.substr(7, columns.find(" FROM ") - 7);
          Statement claim(db,
                          std::string("UPDATE queue SET state = 'in_flight', next_attempt_at = ?, "
                                      "claimed_by = ? WHERE id IN (SELECT id FROM queue WHERE ") +
                              kDue +
                              " ORDER BY next_attempt_at, created_at LIMIT ? FOR UPDATE SKIP "
                              "LOCKED) RETURNING " +
                              columns);
          claim.Bind(1, lease_until).Bind(2, node_).Bind(3, now).Bind(4, std::int64_t{limit});
          auto rows = sql::messages::ReadQueueRows(claim);
          if (!rows.ok()) return std::move(rows).error();
          std::sort(rows->begin(), rows->end(), [](const QueueEntry& a, const QueueEntry& b) {
            return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
          });
          out = std::move(*rows);
          return OkStatus();
        },
        Database::Commit::kRecoverable);  // a lost lease: the entry is simply due
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Status Record(const std::vector<QueueUpdate>& updates, const std::vector<QueueEntry>& new_entries,
                const std::vector<EventRecord>& events) override {
    return db_.ReadCommitted(
        [&](Connection& db) -> Status {
          for (const auto& u : updates) {
            const bool final_state = IsFinal(u.state);
            Statement update(db, final_state
                                     ? "UPDATE queue SET state = ?, attempts = attempts + 1, "
                                       "next_attempt_at = ?, last_error = ?, report = ?, "
                                       "sealed_content = NULL, content_key = NULL, "
                                       "delivered_tls = ? WHERE id = ?"
                                     : "UPDATE queue SET state = ?, attempts = attempts + 1, "
                                       "next_attempt_at = ?, last_error = ?, report = ? "
                                       "WHERE id = ?");
            update.Bind(1, QueueStateName(u.state))
                .Bind(2, u.next_attempt_at)
                .Bind(3, u.last_error)
                .Bind(4, u.report);
            if (final_state) {
              update
                  .Bind(5, std::int64_t{u.state == QueueState::kDelivered &&
                                        DeliveredOverTls(u.report)})
                  .Bind(6, u.id);
            } else {
              update.Bind(5, u.id);
            }
            auto status = update.Run();
            if (status.ok() && final_state) {
              status =
                  SettleStandbys(db, u.id, u.state == QueueState::kReplanned, u.next_attempt_at);
            }
            if (status.ok() && u.state == QueueState::kDelivered) {
              status = SettleDelivered(db, u.id, u.next_attempt_at, u.report);
            }
            if (!status.ok()) return status;
          }
          return InsertQueueAndEvents(db, new_entries, events);
        },
        Database::Commit::kRecoverable);  // lost: the lease brings the entries back
  }

  // Dead row versions are VACUUM's (autovacuum's) to reclaim.
  Status ScrubDeleted() override { return OkStatus(); }

  Result<std::vector<std::string>> SpentContent(int limit) override {
    return QueryAll<std::string>(
        db_,
        "SELECT blob FROM (SELECT content_blob AS blob FROM queue WHERE content_blob != '' "
        "GROUP BY content_blob HAVING count(content_key) = 0 "
        "UNION SELECT blob_id FROM spent_content WHERE NOT EXISTS (SELECT 1 FROM queue "
        "WHERE content_blob = blob_id AND content_blob != '' AND content_key IS NOT NULL)) "
        "AS spent WHERE NOT EXISTS (SELECT 1 FROM backup_holds "
        "WHERE until > extract(epoch FROM now())::bigint) LIMIT ?",
        [&](Statement& s) { s.Bind(1, std::int64_t{limit}); },
        [](const Statement& s) { return s.Text(0); });
  }

  Result<std::int64_t> Waiting(std::int64_t now) override {
    return Count(
        "SELECT count(*) FROM queue WHERE state IN ('queued', 'in_flight') OR "
        "(state = 'deferred' AND next_attempt_at <= ?)",
        now);
  }

  Result<std::vector<QueueStateCount>> CountByState() override {
    return QueryAll<QueueStateCount>(
        db_,
        "SELECT state, count(*), min(created_at) FROM queue WHERE state IN "
        "('queued', 'in_flight', 'deferred', 'standby') GROUP BY state ORDER BY state",
        [](Statement&) {},
        [](const Statement& s) {
          return QueueStateCount{ParseQueueState(s.Text(0)).value_or(QueueState::kQueued), s.Int(1),
                                 s.Int(2)};
        });
  }

  Status ForgetContent(const std::vector<std::string>& blob_ids) override {
    return db_.Transaction([&](Connection& db) -> Status {
      for (const auto& id : blob_ids) {
        auto status = Statement(db,
                                "UPDATE queue SET content_blob = '' WHERE content_blob = ? "
                                "AND content_blob != '' AND content_key IS NULL")
                          .Bind(1, id)
                          .Run();
        if (status.ok()) {
          status = Statement(db, "DELETE FROM spent_content WHERE blob_id = ?").Bind(1, id).Run();
        }
        if (!status.ok()) return status;
      }
      return OkStatus();
    });
  }

  Result<int> ReleaseInFlight(std::int64_t now) override {
    std::int64_t released = 0;
    auto status = db_.ReadCommitted([&](Connection& db) -> Status {
      Statement release(db,
                        "UPDATE queue SET state = 'queued', next_attempt_at = ? "
                        "WHERE state = 'in_flight' AND claimed_by = ?");
      release.Bind(1, now).Bind(2, node_);
      if (auto s = release.Run(); !s.ok()) return s;
      released = release.changes();
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return static_cast<int>(released);
  }

  Result<std::optional<QueueEntry>> Find(const std::string& id) override {
    auto rows = Select("WHERE id = ?", [&](Statement& s) { s.Bind(1, id); });
    if (!rows.ok()) return std::move(rows).error();
    if (rows->empty()) return std::optional<QueueEntry>();
    return std::optional<QueueEntry>(std::move(rows->front()));
  }

  Result<std::vector<QueueEntry>> ForMessage(const std::string& message_id) override {
    return Select(
        "WHERE message_id = ? ORDER BY created_at, id",
        [&](Statement& s) { s.Bind(1, message_id); }, kSummaryColumns);
  }

  Result<std::vector<QueueEntry>> List(std::optional<QueueState> state, int limit) override {
    if (state) {
      return Select(
          "WHERE state = ? ORDER BY created_at DESC, id LIMIT ?",
          [&](Statement& s) { s.Bind(1, QueueStateName(*state)).Bind(2, std::int64_t{limit}); },
          kSummaryColumns);
    }
    return Select(
        "ORDER BY created_at DESC, id LIMIT ?",
        [&](Statement& s) { s.Bind(1, std::int64_t{limit}); }, kSummaryColumns);
  }

  Status RetryNow(const std::string& id, std::int64_t now) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement find(db, "SELECT state FROM queue WHERE id = ?");
      find.Bind(1, id);
      auto row = find.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kNotFound, "no queue entry " + id);
      const std::string state = find.Text(0);
      if (state != "queued" && state != "deferred") {
        return MakeError(ErrorCode::kFailedPrecondition, "queue entry " + id + " is " + state);
      }
      return Statement(db, "UPDATE queue SET state = 'queued', next_attempt_at = ? WHERE id = ?")
          .Bind(1, now)
          .Bind(2, id)
          .Run();
    });
  }

  Status Delete(const std::string& id, const EventRecord& event) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement find(db, "SELECT state, message_id, content_blob FROM queue WHERE id = ?");
      find.Bind(1, id);
      auto row = find.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kNotFound, "no queue entry " + id);
      const std::string state = find.Text(0), message_id = find.Text(1), blob = find.Text(2);
      if (state != "queued" && state != "deferred") {
        return MakeError(ErrorCode::kFailedPrecondition,
                         "queue entry " + id + " is " + state +
                             " (only queued or deferred entries can be deleted)");
      }
      auto deleted = Statement(db, "DELETE FROM queue WHERE id = ?").Bind(1, id).Run();
      if (deleted.ok() && !blob.empty()) {
        deleted = Statement(db,
                            "INSERT INTO spent_content (blob_id) SELECT $1 WHERE NOT EXISTS "
                            "(SELECT 1 FROM queue WHERE content_blob = $1 AND content_blob != '' "
                            "AND content_key IS NOT NULL) ON CONFLICT DO NOTHING")
                      .Bind(1, blob)
                      .Run();
      }
      if (deleted.ok()) deleted = SettleStandbys(db, id, /*replanned=*/false, 0);
      if (!deleted.ok() || message_id.empty()) return deleted;
      EventRecord e = event;
      e.message_id = message_id;
      return InsertEvent(db, e);
    });
  }

 private:
  static constexpr const char* kColumns =
      "SELECT id, message_id, recipient_id, mail_from, rcpt_to, sealed_content, state, "
      "attempts, next_attempt_at, created_at, last_error, dsn, report, tls_required, "
      "standby_for, content_blob, content_key, content_bits FROM queue ";
  static constexpr const char* kSummaryColumns =
      "SELECT id, message_id, recipient_id, mail_from, rcpt_to, ''::bytea, state, "
      "attempts, next_attempt_at, created_at, last_error, dsn, report, tls_required, "
      "standby_for, content_blob, ''::bytea, content_bits FROM queue ";
  static constexpr const char* kDue =
      "state IN ('queued', 'deferred', 'in_flight') AND next_attempt_at <= ?";

  template <typename BindFn>
  Result<std::vector<QueueEntry>> Select(const std::string& where, BindFn bind,
                                         const char* columns = kColumns) {
    Result<std::vector<QueueEntry>> out = std::vector<QueueEntry>();
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(db, std::string(columns) + where);
      bind(s);
      out = sql::messages::ReadQueueRows(s);
      return out.ok() ? OkStatus() : out.error();
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Result<std::int64_t> Count(const char* sql, std::optional<std::int64_t> value) {
    auto n = QueryOne<std::int64_t>(
        db_, sql,
        [&](Statement& s) {
          if (value) s.Bind(1, *value);
        },
        [](const Statement& s) { return s.Int(0); });
    if (!n.ok()) return std::move(n).error();
    return n->value_or(0);
  }

  Database& db_;
  const std::string node_;
};

class PgInboundStore final : public InboundStore {
 public:
  explicit PgInboundStore(Database& db) : db_(db) {}

  Status InsertBatch(const std::vector<InboundRecord>& records) override {
    return db_.ReadCommitted([&](Connection& db) -> Status {
      for (const auto& r : records) {
        Statement insert(db,
                         "INSERT INTO inbound (id, received_at, client_address, auth_user, "
                         "envelope, sealed_content, attempts, next_attempt_at, last_error, "
                         "content_blob, content_key, sealed_header, content_bits) "
                         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
        insert.Bind(1, r.id)
            .Bind(2, r.received_at)
            .Bind(3, r.client_address)
            .Bind(4, r.auth_user)
            .Bind(5, r.envelope_json)
            .BindBlob(6, r.sealed_content)
            .Bind(7, std::int64_t{r.attempts})
            .Bind(8, r.next_attempt_at)
            .Bind(9, r.last_error)
            .Bind(10, r.content_blob)
            .BindBlob(11, r.content_key)
            .BindBlob(12, r.sealed_header)
            .Bind(13, static_cast<std::int64_t>(r.content_bits));
        if (auto status = insert.Run(); !status.ok()) return status;
      }
      return OkStatus();
    });
  }

  Result<std::vector<InboundRecord>> Due(std::int64_t now, int limit) override {
    return Select(
        "WHERE next_attempt_at <= ? AND dead_at IS NULL "
        "ORDER BY next_attempt_at, received_at LIMIT ?",
        [&](Statement& s) { s.Bind(1, now).Bind(2, std::int64_t{limit}); });
  }

  // As the queue's claim: READ COMMITTED, FOR UPDATE SKIP LOCKED (two nodes take
  // different submissions, and neither waits for the other).
  Result<std::vector<InboundRecord>> Claim(std::int64_t now, int limit,
                                           std::int64_t lease_until) override {
    std::vector<InboundRecord> out;
    auto status = db_.ReadCommitted(
        [&](Connection& db) -> Status {
          out.clear();
          Statement s(db,
                      std::string(kInboundColumns) +
                          "WHERE next_attempt_at <= ? AND dead_at IS NULL "
                          "ORDER BY next_attempt_at, received_at LIMIT ? FOR UPDATE SKIP LOCKED");
          s.Bind(1, now).Bind(2, std::int64_t{limit});
          for (;;) {
            auto row = s.Step();
            if (!row.ok()) return std::move(row).error();
            if (!*row) break;
            out.push_back(sql::inbound::Read(s));
          }
          for (auto& r : out) {
            auto leased = Statement(db, "UPDATE inbound SET next_attempt_at = ? WHERE id = ?")
                              .Bind(1, lease_until)
                              .Bind(2, r.id)
                              .Run();
            if (!leased.ok()) return leased;
            r.next_attempt_at = lease_until;
          }
          return OkStatus();
        },
        Database::Commit::kRecoverable);  // a lost lease: the submission is simply due
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Result<std::vector<InboundRecord>> DeadLetters(int limit) override {
    return Select("WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, received_at DESC LIMIT ?",
                  [&](Statement& s) { s.Bind(1, std::int64_t{limit}); });
  }

  Status Bury(const std::string& id, std::int64_t now, const std::string& error,
              const std::vector<QueueEntry>& notices,
              const std::vector<EventRecord>& events) override {
    return db_.ReadCommitted([&](Connection& db) -> Status {
      Statement bury(db,
                     "UPDATE inbound SET attempts = attempts + 1, dead_at = ?, "
                     "last_error = ? WHERE id = ? AND dead_at IS NULL");
      bury.Bind(1, now).Bind(2, error).Bind(3, id);
      if (auto status = bury.Run(); !status.ok()) return status;
      if (bury.changes() == 0) return MakeError(ErrorCode::kNotFound, "no such submission");
      return InsertQueueAndEvents(db, notices, events);
    });
  }

  Status Revive(const std::string& id, std::int64_t now) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement revive(db,
                       "UPDATE inbound SET attempts = 0, dead_at = NULL, "
                       "next_attempt_at = ? WHERE id = ? AND dead_at IS NOT NULL");
      revive.Bind(1, now).Bind(2, id);
      if (auto status = revive.Run(); !status.ok()) return status;
      if (revive.changes() == 0) return MakeError(ErrorCode::kNotFound, "no dead letter " + id);
      return OkStatus();
    });
  }

  Status Defer(const std::string& id, std::int64_t next_attempt_at,
               const std::string& error) override {
    return db_.ReadCommitted([&](Connection& db) {
      return Statement(db,
                       "UPDATE inbound SET attempts = attempts + 1, next_attempt_at = ?, "
                       "last_error = ? WHERE id = ?")
          .Bind(1, next_attempt_at)
          .Bind(2, error)
          .Bind(3, id)
          .Run();
    });
  }

  Status Complete(const std::string& id, const std::vector<QueueEntry>& queue,
                  const std::vector<EventRecord>& events) override {
    return db_.ReadCommitted([&](Connection& db) -> Status {
      if (auto status = RemoveInbound(db, id); !status.ok()) return status;
      return InsertQueueAndEvents(db, queue, events);
    });
  }

  Result<std::int64_t> Count() override { return CountOf("SELECT count(*) FROM inbound"); }

  Result<std::int64_t> Waiting() override {
    return CountOf("SELECT count(*) FROM inbound WHERE dead_at IS NULL");
  }

 private:
  Result<std::int64_t> CountOf(const char* sql) {
    auto n = QueryOne<std::int64_t>(
        db_, sql, [](Statement&) {}, [](const Statement& s) { return s.Int(0); });
    if (!n.ok()) return std::move(n).error();
    return n->value_or(0);
  }

  static inline const std::string kInboundColumns =
      std::string("SELECT ") + sql::inbound::kColumns + " FROM inbound ";

  template <typename BindFn>
  Result<std::vector<InboundRecord>> Select(const std::string& where, BindFn bind) {
    return QueryAll<InboundRecord>(db_, kInboundColumns + where, bind,
                                   sql::inbound::Read<Statement>);
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<SigningKeyStore> NewSigningKeyStore(Database& db) {
  return std::make_unique<PgSigningKeyStore>(db);
}
std::unique_ptr<AnswerKeyStore> NewAnswerKeyStore(Database& db) {
  return std::make_unique<PgAnswerKeyStore>(db);
}
std::unique_ptr<EventStore> NewEventStore(Database& db) {
  return std::make_unique<PgEventStore>(db);
}
std::unique_ptr<MessageStore> NewMessageStore(Database& db) {
  return std::make_unique<PgMessageStore>(db);
}
std::unique_ptr<QueueStore> NewQueueStore(Database& db, std::string node) {
  return std::make_unique<PgQueueStore>(db, std::move(node));
}
std::unique_ptr<QueueStore> NewQueueStore(Database& db) { return NewQueueStore(db, ""); }
std::unique_ptr<InboundStore> NewInboundStore(Database& db) {
  return std::make_unique<PgInboundStore>(db);
}

}  // namespace sealpost::pg
