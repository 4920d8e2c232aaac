// Passkeys in the console (issue 22): a user adds one on their two-step page (with
// their password: a session left open on someone's desk is not enough to plant a key of
// one's own) and signs in with it instead of a password and a code. The server makes
// each challenge (challenges.h: once, five minutes, bound to the browser's form cookie
// or the session) and checks every answer (console/webauthn.h); the page's script only
// hands the browser's answer to a form that posts as any other. Passkeys are offered
// when the public URL names a host (an IP address is no WebAuthn relying party).
// Adding and removing go through Change (audited in the change's transaction); each
// sign-in is recorded as auth.console.passkey.
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "base/encoding.h"
#include "base/text.h"
#include "policy/org_directory.h"
#include "portal/common.h"
#include "portal/console_pages.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using console::Role;
using http::Response;

namespace {

constexpr std::int64_t kCeremonyMillis = 120000;  // the browser's own timeout
constexpr std::size_t kMaxPasskeyName = 60;
const char kPasskeysOff[] =
    "its public URL is not an https address with a host name, which passkeys need.";

// A base64url form field of at most `max` bytes once decoded; nullopt otherwise.
std::optional<std::string> Decoded(const std::string& text, std::size_t max) {
  if (text.empty() || text.size() > (max + 2) / 3 * 4) return std::nullopt;
  return Base64UrlDecode(text);
}

std::string SignInHolder(const std::string& binding) { return "sign-in:" + binding; }
std::string RegisterHolder(const std::string& cookie) { return "register:" + cookie; }

}  // namespace

