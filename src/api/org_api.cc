// REST API v1, the organisation (issue 20), for administrators:
//   GET    /api/v1/accounts                         every account
//   POST   /api/v1/accounts                         {"name"}
//   GET    /api/v1/accounts/{name}                  one, with its domains and own settings
//   PATCH  /api/v1/accounts/{name}                  {"settings"}: its own settings, replaced
//   DELETE /api/v1/accounts/{name}                  409 while it has domains
//   GET    /api/v1/domains[?account=]               mail domains
//   POST   /api/v1/domains                          {"name", "account"}
//   GET/PATCH/DELETE /api/v1/domains/{name}         as for accounts; 409 while it has users
//   GET    /api/v1/users[?account=][&domain=]       users (senders), with whether SMTP
//                                                   login is on (never the password)
//   POST   /api/v1/users                            {"address"} (its domain must exist)
//   GET    /api/v1/users/{address}                  one, with its books and own settings
//   PATCH  /api/v1/users/{address}                  {"settings", "smtp_login": false}
//   DELETE /api/v1/users/{address}
//   POST   /api/v1/users/{address}/smtp-password    a new random SMTP password, shown once
//   GET    /api/v1/users/{address}/books            the user's book links and their roles
//   PUT    /api/v1/users/{address}/books/{book}     {"role": default|subscribed|preferred}
//   DELETE /api/v1/users/{address}/books/{book}
// What a deletion leaves and takes is OrgStore's to say (store/stores.h): messages are
// the account's and stay. Settings at each level are also /api/v1/settings/…; clients
// /api/v1/clients.
#include <boost/json.hpp>

#include "api/admin_api.h"
#include "api/json_body.h"
#include "base/secret.h"
#include "crypto/password_hash.h"
#include "crypto/random.h"

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

Result<std::string> PathName(const std::string& raw, const char* what) {
  auto decoded = http::PercentDecode(raw);
  if (!decoded || decoded->empty() || decoded->size() > 320)
    return MakeError(ErrorCode::kInvalidArgument, "bad percent escape or length", what);
  return std::move(*decoded);
}

Response NoContent() {
  Response r;
  r.status = 204;
  return r;
}

// The settings a level has of its own, as displayed (answers masked), as a JSON value.
json::value OwnSettings(policy::OrgDirectory& directory, OrgLevel level, const std::string& name) {
  auto layer = directory.Settings(level, name);
  if (!layer.ok()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(policy::SettingsForDisplay(*layer), ec);
  return ec ? json::value(nullptr) : v;
}

}  // namespace

// PATCH's "settings" member, replacing the level's own settings when present.
Status AdminApi::PatchSettings(const json::object& body, OrgLevel level, const std::string& name) {
  const json::value* settings = body.if_contains("settings");
  if (!settings) {
    // Nothing to change, but the level must exist (kNotFound otherwise).
    auto exists = directory_.Settings(level, name);
    return exists.ok() ? OkStatus() : Status(std::move(exists).error());
  }
  if (!settings->is_object())
    return MakeError(ErrorCode::kInvalidArgument, "an object of settings", "settings");
  return ReplaceSettings(level, name, json::serialize(*settings));
}

// PATCH of an account or a domain: {"settings"} replaces its own settings.
Response AdminApi::PatchLevel(const http::Request& req, OrgLevel level) {
  auto name = PathName(req.params[0], "name");
  if (!name.ok()) return Problem(name.error());
  auto body = ParseObject(req.body);
  if (!body.ok()) return Problem(body.error());
  if (auto s = OnlyFields(*body, {"settings"}); !s.ok()) return Problem(s.error());
  if (auto s = PatchSettings(*body, level, *name); !s.ok()) return Problem(s.error());
  return http::JsonResponse(
      200, json::serialize(
               json::object{{"name", *name}, {"settings", OwnSettings(directory_, level, *name)}}));
}

void AdminApi::RegisterOrg(http::Router& router) {
  RegisterAccounts(router);
  RegisterDomains(router);
  RegisterUsers(router);
  RegisterUserBooks(router);
}

