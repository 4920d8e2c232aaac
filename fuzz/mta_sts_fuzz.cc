// libFuzzer target: an MTA-STS policy file (RFC 8461 §3.2) as any HTTPS server for
// mta-sts.DOMAIN may serve it, and the mx patterns it carries matched against names.
#include <cstddef>
#include <cstdint>
#include <string>

#include "delivery/mta_sts_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto policy = sealpost::delivery::ParseStsPolicy(input);
  if (policy.ok()) {
    // What it parsed to reads back to the same policy.
    std::string again;
    for (const auto& line : sealpost::delivery::StsPolicyLines(*policy)) again += line + "\r\n";
    auto reparsed = sealpost::delivery::ParseStsPolicy(again);
    if (!reparsed.ok() || reparsed->mx != policy->mx || reparsed->max_age != policy->max_age ||
        reparsed->mode != policy->mode) {
      __builtin_trap();
    }
    for (const auto& pattern : policy->mx) {
      (void)sealpost::delivery::StsMxMatches(pattern, "mx1.mail.example.net");
    }
  }
  const auto newline = input.find('\n');
  (void)sealpost::delivery::StsMxMatches(input.substr(0, newline),
                                         newline == std::string_view::npos ? "" : input.substr(newline + 1));
  return 0;
}
