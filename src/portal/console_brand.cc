// The console's namespace pages (issue 22, organisation administrators): each namespace
// — a pool of portal accounts with its own brand — listed, made, and edited with a
// preview of its portal's header and button in the proposed colours and logo, and the
// contrast check of white text on the accent colour (WCAG AA, 4.5:1) before anything is
// saved. The preview needs no script: "Preview" posts the form and the page comes back
// with it, the proposed logo carried along; the page's colours come from a stylesheet of
// this server (the CSP allows no inline style). Saving is checked by
// policy::CheckNamespace, as the CLI's and the API's are, and recorded with what the
// namespace was and became.
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "audit/pending.h"
#include "base/encoding.h"
#include "base/text.h"
#include "policy/namespaces.h"
#include "portal/common.h"
#include "portal/console_pages.h"
#include "portal/small_upload.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

constexpr std::size_t kMaxLogoBytes = 256 * 1024;
// The proposed logo carried from a preview to the save, as base64.
constexpr std::size_t kMaxCarriedLogo = kMaxLogoBytes * 4 / 3 + 8;
const std::set<std::string> kNamespaceFields = {
    "csrf",  "name",           "display_name", "colour",       "support",
    "hosts", "message_center", "remove_logo",  "logo_carried", "do"};

std::vector<std::string> HostsOf(std::string_view text) {
  std::vector<std::string> hosts;
  std::string current;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      if (!current.empty()) hosts.push_back(AsciiLower(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) hosts.push_back(AsciiLower(current));
  return hosts;
}

// "7.3:1"
std::string Ratio(double r) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f:1", r);
  return buf;
}

}  // namespace

awaitable<Response> ConsolePages::BrandPreviewCss(http::Request& req, const Visitor&) {
  // Only a colour that parses reaches the stylesheet: nothing else of the query does.
  std::string colour = Field(http::ParseForm(req.query), "colour");
  if (policy::ContrastWithWhite(colour) <= 0) colour = "#0b5394";
  Response r;
  r.body = ".brand-preview { --accent: " + AsciiLower(colour) + "; }\n";
  r.Set("Content-Type", "text/css; charset=utf-8");
  co_return r;
}

Response ConsolePages::NamespacePage(int status, const Visitor& visitor, const NamespaceRecord& ns,
                                     bool existing, const std::string& carried_logo,
                                     const std::string& error, const std::string& notice) const {
  const double contrast = policy::ContrastWithWhite(ns.colour);
  return Page(
      status, "console_namespace.tpl", existing ? "Namespace " + ns.name : "A new namespace",
      &visitor, "NAMESPACES_CURRENT", [&](ctemplate::TemplateDictionary& d) {
        d.SetValue("CSRF", ctx_.FormToken("console-namespace", visitor.cookie));
        d.SetValue("NAME", ns.name);
        d.SetValue("ACTION", existing ? "/console/namespaces/" + ns.name : "/console/namespaces");
        d.SetValue("DISPLAY_NAME", ns.display_name);
        d.SetValue("COLOUR", ns.colour);
        d.SetValue("COLOUR_PATH", http::PercentEncode(ns.colour));
        d.SetValue("SUPPORT", ns.support_contact);
        d.SetValue("HOSTS", Join(ns.hosts));
        d.SetValue("TRADEOFF", policy::kMessageCenterTradeoff);
        if (ns.message_center) d.ShowSection("MESSAGE_CENTER");
        d.ShowSection(existing ? "EXISTING" : "CREATING");
        ShowOutcome(d, error, notice);
        // The preview: the proposed logo (carried, as data), else the saved one. SRC is
        // put in the page unescaped (the template's URL filter turns data: away): it is
        // made here of a checked type and base64 only, or a path of a checked name.
        if (!carried_logo.empty()) {
          auto* logo = d.AddSectionDictionary("LOGO");
          logo->SetValue("SRC", "data:" + ns.logo_type + ";base64," + carried_logo);
          d.AddSectionDictionary("CARRIED")->SetValue("LOGO", carried_logo);
        } else if (existing && !ns.logo.empty()) {
          d.AddSectionDictionary("LOGO")->SetValue("SRC", "/brand/" + ns.name + "/logo");
          d.ShowSection("HAS_LOGO");
        }
        d.SetValue("PREVIEW_NAME", ns.display_name.empty() ? "(no display name)" : ns.display_name);
        if (contrast <= 0) {
          d.ShowSection("NO_COLOUR");
        } else if (contrast >= 4.5) {
          auto* ok = d.AddSectionDictionary("CONTRAST_OK");
          ok->SetValue("RATIO", Ratio(contrast));
        } else {
          auto* low = d.AddSectionDictionary("CONTRAST_LOW");
          low->SetValue("RATIO", Ratio(contrast));
        }
      });
}

awaitable<Response> ConsolePages::Namespaces(http::Request& req, const Visitor& visitor) {
  std::optional<Result<std::vector<NamespaceRecord>>> all;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy =
          co_await ctx_.OffLoop(brand, [&] { all.emplace(services_.org->ListNamespaces()); })) {
    co_return std::move(*busy);
  }
  if (!all->ok()) {
    spdlog::error("console[{}]: namespaces not read: {}", req.id, all->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  co_return Page(200, "console_namespaces.tpl", "Namespaces", &visitor, "NAMESPACES_CURRENT",
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetIntValue("COUNT", static_cast<long>((*all)->size()));
                   for (const auto& ns : **all) {
                     auto* row = d.AddSectionDictionary("NAMESPACE");
                     row->SetValue("NAME", ns.name);
                     row->SetValue("DISPLAY_NAME", ns.display_name);
                     row->SetValue("HOSTS", ns.hosts.empty() ? "none" : Join(ns.hosts));
                     row->SetValue("CENTER", ns.message_center ? "on" : "off");
                   }
                 });
}

