// libFuzzer target: the API's JSON message request (POST /api/v1/messages), parsed and
// checked field by field as the server does before anything is stored.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/message_request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  sealpost::submission::RequestLimits limits;
  limits.max_attachment_bytes = 64 * 1024;
  (void)sealpost::api::ParseMessageRequest(input, limits);
  return 0;
}
