#include "forms/definition.h"

#include <re2/re2.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "base/text.h"
#include "mime/address.h"

namespace sealpost::forms {
namespace json = boost::json;
namespace {

constexpr std::size_t kDefaultTextLength = 200;
constexpr std::size_t kDefaultLongTextLength = 10000;
constexpr std::uint64_t kDefaultFileBytes = 10ull * 1024 * 1024;
constexpr std::size_t kMaxPattern = 200;
constexpr std::size_t kMaxIntro = 5000;

Error Bad(const std::string& where, std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), where);
}

// Text a person reads on the page: valid UTF-8, no control characters but line breaks
// (in the longer texts), at most `max` bytes.
bool Readable(std::string_view text, std::size_t max, bool lines = false) {
  if (text.size() > max || !IsValidUtf8(text)) return false;
  return std::none_of(text.begin(), text.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && !(lines && (c == '\n' || c == '\r'))) || u == 0x7f;
  });
}

bool FieldName(std::string_view name) {
  return !name.empty() && name.size() <= 40 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// "type/subtype" or "type/*", lower case.
bool MediaRange(std::string_view range) {
  const auto slash = range.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == range.size() ||
      range.size() > 100) {
    return false;
  }
  const auto token = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-';
    });
  };
  const std::string_view sub = range.substr(slash + 1);
  return token(range.substr(0, slash)) && (sub == "*" || token(sub));
}

// An "https://host[:port]" origin, as a browser writes one.
bool Origin(std::string_view origin) {
  constexpr std::string_view kScheme = "https://";
  if (origin.substr(0, kScheme.size()) != kScheme || origin.size() > 300) return false;
  const std::string_view rest = origin.substr(kScheme.size());
  if (rest.empty() || rest.find_first_of("/?#@ *") != std::string_view::npos) return false;
  return std::all_of(rest.begin(), rest.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':';
  });
}

struct Reader {
  const json::object& o;
  std::string where;  // "steps[0].fields[1]", "" for the top

  std::string At(std::string_view key) const {
    return where.empty() ? std::string(key) : where + "." + std::string(key);
  }
  // Every key is one this part knows: a typo is refused, not ignored.
  Status OnlyKnown(std::initializer_list<std::string_view> known) const {
    for (const auto& [key, _] : o) {
      if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end()) {
        return Bad(At(key), "is not a part of a form's definition here");
      }
    }
    return OkStatus();
  }
  Result<std::string> Text(std::string_view key, std::size_t max, bool required,
                           bool lines = false) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) {
      if (required) return Bad(At(key), "is required");
      return std::string();
    }
    if (!v->is_string()) return Bad(At(key), "must be text");
    std::string s(TrimWhitespace(std::string_view(v->get_string())));
    if (required && s.empty()) return Bad(At(key), "must not be empty");
    if (!Readable(s, max, lines)) {
      return Bad(At(key), "must be at most " + std::to_string(max) +
                              " bytes of text without control characters");
    }
    return s;
  }
  Result<bool> Flag(std::string_view key) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return false;
    if (!v->is_bool()) return Bad(At(key), "must be true or false");
    return v->get_bool();
  }
  Result<std::int64_t> Number(std::string_view key, std::int64_t min, std::int64_t max,
                              std::int64_t fallback) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_int64() || v->get_int64() < min || v->get_int64() > max) {
      return Bad(At(key), "must be a whole number from " + std::to_string(min) + " to " +
                              std::to_string(max));
    }
    return v->get_int64();
  }
  Result<std::vector<std::string>> Strings(std::string_view key, std::size_t max_items,
                                           std::size_t max_each) const {
    std::vector<std::string> out;
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return out;
    if (!v->is_array() || v->get_array().size() > max_items) {
      return Bad(At(key), "must be a list of at most " + std::to_string(max_items));
    }
    for (std::size_t i = 0; i < v->get_array().size(); ++i) {
      const json::value& item = v->get_array()[i];
      const std::string at = At(key) + "[" + std::to_string(i) + "]";
      if (!item.is_string()) return Bad(at, "must be text");
      std::string s(TrimWhitespace(std::string_view(item.get_string())));
      if (s.empty() || !Readable(s, max_each)) {
        return Bad(at, "must be 1 to " + std::to_string(max_each) + " bytes of text");
      }
      out.push_back(std::move(s));
    }
    return out;
  }
};

