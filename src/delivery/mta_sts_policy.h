// MTA-STS records and policies (RFC 8461) as text: finding the record's id, parsing
// the policy file, matching its mx patterns. Pure functions, no I/O: they see what any
// DNS server and any HTTPS server on the path put in front of them (fuzzed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealpost::delivery {

// The id of the one "v=STSv1" record among a name's TXT records. kNotFound when there
// is none, or more than one (§3.1: then the domain has no policy); kInvalidArgument
// when the record is malformed.
Result<std::string> FindStsRecordId(const std::vector<std::string>& txt_records);

enum class StsMode { kEnforce, kTesting, kNone };

struct StsPolicy {
  StsMode mode = StsMode::kNone;
  std::vector<std::string> mx;  // patterns: "mail.example.com" or "*.example.com"
  std::int64_t max_age = 0;     // seconds
  std::string id;               // from the record it was fetched under
};

// The policy file (§3.2): "key: value" lines; version STSv1, mode and max_age needed,
// mx needed unless the mode is none. kInvalidArgument naming what is wrong.
Result<StsPolicy> ParseStsPolicy(std::string_view text);

// The policy as its lines, for TLS reports' policy-string (RFC 8460 §4.4).
std::vector<std::string> StsPolicyLines(const StsPolicy& policy);

// §4.1: case-insensitive, "*." matching exactly one leftmost label.
bool StsMxMatches(std::string_view pattern, std::string_view host);

}  // namespace sealpost::delivery
