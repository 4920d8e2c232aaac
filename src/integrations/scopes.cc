#include "integrations/scopes.h"

#include <algorithm>
#include <array>

#include "base/text.h"

namespace sealpost::integrations {
namespace {

constexpr std::array<std::pair<Scope, std::string_view>, 5> kScopeNames{{
    {kMessagesSend, "messages:send"},
    {kMessagesRead, "messages:read"},
    {kAdmin, "admin"},
    {kAuditRead, "audit:read"},
    {kCampaigns, "campaigns"},
}};

}  // namespace

Result<Scopes> ParseScopes(std::string_view text) {
  Scopes out = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view name = text.substr(i, end - i);
    auto it = std::find_if(kScopeNames.begin(), kScopeNames.end(),
                           [&](const auto& s) { return s.second == name; });
    if (it == kScopeNames.end()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "unknown scope \"" + SanitizeForLog(name, 40) +
                           "\" (known: messages:send messages:read admin audit:read campaigns)",
                       "scopes");
    }
    out |= it->first;
    i = end;
  }
  return out;
}

std::string FormatScopes(Scopes scopes) {
  std::string out;
  for (const auto& [scope, name] : kScopeNames) {
    if (!(scopes & scope)) continue;
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out;
}

std::string_view ScopeName(Scope scope) {
  for (const auto& [s, name] : kScopeNames) {
    if (s == scope) return name;
  }
  return "";
}

}  // namespace sealpost::integrations
