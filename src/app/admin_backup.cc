// `sealpost admin backup DIR` and `sealpost admin restore BACKUP` (app/backup.h).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "app/admin_common.h"
#include "app/backup.h"
#include "app/migrate.h"
#include "app/open_stores.h"
#include "audit/pending.h"
#include "base/text.h"

namespace sealpost::admin {
namespace {

void Say(const std::string& line) { std::cout << "  " << line << "\n" << std::flush; }

std::string Described(const BackupSummary& s) {
  return std::to_string(s.database_bytes) + "-byte database, " + std::to_string(s.blobs) +
         " blobs (" + std::to_string(s.blob_bytes) + " bytes), master key " +
         (s.master_key ? "included" : "not included");
}

// A database URI as the audit trail may keep it: no user, password or parameters.
std::string WithoutCredentials(const std::string& uri) {
  std::string out = uri.substr(0, uri.find('?'));
  const auto scheme = out.find("://");
  const auto at = out.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme != std::string::npos && at != std::string::npos) {
    out.erase(scheme + 3, at + 1 - (scheme + 3));
  }
  return out;
}

}  // namespace

void RegisterBackupCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                            int& exit_code) {
  auto* backup = admin->add_subcommand(
      "backup", "A consistent copy of the data while the server runs, into a new directory");
  backup->add_option("DIR", args->file, "Where the copy goes (must not exist, or be empty)")
      ->required();
  backup->add_flag("--include-master-key", args->off,
                   "Put the master key in the copy too (anyone with the copy can then read "
                   "every message: keep it apart unless the copy is encrypted and guarded)");
  backup->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    if (a.off) {
      std::cerr << "sealpost admin: warning: the backup holds the master key: whoever has it "
                   "can read every stored message. Encrypt it and keep it guarded.\n";
    }
    // A backup is every message and key leaving the server: the trail says who took one,
    // when, where to and whether the master key went with it — before it is made (no
    // record, no backup).
    audit::DetailPending(boost::json::serialize(
        boost::json::object{{"directory", SanitizeForLog(a.file, 256)}, {"master_key", a.off}}));
    if (auto recorded = RecordAccessNow(c); !recorded.ok()) return recorded;
    std::cout << "Backing up to " << a.file << "\n";
    auto done = Backup(c.config, *c.stores, a.file, a.off, c.clock, Say);
    if (!done.ok()) return std::move(done).error();
    std::cout << "Backed up: " << Described(*done) << ".\n";
    if (!a.off) {
      std::cout << "The master key (" << c.config.Resolve(c.config.master_key)
                << ") is not in the backup: keep a copy of it apart; without it the backup "
                   "cannot be read.\n";
    }
    return OkStatus();
  }));

  auto* migrate = admin->add_subcommand(
      "migrate",
      "Copy this SQLite installation into an empty PostgreSQL database, for several "
      "nodes (then set [storage] database to it)");
  migrate->add_option("--to", args->to, "The PostgreSQL URI (postgresql://user@host/db)")
      ->required();
  migrate->add_flag("--progress", args->progress, "Show progress even when not on a terminal");
  migrate->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    // Every message leaves for another database: the trail says who, when and where to
    // (never the URI's credentials) before anything is copied, and goes with the copy.
    audit::DetailPending(boost::json::serialize(
        boost::json::object{{"to", SanitizeForLog(WithoutCredentials(a.to), 256)}}));
    if (auto recorded = RecordAccessNow(c); !recorded.ok()) return recorded;
    const bool bar = a.progress || ::isatty(2);
    std::string shown;
    auto done = MigrateToPostgres(
        c.config, *c.stores, a.to,
        [&](const std::string& what, std::int64_t n, std::int64_t total) {
          if (!bar || total == 0) return;
          const int width = 30;
          const int filled = static_cast<int>(width * n / total);
          std::cerr << "\r" << what << std::string(what.size() < 24 ? 24 - what.size() : 0, ' ')
                    << " [" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
                    << n << "/" << total << (n == total ? "\n" : "") << std::flush;
        });
    if (!done.ok()) return std::move(done).error();
    std::cout << "Copied " << done->tables << " tables (" << done->rows << " rows) and "
              << done->blobs << " blobs (" << done->blob_bytes << " bytes) to "
              << WithoutCredentials(a.to) << ".\n"
              << "Next: stop sealpost, set [storage] database to that URI in " << a.config
              << " (and every node's), and start it.\n";
    return OkStatus();
  }));

  auto* restore = admin->add_subcommand(
      "restore", "Bring a backup back, with its configuration written to --config (a new file)");
  restore->add_option("BACKUP", args->file, "The backup's directory")->required();
  restore->add_option("--master-key", args->key_file,
                      "The master key kept apart, when the backup holds none");
  restore->callback([args, &exit_code] {
    std::cout << "Restoring " << args->file << " with its configuration at " << args->config
              << "\n";
    auto done = Restore(args->file, args->config, args->key_file, Say);
    if (!done.ok()) {
      exit_code = Fail(done.error());
      return;
    }
    // The restored trail records the restore itself, chained after the backup's last
    // record: what came back, from where, and who brought it.
    auto restored = Open(args->config);
    Status recorded = restored.ok() ? OkStatus() : restored.error();
    if (restored.ok()) {
      audit::AuditRecord r = AdminRecord(**restored, *args);
      r.details =
          boost::json::serialize(boost::json::object{{"backup", SanitizeForLog(args->file, 256)},
                                                     {"blobs", done->blobs},
                                                     {"master_key_included", done->master_key}});
      recorded = (*restored)->stores->audit->Append(std::move(r));
    }
    if (!recorded.ok()) {
      std::cerr << "sealpost admin: warning: the restore is not in the audit trail: "
                << recorded.error().ToString() << "\n";
    }
    std::cout << "Restored: " << Described(*done) << ".\nStart it with: sealpost serve --config "
              << args->config << "\n";
    exit_code = 0;
  });
}

}  // namespace sealpost::admin
