// REST API v1, messages: POST /api/v1/messages (JSON, or multipart/form-data with a
// "message" JSON part and one file part per attachment, streamed into encrypted
// storage) and GET /api/v1/messages/{id}. Bad requests get an RFC 9457 problem
// naming each bad field, and nothing is stored.
#pragma once

#include <string>

#include "api/auth.h"
#include "api/message_request.h"
#include "base/clock.h"
#include "escrow/escrow_service.h"
#include "http/router.h"
#include "http/server.h"
#include "policy/address_books.h"
#include "policy/org_directory.h"
#include "policy/recipient_planner.h"
#include "queue/backlog.h"
#include "submission/dispatcher.h"

namespace sealpost::api {

struct ApiSettings {
  submission::RequestLimits limits;
  std::size_t max_json_bytes = 32 * 1024 * 1024;  // a JSON body, base64 attachments included
};

class MessagesApi {
 public:
  // Each recipient's method comes from `planner` (the policy engine, with the sender's
  // settings); `dispatcher` carries the plan out, as for every other way in.
  // `backlog` (optional): past its refusal limit new messages get 503 and Retry-After.
  // Behind the API's gate (gate.h), which authenticates every call and checks its scope.
  MessagesApi(ApiSettings settings, EscrowService& escrow, const policy::RecipientPlanner& planner,
              const submission::Dispatcher& dispatcher, QueueStore& queue,
              http::Offloader& offloader, const Backlog* backlog = nullptr)
      : settings_(std::move(settings)),
        escrow_(escrow),
        planner_(planner),
        dispatcher_(dispatcher),
        queue_(queue),
        offloader_(offloader),
        backlog_(backlog) {}

  void Register(http::Router& router);

 private:
  boost::asio::awaitable<http::Response> Send(http::Request& req);
  boost::asio::awaitable<http::Response> Get(http::Request& req);
  // GET /api/v1/messages: the caller's messages (a sender's client: that sender's), by
  // sender, recipient, status, method and date, newest first, a page at a time.
  boost::asio::awaitable<http::Response> List(http::Request& req);
  boost::asio::awaitable<http::Response> Retract(http::Request& req);
  boost::asio::awaitable<http::Response> Extend(http::Request& req);
  boost::asio::awaitable<http::Response> Events(http::Request& req);
  // POST /api/v1/tools/received-headers: was a message encrypted on its way (issue 26)?
  boost::asio::awaitable<http::Response> ReceivedHeaders(http::Request& req);
  // The caller the gate authenticated.
  static Result<Principal> Caller(const http::Request& req);

  ApiSettings settings_;
  EscrowService& escrow_;
  const policy::RecipientPlanner& planner_;
  const submission::Dispatcher& dispatcher_;
  QueueStore& queue_;  // delivery reports
  http::Offloader& offloader_;
  const Backlog* backlog_;
};

}  // namespace sealpost::api
