#include "webhooks/signature.h"

#include "base/encoding.h"
#include "base/secret.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "crypto/random.h"

namespace sealpost::webhooks {
namespace {

constexpr std::string_view kPrefix = "whsec_";

}  // namespace

std::string NewSecret() { return std::string(kPrefix) + Base64Encode(RandomBytes(32)); }

std::string NewMessageId() { return "msg_" + NewId(); }

Result<std::string> Sign(const std::vector<std::string>& secrets, std::string_view id,
                         std::int64_t timestamp, std::string_view body) {
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  std::string header;
  for (const auto& secret : secrets) {
    if (secret.rfind(kPrefix, 0) != 0) {
      return MakeError(ErrorCode::kInvalidArgument, "a webhook secret starts with whsec_");
    }
    auto decoded = Base64Decode(std::string_view(secret).substr(kPrefix.size()));
    if (!decoded || decoded->empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "a webhook secret is base64 after whsec_");
    }
    SecretBytes key(decoded->data(), decoded->size());
    WipeMemory(decoded->data(), decoded->size());
    if (!header.empty()) header += ' ';
    header += "v1," + Base64Encode(HmacSha256(key, content));
  }
  return header;
}

}  // namespace sealpost::webhooks
