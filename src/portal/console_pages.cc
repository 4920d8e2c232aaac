#include "portal/console_pages.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "audit/chain.h"
#include "base/encoding.h"
#include "crypto/totp.h"
#include "policy/org_directory.h"
#include "portal/common.h"
#include "portal/qr.h"
#include "store/audit_export.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using console::Area;
using console::Role;
using http::Response;

namespace {

constexpr std::uint64_t kFormLimit = 16 * 1024;
// The live preview's form: the message's text (64 KiB) and its addresses.
constexpr std::uint64_t kPreviewLimit = 160 * 1024;
constexpr int kAuditPage = 50;
// A written message's upload: its files (the portal's limit for what is written there)
// and its fields. The files' own limit is checked as they stream in.
// A namespace's form: a 256 KiB logo, and the one carried from a preview (base64).
constexpr std::uint64_t kNamespaceLimit = 1024 * 1024;
constexpr std::uint64_t kUploadLimit = 101ull * 1024 * 1024 + 256 * 1024;
// A form's definition (256 KiB of JSON, percent-encoded at most three times over).
constexpr std::uint64_t kDefinitionLimit = 800 * 1024;

using Form = std::vector<std::pair<std::string, std::string>>;

}  // namespace

void ShowOutcome(ctemplate::TemplateDictionary& dict, const std::string& error,
                 const std::string& notice) {
  if (!error.empty()) {
    dict.ShowSection("ERROR");
    dict.SetValue("ERROR_TEXT", error);
  }
  if (!notice.empty()) {
    dict.ShowSection("NOTICE");
    dict.SetValue("NOTICE_TEXT", notice);
  }
}

void AllowOwnScripts(Response& r) {
  r.Set("Content-Security-Policy",
        std::string(http::kContentSecurityPolicy) + "; script-src 'self'; connect-src 'self'");
}

void AddAccountOptions(ctemplate::TemplateDictionary& dict,
                       const std::vector<AccountRecord>& accounts) {
  for (const auto& a : accounts)
    dict.AddSectionDictionary("ACCOUNT_OPTION")->SetValue("NAME", a.name);
  if (std::none_of(accounts.begin(), accounts.end(),
                   [](const AccountRecord& a) { return a.name == "default"; })) {
    dict.AddSectionDictionary("ACCOUNT_OPTION")->SetValue("NAME", "default");
  }
}

std::optional<std::int64_t> WholeNumber(std::string_view text, std::int64_t max) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
    if (n > max) return std::nullopt;
  }
  return n;
}

