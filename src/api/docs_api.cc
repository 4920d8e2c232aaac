#include "api/docs_api.h"

#include <string_view>
#include <utility>

namespace sealpost::api {
namespace embedded {
extern const std::pair<std::string_view, std::string_view> kEmbedded[];
extern const std::size_t kEmbeddedCount;
}  // namespace embedded

namespace {

using boost::asio::awaitable;
using http::Response;

// Swagger UI builds its page with script; it needs no inline script, no eval and no
// other origin (the validator badge is off).
constexpr const char* kDocsPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

std::string_view Find(std::string_view name) {
  for (std::size_t i = 0; i < embedded::kEmbeddedCount; ++i) {
    if (embedded::kEmbedded[i].first == name) return embedded::kEmbedded[i].second;
  }
  return {};
}

const char* ContentTypeOf(std::string_view name) {
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  return "application/yaml";
}

Response Asset(std::string_view name, const char* cache_control) {
  std::string_view body = Find(name);
  if (body.empty()) return http::ProblemResponse(404, "Not found", "There is no such file.");
  Response r;
  r.body = std::string(body);
  r.Set("Content-Type", ContentTypeOf(name));
  r.Set("Cache-Control", cache_control);
  r.Set("Content-Security-Policy", kDocsPolicy);
  return r;
}

}  // namespace

void RegisterApiDocs(http::Router& router) {
  router.Add("GET", "/api/v1/openapi.yaml", [](http::Request&) -> awaitable<Response> {
    co_return Asset("openapi.yaml", "no-cache");
  });
  router.Add("GET", "/api/docs", [](http::Request&) -> awaitable<Response> {
    co_return Asset("index.html", "no-cache");
  });
  router.Add("GET", "/api/docs/{name}", [](http::Request& req) -> awaitable<Response> {
    // The page itself is /api/docs; only its scripts and stylesheet are files here.
    const std::string& name = req.params[0];
    if (name != "swagger-ui-bundle.js" && name != "swagger-ui.css" && name != "docs-init.js") {
      co_return http::ProblemResponse(404, "Not found", "There is no such file.");
    }
    co_return Asset(name, "public, max-age=3600");
  });
}

}  // namespace sealpost::api
