#include "app/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/admin_common.h"
#include "app/key_rotation.h"
#include "app/open_stores.h"
#include "base/sync.h"
#include "store/sqlite/database.h"

namespace sealpost {
namespace {

namespace fs = std::filesystem;

constexpr const char* kManifest = "BACKUP";
constexpr const char* kMagic = "sealpost-backup 1";
// Long enough for any copy; a crashed backup's hold lapses by itself.
constexpr std::int64_t kHoldSeconds = 6 * 3600;

Error IoError(const std::string& what, const std::string& path, const std::string& why) {
  return MakeError(ErrorCode::kIo, what + " " + path + ": " + why);
}

// Copies one file, synced, with `mode` (0600 for keys); refuses to overwrite.
Status CopySynced(const std::string& from, const std::string& to, fs::perms mode) {
  std::error_code ec;
  fs::create_directories(fs::path(to).parent_path(), ec);
  if (ec) return IoError("cannot create the directory of", to, ec.message());
  if (!fs::copy_file(from, to, fs::copy_options::none, ec)) {
    return IoError("cannot copy " + from + " to", to, ec.message());
  }
  fs::permissions(to, mode, ec);
  if (ec) return IoError("cannot set the mode of", to, ec.message());
  return SyncPath(to, false);
}

bool MissingOrEmptyDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return true;
  return fs::is_directory(dir, ec) && fs::is_empty(dir, ec);
}

// Every blob file under `from` copied to the same place under `to`; not the dot-named
// files of writes under way, nor the emptied files the store keeps in `.spare`.
Result<BackupSummary> CopyBlobs(const std::string& from, const std::string& to) {
  BackupSummary summary;
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return IoError("cannot create", to, ec.message());
  std::vector<std::string> dirs = {to};
  for (fs::recursive_directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path relative = fs::relative(it->path(), from);
    const std::string target = (fs::path(to) / relative).string();
    if (it->path().filename().string().front() == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) {
      fs::create_directories(target, ec);
      if (ec) return IoError("cannot create", target, ec.message());
      dirs.push_back(target);
      continue;
    }
    if (!it->is_regular_file()) continue;
    const auto size = it->file_size();
    auto copied = CopySynced(it->path().string(), target,
                             fs::perms::owner_read | fs::perms::owner_write);
    if (!copied.ok()) {
      // Gone since it was listed: a blob being discarded (a failed batch's) or, outside
      // a hold, spent content. Neither is needed by the copied database.
      if (!fs::exists(it->path())) continue;
      return copied.error();
    }
    ++summary.blobs;
    summary.blob_bytes += size;
  }
  if (ec) return IoError("cannot read", from, ec.message());
  for (const auto& dir : dirs) {
    auto synced = SyncPath(dir, true);
    if (!synced.ok()) return synced.error();
  }
  return summary;
}

// The database as of one read transaction, through SQLite's online backup API, checked.
Status CopyDatabase(sqlite::Database& db, const std::string& to) {
  return db.Read([&](sqlite::Connection& source) -> Status {
    sqlite3* dest = nullptr;
    if (sqlite3_open_v2(to.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      Error e = sqlite::SqliteError(dest, "open the copy");
      sqlite3_close(dest);
      return e;
    }
    struct Close {
      sqlite3* db;
      ~Close() { sqlite3_close(db); }
    } close{dest};
    sqlite3_backup* backup = sqlite3_backup_init(dest, "main", source, "main");
    if (backup == nullptr) return sqlite::SqliteError(dest, "start the copy");
    const int stepped = sqlite3_backup_step(backup, -1);  // all pages: one point in time
    sqlite3_backup_finish(backup);
    if (stepped != SQLITE_DONE) return sqlite::SqliteError(dest, "copy the database");
    std::string check;
    char* message = nullptr;
    sqlite3_exec(
        dest, "PRAGMA quick_check",
        [](void* out, int, char** values, char**) {
          *static_cast<std::string*>(out) += values[0] ? values[0] : "";
          return 0;
        },
        &check, &message);
    sqlite3_free(message);
    if (check != "ok") {
      return MakeError(ErrorCode::kIntegrity, "the copied database fails its check: " + check);
    }
    return OkStatus();
  });
}

Result<std::int64_t> HoldSpentContent(sqlite::Database& db, std::int64_t until) {
  std::int64_t hold = 0;
  auto held = db.Transaction([&](sqlite::Connection& c) -> Status {
    auto inserted = sqlite::Statement(c, "INSERT INTO backup_holds (until) VALUES (?)")
                        .Bind(1, until)
                        .Run();
    hold = sqlite3_last_insert_rowid(c);
    return inserted;
  });
  if (!held.ok()) return std::move(held).error();
  return hold;
}

void ReleaseHold(sqlite::Database& db, std::int64_t hold) {
  (void)db.Transaction([&](sqlite::Connection& c) {
    return sqlite::Statement(c, "DELETE FROM backup_holds WHERE id = ?").Bind(1, hold).Run();
  });
}

Status WriteSynced(const std::string& path, const std::string& text) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!(out << text) || !out.flush()) return IoError("cannot write", path, "write failed");
  }
  return SyncPath(path, false);
}

