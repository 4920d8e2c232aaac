// The audit trail as auditors take it away (issue 21): one record at a time, so an
// export of any size is written in constant memory. JSON Lines keeps `details` as the
// JSON object it is; CSV is RFC 4180 with one header line, and a cell that a
// spreadsheet would run as a formula (=, +, -, @ first) is written with a ' before it.
// Both carry each record's hash, so an export can be checked against the trail.
#pragma once

#include <string>

#include "audit/chain.h"

namespace sealpost::audit {

// One line of JSON, without the line break.
std::string RecordJson(const AuditRecord& record);
// The header line and one record's line, each ending in CRLF.
std::string CsvHeader();
std::string RecordCsv(const AuditRecord& record);

}  // namespace sealpost::audit
