// REST API v1, messages: POST /api/v1/messages (JSON, or multipart/form-data with a
// "message" JSON part and one file part per attachment, streamed into encrypted
// storage) and GET /api/v1/messages/{id}. Bad requests get an RFC 9457 problem
// naming each bad field, and nothing is stored.
#pragma once

#include <string>

#include "api/auth.h"
#include "api/message_request.h"
#include "api/recipient_planner.h"
#include "base/clock.h"
#include "escrow/escrow_service.h"
#include "http/router.h"
#include "http/server.h"
#include "policy/address_books.h"
#include "policy/org_directory.h"

namespace sealpost::policy {
class SigningIdentities;
}

namespace sealpost::api {

struct ApiSettings {
  RequestLimits limits;
  std::size_t max_json_bytes = 32 * 1024 * 1024;  // a JSON body, base64 attachments included
  int default_expiry_days = 30;
  // Notices to the sender (a TLS-only copy whose fallback is to tell them).
  std::string organisation = "sealpost";
  std::string notice_from;
  bool direct_delivery = false;  // mail leaves over the network: see RecipientPlanner
};

class MessagesApi {
 public:
  // Each recipient's method comes from the policy engine, with the sender's effective
  // settings from `directory` and what `tls` knows of recipient domains.
  MessagesApi(ApiSettings settings, ApiKeyAuthenticator& auth, EscrowService& escrow,
              policy::OrgDirectory& directory, policy::AddressBookDirectory& books,
              const policy::AddressBooks& book_view, const policy::TlsKnowledge& tls,
              const policy::PortalRegistry& portal, policy::SigningIdentities& identities,
              const SecretBytes& queue_key, QueueStore& queue, http::Offloader& offloader,
              const Clock& clock, const AnswerKeys* answer_keys = nullptr)
      : settings_(std::move(settings)), auth_(auth), escrow_(escrow),
        planner_(directory, books, book_view, tls, portal, settings_.default_expiry_days,
                 settings_.direct_delivery, answer_keys),
        identities_(identities), queue_key_(queue_key), queue_(queue), offloader_(offloader),
        clock_(clock) {}

  void Register(http::Router& router);

 private:
  boost::asio::awaitable<http::Response> Send(http::Request& req);
  boost::asio::awaitable<http::Response> Get(http::Request& req);
  boost::asio::awaitable<http::Response> Retract(http::Request& req);
  boost::asio::awaitable<http::Response> Extend(http::Request& req);
  boost::asio::awaitable<http::Response> Events(http::Request& req);
  boost::asio::awaitable<Result<Principal>> Authenticate(const http::Request& req);
  // The gate of every /api/v1/ route: the caller's Principal (in `req.caller`), or 401.
  boost::asio::awaitable<std::optional<http::Response>> Gate(http::Request& req);
  // The copies for recipients with their own keys, as extras of the submission.
  Status AddDirectCopies(const MessageRequest& m, const RecipientPlan& plan, const Draft& draft,
                            const std::string& client, SubmitExtras& extras);

  ApiSettings settings_;
  ApiKeyAuthenticator& auth_;
  EscrowService& escrow_;
  RecipientPlanner planner_;
  policy::SigningIdentities& identities_;
  const SecretBytes& queue_key_;
  QueueStore& queue_;  // delivery reports
  http::Offloader& offloader_;
  const Clock& clock_;
};

}  // namespace sealpost::api
