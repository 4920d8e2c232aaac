// CSV (RFC 4180) read without I/O: fields separated by commas, records by CRLF or LF,
// double quotes around fields that hold commas, quotes or line breaks ("" is a quote).
// Each record carries the line it starts on, so errors can name it.
// Untrusted input: limits on field size and record count; a malformed record is
// reported and skipped, the rest still read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sealpost {

struct CsvRecord {
  std::size_t line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
  std::string error;     // non-empty: the record is malformed (fields incomplete)
};

struct CsvLimits {
  std::size_t max_field = 64 * 1024;
  std::size_t max_records = 1'000'000;
};

// Blank lines are skipped. Records past max_records are not read (the last record then
// says so in its error).
std::vector<CsvRecord> ParseCsv(std::string_view text, const CsvLimits& limits = {});

// One field as written: quoted when it holds a comma, a quote or a line break.
std::string CsvField(std::string_view field);
// A field for a file a spreadsheet will open: one that starts as a formula would (=, +,
// -, @, a tab or a carriage return) gets a leading apostrophe, so that text from the
// public or a log is never run as one (CSV injection).
std::string SpreadsheetCell(std::string_view field);
// One record of such cells, ending in CRLF.
std::string SpreadsheetLine(const std::vector<std::string>& fields);

}  // namespace sealpost
