// libFuzzer target: DKIM's view of an outgoing message — split into header fields and
// body, each canonicalised both ways (RFC 6376 §3.4). The message may hold anything a
// sender put in it.
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
  return 0;
}