namespace {
// The campaign pages' routes, served only with the campaign services.
bool CampaignRoute(std::string_view path) {
  for (std::string_view prefix : {"/console/campaigns", "/console/segments",
                                  "/console/automations/", "/console/templates/"}) {
    if (path.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}
}  // namespace

const std::vector<ConsolePages::Route>& ConsolePages::Routes() {
  using P = ConsolePages;
  static const std::vector<Route> routes = {
      {"GET", "/console/sign-in", &P::SignInForm},
      {"POST", "/console/sign-in", &P::SubmitSignIn, nullptr, Area::kSelf, kFormLimit},
      {"GET", "/console/reset", &P::ResetForm},
      {"POST", "/console/reset", &P::SubmitResetRequest, nullptr, Area::kSelf, kFormLimit},
      {"GET", "/console/reset/{token}", &P::PasswordForm},
      {"POST", "/console/reset/{token}", &P::SubmitPassword, nullptr, Area::kSelf, kFormLimit},
      {"POST", "/console/code", &P::SubmitCode, nullptr, Area::kSelf, kFormLimit},
      {"GET", "/console", nullptr, &P::Home, Area::kSelf},
      {"GET", "/console/two-step", nullptr, &P::TwoStep, Area::kSelf, 0, true},
      {"POST", "/console/two-step/start", nullptr, &P::StartTwoStep, Area::kSelf, kFormLimit, true},
      {"POST", "/console/two-step/confirm", nullptr, &P::ConfirmTwoStep, Area::kSelf, kFormLimit,
       true},
      {"POST", "/console/two-step/off", nullptr, &P::TwoStepOff, Area::kSelf, kFormLimit},
      {"POST", "/console/passkey/challenge", &P::PasskeySignInChallenge, nullptr, Area::kSelf,
       kFormLimit},
      {"POST", "/console/passkey/sign-in", &P::SubmitPasskeySignIn, nullptr, Area::kSelf,
       kFormLimit},
      {"POST", "/console/passkeys/challenge", nullptr, &P::PasskeyChallenge, Area::kSelf,
       kFormLimit, true},
      {"POST", "/console/passkeys", nullptr, &P::AddPasskey, Area::kSelf, kFormLimit, true},
      {"POST", "/console/passkeys/delete", nullptr, &P::RemovePasskey, Area::kSelf, kFormLimit,
       true},
      {"POST", "/console/sign-out", nullptr, &P::SignOut, Area::kSelf, kFormLimit, true},
      {"GET", "/console/tools/received", nullptr, &P::Received, Area::kTools},
      {"POST", "/console/tools/received", nullptr, &P::Received, Area::kTools,
       ToolPages::kMaxFormBytes},
      {"GET", "/console/audit", nullptr, &P::Audit, Area::kAudit},
      {"GET", "/console/audit/export", nullptr, &P::AuditExport, Area::kAudit},
      {"GET", "/console/tls-reports", nullptr, &P::TlsReports, Area::kAudit},
      {"GET", "/console/compose", nullptr, &P::ComposeForm, Area::kSend},
      {"POST", "/console/compose", nullptr, &P::SubmitCompose, Area::kSend, kUploadLimit, false,
       true},
      {"POST", "/console/compose/preview", nullptr, &P::PreviewCompose, Area::kSend, kPreviewLimit},
      {"GET", "/console/compose/{id}", nullptr, &P::Review, Area::kSend},
      {"POST", "/console/compose/{id}/send", nullptr, &P::SendHeld, Area::kSend, kFormLimit},
      {"POST", "/console/compose/{id}/discard", nullptr, &P::DiscardHeld, Area::kSend, kFormLimit},
      {"GET", "/console/sent", nullptr, &P::SentList, Area::kSend},
      {"GET", "/console/sent/{id}", nullptr, &P::SentMessage, Area::kSend},
      {"POST", "/console/sent/{id}/retract", nullptr, &P::RetractSent, Area::kSend, kFormLimit},
      {"POST", "/console/sent/{id}/extend", nullptr, &P::ExtendSent, Area::kSend, kFormLimit},
      {"GET", "/console/address-book", nullptr, &P::OwnBook, Area::kSend},
      {"POST", "/console/address-book", nullptr, &P::AddToOwnBook, Area::kSend, kFormLimit},
      {"POST", "/console/address-book/remove", nullptr, &P::RemoveFromOwnBook, Area::kSend,
       kFormLimit},
      {"GET", "/console/dashboard", nullptr, &P::Dashboard, Area::kDomain},
      {"GET", "/console/organisation", nullptr, &P::Organisation, Area::kOrganisation},
      {"GET", "/console/queue", nullptr, &P::Queue, Area::kOrganisation},
      {"GET", "/console/queue/{id}", nullptr, &P::QueueEntryPage, Area::kOrganisation},
      {"POST", "/console/queue/{id}/retry", nullptr, &P::RetryEntry, Area::kOrganisation,
       kFormLimit},
      {"POST", "/console/queue/{id}/delete", nullptr, &P::DeleteEntry, Area::kOrganisation,
       kFormLimit},
      {"POST", "/console/organisation/accounts", nullptr, &P::CreateAccount, Area::kOrganisation,
       kFormLimit},
      {"POST", "/console/organisation/domains", nullptr, &P::CreateDomain, Area::kOrganisation,
       kFormLimit},
      {"POST", "/console/organisation/delete", nullptr, &P::DeleteAccountOrDomain,
       Area::kOrganisation, kFormLimit},
      {"GET", "/console/users", nullptr, &P::Users, Area::kDomain},
      {"POST", "/console/users/delete", nullptr, &P::DeleteUser, Area::kDomain, kFormLimit},
      {"POST", "/console/users", nullptr, &P::CreateUser, Area::kDomain, kFormLimit},
      {"POST", "/console/users/{address}/role", nullptr, &P::SetRole, Area::kDomain, kFormLimit},
      {"GET", "/console/settings/{level}/{name}", nullptr, &P::Settings, Area::kDomain},
      {"POST", "/console/settings/{level}/{name}", nullptr, &P::SetSetting, Area::kDomain,
       kFormLimit},
      {"GET", "/console/namespaces", nullptr, &P::Namespaces, Area::kOrganisation},
      {"POST", "/console/namespaces", nullptr, &P::SaveNamespace, Area::kOrganisation,
       kNamespaceLimit, false, true},
      {"GET", "/console/new-namespace", nullptr, &P::NewNamespace, Area::kOrganisation},
      {"GET", "/console/namespaces/{name}", nullptr, &P::EditNamespace, Area::kOrganisation},
      {"POST", "/console/namespaces/{name}", nullptr, &P::SaveNamespace, Area::kOrganisation,
       kNamespaceLimit, false, true},
      {"GET", "/console/brand-preview.css", nullptr, &P::BrandPreviewCss, Area::kOrganisation},
      {"GET", "/console/clients", nullptr, &P::Clients, Area::kOrganisation},
      {"POST", "/console/clients", nullptr, &P::CreateClient, Area::kOrganisation, kFormLimit},
      {"POST", "/console/clients/{id}/rotate", nullptr, &P::RotateClient, Area::kOrganisation,
       kFormLimit},
      {"POST", "/console/clients/{id}/revoke", nullptr, &P::RevokeClient, Area::kOrganisation,
       kFormLimit},
      {"GET", "/console/webhooks", nullptr, &P::Webhooks, Area::kOrganisation},
      {"POST", "/console/webhooks", nullptr, &P::CreateWebhook, Area::kOrganisation, kFormLimit},
      {"POST", "/console/webhooks/{id}/enabled", nullptr, &P::SwitchWebhook, Area::kOrganisation,
       kFormLimit},
      {"POST", "/console/webhooks/{id}/rotate", nullptr, &P::RotateWebhook, Area::kOrganisation,
       kFormLimit},
      {"POST", "/console/webhooks/{id}/delete", nullptr, &P::DeleteWebhook, Area::kOrganisation,
       kFormLimit},
      {"GET", "/console/webhooks/{id}", nullptr, &P::WebhookLog, Area::kOrganisation},
      {"POST", "/console/webhooks/{id}/deliveries/{delivery}/redeliver", nullptr,
       &P::RedeliverWebhook, Area::kOrganisation, kFormLimit},
      {"GET", "/console/forms", nullptr, &P::Forms, Area::kOrganisation},
      {"POST", "/console/forms", nullptr, &P::CreateForm, Area::kOrganisation, kDefinitionLimit},
      {"GET", "/console/forms/{name}", nullptr, &P::FormView, Area::kOrganisation},
      {"POST", "/console/forms/{name}", nullptr, &P::SaveForm, Area::kOrganisation,
       kDefinitionLimit},
      {"POST", "/console/forms/{name}/delete", nullptr, &P::DeleteForm, Area::kOrganisation,
       kFormLimit},
      {"GET", "/console/submissions", nullptr, &P::SubmissionForms, Area::kSend},
      {"GET", "/console/submissions/{form}", nullptr, &P::Submissions, Area::kSend},
      {"GET", "/console/submissions/{form}/{id}", nullptr, &P::SubmissionView, Area::kSend},
      {"GET", "/console/submissions/{form}/{id}/files/{n}", nullptr, &P::SubmissionFile,
       Area::kSend},
      {"POST", "/console/submissions/{form}/{id}/delete", nullptr, &P::DeleteSubmission,
       Area::kSend, kFormLimit},
      {"GET", "/console/requests", nullptr, &P::Requests, Area::kSend},
      {"POST", "/console/requests", nullptr, &P::CreateRequest, Area::kSend, kFormLimit},
      {"GET", "/console/requests/{id}", nullptr, &P::RequestView, Area::kSend},
      {"GET", "/console/requests/{id}/files/{n}", nullptr, &P::RequestFile, Area::kSend},
      {"GET", "/console/campaigns", nullptr, &P::Campaigns, Area::kDomain},
      {"POST", "/console/segments", nullptr, &P::SaveSegment, Area::kDomain, kFormLimit},
      {"GET", "/console/campaigns/{name}", nullptr, &P::CampaignView, Area::kDomain},
      {"GET", "/console/campaigns/{name}/report.csv", nullptr, &P::CampaignReportCsv,
       Area::kDomain},
      {"POST", "/console/campaigns/{name}/{action}", nullptr, &P::MoveCampaign, Area::kDomain,
       kFormLimit},
      {"GET", "/console/automations/{name}", nullptr, &P::AutomationView, Area::kDomain},
      {"GET", "/console/automations/{name}/report.csv", nullptr, &P::AutomationReportCsv,
       Area::kDomain},
      {"GET", "/console/templates/{name}", nullptr, &P::TemplatePreview, Area::kDomain},
      {"GET", "/console/keys", nullptr, &P::Keys, Area::kOrganisation},
      {"POST", "/console/keys/dkim", nullptr, &P::ChangeDkim, Area::kOrganisation, kFormLimit},
      {"POST", "/console/keys/dkim/delete", nullptr, &P::DeleteDkim, Area::kOrganisation,
       kFormLimit},
      {"POST", "/console/keys/identities", nullptr, &P::MakeIdentity, Area::kOrganisation,
       kFormLimit},
      {"GET", "/console/keys/identities/{scope}/{kind}", nullptr, &P::IdentityPublicPart,
       Area::kOrganisation},
      {"GET", "/console/books", nullptr, &P::Books, Area::kDomain},
      {"GET", "/console/books/{book}", nullptr, &P::Book, Area::kDomain},
      {"POST", "/console/books/{book}", nullptr, &P::MakeBook, Area::kDomain, kFormLimit},
      {"POST", "/console/books/{book}/import", nullptr, &P::ImportBook, Area::kDomain, kUploadLimit,
       false, true},
      {"POST", "/console/books/{book}/keys", nullptr, &P::ImportBookKeys, Area::kDomain,
       kUploadLimit, false, true},
  };
  return routes;
}

ConsolePages::ConsolePages(PortalContext& ctx, ToolPages& tools, Writing& writing,
                           ConsoleServices services)
    : ctx_(ctx),
      tools_(tools),
      writing_(writing),
      services_(services),
      sessions_(ctx.clock, ctx.settings.session_idle_seconds, 100000, ctx.settings.shared_sessions),
      held_(ctx.clock, {}),
      challenges_(ctx.clock) {}

void ConsolePages::Register(http::Router& router) {
  if (!services_.accounts || !services_.org || !services_.audit || !services_.directory ||
      !services_.books || !services_.dashboard || !services_.queue || !services_.identities ||
      !services_.dkim || !services_.dkim_published || !services_.tls_reports ||
      !services_.clients || !services_.webhooks || !services_.webhook_endpoints ||
      !services_.forms || !services_.form_store || !services_.blobs || !services_.requests) {
    return;
  }
  for (const Route& route : Routes()) {
    if (!services_.campaigns.engagement && CampaignRoute(route.path)) continue;
    std::function<awaitable<Response>(http::Request&)> run;
    if (route.open) {
      run = [this, handler = route.open](http::Request& r) { return (this->*handler)(r); };
    } else {
      run = [this, &route](http::Request& r) { return Guarded(r, route); };
    }
    if (route.body_limit > 0) {
      router.Add(route.method, route.path, std::move(run),
                 route.streamed ? http::BodyMode::kStreamed : http::BodyMode::kBuffered,
                 route.body_limit);
    } else {
      router.Add(route.method, route.path, std::move(run));
    }
  }
}

awaitable<Response> ConsolePages::Guarded(http::Request& req, const Route& route) {
  std::optional<Response> refused;
  auto visitor = co_await Admit(req, route.area, &refused);
  if (!visitor) co_return std::move(*refused);
  if (visitor->must_enrol && !route.while_enrolling) {
    co_return http::RedirectResponse("/console/two-step");
  }
  co_return co_await (this->*route.user)(req, *visitor);
}

awaitable<std::optional<ConsolePages::Visitor>> ConsolePages::Admit(
    const http::Request& req, Area area, std::optional<Response>* refused) {
  const std::string cookie = req.cookie(kConsoleCookie).value_or("");
  auto session = cookie.empty() ? std::nullopt : sessions_.Find(cookie);
  if (!session || session->needs_code) {
    *refused = http::RedirectResponse("/console/sign-in");
    co_return std::nullopt;
  }
  // The role is read afresh each time: a change takes effect at the next request.
  std::optional<Result<std::optional<UserRecord>>> user;
  std::optional<Result<std::optional<DomainRecord>>> domain;
  std::optional<Result<policy::EffectiveSettings>> settings;
  std::optional<Result<std::optional<PortalAccountRecord>>> sign_in;
  std::optional<Result<std::vector<PasskeyRecord>>> passkeys;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        user.emplace(services_.org->FindUser(session->address));
        if (!user->ok() || !user->value()) return;
        domain.emplace(services_.org->FindDomain((*user)->value().domain));
        // Whether their account requires two-step sign-in, and whether they have it.
        settings.emplace(services_.directory->EffectiveFor(session->address));
        if (settings->ok() && (*settings)->console_two_step.value) {
          sign_in.emplace(services_.accounts->Find(session->account_id));
          // A passkey is a second step too (it verified its user).
          if (sign_in->ok() && sign_in->value() && (*sign_in)->value().sealed_totp.empty()) {
            passkeys.emplace(services_.accounts->Passkeys(session->account_id));
          }
        }
      })) {
    *refused = std::move(busy);
    co_return std::nullopt;
  }
  const Error* error = !user->ok()                   ? &user->error()
                       : domain && !domain->ok()     ? &domain->error()
                       : settings && !settings->ok() ? &settings->error()
                       : sign_in && !sign_in->ok()   ? &sign_in->error()
                       : passkeys && !passkeys->ok() ? &passkeys->error()
                                                     : nullptr;
  if (error) {
    spdlog::error("console[{}]: user not read: {}", req.id, error->ToString());
    *refused = Info(500, "Something went wrong", {"Please try again in a moment."});
    co_return std::nullopt;
  }
  Visitor visitor;
  visitor.session = std::move(*session);
  visitor.cookie = cookie;
  if (user->value()) {
    visitor.role = console::ParseRole((*user)->value().console_role).value_or(Role::kNone);
  }
  if (domain && domain->value()) visitor.account = (*domain)->value().account;
  if (user->value()) visitor.domain = (*user)->value().domain;
  visitor.two_step_required = settings && (*settings)->console_two_step.value;
  visitor.must_enrol = sign_in && sign_in->value() && (*sign_in)->value().sealed_totp.empty() &&
                       passkeys && (*passkeys)->empty();
  if (visitor.role == Role::kNone) {
    // Deleted, or no longer given the console: the session ends here.
    sessions_.Remove(cookie);
    Response r = Info(403, "You no longer have the console",
                      {"An administrator took away this address's console access."});
    r.headers.push_back({"Set-Cookie", CookieHeader(kConsoleCookie, "", 0)});
    *refused = std::move(r);
    co_return std::nullopt;
  }
  if (!console::Reaches(visitor.role, area)) {
    spdlog::warn("console[{}]: {} ({}) refused {} {}", req.id, visitor.session.account_id,
                 console::RoleName(visitor.role), req.method, req.route);
    // Recorded like an API call refused for its scope (without a sync of its own).
    audit::AuditRecord r = RecordOf(req, visitor);
    r.result = "refused";
    r.details = std::string(R"({"role":")") + console::RoleName(visitor.role) + "\"}";
    if (auto busy = co_await ctx_.OffLoop(brand, [&] {
          if (auto noted = services_.audit->Note(std::move(r)); !noted.ok()) {
            spdlog::error("console[{}]: refusal not recorded: {}", req.id,
                          noted.error().ToString());
          }
        })) {
      *refused = std::move(busy);
      co_return std::nullopt;
    }
    *refused =
        Info(403, "Not for your role",
             {std::string("This page is not open to a ") + console::RoleTitle(visitor.role) + "."},
             &visitor, "/console", "Back to the console");
    co_return std::nullopt;
  }
  co_return visitor;
}

