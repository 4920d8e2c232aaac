// The gate every /api/v1/ route passes before its body is read: the caller's
// credentials, whatever their method, become a Principal (in `req.caller`), and the
// route's scope (auth.h, ScopeFor) is checked. An unauthenticated client cannot make
// the server read, buffer or store what it will refuse anyway.
#pragma once

#include "api/auth.h"
#include "http/router.h"
#include "http/server.h"

namespace sealpost::api {

class ApiGate {
 public:
  // `audit`: where calls refused for their scope are recorded.
  ApiGate(Authenticator& auth, AuditStore& audit, const Clock& clock, http::Offloader& offloader)
      : auth_(auth), audit_(audit), clock_(clock), offloader_(offloader) {}

  // Gates /api/v1/ but for the OAuth endpoints, which authenticate clients themselves
  // (RFC 6749 §2.3).
  void Install(http::Router& router);

  boost::asio::awaitable<std::optional<http::Response>> operator()(http::Request& req);

 private:
  Authenticator& auth_;
  AuditStore& audit_;
  const Clock& clock_;
  http::Offloader& offloader_;
};

// The audit record of a client's call: the route names the action, its values the
// subject ("api.PUT /api/v1/settings/{level}/{name}" on "account/Clinic").
audit::AuditRecord CallRecord(const http::Request& req, const Principal& caller, std::int64_t now);

// The Principal the gate put on the request; null when no gate ran (a route registered
// outside /api/v1/ by mistake), which its handler refuses.
const Principal* CallerOf(const http::Request& req);

}  // namespace sealpost::api
