// REST API v1, namespaces (issue 8): create, read, change and list them, and import
// portal accounts from the shared pool. Part of AdminApi: administrators' keys only.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "api/admin_api.h"
#include "api/json_body.h"
#include "audit/pending.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "policy/namespaces.h"
#include "portal/accounts.h"

namespace sealpost::api {
namespace json = boost::json;
using http::Response;

namespace {

constexpr std::uint64_t kMaxNamespaceBody = 512 * 1024;  // a 256 KiB logo in base64, and more
constexpr std::size_t kMaxImportAddresses = 10000;

json::object ToJson(const NamespaceRecord& n) {
  json::array hosts;
  for (const auto& h : n.hosts) hosts.push_back(json::value(h));
  json::value logo = nullptr;
  if (!n.logo.empty()) {
    logo = json::object{{"content_type", n.logo_type}, {"size", n.logo.size()}};
  }
  return json::object{{"name", n.name},
                      {"display_name", n.display_name},
                      {"colour", n.colour},
                      {"support_contact", n.support_contact},
                      {"hosts", std::move(hosts)},
                      {"logo", std::move(logo)},
                      {"message_center", n.message_center},
                      {"message_center_tradeoff", policy::kMessageCenterTradeoff},
                      {"created_at", FormatRfc3339(n.created_at)}};
}

Status Text(const json::value& v, const char* field, std::string& out) {
  if (!v.is_string()) return MakeError(ErrorCode::kInvalidArgument, "must be a string", field);
  out = std::string(v.get_string());
  return OkStatus();
}

// Applies the fields of a request body to `n`; every field is optional except as the
// caller requires. Unknown fields are refused, so a typo never passes silently.
Status Apply(const json::object& body, NamespaceRecord& n, bool creating) {
  for (const auto& [key, value] : body) {
    Status s = OkStatus();
    if (key == "name") {
      s = creating ? Text(value, "name", n.name)
                   : MakeError(ErrorCode::kInvalidArgument, "a namespace is not renamed", "name");
    } else if (key == "display_name") {
      s = Text(value, "display_name", n.display_name);
    } else if (key == "colour") {
      s = Text(value, "colour", n.colour);
    } else if (key == "support_contact") {
      s = Text(value, "support_contact", n.support_contact);
    } else if (key == "hosts") {
      if (!value.is_array()) {
        return MakeError(ErrorCode::kInvalidArgument, "must be an array of host names", "hosts");
      }
      n.hosts.clear();
      for (const auto& h : value.get_array()) {
        if (!h.is_string()) {
          return MakeError(ErrorCode::kInvalidArgument, "must be an array of host names", "hosts");
        }
        n.hosts.emplace_back(h.get_string());
      }
    } else if (key == "logo_base64") {
      if (value.is_null()) {
        n.logo.clear();
      } else {
        std::string text;
        s = Text(value, "logo_base64", text);
        if (s.ok()) {
          auto bytes = Base64Decode(text);
          if (!bytes) return MakeError(ErrorCode::kInvalidArgument, "not base64", "logo_base64");
          n.logo = std::move(*bytes);
        }
      }
    } else if (key == "message_center") {
      if (!value.is_bool()) {
        return MakeError(ErrorCode::kInvalidArgument, "must be true or false", "message_center");
      }
      n.message_center = value.get_bool();
    } else {
      s = MakeError(ErrorCode::kInvalidArgument, "unknown field", std::string(key));
    }
    if (!s.ok()) return s;
  }
  if (creating && n.display_name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "a namespace needs a display name",
                     "display_name");
  }
  auto checked = policy::CheckNamespace(n);
  if (!checked.ok() && checked.error().field == "logo") {
    return MakeError(ErrorCode::kInvalidArgument, checked.error().message, "logo_base64");
  }
  return checked;
}

}  // namespace

