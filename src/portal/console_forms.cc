// Secure web forms in the console (issue 24, organisation administrators): listed, made
// from a JSON definition (its problems named within it, the definition written kept in
// the box), changed (definition, namespace, whether it takes submissions), deleted — each
// by forms::FormDirectory, the one way the API makes them too, with the request's audit
// record (what the form was and became).
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "base/text.h"
#include "forms/form_directory.h"
#include "portal/common.h"
#include "portal/console_pages.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

// A definition as people read it: indented, one key a line.
void Indent(const boost::json::value& v, int depth, std::string& out) {
  const std::string pad(static_cast<std::size_t>(depth) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(depth + 1) * 2, ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, value] : v.get_object()) {
      out += (first ? "" : ",\n") + inner + boost::json::serialize(boost::json::string(key)) + ": ";
      Indent(value, depth + 1, out);
      first = false;
    }
    out += "\n" + pad + "}";
  } else if (v.is_array() && !v.get_array().empty() && !v.get_array()[0].is_string()) {
    out += "[\n";
    bool first = true;
    for (const auto& item : v.get_array()) {
      out += (first ? "" : ",\n") + inner;
      Indent(item, depth + 1, out);
      first = false;
    }
    out += "\n" + pad + "]";
  } else {
    out += boost::json::serialize(v);
  }
}

std::string Readable(const std::string& definition) {
  boost::system::error_code ec;
  auto v = boost::json::parse(definition, ec);
  if (ec) return definition;
  std::string out;
  Indent(v, 0, out);
  return out;
}

}  // namespace

Response ConsolePages::FormsPage(int status, const Visitor& visitor, const std::string& error,
                                 const std::string& notice, const std::string& written_name,
                                 const std::string& written_definition) {
  auto list = services_.forms->List("");
  auto accounts =
      list.ok() ? services_.org->ListAccounts() : Result<std::vector<AccountRecord>>(list.error());
  if (!accounts.ok()) {
    spdlog::error("console: forms not read: {}", accounts.error().ToString());
    return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  return Page(status, "console_forms.tpl", "Forms", &visitor, "FORMS_CURRENT",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                ShowOutcome(d, error, notice);
                d.SetValue("WRITTEN_NAME", written_name);
                d.SetValue("WRITTEN_DEFINITION", written_definition);
                if (list->empty()) {
                  d.ShowSection("NONE");
                } else {
                  auto* any = d.AddSectionDictionary("ANY");
                  any->SetIntValue("COUNT", static_cast<long>(list->size()));
                  for (const auto& f : *list) {
                    auto* row = any->AddSectionDictionary("FORM");
                    row->SetValue("NAME", f.name);
                    row->SetValue("ACCOUNT", f.account);
                    auto parsed = forms::ParseDefinition(f.definition);
                    row->SetValue("TITLE", parsed.ok() ? parsed->title : "");
                    row->SetValue("STATE", f.enabled ? "takes submissions" : "off");
                    row->SetValue("CHANGED", HumanTime(f.updated_at));
                  }
                }
                AddAccountOptions(d, *accounts);
              });
}

Response ConsolePages::FormPage(int status, const Visitor& visitor, const std::string& name,
                                const std::string& error, const std::string& notice,
                                const std::string* written_definition) {
  auto found = services_.forms->Find(name);
  if (found.ok() && !found->has_value()) {
    return Info(404, "No such form", {"It may have been deleted."}, &visitor, "/console/forms",
                "Back to the forms");
  }
  auto namespaces = found.ok() ? services_.org->ListNamespaces()
                               : Result<std::vector<NamespaceRecord>>(found.error());
  if (!namespaces.ok()) {
    spdlog::error("console: form not read: {}", namespaces.error().ToString());
    return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  const FormRecord& f = **found;
  auto parsed = forms::ParseDefinition(f.definition);
  return Page(status, "console_form.tpl", "The form " + f.name, &visitor, "FORMS_CURRENT",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                ShowOutcome(d, error, notice);
                d.SetValue("NAME", f.name);
                d.SetValue("ACCOUNT", f.account);
                d.SetValue("NAMESPACE_SHOWN",
                           f.namespace_name.empty() ? "none (the server’s)" : f.namespace_name);
                d.SetValue("STATE", f.enabled ? "takes submissions" : "off");
                if (f.enabled) d.ShowSection("ENABLED");
                d.SetValue("CREATED", HumanTime(f.created_at));
                d.SetValue("CHANGED", HumanTime(f.updated_at));
                if (parsed.ok()) {
                  d.SetValue("TITLE", parsed->title);
                  d.SetValue("RECIPIENTS", Join(parsed->recipients));
                  std::size_t fields = 0;
                  for (const auto& s : parsed->steps) fields += s.fields.size();
                  d.SetIntValue("FIELDS", static_cast<long>(fields));
                  d.SetIntValue("STEPS", static_cast<long>(parsed->steps.size()));
                  d.SetIntValue("RETENTION", parsed->retention_days);
                }
                d.SetValue("DEFINITION",
                           written_definition ? *written_definition : Readable(f.definition));
                // Where it is published: the namespace's host, else the server's.
                std::string base = services_.public_url;
                for (const auto& ns : *namespaces) {
                  if (ns.name == f.namespace_name && !ns.hosts.empty()) {
                    base = WithHost(base, ns.hosts.front());
                  }
                }
                d.SetValue("LINK", base + "/f/" + f.name);
                if (parsed.ok() && !parsed->allowed_origins.empty()) {
                  d.SetValueAndShowSection("ORIGINS", Join(parsed->allowed_origins), "FRAMED");
                } else {
                  d.ShowSection("NOT_FRAMED");
                }
                for (const auto& ns : *namespaces) {
                  auto* o = d.AddSectionDictionary("NAMESPACE_OPTION");
                  o->SetValue("VALUE", ns.name);
                  if (ns.name == f.namespace_name) o->ShowSection("SELECTED");
                }
              });
}