awaitable<Response> ConsolePages::NewNamespace(http::Request&, const Visitor& visitor) {
  NamespaceRecord ns;
  ns.colour = "#0b5394";
  co_return NamespacePage(200, visitor, ns, false, "", "", "");
}

awaitable<Response> ConsolePages::EditNamespace(http::Request& req, const Visitor& visitor) {
  std::optional<Result<std::optional<NamespaceRecord>>> found;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { found.emplace(services_.org->FindNamespace(req.params[0])); })) {
    co_return std::move(*busy);
  }
  if (!found->ok()) {
    spdlog::error("console[{}]: namespace not read: {}", req.id, found->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  if (!found->value()) {
    co_return Info(404, "No such namespace", {"There is no namespace by that name."}, &visitor,
                   "/console/namespaces", "Namespaces");
  }
  co_return NamespacePage(200, visitor, *found->value(), true, "", "", "");
}

awaitable<Response> ConsolePages::SaveNamespace(http::Request& req, const Visitor& visitor) {
  const bool existing = !req.params.empty();
  const std::string back =
      existing ? "/console/namespaces/" + req.params[0] : "/console/namespaces";
  SmallUpload up(kNamespaceFields, "logo", kMaxLogoBytes, kMaxCarriedLogo);
  if (Status read = co_await up.Read(req); !read.ok()) {
    const bool large = read.error().code == ErrorCode::kResourceExhausted;
    Response r = Info(large ? 413 : 400, "Not saved",
                      {large ? "The logo is larger than 256 KiB." : read.error().message}, &visitor,
                      back, "Back to the namespace");
    r.Set("Connection", "close");
    co_return r;
  }
  if (!ConstantTimeEqual(up.Field("csrf"), ctx_.FormToken("console-namespace", visitor.cookie))) {
    co_return FormExpired(&visitor, back, "Back to the namespace");
  }
  // What is there now (to edit), and what the form proposes.
  std::optional<Result<std::optional<NamespaceRecord>>> found;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (existing) {
    if (auto busy = co_await ctx_.OffLoop(
            brand, [&] { found.emplace(services_.org->FindNamespace(req.params[0])); })) {
      co_return std::move(*busy);
    }
    if (!found->ok() || !found->value()) {
      co_return Info(found->ok() ? 404 : 500, "No such namespace",
                     {"There is no namespace by that name."}, &visitor, "/console/namespaces",
                     "Namespaces");
    }
  }
  NamespaceRecord before = existing ? *found->value() : NamespaceRecord{};
  NamespaceRecord ns = before;
  if (!existing) {
    ns.name = AsciiLower(TrimWhitespace(up.Field("name")));
    ns.created_at = ctx_.clock.NowUnix();
  }
  ns.display_name = std::string(TrimWhitespace(up.Field("display_name")));
  ns.colour = AsciiLower(TrimWhitespace(up.Field("colour")));
  ns.support_contact = std::string(TrimWhitespace(up.Field("support")));
  ns.hosts = HostsOf(up.Field("hosts"));
  ns.message_center = up.Field("message_center") == "on";
  // The logo: a file chosen now, else one carried from a preview, else the saved one
  // (unless asked to remove it).
  std::string carried;
  if (up.has_file() && !up.file().empty()) {
    ns.logo = std::move(up.file());
  } else if (!up.Field("logo_carried").empty()) {
    auto decoded = Base64Decode(up.Field("logo_carried"));
    if (decoded) ns.logo = std::move(*decoded);
  } else if (up.Field("remove_logo") == "on") {
    ns.logo.clear();
    ns.logo_type.clear();
  }
  const bool new_logo = ns.logo != before.logo;
  Status checked = policy::CheckNamespace(ns);  // fills in logo_type
  if (new_logo && !ns.logo.empty()) carried = Base64Encode(ns.logo);
  if (!existing && ns.display_name.empty() && checked.ok()) {
    checked =
        MakeError(ErrorCode::kInvalidArgument, "a namespace needs a display name", "display_name");
  }
  const std::string what = up.Field("do");
  if (!checked.ok()) {
    const Error& e = checked.error();
    co_return NamespacePage(
        422, visitor, ns, existing, carried,
        "Not saved: " + (e.field.empty() ? "" : e.field + " ") + e.message + ".", "");
  }
  if (what == "preview") {
    co_return NamespacePage(200, visitor, ns, existing, carried, "",
                            "This is a preview: nothing is saved yet.");
  }
  Status saved = OkStatus();
  if (auto busy = co_await Change(
          req, visitor, ns.name,
          [&] {
            audit::DetailPending(policy::NamespaceChangeDetails(before, ns));
            return existing ? services_.org->UpdateNamespace(ns)
                            : services_.org->CreateNamespace(ns);
          },
          &saved)) {
    co_return std::move(*busy);
  }
  if (!saved.ok()) {
    const Error& e = saved.error();
    co_return NamespacePage(e.code == ErrorCode::kAlreadyExists ? 409 : 500, visitor, ns, existing,
                            carried, "Not saved: " + e.message + ".", "");
  }
  co_await ctx_.ReloadBrands();  // its portal shows the new brand from now
  spdlog::info("console[{}]: namespace {} saved", req.id, ns.name);
  co_return http::RedirectResponse("/console/namespaces/" + ns.name);
}

}  // namespace sealpost::portal
