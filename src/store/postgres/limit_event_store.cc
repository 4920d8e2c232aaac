// The guards' and rate limits' counts every node shares (store/limit_events.h). One
// INSERT of a whole batch, read back by the time PostgreSQL wrote each row: a reader asks
// again from a few seconds before its last read, so a row whose transaction committed
// after a later-numbered one is still seen (the reader drops those it has).
#include "store/limit_events.h"
#include "store/postgres/stores.h"

namespace sealpost::pg {
namespace {

class PgLimitEventStore final : public LimitEventStore {
 public:
  explicit PgLimitEventStore(Database& db) : db_(db) {}

  Result<std::vector<std::int64_t>> Append(const std::vector<LimitEvent>& events) override {
    std::vector<std::int64_t> ids;
    if (events.empty()) return ids;
    if (events.size() > kMaxBatch) return Error(ErrorCode::kInvalidArgument, "too many events");
    std::string sql =
        "INSERT INTO limit_events (scope, key, at, count, quota, window_seconds) VALUES ";
    for (std::size_t i = 0; i < events.size(); ++i) sql += i ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)";
    sql += " RETURNING id";
    auto status = db_.ReadCommitted(
        [&](Connection& db) -> Status {
          ids.clear();
          Statement s(db, sql);
          int n = 0;
          for (const auto& e : events) {
            s.Bind(++n, e.scope).Bind(++n, e.key).Bind(++n, e.at).Bind(++n, e.count);
            s.Bind(++n, e.quota).Bind(++n, e.window);
          }
          for (;;) {
            auto row = s.Step();
            if (!row.ok()) return std::move(row).error();
            if (!*row) return OkStatus();
            ids.push_back(s.Int(0));
          }
        },
        Database::Commit::kRecoverable);  // a count lost in a crash: a few tries uncounted
    if (!status.ok()) return std::move(status).error();
    return ids;
  }

  Result<Page> WrittenSince(std::int64_t since_us, std::int64_t after_id) override {
    Page page;
    auto status = db_.Read([&](Connection& db) -> Status {
      page = {};
      Statement now(db, "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint");
      auto row = now.Step();
      if (!row.ok()) return std::move(row).error();
      page.now_us = now.Int(0);
      Statement s(db,
                  "SELECT id, (extract(epoch FROM written_at) * 1000000)::bigint, scope, key, "
                  "at, count, quota, window_seconds FROM limit_events "
                  "WHERE written_at >= to_timestamp(?::double precision / 1000000) AND id > ? "
                  "ORDER BY id LIMIT " +
                      std::to_string(kMaxBatch));
      s.Bind(1, since_us).Bind(2, after_id);
      for (;;) {
        row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        page.events.push_back(
            {s.Int(0), s.Int(1), {s.Text(2), s.Text(3), s.Int(4), s.Int(5), s.Int(6), s.Int(7)}});
      }
    });
    if (!status.ok()) return std::move(status).error();
    return page;
  }

  Result<std::int64_t> PruneBefore(std::int64_t before_us) override {
    std::int64_t pruned = 0;
    auto status = db_.ReadCommitted([&](Connection& db) -> Status {
      Statement s(db,
                  "DELETE FROM limit_events "
                  "WHERE written_at < to_timestamp(?::double precision / 1000000)");
      s.Bind(1, before_us);
      if (auto ran = s.Run(); !ran.ok()) return ran;
      pruned = s.changes();
      return OkStatus();
    });
    if (!status.ok()) return std::move(status).error();
    return pruned;
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<LimitEventStore> NewLimitEventStore(Database& db) {
  return std::make_unique<PgLimitEventStore>(db);
}

}  // namespace sealpost::pg