std::uint64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

constexpr auto kPrivate = fs::perms::owner_read | fs::perms::owner_write;
constexpr auto kPublic = kPrivate | fs::perms::group_read | fs::perms::others_read;

}  // namespace

Result<BackupSummary> Backup(const Config& config, Stores& stores, const std::string& dir,
                             bool include_master_key, const Clock& clock,
                             const std::function<void(const std::string&)>& progress) {
  if (!stores.db) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "sealpost backup copies a SQLite installation; on PostgreSQL the database "
                     "holds everything but the master key (blobs too): back it up with "
                     "PostgreSQL's own tools (pg_dump, or continuous archiving) and keep the "
                     "master key apart");
  }
  if (!MissingOrEmptyDir(dir)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     dir + " is not empty: back up into a new directory");
  }
  // Mid-rotation, values are sealed under two keys and a backup would need both.
  if (RotationUnderWay(config.Resolve(config.master_key))) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "a master-key rotation is under way: end it (sealpost admin keys rotate), "
                     "then back up");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("cannot create", dir, ec.message());
  fs::permissions(dir, fs::perms::owner_all, ec);

  auto hold = HoldSpentContent(*stores.db, clock.NowUnix() + kHoldSeconds);
  if (!hold.ok()) return std::move(hold).error();
  struct Release {
    sqlite::Database& db;
    std::int64_t hold;
    ~Release() { ReleaseHold(db, hold); }
  } release{*stores.db, *hold};

  // The spool first: a submission that ends between the two copies is then in the
  // spool's copy, with its mark in the main one's, and the restored server settles it
  // (store/sqlite/spool.h) — the other way round it would be in neither.
  progress("copying the SMTP spool (one point in time; mail keeps flowing)");
  const std::string spool = dir + "/sealpost.spool.db";
  auto copied = CopyDatabase(stores.db->spool(), spool);
  if (!copied.ok()) return copied.error();
  auto synced = SyncPath(spool, false);
  if (!synced.ok()) return synced.error();
  progress("copying the database (one point in time; mail keeps flowing)");
  const std::string database = dir + "/sealpost.db";
  copied = CopyDatabase(*stores.db, database);
  if (!copied.ok()) return copied.error();
  synced = SyncPath(database, false);
  if (!synced.ok()) return synced.error();

  progress("copying the blobs");
  auto blobs = CopyBlobs(config.Resolve(config.blobs), dir + "/blobs");
  if (!blobs.ok()) return std::move(blobs).error();
  BackupSummary summary = *blobs;
  summary.database_bytes = FileSize(database) + FileSize(spool);

  progress("copying the configuration and the TLS certificate");
  for (const auto& [from, to, mode] :
       {std::tuple{config.path, std::string("config.toml"), kPrivate},
        std::tuple{config.Resolve(config.certificate), std::string("tls/cert.pem"), kPublic},
        std::tuple{config.Resolve(config.private_key), std::string("tls/key.pem"), kPrivate}}) {
    auto file = CopySynced(from, dir + "/" + to, mode);
    if (!file.ok()) return file.error();
  }
  if (include_master_key) {
    auto key = CopySynced(config.Resolve(config.master_key), dir + "/master.key", kPrivate);
    if (!key.ok()) return key.error();
    summary.master_key = true;
  }
  std::ostringstream manifest;
  manifest << kMagic << "\ncreated " << FormatRfc3339(clock.NowUnix()) << "\ndatabase_bytes "
           << summary.database_bytes << "\nblobs " << summary.blobs << "\nblob_bytes "
           << summary.blob_bytes << "\nmaster_key " << (summary.master_key ? "yes" : "no") << "\n";
  auto written = WriteSynced(dir + "/" + kManifest, manifest.str());
  if (!written.ok()) return written.error();
  synced = SyncPath(dir, true);
  if (!synced.ok()) return synced.error();
  return summary;
}

