// `sealpost admin backup DIR` and `sealpost admin restore BACKUP` (app/backup.h).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "app/admin_common.h"
#include "app/backup.h"
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
