#include "store/sqlite/spool.h"

#include <sqlite3.h>

#include <functional>

namespace sealpost::sqlite {

Status InsertInbound(Connection& db, const InboundRecord& r, bool or_ignore) {
  const std::string sql = std::string(or_ignore ? "INSERT OR IGNORE" : "INSERT") +
                          " INTO inbound (" + sql::inbound::kColumns +
                          ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  return Statement(db, sql)
      .Bind(1, r.id)
      .Bind(2, r.received_at)
      .Bind(3, r.client_address)
      .Bind(4, r.auth_user)
      .Bind(5, r.envelope_json)
      .BindBlob(6, r.sealed_content)
      .Bind(7, std::int64_t{r.attempts})
      .Bind(8, r.next_attempt_at)
      .Bind(9, r.last_error)
      .Bind(10, r.dead_at)
      .Bind(11, r.content_blob)
      .BindBlob(12, r.content_key)
      .BindBlob(13, r.sealed_header)
      .Bind(14, static_cast<std::int64_t>(r.content_bits))
      .Run();
}

Status MarkEnded(Connection& main, const std::string& id, std::string_view outcome,
                 const std::string& error, const std::string& blob) {
  auto status = Statement(main,
                          "INSERT INTO inbound_done (id, outcome, error, at) "
                          "VALUES (?, ?, ?, unixepoch()) ON CONFLICT (id) DO NOTHING")
                    .Bind(1, id)
                    .Bind(2, outcome)
                    .Bind(3, error)
                    .Run();
  if (!status.ok()) return status;
  if (main.changes() == 0) return MakeError(ErrorCode::kNotFound, kAlreadyProcessed);
  if (blob.empty()) return OkStatus();
  // The queue's sweep removes it once no entry holds its key (entries written after
  // this, in the same transaction, count).
  return Statement(main, "INSERT OR IGNORE INTO spent_content (blob_id) VALUES (?)")
      .Bind(1, blob)
      .Run();
}

Result<std::vector<std::string>> SpooledBlobs(Database& spool,
                                              const std::vector<std::string>& ids) {
  std::vector<std::string> blobs;
  auto status = spool.Read([&](Connection& db) -> Status {
    for (const auto& id : ids) {
      Statement find(db, "SELECT content_blob FROM inbound WHERE id = ?");
      find.Bind(1, id);
      auto row = find.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return MakeError(ErrorCode::kNotFound, kAlreadyProcessed);
      blobs.push_back(find.Text(0));
    }
    return OkStatus();
  });
  if (!status.ok()) return std::move(status).error();
  return blobs;
}

Status SettleInSpool(Database& spool, const std::vector<SpoolMark>& marks,
                     Database::Commit commit) {
  if (marks.empty()) return OkStatus();
  return spool.Transaction(
      [&](Connection& db) -> Status {
        for (const auto& mark : marks) {
          auto status =
              mark.outcome == kEndedBuried
                  ? Statement(db,
                              "UPDATE inbound SET attempts = attempts + 1, dead_at = ?, "
                              "last_error = ? WHERE id = ? AND dead_at IS NULL")
                        .Bind(1, mark.at)
                        .Bind(2, mark.error)
                        .Bind(3, mark.id)
                        .Run()
                  : Statement(db, "DELETE FROM inbound WHERE id = ?").Bind(1, mark.id).Run();
          if (!status.ok()) return status;
        }
        return OkStatus();
      },
      commit);
}

namespace {

Result<std::vector<SpoolMark>> ReadMarks(Database& main, const std::string& sql,
                                         const std::function<void(Statement&)>& bind) {
  std::vector<SpoolMark> marks;
  auto status = main.Read([&](Connection& db) -> Status {
    Statement s(db, sql);
    bind(s);
    for (;;) {
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return OkStatus();
      marks.push_back({s.Text(0), s.Text(1), s.Text(2), s.Int(3)});
    }
  });
  if (!status.ok()) return std::move(status).error();
  return marks;
}

}  // namespace

Result<std::vector<SpoolMark>> MarksOf(Database& main, const std::vector<std::string>& ids) {
  std::vector<SpoolMark> marks;
  for (const auto& id : ids) {
    auto found = ReadMarks(main, "SELECT id, outcome, error, at FROM inbound_done WHERE id = ?",
                           [&](Statement& s) { s.Bind(1, id); });
    if (!found.ok()) return std::move(found).error();
    for (auto& mark : *found) marks.push_back(std::move(mark));
  }
  return marks;
}

Result<std::size_t> SweepMarks(Database& main, std::int64_t before, int limit) {
  auto old = ReadMarks(main,
                       "SELECT id, outcome, error, at FROM inbound_done WHERE at < ? "
                       "ORDER BY at LIMIT ?",
                       [&](Statement& s) { s.Bind(1, before).Bind(2, std::int64_t{limit}); });
  if (!old.ok()) return std::move(old).error();
  if (old->empty()) return std::size_t{0};
  // Settled on disk before the marks go: a row must never outlive the mark that ends it.
  auto status = SettleInSpool(main.spool(), *old, Database::Commit::kDurable);
  if (!status.ok()) return std::move(status).error();
  status = main.Transaction(
      [&](Connection& db) -> Status {
        for (const auto& mark : *old) {
          auto deleted =
              Statement(db, "DELETE FROM inbound_done WHERE id = ?").Bind(1, mark.id).Run();
          if (!deleted.ok()) return deleted;
        }
        return OkStatus();
      },
      Database::Commit::kRecoverable);  // lost: swept again, to the same effect
  if (!status.ok()) return std::move(status).error();
  return old->size();
}

Status MoveInboundToSpool(Database& main, Database& spool) {
  constexpr int kChunk = 256;  // rows per pair of transactions: memory stays bounded
  for (;;) {
    bool there = false;
    std::vector<InboundRecord> rows;
    std::int64_t last = 0;
    auto status = main.Read([&](Connection& db) -> Status {
      Statement table(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'inbound'");
      auto found = table.Step();
      if (!found.ok()) return std::move(found).error();
      there = *found;
      if (!there) return OkStatus();
      Statement s(db, std::string("SELECT ") + sql::inbound::kColumnsOfMainTable +
                          ", rowid FROM inbound ORDER BY rowid LIMIT ?");
      s.Bind(1, std::int64_t{kChunk});
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return std::move(row).error();
        if (!*row) return OkStatus();
        rows.push_back(sql::inbound::Read(s));
        last = s.Int(14);
      }
    });
    if (!status.ok() || !there) return status;
    if (rows.empty()) {
      // A bare statement: one kept on the connection would outlive the table.
      return main.Transaction([](Connection& db) {
        return Statement(static_cast<sqlite3*>(db), "DROP TABLE inbound").Run();
      });
    }
    status = spool.Transaction([&](Connection& db) -> Status {
      for (const auto& r : rows) {
        if (auto put = InsertInbound(db, r, /*or_ignore=*/true); !put.ok()) return put;
      }
      return OkStatus();
    });
    if (!status.ok()) return status;
    status = main.Transaction([&](Connection& db) {
      return Statement(db, "DELETE FROM inbound WHERE rowid <= ?").Bind(1, last).Run();
    });
    if (!status.ok()) return status;
  }
}

}  // namespace sealpost::sqlite
