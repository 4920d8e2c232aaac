// A settings layer as JSON, the form it is stored in and the admin CLI and API speak:
//   {"tls_only": true, "tls_exclusions": ["partner.example"], "verification": "login",
//    "default_question": {"question": "...", "answer": "..."}, "default_expiry_days": 30,
//    "fixed_subject": "...", "failure_action": "bounce" | "send-plain",
//    "content_rules": [{"keyword": "HIV"}, {"phrase": "lab results"}, {"regex": "..."}],
//    "preferred_address_book": "clinic", "namespace": "springfield",
//    "api_password_grant": false}
// Absent keys inherit. Unknown keys, wrong types and invalid values are errors naming
// the setting. Answers are secrets: callers encrypt the stored form (see org store).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/settings.h"

namespace sealpost::policy {

std::string SettingsToJson(const SettingsLayer& layer);
// Parses and validates (Validate()) a layer.
Result<SettingsLayer> SettingsFromJson(std::string_view json);

// Sets one setting from text, as the CLI takes it ("tls_only=true",
// "default_expiry_days=90", "tls_exclusions=a.example,*.b.example", "verification=login",
// "failure_action=send-plain", "default_question=Question?|answer"); "name=" unsets it.
Status SetFromText(SettingsLayer& layer, std::string_view assignment);

// Every setting's effective value in words and the level it comes from, in a fixed
// order, for people to read (the console's settings page): "on", "30 days", "none".
// A default question shows its question only: the answer is a secret.
struct SettingLine {
  std::string name;  // as SetFromText takes it ("tls_only", "default_question")
  std::string value;
  Level from = Level::kDefault;
};
std::vector<SettingLine> DescribeSettings(const EffectiveSettings& settings);

}  // namespace sealpost::policy
