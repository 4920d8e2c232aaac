// A new message's own rows (messages, message_blobs, recipients), a queue entry's row, and
// how a batch of them commits, written once for both backends (MessageStore::InsertAll on SQLite
// and PostgreSQL; each adds how it ends the consumed submission — PostgreSQL removes it in
// the transaction, SQLite marks it there and its spool removes it after — and its queue
// and events). Reading a recipient's row and queue rows is here too: the same columns,
// read alike by both.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/stores.h"

namespace sealpost::sql::messages {

// Whether every message of a batch consumes a spooled submission: then, where the
// submission is removed in the same transaction (PostgreSQL), the batch may be undone by
// a power failure (each submission is still spooled, durably before its 250, and is
// dispatched again) and needs no sync of its own. SQLite's spool is another file: there
// the batch is always durable (store/sqlite/stores.cc).
inline bool AllConsumeSpooled(const std::vector<NewMessage>& batch) {
  return std::all_of(batch.begin(), batch.end(),
                     [](const NewMessage& n) { return !n.consumed_inbound.empty(); });
}

// A recipient's columns, in the order ReadRecipient takes them.
inline constexpr const char* kRecipientColumns =
    "id, message_id, address, kind, method, status, link_check, kek_salt, wrapped_key, "
    "answer_hash, sealed_question, failures, locked_at, trace, verification, center_key, "
    "answer_kdf";

// A recipient row selected with kRecipientColumns (first).
template <class Statement>
Result<RecipientRecord> ReadRecipient(const Statement& s) {
  RecipientRecord r;
  r.id = s.Text(0);
  r.message_id = s.Text(1);
  r.address = s.Text(2);
  r.kind = s.Text(3);
  r.method = s.Text(4);
  auto status = ParseRecipientStatus(s.Text(5));
  if (!status) return MakeError(ErrorCode::kInternal, "unknown recipient status in database");
  r.status = *status;
  r.link_check = s.Text(6);
  r.kek_salt = s.Text(7);
  r.wrapped_key = s.Text(8);
  r.answer_hash = s.Text(9);
  r.sealed_question = s.Text(10);
  r.failures = static_cast<int>(s.Int(11));
  r.locked_at = s.OptionalInt(12);
  r.trace = s.Text(13);
  r.verification = s.Text(14);
  r.center_key = s.Text(15);
  r.answer_kdf = s.Text(16);
  return r;
}

// Every queue row a statement selects, in the order of each backend's QueueStore
// columns (id, message_id, recipient_id, mail_from, rcpt_to, sealed_content, state,
// attempts, next_attempt_at, created_at, last_error, dsn, report, tls_required,
// standby_for, content_blob, content_key, content_bits).
template <class Statement>
Result<std::vector<QueueEntry>> ReadQueueRows(Statement& s) {
  std::vector<QueueEntry> out;
  for (;;) {
    auto row = s.Step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return out;
    QueueEntry q;
    q.id = s.Text(0);
    q.message_id = s.Text(1);
    q.recipient_id = s.Text(2);
    q.mail_from = s.Text(3);
    q.rcpt_to = s.Text(4);
    q.sealed_content = s.Text(5);
    auto state = ParseQueueState(s.Text(6));
    if (!state) return MakeError(ErrorCode::kInternal, "unknown queue state in database");
    q.state = *state;
    q.attempts = static_cast<int>(s.Int(7));
    q.next_attempt_at = s.Int(8);
    q.created_at = s.Int(9);
    q.last_error = s.Text(10);
    q.dsn = s.Text(11);
    q.report = s.Text(12);
    q.tls_required = s.Int(13) != 0;
    q.standby_for = s.Text(14);
    q.content_blob = s.Text(15);
    q.content_key = s.Text(16);
    q.content_bits = ContentBitsFromColumn(s.Int(17));
    out.push_back(std::move(q));
  }
}

template <class Backend>
Status InsertQueueRow(typename Backend::Connection& db, const QueueEntry& q) {
  using Statement = typename Backend::Statement;
  return Statement(db,
                   "INSERT INTO queue (id, message_id, recipient_id, mail_from, rcpt_to, "
                   "sealed_content, state, attempts, next_attempt_at, created_at, last_error, "
                   "dsn, tls_required, standby_for, content_blob, content_key, content_bits) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .Bind(1, q.id)
      .Bind(2, q.message_id)
      .Bind(3, q.recipient_id)
      .Bind(4, q.mail_from)
      .Bind(5, q.rcpt_to)
      .BindBlob(6, q.sealed_content)
      .Bind(7, QueueStateName(q.state))
      .Bind(8, std::int64_t{q.attempts})
      .Bind(9, q.next_attempt_at)
      .Bind(10, q.created_at)
      .Bind(11, q.last_error)
      .Bind(12, q.dsn)
      .Bind(13, std::int64_t{q.tls_required})
      .Bind(14, q.standby_for)
      .Bind(15, q.content_blob)
      .BindBlob(16, q.content_key)
      .Bind(17, static_cast<std::int64_t>(q.content_bits))
      .Run();
}

template <class Backend>
Status InsertMessageRows(typename Backend::Connection& db, const MessageRecord& m) {
  using Statement = typename Backend::Statement;
  Statement insert(db,
                   "INSERT INTO messages (id, account, sender, created_at, expires_at, "
                   "signing_key_id, manifest_blob, read_receipt, namespace, center_key, "
                   "center_subject, sealed_manifest, webhook_subject) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  insert.Bind(1, m.id)
      .Bind(2, m.account)
      .Bind(3, m.sender)
      .Bind(4, m.created_at)
      .Bind(5, m.expires_at)
      .Bind(6, m.signing_key_id)
      .Bind(7, m.manifest_blob)
      .Bind(8, std::int64_t{m.read_receipt ? 1 : 0})
      .Bind(9, m.namespace_name)
      .BindBlob(10, m.center_key)
      .BindBlob(11, m.center_subject)
      .BindBlob(13, m.webhook_subject);
  // PostgreSQL: no manifest kept in the row is NULL (an empty bytea is not a manifest).
  if (Backend::kPostgres && m.sealed_manifest.empty()) {
    insert.BindNull(12);
  } else {
    insert.BindBlob(12, m.sealed_manifest);
  }
  auto status = insert.Run();
  if (!status.ok()) return status;
  for (const auto& blob : m.blob_ids) {
    status = Statement(db, "INSERT INTO message_blobs (message_id, blob_id) VALUES (?,?)")
                 .Bind(1, m.id)
                 .Bind(2, blob)
                 .Run();
    if (!status.ok()) return status;
  }
  std::int64_t position = 0;
  for (const auto& r : m.recipients) {
    status = Statement(db,
                       "INSERT INTO recipients (id, message_id, position, address, kind, "
                       "method, status, link_check, kek_salt, wrapped_key, answer_hash, "
                       "sealed_question, failures, locked_at, trace, verification, "
                       "center_key, answer_kdf) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                 .Bind(1, r.id)
                 .Bind(2, m.id)
                 .Bind(3, position++)
                 .Bind(4, r.address)
                 .Bind(5, r.kind)
                 .Bind(6, r.method)
                 .Bind(7, RecipientStatusName(r.status))
                 .BindBlob(8, r.link_check)
                 .BindBlob(9, r.kek_salt)
                 .BindBlob(10, r.wrapped_key)
                 .Bind(11, r.answer_hash)
                 .BindBlob(12, r.sealed_question)
                 .Bind(13, std::int64_t{r.failures})
                 .Bind(14, r.locked_at)
                 .Bind(15, r.trace)
                 .Bind(16, r.verification)
                 .BindBlob(17, r.center_key)
                 .Bind(18, r.answer_kdf)
                 .Run();
    if (!status.ok()) return status;
  }
  return OkStatus();
}

// A message with its blobs and recipients (in order), as InsertMessageRows wrote them;
// nullopt when there is no such message.
template <class Backend>
Result<std::optional<MessageRecord>> ReadMessageRows(typename Backend::Connection& db,
                                                     const std::string& id) {
  using Statement = typename Backend::Statement;
  Statement s(db,
              "SELECT id, account, sender, created_at, expires_at, signing_key_id, "
              "manifest_blob, retracted_at, destroyed_at, read_receipt, namespace, "
              "center_key, center_subject, sealed_manifest FROM messages WHERE id = ?");
  s.Bind(1, id);
  auto row = s.Step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::optional<MessageRecord>();
  MessageRecord m;
  m.id = s.Text(0);
  m.account = s.Text(1);
  m.sender = s.Text(2);
  m.created_at = s.Int(3);
  m.expires_at = s.Int(4);
  m.signing_key_id = s.Text(5);
  m.manifest_blob = s.Text(6);
  m.retracted_at = s.OptionalInt(7);
  m.destroyed_at = s.OptionalInt(8);
  m.read_receipt = s.Int(9) != 0;
  m.namespace_name = s.Text(10);
  m.center_key = s.Text(11);
  m.center_subject = s.Text(12);
  m.sealed_manifest = s.Text(13);
  Statement blobs(db, "SELECT blob_id FROM message_blobs WHERE message_id = ? ORDER BY blob_id");
  blobs.Bind(1, id);
  for (;;) {
    auto b = blobs.Step();
    if (!b.ok()) return std::move(b).error();
    if (!*b) break;
    m.blob_ids.push_back(blobs.Text(0));
  }
  Statement rs(db, std::string("SELECT ") + kRecipientColumns +
                       " FROM recipients WHERE message_id = ? ORDER BY position");
  rs.Bind(1, id);
  for (;;) {
    auto r = rs.Step();
    if (!r.ok()) return std::move(r).error();
    if (!*r) break;
    auto recipient = ReadRecipient(rs);
    if (!recipient.ok()) return std::move(recipient).error();
    m.recipients.push_back(std::move(*recipient));
  }
  return std::optional<MessageRecord>(std::move(m));
}

}  // namespace sealpost::sql::messages
