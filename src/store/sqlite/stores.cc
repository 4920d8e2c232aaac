#include "store/sqlite/stores.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <optional>

#include "audit/pending.h"
#include "store/event_effects.h"
#include "store/sql/message_rows.h"
#include "store/sqlite/backend.h"
#include "store/sqlite/spool.h"
#include "webhooks/events.h"
#include "webhooks/signature.h"

namespace sealpost::sqlite {
namespace {

class SqliteSigningKeyStore final : public SigningKeyStore {
 public:
  explicit SqliteSigningKeyStore(Database& db) : db_(db) {}

  Status Insert(const SigningKeyRecord& k) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db, "INSERT INTO signing_keys VALUES (?,?,?,?)")
          .Bind(1, k.id).BindBlob(2, k.public_key).BindBlob(3, k.sealed_secret)
          .Bind(4, k.created_at).Run();
    });
  }

  Result<std::optional<SigningKeyRecord>> Find(const std::string& id) override {
    return Query("SELECT id, public_key, sealed_secret, created_at FROM signing_keys WHERE id = ?",
                 id);
  }

  Result<std::optional<SigningKeyRecord>> Newest() override {
    return Query("SELECT id, public_key, sealed_secret, created_at FROM signing_keys "
                 "ORDER BY created_at DESC, rowid DESC LIMIT 1",
                 std::nullopt);
  }

 private:
  Result<std::optional<SigningKeyRecord>> Query(const char* sql, std::optional<std::string> id) {
    return QueryOne<SigningKeyRecord>(
        db_, sql, [&](Statement& s) { if (id) s.Bind(1, *id); },
        [](const Statement& s) { return SigningKeyRecord{s.Text(0), s.Text(1), s.Text(2), s.Int(3)}; });
  }

  Database& db_;
};

