#include "base/csv.h"

namespace sealpost {

std::vector<CsvRecord> ParseCsv(std::string_view text, const CsvLimits& limits) {
  std::vector<CsvRecord> out;
  std::size_t i = 0, line = 1;
  // A UTF-8 byte order mark, as spreadsheet programs write, is not data.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < text.size()) {
    if (text[i] == '\n' || (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      i += text[i] == '\r' ? 2 : 1;  // blank line
      ++line;
      continue;
    }
    if (out.size() == limits.max_records) {
      out.back().error = "too many records: the rest of the file was not read";
      break;
    }
    CsvRecord rec;
    rec.line = line;
    std::string field;
    bool done = false;
    while (!done) {
      if (i < text.size() && text[i] == '"') {  // quoted field
        ++i;
        for (;;) {
          if (i >= text.size()) {
            rec.error = "a quoted field is not closed";
            done = true;
            break;
          }
          char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field.push_back('"');
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field.push_back(c);
          if (field.size() > limits.max_field) {
            rec.error = "a field is longer than " + std::to_string(limits.max_field) + " bytes";
          }
        }
        if (done) break;
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          rec.error = "text after a closing quote";
          while (i < text.size() && text[i] != ',' && text[i] != '\n') ++i;
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' &&
               !(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
          if (text[i] == '"' && rec.error.empty()) rec.error = "a quote inside an unquoted field";
          field.push_back(text[i++]);
          if (field.size() > limits.max_field && rec.error.empty()) {
            rec.error = "a field is longer than " + std::to_string(limits.max_field) + " bytes";
          }
        }
      }
      rec.fields.push_back(std::move(field));
      field.clear();
      if (i >= text.size()) break;
      if (text[i] == ',') {
        ++i;
        continue;
      }
      i += text[i] == '\r' ? 2 : 1;  // end of record
      ++line;
      done = true;
    }
    out.push_back(std::move(rec));
  }
  return out;
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string SpreadsheetCell(std::string_view field) {
  if (!field.empty() && (field[0] == '=' || field[0] == '+' || field[0] == '-' || field[0] == '@' ||
                         field[0] == '\t' || field[0] == '\r')) {
    return CsvField("'" + std::string(field));
  }
  return CsvField(field);
}

std::string SpreadsheetLine(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += SpreadsheetCell(fields[i]);
  }
  out += "\r\n";
  return out;
}

}  // namespace sealpost