void AdminApi::RegisterAccounts(http::Router& router) {
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
  router.Add("GET", "/api/v1/accounts/{name}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto name = PathName(req.params[0], "name");
      if (!name.ok()) return Problem(name.error());
      auto found = org_.FindAccount(*name);
      if (!found.ok()) return Problem(found.error());
      if (!found->has_value())
        return Problem(MakeError(ErrorCode::kNotFound, "no account " + *name));
      auto domains = org_.ListDomains((*found)->name);
      if (!domains.ok()) return Problem(domains.error());
      json::array names;
      for (const auto& d : *domains) names.push_back(json::value(d.name));
      return http::JsonResponse(
          200, json::serialize(json::object{
                   {"name", (*found)->name},
                   {"created_at", FormatRfc3339((*found)->created_at)},
                   {"domains", std::move(names)},
                   {"settings", OwnSettings(directory_, OrgLevel::kAccount, (*found)->name)}}));
    });
  });
  router.Add("PATCH", "/api/v1/accounts/{name}", [this](http::Request& req) {
    return AsAdmin(req,
                   [this, &req](const Principal&) { return PatchLevel(req, OrgLevel::kAccount); });
  });
  router.Add("DELETE", "/api/v1/accounts/{name}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto name = PathName(req.params[0], "name");
      if (!name.ok()) return Problem(name.error());
      if (auto s = directory_.Delete(OrgLevel::kAccount, *name); !s.ok()) return Problem(s.error());
      return NoContent();
    });
  });
}

void AdminApi::RegisterDomains(http::Router& router) {
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
  router.Add("GET", "/api/v1/domains/{name}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto name = PathName(req.params[0], "name");
      if (!name.ok()) return Problem(name.error());
      auto found = org_.FindDomain(*name);
      if (!found.ok()) return Problem(found.error());
      if (!found->has_value())
        return Problem(MakeError(ErrorCode::kNotFound, "no domain " + *name));
      auto users = org_.ListUsers("", (*found)->name);
      if (!users.ok()) return Problem(users.error());
      return http::JsonResponse(
          200, json::serialize(json::object{
                   {"name", (*found)->name},
                   {"account", (*found)->account},
                   {"created_at", FormatRfc3339((*found)->created_at)},
                   {"users", users->size()},
                   {"settings", OwnSettings(directory_, OrgLevel::kDomain, (*found)->name)}}));
    });
  });
  router.Add("PATCH", "/api/v1/domains/{name}", [this](http::Request& req) {
    return AsAdmin(req,
                   [this, &req](const Principal&) { return PatchLevel(req, OrgLevel::kDomain); });
  });
  router.Add("DELETE", "/api/v1/domains/{name}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto name = PathName(req.params[0], "name");
      if (!name.ok()) return Problem(name.error());
      if (auto s = directory_.Delete(OrgLevel::kDomain, *name); !s.ok()) return Problem(s.error());
      return NoContent();
    });
  });
}

