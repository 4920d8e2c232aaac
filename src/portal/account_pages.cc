// The portal's account pages: recipients whose messages are opened by signing in
// (registration, confirmation, login with an optional second step, password reset,
// two-step enrolment, sign-out). Every form carries a CSRF token bound to something
// only this browser has: the link cookie, the account session, the mailed token, or
// a random form cookie. Wrong passwords and codes meet three limits: the client
// address's and the account's guards here, and the message's own lock in escrow.
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include "base/encoding.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "portal/common.h"
#include "portal/portal.h"
#include "crypto/totp.h"
#include "portal/qr.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

using Form = std::vector<std::pair<std::string, std::string>>;

std::string Field(const Result<Form>& form, std::string_view name) {
  return form.ok() ? http::FormValue(*form, name).value_or("") : "";
}

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

std::string Portal::FormToken(std::string_view purpose, std::string_view binding) const {
  return Base64UrlEncode(HmacSha256(keys_.csrf(), std::string(purpose) + "|" + std::string(binding)));
}

bool Portal::FormTokenValid(const http::Request& req, std::string_view purpose,
                            std::string_view binding) const {
  auto form = http::ParseForm(req.body);
  const std::string given = Field(form, "csrf");
  if (binding.empty() || !ConstantTimeEqual(given, FormToken(purpose, binding))) {
    spdlog::warn("portal: {} form refused: bad CSRF token from {}", purpose, req.client_address);
    return false;
  }
  return true;
}

awaitable<Brand> Portal::AccountBrand(const http::Request& req) {
  auto token = req.cookie(kAccountCookie);
  auto session = token ? account_sessions_.Find(*token) : std::nullopt;
  if (session) co_return co_await NamespaceBrand(session->namespace_name);
  co_return co_await HostBrand(req);
}

std::optional<std::pair<AccountSession, std::string>> Portal::SignedIn(const http::Request& req) {
  auto token = req.cookie(kAccountCookie);
  if (!token) return std::nullopt;
  auto session = account_sessions_.Find(*token);
  if (!session || session->needs_code) return std::nullopt;
  return std::make_pair(std::move(*session), *token);
}

Response Portal::InfoPage(const Brand& brand, const std::string& heading,
                          const std::vector<std::string>& paragraphs, const std::string& href,
                          const std::string& label) const {
  return Page(brand, 200, "notice.tpl", heading, [&](ctemplate::TemplateDictionary& d) {
    d.SetValue("HEADING", heading);
    for (const auto& p : paragraphs) d.AddSectionDictionary("PARA")->SetValue("TEXT", p);
    if (!href.empty()) {
      auto* link = d.AddSectionDictionary("LINK");
      link->SetValue("HREF", href);
      link->SetValue("LABEL", label);
    }
  });
}

