#include "delivery/mta_sts.h"

#include <algorithm>

#include "base/text.h"
#include "delivery/https_client.h"

namespace sealpost::delivery {

namespace asio = boost::asio;

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
  auto tags = FindTaggedTxtRecord(txt_records, "v=STSv1");
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

Status ApplyStsPolicy(const StsPolicy& policy, std::vector<Destination>& destinations) {
  if (policy.mode == StsMode::kNone) return OkStatus();
  if (policy.mode == StsMode::kTesting) {
    // §5: checked and reported, never enforced.
    for (auto& d : destinations) {
      if (d.authentication == Authentication::kNone && d.tls != TlsPolicy::kNone) {
        d.authentication = Authentication::kPkixReported;
      }
    }
    return OkStatus();
  }
  std::vector<Destination> kept;
  for (auto& d : destinations) {
    if (d.authentication == Authentication::kDane) {
      kept.push_back(std::move(d));
      continue;
    }
    bool listed = std::any_of(policy.mx.begin(), policy.mx.end(),
                              [&](const std::string& p) { return StsMxMatches(p, d.host); });
    if (!listed) continue;
    d.tls = TlsPolicy::kRequired;
    d.authentication = Authentication::kPkix;
    kept.push_back(std::move(d));
  }
  destinations = std::move(kept);
  if (destinations.empty()) {
    return MakeError(ErrorCode::kNotFound, "the MTA-STS policy lists none of the mail servers");
  }
  return OkStatus();
}

std::optional<StsPolicy> StsCache::Valid(const std::string& domain, std::int64_t now) const {
  auto it = entries_.find(domain);
  if (it == entries_.end() || it->second.expires_at <= now) return std::nullopt;
  return it->second.policy;
}

bool StsCache::IsNew(const std::string& domain, const std::string& id, std::int64_t now) const {
  auto policy = Valid(domain, now);
  return !policy || policy->id != id;
}

void StsCache::Put(const std::string& domain, StsPolicy policy, std::int64_t now) {
  std::int64_t expires_at = now + policy.max_age;
  Restore(domain, std::move(policy), expires_at);
}

void StsCache::Restore(const std::string& domain, StsPolicy policy, std::int64_t expires_at) {
  if (entries_.size() >= max_domains_ && !entries_.count(domain)) {
    auto first = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.expires_at < b.second.expires_at;
    });
    if (first != entries_.end()) entries_.erase(first);
  }
  entries_[domain] = Entry{std::move(policy), expires_at};
}

asio::awaitable<Result<std::string>> FetchStsPolicy(asio::any_io_executor executor,
                                                    asio::ssl::context& https,
                                                    const std::string& domain,
                                                    const std::string& address,
                                                    const MtaStsOptions& options) {
  HttpsRequest request;
  // §3.3: the server's certificate must be valid for mta-sts.DOMAIN, from a trusted CA.
  request.host = "mta-sts." + domain;
  request.address = address;
  request.port = options.port;
  request.target = "/.well-known/mta-sts.txt";
  request.timeout = options.timeout;
  request.max_response_bytes = options.max_policy_bytes;
  auto response = co_await HttpsExchange(std::move(executor), https, request);
  if (!response.ok()) {
    co_return MakeError(ErrorCode::kIo, "MTA-STS policy of " + domain + ": " + response.error().message);
  }
  auto failed = [&](const std::string& what) {
    return MakeError(ErrorCode::kIo, "MTA-STS policy of " + domain + ": " + what);
  };
  // Including 3xx: a redirect could hand the policy to someone else (§3.3).
  if (response->status != 200) co_return failed("HTTP " + std::to_string(response->status));
  if (response->content_type != "text/plain") co_return failed("not text/plain");
  co_return std::move(response->body);
}

}  // namespace sealpost::delivery