Result<FieldType> TypeOf(std::string_view name) {
  for (FieldType t : {FieldType::kText, FieldType::kEmail, FieldType::kDate, FieldType::kChoice,
                      FieldType::kCheckbox, FieldType::kLongText, FieldType::kFile}) {
    if (name == FieldTypeName(t)) return t;
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown");
}

Result<Field> ParseField(const json::value& v, const std::string& where) {
  if (!v.is_object()) return Bad(where, "must be an object");
  Reader r{v.get_object(), where};
  if (auto s = r.OnlyKnown({"name", "type", "label", "hint", "required", "max_length", "choices",
                            "pattern", "accept", "max_bytes"});
      !s.ok()) {
    return std::move(s).error();
  }
  Field f;
  auto name = r.Text("name", 40, true);
  if (!name.ok()) return std::move(name).error();
  if (!FieldName(*name)) {
    return Bad(r.At("name"), "must be 1 to 40 of a-z, 0-9 and _ (it names the value)");
  }
  f.name = std::move(*name);
  auto type_name = r.Text("type", 20, true);
  if (!type_name.ok()) return std::move(type_name).error();
  auto type = TypeOf(*type_name);
  if (!type.ok()) {
    return Bad(r.At("type"), "must be text, email, date, choice, checkbox, long_text or file");
  }
  f.type = *type;
  auto label = r.Text("label", kMaxLabel, true);
  if (!label.ok()) return std::move(label).error();
  f.label = std::move(*label);
  auto hint = r.Text("hint", kMaxLabel, false);
  if (!hint.ok()) return std::move(hint).error();
  f.hint = std::move(*hint);
  auto required = r.Flag("required");
  if (!required.ok()) return std::move(required).error();
  f.required = *required;
  // Each part belongs to the types it means something for.
  const bool texty = f.type == FieldType::kText || f.type == FieldType::kLongText;
  const auto only_for = [&](std::string_view key, bool fits, const char* types) -> Status {
    if (!fits && r.o.contains(key)) return Bad(r.At(key), std::string("is for ") + types);
    return OkStatus();
  };
  for (auto s : {only_for("max_length", texty, "text and long_text fields"),
                 only_for("pattern", f.type == FieldType::kText, "text fields"),
                 only_for("choices", f.type == FieldType::kChoice, "choice fields"),
                 only_for("accept", f.type == FieldType::kFile, "file fields"),
                 only_for("max_bytes", f.type == FieldType::kFile, "file fields")}) {
    if (!s.ok()) return std::move(s).error();
  }
  if (texty) {
    const std::int64_t limit = f.type == FieldType::kText ? 1000 : kMaxLongText;
    auto max = r.Number("max_length", 1, limit,
                        f.type == FieldType::kText ? kDefaultTextLength : kDefaultLongTextLength);
    if (!max.ok()) return std::move(max).error();
    f.max_length = static_cast<std::size_t>(*max);
  }
  if (f.type == FieldType::kText) {
    auto pattern = r.Text("pattern", kMaxPattern, false);
    if (!pattern.ok()) return std::move(pattern).error();
    if (!pattern->empty()) {
      RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(1 << 20);
      RE2 re(*pattern, options);
      if (!re.ok()) return Bad(r.At("pattern"), "is not a valid RE2 pattern: " + re.error());
    }
    f.pattern = std::move(*pattern);
  }
  if (f.type == FieldType::kChoice) {
    auto choices = r.Strings("choices", kMaxChoices, kMaxLabel);
    if (!choices.ok()) return std::move(choices).error();
    if (choices->empty()) return Bad(r.At("choices"), "a choice field needs its choices");
    std::set<std::string> seen(choices->begin(), choices->end());
    if (seen.size() != choices->size()) return Bad(r.At("choices"), "must not repeat a choice");
    f.choices = std::move(*choices);
  }
  if (f.type == FieldType::kFile) {
    auto accept = r.Strings("accept", 20, 100);
    if (!accept.ok()) return std::move(accept).error();
    for (std::size_t i = 0; i < accept->size(); ++i) {
      (*accept)[i] = AsciiLower((*accept)[i]);
      if (!MediaRange((*accept)[i])) {
        return Bad(r.At("accept") + "[" + std::to_string(i) + "]",
                   "must be a media type (\"application/pdf\", \"image/*\")");
      }
    }
    f.accept = std::move(*accept);
    auto max = r.Number("max_bytes", 1, static_cast<std::int64_t>(kMaxFileBytes),
                        static_cast<std::int64_t>(kDefaultFileBytes));
    if (!max.ok()) return std::move(max).error();
    f.max_bytes = static_cast<std::uint64_t>(*max);
  }
  return f;
}

// Days in a month of a year (proleptic Gregorian).
int DaysIn(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool IsDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (std::size_t i = 0; i < lengths[p]; ++i) {
      const char c = s[starts[p] + i];
      if (c < '0' || c > '9') return false;
      parts[p] = parts[p] * 10 + (c - '0');
    }
  }
  return parts[0] >= 1900 && parts[0] <= 2200 && parts[1] >= 1 && parts[1] <= 12 && parts[2] >= 1 &&
         parts[2] <= DaysIn(parts[0], parts[1]);
}

