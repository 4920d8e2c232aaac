#include "api/sessions_api.h"

#include <boost/json.hpp>

#include "api/gate.h"
#include "api/json_body.h"
#include "base/encoding.h"

namespace sealpost::api {
namespace json = boost::json;
using boost::asio::awaitable;
using http::Response;

awaitable<Response> SessionsApi::Run(http::Request& req,
                                     std::function<Response(const Principal&)> work) {
  const Principal* caller = CallerOf(req);
  if (!caller) {
    co_return Unauthenticated(MakeError(ErrorCode::kUnauthenticated, "Credentials are required."),
                              {});
  }
  if (caller->method == Credentials::Method::kBearer) {
    // A session acts with the client's own scopes for hours: an access token (minutes
    // long, perhaps a user's, with fewer scopes) must not turn itself into one.
    co_return http::ProblemResponse(
        403, "Forbidden",
        "Sessions are opened and ended with the client's own credentials (X-API-Key or "
        "Basic) or a signed request, not with an access token.");
  }
  auto response = co_await http::Offload<Response>(offloader_, [&]() -> Result<Response> {
    audit::PendingRecord pending(CallRecord(req, *caller, clock_.NowUnix()));
    return work(*caller);
  });
  if (!response.ok()) co_return http::ProblemFromError(response.error());
  co_return std::move(*response);
}

void SessionsApi::Register(http::Router& router) {
  router.Add("POST", "/api/v1/sessions", [this](http::Request& req) {
    return Run(req, [this](const Principal& caller) -> Response {
      auto opened = OpenSession(clients_, keys_, clock_, caller.client_id, lifetime_seconds_);
      if (!opened.ok()) return Problem(opened.error());
      json::object o{{"id", opened->id},
                     {"key", Base64Encode(opened->key)},
                     {"algorithm", "hmac-sha256"},
                     {"expires_at", FormatRfc3339(opened->expires_at)},
                     {"covers", json::array{"@method", "@target-uri", "content-digest"}},
                     {"window_seconds", kSignatureWindowSeconds}};
      Response r = http::JsonResponse(201, json::serialize(o));
      r.Set("Cache-Control", "no-store");
      return r;
    });
  });
  router.Add("DELETE", "/api/v1/sessions/{id}", [this](http::Request& req) {
    return Run(req, [this, &req](const Principal& caller) -> Response {
      // An administrator may end any client's session; a client only its own.
      const std::string owner = caller.Has(kAdmin) ? "" : caller.client_id;
      auto revoked = clients_.RevokeSession(req.params[0], owner, clock_.NowUnix());
      if (!revoked.ok()) return Problem(revoked.error());
      if (!*revoked) return http::ProblemResponse(404, "Not found", "There is no such session.");
      return http::JsonResponse(
          200, json::serialize(json::object{{"id", req.params[0]}, {"revoked", true}}));
    });
  });
  router.Add("DELETE", "/api/v1/sessions", [this](http::Request& req) {
    return Run(req, [this](const Principal& caller) -> Response {
      auto revoked = clients_.RevokeSessions(caller.client_id, clock_.NowUnix());
      if (!revoked.ok()) return Problem(revoked.error());
      return http::JsonResponse(200, json::serialize(json::object{{"revoked", *revoked}}));
    });
  });
  router.Add("DELETE", "/api/v1/clients/{id}/sessions", [this](http::Request& req) {
    return Run(req, [this, &req](const Principal&) -> Response {
      auto revoked = clients_.RevokeSessions(req.params[0], clock_.NowUnix());
      if (!revoked.ok()) return Problem(revoked.error());
      return http::JsonResponse(200, json::serialize(json::object{{"revoked", *revoked}}));
    });
  });
}

}  // namespace sealpost::api
