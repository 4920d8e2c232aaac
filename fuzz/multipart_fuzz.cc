// libFuzzer target: the streaming multipart/form-data parser, fed in arbitrary pieces.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/multipart.h"

namespace {

class Sink final : public sealpost::http::MultipartSink {
 public:
  sealpost::Status OnPartBegin(const sealpost::http::PartInfo&) override { return sealpost::OkStatus(); }
  sealpost::Status OnPartData(std::string_view) override { return sealpost::OkStatus(); }
  sealpost::Status OnPartEnd() override { return sealpost::OkStatus(); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = 1 + data[0] % 97;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  Sink sink;
  sealpost::http::MultipartParser parser("boundary42", sink);
  for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
    if (!parser.Feed(input.substr(pos, chunk)).ok()) return 0;
  }
  (void)parser.Finish();
  return 0;
}
