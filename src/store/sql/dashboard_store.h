// The dashboard's counts, read with SQL aggregates over messages, recipients and the
// queue in one read, from narrow indexes (SQLite migrations 35 and 41) rather than the
// wide rows; written once for both backends: Store<sqlite::Backend> and Store<pg::Backend>.
#pragma once

#include <functional>
#include <string>

#include "store/stores.h"

namespace sealpost::sql::dashboard {

// The messages counted: created since ?1, of the account ?2 (every account's when '').
inline constexpr char kCounted[] =
    "m.created_at >= ?1 AND (CAST(?2 AS text) = '' OR m.account = ?2)";

template <class Statement>
Status Each(Statement& s, const std::function<void(const Statement&)>& row) {
  for (;;) {
    auto more = s.Step();
    if (!more.ok()) return std::move(more).error();
    if (!*more) return OkStatus();
    row(s);
  }
}

template <class B>
class Store final : public DashboardStore {
 public:
  using Database = typename B::Database;
  using Connection = typename B::Connection;
  using Statement = typename B::Statement;

  explicit Store(Database& db) : db_(db) {}

  Result<DashboardFacts> Facts(const std::string& account, std::int64_t since,
                               std::int64_t now) override {
    DashboardFacts f;
    auto bind = [&](Statement& s) -> Statement& { return s.Bind(1, since).Bind(2, account); };
    const std::string counted = kCounted;
    auto status = db_.Read([&](Connection& db) -> Status {
      // Recipients by day, method and status, and the locked ones, in one pass over
      // the narrow index. Fallbacks that stood by unused, or were set aside, went nowhere.
      Statement recipients(db,
                           "SELECT m.created_at / 86400 * 86400 AS day, r.method, r.status, "
                           "count(*), count(r.locked_at) FROM messages m JOIN "
                           "recipients r ON r.message_id = m.id WHERE " +
                               counted +
                               " AND r.status NOT IN ('standby', 'superseded') "
                               "GROUP BY day, r.method, r.status ORDER BY day");
      bind(recipients);
      Status s = Each<Statement>(recipients, [&](const Statement& row) {
        if (f.days.empty() || f.days.back().day != row.Int(0)) f.days.push_back({row.Int(0), {}});
        const int n = static_cast<int>(row.Int(3));
        f.days.back().by_method[row.Text(1)] += n;
        f.statuses[row.Text(2)] += n;
        f.locked += static_cast<int>(row.Int(4));
      });
      if (!s.ok()) return s;
      Statement tls(db,
                    // From the counted messages to their entries (SQLite: CROSS JOIN keeps
                    // that order): the other way reads every delivered entry there ever was.
                    std::string("SELECT count(*), CAST(coalesce(sum(q.delivered_tls), 0) AS "
                                "bigint) FROM messages m ") +
                        B::kOrderedJoin + " queue q ON q.message_id = m.id WHERE " + counted +
                        " AND q.state = 'delivered'");
      bind(tls);
      s = Each<Statement>(tls, [&](const Statement& row) {
        f.delivered = static_cast<int>(row.Int(0));
        f.delivered_with_tls = static_cast<int>(row.Int(1));
      });
      if (!s.ok()) return s;
      // What waits now, whenever it was sent.
      Statement deferred(db, std::string("SELECT lower(substr(q.rcpt_to, ") + B::kFind +
                                 "(q.rcpt_to, '@') + 1)) AS d, "
                                 "count(*) FROM queue q JOIN messages m ON m.id = q.message_id "
                                 "WHERE q.state = 'deferred' AND (CAST(?1 AS text) = '' OR "
                                 "m.account = ?1) GROUP BY d ORDER BY 2 DESC, d LIMIT 10");
      deferred.Bind(1, account);
      s = Each<Statement>(deferred, [&](const Statement& row) {
        f.deferred_by_domain.emplace_back(row.Text(0), static_cast<int>(row.Int(1)));
      });
      if (!s.ok()) return s;
      Statement totals(db,
                       "SELECT count(*), count(*) FILTER (WHERE m.expires_at <= ?3 AND "
                       "m.retracted_at IS NULL) FROM messages m WHERE " +
                           counted);
      bind(totals).Bind(3, now);
      return Each<Statement>(totals, [&](const Statement& row) {
        f.messages = static_cast<int>(row.Int(0));
        f.expired = static_cast<int>(row.Int(1));
      });
    });
    if (!status.ok()) return std::move(status).error();
    return f;
  }

 private:
  Database& db_;
};

}  // namespace sealpost::sql::dashboard
