// What an API client may do: the scopes its credentials carry (RFC 6749 §3.3 names),
// parsed and written without I/O. Below the API and the console, which both issue
// clients.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealpost::integrations {

// What a client may do. A client bound to a user holds at most the messages scopes.
enum Scope : std::uint8_t {
  kAnyScope = 0,      // any authenticated client (its own sessions)
  kMessagesSend = 1,  // send, retract, extend
  kMessagesRead = 2,  // status, events, the message list
  kAdmin = 4,         // the organisation: settings, books, namespaces, clients
  kAuditRead = 8,     // the audit trail: search and export
  kCampaigns = 16,    // contacts, lists, segments, templates, campaigns (issue 25)
};
using Scopes = std::uint8_t;
inline constexpr Scopes kAllScopes =
    kMessagesSend | kMessagesRead | kAdmin | kAuditRead | kCampaigns;
inline constexpr Scopes kSenderScopes = kMessagesSend | kMessagesRead;

// "messages:send admin" → the set; kInvalidArgument naming an unknown scope. Empty text
// is the empty set.
Result<Scopes> ParseScopes(std::string_view text);
// The set as RFC 6749 writes it: names separated by single spaces, in a fixed order.
std::string FormatScopes(Scopes scopes);
// "messages:send" for one scope.
std::string_view ScopeName(Scope scope);

}  // namespace sealpost::integrations
