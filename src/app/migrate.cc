#include "app/migrate.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include "app/config.h"
#include "app/open_stores.h"
#include "store/postgres/schema.h"
#include "store/postgres/stores.h"
#include "store/sqlite/spool.h"

namespace sealpost {
namespace {

namespace fs = std::filesystem;

struct PgColumn {
  std::string type;  // "bigint", "text", "bytea", "citext" (information_schema's udt_name)
  bool identity = false;
};

struct Table {
  sqlite::Database* from = nullptr;  // the main database, or its spool
  std::string name;
  std::vector<std::string> columns;  // SQLite's, every one of which PostgreSQL has
  bool has_rowid = true;             // SQLite's: copied in rowid order when it has one
  std::map<std::string, PgColumn> pg;
};

// A column name in PostgreSQL's SQL: "user" is a reserved word there.
std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

Result<std::vector<std::string>> SqliteTables(sqlite::Database& db) {
  std::vector<std::string> names;
  auto status = db.Read([&](sqlite::Connection& c) -> Status {
    sqlite::Statement s(c,
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                        "'sqlite_%' ORDER BY name");
    for (;;) {
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return OkStatus();
      names.push_back(s.Text(0));
    }
  });
  if (!status.ok()) return std::move(status).error();
  return names;
}

Status ReadSqliteShape(sqlite::Database& db, Table& t) {
  return db.Read([&](sqlite::Connection& c) -> Status {
    sqlite::Statement columns(c, "SELECT name FROM pragma_table_info(?) ORDER BY cid");
    columns.Bind(1, t.name);
    for (;;) {
      auto row = columns.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) break;
      t.columns.push_back(columns.Text(0));
    }
    sqlite::Statement kind(c, "SELECT wr FROM pragma_table_list WHERE name = ?");
    kind.Bind(1, t.name);
    auto row = kind.Step();
    if (!row.ok()) return std::move(row).error();
    t.has_rowid = !*row || kind.Int(0) == 0;
    return OkStatus();
  });
}

Status ReadPgShape(pg::Database& db, Table& t) {
  return db.Read([&](pg::Connection& c) -> Status {
    pg::Statement s(c,
                    "SELECT column_name::text, udt_name::text, is_identity::text FROM "
                    "information_schema.columns WHERE table_schema = current_schema() AND "
                    "table_name = ?");
    s.Bind(1, t.name);
    for (;;) {
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return OkStatus();
      t.pg[s.Text(0)] = {s.Text(1), s.Text(2) == "YES"};
    }
  });
}

// The tables in an order in which each comes after those its foreign keys name.
Result<std::vector<Table>> InForeignKeyOrder(pg::Database& db, std::vector<Table> tables) {
  std::multimap<std::string, std::string> needs;  // table -> table it refers to
  auto status = db.Read([&](pg::Connection& c) -> Status {
    pg::Statement s(c,
                    "SELECT conrelid::regclass::text, confrelid::regclass::text FROM "
                    "pg_constraint WHERE contype = 'f'");
    for (;;) {
      auto row = s.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return OkStatus();
      if (s.Text(0) != s.Text(1)) needs.emplace(s.Text(0), s.Text(1));
    }
  });
  if (!status.ok()) return std::move(status).error();
  std::vector<Table> ordered;
  std::set<std::string> placed;
  while (!tables.empty()) {
    auto ready = std::find_if(tables.begin(), tables.end(), [&](const Table& t) {
      auto [from, to] = needs.equal_range(t.name);
      return std::all_of(from, to, [&](const auto& n) {
        return placed.count(n.second) ||
               std::none_of(tables.begin(), tables.end(),
                            [&](const Table& o) { return o.name == n.second; });
      });
    });
    if (ready == tables.end()) {
      return MakeError(ErrorCode::kInternal, "the tables' foreign keys go round in a circle");
    }
    placed.insert(ready->name);
    ordered.push_back(std::move(*ready));
    tables.erase(ready);
  }
  return ordered;
}

Result<std::int64_t> SqliteCount(sqlite::Database& db, const std::string& table) {
  std::int64_t n = 0;
  auto status = db.Read([&](sqlite::Connection& c) -> Status {
    sqlite::Statement s(c, "SELECT count(*) FROM " + Quoted(table));
    auto row = s.Step();
    if (!row.ok()) return std::move(row).error();
    n = *row ? s.Int(0) : 0;
    return OkStatus();
  });
  if (!status.ok()) return std::move(status).error();
  return n;
}

// Copies one table's rows inside `to`'s transaction; how many.
Result<std::int64_t> CopyRows(
    sqlite::Database& from, pg::Connection& to, const Table& t, std::int64_t total,
    const std::function<void(const std::string&, std::int64_t, std::int64_t)>& progress) {
  std::string names, placeholders;
  bool overriding = false;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    names += (i ? ", " : "") + Quoted(t.columns[i]);
    placeholders += i ? ", ?" : "?";
    overriding = overriding || t.pg.at(t.columns[i]).identity;
  }
  const std::string insert = "INSERT INTO " + Quoted(t.name) + " (" + names + ") " +
                             (overriding ? "OVERRIDING SYSTEM VALUE " : "") + "VALUES (" +
                             placeholders + ")";
  std::string select = "SELECT " + names + " FROM " + Quoted(t.name);
  if (t.has_rowid) select += " ORDER BY rowid";  // what PostgreSQL numbers in that order
  std::int64_t copied = 0;
  Status failed = OkStatus();
  auto read = from.Read([&](sqlite::Connection& c) -> Status {
    sqlite::Statement rows(c, select);
    for (;;) {
      auto row = rows.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return OkStatus();
      pg::Statement put(to, insert);
      for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const int column = static_cast<int>(i), index = column + 1;
        const std::string& type = t.pg.at(t.columns[i]).type;
        if (rows.IsNull(column)) {
          put.BindNull(index);
        } else if (type == "int8" || type == "int4" || type == "int2") {
          put.Bind(index, rows.Int(column));
        } else if (type == "bytea") {
          put.BindBlob(index, rows.Text(column));
        } else {
          put.Bind(index, rows.Text(column));
        }
      }
      if (auto s = put.Run(); !s.ok()) {
        failed = MakeError(s.error().code, "table " + t.name + ": " + s.error().message);
        return failed;
      }
      ++copied;
      if (copied % 1000 == 0) progress(t.name, copied, total);
    }
  });
  if (!failed.ok()) return failed.error();
  if (!read.ok()) return std::move(read).error();
  progress(t.name, copied, total);
  // An identity given its values here goes on after the largest of them.
  for (const auto& column : t.columns) {
    if (!t.pg.at(column).identity) continue;
    auto moved = pg::Statement(to,
                               "SELECT setval(pg_get_serial_sequence(?, ?), greatest(1, "
                               "(SELECT coalesce(max(" +
                                   Quoted(column) + "), 0) FROM " + Quoted(t.name) + ")))")
                     .Bind(1, t.name)
                     .Bind(2, column)
                     .Run();
    if (!moved.ok()) return std::move(moved).error();
  }
  return copied;
}

