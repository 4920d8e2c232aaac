// REST API v1, API clients (issue 20), for administrators:
//   GET    /api/v1/clients[?account=]        every client (never a secret)
//   POST   /api/v1/clients                   {"name", "account", "user"?, "scopes": [...],
//                                            "rate_limit_per_minute"?}
//                                            → 201 with the credentials, shown once
//   GET    /api/v1/clients/{id}
//   POST   /api/v1/clients/{id}/rotate       {"grace_minutes"?} → the new credentials
//   DELETE /api/v1/clients/{id}              revoked: its credentials and tokens stop at the
//                                            next request
#include <boost/json.hpp>

#include "api/admin_api.h"
#include "api/json_body.h"

namespace sealpost::api {
namespace json = boost::json;
using http::Response;

namespace {

json::value Time(const std::optional<std::int64_t>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

json::object ToJson(const ApiClientRecord& c) {
  json::array scopes;
  auto parsed = ParseScopes(c.scopes);
  for (Scope s : {kMessagesSend, kMessagesRead, kAdmin, kAuditRead, kCampaigns}) {
    if (parsed.ok() && (*parsed & s)) scopes.emplace_back(ScopeName(s));
  }
  return json::object{
      {"id", c.id},
      {"name", c.name},
      {"account", c.account},
      {"user", c.user.empty() ? json::value(nullptr) : json::value(c.user)},
      {"scopes", std::move(scopes)},
      {"rate_limit_per_minute",
       c.rate_limit_per_minute ? json::value(*c.rate_limit_per_minute) : json::value(nullptr)},
      {"created_at", FormatRfc3339(c.created_at)},
      {"last_used_at", Time(c.last_used_at)},
      {"rotated_at", Time(c.rotated_at)},
      {"revoked_at", Time(c.revoked_at)}};
}

// The credentials, once: no cache may keep them.
Response Issued(int status, const IssuedSecret& issued, json::object extra) {
  extra["id"] = issued.id;
  extra["secret"] = issued.secret;
  extra["credentials"] = issued.header_value();
  Response r = http::JsonResponse(status, json::serialize(extra));
  r.Set("Cache-Control", "no-store");
  return r;
}

Result<Scopes> ScopesOf(const json::value* v) {
  if (!v) return kSenderScopes;
  std::string text;
  if (const auto* s = v->if_string()) {
    text = std::string(*s);
  } else if (const auto* a = v->if_array()) {
    for (const auto& item : *a) {
      if (!item.is_string()) {
        return MakeError(ErrorCode::kInvalidArgument, "must be a list of scope names", "scopes");
      }
      text += std::string(item.get_string()) + " ";
    }
  } else {
    return MakeError(ErrorCode::kInvalidArgument, "must be a list of scope names", "scopes");
  }
  return ParseScopes(text);
}

}  // namespace

void AdminApi::RegisterClients(http::Router& router) {
  router.Add("GET", "/api/v1/clients", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto form = http::ParseForm(req.query, 4);
      if (!form.ok())
        return Problem(MakeError(ErrorCode::kInvalidArgument, "a malformed query string", "query"));
      auto clients = clients_.List(http::FormValue(*form, "account").value_or(""));
      if (!clients.ok()) return Problem(clients.error());
      json::array list;
      for (const auto& c : *clients) list.push_back(ToJson(c));
      return http::JsonResponse(200, json::serialize(json::object{{"clients", std::move(list)}}));
    });
  });
  router.Add("POST", "/api/v1/clients", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto s = OnlyFields(*body, {"name", "account", "user", "scopes", "rate_limit_per_minute"});
          !s.ok()) {
        return Problem(s.error());
      }
      NewClient client;
      auto name = StringField(*body, "name", false);
      auto account = StringField(*body, "account", false);
      auto user = StringField(*body, "user", false);
      auto scopes = ScopesOf(body->if_contains("scopes"));
      if (!name.ok()) return Problem(name.error());
      if (!account.ok()) return Problem(account.error());
      if (!user.ok()) return Problem(user.error());
      if (!scopes.ok()) return Problem(scopes.error());
      client.name = std::move(*name);
      client.account = std::move(*account);
      client.user = std::move(*user);
      client.scopes = *scopes;
      if (const json::value* rate = body->if_contains("rate_limit_per_minute");
          rate && !rate->is_null()) {
        if (!rate->is_int64()) {
          return Problem(MakeError(ErrorCode::kInvalidArgument,
                                   "a whole number of requests a minute", "rate_limit_per_minute"));
        }
        client.rate_limit_per_minute = rate->as_int64();
      }
      auto issued = CreateClientChecked(directory_, clients_, clock_, client);
      if (!issued.ok()) return Problem(issued.error());
      auto found = clients_.Find(issued->id);
      if (!found.ok() || !found->has_value()) {
        return Problem(MakeError(ErrorCode::kInternal, "created client not found"));
      }
      Response r = Issued(201, *issued, ToJson(**found));
      r.Set("Location", "/api/v1/clients/" + issued->id);
      return r;
    });
  });
  router.Add("GET", "/api/v1/clients/{id}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto found = clients_.Find(req.params[0]);
      if (!found.ok()) return Problem(found.error());
      if (!found->has_value())
        return http::ProblemResponse(404, "Not found", "There is no such API client.");
      return http::JsonResponse(200, json::serialize(ToJson(**found)));
    });
  });
  router.Add("POST", "/api/v1/clients/{id}/rotate", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      std::int64_t grace_minutes = 0;
      if (!req.body.empty()) {
        auto body = ParseObject(req.body);
        if (!body.ok()) return Problem(body.error());
        if (const json::value* g = body->if_contains("grace_minutes")) {
          if (!g->is_int64())
            return Problem(MakeError(ErrorCode::kInvalidArgument,
                                     "a whole number of minutes (0 to 10080)", "grace_minutes"));
          grace_minutes = g->as_int64();
        }
      }
      if (grace_minutes < 0 || grace_minutes > kMaxRotationGraceSeconds / 60) {
        return Problem(MakeError(ErrorCode::kInvalidArgument, "from 0 to 10080 minutes (a week)",
                                 "grace_minutes"));
      }
      auto issued = RotateClient(clients_, clock_, req.params[0], grace_minutes * 60);
      if (!issued.ok()) return Problem(issued.error());
      json::object extra;
      extra["previous_valid_until"] =
          grace_minutes > 0 ? json::value(FormatRfc3339(clock_.NowUnix() + grace_minutes * 60))
                            : json::value(nullptr);
      return Issued(200, *issued, std::move(extra));
    });
  });
  router.Add("DELETE", "/api/v1/clients/{id}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto revoked = clients_.Revoke(req.params[0], clock_.NowUnix());
      if (!revoked.ok()) return Problem(revoked.error());
      auto found = clients_.Find(req.params[0]);
      if (!found.ok() || !found->has_value())
        return Problem(MakeError(ErrorCode::kInternal, "revoked client not found"));
      return http::JsonResponse(200, json::serialize(ToJson(**found)));
    });
  });
}

}  // namespace sealpost::api
