// libFuzzer target: what an API caller's header fields become — X-API-Key, Authorization
// (Basic, Bearer), and a signed request's Signature-Input, Signature and Content-Digest
// (RFC 8941 dictionaries). Properties, not just "no crash": well-formed credentials have
// both halves; a parsed signature's serialized parameters parse again to the same
// components and the same serialization (the signature base is canonical); a digest is
// 32 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/credentials.h"
#include "api/http_signature.h"

namespace {

// The input's parts, separated by newlines.
std::string_view Part(std::string_view& rest) {
  const auto nl = rest.find('\n');
  std::string_view part = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  return part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sealpost::api;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view key = Part(rest), authorization = Part(rest), input = Part(rest),
                         signature = Part(rest), digest = Part(rest);

  const Credentials c = ReadCredentials(key, authorization);
  if (!c.malformed && (c.method == Credentials::Method::kApiKey ||
                       c.method == Credentials::Method::kBasic)) {
    if (c.id.empty() || c.secret.empty()) std::abort();
  }
  if (!c.malformed && c.method == Credentials::Method::kBearer && c.token.empty()) std::abort();

  auto parsed = ParseSignatures(input, signature);
  if (parsed.ok()) {
    for (const auto& m : *parsed) {
      auto again = ParseSignatures(m.input.label + "=" + m.input.serialized,
                                   m.input.label + "=:AAAA:");
      if (!again.ok() || again->size() != 1) std::abort();
      const SignatureInput& in = (*again)[0].input;
      if (in.serialized != m.input.serialized || in.components != m.input.components ||
          in.created != m.input.created || in.nonce != m.input.nonce ||
          in.keyid != m.input.keyid) {
        std::abort();
      }
    }
  }
  auto sha = ContentDigestSha256(digest);
  if (sha.ok() && sha->size() != 32) std::abort();
  (void)ParseScopes(input);
  return 0;
}