awaitable<Response> ConsolePages::Forms(http::Request&, const Visitor& visitor) {
  co_return co_await MadeOffLoop([&] { return FormsPage(200, visitor, "", "", "", ""); });
}

awaitable<Response> ConsolePages::FormView(http::Request& req, const Visitor& visitor) {
  co_return co_await MadeOffLoop(
      [&] { return FormPage(200, visitor, req.params[0], "", "", nullptr); });
}

awaitable<Response> ConsolePages::CreateForm(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/forms", "Back to the forms");
  }
  auto form = http::ParseForm(req.body);
  const std::string name(TrimWhitespace(Field(form, "name")));
  const std::string account = Field(form, "account");
  const std::string definition = Field(form, "definition");
  Status made = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, SanitizeForLog(name, 100),
          [&]() -> Status {
            auto created = services_.forms->Create(name, account, {definition, {}, {}});
            return created.ok() ? OkStatus() : Status(created.error());
          },
          &made)) {
    co_return std::move(*busy);
  }
  if (!made.ok()) {
    co_return co_await MadeOffLoop([&] {
      return FormsPage(StatusOf(made.error()), visitor,
                       "The form was not made: " + Refusal(made.error()), "", name, definition);
    });
  }
  spdlog::info("console[{}]: form {} made", req.id, SanitizeForLog(name));
  co_return http::RedirectResponse("/console/forms/" + name);
}

awaitable<Response> ConsolePages::SaveForm(http::Request& req, const Visitor& visitor) {
  const std::string name = req.params[0];
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/forms/" + name, "Back to the form");
  }
  auto form = http::ParseForm(req.body);
  const std::string definition = Field(form, "definition");
  forms::FormChange change;
  change.definition = definition;
  change.namespace_name = Field(form, "namespace");
  change.enabled = Field(form, "enabled") == "yes";
  Status saved = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, SanitizeForLog(name, 100),
          [&]() -> Status {
            auto updated = services_.forms->Update(name, change);
            return updated.ok() ? OkStatus() : Status(updated.error());
          },
          &saved)) {
    co_return std::move(*busy);
  }
  if (!saved.ok() && saved.error().code == ErrorCode::kNotFound && saved.error().field.empty()) {
    co_return Info(404, "No such form", {"It may have been deleted."}, &visitor, "/console/forms",
                   "Back to the forms");
  }
  co_return co_await MadeOffLoop([&] {
    return saved.ok() ? FormPage(200, visitor, name, "", "The form is saved.", nullptr)
                      : FormPage(StatusOf(saved.error()), visitor, name,
                                 "Nothing was saved: " + Refusal(saved.error()), "", &definition);
  });
}

awaitable<Response> ConsolePages::DeleteForm(http::Request& req, const Visitor& visitor) {
  const std::string name = req.params[0];
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/forms/" + name, "Back to the form");
  }
  if (Field(http::ParseForm(req.body), "confirm") != "yes") {
    co_return co_await MadeOffLoop([&] {
      return FormPage(422, visitor, name, "Tick “Yes, delete the form” to delete it.", "", nullptr);
    });
  }
  Status deleted = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, SanitizeForLog(name, 100), [&] { return services_.forms->Delete(name); },
          &deleted)) {
    co_return std::move(*busy);
  }
  if (!deleted.ok()) {
    co_return deleted.error().code == ErrorCode::kNotFound
        ? Info(404, "No such form", {"It may have been deleted."}, &visitor, "/console/forms",
               "Back to the forms")
        : Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  co_return co_await MadeOffLoop(
      [&] { return FormsPage(200, visitor, "", "The form " + name + " is deleted.", "", ""); });
}

}  // namespace sealpost::portal
