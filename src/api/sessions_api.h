// Signed-request sessions (issue 20; RFC 9421 with HMAC-SHA256):
//   POST   /api/v1/sessions                a new session for the calling client: its id (the
//                                          signatures' keyid) and key, shown once
//   DELETE /api/v1/sessions/{id}           revokes one (the client's own; an administrator's:
//                                          any)
//   DELETE /api/v1/sessions                revokes every session of the calling client
//   DELETE /api/v1/clients/{id}/sessions   (administrators) every session of that client
// A session is opened with the client's credentials (X-API-Key, Basic, or a signed
// request of another live session of it), never with an OAuth access token, which may be
// a user's with fewer scopes and lasts minutes where a session lasts hours. Revocation takes effect
// on the next request.
#pragma once

#include <cstdint>

#include "api/auth.h"
#include "http/router.h"
#include "http/server.h"

namespace sealpost::api {

class SessionsApi {
 public:
  SessionsApi(std::int64_t lifetime_seconds, ApiClientStore& clients, const PurposeKey& keys,
              const Clock& clock, http::Offloader& offloader)
      : lifetime_seconds_(lifetime_seconds),
        clients_(clients),
        keys_(keys),
        clock_(clock),
        offloader_(offloader) {}

  void Register(http::Router& router);

 private:
  // Runs `work` for the gate's caller off the event loop, its change on record. (`work`
  // by value: the coroutine outlives the expression that called it.)
  boost::asio::awaitable<http::Response> Run(http::Request& req,
                                             std::function<http::Response(const Principal&)> work);

  const std::int64_t lifetime_seconds_;
  ApiClientStore& clients_;
  const PurposeKey& keys_;
  const Clock& clock_;
  http::Offloader& offloader_;
};

}  // namespace sealpost::api
