// libFuzzer target: what a browser sends the portal besides multipart bodies —
// urlencoded form bodies, percent escapes, Cookie headers — and the router's path
// matching, on the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/message.h"
#include "http/router.h"

namespace {

const sealpost::http::Router& TheRouter() {
  static const sealpost::http::Router router = [] {
    sealpost::http::Router r;
    for (const char* pattern : {"/r/{rid}", "/r/{rid}/attachments/{n}", "/m/{token}",
                                "/api/v1/messages/{id}/events", "/inbox/open/{rid}",
                                "/account/confirm/{token}", "/healthz"}) {
      r.Add("GET", pattern, nullptr);
    }
    return r;
  }();
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)sealpost::http::ParseForm(input);
  (void)sealpost::http::PercentDecode(input);
  sealpost::http::Request req;
  req.headers.push_back({"Cookie", std::string(input)});
  for (const char* name : {"__Host-sp_link", "__Host-sp_session", "__Host-sp_account"}) {
    (void)req.cookie(name);
  }
  auto match = TheRouter().Match("GET", input);
  if (match.route && match.params.size() > 2) __builtin_trap();  // no pattern has three
  return 0;
}