audit::AuditRecord ConsolePages::RecordOf(const http::Request& req, const Visitor& visitor) const {
  audit::AuditRecord r;
  r.at = ctx_.clock.NowUnix();
  r.actor_kind = "user";
  r.actor = visitor.session.address;
  r.client_address = req.client_address;
  r.account = visitor.account;
  r.action = "console." + req.method + " " + req.route;
  r.result = "ok";
  return r;
}

Response ConsolePages::Page(int status, const std::string& page, const std::string& title,
                            const Visitor* visitor, const char* current,
                            const std::function<void(ctemplate::TemplateDictionary&)>& fill) const {
  const Brand brand = ctx_.brands.ForNamespace("");
  return http::HtmlResponse(
      status, ctx_.templates.Render(
                  page, title, brand, [&](ctemplate::TemplateDictionary& d) { fill(d); },
                  "console_layout.tpl",
                  [&](ctemplate::TemplateDictionary& layout) {
                    if (!visitor) return;
                    auto* nav = layout.AddSectionDictionary("NAV");
                    nav->SetValue("USER", visitor->session.address);
                    nav->SetValue("SIGN_OUT_CSRF", ctx_.FormToken("console", visitor->cookie));
                    // Each area's links, when the role reaches it; the current page's
                    // link marked within.
                    for (auto [area, section] :
                         {std::pair{Area::kSend, "SEND"}, std::pair{Area::kDomain, "DOMAIN"},
                          std::pair{Area::kOrganisation, "ORGANISATION"},
                          std::pair{Area::kAudit, "AUDIT"}}) {
                      if (!console::Reaches(visitor->role, area)) continue;
                      auto* links = nav->AddSectionDictionary(section);
                      if (current) links->ShowSection(current);
                    }
                    if (current) nav->ShowSection(current);
                  }));
}