Response Portal::LoginPage(const Brand& brand, const LinkState& link, const std::string& link_token,
                           const std::string& error) const {
  return Page(brand, error.empty() ? 200 : 401, "login.tpl", "Sign in",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("SENDER", link.message.sender);
                d.SetValue("ADDRESS", link.recipient.address);
                d.SetValue("RID", link.recipient.id);
                d.SetValue("CSRF", FormToken("login", link_token));
                d.SetValue("EXPIRES", HumanTime(link.message.expires_at));
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

Response Portal::RegisterPage(const Brand& brand, const LinkState& link,
                              const std::string& link_token, const std::string& error) const {
  return Page(brand, error.empty() ? 200 : 400, "register.tpl", "Create your account",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("SENDER", link.message.sender);
                d.SetValue("ADDRESS", link.recipient.address);
                d.SetValue("RID", link.recipient.id);
                d.SetValue("CSRF", FormToken("register", link_token));
                d.SetValue("EXPIRES", HumanTime(link.message.expires_at));
                d.SetIntValue("MIN", static_cast<long>(kMinPasswordLength));
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

Response Portal::CodePage(const Brand& brand, const std::string& action, const std::string& csrf,
                          const std::string& error) const {
  return Page(brand, error.empty() ? 200 : 401, "code.tpl", "Enter your sign-in code",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("ACTION", action);
                d.SetValue("CSRF", csrf);
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

awaitable<Response> Portal::LoginGate(http::Request& req, const LinkState& link,
                                      const SecretBytes& link_secret, const std::string& link_token) {
  const Brand brand = co_await NamespaceBrand(link.message.namespace_name);
  // Signed in to another namespace's pool, the account is a stranger here.
  auto signed_in = SignedIn(req);
  if (signed_in && signed_in->first.namespace_name != link.message.namespace_name) signed_in.reset();
  if (signed_in) {
    if (AsciiLower(signed_in->first.address) == AsciiLower(link.recipient.address)) {
      co_return co_await OpenForAccount(req, link, link_secret, signed_in->first, {});
    }
    co_return InfoPage(brand, "This message is for another address",
                       {"You are signed in as " + signed_in->first.address +
                            ", but this message "
                            "was sent to " +
                            link.recipient.address + ".",
                        "Sign out, then open the link in your email again to sign in as " +
                            link.recipient.address + "."},
                       "/account", "Your account and sign-out");
  }
  bool has_account = false;
  if (auto busy = co_await OffLoop(brand, [&] {
        has_account = accounts_.HasConfirmedAccount(link.message.namespace_name, link.recipient.address);
      })) {
    co_return std::move(*busy);
  }
  co_return has_account ? LoginPage(brand, link, link_token, "")
                        : RegisterPage(brand, link, link_token, "");
}

awaitable<Response> Portal::OpenForAccount(http::Request& req, const LinkState& link,
                                           const SecretBytes& link_secret,
                                           const AccountSession& account,
                                           std::vector<http::Header> cookies) {
  const Brand brand = co_await NamespaceBrand(link.message.namespace_name);
  std::optional<Result<SecretBytes>> key;
  if (auto busy = co_await OffLoop(brand, [&] {
        key.emplace(escrow_.OpenByLogin(link, link_secret, account.address, req.client_address));
      })) {
    co_return std::move(*busy);
  }
  Response r = key->ok() ? Opened(link.recipient.id, std::move(**key), account.account_id)
                         : NotOpened(brand, link, key->error());
  for (auto& c : cookies) r.headers.push_back(std::move(c));
  co_return r;
}

awaitable<Portal::LinkedVisit> Portal::CheckVisit(http::Request& req) {
  LinkedVisit visit;
  visit.brand = co_await HostBrand(req);
  const auto open_the_link_again = [&] {
    return ErrorPage(visit.brand, 403, "Open the link in your email",
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
  if (auto busy = co_await OffLoop(visit.brand, [&] {
        link.emplace(escrow_.CheckLink(visit.rid, visit.token.secret, req.client_address, false));
      })) {
    visit.refused = std::move(busy);
    co_return visit;
  }
  if (!link->ok()) {
    visit.refused = open_the_link_again();
    co_return visit;
  }
  visit.link = std::move(**link);
  visit.brand = co_await NamespaceBrand(visit.link.message.namespace_name);
  // A recipient who answers a question has no password to guess here.
  if (visit.link.recipient.verification != "login") {
    visit.refused = open_the_link_again();
  } else if (visit.link.locked) {
    visit.refused =
        ErrorPage(visit.brand, 403, "This message is locked", "It can no longer be opened.");
  } else if (visit.link.expired) {
    visit.refused = GonePage(visit.brand, visit.link);
  }
  co_return visit;
}

awaitable<Response> Portal::SubmitLogin(http::Request& req) {
  LinkedVisit visit = co_await CheckVisit(req);
  if (visit.refused) co_return std::move(*visit.refused);
  const Brand& brand = visit.brand;
  const LinkState& link = visit.link;
  if (!FormTokenValid(req, "login", visit.cookie)) {
    co_return ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.",
                        "Open the link in your email again.");
  }
  const std::string password = Field(http::ParseForm(req.body), "password");
  const std::string account_key = AccountKey(link.message.namespace_name, link.recipient.address);
  std::int64_t wait = 0;
  auto tries = co_await PassGuards(req.client_address, account_key, &wait);
  if (!tries) {
    spdlog::warn("portal: login for recipient {} refused: too many failures", link.recipient.id);
    co_return TooManyTries(brand, wait);
  }
  std::optional<Result<LoginAttempt>> attempt;
  std::optional<Result<int>> left;  // the message's tries left, after a wrong password
  if (auto busy = co_await OffLoop(brand, [&] {
        attempt.emplace(
            accounts_.Login(link.message.namespace_name, link.recipient.address, password));
        if (!attempt->ok()) return;
        const auto outcome = (*attempt)->outcome;
        if (outcome == LoginAttempt::Outcome::kSignedIn ||
            outcome == LoginAttempt::Outcome::kNeedCode) {
          return;
        }
        left.emplace(escrow_.CountFailure(link, req.client_address, "login_failed"));
      })) {
    co_return std::move(*busy);
  }
  if (!attempt->ok()) {
    spdlog::error("portal: login failed: {}", attempt->error().ToString());
    co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  switch ((*attempt)->outcome) {
    case LoginAttempt::Outcome::kSignedIn: {
      AccountSession session{(*attempt)->account->id, (*attempt)->account->namespace_name,
                             (*attempt)->account->address, false, "", {}};
      std::string token = account_sessions_.Create(session);
      spdlog::info("portal: account {} signed in from {}", (*attempt)->account->id, req.client_address);
      std::vector<http::Header> cookies;
      cookies.push_back({"Set-Cookie", CookieHeader(kAccountCookie, token, settings_.session_idle_seconds)});
      co_return co_await OpenForAccount(req, link, visit.token.secret, session,
                                        std::move(cookies));
    }
    case LoginAttempt::Outcome::kNeedCode: {
      AccountSession pending{(*attempt)->account->id, (*attempt)->account->namespace_name,
                             (*attempt)->account->address, true, link.recipient.id, {}};
      std::string token = account_sessions_.Create(std::move(pending));
      Response r =
          CodePage(brand, "/r/" + link.recipient.id + "/code", FormToken("code", token), "");
      r.headers.push_back({"Set-Cookie", CookieHeader(kAccountCookie, token,
                                                      settings_.session_idle_seconds)});
      co_return r;
    }
    default:
      break;
  }
  // A wrong password: the address's and the account's guards, and the message's lock
  // (counted above, in the same piece of work as the check).
  tries->Failed();
  spdlog::warn("portal: wrong password for recipient {} from {}", link.recipient.id, req.client_address);
  if (!left->ok()) {
    co_return ErrorPage(brand, 403, "This message is locked",
                        "It was locked after too many wrong attempts, to protect it.",
                        "Contact the sender; they can send it again.");
  }
  co_return LoginPage(brand, link, visit.cookie,
                      "That password is not right. " + AttemptsLeft(**left));
}

awaitable<Response> Portal::SubmitCode(http::Request& req) {
  LinkedVisit visit = co_await CheckVisit(req);
  if (visit.refused) co_return std::move(*visit.refused);
  const Brand& brand = visit.brand;
  const LinkState& link = visit.link;
  const std::string token = req.cookie(kAccountCookie).value_or("");
  auto pending = account_sessions_.Find(token);
  if (!pending || !pending->needs_code || pending->next_recipient != link.recipient.id) {
    co_return ErrorPage(brand, 403, "Please sign in again",
                        "Signing in took too long, or was not started here.",
                        "Open the link in your email again.");
  }
  if (!FormTokenValid(req, "code", token)) {
    co_return ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.",
                        "Open the link in your email again.");
  }
  const std::string code = Field(http::ParseForm(req.body), "code");
  const std::string account_key = AccountKey(pending->namespace_name, pending->address);
  std::int64_t wait = 0;
  auto tries = co_await PassGuards(req.client_address, account_key, &wait);
  if (!tries) co_return TooManyTries(brand, wait);
  std::optional<Result<LoginAttempt>> attempt;
  std::optional<Result<int>> left;  // the message's tries left, after a wrong code
  if (auto busy = co_await OffLoop(brand, [&] {
        attempt.emplace(accounts_.SecondFactor(pending->account_id, code));
        if (!attempt->ok() || (*attempt)->outcome == LoginAttempt::Outcome::kSignedIn) return;
        const bool replay = (*attempt)->outcome == LoginAttempt::Outcome::kReplayedCode;
        left.emplace(escrow_.CountFailure(link, req.client_address,
                                          replay ? "code_replayed" : "code_failed"));
      })) {
    co_return std::move(*busy);
  }
  if (!attempt->ok()) {
    spdlog::error("portal: second step failed: {}", attempt->error().ToString());
    co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  if ((*attempt)->outcome == LoginAttempt::Outcome::kSignedIn) {
    // A new session token once fully signed in: the half-signed-in one is dropped.
    account_sessions_.Remove(token);
    const AccountSession signed_in{pending->account_id, pending->namespace_name,
                                   pending->address,    false,
                                   "",                  {}};
    std::string fresh = account_sessions_.Create(signed_in);
    spdlog::info("portal: account {} signed in (two steps) from {}", pending->account_id,
                 req.client_address);
    std::vector<http::Header> cookies;
    cookies.push_back({"Set-Cookie", CookieHeader(kAccountCookie, fresh, settings_.session_idle_seconds)});
    co_return co_await OpenForAccount(req, link, visit.token.secret, signed_in,
                                      std::move(cookies));
  }
  tries->Failed();
  const bool replay = (*attempt)->outcome == LoginAttempt::Outcome::kReplayedCode;
  if (!left->ok()) {
    co_return ErrorPage(brand, 403, "This message is locked",
                        "It was locked after too many wrong attempts, to protect it.",
                        "Contact the sender; they can send it again.");
  }
  co_return CodePage(brand, "/r/" + link.recipient.id + "/code", FormToken("code", token),
                     std::string(replay ? "That code was already used. Wait for the next one. "
                                        : "That code is not right. ") +
                         AttemptsLeft(**left));
}

awaitable<Response> Portal::SubmitRegistration(http::Request& req) {
  LinkedVisit visit = co_await CheckVisit(req);
  if (visit.refused) co_return std::move(*visit.refused);
  const Brand& brand = visit.brand;
  const LinkState& link = visit.link;
  if (!FormTokenValid(req, "register", visit.cookie)) {
    co_return ErrorPage(brand, 403, "Please try again",
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
  auto tries = co_await PassGuards(
      req.client_address, AccountKey(link.message.namespace_name, link.recipient.address), &wait);
  if (!tries) co_return TooManyTries(brand, wait);
  std::optional<Result<std::string>> registered;
  if (auto busy = co_await OffLoop(brand, [&] {
        registered.emplace(accounts_.Register(link.message.namespace_name, link.recipient.address,
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
      co_return ErrorPage(brand, 429, "Too many registrations",
                          "Several registrations for this address are waiting to be confirmed.",
                          "Open the newest confirmation email, or try again tomorrow.");
    }
    spdlog::error("portal: registration failed: {}", e.ToString());
    co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  tries->Failed();  // a mail was sent: it counts
  Response r = InfoPage(brand, "Check your email",
                        {"We sent a link to " + link.recipient.address +
                             ". Open it in this browser to confirm the address is yours; you "
                             "will then be taken to your message. In another browser, you will "
                             "be asked for the password you just chose.",
                         "The link works once, for 24 hours. If no email arrives in a few "
                         "minutes, look in your spam folder, or open the link in the first "
                         "email again to start over."});
  r.headers.push_back({"Set-Cookie", CookieHeader(kRegistrantCookie, **registered,
                                                  accounts_.confirm_seconds())});
  co_return r;
}

awaitable<Response> Portal::ShowConfirm(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  // A page with a button, not the confirmation itself: mail filters that follow links
  // must not confirm an address on their own.
  const std::string token = req.params[0];
  const std::string registrant = req.cookie(kRegistrantCookie).value_or("");
  std::optional<Result<PendingRegistration>> pending;
  if (auto busy = co_await OffLoop(brand, [&] {
        pending.emplace(accounts_.FindRegistration(token, registrant));
      })) {
    co_return std::move(*busy);
  }
  if (!pending->ok()) co_return ConfirmLinkDead(brand);
  brand = co_await NamespaceBrand((*pending)->namespace_name);
  co_return ConfirmPage(brand, **pending, token, 200, "");
}

Response Portal::ConfirmLinkDead(const Brand& brand) const {
  return ErrorPage(brand, 404, "This link does not work",
                   "It was already used, has expired, or the address was confirmed by another "
                   "registration.",
                   "Open the link in the email about your message again to start over.");
}

Response Portal::ConfirmPage(const Brand& brand, const PendingRegistration& pending,
                             const std::string& token, int status,
                             const std::string& error) const {
  return Page(brand, status, "confirm.tpl", "Confirm your email address",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("ADDRESS", pending.address);
                d.SetValue("TOKEN", token);
                d.SetValue("CSRF", FormToken("confirm", token));
                // Another browser than the one that registered: the registrant's
                // password, so a link mailed for someone else's registration is no use.
                if (!pending.from_this_browser) d.ShowSection("ASK_PASSWORD");
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

awaitable<Response> Portal::SubmitConfirm(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  auto form = http::ParseForm(req.body);
  const std::string token = Field(form, "token");
  if (!FormTokenValid(req, "confirm", token)) {
    co_return ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.",
                        "Open the link in the email again.");
  }
  const std::string registrant = req.cookie(kRegistrantCookie).value_or("");
  const std::string password = Field(form, "password");
  std::optional<Result<PendingRegistration>> pending;
  if (auto busy = co_await OffLoop(brand, [&] {
        pending.emplace(accounts_.FindRegistration(token, registrant));
      })) {
    co_return std::move(*busy);
  }
  if (!pending->ok()) co_return ConfirmLinkDead(brand);
  brand = co_await NamespaceBrand((*pending)->namespace_name);
  // A password typed here is a guess like any other: the account guards count it.
  std::optional<GuardTries> tries;
  if (!(*pending)->from_this_browser) {
    std::int64_t wait = 0;
    tries = co_await PassGuards(req.client_address,
                                AccountKey((*pending)->namespace_name, (*pending)->address), &wait);
    if (!tries) co_return TooManyTries(brand, wait);
  }
  std::optional<Result<std::pair<PortalAccountRecord, std::string>>> confirmed;
  if (auto busy = co_await OffLoop(brand, [&] {
        confirmed.emplace(accounts_.Confirm(token, registrant, password));
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
      co_return InfoPage(brand, "This address already has an account",
                         {"Open the link in the email about your message and sign in."});
    }
    if (e.code != ErrorCode::kNotFound) {
      spdlog::error("portal: confirmation failed: {}", e.ToString());
      co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
    }
    co_return ConfirmLinkDead(brand);
  }
  const auto& [account, rid] = **confirmed;
  std::string session =
      account_sessions_.Create({account.id, account.namespace_name, account.address, false, "", {}});
  // On to the message: its link cookie, if still in this browser, opens it at once.
  Response r = http::RedirectResponse(rid.empty() ? "/account" : "/r/" + rid);
  r.headers.push_back({"Set-Cookie", CookieHeader(kAccountCookie, session,
                                                  settings_.session_idle_seconds)});
  r.headers.push_back({"Set-Cookie", CookieHeader(kRegistrantCookie, "", 0)});
  co_return r;
}

Response Portal::AccountView(const Brand& brand, const AccountSession& account,
                             const std::string& session_token, bool totp_on,
                             const std::string& note, const std::string& error) const {
  return Page(brand, error.empty() ? 200 : 401, "account.tpl", "Your account",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("ADDRESS", account.address);
                d.SetValue("CSRF", FormToken("account", session_token));
                d.ShowSection(totp_on ? "TOTP_ON" : "TOTP_OFF");
                if (!note.empty()) d.AddSectionDictionary("MESSAGE_TEXT")->SetValue("TEXT", note);
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

awaitable<Response> Portal::AccountPage(http::Request& req) {
  Brand brand = co_await AccountBrand(req);
  auto signed_in = SignedIn(req);
  if (!signed_in) {
    co_return ErrorPage(brand, 403, "You are not signed in",
                        "To sign in, open the link in the email about your message.");
  }
  std::optional<Result<std::optional<PortalAccountRecord>>> account;
  if (auto busy = co_await OffLoop(brand, [&] {
        account.emplace(accounts_.Find(signed_in->first.account_id));
      })) {
    co_return std::move(*busy);
  }
  if (!account->ok() || !account->value()) {
    co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  co_return AccountView(brand, signed_in->first, signed_in->second,
                        !(*account)->value().sealed_totp.empty(), "", "");
}

awaitable<Response> Portal::Logout(http::Request& req, bool everywhere) {
  Brand brand = co_await AccountBrand(req);
  const std::string token = req.cookie(kAccountCookie).value_or("");
  if (!FormTokenValid(req, "account", token)) {
    co_return ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  // Ended on the server, not just forgotten by the browser: a copied cookie is dead too.
  if (auto session = account_sessions_.Find(token)) {
    spdlog::info("portal: account {} signed out{}", session->account_id,
                 everywhere ? " everywhere" : "");
    if (everywhere && !session->needs_code) {
      account_sessions_.RemoveAccount(session->account_id);
      sessions_.RemoveAccount(session->account_id);
    }
  }
  account_sessions_.Remove(token);
  if (auto message_session = req.cookie(kSessionCookie)) sessions_.Remove(*message_session);
  Response r = InfoPage(brand, "You have signed out",
                        {"To read a message again, open the link in the email about it."});
  r.headers.push_back({"Set-Cookie", CookieHeader(kAccountCookie, "", 0)});
  r.headers.push_back({"Set-Cookie", CookieHeader(kSessionCookie, "", 0)});
  co_return r;
}

awaitable<Response> Portal::StartTotp(http::Request& req) {
  Brand brand = co_await AccountBrand(req);
  auto signed_in = SignedIn(req);
  if (!signed_in || !FormTokenValid(req, "account", signed_in->second)) {
    co_return ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  std::optional<Result<std::optional<PortalAccountRecord>>> account;
  if (auto busy = co_await OffLoop(brand, [&] {
        account.emplace(accounts_.Find(signed_in->first.account_id));
      })) {
    co_return std::move(*busy);
  }
  if (!account->ok() || !account->value()) {
    co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  TotpEnrolment enrolment = accounts_.BeginTotp(***account);
  auto qr = QrSvg(enrolment.uri, "QR code to add this account to an authenticator app");
  if (!qr.ok()) {
    co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  AccountSession session = signed_in->first;
  session.enrolling = std::make_shared<const SecretBytes>(std::move(enrolment.secret));
  account_sessions_.Update(signed_in->second, std::move(session));
  Response r = Page(brand, 200, "totp_setup.tpl", "Turn on two-step sign-in",
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("QR", *qr);
                      d.SetValue("KEY", enrolment.base32);
                      d.SetValue("CSRF", FormToken("account", signed_in->second));
                    });
  // The page holds a secret: nothing may keep a copy.
  r.Set("Cache-Control", "no-store");
  WipeMemory(enrolment.base32.data(), enrolment.base32.size());
  WipeMemory(enrolment.uri.data(), enrolment.uri.size());
  co_return r;
}

awaitable<Response> Portal::FinishTotp(http::Request& req) {
  Brand brand = co_await AccountBrand(req);
  auto signed_in = SignedIn(req);
  if (!signed_in || !FormTokenValid(req, "account", signed_in->second)) {
    co_return ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  if (!signed_in->first.enrolling) co_return http::RedirectResponse("/account");
  const std::string code = Field(http::ParseForm(req.body), "code");
  std::optional<Result<std::optional<PortalAccountRecord>>> account;
  std::optional<Result<std::vector<std::string>>> codes;
  if (auto busy = co_await OffLoop(brand, [&] {
        account.emplace(accounts_.Find(signed_in->first.account_id));
        if (account->ok() && account->value()) {
          codes.emplace(accounts_.ConfirmTotp(***account, *signed_in->first.enrolling, code));
        }
      })) {
    co_return std::move(*busy);
  }
  if (!codes) {
    co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  if (!codes->ok()) {
    if (codes->error().code != ErrorCode::kUnauthenticated) {
      co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
    }
    // The same secret again, so the app already set up still works.
    auto uri = TotpUri(settings_.organisation, signed_in->first.address,
                       *signed_in->first.enrolling, TotpParams{});
    auto qr = QrSvg(uri, "QR code to add this account to an authenticator app");
    Response r =
        Page(brand, 401, "totp_setup.tpl", "Turn on two-step sign-in",
             [&](ctemplate::TemplateDictionary& d) {
               d.SetValue("QR", qr.ok() ? *qr : "");
               d.SetValue("KEY", Base32Encode(signed_in->first.enrolling->view()));
               d.SetValue("CSRF", FormToken("account", signed_in->second));
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
  account_sessions_.Update(signed_in->second, std::move(session));
  Response r = Page(brand, 200, "recovery_codes.tpl", "Two-step sign-in is on",
                    [&](ctemplate::TemplateDictionary& d) {
                      for (const auto& c : **codes) {
                        d.AddSectionDictionary("CODE")->SetValue("VALUE", c);
                      }
                    });
  r.Set("Cache-Control", "no-store");
  co_return r;
}

awaitable<Response> Portal::StopTotp(http::Request& req) {
  Brand brand = co_await AccountBrand(req);
  auto signed_in = SignedIn(req);
  if (!signed_in || !FormTokenValid(req, "account", signed_in->second)) {
    co_return ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  const std::string account_key =
      AccountKey(signed_in->first.namespace_name, signed_in->first.address);
  std::int64_t wait = 0;
  auto tries = co_await PassGuards(req.client_address, account_key, &wait);
  if (!tries) co_return TooManyTries(brand, wait);
  const std::string password = Field(http::ParseForm(req.body), "password");
  std::optional<Result<std::optional<PortalAccountRecord>>> account;
  std::optional<Status> stopped;
  if (auto busy = co_await OffLoop(brand, [&] {
        account.emplace(accounts_.Find(signed_in->first.account_id));
        if (account->ok() && account->value()) stopped.emplace(accounts_.DisableTotp(***account, password));
      })) {
    co_return std::move(*busy);
  }
  if (!stopped) {
    co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  if (!stopped->ok()) {
    tries->Failed();
    co_return AccountView(brand, signed_in->first, signed_in->second, true, "",
                          "That password is not right.");
  }
  co_return AccountView(brand, signed_in->first, signed_in->second, false,
                        "Two-step sign-in is now off.", "");
}

Response Portal::ResetRequestPage(const Brand& brand, http::Request& req,
                                  const std::string& error) const {
  auto [binding, fresh] = FormBinding(req);
  Response r = Page(brand, error.empty() ? 200 : 400, "reset_request.tpl", "Forgot your password?",
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("CSRF", FormToken("reset-request", binding));
                      if (!error.empty()) {
                        d.ShowSection("ERROR");
                        d.SetValue("ERROR_TEXT", error);
                      }
                    });
  if (fresh) r.headers.push_back({"Set-Cookie", CookieHeader(kFormCookie, binding, 3600)});
  return r;
}

awaitable<Response> Portal::SubmitResetRequest(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  if (!FormTokenValid(req, "reset-request", req.cookie(kFormCookie).value_or(""))) {
    co_return ResetRequestPage(brand, req, "This form expired. Please try again.");
  }
  const std::string address = Field(http::ParseForm(req.body), "address");
  if (address.size() > 254 || address.find('@') == std::string::npos) {
    co_return ResetRequestPage(brand, req, "Enter the email address the message was sent to.");
  }
  // Every request mails a link: limited like wrong passwords, per client and address.
  std::int64_t wait = 0;
  auto tries = co_await PassGuards(req.client_address, AccountKey(brand.name, address), &wait);
  if (!tries) co_return TooManyTries(brand, wait);
  tries->Failed();
  std::optional<Status> requested;
  // The pool is the one whose portal this is: a namespace's accounts reset their
  // passwords on its host name; any other host serves the shared pool.
  if (auto busy = co_await OffLoop(brand, [&] {
        requested.emplace(accounts_.RequestReset(brand.name, address));
      })) {
    co_return std::move(*busy);
  }
  if (!requested->ok()) {
    spdlog::error("portal: reset request failed: {}", requested->error().ToString());
    co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  // The same answer whether or not the address has an account.
  co_return InfoPage(brand, "Check your email",
                     {"If " + address +
                      " has an account, we sent it a link to choose a new "
                      "password. The link works once, for one hour."});
}

awaitable<Response> Portal::ShowReset(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  const std::string token = req.params[0];
  std::optional<Result<PortalAccountRecord>> address;
  if (auto busy = co_await OffLoop(brand, [&] {
        address.emplace(accounts_.LinkAccount(token, "reset"));
      })) {
    co_return std::move(*busy);
  }
  if (!address->ok()) {
    co_return ErrorPage(brand, 404, "This link does not work",
                        "It was already used or has expired.", "You can ask for a new one.");
  }
  brand = co_await NamespaceBrand((*address)->namespace_name);
  Response r =
      Page(brand, 200, "reset.tpl", "Choose a new password", [&](ctemplate::TemplateDictionary& d) {
        d.SetValue("ADDRESS", (*address)->address);
        d.SetValue("TOKEN", token);
        d.SetValue("CSRF", FormToken("reset", token));
        d.SetIntValue("MIN", static_cast<long>(kMinPasswordLength));
      });
  r.Set("Referrer-Policy", "no-referrer");
  co_return r;
}

awaitable<Response> Portal::SubmitReset(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  const std::string token = req.params[0];
  if (!FormTokenValid(req, "reset", token)) {
    co_return ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  auto form = http::ParseForm(req.body);
  const std::string password = Field(form, "password");
  std::optional<Result<PortalAccountRecord>> address;
  std::optional<Result<PortalAccountRecord>> reset;
  const bool same = password == Field(form, "password2");
  if (auto busy = co_await OffLoop(brand, [&] {
        address.emplace(accounts_.LinkAccount(token, "reset"));
        if (address->ok() && same) reset.emplace(accounts_.Reset(token, password));
      })) {
    co_return std::move(*busy);
  }
  if (!address->ok()) {
    co_return ErrorPage(brand, 404, "This link does not work",
                        "It was already used or has expired.", "You can ask for a new one.");
  }
  brand = co_await NamespaceBrand((*address)->namespace_name);
  auto again = [&](const std::string& error) {
    return Page(brand, 400, "reset.tpl", "Choose a new password",
                [&](ctemplate::TemplateDictionary& d) {
                  d.SetValue("ADDRESS", (*address)->address);
                  d.SetValue("TOKEN", token);
                  d.SetValue("CSRF", FormToken("reset", token));
                  d.SetIntValue("MIN", static_cast<long>(kMinPasswordLength));
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                });
  };
  if (!same) co_return again("The two passwords are not the same.");
  if (!reset->ok()) {
    if (reset->error().code == ErrorCode::kInvalidArgument) co_return again(reset->error().message);
    co_return ErrorPage(brand, 404, "This link does not work",
                        "It was already used or has expired.", "You can ask for a new one.");
  }
  // Whoever held the old password is signed out everywhere, and loses every message
  // the account's sign-in opened.
  account_sessions_.RemoveAccount((*reset)->id);
  sessions_.RemoveAccount((*reset)->id);
  Response r = InfoPage(brand, "Your password was changed",
                        {"To read your message, open the link in the email about it and sign in "
                         "with the new password."});
  r.headers.push_back({"Set-Cookie", CookieHeader(kAccountCookie, "", 0)});
  co_return r;
}

}  // namespace sealpost::portal