Response ConsolePages::TwoStepPage(int status, const Visitor& visitor, const std::string& error,
                                   const std::string& notice) {
  auto account = services_.accounts->Find(visitor.session.account_id);
  auto passkeys = account.ok() ? services_.accounts->Passkeys(visitor.session.account_id)
                               : Result<std::vector<PasskeyRecord>>(account.error());
  if (!passkeys.ok() || !account->has_value()) {
    spdlog::error("console: two-step page not read: {}",
                  passkeys.ok() ? "no sign-in" : passkeys.error().ToString());
    return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  const bool totp_on = !(*account)->sealed_totp.empty();
  Response r =
      Page(status, "console_two_step.tpl", "Two-step sign-in", &visitor, nullptr,
           [&](ctemplate::TemplateDictionary& d) {
             d.ShowSection(totp_on ? "ON" : "OFF");
             if (visitor.two_step_required) {
               d.ShowSection("REQUIRED");
               if (!totp_on && passkeys->empty()) d.ShowSection("MUST_ENROL");
             } else {
               d.ShowSection("CAN_TURN_OFF");
             }
             d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
             ShowOutcome(d, error, notice);
             if (!services_.relying_party) {
               d.AddSectionDictionary("PASSKEYS_OFF")->SetValue("WHY", kPasskeysOff);
               return;
             }
             auto* on = d.AddSectionDictionary("PASSKEYS_ON");
             if (visitor.two_step_required) on->ShowSection("REQUIRED");
             if (passkeys->empty()) on->ShowSection("NO_PASSKEY");
             int n = 0;
             for (const auto& p : *passkeys) {
               auto* row = on->AddSectionDictionary("PASSKEY");
               row->SetIntValue("N", ++n);
               row->SetValue("ID", Base64UrlEncode(p.id));
               row->SetValue("NAME", p.name);
               row->SetValue("ADDED", HumanTime(p.created_at));
               row->SetValue("USED", p.last_used_at ? HumanTime(*p.last_used_at) : "never");
               row->SetValue("KEPT", p.backed_up ? "synced between your devices"
                                                 : "on this authenticator only");
             }
           });
  if (services_.relying_party) AllowOwnScripts(r);  // console-passkeys.js
  return r;
}

awaitable<Response> ConsolePages::TwoStep(http::Request&, const Visitor& visitor) {
  co_return co_await MadeOffLoop([&] { return TwoStepPage(200, visitor, "", ""); });
}

awaitable<Response> ConsolePages::PasskeySignInChallenge(http::Request& req) {
  const std::string binding = req.cookie(kFormCookie).value_or("");
  if (binding.empty() || !ctx_.FormTokenValid(req, "console-sign-in", binding)) {
    co_return http::ProblemResponse(403, "Please reload the page",
                                    "This sign-in form expired or did not come from this site.");
  }
  if (!services_.relying_party) {
    co_return http::ProblemResponse(404, "No passkeys here",
                                    std::string("This server's ") + kPasskeysOff);
  }
  auto challenge = challenges_.Issue(SignInHolder(binding));
  if (!challenge) {
    co_return http::ProblemResponse(503, "Busy", "Too many sign-ins at once; try again soon.");
  }
  boost::json::object o;
  o["challenge"] = Base64UrlEncode(*challenge);
  o["rpId"] = services_.relying_party->id;
  o["timeout"] = kCeremonyMillis;
  Response r = http::JsonResponse(200, boost::json::serialize(o));
  r.Set("Cache-Control", "no-store");
  co_return r;
}

awaitable<Response> ConsolePages::SubmitPasskeySignIn(http::Request& req) {
  const std::string binding = req.cookie(kFormCookie).value_or("");
  if (binding.empty() || !ctx_.FormTokenValid(req, "console-sign-in", binding)) {
    co_return FormExpired(nullptr, "/console/sign-in", "Sign in");
  }
  auto challenge = challenges_.Take(SignInHolder(binding));
  if (!services_.relying_party || !challenge) {
    co_return SignInPage(400, binding, "",
                         "The passkey sign-in took too long or was not started here. Try again.");
  }
  auto form = http::ParseForm(req.body);
  auto id = Decoded(Field(form, "credential"), console::kMaxCredentialIdBytes);
  auto client_data = Decoded(Field(form, "client_data"), console::kMaxClientDataBytes);
  auto auth_data = Decoded(Field(form, "authenticator_data"), console::kMaxAuthenticatorDataBytes);
  auto signature = Decoded(Field(form, "signature"), console::kMaxSignatureBytes);
  const std::string handle_text = Field(form, "user_handle");
  auto handle = handle_text.empty() ? std::optional<std::string>("") : Decoded(handle_text, 64);
  if (!id || !client_data || !auth_data || !signature || !handle) {
    co_return SignInPage(400, binding, "",
                         "Your browser sent no passkey answer. Try again, or use your password.");
  }
  std::int64_t wait = 0;
  // Guessing is per client and per passkey, never one bucket for everyone's passkeys.
  auto tries = co_await ctx_.PassGuards(
      req.client_address, AccountKey(kConsolePool, "passkey:" + Base64UrlEncode(id->substr(0, 32))),
      &wait);
  if (!tries) {
    Response r = Info(429, "Too many failed sign-ins", {"Please try again later."});
    r.Set("Retry-After", std::to_string(wait));
    co_return r;
  }
  std::optional<Result<LoginAttempt>> attempt;
  std::optional<Result<std::optional<UserRecord>>> user;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        attempt.emplace(services_.accounts->PasskeySignIn(
            *services_.relying_party, *challenge, *id, *handle,
            {*client_data, *auth_data, *signature}, req.client_address));
        // Only a console sign-in's passkey opens the console (none other is made today).
        if (attempt->ok() && (*attempt)->outcome == LoginAttempt::Outcome::kSignedIn &&
            (*attempt)->account->namespace_name == kConsolePool) {
          user.emplace(services_.org->FindUser((*attempt)->account->address));
        }
      })) {
    co_return std::move(*busy);
  }
  if (!attempt->ok() || (user && !user->ok())) {
    spdlog::error("console[{}]: passkey sign-in failed: {}", req.id,
                  !attempt->ok() ? attempt->error().ToString() : user->error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."});
  }
  if ((*attempt)->outcome != LoginAttempt::Outcome::kSignedIn) {
    tries->Failed();
    spdlog::warn("console[{}]: passkey not accepted from {}", req.id, req.client_address);
    co_return SignInPage(401, binding, "",
                         (*attempt)->outcome == LoginAttempt::Outcome::kPasskeyCopied
                             ? "That passkey was refused: it looks like a copy of one used "
                               "before. Use your password, and tell an administrator."
                             : "That passkey was not accepted here. Try another, or use your "
                               "password.");
  }
  const bool has_role =
      user && user->value() &&
      console::ParseRole((*user)->value().console_role).value_or(Role::kNone) != Role::kNone;
  if (!has_role) {
    co_return Info(403, "You do not have the console",
                   {"The passkey is right, but this address has no console access now. Ask an "
                    "administrator."});
  }
  const PortalAccountRecord& account = *(*attempt)->account;
  std::string token = sessions_.Create({account.id, kConsolePool, account.address, false, "", {}});
  spdlog::info("console[{}]: {} signed in (passkey) from {}", req.id, account.id,
               req.client_address);
  Response r = http::RedirectResponse("/console");
  r.headers.push_back(
      {"Set-Cookie", CookieHeader(kConsoleCookie, token, ctx_.settings.session_idle_seconds)});
  co_return r;
}