// What "accepted" says of each recipient: the address, the method and why (the policy
// engine's trace).
Result<std::string> RecipientsJson(Connection& db, const std::string& message_id) {
  Statement s(db, "SELECT address, method, trace FROM recipients WHERE message_id = ? "
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

// Every message event goes into the audit trail too, in its transaction: the message's
// lifecycle and every access to it, with who did it (store/event_effects.h).
Status AuditEvent(Connection& db, const EventRecord& e) {
  if (!event_effects::Audited(e)) return OkStatus();
  std::string account, recipient, recipients;
  {
    Statement find(db, e.recipient_id.empty()
                           ? "SELECT account, '' FROM messages WHERE id = ?"
                           : "SELECT m.account, r.address FROM recipients r JOIN messages m ON "
                             "m.id = r.message_id WHERE r.id = ?");
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
  auto r = event_effects::AuditRecordOf(e, std::move(account), std::move(recipient),
                                        std::move(recipients));
  return AppendAuditIn(db, r);
}

// A campaign's or automation's message opened or clicked: the contact's @last_opened /
// @last_clicked that segments ask about, in the event's transaction.
Status ContactEngagement(Connection& db, const EventRecord& e) {
  const auto engagement = event_effects::EngagementOf(e);
  if (engagement == event_effects::Engagement::kNone) return OkStatus();
  return Statement(db,
                   "UPDATE contacts SET last_opened = max(last_opened, ?1), last_clicked = "
                   "CASE WHEN ?2 THEN max(last_clicked, ?1) ELSE last_clicked END WHERE id IN "
                   "(SELECT contact_id FROM campaign_sends WHERE message_id = ?3 UNION ALL "
                   "SELECT contact_id FROM automation_sends WHERE message_id = ?3)")
      .Bind(1, e.at)
      .Bind(2, std::int64_t{engagement == event_effects::Engagement::kClicked})
      .Bind(3, e.message_id)
      .Run();
}

// An event an endpoint of the message's account wants goes into the webhook outbox, in
// the event's transaction: it is pushed once it is a fact, and never lost on the way.
Status WebhookFanOut(Connection& db, const EventRecord& e) {
  auto facts = event_effects::WebhookFactsOf(e);
  if (!facts) return OkStatus();
  Statement endpoints(db, "SELECT e.id, e.event_types, m.account FROM messages m "
                          "JOIN webhook_endpoints e ON e.account = m.account "
                          "WHERE m.id = ? AND e.enabled = 1");
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
                            "VALUES (?,?,?,?,?,?,'pending',0,?,0,'')")
                      .Bind(1, webhooks::NewMessageId())
                      .Bind(2, endpoint)
                      .Bind(3, facts->type)
                      .Bind(4, e.message_id)
                      .Bind(5, payload)
                      .Bind(6, e.at)
                      .Bind(7, e.at)
                      .Run();
    if (!queued.ok()) return queued;
  }
  return OkStatus();
}

Status InsertEvent(Connection& db, const EventRecord& e) {
  auto status =
      Statement(db, "INSERT INTO events (message_id, recipient_id, type, at, client_address, "
                    "detail) VALUES (?,?,?,?,?,?)")
          .Bind(1, e.message_id).Bind(2, e.recipient_id).Bind(3, e.type).Bind(4, e.at)
          .Bind(5, e.client_address).Bind(6, e.detail).Run();
  if (!status.ok()) return status;
  if (status = AuditEvent(db, e); !status.ok()) return status;
  if (status = ContactEngagement(db, e); !status.ok()) return status;
  return WebhookFanOut(db, e);
}

class SqliteEventStore final : public EventStore {
 public:
  explicit SqliteEventStore(Database& db) : db_(db) {}

  Status Append(const EventRecord& event) override {
    return db_.Transaction([&](Connection& db) { return InsertEvent(db, event); });
  }

  Result<std::vector<EventRecord>> ForMessage(const std::string& message_id) override {
    std::vector<EventRecord> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(db, "SELECT id, message_id, recipient_id, type, at, client_address, detail "
                      "FROM events WHERE message_id = ? ORDER BY id");
      s.Bind(1, message_id);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        out.push_back({s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Text(5), s.Text(6)});
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

 private:
  Database& db_;
};

Status InsertQueueEntry(Connection& db, const QueueEntry& q) {
  return sql::messages::InsertQueueRow<Backend>(db, q);
}

// Queue entries, then events: what a transaction adds beside its own change.
Status InsertQueueAndEvents(Connection& db, const std::vector<QueueEntry>& queue,
                            const std::vector<EventRecord>& events) {
  for (const auto& q : queue) {
    auto status = InsertQueueEntry(db, q);
    if (!status.ok()) return status;
  }
  for (const auto& e : events) {
    auto status = InsertEvent(db, e);
    if (!status.ok()) return status;
  }
  return OkStatus();
}

// A TLS-only entry reached a final state: its standby entries (the fallback prepared
// at submission) are needed now, due at `now`, if TLS could not be had (`replanned`);
// otherwise they are superseded and their content goes. Their recipients follow.
Status SettleStandbys(Connection& db, const std::string& primary_id, bool replanned,
                      std::int64_t now) {
  static constexpr const char* kStandbyRecipients =
      "id IN (SELECT recipient_id FROM queue WHERE standby_for = ? AND standby_for != '' AND state "
      "= 'standby') "
      "AND status = 'standby'";
  if (replanned) {
    auto status = Statement(db, std::string("UPDATE recipients SET status = CASE method WHEN "
                                            "'escrow' THEN 'notice_queued' ELSE 'queued' END "
                                            "WHERE ") + kStandbyRecipients)
                      .Bind(1, primary_id).Run();
    if (status.ok()) {
      status = Statement(db, "UPDATE recipients SET status = 'replanned' WHERE status = 'queued' "
                             "AND id = (SELECT recipient_id FROM queue WHERE id = ?)")
                   .Bind(1, primary_id).Run();
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
                    .Bind(1, primary_id).Run();
  if (!status.ok()) return status;
  return Statement(
             db,
             "UPDATE queue SET state = 'superseded', sealed_content = NULL, content_key = NULL "
             "WHERE standby_for = ? AND standby_for != '' AND state = 'standby'")
      .Bind(1, primary_id)
      .Run();
}

// A delivered entry that belongs to a recipient moves the recipient on and records the
// event, in the transaction that records the delivery: a copy encrypted to the
// recipient's own key (or sent over TLS) is the mail itself; any other entry is a notice.
Status SettleDelivered(Connection& db, const std::string& queue_id, std::int64_t at,
                       const std::string& report) {
  Statement find(db, "SELECT q.message_id, q.recipient_id, r.status FROM queue q "
                     "JOIN recipients r ON r.id = q.recipient_id WHERE q.id = ?");
  find.Bind(1, queue_id);
  auto row = find.Step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return OkStatus();  // a notice to a sender, a DSN, or a message deleted since
  const std::string message_id = find.Text(0), recipient_id = find.Text(1);
  const std::string status = find.Text(2);
  const bool mail_itself = status == "queued";
  if (mail_itself || status == "notice_queued") {
    auto moved = Statement(db, "UPDATE recipients SET status = ? WHERE id = ?")
                     .Bind(1, mail_itself ? "delivered" : "notice_delivered")
                     .Bind(2, recipient_id).Run();
    if (!moved.ok()) return moved;
  }
  return InsertEvent(db, {0, message_id, recipient_id,
                          mail_itself ? "delivered" : "notice_delivered", at, "", report});
}

class SqliteMessageStore final : public MessageStore {
 public:
  explicit SqliteMessageStore(Database& db) : db_(db) {}

  // A message that consumes a spooled submission ends it (store/sqlite/spool.h): its
  // mark is written with the message, and the spool's row goes after the commit. That
  // commit is durable, unlike PostgreSQL's (kRecoverable there: the row goes in it): the
  // spool's change reaches the disk with the spool's next sync, which nothing orders
  // after this file's, so a power failure could otherwise keep the row's removal and
  // lose the message.
  Status InsertAll(const std::vector<NewMessage>& batch) override {
    std::vector<std::string> consumed;
    for (const NewMessage& one : batch) {
      if (!one.consumed_inbound.empty()) consumed.push_back(one.consumed_inbound);
    }
    std::vector<std::string> blobs;
    if (!consumed.empty()) {
      auto spooled = SpooledBlobs(db_.spool(), consumed);
      if (!spooled.ok()) return std::move(spooled).error();
      blobs = std::move(*spooled);
    }
    auto status = db_.Transaction(
        [&](Connection& db) -> Status {
          std::size_t next = 0;
          for (const NewMessage& one : batch) {
            if (!one.consumed_inbound.empty()) {
              auto marked = MarkEnded(db, one.consumed_inbound, kEndedDone, "", blobs[next++]);
              if (!marked.ok()) return marked;
            }
            auto inserted = InsertOne(db, one);
            if (!inserted.ok()) return inserted;
          }
          return OkStatus();
        },
        Database::Commit::kDurable);
    if (!status.ok() || consumed.empty()) return status;
    std::vector<SpoolMark> marks;
    for (auto& id : consumed) marks.push_back({std::move(id), std::string(kEndedDone), "", 0});
    // Not done now (a failing disk): the mark has it done by the next Claim or sweep.
    (void)SettleInSpool(db_.spool(), marks, Database::Commit::kRecoverable);
    return OkStatus();
  }

 private:
  static Status InsertOne(Connection& db, const NewMessage& one) {
    const MessageRecord& m = *one.message;
    std::optional<audit::ActingAs> acting;  // the audit trail names this message's sender
    if (one.actor != nullptr) acting.emplace(*one.actor);
    auto status = sql::messages::InsertMessageRows<Backend>(db, m);
    if (!status.ok()) return status;
    status = InsertQueueAndEvents(db, *one.notices, *one.events);
    if (!status.ok() || one.records == nullptr) return status;
    for (audit::AuditRecord record : *one.records) {
      if (status = AppendAuditIn(db, record); !status.ok()) return status;
    }
    return OkStatus();
  }

 public:
  Result<std::vector<MessageRecord>> List(const MessageQuery& q) override {
    std::vector<std::string> ids;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(db,
                  "SELECT m.id FROM messages m WHERE m.account = ?1 "
                  "AND (?2 = '' OR m.sender = ?2 COLLATE NOCASE) "
                  "AND (?3 IS NULL OR m.created_at >= ?3) AND (?4 IS NULL OR m.created_at < ?4) "
                  // Newest first is creation order: rowid breaks ties within a second.
                  "AND (?5 = '' OR (m.created_at, m.rowid) < "
                  "(SELECT created_at, rowid FROM messages WHERE id = ?5 AND account = ?1)) "
                  "AND (?6 = '' AND ?7 = '' AND ?8 = '' OR EXISTS (SELECT 1 FROM recipients r "
                  "WHERE r.message_id = m.id AND (?6 = '' OR r.address = ?6 COLLATE NOCASE) "
                  "AND (?7 = '' OR r.status = ?7) AND (?8 = '' OR r.method = ?8))) "
                  "ORDER BY m.created_at DESC, m.rowid DESC LIMIT ?9");
      s.Bind(1, q.account).Bind(2, q.sender).Bind(3, q.from).Bind(4, q.to).Bind(5, q.after_id);
      s.Bind(6, q.recipient).Bind(7, q.status).Bind(8, q.method).Bind(9, std::int64_t{q.limit});
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        ids.push_back(s.Text(0));
      }
    });
    if (!status.ok()) return std::move(status).error();
    std::vector<MessageRecord> out;
    for (const auto& id : ids) {
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

  Result<int> RecordFailure(const std::string& recipient_id, int lock_after, std::int64_t now,
                            const std::optional<QueueEntry>& lock_notice) override {
    int failures = 0;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto st = Statement(db, "UPDATE recipients SET failures = failures + 1 WHERE id = ?")
                    .Bind(1, recipient_id).Run();
      if (!st.ok()) return st;
      Statement s(db, "SELECT failures FROM recipients WHERE id = ?");
      s.Bind(1, recipient_id);
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kNotFound, "no such recipient");
      failures = static_cast<int>(s.Int(0));
      if (failures < lock_after) return OkStatus();
      auto locked = Statement(db, "UPDATE recipients SET status = ?, locked_at = ? "
                                  "WHERE id = ? AND locked_at IS NULL")
                        .Bind(1, RecipientStatusName(RecipientStatus::kLocked)).Bind(2, now)
                        .Bind(3, recipient_id).Run();
      if (!locked.ok()) return locked;
      if (sqlite3_changes(db) > 0 && lock_notice) return InsertQueueEntry(db, *lock_notice);
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return failures;
  }

  Status ResetFailures(const std::string& recipient_id) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db, "UPDATE recipients SET failures = 0 WHERE id = ? AND locked_at IS NULL")
          .Bind(1, recipient_id).Run();
    });
  }

  Status DeleteCopy(const std::string& recipient_id, const EventRecord& event) override {
    return Scrubbed(db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db,
                         "UPDATE recipients SET status = 'deleted', wrapped_key = X'', "
                         "answer_hash = '', center_key = X'' "
                         "WHERE id = ? AND status NOT IN ('deleted', 'locked')")
                   .Bind(1, recipient_id)
                   .Run();
      if (!s.ok()) return s;
      if (sqlite3_changes(db) == 0) {
        return MakeError(ErrorCode::kFailedPrecondition, "already deleted or locked");
      }
      return InsertEvent(db, event);
    }));
  }

  Result<bool> MarkViewed(const std::string& recipient_id, const EventRecord& event,
                          const std::optional<QueueEntry>& receipt) override {
    bool first = false;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto s = Statement(db, "UPDATE recipients SET status = 'viewed' WHERE id = ? "
                             "AND status NOT IN ('viewed', 'locked')")
                   .Bind(1, recipient_id).Run();
      if (!s.ok()) return s;
      first = sqlite3_changes(db) > 0;
      if (first && receipt) {
        s = InsertQueueEntry(db, *receipt);
        if (!s.ok()) return s;
      }
      return InsertEvent(db, event);
    });
    if (!status.ok()) return std::move(status).error();
    return first;
  }

  Status SetExpiry(const std::string& message_id, std::int64_t expires_at,
                   const EventRecord& event) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto destroyed = DestroyedAt(db, message_id);
      if (!destroyed.ok()) return std::move(destroyed).error();
      if (*destroyed) return MakeError(ErrorCode::kFailedPrecondition, "the message is gone");
      auto s = Statement(db, "UPDATE messages SET expires_at = ? WHERE id = ?")
                   .Bind(1, expires_at).Bind(2, message_id).Run();
      if (!s.ok()) return s;
      return InsertEvent(db, event);
    });
  }

  Status Destroy(const std::string& message_id, std::int64_t now, bool retracted,
                 const EventRecord& event) override {
    return Scrubbed(db_.Transaction([&](Connection& db) -> Status {
      auto destroyed = DestroyedAt(db, message_id);
      if (!destroyed.ok()) return std::move(destroyed).error();
      if (*destroyed) return MakeError(ErrorCode::kFailedPrecondition, "the message is gone");
      auto s = Statement(db, "UPDATE messages SET destroyed_at = ?, expires_at = MIN(expires_at, ?), "
                             "retracted_at = CASE WHEN ? THEN ? ELSE retracted_at END WHERE id = ?")
                   .Bind(1, now).Bind(2, now).Bind(3, std::int64_t{retracted ? 1 : 0}).Bind(4, now)
                   .Bind(5, message_id).Run();
      if (!s.ok()) return s;
      // The keys go: without its wrapped key no link and no answer opens it again.
      // The Message Center's copies too: the server can no longer open it either.
      s = Statement(db,
                    "UPDATE recipients SET wrapped_key = X'', answer_hash = '', "
                    "center_key = X'' WHERE message_id = ?")
              .Bind(1, message_id)
              .Run();
      if (!s.ok()) return s;
      s = Statement(db, "UPDATE messages SET center_key = X'', center_subject = X'', "
                        "webhook_subject = X'', sealed_manifest = NULL WHERE id = ?")
              .Bind(1, message_id)
              .Run();
      if (!s.ok()) return s;
      // What has not left yet never will: notices to a dead link, unsent copies.
      s = Statement(db, "UPDATE queue SET state = 'superseded', sealed_content = NULL, content_key = NULL "
                        "WHERE message_id = ? AND state IN ('queued', 'deferred', 'standby')")
              .Bind(1, message_id).Run();
      if (!s.ok()) return s;
      return InsertEvent(db, event);
    }));
  }

  Result<std::vector<std::string>> ExpiredUndestroyed(std::int64_t now, int limit) override {
    return QueryAll<std::string>(
        db_,
        "SELECT id FROM messages WHERE destroyed_at IS NULL AND expires_at <= ? "
        "ORDER BY expires_at LIMIT ?",
        [&](Statement& s) { s.Bind(1, now).Bind(2, std::int64_t{limit}); },
        [](Statement& s) { return s.Text(0); });
  }

  Result<std::vector<CenterItem>> CenterItems(const std::string& namespace_name,
                                              const std::string& address, std::int64_t now,
                                              int limit) override {
    std::vector<CenterItem> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement received(
          db,
          "SELECT r.id, m.id, m.sender, m.created_at, m.expires_at, r.center_key, "
          "m.center_subject, r.status FROM recipients r JOIN messages m ON m.id = r.message_id "
          "WHERE r.address = ? COLLATE NOCASE AND r.center_key != X'' AND m.namespace = ? "
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
                     "(SELECT group_concat(address, ', ') FROM recipients WHERE message_id = m.id) "
                     "FROM messages m WHERE m.sender = ? COLLATE NOCASE AND m.center_key != X'' "
                     "AND m.namespace = ? AND m.destroyed_at IS NULL AND m.expires_at > ? "
                     "ORDER BY m.created_at DESC LIMIT ?");
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
      // A locked recipient stays locked whatever happens later.
      return Statement(db, "UPDATE recipients SET status = ? WHERE id = ? AND status != 'locked'")
          .Bind(1, RecipientStatusName(status)).Bind(2, recipient_id).Run();
    });
  }

 private:
  // Keys just deleted leave the files too: the write-ahead log is truncated and freed
  // pages were zeroed (secure_delete). A scrub that fails (a reader held the log) is
  // not the caller's failure: the change committed, and the next scrub catches up.
  Status Scrubbed(Status committed) {
    if (committed.ok()) (void)db_.Checkpoint();
    return committed;
  }

  // kNotFound without the message; whether its keys are destroyed.
  static Result<bool> DestroyedAt(Connection& db, const std::string& message_id) {
    Statement s(db, "SELECT destroyed_at IS NOT NULL FROM messages WHERE id = ?");
    s.Bind(1, message_id);
    auto row = s.Step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return MakeError(ErrorCode::kNotFound, "no such message");
    return s.Int(0) != 0;
  }

  Database& db_;
};

