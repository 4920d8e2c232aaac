// The portal's account pages: recipients whose messages are opened by signing in
// (registration, confirmation, login with an optional second step, password reset,
// two-step enrolment, sign-out). Every form carries a CSRF token bound to something
// only this browser has: the link cookie, the account session, the mailed token, or
// a random form cookie. Wrong passwords and codes meet three limits: the client
// address's and the account's guards here, and the message's own lock in escrow.
#include "portal/account_pages.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include "base/encoding.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "portal/common.h"
#include "crypto/totp.h"
#include "portal/qr.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

using Form = std::vector<std::pair<std::string, std::string>>;

}  // namespace

// The key of an account's guard: its pool and address, so that guesses at an address
// that has no account are limited just the same, and one namespace's failures never
// count (or show) in another's.
std::string AccountKey(const std::string& namespace_name, const std::string& address) {
  return "account:" + namespace_name + ":" + AsciiLower(address);
}

std::pair<std::string, bool> FormBinding(const http::Request& req) {
  std::string binding = req.cookie(kFormCookie).value_or("");
  if (binding.size() == 43) return {binding, false};
  return {Base64UrlEncode(RandomBytes(32)), true};
}

namespace {

std::string AttemptsLeft(int left) {
  return "You have " + std::to_string(left) + " attempt" + (left == 1 ? "" : "s") +
         " left before the message is locked.";
}

}  // namespace






