// Webhook endpoints, their outbox and attempts, in SQLite (store/stores.h, WebhookStore).
// The outbox is filled by the event stores (stores.cc, WebhookFanOut).
#include <boost/json.hpp>

#include "store/postgres/stores.h"

namespace sealpost::pg {
namespace {

constexpr const char* kEndpointColumns =
    "id, account, url, event_types, with_subject, description, notify, sealed_secrets, "
    "previous_valid_until, enabled, disabled_reason, created_at, disabled_at, last_success_at";

WebhookEndpointRecord ReadEndpoint(const Statement& s) {
  WebhookEndpointRecord e;
  e.id = s.Text(0);
  e.account = s.Text(1);
  e.url = s.Text(2);
  e.event_types = s.Text(3);
  e.with_subject = s.Int(4) != 0;
  e.description = s.Text(5);
  e.notify = s.Text(6);
  e.sealed_secrets = s.Text(7);
  e.previous_valid_until = s.Int(8);
  e.enabled = s.Int(9) != 0;
  e.disabled_reason = s.Text(10);
  e.created_at = s.Int(11);
  e.disabled_at = s.OptionalInt(12);
  e.last_success_at = s.OptionalInt(13);
  return e;
}

constexpr const char* kDeliveryColumns =
    "id, endpoint_id, event_type, message_id, payload, created_at, state, attempts, "
    "next_attempt_at, finished_at, last_status, last_error";

WebhookDeliveryRecord ReadDelivery(const Statement& s) {
  WebhookDeliveryRecord d;
  d.id = s.Text(0);
  d.endpoint_id = s.Text(1);
  d.event_type = s.Text(2);
  d.message_id = s.Text(3);
  d.payload = s.Text(4);
  d.created_at = s.Int(5);
  d.state = s.Text(6);
  d.attempts = static_cast<int>(s.Int(7));
  d.next_attempt_at = s.Int(8);
  d.finished_at = s.OptionalInt(9);
  d.last_status = static_cast<int>(s.Int(10));
  d.last_error = s.Text(11);
  return d;
}

std::string Prefixed(const char* columns, const char* table) {
  std::string out;
  std::string_view rest(columns);
  while (!rest.empty()) {
    auto comma = rest.find(", ");
    if (!out.empty()) out += ", ";
    out += std::string(table) + "." + std::string(rest.substr(0, comma));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 2);
  }
  return out;
}

Status NotFoundUnlessChanged(Connection& db, const std::string& what) {
  if (db.changes() == 0) return MakeError(ErrorCode::kNotFound, "no " + what);
  return OkStatus();
}

class PgWebhookStore final : public WebhookStore {
 public:
  explicit PgWebhookStore(Database& db) : db_(db) {}

