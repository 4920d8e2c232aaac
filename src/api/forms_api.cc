// REST API v1, secure web forms (issue 24), for administrators:
//   GET    /api/v1/forms[?account=]          every form (or an account's)
//   POST   /api/v1/forms                     {"name", "definition": {…}, "account"?,
//                                            "namespace"?, "enabled"?} → 201
//   GET    /api/v1/forms/{name}
//   PATCH  /api/v1/forms/{name}              {"definition"?, "namespace"?, "enabled"?}
//   DELETE /api/v1/forms/{name}
// Each by forms::FormDirectory, as the CLI does it; a definition's problem is named
// within it ("definition.steps[0].fields[1].name").
#include <boost/json.hpp>

#include "api/admin_api.h"
#include "api/json_body.h"
#include "forms/form_directory.h"

namespace sealpost::api {
namespace json = boost::json;
using http::Response;

namespace {

Response NoSuchForm() { return http::ProblemResponse(404, "Not found", "There is no such form."); }

json::object ToJson(const FormRecord& f) {
  boost::system::error_code ec;
  json::value definition = json::parse(f.definition, ec);
  return json::object{{"name", f.name},
                      {"account", f.account},
                      {"namespace", f.namespace_name},
                      {"enabled", f.enabled},
                      {"path", "/f/" + f.name},
                      {"definition", ec ? json::value(nullptr) : std::move(definition)},
                      {"created_at", FormatRfc3339(f.created_at)},
                      {"updated_at", FormatRfc3339(f.updated_at)}};
}

Result<forms::FormChange> FormChangeOf(const json::object& body) {
  forms::FormChange change;
  if (const json::value* d = body.if_contains("definition"); d && !d->is_null()) {
    if (!d->is_object()) {
      return MakeError(ErrorCode::kInvalidArgument, "must be an object", "definition");
    }
    change.definition = json::serialize(*d);
  }
  if (body.contains("namespace")) {
    auto ns = StringField(body, "namespace", false);
    if (!ns.ok()) return std::move(ns).error();
    change.namespace_name = std::move(*ns);
  }
  if (const json::value* e = body.if_contains("enabled"); e && !e->is_null()) {
    if (!e->is_bool()) return MakeError(ErrorCode::kInvalidArgument, "true or false", "enabled");
    change.enabled = e->get_bool();
  }
  return change;
}

}  // namespace

void AdminApi::RegisterForms(http::Router& router) {
  router.Add("GET", "/api/v1/forms", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto form = http::ParseForm(req.query, 4);
      if (!form.ok())
        return Problem(MakeError(ErrorCode::kInvalidArgument, "a malformed query string", "query"));
      auto list = forms_->List(http::FormValue(*form, "account").value_or(""));
      if (!list.ok()) return Problem(list.error());
      json::array out;
      for (const auto& f : *list) out.push_back(ToJson(f));
      return http::JsonResponse(200, json::serialize(json::object{{"forms", std::move(out)}}));
    });
  });
  router.Add("POST", "/api/v1/forms", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal& caller) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto s = OnlyFields(*body, {"name", "definition", "account", "namespace", "enabled"});
          !s.ok()) {
        return Problem(s.error());
      }
      auto name = StringField(*body, "name", true);
      if (!name.ok()) return Problem(name.error());
      auto account = StringField(*body, "account", false);
      if (!account.ok()) return Problem(account.error());
      auto change = FormChangeOf(*body);
      if (!change.ok()) return Problem(change.error());
      auto made = forms_->Create(*name, account->empty() ? caller.account : *account, *change);
      if (!made.ok()) return Problem(made.error());
      Response r = http::JsonResponse(201, json::serialize(ToJson(*made)));
      r.Set("Location", "/api/v1/forms/" + made->name);
      return r;
    });
  });
  router.Add("GET", "/api/v1/forms/{name}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto found = forms_->Find(req.params[0]);
      if (!found.ok()) return Problem(found.error());
      if (!found->has_value()) return NoSuchForm();
      return http::JsonResponse(200, json::serialize(ToJson(**found)));
    });
  });
  router.Add("PATCH", "/api/v1/forms/{name}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto s = OnlyFields(*body, {"definition", "namespace", "enabled"}); !s.ok()) {
        return Problem(s.error());
      }
      auto change = FormChangeOf(*body);
      if (!change.ok()) return Problem(change.error());
      auto updated = forms_->Update(req.params[0], *change);
      if (!updated.ok()) {
        return updated.error().code == ErrorCode::kNotFound && updated.error().field.empty()
                   ? NoSuchForm()
                   : Problem(updated.error());
      }
      return http::JsonResponse(200, json::serialize(ToJson(*updated)));
    });
  });
  router.Add("DELETE", "/api/v1/forms/{name}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      if (auto s = forms_->Delete(req.params[0]); !s.ok()) {
        return s.error().code == ErrorCode::kNotFound ? NoSuchForm() : Problem(s.error());
      }
      Response r;
      r.status = 204;
      return r;
    });
  });
}

}  // namespace sealpost::api
