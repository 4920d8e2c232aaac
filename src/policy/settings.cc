#include "policy/settings.h"

#include "base/text.h"
#include "mime/address.h"
#include "policy/content_rules.h"
#include "policy/namespaces.h"

namespace sealpost::policy {

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDefault: return "default";
    case Level::kAccount: return "account";
    case Level::kDomain: return "domain";
    case Level::kUser: return "user";
  }
  return "?";
}

const char* VerificationModeName(VerificationMode mode) {
  return mode == VerificationMode::kLogin ? "login" : "question";
}

const char* FailureActionName(FailureAction action) {
  return action == FailureAction::kSendPlain ? "send-plain" : "bounce";
}

namespace {

template <typename T, typename U>
void Apply(Sourced<T>& out, const std::optional<U>& value, Level level) {
  if (value) {
    out.value = *value;
    out.from = level;
  }
}

void ApplyLayer(EffectiveSettings& e, const SettingsLayer& l, Level level) {
  Apply(e.tls_only, l.tls_only, level);
  Apply(e.tls_exclusions, l.tls_exclusions, level);
  Apply(e.verification, l.verification, level);
  Apply(e.default_question, l.default_question, level);
  Apply(e.default_expiry_days, l.default_expiry_days, level);
  Apply(e.fixed_subject, l.fixed_subject, level);
  Apply(e.failure_action, l.failure_action, level);
  Apply(e.content_rules, l.content_rules, level);
  Apply(e.preferred_address_book, l.preferred_address_book, level);
  Apply(e.namespace_name, l.namespace_name, level);
  Apply(e.api_password_grant, l.api_password_grant, level);
  Apply(e.console_two_step, l.console_two_step, level);
}

bool ValidDomainPattern(std::string_view p) {
  if (p.starts_with("*.")) p.remove_prefix(2);
  return IsValidAddress(std::string("x@") + std::string(p));
}

}  // namespace

EffectiveSettings Resolve(const SettingsLayer& account, const SettingsLayer* domain,
                          const SettingsLayer* user) {
  EffectiveSettings e;
  ApplyLayer(e, account, Level::kAccount);
  if (domain) ApplyLayer(e, *domain, Level::kDomain);
  if (user) ApplyLayer(e, *user, Level::kUser);
  return e;
}

Status Validate(const SettingsLayer& l) {
  if (l.default_expiry_days && (*l.default_expiry_days < 1 || *l.default_expiry_days > 3650)) {
    return MakeError(ErrorCode::kInvalidArgument, "must be from 1 to 3650 days",
                     "default_expiry_days");
  }
  if (l.tls_exclusions) {
    for (const auto& p : *l.tls_exclusions) {
      bool ok = p.find('@') != std::string::npos ? IsValidAddress(p) : ValidDomainPattern(p);
      if (!ok) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "\"" + SanitizeForLog(p, 100) +
                             "\" is not an address, a domain or *.domain",
                         "tls_exclusions");
      }
    }
  }
  if (l.default_question &&
      (TrimWhitespace(l.default_question->question).empty() ||
       TrimWhitespace(l.default_question->answer).empty())) {
    return MakeError(ErrorCode::kInvalidArgument, "needs both a question and an answer",
                     "default_question");
  }
  if (l.fixed_subject && l.fixed_subject->find_first_of("\r\n") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "must be one line", "fixed_subject");
  }
  if (l.namespace_name && !IsNamespaceName(*l.namespace_name)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "must be a namespace name (lower-case letters, digits and '-')", "namespace");
  }
  if (l.content_rules) {
    auto compiled = ContentRules::Compile(*l.content_rules);
    if (!compiled.ok()) return std::move(compiled).error();
  }
  return OkStatus();
}

bool IsExcludedFromTls(const std::vector<std::string>& patterns, std::string_view address) {
  const std::string domain = DomainOfAddress(address);
  for (const auto& raw : patterns) {
    std::string p = AsciiLower(raw);
    if (p.find('@') != std::string::npos) {
      if (AsciiLower(address) == p) return true;
    } else if (p.starts_with("*.")) {
      std::string_view suffix = std::string_view(p).substr(1);  // ".example.net"
      if (domain.size() > suffix.size() && domain.ends_with(suffix)) return true;
    } else if (domain == p) {
      return true;
    }
  }
  return false;
}

}  // namespace sealpost::policy
