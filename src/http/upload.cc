#include "http/upload.h"

#include <chrono>
#include <string>

#include "http/multipart.h"
#include "http/server.h"

namespace sealpost::http {

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;
}

boost::asio::awaitable<Status> StreamMultipart(BodyStream& body, MultipartParser& parser,
                                               Offloader& offloader) {
  std::string chunk(kReadChunk, '\0');
  for (;;) {
    auto n = co_await body.Read(chunk.data(), chunk.size());
    if (!n.ok()) co_return std::move(n).error();
    const std::size_t got = *n;
    Status fed = OkStatus();
    Status ran = co_await offloader.RunOffLoop(
        [&] {
          fed = got == 0 ? parser.Finish() : parser.Feed(std::string_view(chunk.data(), got));
        },
        std::chrono::steady_clock::now() + std::chrono::seconds(30));
    if (!ran.ok()) co_return ran;
    if (!fed.ok()) co_return fed;
    if (got == 0) co_return OkStatus();
  }
}

}  // namespace sealpost::http
