// TLS report tallies and MTA-STS policies on PostgreSQL: the SQL of
// store/sqlite/tls_report_store.cc in PostgreSQL's dialect. Taking a day is one
// SERIALIZABLE transaction, so of two nodes taking the same day one reports it and the
// other finds it gone.
#include "store/postgres/stores.h"

namespace sealpost::pg {
namespace {

class PgTlsReportStore final : public TlsReportStore {
 public:
  explicit PgTlsReportStore(Database& db) : db_(db) {}

  Status AddSessions(const std::vector<TlsSessionCount>& counts) override {
    if (counts.empty()) return OkStatus();
    return db_.Transaction([&](Connection& db) -> Status {
      for (const auto& c : counts) {
        auto s = Statement(db,
                           "INSERT INTO tls_sessions VALUES (?,?,?,?,?,?,?,?) "
                           "ON CONFLICT (day, domain, policy_type, policy_strings, mx_host, "
                           "receiving_ip, result_type) "
                           "DO UPDATE SET count = tls_sessions.count + excluded.count")
                     .Bind(1, c.day)
                     .Bind(2, c.domain)
                     .Bind(3, c.policy_type)
                     .Bind(4, c.policy_strings)
                     .Bind(5, c.mx_host)
                     .Bind(6, c.receiving_ip)
                     .Bind(7, c.result_type)
                     .Bind(8, c.count)
                     .Run();
        if (!s.ok()) return s;
      }
      return OkStatus();
    });
  }

  Result<std::vector<std::string>> DaysBefore(const std::string& before_day) override {
    std::vector<std::string> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(db, "SELECT DISTINCT day FROM tls_sessions WHERE day < ? ORDER BY day");
      s.Bind(1, before_day);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        out.push_back(s.Text(0));
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Result<std::vector<TlsSessionCount>> TakeDay(const std::string& day) override {
    std::vector<TlsSessionCount> out;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      out.clear();  // the body may run again after a serialisation failure
      Statement s(db,
                  "SELECT day, domain, policy_type, policy_strings, mx_host, receiving_ip, "
                  "result_type, count FROM tls_sessions WHERE day = ? "
                  "ORDER BY domain, policy_type, policy_strings, result_type, mx_host");
      s.Bind(1, day);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) break;
        out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6),
                       s.Int(7)});
      }
      auto kept = Statement(db,
                            "INSERT INTO tls_reported SELECT day, domain, policy_type, "
                            "result_type, sum(count)::bigint FROM tls_sessions WHERE day = ? "
                            "GROUP BY day, domain, policy_type, result_type "
                            "ON CONFLICT (day, domain, policy_type, result_type) "
                            "DO UPDATE SET count = tls_reported.count + excluded.count")
                      .Bind(1, day)
                      .Run();
      if (!kept.ok()) return kept;
      auto old = Statement(db,
                           "DELETE FROM tls_reported WHERE day < "
                           "to_char(?::date - interval '13 months', 'YYYY-MM-DD')")
                     .Bind(1, day)
                     .Run();
      if (!old.ok()) return old;
      return Statement(db, "DELETE FROM tls_sessions WHERE day = ?").Bind(1, day).Run();
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

  Result<std::vector<TlsTally>> Tallies(const std::string& since_day) override {
    std::vector<TlsTally> out;
    auto status = db_.Read([&](Connection& db) -> Status {
      Statement s(db,
                  "SELECT day, domain, policy_type, result_type, sum(count)::bigint, 0 "
                  "FROM tls_sessions WHERE day >= $1 "
                  "GROUP BY day, domain, policy_type, result_type "
                  "UNION ALL SELECT day, domain, policy_type, result_type, count, 1 "
                  "FROM tls_reported WHERE day >= $1 ORDER BY 1 DESC, 2, 3, 4");
      s.Bind(1, since_day);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        out.push_back(
            TlsTally{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5) != 0});
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

 private:
  Database& db_;
};

class PgMtaStsStore final : public MtaStsStore {
 public:
  explicit PgMtaStsStore(Database& db) : db_(db) {}

  Status Put(const MtaStsPolicyRecord& p) override {
    return db_.Transaction([&](Connection& db) {
      return Statement(db,
                       "INSERT INTO mta_sts_policies VALUES (?,?,?,?) ON CONFLICT (domain) "
                       "DO UPDATE SET domain = excluded.domain, id = excluded.id, "
                       "policy = excluded.policy, expires_at = excluded.expires_at")
          .Bind(1, p.domain)
          .Bind(2, p.id)
          .Bind(3, p.policy)
          .Bind(4, p.expires_at)
          .Run();
    });
  }

  Result<std::vector<MtaStsPolicyRecord>> Unexpired(std::int64_t now, int limit) override {
    std::vector<MtaStsPolicyRecord> out;
    auto status = db_.Transaction([&](Connection& db) -> Status {
      out.clear();  // the body may run again after a serialisation failure
      auto gone =
          Statement(db, "DELETE FROM mta_sts_policies WHERE expires_at <= ?").Bind(1, now).Run();
      if (!gone.ok()) return gone;
      Statement s(db,
                  "SELECT domain, id, policy, expires_at FROM mta_sts_policies "
                  "ORDER BY expires_at DESC LIMIT ?");
      s.Bind(1, std::int64_t{limit});
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Int(3)});
      }
    });
    if (!status.ok()) return std::move(status).error();
    return out;
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<TlsReportStore> NewTlsReportStore(Database& db) {
  return std::make_unique<PgTlsReportStore>(db);
}

std::unique_ptr<MtaStsStore> NewMtaStsStore(Database& db) {
  return std::make_unique<PgMtaStsStore>(db);
}

}  // namespace sealpost::pg
