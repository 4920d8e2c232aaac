// Standard Webhooks signatures (standardwebhooks.com, "Signature scheme"): the sender
// signs "<webhook-id>.<webhook-timestamp>.<body>" with HMAC-SHA256 under each of the
// endpoint's secrets ("whsec_" + base64 of the key) and sends
// "v1,<base64 signature>" for each, space-separated, in `webhook-signature`. Two
// secrets are valid while a rotation's grace period lasts, so a receiver that has the
// old or the new one accepts the message. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealpost::webhooks {

// A new secret: "whsec_" and 32 random bytes in base64.
std::string NewSecret();

// The header's value for `body`, signed by each of `secrets` ("whsec_..."), in order.
// kInvalidArgument when a secret is not one.
Result<std::string> Sign(const std::vector<std::string>& secrets, std::string_view id,
                         std::int64_t timestamp, std::string_view body);

// A new message id for the `webhook-id` header: "msg_" and 32 hex digits; the same for
// every attempt at one delivery, so receivers can drop duplicates.
std::string NewMessageId();

}  // namespace sealpost::webhooks
