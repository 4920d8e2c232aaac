// What an API caller presents, read from its request header fields without I/O: the
// client's "id:secret" (X-API-Key, or HTTP Basic, RFC 7617) or an OAuth 2.0 bearer token
// (RFC 6750). And the scopes a client may hold, which say what its credentials reach.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "integrations/scopes.h"

namespace sealpost::api {

// The scopes (integrations/scopes.h), as the API has always named them.
using integrations::FormatScopes;
using integrations::kAdmin;
using integrations::kAllScopes;
using integrations::kAnyScope;
using integrations::kAuditRead;
using integrations::kCampaigns;
using integrations::kMessagesRead;
using integrations::kMessagesSend;
using integrations::kSenderScopes;
using integrations::ParseScopes;
using integrations::Scope;
using integrations::ScopeName;
using integrations::Scopes;

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