awaitable<Response> ConsolePages::PasskeyChallenge(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return http::ProblemResponse(403, "Please reload the page",
                                    "This form expired or did not come from this site.");
  }
  if (!services_.relying_party) {
    co_return http::ProblemResponse(404, "No passkeys here",
                                    std::string("This server's ") + kPasskeysOff);
  }
  std::optional<Result<std::vector<PasskeyRecord>>> existing;
  const Brand brand = ctx_.brands.ForNamespace("");
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        existing.emplace(services_.accounts->Passkeys(visitor.session.account_id));
      })) {
    co_return http::ProblemResponse(503, "Busy", "The server is busy; try again soon.");
  }
  if (!existing->ok()) {
    spdlog::error("console[{}]: passkeys not read: {}", req.id, existing->error().ToString());
    co_return http::ProblemResponse(500, "Something went wrong", "Please try again in a moment.");
  }
  auto challenge = challenges_.Issue(RegisterHolder(visitor.cookie));
  if (!challenge) co_return http::ProblemResponse(503, "Busy", "Try again soon.");
  boost::json::object o;
  o["challenge"] = Base64UrlEncode(*challenge);
  o["rpId"] = services_.relying_party->id;
  o["rpName"] = services_.relying_party->name;
  // The user handle is the sign-in's id: a passkey names its account, not its address.
  o["userId"] = Base64UrlEncode(visitor.session.account_id);
  o["userName"] = visitor.session.address;
  o["algorithms"] =
      boost::json::array{console::kCoseEs256, console::kCoseEdDsa, console::kCoseRs256};
  boost::json::array exclude;
  for (const auto& p : **existing) exclude.push_back(boost::json::string(Base64UrlEncode(p.id)));
  o["exclude"] = std::move(exclude);
  o["timeout"] = kCeremonyMillis;
  Response r = http::JsonResponse(200, boost::json::serialize(o));
  r.Set("Cache-Control", "no-store");
  co_return r;
}