  Status Insert(const WebhookEndpointRecord& e) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db, std::string("INSERT INTO webhook_endpoints (") + kEndpointColumns +
                               ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
          .Bind(1, e.id)
          .Bind(2, e.account)
          .Bind(3, e.url)
          .Bind(4, e.event_types)
          .Bind(5, std::int64_t{e.with_subject})
          .Bind(6, e.description)
          .Bind(7, e.notify)
          .BindBlob(8, e.sealed_secrets)
          .Bind(9, e.previous_valid_until)
          .Bind(10, std::int64_t{e.enabled})
          .Bind(11, e.disabled_reason)
          .Bind(12, e.created_at)
          .Bind(13, e.disabled_at)
          .Bind(14, e.last_success_at)
          .Run();
    });
  }

  Result<std::optional<WebhookEndpointRecord>> Find(const std::string& id) override {
    return QueryOne<WebhookEndpointRecord>(
        db_, std::string("SELECT ") + kEndpointColumns + " FROM webhook_endpoints WHERE id = ?",
        [&](Statement& s) { s.Bind(1, id); }, ReadEndpoint);
  }

  Result<std::vector<WebhookEndpointRecord>> List(const std::string& account) override {
    return QueryAll<WebhookEndpointRecord>(
        db_,
        std::string("SELECT ") + kEndpointColumns +
            " FROM webhook_endpoints WHERE $1::text = '' OR account = $1::citext ORDER BY "
            "created_at, rowid",
        [&](Statement& s) { s.Bind(1, account); }, ReadEndpoint);
  }

  Status Update(const WebhookEndpointRecord& e) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto run =
          Statement(db,
                    "UPDATE webhook_endpoints SET url = $2, event_types = $3, "
                    "with_subject = $4, description = $5, notify = $6, enabled = $7, "
                    "disabled_reason = CASE WHEN $7::bigint <> 0 THEN '' ELSE disabled_reason END, "
                    "disabled_at = CASE WHEN $7::bigint <> 0 THEN NULL ELSE disabled_at END "
                    "WHERE id = $1")
              .Bind(1, e.id)
              .Bind(2, e.url)
              .Bind(3, e.event_types)
              .Bind(4, std::int64_t{e.with_subject})
              .Bind(5, e.description)
              .Bind(6, e.notify)
              .Bind(7, std::int64_t{e.enabled})
              .Run();
      if (!run.ok()) return run;
      return NotFoundUnlessChanged(db, "webhook endpoint " + e.id);
    });
  }

  Status SetSecrets(const std::string& id, const std::string& sealed,
                    std::int64_t previous_valid_until) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto run = Statement(db,
                           "UPDATE webhook_endpoints SET sealed_secrets = ?, "
                           "previous_valid_until = ? WHERE id = ?")
                     .BindBlob(1, sealed)
                     .Bind(2, previous_valid_until)
                     .Bind(3, id)
                     .Run();
      if (!run.ok()) return run;
      return NotFoundUnlessChanged(db, "webhook endpoint " + id);
    });
  }

  Status Delete(const std::string& id) override {
    return db_.Transaction([&](Connection& db) -> Status {
      auto run = Statement(db, "DELETE FROM webhook_endpoints WHERE id = ?").Bind(1, id).Run();
      if (!run.ok()) return run;
      return NotFoundUnlessChanged(db, "webhook endpoint " + id);
    });
  }

  Result<std::vector<WebhookDeliveryRecord>> Due(std::int64_t now, int limit) override {
    return QueryAll<WebhookDeliveryRecord>(
        db_,
        "SELECT " + Prefixed(kDeliveryColumns, "d") +
            " FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
            "WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND e.enabled = 1 "
            "ORDER BY d.next_attempt_at, d.rowid LIMIT ?",
        [&](Statement& s) { s.Bind(1, now).Bind(2, std::int64_t{limit}); }, ReadDelivery);
  }

  Status Record(const std::vector<Outcome>& outcomes, const std::vector<Disabling>& disablings,
                std::int64_t now) override {
    // Results are redone from the outbox if lost (a delivery goes again, as any
    // webhook sender may): no sync of their own.
    return db_.Transaction([&](Connection& db) -> Status {
      for (const auto& o : outcomes) {
        const auto& a = o.attempt;
        // A delivery whose endpoint was deleted during the pass is gone: its
        // attempt has nothing to belong to.
        auto attempt = Statement(db,
                                 "INSERT INTO webhook_attempts SELECT $1,$2,$3,$4,$5 "
                                 "WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1)")
                           .Bind(1, a.delivery_id)
                           .Bind(2, a.at)
                           .Bind(3, std::int64_t{a.status})
                           .Bind(4, a.error)
                           .Bind(5, a.duration_ms)
                           .Run();
        if (!attempt.ok()) return attempt;
        const bool finished = o.state != "pending";
        auto update =
            Statement(db,
                      "UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, "
                      "next_attempt_at = $3, finished_at = $4, last_status = $5, "
                      "last_error = $6 WHERE id = $1 AND state = 'pending'")
                .Bind(1, a.delivery_id)
                .Bind(2, o.state)
                .Bind(3, o.next_attempt_at)
                .Bind(4, finished ? std::optional<std::int64_t>(a.at) : std::nullopt)
                .Bind(5, std::int64_t{a.status})
                .Bind(6, a.error)
                .Run();
        if (!update.ok()) return update;
        if (o.state == "delivered") {
          auto success = Statement(db,
                                   "UPDATE webhook_endpoints SET last_success_at = $1 "
                                   "WHERE id = (SELECT endpoint_id FROM webhook_deliveries "
                                   "WHERE id = $2)")
                             .Bind(1, a.at)
                             .Bind(2, a.delivery_id)
                             .Run();
          if (!success.ok()) return success;
        }
      }
      for (const auto& d : disablings) {
        Statement find(db, "SELECT account FROM webhook_endpoints WHERE id = ? AND enabled = 1");
        find.Bind(1, d.endpoint_id);
        auto row = find.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) continue;
        audit::AuditRecord r;
        r.at = now;
        r.action = "webhook.disabled";
        r.actor_kind = "system";
        r.actor = "sealpost";
        r.account = find.Text(0);
        r.subject = d.endpoint_id;
        r.result = "failed";
        r.details = boost::json::serialize(boost::json::object{{"reason", d.reason}});
        auto off = Statement(db,
                             "UPDATE webhook_endpoints SET enabled = 0, disabled_at = ?, "
                             "disabled_reason = ? WHERE id = ?")
                       .Bind(1, now)
                       .Bind(2, d.reason)
                       .Bind(3, d.endpoint_id)
                       .Run();
        if (!off.ok()) return off;
        if (auto s = AppendAuditIn(db, r); !s.ok()) return s;
      }
      return OkStatus();
    });
  }

  Result<std::vector<WebhookDeliveryRecord>> Deliveries(const std::string& endpoint_id,
                                                        const std::string& state,
                                                        const std::string& before_id,
                                                        int limit) override {
    return QueryAll<WebhookDeliveryRecord>(
        db_,
        std::string("SELECT ") + kDeliveryColumns +
            " FROM webhook_deliveries WHERE endpoint_id = $1 AND ($2::text = '' OR state = $2) AND "
            "($3::text = '' OR rowid < (SELECT rowid FROM webhook_deliveries WHERE id = $3)) "
            "ORDER BY rowid DESC LIMIT $4",
        [&](Statement& s) {
          s.Bind(1, endpoint_id).Bind(2, state).Bind(3, before_id).Bind(4, std::int64_t{limit});
        },
        ReadDelivery);
  }

  Result<std::vector<WebhookAttemptRecord>> Attempts(const std::string& delivery_id) override {
    return QueryAll<WebhookAttemptRecord>(
        db_,
        "SELECT delivery_id, at, status, error, duration_ms FROM webhook_attempts "
        "WHERE delivery_id = ? ORDER BY rowid",
        [&](Statement& s) { s.Bind(1, delivery_id); },
        [](const Statement& s) {
          return WebhookAttemptRecord{s.Text(0), s.Int(1), static_cast<int>(s.Int(2)), s.Text(3),
                                      s.Int(4)};
        });
  }

  Status Redeliver(const std::string& endpoint_id, const std::string& delivery_id,
                   std::int64_t now) override {
    return db_.Transaction([&](Connection& db) -> Status {
      Statement find(db, "SELECT state FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?");
      find.Bind(1, delivery_id).Bind(2, endpoint_id);
      auto row = find.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kNotFound, "no delivery " + delivery_id);
      if (find.Text(0) == "pending") {
        return MakeError(ErrorCode::kFailedPrecondition, "the delivery is still under way");
      }
      return Statement(db,
                       "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, "
                       "next_attempt_at = ?, finished_at = NULL WHERE id = ?")
          .Bind(1, now)
          .Bind(2, delivery_id)
          .Run();
    });
  }

  Result<bool> WantsSubjects(const std::string& account) override {
    auto found = QueryOne<bool>(
        db_,
        "SELECT 1 FROM webhook_endpoints WHERE account = ? AND enabled = 1 AND "
        "with_subject = 1 LIMIT 1",
        [&](Statement& s) { s.Bind(1, account); }, [](const Statement&) { return true; });
    if (!found.ok()) return std::move(found).error();
    return found->has_value();
  }

  Result<std::string> SealedSubject(const std::string& message_id) override {
    auto found = QueryOne<std::string>(
        db_, "SELECT webhook_subject FROM messages WHERE id = ?",
        [&](Statement& s) { s.Bind(1, message_id); }, [](const Statement& s) { return s.Text(0); });
    if (!found.ok()) return std::move(found).error();
    return found->value_or("");
  }

  Result<std::int64_t> PruneFinished(std::int64_t before) override {
    std::int64_t removed = 0;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      auto run = Statement(db,
                           "DELETE FROM webhook_deliveries WHERE state != 'pending' AND "
                           "finished_at < ?")
                     .Bind(1, before)
                     .Run();
      if (!run.ok()) return run;
      removed = db.changes();
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return removed;
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<WebhookStore> NewWebhookStore(Database& db) {
  return std::make_unique<PgWebhookStore>(db);
}

}  // namespace sealpost::pg
