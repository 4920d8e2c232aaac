#include "api/requests_api.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "api/auth.h"
#include "api/gate.h"
#include "api/json_body.h"
#include "audit/pending.h"
#include "base/text.h"
#include "forms/requests.h"
#include "mime/address.h"

namespace sealpost::api {
namespace json = boost::json;
using boost::asio::awaitable;
using http::Response;

namespace {

json::object ToJson(const FormRequestRecord& r, std::int64_t now) {
  json::object o{{"id", r.id},
                 {"from", r.requester},
                 {"to", r.recipient},
                 {"account", r.account},
                 {"state", forms::RequestDesk::State(r, now)},
                 {"created_at", FormatRfc3339(r.created_at)},
                 {"expires_at", FormatRfc3339(r.expires_at)}};
  if (r.answered_at > 0) {
    o["answered_at"] = FormatRfc3339(r.answered_at);
    o["submission_id"] = r.submission_id;
  }
  return o;
}

}  // namespace

void RequestsApi::Register(http::Router& router) {
  router.Add(
      "POST", "/api/v1/requests", [this](http::Request& r) { return Create(r); },
      http::BodyMode::kBuffered, 64 * 1024);
  router.Add("GET", "/api/v1/requests/{id}", [this](http::Request& r) { return Show(r); });
}

awaitable<Response> RequestsApi::Create(http::Request& req) {
  const Principal* principal = CallerOf(req);
  if (!principal) {
    co_return Unauthenticated(MakeError(ErrorCode::kUnauthenticated, "Credentials are required."),
                              {});
  }
  auto body = ParseObject(req.body);
  if (!body.ok()) co_return Problem(body.error());
  if (auto only = OnlyFields(*body, {"from", "to", "message", "expires_in_days"}); !only.ok()) {
    co_return Problem(only.error());
  }
  forms::NewRequest in;
  for (auto [key, field] : {std::pair{"from", &in.requester}, std::pair{"to", &in.recipient},
                            std::pair{"message", &in.note}}) {
    auto value = StringField(*body, key, true);
    if (!value.ok()) co_return Problem(value.error());
    *field = std::move(*value);
  }
  if (const json::value* days = body->if_contains("expires_in_days"); days && !days->is_null()) {
    if (!days->is_int64()) {
      co_return Problem(
          MakeError(ErrorCode::kInvalidArgument, "must be a whole number", "expires_in_days"));
    }
    in.days = static_cast<int>(std::clamp<std::int64_t>(days->as_int64(), -1, 100000));
  }
  // A client bound to a user asks as that user: the answer goes to whoever asked.
  if (!principal->user.empty() &&
      CanonicalAddress(in.requester) != CanonicalAddress(principal->user) &&
      AsciiLower(in.requester) != AsciiLower(principal->user)) {
    co_return http::ProblemResponse(403, "Forbidden",
                                    "This API client asks only as " + principal->user + ".",
                                    {{"from", "must be " + principal->user}});
  }
  in.account = principal->account;
  auto made = co_await http::Offload<FormRequestRecord>(offloader_, [&] {
    audit::ActingAs acting(
        {"api_key", principal->client_id, req.client_address, principal->account});
    return desk_.Create(in);
  });
  if (!made.ok()) {
    if (made.error().code == ErrorCode::kInvalidArgument) co_return Problem(made.error());
    if (made.error().code == ErrorCode::kUnavailable) co_return Problem(made.error());
    spdlog::error("api[{}]: request not made: {}", req.id, made.error().ToString());
    co_return http::ProblemResponse(500, "Internal error", "The request was not made.");
  }
  spdlog::info("api[{}]: request {} made by client {}", req.id, made->id, principal->client_id);
  Response r = http::JsonResponse(201, json::serialize(ToJson(*made, clock_.NowUnix())));
  r.Set("Location", "/api/v1/requests/" + made->id);
  co_return r;
}

awaitable<Response> RequestsApi::Show(http::Request& req) {
  const Principal* principal = CallerOf(req);
  if (!principal) {
    co_return Unauthenticated(MakeError(ErrorCode::kUnauthenticated, "Credentials are required."),
                              {});
  }
  const std::string id = req.params[0];
  auto found = co_await http::Offload<std::optional<FormRequestRecord>>(
      offloader_, [&] { return desk_.Find(id); });
  if (!found.ok()) co_return Problem(found.error());
  // Another account's, or another user's for a bound client, answers as a missing one.
  if (!found->has_value() || (*found)->account != principal->account ||
      (!principal->user.empty() &&
       AsciiLower((*found)->requester) != AsciiLower(principal->user))) {
    co_return http::ProblemResponse(404, "Not found", "There is no such request.");
  }
  co_return http::JsonResponse(200, json::serialize(ToJson(**found, clock_.NowUnix())));
}

}  // namespace sealpost::api