bool Accepts(const std::vector<std::string>& accept, std::string_view media_type) {
  if (accept.empty()) return true;
  const std::string type = AsciiLower(media_type.substr(0, media_type.find(';')));
  const std::string trimmed(TrimWhitespace(type));
  for (const auto& range : accept) {
    if (range == trimmed) return true;
    if (range.size() > 2 && range.ends_with("/*") &&
        trimmed.rfind(range.substr(0, range.size() - 1), 0) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

const char* FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kText:
      return "text";
    case FieldType::kEmail:
      return "email";
    case FieldType::kDate:
      return "date";
    case FieldType::kChoice:
      return "choice";
    case FieldType::kCheckbox:
      return "checkbox";
    case FieldType::kLongText:
      return "long_text";
    case FieldType::kFile:
      return "file";
  }
  return "text";
}

Result<Definition> ParseDefinition(std::string_view text) {
  if (text.size() > kMaxDefinitionBytes) {
    return Bad("definition",
               "is larger than " + std::to_string(kMaxDefinitionBytes / 1024) + " KiB");
  }
  // Where the JSON breaks, as a line and column a person can find in their file.
  json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t read = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    const std::string_view before = text.substr(0, std::min(read, text.size()));
    const std::size_t line =
        1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t last = before.rfind('\n');
    const std::size_t column =
        1 + (last == std::string_view::npos ? before.size() : before.size() - last - 1);
    return Bad("definition", "is not valid JSON at line " + std::to_string(line) + ", column " +
                                 std::to_string(column) + " (" + ec.message() + ")");
  }
  json::value v = parser.release();
  if (!v.is_object()) return Bad("definition", "is not a JSON object");
  Reader r{v.get_object(), ""};
  if (auto s = r.OnlyKnown({"title", "intro", "recipients", "steps", "consent", "retention_days",
                            "receipt", "allowed_origins", "webhook_values"});
      !s.ok()) {
    return std::move(s).error();
  }
  Definition d;
  auto title = r.Text("title", kMaxLabel, true);
  if (!title.ok()) return std::move(title).error();
  d.title = std::move(*title);
  auto intro = r.Text("intro", kMaxIntro, false, true);
  if (!intro.ok()) return std::move(intro).error();
  d.intro = std::move(*intro);
  auto recipients = r.Strings("recipients", kMaxRecipients, 254);
  if (!recipients.ok()) return std::move(recipients).error();
  if (recipients->empty()) {
    return Bad("recipients", "a form needs at least one recipient (who reads what is sent)");
  }
  for (std::size_t i = 0; i < recipients->size(); ++i) {
    if (std::string why = AddressProblem((*recipients)[i]); !why.empty()) {
      return Bad("recipients[" + std::to_string(i) + "]", "is not a valid address: it " + why);
    }
  }
  d.recipients = std::move(*recipients);
  auto consent = r.Text("consent", kMaxIntro, false, true);
  if (!consent.ok()) return std::move(consent).error();
  d.consent = std::move(*consent);
  auto retention = r.Number("retention_days", 1, kMaxRetentionDays, 30);
  if (!retention.ok()) return std::move(retention).error();
  d.retention_days = static_cast<int>(*retention);
  auto receipt = r.Flag("receipt");
  if (!receipt.ok()) return std::move(receipt).error();
  d.receipt = *receipt;
  auto webhook_values = r.Flag("webhook_values");
  if (!webhook_values.ok()) return std::move(webhook_values).error();
  d.webhook_values = *webhook_values;
  auto origins = r.Strings("allowed_origins", 20, 300);
  if (!origins.ok()) return std::move(origins).error();
  for (std::size_t i = 0; i < origins->size(); ++i) {
    (*origins)[i] = AsciiLower((*origins)[i]);
    if (!Origin((*origins)[i])) {
      return Bad("allowed_origins[" + std::to_string(i) + "]",
                 "must be an https origin, \"https://www.clinic.example\"");
    }
  }
  d.allowed_origins = std::move(*origins);

  const json::value* steps = r.o.if_contains("steps");
  if (!steps || !steps->is_array() || steps->get_array().empty() ||
      steps->get_array().size() > kMaxSteps) {
    return Bad("steps", "must be a list of 1 to " + std::to_string(kMaxSteps) + " steps");
  }
  std::set<std::string> names;
  std::size_t fields = 0;
  for (std::size_t s = 0; s < steps->get_array().size(); ++s) {
    const std::string where = "steps[" + std::to_string(s) + "]";
    const json::value& sv = steps->get_array()[s];
    if (!sv.is_object()) return Bad(where, "must be an object");
    Reader sr{sv.get_object(), where};
    if (auto ok = sr.OnlyKnown({"title", "fields"}); !ok.ok()) return std::move(ok).error();
    Step step;
    auto step_title = sr.Text("title", kMaxLabel, false);
    if (!step_title.ok()) return std::move(step_title).error();
    step.title = std::move(*step_title);
    const json::value* fv = sv.get_object().if_contains("fields");
    if (!fv || !fv->is_array() || fv->get_array().empty()) {
      return Bad(sr.At("fields"), "must be a list of at least one field");
    }
    for (std::size_t f = 0; f < fv->get_array().size(); ++f) {
      if (++fields > kMaxFields) {
        return Bad("steps", "a form has at most " + std::to_string(kMaxFields) + " fields");
      }
      auto field = ParseField(fv->get_array()[f], sr.At("fields") + "[" + std::to_string(f) + "]");
      if (!field.ok()) return std::move(field).error();
      if (!names.insert(field->name).second) {
        return Bad(sr.At("fields") + "[" + std::to_string(f) + "].name",
                   "\"" + field->name + "\" names another field already");
      }
      step.fields.push_back(std::move(*field));
    }
    d.steps.push_back(std::move(step));
  }
  return d;
}