Result<BackupSummary> Restore(const std::string& from, const std::string& config_path,
                              const std::string& master_key_file,
                              const std::function<void(const std::string&)>& progress) {
  // A backup's small files are read with a bound: the directory may come from anywhere.
  auto manifest = admin::ReadSmallFile(from + "/" + kManifest, admin::kMaxSettingsFile);
  if (!manifest.ok() || manifest->rfind(std::string(kMagic) + "\n", 0) != 0) {
    return MakeError(ErrorCode::kInvalidArgument, from + " is not a sealpost backup (no " +
                                                      std::string(kManifest) + " file)");
  }
  const bool has_master_key = manifest->find("\nmaster_key yes\n") != std::string::npos;
  if (!has_master_key && master_key_file.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the backup holds no master key: give the one kept apart with --master-key");
  }
  std::error_code ec;
  if (fs::exists(config_path, ec)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     config_path + " exists: restore only into a fresh place");
  }
  fs::create_directories(fs::path(config_path).parent_path(), ec);
  auto config_text = admin::ReadSmallFile(from + "/config.toml", admin::kMaxSettingsFile);
  if (!config_text.ok()) return std::move(config_text).error();
  // The configuration first: where everything else goes is what it says, from its new
  // directory.
  {
    std::ofstream out(config_path, std::ios::binary);
    if (!(out << *config_text)) return IoError("cannot write", config_path, "write failed");
  }
  fs::permissions(config_path, kPrivate, ec);
  auto config = LoadConfig(config_path);
  if (!config.ok()) return std::move(config).error();
  const std::string database = config->Resolve(config->database);
  const std::string blobs = config->Resolve(config->blobs);
  const std::string master_key = config->Resolve(config->master_key);
  const std::string spool = sqlite::SpoolPath(database);
  for (const auto& target : {database, spool, master_key, config->Resolve(config->certificate),
                             config->Resolve(config->private_key)}) {
    if (fs::exists(target, ec)) {
      return MakeError(ErrorCode::kAlreadyExists,
                       target + " exists: restore only into a fresh place");
    }
  }
  if (!MissingOrEmptyDir(blobs)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     blobs + " is not empty: restore only into a fresh place");
  }

  progress("restoring the database");
  auto copied = CopySynced(from + "/sealpost.db", database, kPrivate);
  if (!copied.ok()) return copied.error();
  {
    // The copy was made under the backup's own hold; the restored server has none.
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_exec(db, "DELETE FROM backup_holds", nullptr, nullptr, nullptr);
    }
    if (rc != SQLITE_OK) {
      Error failure = sqlite::SqliteError(db, "clear the backup's hold");
      sqlite3_close(db);
      return failure;
    }
    sqlite3_close(db);
  }
  // A backup made before the spool had a file of its own has none: its submissions are
  // in the database, and move across when it opens.
  if (fs::exists(from + "/sealpost.spool.db", ec)) {
    copied = CopySynced(from + "/sealpost.spool.db", spool, kPrivate);
    if (!copied.ok()) return copied.error();
  }
  progress("restoring the blobs");
  auto restored = CopyBlobs(from + "/blobs", blobs);
  if (!restored.ok()) return std::move(restored).error();
  BackupSummary summary = *restored;
  summary.database_bytes = FileSize(database) + FileSize(spool);

  progress("restoring the keys and the TLS certificate");
  summary.master_key = has_master_key;
  auto key = CopySynced(has_master_key ? from + "/master.key" : master_key_file, master_key,
                        kPrivate);
  if (!key.ok()) return key.error();
  auto cert = CopySynced(from + "/tls/cert.pem", config->Resolve(config->certificate), kPublic);
  if (!cert.ok()) return cert.error();
  auto tls_key = CopySynced(from + "/tls/key.pem", config->Resolve(config->private_key), kPrivate);
  if (!tls_key.ok()) return tls_key.error();
  return summary;
}

}  // namespace sealpost
