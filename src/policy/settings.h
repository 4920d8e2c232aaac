// Policy settings at three levels — account, domain, user — where a lower level
// overrides a higher one, field by field. Resolving remembers where each effective
// value came from, so every decision can say why ("TLS-only: on (domain)").
// Pure data and functions; thread-safe as values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sealpost::policy {

enum class Level { kDefault, kAccount, kDomain, kUser };
const char* LevelName(Level level);

enum class VerificationMode { kQuestion, kLogin };
enum class FailureAction { kSendPlain, kBounce };

const char* VerificationModeName(VerificationMode mode);
const char* FailureActionName(FailureAction action);

struct QuestionAnswer {
  std::string question;
  std::string answer;
};

// What one content rule matches: a keyword (whole word), a phrase (words in order),
// or an RE2 regular expression. Case is ignored for keywords and phrases.
struct ContentRuleSpec {
  enum class Kind { kKeyword, kPhrase, kRegex };
  Kind kind = Kind::kKeyword;
  std::string pattern;
};

// One level's settings: each unset field inherits from the level above.
struct SettingsLayer {
  std::optional<bool> tls_only;
  std::optional<std::vector<std::string>> tls_exclusions;  // addresses, domains, *.domains
  std::optional<VerificationMode> verification;
  std::optional<QuestionAnswer> default_question;
  std::optional<int> default_expiry_days;
  std::optional<std::string> fixed_subject;
  std::optional<FailureAction> failure_action;
  std::optional<std::vector<ContentRuleSpec>> content_rules;  // empty list: encrypt everything
  std::optional<std::string> preferred_address_book;
  std::optional<std::string> namespace_name;  // the namespace its recipients' accounts are in
  // Whether an API client of the account may get a token for this user with the user's
  // password (the OAuth resource-owner password grant, which RFC 9700 deprecates: off
  // unless an administrator turns it on).
  std::optional<bool> api_password_grant;
  // Whether the account's people must use two-step sign-in in the web console (they
  // set it up at their next sign-in, before anything else).
  std::optional<bool> console_two_step;
};

template <typename T>
struct Sourced {
  T value;
  Level from = Level::kDefault;
};

struct EffectiveSettings {
  Sourced<bool> tls_only{false};
  Sourced<std::vector<std::string>> tls_exclusions{};
  Sourced<VerificationMode> verification{VerificationMode::kQuestion};
  Sourced<std::optional<QuestionAnswer>> default_question{};
  Sourced<int> default_expiry_days{30};
  Sourced<std::optional<std::string>> fixed_subject{};
  Sourced<FailureAction> failure_action{FailureAction::kBounce};
  Sourced<std::vector<ContentRuleSpec>> content_rules{};
  Sourced<std::optional<std::string>> preferred_address_book{};
  Sourced<std::optional<std::string>> namespace_name{};
  Sourced<bool> api_password_grant{false};
  Sourced<bool> console_two_step{false};
};

// `domain` and `user` may be null (an account-wide sender, a domain without users).
EffectiveSettings Resolve(const SettingsLayer& account, const SettingsLayer* domain,
                          const SettingsLayer* user);

// Checks one layer: expiry 1..3650 days, exclusion patterns, regular expressions,
// a question with its answer. kInvalidArgument naming the setting.
Status Validate(const SettingsLayer& layer);

// Whether `address` is excluded from TLS-only by one of `patterns`: an exact address,
// a domain ("example.net"), or every subdomain of one ("*.example.net").
bool IsExcludedFromTls(const std::vector<std::string>& patterns, std::string_view address);

}  // namespace sealpost::policy