void AdminApi::RegisterUsers(http::Router& router) {
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
  router.Add("GET", "/api/v1/users/{address}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto address = PathName(req.params[0], "address");
      if (!address.ok()) return Problem(address.error());
      auto found = org_.FindUser(*address);
      if (!found.ok()) return Problem(found.error());
      if (!found->has_value())
        return Problem(MakeError(ErrorCode::kNotFound, "no user " + *address));
      const UserRecord& u = **found;
      auto account = directory_.AccountOfUser(u.address);
      if (!account.ok()) return Problem(account.error());
      return http::JsonResponse(
          200, json::serialize(json::object{
                   {"address", u.address},
                   {"domain", u.domain},
                   {"account", *account},
                   {"smtp_login", !u.smtp_password_hash.empty()},
                   {"created_at", FormatRfc3339(u.created_at)},
                   {"settings", OwnSettings(directory_, OrgLevel::kUser, u.address)}}));
    });
  });
  router.Add("PATCH", "/api/v1/users/{address}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto address = PathName(req.params[0], "address");
      if (!address.ok()) return Problem(address.error());
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto s = OnlyFields(*body, {"settings", "smtp_login"}); !s.ok())
        return Problem(s.error());
      if (const json::value* login = body->if_contains("smtp_login")) {
        // A password is only ever made by the server and shown once (smtp-password).
        if (!login->is_bool() || login->as_bool()) {
          return Problem(MakeError(ErrorCode::kInvalidArgument,
                                   "only false (turn SMTP login off); POST "
                                   "/api/v1/users/{address}/smtp-password turns it on",
                                   "smtp_login"));
        }
      }
      if (auto s = PatchSettings(*body, OrgLevel::kUser, *address); !s.ok())
        return Problem(s.error());
      if (body->contains("smtp_login")) {
        if (auto s = org_.SetSmtpPassword(*address, ""); !s.ok()) return Problem(s.error());
      }
      auto found = org_.FindUser(*address);
      if (!found.ok()) return Problem(found.error());
      if (!found->has_value())
        return Problem(MakeError(ErrorCode::kNotFound, "no user " + *address));
      return http::JsonResponse(
          200, json::serialize(json::object{
                   {"address", (*found)->address},
                   {"smtp_login", !(*found)->smtp_password_hash.empty()},
                   {"settings", OwnSettings(directory_, OrgLevel::kUser, (*found)->address)}}));
    });
  });
  router.Add("DELETE", "/api/v1/users/{address}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto address = PathName(req.params[0], "address");
      if (!address.ok()) return Problem(address.error());
      if (auto s = directory_.Delete(OrgLevel::kUser, *address); !s.ok()) return Problem(s.error());
      return NoContent();
    });
  });
  router.Add("POST", "/api/v1/users/{address}/smtp-password", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto address = PathName(req.params[0], "address");
      if (!address.ok()) return Problem(address.error());
      std::string password = NewPassword();
      auto hash = HashSecret(password);
      if (!hash.ok()) return Problem(hash.error());
      if (auto s = org_.SetSmtpPassword(*address, *hash); !s.ok()) {
        WipeMemory(password.data(), password.size());
        return Problem(s.error());
      }
      Response r = http::JsonResponse(
          201, json::serialize(json::object{{"address", *address}, {"password", password}}));
      r.Set("Cache-Control", "no-store");
      WipeMemory(password.data(), password.size());
      return r;
    });
  });
}

void AdminApi::RegisterUserBooks(http::Router& router) {
  router.Add("GET", "/api/v1/users/{address}/books", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto address = PathName(req.params[0], "address");
      if (!address.ok()) return Problem(address.error());
      auto links = books_.Links(*address);
      if (!links.ok()) return Problem(links.error());
      json::array list;
      for (const auto& [book, role] : *links) list.push_back({{"book", book}, {"role", role}});
      return http::JsonResponse(200, json::serialize(json::object{{"books", std::move(list)}}));
    });
  });
  router.Add("PUT", "/api/v1/users/{address}/books/{book}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto address = PathName(req.params[0], "address");
      if (!address.ok()) return Problem(address.error());
      auto book = PathName(req.params[1], "book");
      if (!book.ok()) return Problem(book.error());
      auto ref = policy::ParseBookRef(*book);
      if (!ref.ok()) return Problem(ref.error());
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto s = OnlyFields(*body, {"role"}); !s.ok()) return Problem(s.error());
      auto role = StringField(*body, "role", true);
      if (!role.ok()) return Problem(role.error());
      auto user = org_.FindUser(*address);
      if (!user.ok()) return Problem(user.error());
      if (!user->has_value())
        return Problem(MakeError(ErrorCode::kNotFound, "no user " + *address));
      if (auto s = books_.Link((*user)->address, *ref, *role); !s.ok()) return Problem(s.error());
      return http::JsonResponse(
          200, json::serialize(json::object{{"book", ref->ToString()}, {"role", *role}}));
    });
  });
  router.Add("DELETE", "/api/v1/users/{address}/books/{book}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto address = PathName(req.params[0], "address");
      if (!address.ok()) return Problem(address.error());
      auto book = PathName(req.params[1], "book");
      if (!book.ok()) return Problem(book.error());
      auto ref = policy::ParseBookRef(*book);
      if (!ref.ok()) return Problem(ref.error());
      if (auto s = books_.Unlink(*address, *ref); !s.ok()) return Problem(s.error());
      return NoContent();
    });
  });
}

}  // namespace sealpost::api
