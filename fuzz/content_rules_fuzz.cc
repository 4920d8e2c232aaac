// libFuzzer target: administrators' content rules (keywords, phrases, RE2 expressions)
// compiled and matched against message text. The first byte picks the rule kind; the
// pattern runs to the first newline; the rest is the text matched.
#include <cstddef>
#include <cstdint>
#include <string>

#include "policy/content_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto newline = input.find('\n');
  const std::string_view pattern = input.substr(0, newline);
  const std::string_view text = newline == std::string_view::npos ? "" : input.substr(newline + 1);
  sealpost::policy::ContentRuleSpec spec;
  spec.kind = static_cast<sealpost::policy::ContentRuleSpec::Kind>(data[0] % 3);
  spec.pattern = std::string(pattern);
  auto rules = sealpost::policy::ContentRules::Compile({spec});
  if (!rules.ok()) return 0;
  (void)rules->Match(text, text, {text});
  return 0;
}
