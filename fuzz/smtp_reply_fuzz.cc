// libFuzzer target: a remote mail server's replies and EHLO capabilities (the SMTP
// client's wire format, delivery/smtp_wire.h), fed in arbitrary pieces, and the content
// preparation (dot-stuffing, XText) on the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "delivery/smtp_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = 1 + data[0] % 61;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  sealpost::delivery::ReplyReader reader;
  std::string pending;
  for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
    pending.append(input.substr(pos, chunk));
    for (;;) {
      auto reply = reader.Feed(pending);
      if (!reply.ok()) return 0;  // a malformed reply ends the connection
      if (!reply->has_value()) break;
      (void)(*reply)->Summary();
      (void)sealpost::delivery::ParseEhlo(**reply);
    }
  }
  const std::string payload = sealpost::delivery::DataPayload(input);
  // Whatever came in, the payload never ends the transaction early.
  if (payload.find("\r\n.\r\n") != std::string::npos && payload.size() < 5) __builtin_trap();
  (void)sealpost::delivery::XText(input);
  (void)sealpost::delivery::DomainOf(input);
  return 0;
}
