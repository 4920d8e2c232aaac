// `sealpost admin migrate --to postgresql://...` (issue 23): a SQLite installation copied
// into an empty PostgreSQL database, for several nodes to share. Every table row for row
// (in an order PostgreSQL's foreign keys accept, in one transaction, counts checked after),
// the audit trail with its chain as it is, then every blob into the database.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"

namespace sealpost {

struct Config;
struct Stores;

struct MigrationSummary {
  std::int64_t tables = 0;
  std::int64_t rows = 0;
  std::int64_t blobs = 0;
  std::int64_t blob_bytes = 0;
};

// `progress(what, done, total)`: a table's rows, then the blobs, as they go.
// kFailedPrecondition when the target holds anything, or the installation is not SQLite;
// kInternal naming the table or column when the two schemas do not match.
Result<MigrationSummary> MigrateToPostgres(
    const Config& config, Stores& from, const std::string& to,
    const std::function<void(const std::string& what, std::int64_t done, std::int64_t total)>&
        progress);

}  // namespace sealpost
