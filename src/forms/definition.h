// Secure web forms (issue 24): what an administrator defines, and what a person sends
// through it, checked — without I/O. A definition is JSON (the API's and the console's):
//
//   {"title": "New patient intake", "intro": "…",
//    "recipients": ["intake@clinic.example"],          // staff, 1–20 addresses
//    "steps": [{"title": "About you", "fields": [
//       {"name": "full_name", "type": "text", "label": "Full name", "required": true},
//       {"name": "reason", "type": "choice", "label": "Why", "choices": ["New", "Follow-up"]},
//       {"name": "card", "type": "file", "label": "Insurance card",
//        "accept": ["image/png", "application/pdf"], "max_bytes": 10485760}]}],
//    "consent": "I agree that …",                       // a required tick at the end
//    "retention_days": 90, "receipt": true,
//    "allowed_origins": ["https://www.clinic.example"], // sites that may frame it
//    "webhook_values": false}                          // answers on form.submitted
//
// Field types: text, email, date (YYYY-MM-DD), choice, checkbox, long_text, file. Every
// part has a limit (steps, fields, lengths, choices, sizes); a definition that breaks one
// is refused naming the part ("steps[0].fields[2].name: …"). Values are checked per
// step against their fields: required, length, an address, a real date, one of the
// choices, an optional RE2 pattern (whole value), a file's type and size.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealpost::forms {

enum class FieldType { kText, kEmail, kDate, kChoice, kCheckbox, kLongText, kFile };

struct Field {
  std::string name;  // [a-z0-9_], 1–40, unique in the form
  FieldType type = FieldType::kText;
  std::string label;
  std::string hint;
  bool required = false;
  std::size_t max_length = 0;        // text and long text (defaults 200 and 10,000)
  std::vector<std::string> choices;  // choice
  std::string pattern;               // text: RE2, matched against the whole value
  std::vector<std::string> accept;   // file: media types ("image/png", "image/*")
  std::uint64_t max_bytes = 0;       // file (default 10 MB)
  // file: several files in the one field (a secure request's answer; not in a
  // definition's JSON, where each file has its own field).
  bool multiple = false;
};

struct Step {
  std::string title;
  std::vector<Field> fields;
};

struct Definition {
  std::string title;
  std::string intro;
  std::vector<std::string> recipients;
  std::vector<Step> steps;
  std::string consent;  // empty: no consent asked
  int retention_days = 30;
  bool receipt = false;
  std::vector<std::string> allowed_origins;  // "https://host[:port]"
  // form.submitted webhooks carry the answers and the files' names (added as each
  // delivery leaves, never kept in the webhook outbox); off: ids only.
  bool webhook_values = false;
};

// Limits of a definition.
inline constexpr std::size_t kMaxSteps = 10;
inline constexpr std::size_t kMaxFields = 60;
inline constexpr std::size_t kMaxRecipients = 20;
inline constexpr std::size_t kMaxChoices = 50;
inline constexpr std::size_t kMaxLabel = 300;
inline constexpr std::size_t kMaxLongText = 100000;
inline constexpr std::uint64_t kMaxFileBytes = 100ull * 1024 * 1024;    // one file
inline constexpr std::uint64_t kMaxUploadBytes = 100ull * 1024 * 1024;  // a whole submission
inline constexpr int kMaxRetentionDays = 3650;
inline constexpr std::size_t kMaxDefinitionBytes = 256 * 1024;

// The definition in `json`; kInvalidArgument naming the part that is wrong.
Result<Definition> ParseDefinition(std::string_view json);
// The definition as JSON again (what ParseDefinition reads back the same).
std::string DefinitionJson(const Definition& d);

// A value that is not right, and why (for the form's page, beside the field).
struct FieldProblem {
  std::string field;
  std::string message;
};

// The values posted for one step (a field's name to its text; a checkbox "yes" when
// ticked). Files are checked apart (CheckFile), as they stream in.
std::vector<FieldProblem> CheckStep(const Step& step,
                                    const std::map<std::string, std::string>& values);
// A file for `field`: its media type (as sent) and size so far.
std::vector<FieldProblem> CheckFile(const Field& field, std::string_view media_type,
                                    std::uint64_t size);

const char* FieldTypeName(FieldType type);

}  // namespace sealpost::forms
