#include "policy/settings_json.h"

#include <boost/json.hpp>

#include <charconv>

#include "base/text.h"

namespace sealpost::policy {
namespace json = boost::json;
namespace {

Error Bad(const std::string& field, const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument, why, field);
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = TrimWhitespace(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

std::string SettingsToJson(const SettingsLayer& l) {
  json::object o;
  if (l.tls_only) o["tls_only"] = *l.tls_only;
  if (l.tls_exclusions) {
    json::array a;
    for (const auto& p : *l.tls_exclusions) a.emplace_back(p);
    o["tls_exclusions"] = std::move(a);
  }
  if (l.verification) o["verification"] = VerificationModeName(*l.verification);
  if (l.default_question) {
    o["default_question"] = {{"question", l.default_question->question},
                             {"answer", l.default_question->answer}};
  }
  if (l.default_expiry_days) o["default_expiry_days"] = *l.default_expiry_days;
  if (l.fixed_subject) o["fixed_subject"] = *l.fixed_subject;
  if (l.failure_action) o["failure_action"] = FailureActionName(*l.failure_action);
  if (l.content_rules) {
    json::array a;
    for (const auto& r : *l.content_rules) {
      const char* kind = r.kind == ContentRuleSpec::Kind::kKeyword  ? "keyword"
                         : r.kind == ContentRuleSpec::Kind::kPhrase ? "phrase"
                                                                    : "regex";
      a.push_back(json::object{{kind, r.pattern}});
    }
    o["content_rules"] = std::move(a);
  }
  if (l.preferred_address_book) o["preferred_address_book"] = *l.preferred_address_book;
  if (l.namespace_name) o["namespace"] = *l.namespace_name;
  if (l.api_password_grant) o["api_password_grant"] = *l.api_password_grant;
  if (l.console_two_step) o["console_two_step"] = *l.console_two_step;
  return json::serialize(o);
}

namespace {

std::string OnOff(bool on) { return on ? "on" : "off"; }

std::string ListOrNone(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "none" : out;
}

}  // namespace

std::vector<SettingLine> DescribeSettings(const EffectiveSettings& s) {
  std::vector<SettingLine> out;
  out.push_back({"tls_only", OnOff(s.tls_only.value), s.tls_only.from});
  out.push_back({"tls_exclusions", ListOrNone(s.tls_exclusions.value), s.tls_exclusions.from});
  out.push_back({"verification", VerificationModeName(s.verification.value), s.verification.from});
  out.push_back(
      {"default_question",
       s.default_question.value ? s.default_question.value->question + " (answer set)" : "none",
       s.default_question.from});
  out.push_back({"default_expiry_days", std::to_string(s.default_expiry_days.value) + " days",
                 s.default_expiry_days.from});
  out.push_back({"fixed_subject", s.fixed_subject.value.value_or("none"), s.fixed_subject.from});
  out.push_back(
      {"failure_action", FailureActionName(s.failure_action.value), s.failure_action.from});
  std::vector<std::string> rules;
  for (const auto& r : s.content_rules.value) {
    const char* kind = r.kind == ContentRuleSpec::Kind::kKeyword  ? "keyword"
                       : r.kind == ContentRuleSpec::Kind::kPhrase ? "phrase"
                                                                  : "regex";
    rules.push_back(std::string(kind) + " " + r.pattern);
  }
  out.push_back({"content_rules",
                 rules.empty() ? "none: every message is encrypted" : ListOrNone(rules),
                 s.content_rules.from});
  out.push_back({"preferred_address_book", s.preferred_address_book.value.value_or("none"),
                 s.preferred_address_book.from});
  out.push_back({"namespace", s.namespace_name.value.value_or("none (the shared portal)"),
                 s.namespace_name.from});
  out.push_back(
      {"api_password_grant", OnOff(s.api_password_grant.value), s.api_password_grant.from});
  out.push_back({"console_two_step", OnOff(s.console_two_step.value), s.console_two_step.from});
  return out;
}

Result<SettingsLayer> SettingsFromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Bad("settings", "must be a JSON object");
  SettingsLayer l;
  for (const auto& [key, value] : v.get_object()) {
    const std::string k(key);
    if (k == "tls_only") {
      if (!value.is_bool()) return Bad(k, "must be true or false");
      l.tls_only = value.get_bool();
    } else if (k == "api_password_grant" || k == "console_two_step") {
      if (!value.is_bool()) return Bad(k, "must be true or false");
      (k == "api_password_grant" ? l.api_password_grant : l.console_two_step) = value.get_bool();
    } else if (k == "tls_exclusions") {
      if (!value.is_array()) return Bad(k, "must be a list");
      std::vector<std::string> list;
      for (const auto& item : value.get_array()) {
        if (!item.is_string()) return Bad(k, "must be a list of strings");
        list.emplace_back(item.get_string());
      }
      l.tls_exclusions = std::move(list);
    } else if (k == "verification") {
      if (value == "question") l.verification = VerificationMode::kQuestion;
      else if (value == "login") l.verification = VerificationMode::kLogin;
      else return Bad(k, "must be \"question\" or \"login\"");
    } else if (k == "default_question") {
      const auto* q = value.is_object() ? value.get_object().if_contains("question") : nullptr;
      const auto* a = value.is_object() ? value.get_object().if_contains("answer") : nullptr;
      if (!q || !a || !q->is_string() || !a->is_string() || value.get_object().size() != 2) {
        return Bad(k, "must be {\"question\": ..., \"answer\": ...}");
      }
      l.default_question = QuestionAnswer{std::string(q->get_string()), std::string(a->get_string())};
    } else if (k == "default_expiry_days") {
      if (!value.is_int64()) return Bad(k, "must be a whole number of days");
      l.default_expiry_days = static_cast<int>(std::clamp<std::int64_t>(value.get_int64(), -1, 100000));
    } else if (k == "fixed_subject") {
      if (!value.is_string()) return Bad(k, "must be a string");
      l.fixed_subject = std::string(value.get_string());
    } else if (k == "failure_action") {
      if (value == "bounce") l.failure_action = FailureAction::kBounce;
      else if (value == "send-plain") l.failure_action = FailureAction::kSendPlain;
      else return Bad(k, "must be \"bounce\" or \"send-plain\"");
    } else if (k == "content_rules") {
      if (!value.is_array()) return Bad(k, "must be a list");
      std::vector<ContentRuleSpec> rules;
      for (const auto& item : value.get_array()) {
        const std::string field = "content_rules[" + std::to_string(rules.size()) + "]";
        if (!item.is_object() || item.get_object().size() != 1) {
          return Bad(field, "must be {\"keyword\"|\"phrase\"|\"regex\": \"...\"}");
        }
        const auto& [rk, rv] = *item.get_object().begin();
        if (!rv.is_string()) return Bad(field, "pattern must be a string");
        ContentRuleSpec spec;
        spec.pattern = std::string(rv.get_string());
        if (rk == "keyword") spec.kind = ContentRuleSpec::Kind::kKeyword;
        else if (rk == "phrase") spec.kind = ContentRuleSpec::Kind::kPhrase;
        else if (rk == "regex") spec.kind = ContentRuleSpec::Kind::kRegex;
        else return Bad(field, "must be a keyword, phrase or regex");
        rules.push_back(std::move(spec));
      }
      l.content_rules = std::move(rules);
    } else if (k == "preferred_address_book") {
      if (!value.is_string() || value.get_string().empty()) return Bad(k, "must be a book name");
      l.preferred_address_book = std::string(value.get_string());
    } else if (k == "namespace") {
      if (!value.is_string()) return Bad(k, "must be a namespace name");
      l.namespace_name = std::string(value.get_string());
    } else {
      return Bad(SanitizeForLog(k, 64), "is not a setting");
    }
  }
  auto status = Validate(l);
  if (!status.ok()) return std::move(status).error();
  return l;
}

Status SetFromText(SettingsLayer& layer, std::string_view assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string_view::npos) return Bad("setting", "expected name=value");
  const std::string name(TrimWhitespace(assignment.substr(0, eq)));
  const std::string_view value = TrimWhitespace(assignment.substr(eq + 1));
  SettingsLayer l = layer;
  const bool unset = value.empty();
  if (name == "tls_only" || name == "api_password_grant" || name == "console_two_step") {
    std::optional<bool>& field = name == "tls_only"             ? l.tls_only
                                 : name == "api_password_grant" ? l.api_password_grant
                                                                : l.console_two_step;
    if (unset)
      field.reset();
    else if (value == "true" || value == "yes" || value == "on")
      field = true;
    else if (value == "false" || value == "no" || value == "off")
      field = false;
    else return Bad(name, "must be true or false");
  } else if (name == "tls_exclusions") {
    if (unset) l.tls_exclusions.reset();
    else l.tls_exclusions = SplitList(value);
  } else if (name == "verification") {
    if (unset) l.verification.reset();
    else if (value == "question") l.verification = VerificationMode::kQuestion;
    else if (value == "login") l.verification = VerificationMode::kLogin;
    else return Bad(name, "must be question or login");
  } else if (name == "default_question") {
    if (unset) {
      l.default_question.reset();
    } else {
      auto bar = value.find('|');
      if (bar == std::string_view::npos) return Bad(name, "must be question|answer");
      l.default_question = QuestionAnswer{std::string(TrimWhitespace(value.substr(0, bar))),
                                          std::string(TrimWhitespace(value.substr(bar + 1)))};
    }
  } else if (name == "default_expiry_days") {
    if (unset) {
      l.default_expiry_days.reset();
    } else {
      int days = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), days);
      if (ec != std::errc() || p != value.data() + value.size()) {
        return Bad(name, "must be a whole number of days");
      }
      l.default_expiry_days = days;
    }
  } else if (name == "fixed_subject") {
    if (unset) l.fixed_subject.reset();
    else l.fixed_subject = std::string(value);
  } else if (name == "failure_action") {
    if (unset) l.failure_action.reset();
    else if (value == "bounce") l.failure_action = FailureAction::kBounce;
    else if (value == "send-plain") l.failure_action = FailureAction::kSendPlain;
    else return Bad(name, "must be bounce or send-plain");
  } else if (name == "preferred_address_book") {
    if (unset) l.preferred_address_book.reset();
    else l.preferred_address_book = std::string(value);
  } else if (name == "namespace") {
    if (unset) l.namespace_name.reset();
    else l.namespace_name = std::string(value);
  } else if (name == "content_rules") {
    return Bad(name, "set content rules from a JSON file (settings import)");
  } else {
    return Bad(SanitizeForLog(name, 64), "is not a setting");
  }
  auto status = Validate(l);
  if (!status.ok()) return status;
  layer = std::move(l);  // nothing half-changed: only a valid layer replaces the old one
  return OkStatus();
}

}  // namespace sealpost::policy