Response ConsolePages::FormExpired(const Visitor* visitor, const std::string& href,
                                   const std::string& label) const {
  return Info(403, "Please try again", {"This form expired or did not come from this site."},
              visitor, href, label);
}

Response ConsolePages::Info(int status, const std::string& heading,
                            const std::vector<std::string>& paragraphs, const Visitor* visitor,
                            const std::string& href, const std::string& label) const {
  return Page(status, "console_info.tpl", heading, visitor, nullptr,
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("HEADING", heading);
                for (const auto& p : paragraphs) {
                  d.AddSectionDictionary("PARAGRAPH")->SetValue("TEXT", p);
                }
                if (!href.empty()) {
                  auto* link = d.AddSectionDictionary("LINK");
                  link->SetValue("HREF", href);
                  link->SetValue("LABEL", label);
                }
              });
}

awaitable<Response> ConsolePages::Home(http::Request&, const Visitor& visitor) {
  std::optional<Response> failed;
  auto account = co_await SignInOf(visitor, &failed);
  if (!account) co_return std::move(*failed);
  co_return Page(200, "console_home.tpl", "Console", &visitor, "HOME_CURRENT",
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("TWO_STEP", account->sealed_totp.empty() ? "off" : "on");
                   d.SetValue("USER", visitor.session.address);
                   d.SetValue("ROLE", console::RoleTitle(visitor.role));
                   if (console::Reaches(visitor.role, Area::kAudit)) d.ShowSection("AUDIT");
                 });
}

