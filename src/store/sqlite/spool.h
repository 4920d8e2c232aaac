// The SQLite spool (Database::spool): SMTP submissions wait in a file of their own, with
// its own lock and log, and end in the main database — as a message, as a completed
// submission's queue entries, or as a dead letter's notices to its sender.
//
// No transaction spans two SQLite files (in WAL mode a commit is atomic within each file,
// not across them), so a submission ends in two steps:
//  1. the main database's transaction that ends it also writes its mark (inbound_done:
//     "done" or "buried"), which can be written once only: a second ending of the same
//     submission fails there, as kAlreadyProcessed, and rolls back;
//  2. once that has committed, the spool does what the mark says — deletes the row, or
//     makes it a dead letter — without a sync of its own (kRecoverable).
// A crash between the two leaves a row whose mark says it has ended. Claim looks up the
// marks of what it takes and settles those instead of handing them out; marks an hour old
// are settled durably and then deleted (by then no row of theirs is being processed).
// PostgreSQL needs none of this: its inbound table is in the one database.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.h"
#include "store/sql/inbound_rows.h"
#include "store/sqlite/database.h"
#include "store/stores.h"

namespace sealpost::sqlite {

inline constexpr std::string_view kEndedDone = "done";      // a message, or queue entries
inline constexpr std::string_view kEndedBuried = "buried";  // a dead letter

struct SpoolMark {
  std::string id;       // the submission's
  std::string outcome;  // kEndedDone or kEndedBuried
  std::string error;    // a dead letter's last error
  std::int64_t at = 0;  // when it was written (unix seconds, SQLite's clock)
};

// A spool row (its columns and reading: store/sql/inbound_rows.h), written.
// `or_ignore`: a row already there (moved once before) is left as it is.
Status InsertInbound(Connection& db, const InboundRecord& r, bool or_ignore = false);

// Step 1, in the main database's transaction that ends the submission: writes its mark;
// a spooled content blob (`blob`, "" when the content is in the row) waits in
// spent_content, as the queue's sweep expects. kNotFound (kAlreadyProcessed) when the
// submission has a mark already.
Status MarkEnded(Connection& main, const std::string& id, std::string_view outcome,
                 const std::string& error, const std::string& blob);

// Each of `ids`' content blob ("" when the content is in its row), read from the spool
// before step 1; kNotFound (kAlreadyProcessed) when one is no longer spooled.
Result<std::vector<std::string>> SpooledBlobs(Database& spool, const std::vector<std::string>& ids);

// Step 2: the spool does what the marks say. kRecoverable right after their commit (a
// lost change is redone from the mark); kDurable before the marks are deleted.
Status SettleInSpool(Database& spool, const std::vector<SpoolMark>& marks, Database::Commit commit);

// The marks of those of `ids` that have one.
Result<std::vector<SpoolMark>> MarksOf(Database& main, const std::vector<std::string>& ids);

// Settles (durably) up to `limit` marks written before `before`, then deletes them; how
// many.
Result<std::size_t> SweepMarks(Database& main, std::int64_t before, int limit);

// Submissions an older version spooled in the main database's inbound table go into the
// spool (durably, in chunks; one moved already is not moved twice); then the table goes.
Status MoveInboundToSpool(Database& main, Database& spool);

}  // namespace sealpost::sqlite
