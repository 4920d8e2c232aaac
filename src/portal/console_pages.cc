#include "portal/console_pages.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include "audit/chain.h"
#include "portal/common.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using console::Area;
using console::Role;
using http::Response;

namespace {

// A signed-in (or half-signed-in) console user: not the portal account's cookie, so a
// recipient's sign-in and a staff sign-in in one browser never stand in for each other.
constexpr char kConsoleCookie[] = "__Host-sp_console";
constexpr std::uint64_t kFormLimit = 16 * 1024;
constexpr int kAuditPage = 50;

using Form = std::vector<std::pair<std::string, std::string>>;

std::string Field(const Result<Form>& form, std::string_view name) {
  return form.ok() ? http::FormValue(*form, name).value_or("") : "";
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
      {"GET", "/console", nullptr, &P::Home, Area::kSelf},
      {"POST", "/console/sign-out", nullptr, &P::SignOut, Area::kSelf, kFormLimit},
      {"GET", "/console/tools/received", nullptr, &P::Received, Area::kTools},
      {"POST", "/console/tools/received", nullptr, &P::Received, Area::kTools,
       ToolPages::kMaxFormBytes},
      {"GET", "/console/audit", nullptr, &P::Audit, Area::kAudit},
  };
  return routes;
}

ConsolePages::ConsolePages(PortalContext& ctx, ToolPages& tools, ConsoleServices services)
    : ctx_(ctx),
      tools_(tools),
      services_(services),
      sessions_(ctx.clock, ctx.settings.session_idle_seconds) {}

void ConsolePages::Register(http::Router& router) {
  if (!services_.accounts || !services_.org || !services_.audit) return;
  for (const Route& route : Routes()) {
    std::function<awaitable<Response>(http::Request&)> run;
    if (route.open) {
      run = [this, handler = route.open](http::Request& r) { return (this->*handler)(r); };
    } else {
      run = [this, &route](http::Request& r) { return Guarded(r, route); };
    }
    if (route.body_limit > 0) {
      router.Add(route.method, route.path, std::move(run), http::BodyMode::kBuffered,
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
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        user.emplace(services_.org->FindUser(session->address));
        if (user->ok() && user->value())
          domain.emplace(services_.org->FindDomain((*user)->value().domain));
      })) {
    *refused = std::move(busy);
    co_return std::nullopt;
  }
  if (!user->ok() || (domain && !domain->ok())) {
    spdlog::error("console[{}]: user not read: {}", req.id,
                  !user->ok() ? user->error().ToString() : domain->error().ToString());
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
    *refused =
        Info(403, "Not for your role",
             {std::string("This page is not open to a ") + console::RoleTitle(visitor.role) + "."},
             &visitor, "/console", "Back to the console");
    co_return std::nullopt;
  }
  co_return visitor;
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
                    if (console::Reaches(visitor->role, Area::kAudit)) {
                      auto* audit = nav->AddSectionDictionary("AUDIT");
                      if (current && std::string_view(current) == "AUDIT_CURRENT") {
                        audit->ShowSection(current);
                      }
                    }
                    if (current) nav->ShowSection(current);
                  }));
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
  co_return Page(200, "console_home.tpl", "Console", &visitor, "HOME_CURRENT",
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("USER", visitor.session.address);
                   d.SetValue("ROLE", console::RoleTitle(visitor.role));
                   if (console::Reaches(visitor.role, Area::kAudit)) d.ShowSection("AUDIT");
                 });
}

Response ConsolePages::SignInPage(int status, const std::string& binding,
                                  const std::string& address, const std::string& error) const {
  return Page(status, "console_sign_in.tpl", "Sign in", nullptr, nullptr,
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("CSRF", ctx_.FormToken("console-sign-in", binding));
                d.SetValue("ADDRESS", address);
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
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
    co_return Info(403, "Please try again", {"This form expired or did not come from this site."},
                   nullptr, "/console/sign-in", "Sign in");
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
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        attempt.emplace(
            services_.accounts->Login(kConsolePool, address, password, req.client_address));
        if (attempt->ok() && (*attempt)->account) {
          user.emplace(services_.org->FindUser((*attempt)->account->address));
        }
      })) {
    co_return std::move(*busy);
  }
  if (!attempt->ok() || (user && !user->ok())) {
    spdlog::error("console[{}]: sign-in failed: {}", req.id,
                  !attempt->ok() ? attempt->error().ToString() : user->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."});
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
    if (outcome == LoginAttempt::Outcome::kNeedCode) {
      // Two-step sign-in for console users comes with its enrolment page (issue 22); until
      // then no console account has a TOTP secret to ask for.
      co_return Info(501, "Two-step sign-in is not ready",
                     {"This console does not take sign-in codes yet."});
    }
    const PortalAccountRecord& account = *(*attempt)->account;
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

awaitable<Response> ConsolePages::SignOut(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return Info(403, "Please try again", {"This form expired or did not come from this site."},
                   &visitor, "/console", "Back to the console");
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
    co_return Info(403, "Please try again", {"This form expired or did not come from this site."},
                   nullptr, "/console/reset", "Start again");
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
    co_return Info(403, "Please try again", {"This form expired or did not come from this site."});
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

awaitable<Response> ConsolePages::Audit(http::Request& req, const Visitor& visitor) {
  auto query = http::ParseForm(req.query);
  AuditQuery q;
  q.limit = kAuditPage + 1;  // one more: is there an older page?
  q.action = Field(query, "action");
  if (q.action.size() > 64) q.action.clear();
  // What the form offers is a prefix: "auth" finds auth.console.password and the rest.
  const std::string action_filter = q.action;
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
  const bool everything = visitor.role == Role::kOrgAdmin || visitor.account == "default";
  if (!everything) q.account = visitor.account;
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