Response ConsolePages::SignInPage(int status, const std::string& binding,
                                  const std::string& address, const std::string& error) const {
  Response r = Page(status, "console_sign_in.tpl", "Sign in", nullptr, nullptr,
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("CSRF", ctx_.FormToken("console-sign-in", binding));
                      d.SetValue("ADDRESS", address);
                      if (services_.relying_party) d.ShowSection("PASSKEYS");
                      if (!error.empty()) {
                        d.ShowSection("ERROR");
                        d.SetValue("ERROR_TEXT", error);
                      }
                    });
  if (services_.relying_party) AllowOwnScripts(r);  // console-passkeys.js
  return r;
}

awaitable<Response> ConsolePages::SignInForm(http::Request& req) {
  auto [binding, fresh] = FormBinding(req);
  Response r = SignInPage(200, binding, "", "");
  if (fresh) r.headers.push_back({"Set-Cookie", CookieHeader(kFormCookie, binding, 3600)});
  co_return r;
}

awaitable<Response> ConsolePages::SubmitSignIn(http::Request& req) {
  const std::string binding = req.cookie(kFormCookie).value_or("");
  if (binding.empty() || !ctx_.FormTokenValid(req, "console-sign-in", binding)) {
    co_return FormExpired(nullptr, "/console/sign-in", "Sign in");
  }
  auto form = http::ParseForm(req.body);
  const std::string address = Field(form, "address");
  const std::string password = Field(form, "password");
  if (address.empty() || address.size() > 254 || password.empty()) {
    co_return SignInPage(400, binding, address.size() > 254 ? "" : address,
                         "Enter your email address and your password.");
  }
  std::int64_t wait = 0;
  auto tries =
      co_await ctx_.PassGuards(req.client_address, AccountKey(kConsolePool, address), &wait);
  if (!tries) {
    spdlog::warn("console[{}]: sign-in refused: too many failures", req.id);
    Response r = Info(429, "Too many wrong tries",
                      {"Too many wrong passwords were given, so signing in is paused for a "
                       "while.",
                       "Please try again in " + std::to_string((wait + 59) / 60) + " minute(s)."});
    r.Set("Retry-After", std::to_string(wait));
    co_return r;
  }
  std::optional<Result<LoginAttempt>> attempt;
  std::optional<Result<std::optional<UserRecord>>> user;
  // A password without a code, where two steps are required, is enough only for someone
  // who has no second step yet (they must set one up); one with a passkey uses it.
  std::optional<Result<policy::EffectiveSettings>> settings;
  std::optional<Result<std::vector<PasskeyRecord>>> passkeys;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        attempt.emplace(
            services_.accounts->Login(kConsolePool, address, password, req.client_address));
        if (attempt->ok() && (*attempt)->account) {
          user.emplace(services_.org->FindUser((*attempt)->account->address));
        }
        if (attempt->ok() && (*attempt)->outcome == LoginAttempt::Outcome::kSignedIn) {
          settings.emplace(services_.directory->EffectiveFor((*attempt)->account->address));
          if (settings->ok() && (*settings)->console_two_step.value) {
            passkeys.emplace(services_.accounts->Passkeys((*attempt)->account->id));
          }
        }
      })) {
    co_return std::move(*busy);
  }
  const Error* error = !attempt->ok()                ? &attempt->error()
                       : user && !user->ok()         ? &user->error()
                       : settings && !settings->ok() ? &settings->error()
                       : passkeys && !passkeys->ok() ? &passkeys->error()
                                                     : nullptr;
  if (error) {
    spdlog::error("console[{}]: sign-in failed: {}", req.id, error->ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."});
  }
  if (passkeys && !(*passkeys)->empty()) {
    spdlog::info("console[{}]: password alone refused: two steps required, a passkey held", req.id);
    co_return SignInPage(401, binding, address,
                         "Your organisation requires two-step sign-in: sign in with your "
                         "passkey.");
  }
  const auto outcome = (*attempt)->outcome;
  if (outcome == LoginAttempt::Outcome::kSignedIn || outcome == LoginAttempt::Outcome::kNeedCode) {
    const bool has_role =
        user && user->value() &&
        console::ParseRole((*user)->value().console_role).value_or(Role::kNone) != Role::kNone;
    if (!has_role) {
      co_return Info(403, "You do not have the console",
                     {"The password is right, but this address has no console access now. Ask "
                      "an administrator."});
    }
    const PortalAccountRecord& account = *(*attempt)->account;
    if (outcome == LoginAttempt::Outcome::kNeedCode) {
      // Half signed in (five minutes, opens nothing) until the code is given.
      std::string token =
          sessions_.Create({account.id, kConsolePool, account.address, true, "", {}});
      Response r = CodePage(200, token, "");
      r.headers.push_back(
          {"Set-Cookie", CookieHeader(kConsoleCookie, token, ctx_.settings.session_idle_seconds)});
      co_return r;
    }
    AccountSession session{account.id, kConsolePool, account.address, false, "", {}};
    std::string token = sessions_.Create(std::move(session));
    spdlog::info("console[{}]: {} signed in from {}", req.id, account.id, req.client_address);
    Response r = http::RedirectResponse("/console");
    r.headers.push_back(
        {"Set-Cookie", CookieHeader(kConsoleCookie, token, ctx_.settings.session_idle_seconds)});
    co_return r;
  }
  tries->Failed();
  spdlog::warn("console[{}]: wrong password from {}", req.id, req.client_address);
  co_return SignInPage(401, binding, address, "That address and password do not match.");
}

