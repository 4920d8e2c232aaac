// REST API v1, webhook endpoints (issue 20), for administrators:
//   GET    /api/v1/webhooks[?account=]          every endpoint (never a secret)
//   POST   /api/v1/webhooks                     {"url", "events": [...], "account"?,
//                                               "with_subject"?, "description"?, "notify"?}
//                                               → 201 with the signing secret, shown once
//   GET    /api/v1/webhooks/{id}
//   PATCH  /api/v1/webhooks/{id}                the same fields but account, and "enabled"
//   DELETE /api/v1/webhooks/{id}                with its deliveries
//   POST   /api/v1/webhooks/{id}/rotate         {"grace_minutes"?} → the new secret; the old
//                                               one signs too until the grace period ends
//   GET    /api/v1/webhooks/{id}/deliveries[?state=&before=&limit=]   the delivery log,
//                                               newest first, each with its attempts
//   POST   /api/v1/webhooks/{id}/deliveries/{delivery}/redeliver      again, now
#include <boost/json.hpp>

#include "api/admin_api.h"
#include "api/json_body.h"
#include "crypto/random.h"
#include "integrations/webhook_endpoints.h"
#include "mime/address.h"
#include "webhooks/events.h"
#include "webhooks/signature.h"

namespace sealpost::api {
namespace json = boost::json;
using http::Response;

namespace {

Response NoSuchWebhook() {
  return http::ProblemResponse(404, "Not found", "There is no such webhook endpoint.");
}

json::value Time(const std::optional<std::int64_t>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

json::array Types(const std::string& stored) {
  json::array out;
  for (const auto& t : webhooks::EventTypes()) {
    if (webhooks::Wants(stored, t)) out.emplace_back(t);
  }
  return out;
}

json::object ToJson(const WebhookEndpointRecord& e) {
  return json::object{{"id", e.id},
                      {"account", e.account},
                      {"url", e.url},
                      {"events", Types(e.event_types)},
                      {"with_subject", e.with_subject},
                      {"description", e.description},
                      {"notify", e.notify.empty() ? json::value(nullptr) : json::value(e.notify)},
                      {"enabled", e.enabled},
                      {"disabled_reason", e.disabled_reason.empty()
                                              ? json::value(nullptr)
                                              : json::value(e.disabled_reason)},
                      {"disabled_at", Time(e.disabled_at)},
                      {"created_at", FormatRfc3339(e.created_at)},
                      {"last_success_at", Time(e.last_success_at)}};
}

json::object ToJson(const WebhookDeliveryRecord& d, const std::vector<WebhookAttemptRecord>& as) {
  json::array attempts;
  for (const auto& a : as) {
    attempts.push_back(json::object{
        {"at", FormatRfc3339(a.at)},
        {"status", a.status == 0 ? json::value(nullptr) : json::value(a.status)},
        {"error", a.error.empty() ? json::value(nullptr) : json::value(a.error)},
        {"duration_ms", a.duration_ms}});
  }
  return json::object{
      {"id", d.id},
      {"type", d.event_type},
      {"message_id", d.message_id},
      {"state", d.state},
      {"created_at", FormatRfc3339(d.created_at)},
      {"attempts", std::move(attempts)},
      {"next_attempt_at",
       d.state == "pending" ? json::value(FormatRfc3339(d.next_attempt_at)) : json::value(nullptr)},
      {"finished_at", Time(d.finished_at)}};
}

// The secret, once: no cache may keep it.
Response WithSecret(int status, json::object body, const std::string& secret) {
  body["secret"] = secret;
  Response r = http::JsonResponse(status, json::serialize(body));
  r.Set("Cache-Control", "no-store");
  return r;
}

Result<std::vector<std::string>> EventsOf(const json::value* v) {
  std::vector<std::string> types;
  const json::array* list = v ? v->if_array() : nullptr;
  if (!list) return MakeError(ErrorCode::kInvalidArgument, "a list of event types", "events");
  for (const auto& item : *list) {
    if (!item.is_string()) {
      return MakeError(ErrorCode::kInvalidArgument, "a list of event types", "events");
    }
    types.emplace_back(item.get_string());
  }
  return types;
}

Result<std::optional<bool>> BoolField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<bool>();
  if (!v->is_bool()) return MakeError(ErrorCode::kInvalidArgument, "true or false", std::string(key));
  return std::optional<bool>(v->get_bool());
}

}  // namespace

// The fields of a request body as a change (integrations::WebhookEndpoints checks
// their values); `creating` makes url and events required.
Result<integrations::EndpointChange> ChangeOf(const json::object& body, bool creating) {
  if (auto s = OnlyFields(body, creating ? std::initializer_list<std::string_view>{
                                               "url", "events", "account", "with_subject",
                                               "description", "notify"}
                                         : std::initializer_list<std::string_view>{
                                               "url", "events", "with_subject", "description",
                                               "notify", "enabled"});
      !s.ok()) {
    return std::move(s).error();
  }
  integrations::EndpointChange change;
  if (creating || body.contains("url")) {
    auto url = StringField(body, "url", true);
    if (!url.ok()) return std::move(url).error();
    change.url = std::move(*url);
  }
  if (creating || body.contains("events")) {
    auto types = EventsOf(body.if_contains("events"));
    if (!types.ok()) return std::move(types).error();
    change.events = std::move(*types);
  }
  auto with_subject = BoolField(body, "with_subject");
  auto enabled = BoolField(body, "enabled");
  if (!with_subject.ok()) return std::move(with_subject).error();
  if (!enabled.ok()) return std::move(enabled).error();
  change.with_subject = *with_subject;
  change.enabled = *enabled;
  for (auto [key, field] :
       {std::pair{"description", &change.description}, std::pair{"notify", &change.notify}}) {
    if (!body.contains(key)) continue;
    auto text = StringField(body, key, false);
    if (!text.ok()) return std::move(text).error();
    *field = std::move(*text);
  }
  return change;
}

void AdminApi::RegisterWebhooks(http::Router& router) {
  router.Add("GET", "/api/v1/webhooks", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto form = http::ParseForm(req.query, 4);
      if (!form.ok())
        return Problem(MakeError(ErrorCode::kInvalidArgument, "a malformed query string", "query"));
      auto list = webhooks_.store->List(http::FormValue(*form, "account").value_or(""));
      if (!list.ok()) return Problem(list.error());
      json::array out;
      for (const auto& e : *list) out.push_back(ToJson(e));
      return http::JsonResponse(200, json::serialize(json::object{{"webhooks", std::move(out)}}));
    });
  });
  router.Add("POST", "/api/v1/webhooks", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal& caller) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      auto change = ChangeOf(*body, true);
      if (!change.ok()) return Problem(change.error());
      auto account = StringField(*body, "account", false);
      if (!account.ok()) return Problem(account.error());
      auto made =
          webhooks_.endpoints->Create(account->empty() ? caller.account : *account, *change);
      if (!made.ok()) return Problem(made.error());
      Response r = WithSecret(201, ToJson(made->first), made->second.secret);
      r.Set("Location", "/api/v1/webhooks/" + made->first.id);
      return r;
    });
  });
  router.Add("GET", "/api/v1/webhooks/{id}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto found = webhooks_.store->Find(req.params[0]);
      if (!found.ok()) return Problem(found.error());
      if (!found->has_value()) return NoSuchWebhook();
      return http::JsonResponse(200, json::serialize(ToJson(**found)));
    });
  });
  router.Add("PATCH", "/api/v1/webhooks/{id}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      auto change = ChangeOf(*body, false);
      if (!change.ok()) return Problem(change.error());
      auto updated = webhooks_.endpoints->Update(req.params[0], *change);
      if (!updated.ok()) {
        return updated.error().code == ErrorCode::kNotFound ? NoSuchWebhook()
                                                            : Problem(updated.error());
      }
      return http::JsonResponse(200, json::serialize(ToJson(*updated)));
    });
  });
  router.Add("DELETE", "/api/v1/webhooks/{id}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      if (auto s = webhooks_.endpoints->Delete(req.params[0]); !s.ok()) {
        return s.error().code == ErrorCode::kNotFound ? NoSuchWebhook() : Problem(s.error());
      }
      Response r;
      r.status = 204;
      return r;
    });
  });
  router.Add("POST", "/api/v1/webhooks/{id}/rotate", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      std::int64_t grace_minutes = integrations::kDefaultSecretGraceMinutes;
      if (!req.body.empty()) {
        auto body = ParseObject(req.body);
        if (!body.ok()) return Problem(body.error());
        if (auto s = OnlyFields(*body, {"grace_minutes"}); !s.ok()) return Problem(s.error());
        if (const json::value* g = body->if_contains("grace_minutes")) {
          if (!g->is_int64()) {
            return Problem(MakeError(ErrorCode::kInvalidArgument,
                                     "a whole number of minutes, 0 to 10080 (a week)",
                                     "grace_minutes"));
          }
          grace_minutes = g->as_int64();
        }
      }
      auto rotated = webhooks_.endpoints->Rotate(req.params[0], grace_minutes);
      if (!rotated.ok()) {
        return rotated.error().code == ErrorCode::kNotFound ? NoSuchWebhook()
                                                            : Problem(rotated.error());
      }
      const std::int64_t until = rotated->previous_valid_until;
      return WithSecret(
          200,
          json::object{{"id", req.params[0]},
                       {"previous_valid_until",
                        until > 0 ? json::value(FormatRfc3339(until)) : json::value(nullptr)}},
          rotated->secret);
    });
  });
  router.Add("GET", "/api/v1/webhooks/{id}/deliveries", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto form = http::ParseForm(req.query, 8);
      if (!form.ok())
        return Problem(MakeError(ErrorCode::kInvalidArgument, "a malformed query string", "query"));
      const std::string state = http::FormValue(*form, "state").value_or("");
      if (!state.empty() && state != "pending" && state != "delivered" && state != "failed") {
        return Problem(
            MakeError(ErrorCode::kInvalidArgument, "pending, delivered or failed", "state"));
      }
      int limit = 50;
      if (auto l = http::FormValue(*form, "limit")) {
        auto n = PageLimit(*l, 200);
        if (!n.ok()) return Problem(n.error());
        limit = *n;
      }
      auto found = webhooks_.store->Find(req.params[0]);
      if (!found.ok()) return Problem(found.error());
      if (!found->has_value()) return NoSuchWebhook();
      auto list = webhooks_.store->Deliveries(req.params[0], state,
                                              http::FormValue(*form, "before").value_or(""),
                                              limit + 1);
      if (!list.ok()) return Problem(list.error());
      const bool more = static_cast<int>(list->size()) > limit;
      if (more) list->pop_back();
      json::array out;
      for (const auto& d : *list) {
        auto attempts = webhooks_.store->Attempts(d.id);
        if (!attempts.ok()) return Problem(attempts.error());
        out.push_back(ToJson(d, *attempts));
      }
      json::object body{{"deliveries", std::move(out)}};
      body["next"] = more ? json::value(list->back().id) : json::value(nullptr);
      return http::JsonResponse(200, json::serialize(body));
    });
  });
  router.Add("POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver",
             [this](http::Request& req) {
               return AsAdmin(req, [this, &req](const Principal&) -> Response {
                 auto s = webhooks_.endpoints->Redeliver(req.params[0], req.params[1]);
                 if (!s.ok()) return Problem(s.error());
                 return http::JsonResponse(
                     202, json::serialize(json::object{{"id", req.params[1]}, {"state", "pending"}}));
               });
             });
}

}  // namespace sealpost::api