void AccountPages::Register(http::Router& router) {
  constexpr std::size_t kFormLimit = 8 * 1024;
  router.Add("POST", "/r/{rid}/login", [this](http::Request& r) { return SubmitLogin(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("POST", "/r/{rid}/code", [this](http::Request& r) { return SubmitCode(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("POST", "/r/{rid}/register", [this](http::Request& r) { return SubmitRegistration(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("GET", "/account", [this](http::Request& r) { return AccountPage(r); });
  router.Add("GET", "/account/confirm/{token}", [this](http::Request& r) { return ShowConfirm(r); });
  router.Add("POST", "/account/confirm", [this](http::Request& r) { return SubmitConfirm(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("POST", "/account/logout", [this](http::Request& r) { return Logout(r, false); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add(
      "POST", "/account/logout-everywhere", [this](http::Request& r) { return Logout(r, true); },
      http::BodyMode::kBuffered, kFormLimit);
  router.Add("POST", "/account/totp/start", [this](http::Request& r) { return StartTotp(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("POST", "/account/totp/confirm", [this](http::Request& r) { return FinishTotp(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("POST", "/account/totp/disable", [this](http::Request& r) { return StopTotp(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("GET", "/account/reset", [this](http::Request& r) { return ResetRequestForm(r); });
  router.Add("POST", "/account/reset", [this](http::Request& r) { return SubmitResetRequest(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("GET", "/account/reset/{token}", [this](http::Request& r) { return ShowReset(r); });
  router.Add("POST", "/account/reset/{token}", [this](http::Request& r) { return SubmitReset(r); },
             http::BodyMode::kBuffered, kFormLimit);
}

Response AccountPages::LoginPage(const Brand& brand, const LinkState& link, const std::string& link_token,
                           const std::string& error) const {
  return ctx_.Page(brand, error.empty() ? 200 : 401, "login.tpl", "Sign in",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("SENDER", link.message.sender);
                d.SetValue("ADDRESS", link.recipient.address);
                d.SetValue("RID", link.recipient.id);
                d.SetValue("CSRF", ctx_.FormToken("login", link_token));
                d.SetValue("EXPIRES", HumanTime(link.message.expires_at));
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

Response AccountPages::RegisterPage(const Brand& brand, const LinkState& link,
                              const std::string& link_token, const std::string& error) const {
  return ctx_.Page(brand, error.empty() ? 200 : 400, "register.tpl", "Create your account",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("SENDER", link.message.sender);
                d.SetValue("ADDRESS", link.recipient.address);
                d.SetValue("RID", link.recipient.id);
                d.SetValue("CSRF", ctx_.FormToken("register", link_token));
                d.SetValue("EXPIRES", HumanTime(link.message.expires_at));
                d.SetIntValue("MIN", static_cast<long>(kMinPasswordLength));
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

Response AccountPages::CodePage(const Brand& brand, const std::string& action, const std::string& csrf,
                          const std::string& error) const {
  return ctx_.Page(brand, error.empty() ? 200 : 401, "code.tpl", "Enter your sign-in code",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("ACTION", action);
                d.SetValue("CSRF", csrf);
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

awaitable<Response> AccountPages::LoginGate(http::Request& req, const LinkState& link,
                                      const SecretBytes& link_secret, const std::string& link_token) {
  const Brand brand = co_await ctx_.NamespaceBrand(link.message.namespace_name);
  // Signed in to another namespace's pool, the account is a stranger here.
  auto signed_in = ctx_.SignedIn(req);
  if (signed_in && signed_in->first.namespace_name != link.message.namespace_name) signed_in.reset();
  if (signed_in) {
    if (AsciiLower(signed_in->first.address) == AsciiLower(link.recipient.address)) {
      co_return co_await OpenForAccount(req, link, link_secret, signed_in->first, {});
    }
    co_return ctx_.InfoPage(brand, "This message is for another address",
                       {"You are signed in as " + signed_in->first.address +
                            ", but this message "
                            "was sent to " +
                            link.recipient.address + ".",
                        "Sign out, then open the link in your email again to sign in as " +
                            link.recipient.address + "."},
                       "/account", "Your account and sign-out");
  }
  bool has_account = false;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        has_account = ctx_.accounts.HasConfirmedAccount(link.message.namespace_name, link.recipient.address);
      })) {
    co_return std::move(*busy);
  }
  co_return has_account ? LoginPage(brand, link, link_token, "")
                        : RegisterPage(brand, link, link_token, "");
}

awaitable<Response> AccountPages::OpenForAccount(http::Request& req, const LinkState& link,
                                           const SecretBytes& link_secret,
                                           const AccountSession& account,
                                           std::vector<http::Header> cookies) {
  const Brand brand = co_await ctx_.NamespaceBrand(link.message.namespace_name);
  std::optional<Result<SecretBytes>> key;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        key.emplace(ctx_.escrow.OpenByLogin(link, link_secret, account.address, req.client_address));
      })) {
    co_return std::move(*busy);
  }
  Response r = key->ok() ? ctx_.Opened(link.recipient.id, std::move(**key), account.account_id)
                         : ctx_.NotOpened(brand, link, key->error());
  for (auto& c : cookies) r.headers.push_back(std::move(c));
  co_return r;
}

awaitable<AccountPages::LinkedVisit> AccountPages::CheckVisit(http::Request& req) {
  LinkedVisit visit;
  visit.brand = co_await ctx_.HostBrand(req);
  const auto open_the_link_again = [&] {
    return ctx_.ErrorPage(visit.brand, 403, "Open the link in your email",
                     "To read this message, open the link in the email that told you about it.",
                     "For your security, the page needs that link each time you start.");
  };
  visit.rid = req.params[0];
  visit.cookie = req.cookie(kLinkCookie).value_or("");
  auto token = ParseLinkToken(visit.cookie);
  if (!IsHexId(visit.rid) || !token.ok() || token->recipient_id != visit.rid) {
    visit.refused = open_the_link_again();
    co_return visit;
  }
  visit.token = std::move(*token);
  std::optional<Result<LinkState>> link;
  if (auto busy = co_await ctx_.OffLoop(visit.brand, [&] {
        link.emplace(ctx_.escrow.CheckLink(visit.rid, visit.token.secret, req.client_address, false));
      })) {
    visit.refused = std::move(busy);
    co_return visit;
  }
  if (!link->ok()) {
    visit.refused = open_the_link_again();
    co_return visit;
  }
  visit.link = std::move(**link);
  visit.brand = co_await ctx_.NamespaceBrand(visit.link.message.namespace_name);
  // A recipient who answers a question has no password to guess here.
  if (visit.link.recipient.verification != "login") {
    visit.refused = open_the_link_again();
  } else if (visit.link.locked) {
    visit.refused =
        ctx_.ErrorPage(visit.brand, 403, "This message is locked", "It can no longer be opened.");
  } else if (visit.link.expired) {
    visit.refused = ctx_.GonePage(visit.brand, visit.link);
  }
  co_return visit;
}

awaitable<Response> AccountPages::SubmitLogin(http::Request& req) {
  LinkedVisit visit = co_await CheckVisit(req);
  if (visit.refused) co_return std::move(*visit.refused);
  const Brand& brand = visit.brand;
  const LinkState& link = visit.link;
  if (!ctx_.FormTokenValid(req, "login", visit.cookie)) {
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.",
                        "Open the link in your email again.");
  }
  const std::string password = Field(http::ParseForm(req.body), "password");
  const std::string account_key = AccountKey(link.message.namespace_name, link.recipient.address);
  std::int64_t wait = 0;
  auto tries = co_await ctx_.PassGuards(req.client_address, account_key, &wait);
  if (!tries) {
    spdlog::warn("portal[{}]: login for recipient {} refused: too many failures", req.id,
                 link.recipient.id);
    co_return ctx_.TooManyTries(brand, wait);
  }
  std::optional<Result<LoginAttempt>> attempt;
  std::optional<Result<int>> left;  // the message's tries left, after a wrong password
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        attempt.emplace(
            ctx_.accounts.Login(link.message.namespace_name, link.recipient.address, password,
                                req.client_address));
        if (!attempt->ok()) return;
        const auto outcome = (*attempt)->outcome;
        if (outcome == LoginAttempt::Outcome::kSignedIn ||
            outcome == LoginAttempt::Outcome::kNeedCode) {
          return;
        }
        left.emplace(ctx_.escrow.CountFailure(link, req.client_address, "login_failed"));
      })) {
    co_return std::move(*busy);
  }
  if (!attempt->ok()) {
    spdlog::error("portal[{}]: login failed: {}", req.id, attempt->error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  switch ((*attempt)->outcome) {
    case LoginAttempt::Outcome::kSignedIn: {
      AccountSession session{(*attempt)->account->id, (*attempt)->account->namespace_name,
                             (*attempt)->account->address, false, "", {}};
      std::string token = ctx_.account_sessions.Create(session);
      spdlog::info("portal[{}]: account {} signed in from {}", req.id, (*attempt)->account->id,
                   req.client_address);
      std::vector<http::Header> cookies;
      cookies.push_back({"Set-Cookie", CookieHeader(kAccountCookie, token, ctx_.settings.session_idle_seconds)});
      co_return co_await OpenForAccount(req, link, visit.token.secret, session,
                                        std::move(cookies));
    }
    case LoginAttempt::Outcome::kNeedCode: {
      AccountSession pending{(*attempt)->account->id, (*attempt)->account->namespace_name,
                             (*attempt)->account->address, true, link.recipient.id, {}};
      std::string token = ctx_.account_sessions.Create(std::move(pending));
      Response r =
          CodePage(brand, "/r/" + link.recipient.id + "/code", ctx_.FormToken("code", token), "");
      r.headers.push_back({"Set-Cookie", CookieHeader(kAccountCookie, token,
                                                      ctx_.settings.session_idle_seconds)});
      co_return r;
    }
    default:
      break;
  }
  // A wrong password: the address's and the account's guards, and the message's lock
  // (counted above, in the same piece of work as the check).
  tries->Failed();
  spdlog::warn("portal[{}]: wrong password for recipient {} from {}", req.id, link.recipient.id,
               req.client_address);
  if (!left->ok()) {
    co_return ctx_.ErrorPage(brand, 403, "This message is locked",
                        "It was locked after too many wrong attempts, to protect it.",
                        "Contact the sender; they can send it again.");
  }
  co_return LoginPage(brand, link, visit.cookie,
                      "That password is not right. " + AttemptsLeft(**left));
}

awaitable<Response> AccountPages::SubmitCode(http::Request& req) {
  LinkedVisit visit = co_await CheckVisit(req);
  if (visit.refused) co_return std::move(*visit.refused);
  const Brand& brand = visit.brand;
  const LinkState& link = visit.link;
  const std::string token = req.cookie(kAccountCookie).value_or("");
  auto pending = ctx_.account_sessions.Find(token);
  if (!pending || !pending->needs_code || pending->next_recipient != link.recipient.id) {
    co_return ctx_.ErrorPage(brand, 403, "Please sign in again",
                        "Signing in took too long, or was not started here.",
                        "Open the link in your email again.");
  }
  if (!ctx_.FormTokenValid(req, "code", token)) {
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.",
                        "Open the link in your email again.");
  }
  const std::string code = Field(http::ParseForm(req.body), "code");
  const std::string account_key = AccountKey(pending->namespace_name, pending->address);
  std::int64_t wait = 0;
  auto tries = co_await ctx_.PassGuards(req.client_address, account_key, &wait);
  if (!tries) co_return ctx_.TooManyTries(brand, wait);
  std::optional<Result<LoginAttempt>> attempt;
  std::optional<Result<int>> left;  // the message's tries left, after a wrong code
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        attempt.emplace(ctx_.accounts.SecondFactor(pending->account_id, code, req.client_address));
        if (!attempt->ok() || (*attempt)->outcome == LoginAttempt::Outcome::kSignedIn) return;
        const bool replay = (*attempt)->outcome == LoginAttempt::Outcome::kReplayedCode;
        left.emplace(ctx_.escrow.CountFailure(link, req.client_address,
                                          replay ? "code_replayed" : "code_failed"));
      })) {
    co_return std::move(*busy);
  }
  if (!attempt->ok()) {
    spdlog::error("portal[{}]: second step failed: {}", req.id, attempt->error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  if ((*attempt)->outcome == LoginAttempt::Outcome::kSignedIn) {
    // A new session token once fully signed in: the half-signed-in one is dropped.
    ctx_.account_sessions.Remove(token);
    const AccountSession signed_in{pending->account_id, pending->namespace_name,
                                   pending->address,    false,
                                   "",                  {}};
    std::string fresh = ctx_.account_sessions.Create(signed_in);
    spdlog::info("portal[{}]: account {} signed in (two steps) from {}", req.id,
                 pending->account_id, req.client_address);
    std::vector<http::Header> cookies;
    cookies.push_back({"Set-Cookie", CookieHeader(kAccountCookie, fresh, ctx_.settings.session_idle_seconds)});
    co_return co_await OpenForAccount(req, link, visit.token.secret, signed_in,
                                      std::move(cookies));
  }
  tries->Failed();
  const bool replay = (*attempt)->outcome == LoginAttempt::Outcome::kReplayedCode;
  if (!left->ok()) {
    co_return ctx_.ErrorPage(brand, 403, "This message is locked",
                        "It was locked after too many wrong attempts, to protect it.",
                        "Contact the sender; they can send it again.");
  }
  co_return CodePage(brand, "/r/" + link.recipient.id + "/code", ctx_.FormToken("code", token),
                     std::string(replay ? "That code was already used. Wait for the next one. "
                                        : "That code is not right. ") +
                         AttemptsLeft(**left));
}

awaitable<Response> AccountPages::SubmitRegistration(http::Request& req) {
  LinkedVisit visit = co_await CheckVisit(req);
  if (visit.refused) co_return std::move(*visit.refused);
  const Brand& brand = visit.brand;
  const LinkState& link = visit.link;
  if (!ctx_.FormTokenValid(req, "register", visit.cookie)) {
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.",
                        "Open the link in your email again.");
  }
  auto form = http::ParseForm(req.body);
  const std::string password = Field(form, "password");
  if (password != Field(form, "password2")) {
    co_return RegisterPage(brand, link, visit.cookie, "The two passwords are not the same.");
  }
  // Each registration mails a link: count it, so nobody can flood a mailbox from here.
  std::int64_t wait = 0;
  auto tries = co_await ctx_.PassGuards(
      req.client_address, AccountKey(link.message.namespace_name, link.recipient.address), &wait);
  if (!tries) co_return ctx_.TooManyTries(brand, wait);
  std::optional<Result<std::string>> registered;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        registered.emplace(ctx_.accounts.Register(link.message.namespace_name, link.recipient.address,
                                              password, link.recipient.id));
      })) {
    co_return std::move(*busy);
  }
  if (!registered->ok()) {
    const Error& e = registered->error();
    if (e.code == ErrorCode::kInvalidArgument) {
      co_return RegisterPage(brand, link, visit.cookie, e.message);
    }
    if (e.code == ErrorCode::kAlreadyExists) co_return LoginPage(brand, link, visit.cookie, "");
    if (e.code == ErrorCode::kResourceExhausted) {
      co_return ctx_.ErrorPage(brand, 429, "Too many registrations",
                          "Several registrations for this address are waiting to be confirmed.",
                          "Open the newest confirmation email, or try again tomorrow.");
    }
    spdlog::error("portal[{}]: registration failed: {}", req.id, e.ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  tries->Failed();  // a mail was sent: it counts
  Response r = ctx_.InfoPage(brand, "Check your email",
                        {"We sent a link to " + link.recipient.address +
                             ". Open it in this browser to confirm the address is yours; you "
                             "will then be taken to your message. In another browser, you will "
                             "be asked for the password you just chose.",
                         "The link works once, for 24 hours. If no email arrives in a few "
                         "minutes, look in your spam folder, or open the link in the first "
                         "email again to start over."});
  r.headers.push_back({"Set-Cookie", CookieHeader(kRegistrantCookie, **registered,
                                                  ctx_.accounts.confirm_seconds())});
  co_return r;
}

awaitable<Response> AccountPages::ShowConfirm(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  // A page with a button, not the confirmation itself: mail filters that follow links
  // must not confirm an address on their own.
  const std::string token = req.params[0];
  const std::string registrant = req.cookie(kRegistrantCookie).value_or("");
  std::optional<Result<PendingRegistration>> pending;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        pending.emplace(ctx_.accounts.FindRegistration(token, registrant));
      })) {
    co_return std::move(*busy);
  }
  if (!pending->ok()) co_return ConfirmLinkDead(brand);
  brand = co_await ctx_.NamespaceBrand((*pending)->namespace_name);
  co_return ConfirmPage(brand, **pending, token, 200, "");
}

Response AccountPages::ConfirmLinkDead(const Brand& brand) const {
  return ctx_.ErrorPage(brand, 404, "This link does not work",
                   "It was already used, has expired, or the address was confirmed by another "
                   "registration.",
                   "Open the link in the email about your message again to start over.");
}

Response AccountPages::ConfirmPage(const Brand& brand, const PendingRegistration& pending,
                             const std::string& token, int status,
                             const std::string& error) const {
  return ctx_.Page(brand, status, "confirm.tpl", "Confirm your email address",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("ADDRESS", pending.address);
                d.SetValue("TOKEN", token);
                d.SetValue("CSRF", ctx_.FormToken("confirm", token));
                // Another browser than the one that registered: the registrant's
                // password, so a link mailed for someone else's registration is no use.
                if (!pending.from_this_browser) d.ShowSection("ASK_PASSWORD");
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

awaitable<Response> AccountPages::SubmitConfirm(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  auto form = http::ParseForm(req.body);
  const std::string token = Field(form, "token");
  if (!ctx_.FormTokenValid(req, "confirm", token)) {
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.",
                        "Open the link in the email again.");
  }
  const std::string registrant = req.cookie(kRegistrantCookie).value_or("");
  const std::string password = Field(form, "password");
  std::optional<Result<PendingRegistration>> pending;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        pending.emplace(ctx_.accounts.FindRegistration(token, registrant));
      })) {
    co_return std::move(*busy);
  }
  if (!pending->ok()) co_return ConfirmLinkDead(brand);
  brand = co_await ctx_.NamespaceBrand((*pending)->namespace_name);
  // A password typed here is a guess like any other: the account guards count it.
  std::optional<PortalContext::GuardTries> tries;
  if (!(*pending)->from_this_browser) {
    std::int64_t wait = 0;
    tries = co_await ctx_.PassGuards(req.client_address,
                                AccountKey((*pending)->namespace_name, (*pending)->address), &wait);
    if (!tries) co_return ctx_.TooManyTries(brand, wait);
  }
  std::optional<Result<std::pair<PortalAccountRecord, std::string>>> confirmed;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        confirmed.emplace(ctx_.accounts.Confirm(token, registrant, password));
      })) {
    co_return std::move(*busy);
  }
  if (!confirmed->ok()) {
    const Error& e = confirmed->error();
    if (e.code == ErrorCode::kPermissionDenied) {
      if (tries && !password.empty()) tries->Failed();
      co_return ConfirmPage(brand, **pending, token, 403,
                            password.empty()
                                ? "Enter the password chosen when this address was registered."
                                : "That is not the password chosen when this address was "
                                  "registered.");
    }
    if (e.code == ErrorCode::kAlreadyExists) {
      co_return ctx_.InfoPage(brand, "This address already has an account",
                         {"Open the link in the email about your message and sign in."});
    }
    if (e.code != ErrorCode::kNotFound) {
      spdlog::error("portal[{}]: confirmation failed: {}", req.id, e.ToString());
      co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
    }
    co_return ConfirmLinkDead(brand);
  }
  const auto& [account, rid] = **confirmed;
  std::string session =
      ctx_.account_sessions.Create({account.id, account.namespace_name, account.address, false, "", {}});
  // On to the message: its link cookie, if still in this browser, opens it at once.
  Response r = http::RedirectResponse(rid.empty() ? "/account" : "/r/" + rid);
  r.headers.push_back({"Set-Cookie", CookieHeader(kAccountCookie, session,
                                                  ctx_.settings.session_idle_seconds)});
  r.headers.push_back({"Set-Cookie", CookieHeader(kRegistrantCookie, "", 0)});
  co_return r;
}

Response AccountPages::AccountView(const Brand& brand, const AccountSession& account,
                             const std::string& session_token, bool totp_on,
                             const std::string& note, const std::string& error) const {
  return ctx_.Page(brand, error.empty() ? 200 : 401, "account.tpl", "Your account",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("ADDRESS", account.address);
                d.SetValue("CSRF", ctx_.FormToken("account", session_token));
                d.ShowSection(totp_on ? "TOTP_ON" : "TOTP_OFF");
                if (!note.empty()) d.AddSectionDictionary("MESSAGE_TEXT")->SetValue("TEXT", note);
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

awaitable<Response> AccountPages::AccountPage(http::Request& req) {
  Brand brand = co_await ctx_.AccountBrand(req);
  auto signed_in = ctx_.SignedIn(req);
  if (!signed_in) {
    co_return ctx_.ErrorPage(brand, 403, "You are not signed in",
                        "To sign in, open the link in the email about your message.");
  }
  std::optional<Result<std::optional<PortalAccountRecord>>> account;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        account.emplace(ctx_.accounts.Find(signed_in->first.account_id));
      })) {
    co_return std::move(*busy);
  }
  if (!account->ok() || !account->value()) {
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  co_return AccountView(brand, signed_in->first, signed_in->second,
                        !(*account)->value().sealed_totp.empty(), "", "");
}

awaitable<Response> AccountPages::Logout(http::Request& req, bool everywhere) {
  Brand brand = co_await ctx_.AccountBrand(req);
  const std::string token = req.cookie(kAccountCookie).value_or("");
  if (!ctx_.FormTokenValid(req, "account", token)) {
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  // Ended on the server, not just forgotten by the browser: a copied cookie is dead too.
  if (auto session = ctx_.account_sessions.Find(token)) {
    spdlog::info("portal[{}]: account {} signed out{}", req.id, session->account_id,
                 everywhere ? " everywhere" : "");
    if (everywhere && !session->needs_code) {
      ctx_.account_sessions.RemoveAccount(session->account_id);
      ctx_.sessions.RemoveAccount(session->account_id);
    }
  }
  ctx_.account_sessions.Remove(token);
  if (auto message_session = req.cookie(kSessionCookie)) ctx_.sessions.Remove(*message_session);
  Response r = ctx_.InfoPage(brand, "You have signed out",
                        {"To read a message again, open the link in the email about it."});
  r.headers.push_back({"Set-Cookie", CookieHeader(kAccountCookie, "", 0)});
  r.headers.push_back({"Set-Cookie", CookieHeader(kSessionCookie, "", 0)});
  co_return r;
}

awaitable<Response> AccountPages::StartTotp(http::Request& req) {
  Brand brand = co_await ctx_.AccountBrand(req);
  auto signed_in = ctx_.SignedIn(req);
  if (!signed_in || !ctx_.FormTokenValid(req, "account", signed_in->second)) {
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  std::optional<Result<std::optional<PortalAccountRecord>>> account;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        account.emplace(ctx_.accounts.Find(signed_in->first.account_id));
      })) {
    co_return std::move(*busy);
  }
  if (!account->ok() || !account->value()) {
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  TotpEnrolment enrolment = ctx_.accounts.BeginTotp(***account);
  auto qr = QrSvg(enrolment.uri, "QR code to add this account to an authenticator app");
  if (!qr.ok()) {
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  AccountSession session = signed_in->first;
  session.enrolling = std::make_shared<const SecretBytes>(std::move(enrolment.secret));
  ctx_.account_sessions.Update(signed_in->second, std::move(session));
  Response r = ctx_.Page(brand, 200, "totp_setup.tpl", "Turn on two-step sign-in",
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("QR", *qr);
                      d.SetValue("KEY", enrolment.base32);
                      d.SetValue("BASE", "/account/totp");
                      d.SetValue("BACK", "/account");
                      d.SetValue("CSRF", ctx_.FormToken("account", signed_in->second));
                    });
  // The page holds a secret: nothing may keep a copy.
  r.Set("Cache-Control", "no-store");
  WipeMemory(enrolment.base32.data(), enrolment.base32.size());
  WipeMemory(enrolment.uri.data(), enrolment.uri.size());
  co_return r;
}

awaitable<Response> AccountPages::FinishTotp(http::Request& req) {
  Brand brand = co_await ctx_.AccountBrand(req);
  auto signed_in = ctx_.SignedIn(req);
  if (!signed_in || !ctx_.FormTokenValid(req, "account", signed_in->second)) {
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  if (!signed_in->first.enrolling) co_return http::RedirectResponse("/account");
  const std::string code = Field(http::ParseForm(req.body), "code");
  std::optional<Result<std::optional<PortalAccountRecord>>> account;
  std::optional<Result<std::vector<std::string>>> codes;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        account.emplace(ctx_.accounts.Find(signed_in->first.account_id));
        if (account->ok() && account->value()) {
          codes.emplace(ctx_.accounts.ConfirmTotp(***account, *signed_in->first.enrolling, code));
        }
      })) {
    co_return std::move(*busy);
  }
  if (!codes) {
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  if (!codes->ok()) {
    if (codes->error().code != ErrorCode::kUnauthenticated) {
      co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
    }
    // The same secret again, so the app already set up still works.
    auto uri = TotpUri(ctx_.settings.organisation, signed_in->first.address,
                       *signed_in->first.enrolling, TotpParams{});
    auto qr = QrSvg(uri, "QR code to add this account to an authenticator app");
    Response r =
        ctx_.Page(brand, 401, "totp_setup.tpl", "Turn on two-step sign-in",
             [&](ctemplate::TemplateDictionary& d) {
               d.SetValue("QR", qr.ok() ? *qr : "");
               d.SetValue("KEY", Base32Encode(signed_in->first.enrolling->view()));
               d.SetValue("BASE", "/account/totp");
               d.SetValue("BACK", "/account");
               d.SetValue("CSRF", ctx_.FormToken("account", signed_in->second));
               d.ShowSection("ERROR");
               d.SetValue("ERROR_TEXT",
                          "That code does not match. Check the app shows this account, and "
                          "enter the code it shows now.");
             });
    r.Set("Cache-Control", "no-store");
    co_return r;
  }
  AccountSession session = signed_in->first;
  session.enrolling.reset();
  ctx_.account_sessions.Update(signed_in->second, std::move(session));
  Response r = ctx_.Page(brand, 200, "recovery_codes.tpl", "Two-step sign-in is on",
                         [&](ctemplate::TemplateDictionary& d) {
                           d.SetValue("BACK", "/account");
                           for (const auto& c : **codes) {
                             d.AddSectionDictionary("CODE")->SetValue("VALUE", c);
                           }
                         });
  r.Set("Cache-Control", "no-store");
  co_return r;
}

awaitable<Response> AccountPages::StopTotp(http::Request& req) {
  Brand brand = co_await ctx_.AccountBrand(req);
  auto signed_in = ctx_.SignedIn(req);
  if (!signed_in || !ctx_.FormTokenValid(req, "account", signed_in->second)) {
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  const std::string account_key =
      AccountKey(signed_in->first.namespace_name, signed_in->first.address);
  std::int64_t wait = 0;
  auto tries = co_await ctx_.PassGuards(req.client_address, account_key, &wait);
  if (!tries) co_return ctx_.TooManyTries(brand, wait);
  const std::string password = Field(http::ParseForm(req.body), "password");
  std::optional<Result<std::optional<PortalAccountRecord>>> account;
  std::optional<Status> stopped;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        account.emplace(ctx_.accounts.Find(signed_in->first.account_id));
        if (account->ok() && account->value()) stopped.emplace(ctx_.accounts.DisableTotp(***account, password));
      })) {
    co_return std::move(*busy);
  }
  if (!stopped) {
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  if (!stopped->ok()) {
    tries->Failed();
    co_return AccountView(brand, signed_in->first, signed_in->second, true, "",
                          "That password is not right.");
  }
  co_return AccountView(brand, signed_in->first, signed_in->second, false,
                        "Two-step sign-in is now off.", "");
}

awaitable<Response> AccountPages::ResetRequestForm(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  co_return ResetRequestPage(brand, req, "");
}

Response AccountPages::ResetRequestPage(const Brand& brand, http::Request& req,
                                  const std::string& error) const {
  auto [binding, fresh] = FormBinding(req);
  Response r = ctx_.Page(brand, error.empty() ? 200 : 400, "reset_request.tpl", "Forgot your password?",
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("CSRF", ctx_.FormToken("reset-request", binding));
                      if (!error.empty()) {
                        d.ShowSection("ERROR");
                        d.SetValue("ERROR_TEXT", error);
                      }
                    });
  if (fresh) r.headers.push_back({"Set-Cookie", CookieHeader(kFormCookie, binding, 3600)});
  return r;
}

awaitable<Response> AccountPages::SubmitResetRequest(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  if (!ctx_.FormTokenValid(req, "reset-request", req.cookie(kFormCookie).value_or(""))) {
    co_return ResetRequestPage(brand, req, "This form expired. Please try again.");
  }
  const std::string address = Field(http::ParseForm(req.body), "address");
  if (address.size() > 254 || address.find('@') == std::string::npos) {
    co_return ResetRequestPage(brand, req, "Enter the email address the message was sent to.");
  }
  // Every request mails a link: limited like wrong passwords, per client and address.
  std::int64_t wait = 0;
  auto tries = co_await ctx_.PassGuards(req.client_address, AccountKey(brand.name, address), &wait);
  if (!tries) co_return ctx_.TooManyTries(brand, wait);
  tries->Failed();
  std::optional<Status> requested;
  // The pool is the one whose portal this is: a namespace's accounts reset their
  // passwords on its host name; any other host serves the shared pool.
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        requested.emplace(ctx_.accounts.RequestReset(brand.name, address));
      })) {
    co_return std::move(*busy);
  }
  if (!requested->ok()) {
    spdlog::error("portal[{}]: reset request failed: {}", req.id, requested->error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  // The same answer whether or not the address has an account.
  co_return ctx_.InfoPage(brand, "Check your email",
                     {"If " + address +
                      " has an account, we sent it a link to choose a new "
                      "password. The link works once, for one hour."});
}

awaitable<Response> AccountPages::ShowReset(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  const std::string token = req.params[0];
  std::optional<Result<PortalAccountRecord>> address;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        address.emplace(ctx_.accounts.LinkAccount(token, "reset"));
      })) {
    co_return std::move(*busy);
  }
  // A console sign-in's link is for the console's page (console_pages.cc).
  if (address->ok() && (*address)->namespace_name == kConsolePool) {
    *address = MakeError(ErrorCode::kNotFound, "a console link");
  }
  if (!address->ok()) {
    co_return ctx_.ErrorPage(brand, 404, "This link does not work",
                        "It was already used or has expired.", "You can ask for a new one.");
  }
  brand = co_await ctx_.NamespaceBrand((*address)->namespace_name);
  Response r =
      ctx_.Page(brand, 200, "reset.tpl", "Choose a new password", [&](ctemplate::TemplateDictionary& d) {
        d.SetValue("ADDRESS", (*address)->address);
        d.SetValue("TOKEN", token);
        d.SetValue("CSRF", ctx_.FormToken("reset", token));
        d.SetIntValue("MIN", static_cast<long>(kMinPasswordLength));
      });
  r.Set("Referrer-Policy", "no-referrer");
  co_return r;
}

awaitable<Response> AccountPages::SubmitReset(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  const std::string token = req.params[0];
  if (!ctx_.FormTokenValid(req, "reset", token)) {
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  auto form = http::ParseForm(req.body);
  const std::string password = Field(form, "password");
  std::optional<Result<PortalAccountRecord>> address;
  std::optional<Result<PortalAccountRecord>> reset;
  const bool same = password == Field(form, "password2");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        address.emplace(ctx_.accounts.LinkAccount(token, "reset"));
        // A console sign-in's link is for the console's page (console_pages.cc).
        if (address->ok() && (*address)->namespace_name == kConsolePool) {
          *address = MakeError(ErrorCode::kNotFound, "a console link");
        }
        if (address->ok() && same) reset.emplace(ctx_.accounts.Reset(token, password));
      })) {
    co_return std::move(*busy);
  }
  if (!address->ok()) {
    co_return ctx_.ErrorPage(brand, 404, "This link does not work",
                        "It was already used or has expired.", "You can ask for a new one.");
  }
  brand = co_await ctx_.NamespaceBrand((*address)->namespace_name);
  auto again = [&](const std::string& error) {
    return ctx_.Page(brand, 400, "reset.tpl", "Choose a new password",
                [&](ctemplate::TemplateDictionary& d) {
                  d.SetValue("ADDRESS", (*address)->address);
                  d.SetValue("TOKEN", token);
                  d.SetValue("CSRF", ctx_.FormToken("reset", token));
                  d.SetIntValue("MIN", static_cast<long>(kMinPasswordLength));
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                });
  };
  if (!same) co_return again("The two passwords are not the same.");
  if (!reset->ok()) {
    if (reset->error().code == ErrorCode::kInvalidArgument) co_return again(reset->error().message);
    co_return ctx_.ErrorPage(brand, 404, "This link does not work",
                        "It was already used or has expired.", "You can ask for a new one.");
  }
  // Whoever held the old password is signed out everywhere, and loses every message
  // the account's sign-in opened.
  ctx_.account_sessions.RemoveAccount((*reset)->id);
  ctx_.sessions.RemoveAccount((*reset)->id);
  Response r = ctx_.InfoPage(brand, "Your password was changed",
                        {"To read your message, open the link in the email about it and sign in "
                         "with the new password."});
  r.headers.push_back({"Set-Cookie", CookieHeader(kAccountCookie, "", 0)});
  co_return r;
}

}  // namespace sealpost::portal