awaitable<Response> ConsolePages::AddPasskey(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/two-step", "Two-step sign-in");
  }
  auto challenge = challenges_.Take(RegisterHolder(visitor.cookie));
  auto form = http::ParseForm(req.body);
  const std::string name(TrimWhitespace(Field(form, "name")));
  const std::string password = Field(form, "password");
  auto client_data = Decoded(Field(form, "client_data"), console::kMaxClientDataBytes);
  auto attestation = Decoded(Field(form, "attestation"), console::kMaxAttestationBytes);
  const bool printable = IsValidUtf8(name) && std::none_of(name.begin(), name.end(), [](char c) {
                           return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                         });
  // What is wrong, said on the page again (with the passkeys as they are).
  int status = 200;
  std::string error, notice;
  std::optional<console::NewCredential> credential;
  if (!services_.relying_party) {
    status = 404;
    error = std::string("Passkeys cannot be used with this server: ") + kPasskeysOff;
  } else if (name.empty() || name.size() > kMaxPasskeyName || !printable) {
    status = 422;
    error = "Give the passkey a name of up to 60 characters.";
  } else if (!client_data || !attestation) {
    status = 422;
    error =
        "Your browser made no passkey (adding one needs JavaScript and a browser that has "
        "passkeys).";
  } else if (!challenge) {
    status = 422;
    error = "Adding the passkey took too long. Try again.";
  } else if (auto checked = console::VerifyRegistration(*services_.relying_party, *challenge,
                                                        *client_data, *attestation);
             !checked.ok()) {
    spdlog::warn("console[{}]: passkey registration refused: {}", req.id, checked.error().message);
    status = 422;
    error = "The passkey was not accepted: " + checked.error().message + ".";
  } else {
    credential = std::move(*checked);
  }
  if (credential) {
    std::int64_t wait = 0;
    auto tries = co_await ctx_.PassGuards(req.client_address,
                                          AccountKey(kConsolePool, visitor.session.address), &wait);
    if (!tries) co_return Info(429, "Too many wrong tries", {"Please try again later."}, &visitor);
    std::optional<Response> failed;
    auto account = co_await SignInOf(visitor, &failed);
    if (!account) co_return std::move(*failed);
    Status added = OkStatus();
    auto add = [&]() -> Status {
      if (auto ok = services_.accounts->ConfirmPassword(*account, password); !ok.ok()) return ok;
      auto made = services_.accounts->AddPasskey(*account, *credential, name);
      return made.ok() ? OkStatus() : Status(std::move(made).error());
    };
    if (auto busy = co_await Change(req, visitor, "passkey " + name, add, &added)) {
      co_return std::move(*busy);
    }
    if (added.ok()) {
      spdlog::info("console[{}]: {} added a passkey", req.id, visitor.session.account_id);
      notice = "The passkey “" + name + "” is added: sign in with it next time.";
    } else if (added.error().code == ErrorCode::kUnauthenticated) {
      tries->Failed();
      status = 401;
      error = "That password is not right; no passkey was added.";
    } else if (added.error().code == ErrorCode::kAlreadyExists ||
               added.error().code == ErrorCode::kResourceExhausted) {
      status = 409;
      error = added.error().message + ".";
    } else {
      spdlog::error("console[{}]: passkey not added: {}", req.id, added.error().ToString());
      co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
    }
  }
  co_return co_await MadeOffLoop([&] { return TwoStepPage(status, visitor, error, notice); });
}

awaitable<Response> ConsolePages::RemovePasskey(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/two-step", "Two-step sign-in");
  }
  auto id = Decoded(Field(http::ParseForm(req.body), "credential"), console::kMaxCredentialIdBytes);
  if (!id) co_return Info(404, "No such passkey", {}, &visitor, "/console/two-step", "Passkeys");
  Status status = OkStatus();
  bool removed = false;
  if (auto busy = co_await Change(
          req, visitor, "passkey",
          [&]() -> Status {
            auto r = services_.accounts->RemovePasskey(visitor.session.account_id, *id);
            if (!r.ok()) return std::move(r).error();
            removed = *r;
            if (!removed) {
              return MakeError(ErrorCode::kNotFound, "no such passkey");
            }
            return OkStatus();
          },
          &status)) {
    co_return std::move(*busy);
  }
  if (!status.ok()) {
    if (status.error().code == ErrorCode::kNotFound) {
      co_return Info(404, "No such passkey", {"It was removed already, or is not yours."}, &visitor,
                     "/console/two-step", "Passkeys");
    }
    spdlog::error("console[{}]: passkey not removed: {}", req.id, status.error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  co_return co_await MadeOffLoop(
      [&] { return TwoStepPage(200, visitor, "", "The passkey is removed."); });
}

}  // namespace sealpost::portal
