// The dashboard's counts, read with SQL aggregates over messages, recipients and the
// queue in one read (a serialised connection: no write lands between the queries), from
// narrow indexes (migrations 35 and 41) rather than the wide rows.
#include "store/postgres/stores.h"

namespace sealpost::pg {
namespace {

// The messages counted: created since $1, of the account $2 (every account's when '').
constexpr char kCounted[] = "m.created_at >= $1 AND ($2::text = '' OR m.account = $2)";

Status Each(Statement& s, const std::function<void(const Statement&)>& row) {
  for (;;) {
    auto more = s.Step();
    if (!more.ok()) return std::move(more).error();
    if (!*more) return OkStatus();
    row(s);
  }
}

class PgDashboardStore final : public DashboardStore {
 public:
  explicit PgDashboardStore(Database& db) : db_(db) {}

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
      Status s = Each(recipients, [&](const Statement& row) {
        if (f.days.empty() || f.days.back().day != row.Int(0)) f.days.push_back({row.Int(0), {}});
        const int n = static_cast<int>(row.Int(3));
        f.days.back().by_method[row.Text(1)] += n;
        f.statuses[row.Text(2)] += n;
        f.locked += static_cast<int>(row.Int(4));
      });
      if (!s.ok()) return s;
      Statement tls(db,
                    "SELECT count(*), coalesce(sum(q.delivered_tls), 0)::bigint FROM messages m "
                    "JOIN queue q ON q.message_id = m.id WHERE " +
                        counted + " AND q.state = 'delivered'");
      bind(tls);
      s = Each(tls, [&](const Statement& row) {
        f.delivered = static_cast<int>(row.Int(0));
        f.delivered_with_tls = static_cast<int>(row.Int(1));
      });
      if (!s.ok()) return s;
      // What waits now, whenever it was sent.
      Statement deferred(db,
                         "SELECT lower(substr(q.rcpt_to, strpos(q.rcpt_to, '@') + 1)) AS d, "
                         "count(*) FROM queue q JOIN messages m ON m.id = q.message_id "
                         "WHERE q.state = 'deferred' AND ($1::text = '' OR m.account = $1) "
                         "GROUP BY d ORDER BY 2 DESC, d LIMIT 10");
      deferred.Bind(1, account);
      s = Each(deferred, [&](const Statement& row) {
        f.deferred_by_domain.emplace_back(row.Text(0), static_cast<int>(row.Int(1)));
      });
      if (!s.ok()) return s;
      Statement totals(db,
                       "SELECT count(*), count(*) FILTER (WHERE m.expires_at <= $3 AND "
                       "m.retracted_at IS NULL) FROM messages m WHERE " +
                           counted);
      bind(totals).Bind(3, now);
      return Each(totals, [&](const Statement& row) {
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

}  // namespace

std::unique_ptr<DashboardStore> NewDashboardStore(Database& db) {
  return std::make_unique<PgDashboardStore>(db);
}

}  // namespace sealpost::pg