Response ConsolePages::CodePage(int status, const std::string& cookie,
                                const std::string& error) const {
  return Page(status, "code.tpl", "Enter your sign-in code", nullptr, nullptr,
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("ACTION", "/console/code");
                d.SetValue("CSRF", ctx_.FormToken("console-code", cookie));
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

awaitable<Response> ConsolePages::SubmitCode(http::Request& req) {
  const std::string cookie = req.cookie(kConsoleCookie).value_or("");
  auto pending = cookie.empty() ? std::nullopt : sessions_.Find(cookie);
  if (!pending || !pending->needs_code) {
    co_return Info(403, "Please sign in again",
                   {"Signing in took too long, or was not started here."}, nullptr,
                   "/console/sign-in", "Sign in");
  }
  if (!ctx_.FormTokenValid(req, "console-code", cookie)) {
    co_return FormExpired(nullptr, "/console/sign-in", "Sign in");
  }
  const std::string code = Field(http::ParseForm(req.body), "code");
  std::int64_t wait = 0;
  auto tries = co_await ctx_.PassGuards(req.client_address,
                                        AccountKey(kConsolePool, pending->address), &wait);
  if (!tries) {
    Response r = Info(429, "Too many wrong tries", {"Please try again later."});
    r.Set("Retry-After", std::to_string(wait));
    co_return r;
  }
  std::optional<Result<LoginAttempt>> attempt;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        attempt.emplace(
            services_.accounts->SecondFactor(pending->account_id, code, req.client_address));
      })) {
    co_return std::move(*busy);
  }
  if (!attempt->ok()) {
    spdlog::error("console[{}]: second step failed: {}", req.id, attempt->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."});
  }
  if ((*attempt)->outcome == LoginAttempt::Outcome::kSignedIn) {
    // A new token once fully signed in: the half-signed-in one is dropped.
    sessions_.Remove(cookie);
    std::string token =
        sessions_.Create({pending->account_id, kConsolePool, pending->address, false, "", {}});
    spdlog::info("console[{}]: {} signed in (two steps) from {}", req.id, pending->account_id,
                 req.client_address);
    Response r = http::RedirectResponse("/console");
    r.headers.push_back(
        {"Set-Cookie", CookieHeader(kConsoleCookie, token, ctx_.settings.session_idle_seconds)});
    co_return r;
  }
  tries->Failed();
  const bool replay = (*attempt)->outcome == LoginAttempt::Outcome::kReplayedCode;
  co_return CodePage(
      401, cookie,
      replay ? "That code was already used. Wait for the next one." : "That code is not right.");
}

awaitable<std::optional<PortalAccountRecord>> ConsolePages::SignInOf(
    const Visitor& visitor, std::optional<Response>* failed) {
  std::optional<Result<std::optional<PortalAccountRecord>>> account;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { account.emplace(services_.accounts->Find(visitor.session.account_id)); })) {
    *failed = std::move(busy);
    co_return std::nullopt;
  }
  if (!account->ok() || !account->value()) {
    *failed = Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
    co_return std::nullopt;
  }
  co_return std::move(***account);
}

Response ConsolePages::EnrolPage(int status, const Visitor& visitor,
                                 const std::string& error) const {
  const SecretBytes& secret = *visitor.session.enrolling;
  auto uri = TotpUri(ctx_.settings.organisation, visitor.session.address, secret, TotpParams{});
  auto qr = QrSvg(uri, "QR code to add this sign-in to an authenticator app");
  std::string key = Base32Encode(secret.view());
  Response r = Page(status, "totp_setup.tpl", "Turn on two-step sign-in", &visitor, nullptr,
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("QR", qr.ok() ? *qr : "");
                      d.SetValue("KEY", key);
                      d.SetValue("BASE", "/console/two-step");
                      d.SetValue("BACK", "/console/two-step");
                      d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                      if (!error.empty()) {
                        d.ShowSection("ERROR");
                        d.SetValue("ERROR_TEXT", error);
                      }
                    });
  // The page holds a secret: nothing may keep a copy.
  r.Set("Cache-Control", "no-store");
  WipeMemory(key.data(), key.size());
  WipeMemory(uri.data(), uri.size());
  return r;
}

awaitable<Response> ConsolePages::StartTwoStep(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/two-step", "Two-step sign-in");
  }
  std::optional<Response> failed;
  auto account = co_await SignInOf(visitor, &failed);
  if (!account) co_return std::move(*failed);
  TotpEnrolment enrolment = services_.accounts->BeginTotp(*account);
  WipeMemory(enrolment.base32.data(), enrolment.base32.size());
  WipeMemory(enrolment.uri.data(), enrolment.uri.size());
  // Kept in the session until a code from it is confirmed.
  Visitor enrolling = visitor;
  enrolling.session.enrolling = std::make_shared<const SecretBytes>(std::move(enrolment.secret));
  sessions_.Update(visitor.cookie, enrolling.session);
  co_return EnrolPage(200, enrolling, "");
}

awaitable<Response> ConsolePages::ConfirmTwoStep(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/two-step", "Two-step sign-in");
  }
  if (!visitor.session.enrolling) co_return http::RedirectResponse("/console/two-step");
  const std::string code = Field(http::ParseForm(req.body), "code");
  std::optional<Response> failed;
  auto account = co_await SignInOf(visitor, &failed);
  if (!account) co_return std::move(*failed);
  std::optional<Result<std::vector<std::string>>> codes;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        codes.emplace(services_.accounts->ConfirmTotp(*account, *visitor.session.enrolling, code));
      })) {
    co_return std::move(*busy);
  }
  if (!codes->ok()) {
    if (codes->error().code != ErrorCode::kUnauthenticated) {
      co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
    }
    // The same secret again, so the app already set up still works.
    co_return EnrolPage(401, visitor,
                        "That code does not match. Check the app shows this sign-in, and enter "
                        "the code it shows now.");
  }
  Visitor done = visitor;
  done.session.enrolling.reset();
  sessions_.Update(visitor.cookie, done.session);
  Response r = Page(200, "recovery_codes.tpl", "Two-step sign-in is on", &done, nullptr,
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("BACK", "/console");
                      for (const auto& c : **codes) {
                        d.AddSectionDictionary("CODE")->SetValue("VALUE", c);
                      }
                    });
  r.Set("Cache-Control", "no-store");
  co_return r;
}