std::string DefinitionJson(const Definition& d) {
  json::object o;
  o["title"] = d.title;
  if (!d.intro.empty()) o["intro"] = d.intro;
  json::array recipients(d.recipients.begin(), d.recipients.end());
  o["recipients"] = std::move(recipients);
  json::array steps;
  for (const auto& step : d.steps) {
    json::object so;
    if (!step.title.empty()) so["title"] = step.title;
    json::array fields;
    for (const auto& f : step.fields) {
      json::object fo{{"name", f.name}, {"type", FieldTypeName(f.type)}, {"label", f.label}};
      if (!f.hint.empty()) fo["hint"] = f.hint;
      if (f.required) fo["required"] = true;
      if (f.type == FieldType::kText || f.type == FieldType::kLongText) {
        fo["max_length"] = static_cast<std::int64_t>(f.max_length);
      }
      if (!f.pattern.empty()) fo["pattern"] = f.pattern;
      if (f.type == FieldType::kChoice)
        fo["choices"] = json::array(f.choices.begin(), f.choices.end());
      if (f.type == FieldType::kFile) {
        if (!f.accept.empty()) fo["accept"] = json::array(f.accept.begin(), f.accept.end());
        fo["max_bytes"] = static_cast<std::int64_t>(f.max_bytes);
      }
      fields.push_back(std::move(fo));
    }
    so["fields"] = std::move(fields);
    steps.push_back(std::move(so));
  }
  o["steps"] = std::move(steps);
  if (!d.consent.empty()) o["consent"] = d.consent;
  o["retention_days"] = d.retention_days;
  o["receipt"] = d.receipt;
  if (d.webhook_values) o["webhook_values"] = true;
  if (!d.allowed_origins.empty()) {
    o["allowed_origins"] = json::array(d.allowed_origins.begin(), d.allowed_origins.end());
  }
  return json::serialize(o);
}

