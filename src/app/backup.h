// `sealpost admin backup DIR` and `sealpost admin restore DIR`: a consistent copy of a
// running server's data, and that copy brought back on a fresh machine or directory.
//
// A backup holds, by role: the configuration file, the database and its spool (SQLite's
// online backup, one read transaction each: a point in time while mail flows; the spool
// first, see Backup), every blob file, the TLS certificate and key, and the master key only when
// asked — without it the copy is unreadable, which is the point of keeping the master key apart.
// Consistency: blobs are written (and synced) before the rows that refer to them are
// committed, so every blob the copied database needs exists when it is copied; the one
// way a needed blob could go meanwhile, the queue's sweep of content no entry holds any
// more, is held off by a row in backup_holds (its SQL checks for one) from before the
// database is copied until the blobs are.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "app/config.h"
#include "base/clock.h"
#include "base/result.h"

namespace sealpost {

struct Stores;

struct BackupSummary {
  std::uint64_t database_bytes = 0;
  std::uint64_t blobs = 0;
  std::uint64_t blob_bytes = 0;
  bool master_key = false;
};

// Writes the backup into `dir`, which must not exist or be empty. `progress` is told
// what is being copied (a line for people).
Result<BackupSummary> Backup(const Config& config, Stores& stores, const std::string& dir,
                             bool include_master_key, const Clock& clock,
                             const std::function<void(const std::string&)>& progress);

// Restores the backup in `from` with its configuration written to `config_path`; the
// paths the configuration names are resolved against that file's directory (absolute
// ones stay as they are) and must not exist yet. `master_key_file`: the master key kept
// apart, when the backup holds none.
Result<BackupSummary> Restore(const std::string& from, const std::string& config_path,
                              const std::string& master_key_file,
                              const std::function<void(const std::string&)>& progress);

}  // namespace sealpost
