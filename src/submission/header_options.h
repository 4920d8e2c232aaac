// The per-message choices a mail program sends in X-Sealpost-* header fields (question
// and answer, TLS-only opt-out, expiry), read into the request the API would have made.
// Untrusted: whatever an authenticated sender's mail program wrote; no I/O (fuzzed).
#pragma once

#include <map>
#include <string>

#include "submission/submission.h"

namespace sealpost::submission {

// Reads `options` (lower-cased names without "X-Sealpost-", and their values) into `m`,
// checked as the API checks its options; the reason, naming the field, when one is
// wrong, else "".
std::string ApplyHeaderOptions(const std::map<std::string, std::string>& options,
                               const RequestLimits& limits, Submission& m);

}  // namespace sealpost::submission