awaitable<Response> ConsolePages::TwoStepOff(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/two-step", "Two-step sign-in");
  }
  if (visitor.two_step_required) {
    co_return Info(403, "Two-step sign-in is required",
                   {"Your organisation requires two-step sign-in for its console, so it stays "
                    "on."},
                   &visitor, "/console/two-step", "Two-step sign-in");
  }
  std::int64_t wait = 0;
  auto tries = co_await ctx_.PassGuards(req.client_address,
                                        AccountKey(kConsolePool, visitor.session.address), &wait);
  if (!tries) co_return Info(429, "Too many wrong tries", {"Please try again later."}, &visitor);
  const std::string password = Field(http::ParseForm(req.body), "password");
  std::optional<Response> failed;
  auto account = co_await SignInOf(visitor, &failed);
  if (!account) co_return std::move(*failed);
  std::optional<Status> stopped;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { stopped.emplace(services_.accounts->DisableTotp(*account, password)); })) {
    co_return std::move(*busy);
  }
  if (!stopped->ok()) {
    if (stopped->error().code == ErrorCode::kUnauthenticated) {
      tries->Failed();
      co_return Info(401, "That password is not right", {"Two-step sign-in is still on."}, &visitor,
                     "/console/two-step", "Try again");
    }
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  co_return Info(200, "Two-step sign-in is off", {"Signing in asks for your password only."},
                 &visitor, "/console", "Back to the console");
}

awaitable<Response> ConsolePages::SignOut(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console", "Back to the console");
  }
  // Ended on the server, not just forgotten by the browser: a copied cookie is dead too.
  spdlog::info("console[{}]: {} signed out", req.id, visitor.session.account_id);
  sessions_.Remove(visitor.cookie);
  Response r = Info(200, "You have signed out", {}, nullptr, "/console/sign-in", "Sign in again");
  r.headers.push_back({"Set-Cookie", CookieHeader(kConsoleCookie, "", 0)});
  co_return r;
}

awaitable<Response> ConsolePages::ResetForm(http::Request& req) {
  auto [binding, fresh] = FormBinding(req);
  Response r = Page(200, "console_reset_request.tpl", "Forgot your password?", nullptr, nullptr,
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("CSRF", ctx_.FormToken("console-reset", binding));
                    });
  if (fresh) r.headers.push_back({"Set-Cookie", CookieHeader(kFormCookie, binding, 3600)});
  co_return r;
}

awaitable<Response> ConsolePages::SubmitResetRequest(http::Request& req) {
  const std::string binding = req.cookie(kFormCookie).value_or("");
  if (binding.empty() || !ctx_.FormTokenValid(req, "console-reset", binding)) {
    co_return FormExpired(nullptr, "/console/reset", "Start again");
  }
  const std::string address = Field(http::ParseForm(req.body), "address");
  if (address.empty() || address.size() > 254) {
    co_return Info(400, "Enter your address", {"Enter the email address you sign in with."},
                   nullptr, "/console/reset", "Start again");
  }
  // Each request mails a link: counted, so nobody can flood a mailbox from here.
  std::int64_t wait = 0;
  auto tries =
      co_await ctx_.PassGuards(req.client_address, AccountKey(kConsolePool, address), &wait);
  if (!tries) co_return Info(429, "Too many tries", {"Please try again later."});
  tries->Failed();
  std::optional<Status> mailed;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        mailed.emplace(services_.accounts->RequestReset(kConsolePool, address));
      })) {
    co_return std::move(*busy);
  }
  if (!mailed->ok()) {
    spdlog::error("console[{}]: reset link not mailed: {}", req.id, mailed->error().ToString());
  }
  // The same answer whether or not the address has a console sign-in.
  co_return Info(200, "Check your email",
                 {"If " + address +
                  " has a console sign-in, we sent it a link to choose a new "
                  "password. The link works once, for one hour."});
}

Response ConsolePages::PasswordPage(int status, const std::string& address,
                                    const std::string& token, const std::string& error) const {
  Response r = Page(status, "console_password.tpl", "Choose your password", nullptr, nullptr,
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("ADDRESS", address);
                      d.SetValue("TOKEN", token);
                      d.SetValue("CSRF", ctx_.FormToken("console-password", token));
                      d.SetIntValue("MIN", static_cast<long>(kMinPasswordLength));
                      if (!error.empty()) {
                        d.ShowSection("ERROR");
                        d.SetValue("ERROR_TEXT", error);
                      }
                    });
  // The token is in this page's address: it must not leave in a Referer.
  r.Set("Referrer-Policy", "no-referrer");
  return r;
}

awaitable<Response> ConsolePages::PasswordForm(http::Request& req) {
  const std::string token = req.params[0];
  std::optional<Result<PortalAccountRecord>> account;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { account.emplace(services_.accounts->LinkAccount(token, "reset")); })) {
    co_return std::move(*busy);
  }
  // A recipient's reset link is not a console one, and the other way round.
  if (!account->ok() || (*account)->namespace_name != kConsolePool) {
    co_return Info(404, "This link does not work", {"It was already used or has expired."}, nullptr,
                   "/console/reset", "Ask for a new one");
  }
  co_return PasswordPage(200, (*account)->address, token, "");
}

awaitable<Response> ConsolePages::SubmitPassword(http::Request& req) {
  const std::string token = req.params[0];
  if (!ctx_.FormTokenValid(req, "console-password", token)) {
    co_return FormExpired(nullptr, "/console/reset", "Ask for a new link");
  }
  auto form = http::ParseForm(req.body);
  const std::string password = Field(form, "password");
  const bool same = password == Field(form, "password2");
  std::optional<Result<PortalAccountRecord>> account;
  std::optional<Result<PortalAccountRecord>> reset;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        account.emplace(services_.accounts->LinkAccount(token, "reset"));
        if (account->ok() && (*account)->namespace_name == kConsolePool && same) {
          reset.emplace(services_.accounts->Reset(token, password));
        }
      })) {
    co_return std::move(*busy);
  }
  if (!account->ok() || (*account)->namespace_name != kConsolePool) {
    co_return Info(404, "This link does not work", {"It was already used or has expired."}, nullptr,
                   "/console/reset", "Ask for a new one");
  }
  if (!same) co_return PasswordPage(400, (*account)->address, token, "The two passwords differ.");
  if (!reset->ok()) {
    if (reset->error().code == ErrorCode::kInvalidArgument) {
      co_return PasswordPage(400, (*account)->address, token, reset->error().message);
    }
    co_return Info(404, "This link does not work", {"It was already used or has expired."}, nullptr,
                   "/console/reset", "Ask for a new one");
  }
  // Whoever held the old password is signed out everywhere.
  sessions_.RemoveAccount((*reset)->id);
  Response r = Info(200, "Your password is set", {"Sign in with it now."}, nullptr,
                    "/console/sign-in", "Sign in");
  r.headers.push_back({"Set-Cookie", CookieHeader(kConsoleCookie, "", 0)});
  co_return r;
}

