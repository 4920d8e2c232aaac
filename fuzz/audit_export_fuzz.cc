// libFuzzer target: what the audit trail's exports and searches make of untrusted text
// (a subject, an actor, a remote server's reply kept in details; a --since given on the
// command line or in the API's query). Properties, not just "no crash": a CSV cell reads
// back as written (a formula's leading ' aside), a JSON line parses with every field
// intact, and a parsed time formats back to a time that parses to the same instant.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "audit/export.h"
#include "base/clock.h"
#include "base/csv.h"
#include "base/text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  sealpost::audit::AuditRecord r;
  r.seq = 7;
  r.at = 1795370580;
  r.subject = input;
  r.actor = input.substr(0, input.size() / 2);
  r.details = input;

  // CSV: the row reads back field for field (a cell a spreadsheet would run gets a ').
  auto rows = sealpost::ParseCsv(sealpost::audit::CsvHeader() + sealpost::audit::RecordCsv(r));
  const bool formula = !input.empty() && std::string("=+-@\t\r").find(input[0]) != std::string::npos;
  const std::string expected = formula ? "'" + input : input;
  // Blank lines are skipped by the reader; a lone CR or LF inside a quoted field is kept.
  if (rows.size() != 2 || !rows[1].error.empty() || rows[1].fields.size() != 13 ||
      rows[1].fields[7] != expected) {
    std::abort();
  }

  // JSON Lines: one line, and the subject comes back intact.
  const std::string line = sealpost::audit::RecordJson(r);
  if (line.find('\n') != std::string::npos) std::abort();
  boost::system::error_code ec;
  auto parsed = boost::json::parse(line, ec);
  if (ec || !parsed.is_object() || !parsed.as_object().contains("subject")) std::abort();
  // Well-formed UTF-8 comes back as it was; anything else as U+FFFD per stray byte.
  if (boost::json::value_to<std::string>(parsed.as_object().at("subject")) !=
      sealpost::ValidUtf8(input)) {
    std::abort();
  }

  (void)sealpost::audit::SyslogMessage(r, input, 1);

  auto t = sealpost::ParseRfc3339OrDate(input);
  if (t.ok()) {
    auto again = sealpost::ParseRfc3339OrDate(sealpost::FormatRfc3339(*t));
    if (!again.ok() || *again != *t) std::abort();
  }
  return 0;
}