std::vector<FieldProblem> CheckStep(const Step& step,
                                    const std::map<std::string, std::string>& values) {
  std::vector<FieldProblem> problems;
  for (const auto& f : step.fields) {
    if (f.type == FieldType::kFile) continue;  // checked as it streams in
    const auto it = values.find(f.name);
    const std::string value =
        it == values.end() ? std::string() : std::string(TrimWhitespace(it->second));
    const auto say = [&](std::string message) { problems.push_back({f.name, std::move(message)}); };
    if (value.empty()) {
      if (f.required) {
        say(f.type == FieldType::kCheckbox ? "Tick this to go on." : "This is required.");
      }
      continue;
    }
    switch (f.type) {
      case FieldType::kText:
      case FieldType::kLongText:
        if (!Readable(value, f.max_length, f.type == FieldType::kLongText)) {
          say("At most " + std::to_string(f.max_length) + " characters, please.");
        } else if (!f.pattern.empty()) {
          RE2::Options options;
          options.set_log_errors(false);
          options.set_max_mem(1 << 20);
          RE2 re(f.pattern, options);
          if (!re.ok() || !RE2::FullMatch(value, re)) say("This is not in the form asked for.");
        }
        break;
      case FieldType::kEmail:
        if (value.size() > 254 || !IsValidAddress(value)) {
          say("Enter an email address, like name@example.com.");
        }
        break;
      case FieldType::kDate:
        if (!IsDate(value)) say("Enter a date as year-month-day, like 1970-01-31.");
        break;
      case FieldType::kChoice:
        if (std::find(f.choices.begin(), f.choices.end(), value) == f.choices.end()) {
          say("Choose one of the answers offered.");
        }
        break;
      case FieldType::kCheckbox:
        if (value != "yes") say("Tick this or leave it empty.");
        break;
      case FieldType::kFile:
        break;
    }
  }
  // Names the step does not have are dropped by the caller; nothing here stores them.
  return problems;
}

std::vector<FieldProblem> CheckFile(const Field& field, std::string_view media_type,
                                    std::uint64_t size) {
  std::vector<FieldProblem> problems;
  if (!Accepts(field.accept, media_type)) {
    std::string kinds;
    for (const auto& a : field.accept) kinds += (kinds.empty() ? "" : ", ") + a;
    problems.push_back({field.name, "This kind of file is not taken here (only " + kinds + ")."});
  }
  if (size > field.max_bytes) {
    const std::uint64_t mb = 1024 * 1024;
    const std::string limit = field.max_bytes >= mb
                                  ? std::to_string(field.max_bytes / mb) + " MB"
                                  : std::to_string((field.max_bytes + 1023) / 1024) + " KB";
    problems.push_back({field.name, "This file is larger than the " + limit + " taken here."});
  }
  return problems;
}

}  // namespace sealpost::forms
