// REST API v1, the organisation (issue 20), for administrators:
//   GET  /api/v1/accounts                           every account
//   POST /api/v1/accounts                           {"name"}
//   GET  /api/v1/domains[?account=]                 mail domains
//   POST /api/v1/domains                            {"name", "account"}
//   GET  /api/v1/users[?account=][&domain=]         users (senders), with whether SMTP
//                                                   login is on (never the password)
//   POST /api/v1/users                              {"address"} (its domain must exist)
// Settings at each level are /api/v1/settings/…; clients /api/v1/clients.
#include <boost/json.hpp>

#include "api/admin_api.h"
#include "api/json_body.h"

namespace sealpost::api {
namespace json = boost::json;
using http::Response;

namespace {

Result<std::vector<std::pair<std::string, std::string>>> Query(const http::Request& req) {
  auto form = http::ParseForm(req.query, 4);
  if (!form.ok())
    return MakeError(ErrorCode::kInvalidArgument, "a malformed query string", "query");
  return std::move(*form);
}

}  // namespace

void AdminApi::RegisterOrg(http::Router& router) {
  router.Add("GET", "/api/v1/accounts", [this](http::Request& req) {
    return AsAdmin(req, [this](const Principal&) -> Response {
      auto all = org_.ListAccounts();
      if (!all.ok()) return Problem(all.error());
      json::array list;
      for (const auto& a : *all) {
        list.push_back({{"name", a.name}, {"created_at", FormatRfc3339(a.created_at)}});
      }
      return http::JsonResponse(200, json::serialize(json::object{{"accounts", std::move(list)}}));
    });
  });
  router.Add("POST", "/api/v1/accounts", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto s = OnlyFields(*body, {"name"}); !s.ok()) return Problem(s.error());
      auto name = StringField(*body, "name", true);
      if (!name.ok()) return Problem(name.error());
      if (auto s = directory_.CreateAccount(*name); !s.ok()) return Problem(s.error());
      return http::JsonResponse(201, json::serialize(json::object{{"name", *name}}));
    });
  });
  router.Add("GET", "/api/v1/domains", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto q = Query(req);
      if (!q.ok()) return Problem(q.error());
      auto all = org_.ListDomains(http::FormValue(*q, "account").value_or(""));
      if (!all.ok()) return Problem(all.error());
      json::array list;
      for (const auto& d : *all) {
        list.push_back({{"name", d.name},
                        {"account", d.account},
                        {"created_at", FormatRfc3339(d.created_at)}});
      }
      return http::JsonResponse(200, json::serialize(json::object{{"domains", std::move(list)}}));
    });
  });
  router.Add("POST", "/api/v1/domains", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto s = OnlyFields(*body, {"name", "account"}); !s.ok()) return Problem(s.error());
      auto name = StringField(*body, "name", true);
      if (!name.ok()) return Problem(name.error());
      auto account = StringField(*body, "account", true);
      if (!account.ok()) return Problem(account.error());
      if (auto s = directory_.CreateDomain(*name, *account); !s.ok()) return Problem(s.error());
      return http::JsonResponse(
          201, json::serialize(json::object{{"name", *name}, {"account", *account}}));
    });
  });
  router.Add("GET", "/api/v1/users", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto q = Query(req);
      if (!q.ok()) return Problem(q.error());
      auto all = org_.ListUsers(http::FormValue(*q, "account").value_or(""),
                                http::FormValue(*q, "domain").value_or(""));
      if (!all.ok()) return Problem(all.error());
      json::array list;
      for (const auto& u : *all) {
        list.push_back({{"address", u.address},
                        {"domain", u.domain},
                        {"smtp_login", !u.smtp_password_hash.empty()},
                        {"created_at", FormatRfc3339(u.created_at)}});
      }
      return http::JsonResponse(200, json::serialize(json::object{{"users", std::move(list)}}));
    });
  });
  router.Add("POST", "/api/v1/users", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto s = OnlyFields(*body, {"address"}); !s.ok()) return Problem(s.error());
      auto address = StringField(*body, "address", true);
      if (!address.ok()) return Problem(address.error());
      if (auto s = directory_.CreateUser(*address); !s.ok()) return Problem(s.error());
      return http::JsonResponse(201, json::serialize(json::object{{"address", *address}}));
    });
  });
}

}  // namespace sealpost::api