// Blob ids under the file store's root (root/ab/abcdef...); temporary files are left.
std::vector<std::string> BlobIds(const std::string& root) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && ValidBlobId(it->path().filename().string())) {
      ids.push_back(it->path().filename().string());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

Result<MigrationSummary> MigrateToPostgres(
    const Config& config, Stores& from, const std::string& to,
    const std::function<void(const std::string&, std::int64_t, std::int64_t)>& progress) {
  if (!from.db) {
    return MakeError(ErrorCode::kFailedPrecondition, "this installation is on PostgreSQL already");
  }
  if (!IsPostgresUri(to)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--to: a PostgreSQL URI (postgresql://user@host/db) is expected");
  }
  pg::Database::Options options;
  options.conninfo = to;
  options.pool_size = 2;
  options.statement_timeout = std::chrono::minutes(30);
  auto target = pg::Database::Open(options, pg::Migrations());
  if (!target.ok()) return std::move(target).error();
  pg::Database& pgdb = **target;

  // Submissions whose end is marked in the main database but not yet done in the spool
  // are settled first (store/sqlite/spool.h): PostgreSQL keeps no marks, and copies what
  // is still spooled.
  for (;;) {
    auto swept = sqlite::SweepMarks(*from.db, std::numeric_limits<std::int64_t>::max(), 5000);
    if (!swept.ok()) return std::move(swept).error();
    if (*swept == 0) break;
  }
  std::vector<Table> tables;
  for (sqlite::Database* db : {from.db.get(), &from.db->spool()}) {
    auto names = SqliteTables(*db);
    if (!names.ok()) return std::move(names).error();
    for (const auto& name : *names) {
      if (name == "inbound_done") continue;  // SQLite's own, empty now
      Table t{db, name, {}, true, {}};
      if (auto s = ReadSqliteShape(*db, t); !s.ok()) return s.error();
      if (auto s = ReadPgShape(pgdb, t); !s.ok()) return s.error();
      if (t.pg.empty()) {
        return MakeError(ErrorCode::kInternal, "table " + name + " has no PostgreSQL twin");
      }
      for (const auto& column : t.columns) {
        if (!t.pg.count(column)) {
          return MakeError(ErrorCode::kInternal,
                           "column " + name + "." + column + " has no PostgreSQL twin");
        }
      }
      tables.push_back(std::move(t));
    }
  }
  auto ordered = InForeignKeyOrder(pgdb, std::move(tables));
  if (!ordered.ok()) return std::move(ordered).error();

  MigrationSummary summary;
  auto copied = pgdb.ReadCommitted([&](pg::Connection& c) -> Status {
    summary.rows = 0;
    for (const auto& t : *ordered) {
      // Into an empty database only: what is there might be another installation's.
      pg::Statement any(c, "SELECT EXISTS (SELECT 1 FROM " + Quoted(t.name) + ")");
      auto row = any.Step();
      if (!row.ok()) return std::move(row).error();
      if (*row && any.Int(0) != 0) {
        return MakeError(ErrorCode::kFailedPrecondition,
                         "the PostgreSQL database is not empty (table " + t.name +
                             " has rows): migrate only into a new database");
      }
    }
    for (const auto& t : *ordered) {
      auto total = SqliteCount(*t.from, t.name);
      if (!total.ok()) return std::move(total).error();
      auto n = CopyRows(*t.from, c, t, *total, progress);
      if (!n.ok()) return std::move(n).error();
      pg::Statement count(c, "SELECT count(*) FROM " + Quoted(t.name));
      auto row = count.Step();
      if (!row.ok()) return std::move(row).error();
      if (!*row || count.Int(0) != *total) {
        return MakeError(ErrorCode::kInternal, "table " + t.name + ": " + std::to_string(*total) +
                                                   " rows, " + std::to_string(count.Int(0)) +
                                                   " copied");
      }
      summary.rows += *n;
    }
    return OkStatus();
  });
  if (!copied.ok()) return std::move(copied).error();
  summary.tables = static_cast<std::int64_t>(ordered->size());

  auto blobs = pg::NewBlobStore(pgdb);
  const auto ids = BlobIds(config.Resolve(config.blobs));
  for (const auto& id : ids) {
    auto reader = from.blobs->Open(id);
    if (!reader.ok()) return std::move(reader).error();
    auto writer = blobs->Create(id);
    if (!writer.ok()) return std::move(writer).error();
    std::string chunk;
    for (std::uint64_t at = 0; at < (*reader)->size();) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(1 << 20, (*reader)->size() - at));
      if (auto s = (*reader)->ReadAt(at, n, chunk); !s.ok()) return s.error();
      if (auto s = (*writer)->Append(chunk); !s.ok()) return s.error();
      at += n;
    }
    if (auto s = (*writer)->Commit(); !s.ok()) return s.error();
    summary.blob_bytes += static_cast<std::int64_t>((*reader)->size());
    ++summary.blobs;
    if (summary.blobs % 100 == 0 || summary.blobs == static_cast<std::int64_t>(ids.size())) {
      progress("blobs", summary.blobs, static_cast<std::int64_t>(ids.size()));
    }
  }
  return summary;
}

}  // namespace sealpost
