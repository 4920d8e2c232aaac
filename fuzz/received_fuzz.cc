// libFuzzer target: the Received-header analyser (issue 26), which reads headers people
// paste into the API, the portal and the CLI: no crash, no hang, every answer valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/text.h"
#include "received/received.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto path = sealpost::received::Analyse(input);
  if (path.ok()) {
    if (!sealpost::IsValidUtf8(sealpost::received::FormatText(*path)) ||
        !sealpost::IsValidUtf8(sealpost::received::FormatJson(*path))) {
      std::abort();
    }
  }
  return 0;
}
