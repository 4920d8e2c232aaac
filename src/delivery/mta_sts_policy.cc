#include "delivery/mta_sts_policy.h"

#include <algorithm>

#include "base/text.h"
#include "dns/records.h"

namespace sealpost::delivery {

namespace {

constexpr std::int64_t kMaxAge = 31557600;  // §3.2: one year at most
constexpr std::size_t kMaxMxPatterns = 100;

bool IsIdChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string WithoutDot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return AsciiLower(name);
}

}  // namespace

Result<std::string> FindStsRecordId(const std::vector<std::string>& txt_records) {
  auto tags = dns::FindTaggedTxtRecord(txt_records, "v=STSv1");
  if (!tags.ok()) return std::move(tags).error();
  auto id = tags->find("id");
  if (id == tags->end()) return MakeError(ErrorCode::kInvalidArgument, "MTA-STS record: no id");
  const std::string& value = id->second;
  if (value.empty() || value.size() > 32 || !std::all_of(value.begin(), value.end(), IsIdChar)) {
    return MakeError(ErrorCode::kInvalidArgument, "MTA-STS record: malformed id");
  }
  return value;
}

Result<StsPolicy> ParseStsPolicy(std::string_view text) {
  StsPolicy policy;
  bool version = false, mode = false, max_age = false;
  int line_number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (TrimWhitespace(line).empty()) continue;
    std::size_t colon = line.find(':');
    auto bad = [&](const std::string& what) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "MTA-STS policy line " + std::to_string(line_number) + ": " + what);
    };
    if (colon == std::string_view::npos) return bad("not \"key: value\"");
    std::string_view key = TrimWhitespace(line.substr(0, colon));
    std::string_view value = TrimWhitespace(line.substr(colon + 1));
    if (key == "version") {
      if (value != "STSv1") return bad("version is not STSv1");
      version = true;
    } else if (key == "mode") {
      if (value == "enforce") policy.mode = StsMode::kEnforce;
      else if (value == "testing") policy.mode = StsMode::kTesting;
      else if (value == "none") policy.mode = StsMode::kNone;
      else return bad("unknown mode");
      mode = true;
    } else if (key == "max_age") {
      if (value.empty() || value.size() > 10 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return bad("max_age is not a number");
      }
      policy.max_age = std::min<std::int64_t>(std::stoll(std::string(value)), kMaxAge);
      max_age = true;
    } else if (key == "mx") {
      if (value.empty()) return bad("empty mx");
      if (policy.mx.size() == kMaxMxPatterns) return bad("too many mx lines");
      policy.mx.push_back(WithoutDot(value));
    }
    // Other keys are for later versions of the policy: ignored (§3.2).
  }
  if (!version) return MakeError(ErrorCode::kInvalidArgument, "MTA-STS policy: no version");
  if (!mode) return MakeError(ErrorCode::kInvalidArgument, "MTA-STS policy: no mode");
  if (!max_age) return MakeError(ErrorCode::kInvalidArgument, "MTA-STS policy: no max_age");
  if (policy.mode != StsMode::kNone && policy.mx.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "MTA-STS policy: no mx");
  }
  return policy;
}

std::vector<std::string> StsPolicyLines(const StsPolicy& policy) {
  const char* mode = policy.mode == StsMode::kEnforce   ? "enforce"
                     : policy.mode == StsMode::kTesting ? "testing"
                                                        : "none";
  std::vector<std::string> lines{"version: STSv1", std::string("mode: ") + mode};
  for (const auto& mx : policy.mx) lines.push_back("mx: " + mx);
  lines.push_back("max_age: " + std::to_string(policy.max_age));
  return lines;
}

bool StsMxMatches(std::string_view pattern, std::string_view host) {
  std::string p = WithoutDot(pattern), h = WithoutDot(host);
  if (p.rfind("*.", 0) != 0) return p == h;
  std::size_t dot = h.find('.');
  if (dot == std::string::npos || dot == 0) return false;
  return h.substr(dot + 1) == p.substr(2);
}

}  // namespace sealpost::delivery