class SqliteQueueStore final : public QueueStore {
 public:
  explicit SqliteQueueStore(Database& db) : db_(db) {}

  Result<std::vector<QueueEntry>> Due(std::int64_t now, int limit) override {
    return Select(std::string("WHERE ") + kDue + " ORDER BY next_attempt_at, created_at LIMIT ?",
                  [&](Statement& s) { s.Bind(1, now).Bind(2, std::int64_t{limit}); });
  }

  Result<std::vector<QueueEntry>> Claim(std::int64_t now, int limit,
                                        std::int64_t lease_until) override {
    std::vector<QueueEntry> out;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      Statement select(db, std::string(kColumns) + "WHERE " + kDue +
                               " ORDER BY next_attempt_at, created_at LIMIT ?");
      select.Bind(1, now).Bind(2, std::int64_t{limit});
      auto rows = sql::messages::ReadQueueRows(select);
      if (!rows.ok()) return std::move(rows).error();
      for (auto& q : *rows) {
        auto updated = Statement(db, "UPDATE queue SET state = 'in_flight', next_attempt_at = ? "
                                     "WHERE id = ?")
                           .Bind(1, lease_until).Bind(2, q.id).Run();
        if (!updated.ok()) return updated;
        q.state = QueueState::kInFlight;
        q.next_attempt_at = lease_until;
      }
      out = std::move(*rows);
      return OkStatus();
    }, Database::Commit::kRecoverable);  // a lost lease: the entry is simply due
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Status Record(const std::vector<QueueUpdate>& updates, const std::vector<QueueEntry>& new_entries,
                const std::vector<EventRecord>& events) override {
    return db_.Transaction([&](Connection& db) -> Status {
      for (const auto& u : updates) {
        const bool final_state = IsFinal(u.state);
        auto status =
            Statement(db, final_state ? "UPDATE queue SET state = ?1, attempts = attempts + 1, "
                                        "next_attempt_at = ?2, last_error = ?3, report = ?4, "
                                        "sealed_content = NULL, content_key = NULL, "
                                        "delivered_tls = ?1 = 'delivered' AND json_valid(?4) "
                                        "AND coalesce(json_extract(?4, '$.tls_version'), '') "
                                        "!= '' WHERE id = ?5"
                                      : "UPDATE queue SET state = ?, attempts = attempts + 1, "
                                        "next_attempt_at = ?, last_error = ?, report = ? "
                                        "WHERE id = ?")
                .Bind(1, QueueStateName(u.state))
                .Bind(2, u.next_attempt_at)
                .Bind(3, u.last_error)
                .Bind(4, u.report)
                .Bind(5, u.id)
                .Run();
        if (status.ok() && final_state) {
          status = SettleStandbys(db, u.id, u.state == QueueState::kReplanned, u.next_attempt_at);
        }
        if (status.ok() && u.state == QueueState::kDelivered) {
          status = SettleDelivered(db, u.id, u.next_attempt_at, u.report);
        }
        if (!status.ok()) return status;
      }
      return InsertQueueAndEvents(db, new_entries, events);
    }, Database::Commit::kRecoverable);  // lost: the lease brings the entries back
  }

  Status ScrubDeleted() override { return db_.Checkpoint(); }

  // Every lookup by content_blob also says content_blob != '': queue_by_content is a
  // partial index (WHERE content_blob != ''), and SQLite uses it only for a query that
  // implies its WHERE. Without, each lookup read every entry ever delivered (a fifth of
  // the relay's time at 440 messages a second, growing with the table).
  Result<std::vector<std::string>> SpentContent(int limit) override {
    return QueryAll<std::string>(
        db_,
        // Nothing while a backup holds the sweep off (app/backup.h).
        "SELECT blob FROM (SELECT content_blob AS blob FROM queue WHERE content_blob != '' "
        "GROUP BY content_blob HAVING COUNT(content_key) = 0 "
        "UNION SELECT blob_id FROM spent_content WHERE NOT EXISTS (SELECT 1 FROM queue "
        "WHERE content_blob = blob_id AND content_blob != '' AND content_key IS NOT NULL)) "
        "WHERE NOT EXISTS (SELECT 1 FROM backup_holds "
        "WHERE until > CAST(strftime('%s', 'now') AS INTEGER)) LIMIT ?",
        [&](Statement& s) { s.Bind(1, std::int64_t{limit}); },
        [](Statement& s) { return s.Text(0); });
  }

  Result<std::int64_t> Waiting(std::int64_t now) override {
    auto n = QueryOne<std::int64_t>(
        db_,
        "SELECT count(*) FROM queue WHERE state IN ('queued', 'in_flight') OR "
        "(state = 'deferred' AND next_attempt_at <= ?)",
        [&](Statement& s) { s.Bind(1, now); }, [](Statement& s) { return s.Int(0); });
    if (!n.ok()) return std::move(n).error();
    return n->value_or(0);
  }

  Result<std::vector<QueueStateCount>> CountByState() override {
    return QueryAll<QueueStateCount>(
        db_,
        "SELECT state, count(*), min(created_at) FROM queue WHERE state IN "
        "('queued', 'in_flight', 'deferred', 'standby') GROUP BY state",
        [](Statement&) {},
        [](Statement& s) {
          return QueueStateCount{ParseQueueState(s.Text(0)).value_or(QueueState::kQueued),
                                 s.Int(1), s.Int(2)};
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
    int released = 0;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto run = Statement(db, "UPDATE queue SET state = 'queued', next_attempt_at = ? "
                               "WHERE state = 'in_flight'")
                     .Bind(1, now).Run();
      released = sqlite3_changes(db);
      return run;
    });
    if (!status.ok()) return std::move(status).error();
    return released;
  }

  Result<std::optional<QueueEntry>> Find(const std::string& id) override {
    auto rows = Select("WHERE id = ?", [&](Statement& s) { s.Bind(1, id); });
    if (!rows.ok()) return std::move(rows).error();
    if (rows->empty()) return std::optional<QueueEntry>();
    return std::optional<QueueEntry>(std::move(rows->front()));
  }

  Result<std::vector<QueueEntry>> ForMessage(const std::string& message_id) override {
    return Select("WHERE message_id = ? ORDER BY created_at, id",
                  [&](Statement& s) { s.Bind(1, message_id); }, kSummaryColumns);
  }

  Result<std::vector<QueueEntry>> List(std::optional<QueueState> state, int limit) override {
    if (state) {
      return Select("WHERE state = ? ORDER BY created_at DESC, id LIMIT ?", [&](Statement& s) {
        s.Bind(1, QueueStateName(*state)).Bind(2, std::int64_t{limit});
      }, kSummaryColumns);
    }
    return Select("ORDER BY created_at DESC, id LIMIT ?",
                  [&](Statement& s) { s.Bind(1, std::int64_t{limit}); }, kSummaryColumns);
  }

  Status RetryNow(const std::string& id, std::int64_t now) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement find(db, "SELECT state FROM queue WHERE id = ?");
      find.Bind(1, id);
      auto row = find.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kNotFound, "no queue entry " + id);
      std::string state = find.Text(0);
      if (state != "queued" && state != "deferred") {
        return MakeError(ErrorCode::kFailedPrecondition, "queue entry " + id + " is " + state);
      }
      return Statement(db, "UPDATE queue SET state = 'queued', next_attempt_at = ? WHERE id = ?")
          .Bind(1, now).Bind(2, id).Run();
    });
  }

  Status Delete(const std::string& id, const EventRecord& event) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement find(db, "SELECT state, message_id, content_blob FROM queue WHERE id = ?");
      find.Bind(1, id);
      auto row = find.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kNotFound, "no queue entry " + id);
      std::string state = find.Text(0);
      std::string message_id = find.Text(1);
      std::string blob = find.Text(2);
      if (state != "queued" && state != "deferred") {
        return MakeError(ErrorCode::kFailedPrecondition,
                         "queue entry " + id + " is " + state + " (only queued or deferred "
                         "entries can be deleted)");
      }
      auto deleted = Statement(db, "DELETE FROM queue WHERE id = ?").Bind(1, id).Run();
      // Its content goes with the last entry that refers to it.
      if (deleted.ok() && !blob.empty()) {
        deleted = Statement(db,
                            "INSERT OR IGNORE INTO spent_content (blob_id) SELECT ? WHERE "
                            "NOT EXISTS (SELECT 1 FROM queue WHERE content_blob = ? AND "
                            "content_blob != '' AND content_key IS NOT NULL)")
                      .Bind(1, blob)
                      .Bind(2, blob)
                      .Run();
      }
      // Whatever stood by for it is not needed either.
      if (deleted.ok()) deleted = SettleStandbys(db, id, /*replanned=*/false, 0);
      if (!deleted.ok() || message_id.empty()) return deleted;
      EventRecord e = event;
      e.message_id = message_id;
      return InsertEvent(db, e);
    });
  }

 private:
  // Every column; the summary leaves the content and its key out (a delivery report
  // or a listing needs neither).
  static constexpr const char* kColumns =
      "SELECT id, message_id, recipient_id, mail_from, rcpt_to, sealed_content, state, "
      "attempts, next_attempt_at, created_at, last_error, dsn, report, tls_required, "
      "standby_for, content_blob, content_key, content_bits FROM queue ";
  static constexpr const char* kSummaryColumns =
      "SELECT id, message_id, recipient_id, mail_from, rcpt_to, X'', state, "
      "attempts, next_attempt_at, created_at, last_error, dsn, report, tls_required, "
      "standby_for, content_blob, X'', content_bits FROM queue ";
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
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Database& db_;
};

