// libFuzzer target: an MTA-STS policy file (RFC 8461 §3.2) as any HTTPS server for
// mta-sts.DOMAIN may serve it, and the mx patterns it carries matched against names.
// (The parser is lenient, as §3.2 asks: an mx value it cannot use simply matches no
// host, so parsed policies need not print back byte for byte.)
#include <cstddef>
#include <cstdint>
#include <string>

#include "delivery/mta_sts_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto policy = sealpost::delivery::ParseStsPolicy(input);
  if (policy.ok()) {
    // The parser's promise: an mx list unless the mode is none, and a max_age within a year.
    if ((policy->mode != sealpost::delivery::StsMode::kNone && policy->mx.empty()) ||
        policy->max_age < 0 || policy->max_age > 31557600) {
      __builtin_trap();
    }
    (void)sealpost::delivery::StsPolicyLines(*policy);
    for (const auto& pattern : policy->mx) {
      (void)sealpost::delivery::StsMxMatches(pattern, "mx1.mail.example.net");
    }
  }
  const auto newline = input.find('\n');
  (void)sealpost::delivery::StsMxMatches(input.substr(0, newline),
                                         newline == std::string_view::npos ? "" : input.substr(newline + 1));
  return 0;
}