awaitable<Response> ConsolePages::Received(http::Request& req, const Visitor& visitor) {
  // No form token, as in the portal: the check changes nothing and shows its answer only
  // to whoever sent the header.
  ToolPages::Outcome outcome;
  if (req.method == "POST") {
    outcome = co_await tools_.Analyse(req, ctx_.brands.ForNamespace(""));
    if (outcome.busy) co_return std::move(*outcome.busy);
  }
  co_return Page(outcome.status, "received.tpl", "Was it encrypted?", &visitor, "TOOLS_CURRENT",
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("ACTION", "/console/tools/received");
                   tools_.Fill(d, outcome);
                 });
}

AuditQuery ConsolePages::AuditQueryOf(const http::Request& req, const Visitor& visitor,
                                      std::string* action_filter) {
  auto query = http::ParseForm(req.query);
  AuditQuery q;
  q.action = Field(query, "action");
  if (q.action.size() > 64) q.action.clear();
  // What the form offers is a prefix: "auth" finds auth.console.password and the rest.
  *action_filter = q.action;
  if (!q.action.empty() && !q.action.ends_with(".*")) q.action += ".*";
  q.result = Field(query, "result");
  if (q.result != "ok" && q.result != "refused" && q.result != "failed") q.result.clear();
  const std::string before = Field(query, "before");
  if (!before.empty() && before.size() < 19 &&
      before.find_first_not_of("0123456789") == std::string::npos) {
    q.before_seq = std::stoll(before);
  }
  // The organisation's administrators and its own people (account "default", as for
  // API clients) see everything; an account's auditors see their account's.
  if (!SeesEveryAccount(visitor)) q.account = visitor.account;
  return q;
}

bool ConsolePages::SeesEveryAccount(const Visitor& visitor) {
  return visitor.role == Role::kOrgAdmin || visitor.account == "default";
}

awaitable<Response> ConsolePages::AuditExport(http::Request& req, const Visitor& visitor) {
  std::string action_filter;
  AuditQuery q = AuditQueryOf(req, visitor, &action_filter);
  std::string format = Field(http::ParseForm(req.query), "format");
  if (format.empty()) format = "csv";  // what a spreadsheet opens
  if (format != "csv" && format != "jsonl") {
    co_return Info(400, "No such export", {"Export as CSV or as JSON Lines."}, &visitor,
                   "/console/audit", "Back to the audit trail");
  }
  // Every export is itself on record, before a record leaves: no record, no export.
  audit::AuditRecord record = RecordOf(req, visitor);
  record.subject = q.account.empty() ? "every account" : q.account;
  record.details = boost::json::serialize(
      boost::json::object{{"format", format}, {"action", action_filter}, {"result", q.result}});
  std::optional<Status> audited;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { audited.emplace(services_.audit->Append(std::move(record))); })) {
    co_return std::move(*busy);
  }
  if (!audited->ok()) {
    spdlog::error("console[{}]: export not recorded: {}", req.id, audited->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  Response r;
  r.Set("Content-Type", format == "csv" ? "text/csv; charset=utf-8" : "application/jsonl");
  r.Set("Content-Disposition", "attachment; filename=\"audit." + format + "\"");
  r.producer = AuditExportProducer(*services_.audit, std::move(q), format == "csv");
  co_return r;
}

awaitable<Response> ConsolePages::Audit(http::Request& req, const Visitor& visitor) {
  std::string action_filter;
  AuditQuery q = AuditQueryOf(req, visitor, &action_filter);
  q.limit = kAuditPage + 1;  // one more: is there an older page?
  const bool everything = SeesEveryAccount(visitor);
  std::optional<Result<std::vector<audit::AuditRecord>>> records;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy =
          co_await ctx_.OffLoop(brand, [&] { records.emplace(services_.audit->Search(q)); })) {
    co_return std::move(*busy);
  }
  if (!records->ok()) {
    spdlog::error("console[{}]: audit search failed: {}", req.id, records->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  const bool more = static_cast<int>((*records)->size()) > kAuditPage;
  if (more) (*records)->resize(kAuditPage);
  co_return Page(200, "console_audit.tpl", "Audit trail", &visitor, "AUDIT_CURRENT",
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("SCOPE", everything
                                           ? "Every record of the organisation."
                                           : "The records of the account " + visitor.account + ".");
                   d.SetValue("ACTION", action_filter);
                   d.SetValue("RESULT_FILTER", q.result);
                   d.ShowSection(q.result.empty()        ? "ANY"
                                 : q.result == "ok"      ? "OK"
                                 : q.result == "refused" ? "REFUSED"
                                                         : "FAILED");
                   d.SetIntValue("COUNT", static_cast<long>((*records)->size()));
                   for (const audit::AuditRecord& r : **records) {
                     auto* row = d.AddSectionDictionary("RECORD");
                     row->SetValue("WHEN", HumanTime(r.at));
                     row->SetValue("ACTOR", r.actor);
                     row->SetValue("ACTOR_KIND", r.actor_kind);
                     row->SetValue("ACTION", r.action);
                     row->SetValue("SUBJECT", r.subject);
                     row->SetValue("RESULT", r.result);
                     row->SetValue("CLIENT", r.client_address);
                   }
                   if (more) {
                     auto* next = d.AddSectionDictionary("MORE");
                     next->SetValue("ACTION", action_filter);
                     next->SetValue("RESULT_FILTER", q.result);
                     next->SetIntValue("BEFORE", static_cast<long>((*records)->back().seq));
                   }
                 });
}

}  // namespace sealpost::portal
