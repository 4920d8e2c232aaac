// REST API v1, secure requests (issue 24): a sender asks someone for documents.
//   POST /api/v1/requests       {"from", "to", "message", "expires_in_days"?} → 201
//   GET  /api/v1/requests/{id}  its state; once answered, the submission's id
// Made by forms::RequestDesk, as the console makes them. A client bound to a user asks
// as that user only; a request is its account's to see.
#pragma once

#include "base/clock.h"
#include "http/router.h"
#include "http/server.h"

namespace sealpost::forms {
class RequestDesk;
}

namespace sealpost::api {

class RequestsApi {
 public:
  RequestsApi(forms::RequestDesk& desk, http::Offloader& offloader, const Clock& clock)
      : desk_(desk), offloader_(offloader), clock_(clock) {}
  void Register(http::Router& router);

 private:
  boost::asio::awaitable<http::Response> Create(http::Request& req);
  boost::asio::awaitable<http::Response> Show(http::Request& req);

  forms::RequestDesk& desk_;
  http::Offloader& offloader_;
  const Clock& clock_;
};

}  // namespace sealpost::api