// Submissions in the spool (Database::spool); ended in the main database, with a mark
// (store/sqlite/spool.h).
class SqliteInboundStore final : public InboundStore {
 public:
  explicit SqliteInboundStore(Database& main) : main_(main), spool_(main.spool()) {}

  Status InsertBatch(const std::vector<InboundRecord>& records) override {
    return spool_.Transaction([&](Connection& db) -> Status {
      for (const auto& r : records) {
        if (auto status = InsertInbound(db, r); !status.ok()) return status;
      }
      return OkStatus();
    });
  }

  Result<std::vector<InboundRecord>> Due(std::int64_t now, int limit) override {
    return Select("WHERE next_attempt_at <= ? AND dead_at IS NULL "
                  "ORDER BY next_attempt_at, received_at LIMIT ?",
                  [&](Statement& s) { s.Bind(1, now).Bind(2, std::int64_t{limit}); });
  }

  // What it takes whose mark says it has ended (a crash came between the mark and the
  // spool's change) is settled, not handed out. Now and then old marks are swept.
  Result<std::vector<InboundRecord>> Claim(std::int64_t now, int limit,
                                           std::int64_t lease_until) override {
    if (now >= next_sweep_.load()) {
      auto swept = SweepMarks(main_, now - kMarkKept, kSweepLimit);
      if (!swept.ok()) return std::move(swept).error();
      // A full sweep leaves more: the next Claim goes on (marks come as fast as mail).
      next_sweep_.store(*swept == kSweepLimit ? now : now + kSweepEvery);
    }
    std::vector<InboundRecord> out;
    auto status = spool_.Transaction(
        [&](Connection& db) -> Status {
          out.clear();
          Statement s(db, std::string("SELECT ") + sql::inbound::kColumns +
                              " FROM inbound WHERE next_attempt_at <= ? AND dead_at IS NULL "
                              "ORDER BY next_attempt_at, received_at LIMIT ?");
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
    if (out.empty()) return out;
    std::vector<std::string> ids;
    for (const auto& r : out) ids.push_back(r.id);
    auto marks = MarksOf(main_, ids);
    if (!marks.ok()) return std::move(marks).error();
    if (marks->empty()) return out;
    if (auto settled = SettleInSpool(spool_, *marks, Database::Commit::kRecoverable);
        !settled.ok()) {
      return std::move(settled).error();
    }
    std::erase_if(out, [&](const InboundRecord& r) {
      return std::any_of(marks->begin(), marks->end(),
                         [&](const SpoolMark& m) { return m.id == r.id; });
    });
    return out;
  }

  Result<std::vector<InboundRecord>> DeadLetters(int limit) override {
    return Select("WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, received_at DESC LIMIT ?",
                  [&](Statement& s) { s.Bind(1, std::int64_t{limit}); });
  }

  Status Bury(const std::string& id, std::int64_t now, const std::string& error,
              const std::vector<QueueEntry>& notices,
              const std::vector<EventRecord>& events) override {
    auto live = Select("WHERE id = ? AND dead_at IS NULL", [&](Statement& s) { s.Bind(1, id); });
    if (!live.ok()) return std::move(live).error();
    if (live->empty()) return MakeError(ErrorCode::kNotFound, "no such submission");
    auto status = main_.Transaction([&](Connection& db) -> Status {
      // A dead letter keeps its content: no blob is spent.
      auto marked = MarkEnded(db, id, kEndedBuried, error, "");
      if (!marked.ok() && marked.error().code == ErrorCode::kNotFound) {
        return MakeError(ErrorCode::kNotFound, "no such submission");  // ended meanwhile
      }
      if (!marked.ok()) return marked;
      return InsertQueueAndEvents(db, notices, events);
    });
    if (!status.ok()) return status;
    (void)SettleInSpool(spool_, {{id, std::string(kEndedBuried), error, now}},
                        Database::Commit::kRecoverable);  // else the mark has it done later
    return OkStatus();
  }

  // Its "buried" mark goes first, so that the revived submission can end again.
  Status Revive(const std::string& id, std::int64_t now) override {
    auto dead =
        Select("WHERE id = ? AND dead_at IS NOT NULL", [&](Statement& s) { s.Bind(1, id); });
    if (!dead.ok()) return std::move(dead).error();
    if (dead->empty()) return MakeError(ErrorCode::kNotFound, "no dead letter " + id);
    auto status = main_.Transaction([&](Connection& db) {
      return Statement(db, "DELETE FROM inbound_done WHERE id = ? AND outcome = ?")
          .Bind(1, id)
          .Bind(2, kEndedBuried)
          .Run();
    });
    if (!status.ok()) return status;
    return spool_.Transaction([&](Connection& db) -> Status {
      auto status = Statement(db, "UPDATE inbound SET attempts = 0, dead_at = NULL, "
                                  "next_attempt_at = ? WHERE id = ? AND dead_at IS NOT NULL")
                        .Bind(1, now).Bind(2, id).Run();
      if (!status.ok()) return status;
      if (sqlite3_changes(db) == 0) return MakeError(ErrorCode::kNotFound, "no dead letter " + id);
      return OkStatus();
    });
  }

  Status Defer(const std::string& id, std::int64_t next_attempt_at,
               const std::string& error) override {
    return spool_.Transaction([&](Connection& db) {
      return Statement(db, "UPDATE inbound SET attempts = attempts + 1, next_attempt_at = ?, "
                           "last_error = ? WHERE id = ?")
          .Bind(1, next_attempt_at).Bind(2, error).Bind(3, id).Run();
    });
  }

  Status Complete(const std::string& id, const std::vector<QueueEntry>& queue,
                  const std::vector<EventRecord>& events) override {
    auto blob = SpooledBlobs(spool_, {id});
    if (!blob.ok()) return std::move(blob).error();
    auto status = main_.Transaction([&](Connection& db) -> Status {
      auto marked = MarkEnded(db, id, kEndedDone, "", blob->front());
      if (!marked.ok()) return marked;
      return InsertQueueAndEvents(db, queue, events);
    });
    if (!status.ok()) return status;
    (void)SettleInSpool(spool_, {{id, std::string(kEndedDone), "", 0}},
                        Database::Commit::kRecoverable);  // else the mark has it done later
    return OkStatus();
  }

  Result<std::int64_t> Count() override {
    auto n = QueryOne<std::int64_t>(
        spool_, "SELECT count(*) FROM inbound", [](Statement&) {},
        [](Statement& s) { return s.Int(0); });
    if (!n.ok()) return std::move(n).error();
    return n->value_or(0);
  }

  Result<std::int64_t> Waiting() override {
    auto n = QueryOne<std::int64_t>(
        spool_, "SELECT count(*) FROM inbound WHERE dead_at IS NULL", [](Statement&) {},
        [](Statement& s) { return s.Int(0); });
    if (!n.ok()) return std::move(n).error();
    return n->value_or(0);
  }

 private:
  // Marks are kept an hour, and swept (settled, then deleted) once a minute of Claim's
  // clock, kSweepLimit at a time (each sweep holds the main database's lock briefly).
  static constexpr std::int64_t kMarkKept = 3600, kSweepEvery = 60;
  static constexpr int kSweepLimit = 1000;

  Result<std::vector<InboundRecord>> Select(const std::string& where,
                                            const std::function<void(Statement&)>& bind) {
    std::vector<InboundRecord> out;
    auto status = spool_.Read([&](Connection& db) -> Status {
      Statement s(db, std::string("SELECT ") + sql::inbound::kColumns + " FROM inbound " + where);
      bind(s);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        out.push_back(sql::inbound::Read(s));
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Database& main_;
  Database& spool_;
  std::atomic<std::int64_t> next_sweep_{0};
};

}  // namespace

std::unique_ptr<InboundStore> NewInboundStore(Database& db) {
  return std::make_unique<SqliteInboundStore>(db);
}
namespace {

class SqliteAnswerKeyStore final : public AnswerKeyStore {
 public:
  explicit SqliteAnswerKeyStore(Database& db) : db_(db) {}

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
      return Statement(db, "INSERT INTO answer_keys (tag, kdf, sealed_key, created_at) "
                           "VALUES (?,?,?,?) ON CONFLICT(tag) DO NOTHING")
          .BindBlob(1, r.tag).Bind(2, r.kdf).BindBlob(3, r.sealed_key).Bind(4, r.created_at)
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

}  // namespace

std::unique_ptr<AnswerKeyStore> NewAnswerKeyStore(Database& db) {
  return std::make_unique<SqliteAnswerKeyStore>(db);
}

std::unique_ptr<SigningKeyStore> NewSigningKeyStore(Database& db) {
  return std::make_unique<SqliteSigningKeyStore>(db);
}
std::unique_ptr<EventStore> NewEventStore(Database& db) {
  return std::make_unique<SqliteEventStore>(db);
}
std::unique_ptr<MessageStore> NewMessageStore(Database& db) {
  return std::make_unique<SqliteMessageStore>(db);
}
std::unique_ptr<QueueStore> NewQueueStore(Database& db) {
  return std::make_unique<SqliteQueueStore>(db);
}

}  // namespace sealpost::sqlite