void AdminApi::RegisterNamespaces(http::Router& router) {
  router.Add("GET", "/api/v1/namespaces", [this](http::Request& req) {
    return AsAdmin(req, [this](const Principal&) -> Response {
      auto all = org_.ListNamespaces();
      if (!all.ok()) return Problem(all.error());
      json::array list;
      for (const auto& n : *all) list.push_back(ToJson(n));
      return http::JsonResponse(200,
                                json::serialize(json::object{{"namespaces", std::move(list)}}));
    });
  });
  router.Add(
      "POST", "/api/v1/namespaces",
      [this](http::Request& req) {
        return AsAdmin(req, [this, &req](const Principal&) -> Response {
          auto body = ParseObject(req.body);
          if (!body.ok()) return Problem(body.error());
          NamespaceRecord n;
          n.colour = "#0b5394";
          n.created_at = clock_.NowUnix();
          auto applied = Apply(*body, n, true);
          if (!applied.ok()) return Problem(applied.error());
          auto created = org_.CreateNamespace(n);
          if (!created.ok()) return Problem(created.error());
          spdlog::info("api[{}]: namespace {} created through the API", req.id, n.name);
          Response r = http::JsonResponse(201, json::serialize(ToJson(n)));
          r.Set("Location", "/api/v1/namespaces/" + n.name);
          return r;
        });
      },
      http::BodyMode::kBuffered, kMaxNamespaceBody);
  router.Add("GET", "/api/v1/namespaces/{name}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto found = org_.FindNamespace(req.params[0]);
      if (!found.ok()) return Problem(found.error());
      if (!found->has_value()) {
        return http::ProblemResponse(404, "Not found", "There is no such namespace.");
      }
      return http::JsonResponse(200, json::serialize(ToJson(**found)));
    });
  });
  router.Add(
      "PATCH", "/api/v1/namespaces/{name}",
      [this](http::Request& req) {
        return AsAdmin(req, [this, &req](const Principal&) -> Response {
          auto body = ParseObject(req.body);
          if (!body.ok()) return Problem(body.error());
          auto found = org_.FindNamespace(req.params[0]);
          if (!found.ok()) return Problem(found.error());
          if (!found->has_value()) {
            return http::ProblemResponse(404, "Not found", "There is no such namespace.");
          }
          NamespaceRecord n = **found;
          auto applied = Apply(*body, n, false);
          if (!applied.ok()) return Problem(applied.error());
          // The audit record keeps what the namespace was and became.
          audit::DetailPending(policy::NamespaceChangeDetails(**found, n));
          auto updated = org_.UpdateNamespace(n);
          if (!updated.ok()) return Problem(updated.error());
          return http::JsonResponse(200, json::serialize(ToJson(n)));
        });
      },
      http::BodyMode::kBuffered, kMaxNamespaceBody);
  router.Add(
      "POST", "/api/v1/namespaces/{name}/accounts/import",
      [this](http::Request& req) {
        return AsAdmin(req, [this, &req](const Principal&) -> Response {
          std::vector<std::string> addresses;
          if (!req.body.empty()) {
            auto body = ParseObject(req.body);
            if (!body.ok()) return Problem(body.error());
            for (const auto& [key, value] : *body) {
              if (key != "addresses" || !value.is_array()) {
                return Problem(MakeError(ErrorCode::kInvalidArgument,
                                         "only \"addresses\", an array of addresses",
                                         std::string(key)));
              }
              for (const auto& a : value.get_array()) {
                if (!a.is_string()) {
                  return Problem(
                      MakeError(ErrorCode::kInvalidArgument, "must be addresses", "addresses"));
                }
                addresses.emplace_back(a.get_string());
              }
            }
            if (addresses.size() > kMaxImportAddresses) {
              return Problem(MakeError(ErrorCode::kInvalidArgument,
                                       "at most 10000 addresses a request", "addresses"));
            }
          }
          auto found = org_.FindNamespace(req.params[0]);
          if (!found.ok()) return Problem(found.error());
          if (!found->has_value()) {
            return http::ProblemResponse(404, "Not found", "There is no such namespace.");
          }
          auto done = portal::ImportSharedAccounts(portal_accounts_, keys_, clock_, req.params[0],
                                                   addresses);
          if (!done.ok()) return Problem(done.error());
          json::array imported, skipped;
          for (const auto& a : done->imported) imported.push_back(json::value(a));
          for (const auto& [a, why] : done->skipped) {
            skipped.push_back(json::object{{"address", a}, {"reason", why}});
          }
          spdlog::info("api[{}]: namespace {}: {} accounts imported from the shared pool", req.id,
                       req.params[0], done->imported.size());
          return http::JsonResponse(200,
                                    json::serialize(json::object{{"imported", std::move(imported)},
                                                                 {"skipped", std::move(skipped)}}));
        });
      },
      http::BodyMode::kBuffered, kMaxNamespaceBody);
}

}  // namespace sealpost::api
