// libFuzzer target: portal link tokens (the part of a notice's link after /m/, and the
// link cookie), which anyone can type, and the X-Sealpost-* header options a mail
// program sends, read into a request.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "escrow/link_token.h"
#include "submission/header_options.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto token = sealpost::ParseLinkToken(input);
  if (token.ok() && sealpost::FormatLinkToken(token->recipient_id, token->secret) != input) {
    __builtin_trap();  // a token that parses is exactly the one formatted from it
  }
  // "name=value" lines as header options.
  std::map<std::string, std::string> options;
  std::string_view rest = input;
  while (!rest.empty() && options.size() < 8) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    const auto eq = line.find('=');
    options[std::string(line.substr(0, eq))] =
        eq == std::string_view::npos ? "" : std::string(line.substr(eq + 1));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  sealpost::submission::Submission request;
  (void)sealpost::submission::ApplyHeaderOptions(options, sealpost::submission::RequestLimits{}, request);
  return 0;
}
