// A portal link token is "<recipient id>.<link secret, base64url>": the part of a
// notice's link after /m/, and the link cookie's value. Untrusted (anyone can type a
// link): parsed strictly, without I/O (fuzzed).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"

namespace sealpost {

struct LinkToken {
  std::string recipient_id;
  SecretBytes secret;
};
// kNotFound for anything that is not a 32-hex-digit id, a dot and 32 bytes of base64url.
Result<LinkToken> ParseLinkToken(std::string_view token);
std::string FormatLinkToken(const std::string& recipient_id, const SecretBytes& secret);

}  // namespace sealpost
