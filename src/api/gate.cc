#include "api/gate.h"

#include <spdlog/spdlog.h>

#include "base/text.h"

namespace sealpost::api {

using boost::asio::awaitable;
using http::Response;

void ApiGate::Install(http::Router& router) {
  router.SetGate("/api/v1/", [this](http::Request& r) { return (*this)(r); });
  const http::Gate open = [](http::Request&) -> awaitable<std::optional<Response>> {
    co_return std::nullopt;
  };
  router.SetGate("/api/v1/oauth/token", open);
  router.SetGate("/api/v1/oauth/revoke", open);
}

awaitable<std::optional<Response>> ApiGate::operator()(http::Request& req) {
  const Credentials presented =
      ReadCredentials(req.header("x-api-key"), req.header("authorization"));
  auto principal = co_await http::Offload<Principal>(
      offloader_, [&] { return auth_.Authenticate(presented, req.client_address); });
  if (!principal.ok()) {
    if (principal.error().code == ErrorCode::kUnauthenticated) {
      spdlog::warn("api[{}]: authentication failed from {}", req.id, req.client_address);
    }
    co_return Unauthenticated(principal.error(), presented);
  }
  const Scope needed = ScopeFor(req.method, req.route);
  if (!principal->Has(needed)) {
    // A client reaching past its scope is on record: it may be probing.
    audit::AuditRecord record = CallRecord(req, *principal, clock_.NowUnix());
    record.result = "refused";
    record.details = "{\"status\":403,\"needs\":\"" + std::string(ScopeName(needed)) + "\"}";
    (void)co_await http::Offload<void>(offloader_, [&] { return audit_.Note(std::move(record)); });
    co_return InsufficientScope(needed, presented);
  }
  req.caller = std::move(*principal);
  co_return std::nullopt;
}

audit::AuditRecord CallRecord(const http::Request& req, const Principal& caller, std::int64_t now) {
  audit::AuditRecord r;
  r.at = now;
  r.actor_kind = "api_client";
  r.actor = caller.client_id;
  r.client_address = req.client_address;
  r.account = caller.account;
  r.action = "api." + req.method + " " + req.route;
  for (const auto& p : req.params) {
    if (!r.subject.empty()) r.subject += "/";
    r.subject += SanitizeForLog(http::PercentDecode(p).value_or(p), 320);
  }
  r.result = "ok";
  return r;
}

const Principal* CallerOf(const http::Request& req) {
  return std::any_cast<Principal>(&req.caller);
}

}  // namespace sealpost::api
