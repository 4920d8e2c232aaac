#include "escrow/link_token.h"

#include "base/encoding.h"
#include "base/text.h"

namespace sealpost {

Result<LinkToken> ParseLinkToken(std::string_view token) {
  auto dot = token.find('.');
  if (dot == std::string_view::npos || !IsHexId(token.substr(0, dot))) {
    return MakeError(ErrorCode::kNotFound, "not a message link");
  }
  auto secret = Base64UrlDecodeSecret(token.substr(dot + 1));
  if (!secret || secret->size() != 32) return MakeError(ErrorCode::kNotFound, "not a message link");
  return LinkToken{std::string(token.substr(0, dot)), std::move(*secret)};
}

std::string FormatLinkToken(const std::string& recipient_id, const SecretBytes& secret) {
  return recipient_id + "." + Base64UrlEncode(secret.view());
}

}  // namespace sealpost
