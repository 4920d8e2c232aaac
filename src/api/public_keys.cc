#include "api/public_keys.h"

#include <spdlog/spdlog.h>

#include <optional>

namespace sealpost::api {

void PublicKeys::Register(http::Router& router) {
  router.Add("GET", "/keys/{domain}/openpgp.asc",
             [this](http::Request& req) { return Serve(req, "pgp"); });
  router.Add("GET", "/keys/{domain}/smime.pem",
             [this](http::Request& req) { return Serve(req, "smime"); });
}

boost::asio::awaitable<http::Response> PublicKeys::Serve(http::Request& req, const char* kind) {
  const std::string domain = req.params[0];
  auto found = co_await http::Offload<std::string>(
      offloader_, [&] { return identities_.PublicPartForDomain(domain, kind); });
  if (!found.ok()) {
    const ErrorCode code = found.error().code;
    if (code != ErrorCode::kNotFound && code != ErrorCode::kUnavailable) {
      spdlog::error("keys[{}]: {}", req.id, found.error().ToString());
    }
    co_return http::ProblemFromError(code == ErrorCode::kNotFound
                                         ? MakeError(ErrorCode::kNotFound, "No such key.")
                                         : found.error());
  }
  http::Response r;
  r.status = 200;
  r.body = std::move(*found);
  r.Set("Content-Type", std::string(kind) == "pgp" ? "application/pgp-keys"
                                                   : "application/pem-certificate-chain");
  r.Set("Cache-Control", "public, max-age=3600");
  co_return r;
}

}  // namespace sealpost::api
