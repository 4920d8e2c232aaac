// The audit trail as auditors take it away (issue 21): one record at a time, so an
// export of any size is written in constant memory. JSON Lines keeps `details` as the
// JSON object it is; CSV is RFC 4180 with one header line, and a cell that a
// spreadsheet would run as a formula (=, +, -, @ first) is written with a ' before it.
// Both carry each record's hash, so an export can be checked against the trail.
#pragma once

#include <string>
#include <string_view>

#include "audit/chain.h"

namespace sealpost::audit {

// One line of JSON, without the line break.
std::string RecordJson(const AuditRecord& record);
// The header line and one record's line, each ending in CRLF.
std::string CsvHeader();
std::string RecordCsv(const AuditRecord& record);

// One record as a syslog message (RFC 5424), for a SIEM: facility authpriv, severity
// info (warning when refused or failed), APP-NAME "sealpost", MSGID "audit", the seq,
// action and result as structured data under the documentation enterprise number
// (RFC 5612), and the record's JSON as the message.
std::string SyslogMessage(const AuditRecord& record, std::string_view hostname, int pid);

}  // namespace sealpost::audit
