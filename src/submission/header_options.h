// The per-message choices a mail program sends in X-Sealpost-* header fields (question
// and answer, TLS-only opt-out, expiry), read into the request the API would have made.
// Untrusted: whatever an authenticated sender's mail program wrote; no I/O (fuzzed).
#pragma once

#include <map>
#include <string>

#include "api/message_request.h"

namespace sealpost::submission {

// Reads `options` (lower-cased names without "X-Sealpost-", and their values) into `m`;
// the reason, naming the field, when one is wrong, else "".
std::string ApplyHeaderOptions(const std::map<std::string, std::string>& options,
                               const api::RequestLimits& limits, api::MessageRequest& m);

}  // namespace sealpost::submission
