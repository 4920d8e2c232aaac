// What an API caller presents, read from its request header fields without I/O: the
// client's "id:secret" (X-API-Key, or HTTP Basic, RFC 7617) or an OAuth 2.0 bearer token
// (RFC 6750). And the scopes a client may hold, which say what its credentials reach.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealpost::api {

// What a client may do. A client bound to a user holds at most the messages scopes.
enum Scope : std::uint8_t {
  kAnyScope = 0,      // any authenticated client (its own sessions)
  kMessagesSend = 1,  // send, retract, extend
  kMessagesRead = 2,  // status, events, the message list
  kAdmin = 4,         // the organisation: settings, books, namespaces, clients
  kAuditRead = 8,     // the audit trail: search and export
};
using Scopes = std::uint8_t;
inline constexpr Scopes kAllScopes = kMessagesSend | kMessagesRead | kAdmin | kAuditRead;
inline constexpr Scopes kSenderScopes = kMessagesSend | kMessagesRead;

// "messages:send admin" → the set; kInvalidArgument naming an unknown scope. Empty text
// is the empty set.
Result<Scopes> ParseScopes(std::string_view text);
// The set as RFC 6749 writes it: names separated by single spaces, in a fixed order.
std::string FormatScopes(Scopes scopes);
// "messages:send" for one scope.
std::string_view ScopeName(Scope scope);

struct Credentials {
  enum class Method { kNone, kApiKey, kBasic, kBearer, kSignature };
  Method method = Method::kNone;
  // Presented in a form its method does not allow (a Basic value that is not base64 of
  // "id:secret", both X-API-Key and Authorization, an unknown scheme...).
  bool malformed = false;
  std::string id;      // kApiKey, kBasic
  std::string secret;  // kApiKey, kBasic
  std::string token;   // kBearer
};

// From the values of X-API-Key and Authorization (empty when absent).
Credentials ReadCredentials(std::string_view x_api_key, std::string_view authorization);

// "api_key", "basic", "bearer", "signature" (the audit trail's name for the method),
// "none".
std::string_view MethodName(Credentials::Method method);

// An id (of a client, a message …) is 32 lower-case hex digits: what the trail may name
// of a refused credential (anything else in its place could be a secret pasted in the
// wrong field).
bool LooksLikeId(std::string_view id);

}  // namespace sealpost::api
