// libFuzzer target: DKIM's view of an outgoing message — split into header fields and
// body, each canonicalised both ways (RFC 6376 §3.4), and the body hashed piece by piece
// as the whole is. The message may hold anything a sender put in it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dkim/dkim.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto split = sealpost::dkim::Split(input);
  if (!split.ok()) return 0;
  for (auto canon : {sealpost::dkim::Canon::kSimple, sealpost::dkim::Canon::kRelaxed}) {
    for (const auto& field : split->fields) (void)sealpost::dkim::CanonicalHeader(field, canon);
    const std::string body = sealpost::dkim::CanonicalBody(split->body, canon);
    // A canonical body ends in exactly one CRLF (or is empty, relaxed).
    if (body.size() >= 4 && body.compare(body.size() - 4, 4, "\r\n\r\n") == 0) __builtin_trap();
  }
  // The body hashed piece by piece (as a large message leaves) hashes as the whole: cut
  // where the input's first byte says.
  const std::size_t step = 1 + (size ? data[0] % 7 : 0);
  sealpost::dkim::RelaxedBodyHasher hasher;
  for (std::size_t pos = 0; pos < split->body.size(); pos += step) {
    hasher.Update(split->body.substr(pos, step));
  }
  if (hasher.Final() != sealpost::dkim::BodyHash(split->body, sealpost::dkim::Canon::kRelaxed)) {
    __builtin_trap();
  }
  return 0;
}
