// The gate every /api/v1/ route passes before its body is read: the caller's
// credentials, whatever their method, become a Principal (in `req.caller`), the client's
// request rate is checked (rate_limit.h), and then the route's scope (auth.h, ScopeFor).
// An unauthenticated client cannot make the server read, buffer or store what it will
// refuse anyway; an address that keeps failing is slowed, then refused (429), as the
// portal's guessing guard does.
#pragma once

#include <cstdint>

#include "api/auth.h"
#include "base/rate_limit.h"
#include "base/failure_guard.h"
#include "http/router.h"
#include "http/server.h"

namespace sealpost::api {

struct GateSettings {
  std::int64_t rate_limit_per_minute = 600;  // a client's, unless it has its own
};

// 429 for an address whose sign-ins failed too often: how long to wait.
http::Response TooManyFailures(std::int64_t retry_after);

class ApiGate {
 public:
  // `audit`: where calls refused for their scope are recorded. `failures`: failed
  // sign-ins by client address (shared with the OAuth endpoints).
  ApiGate(GateSettings settings, Authenticator& auth, FailureGuard& failures, AuditStore& audit,
          const Clock& clock, http::Offloader& offloader)
      : settings_(settings),
        auth_(auth),
        failures_(failures),
        audit_(audit),
        clock_(clock),
        offloader_(offloader) {}

  // Gates /api/v1/ but for the OAuth endpoints, which authenticate clients themselves
  // (RFC 6749 §2.3).
  void Install(http::Router& router);

  boost::asio::awaitable<std::optional<http::Response>> operator()(http::Request& req);

  // Requests each API client made, for sharing with other nodes (app/limit_exchange.h).
  RateLimiter& rates() { return rates_; }

 private:
  GateSettings settings_;
  Authenticator& auth_;
  FailureGuard& failures_;
  AuditStore& audit_;
  const Clock& clock_;
  http::Offloader& offloader_;
  RateLimiter rates_;
};

// The audit record of a client's call: the route names the action, its values the
// subject ("api.PUT /api/v1/settings/{level}/{name}" on "account/Clinic").
audit::AuditRecord CallRecord(const http::Request& req, const Principal& caller, std::int64_t now);

// The Principal the gate put on the request; null when no gate ran (a route registered
// outside /api/v1/ by mistake), which its handler refuses.
const Principal* CallerOf(const http::Request& req);

// Inside RunRecorded's `work`: records now that the caller was shown protected data
// (`shown`, e.g. the contact, added to the record's subject) — the call's own record
// when it waits for a change that will not come (a POST that only reads), else a new
// one. No record, no answer: a failure here is the handler's to return.
Status RecordAccess(http::Request& req, const Principal& caller, AuditStore& audit,
                    const Clock& clock, const std::string& shown = {});

// Runs a handler's `work` off the event loop for the gate's caller, acting as them. A
// change goes into the audit trail with the change (its CallRecord, in the change's
// transaction); a refused or failed change is recorded on its own; a read leaves no
// record, but for protected data, which `work` records itself.
boost::asio::awaitable<http::Response> RunRecorded(
    http::Request& req, http::Offloader& offloader, AuditStore& audit, const Clock& clock,
    std::function<http::Response(const Principal&)> work);

}  // namespace sealpost::api
