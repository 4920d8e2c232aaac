#include "portal/portal.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>

#include "base/client_key.h"
#include "base/encoding.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "portal/common.h"

namespace sealpost::portal {
namespace asio = boost::asio;
using boost::asio::awaitable;
using http::Response;

namespace {

// Content-Disposition with an ASCII fallback and the exact UTF-8 name (RFC 6266/8187).
std::string Disposition(const std::string& filename) {
  std::string ascii, encoded;
  for (unsigned char c : filename) {
    ascii.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? static_cast<char>(c) : '_');
    if (std::isalnum(c) || std::string_view("-._~").find(static_cast<char>(c)) != std::string_view::npos) {
      encoded.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      encoded += buf;
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

}  // namespace

Portal::Portal(PortalSettings settings, EscrowService& escrow, MessageCenter& center,
               PortalAccounts& accounts,
               BrandBook& brands, const policy::RecipientPlanner& planner,
               const submission::Dispatcher& dispatcher, http::Offloader& offloader,
               const KeyRing& keys, const Clock& clock)
    : settings_(std::move(settings)),
      guard_(settings_.guard, clock),
      account_guard_(settings_.account_guard, clock),
      accounts_(accounts),
      brands_(brands),
      account_sessions_(clock, settings_.session_idle_seconds),
      escrow_(escrow),
      center_(center),
      planner_(planner),
      dispatcher_(dispatcher),
      offloader_(offloader),
      keys_(keys),
      clock_(clock),
      sessions_(clock, settings_.session_idle_seconds) {}

void Portal::Register(http::Router& router) {
  router.Add("GET", "/", [this](http::Request& r) { return HomePage(r); });
  router.Add("GET", "/healthz", [](http::Request&) -> awaitable<Response> {
    co_return http::TextResponse(200, "ok\n");
  });
  router.Add("GET", "/static/{name}", [](http::Request& req) -> awaitable<Response> {
    std::string_view asset = FindStatic(req.params[0]);
    if (asset.empty()) co_return http::ProblemResponse(404, "Not found", "");
    Response r;
    r.body = std::string(asset);
    r.Set("Content-Type", "text/css; charset=utf-8");
    r.Set("Cache-Control", "public, max-age=3600");
    co_return r;
  });
  router.Add("GET", "/brand/{name}/style.css",
             [this](http::Request& r) { return BrandStylesheet(r); });
  router.Add("GET", "/brand/{name}/logo", [this](http::Request& r) { return BrandLogo(r); });
  router.Add("GET", "/m/{token}", [this](http::Request& r) { return OpenLink(r); });
  router.Add("GET", "/r/{rid}", [this](http::Request& r) { return Show(r); });
  router.Add("POST", "/r/{rid}", [this](http::Request& r) { return SubmitAnswer(r); },
             http::BodyMode::kBuffered, 8 * 1024);
  router.Add("GET", "/r/{rid}/attachments/{n}", [this](http::Request& r) { return Download(r); });
  router.Add("GET", "/r/{rid}/history", [this](http::Request& r) { return History(r); });
  router.Add("GET", "/r/{rid}/message.eml", [this](http::Request& r) { return DownloadMessage(r); });
  router.Add("GET", "/r/{rid}/print", [this](http::Request& r) { return PrintView(r); });
  router.Add("GET", "/r/{rid}/delete", [this](http::Request& r) { return ConfirmDelete(r); });
  router.Add("GET", "/r/{rid}/reply", [this](http::Request& r) { return ReplyForm(r); });
  // The upload's limit: the attachments, the text and the multipart framing.
  router.Add("POST", "/r/{rid}/reply", [this](http::Request& r) { return SubmitReply(r); },
             http::BodyMode::kStreamed, settings_.max_reply_bytes + 1024 * 1024);
  router.Add("POST", "/r/{rid}/delete", [this](http::Request& r) { return DeleteCopy(r); },
             http::BodyMode::kBuffered, 8 * 1024);
  constexpr std::size_t kFormLimit = 8 * 1024;
  router.Add("POST", "/r/{rid}/login", [this](http::Request& r) { return SubmitLogin(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("POST", "/r/{rid}/code", [this](http::Request& r) { return SubmitCode(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("POST", "/r/{rid}/register", [this](http::Request& r) { return SubmitRegistration(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("GET", "/account", [this](http::Request& r) { return AccountPage(r); });
  router.Add("GET", "/account/login", [this](http::Request& r) { return SignInForm(r); });
  router.Add(
      "POST", "/account/login", [this](http::Request& r) { return SubmitSignIn(r); },
      http::BodyMode::kBuffered, kFormLimit);
  router.Add(
      "POST", "/account/login/code", [this](http::Request& r) { return SubmitSignInCode(r); },
      http::BodyMode::kBuffered, kFormLimit);
  router.Add("GET", "/inbox", [this](http::Request& r) { return Inbox(r); });
  router.Add("GET", "/inbox/open/{rid}", [this](http::Request& r) { return OpenFromInbox(r); });
  router.Add("POST", "/inbox/open/{rid}", [this](http::Request& r) { return OpenFromInbox(r); },
             http::BodyMode::kBuffered, kFormLimit);
  router.Add("GET", "/inbox/sent/{id}", [this](http::Request& r) { return SentMessage(r); });
  router.Add("GET", "/inbox/sent/{id}/attachments/{n}",
             [this](http::Request& r) { return SentAttachment(r); });
  router.Add("GET", "/inbox/compose", [this](http::Request& r) { return ComposeForm(r); });
  router.Add(
      "POST", "/inbox/compose", [this](http::Request& r) { return SubmitCompose(r); },
      http::BodyMode::kStreamed, settings_.max_reply_bytes + 1024 * 1024);
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
  if (settings_.dev_outbox) {
    router.Add("GET", "/dev/outbox", [this](http::Request& r) { return Outbox(r); });
    router.Add("GET", "/dev/outbox/{name}", [this](http::Request& r) { return Outbox(r); });
  }
}

// A reload the worker pool was too busy for is skipped: the copy in hand stays a while.
awaitable<void> Portal::ReloadBrands() {
  (void)co_await offloader_.RunOffLoop([this] { (void)brands_.Reload(); },
                                       std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

awaitable<Brand> Portal::HostBrand(const http::Request& req) {
  if (brands_.Stale()) co_await ReloadBrands();
  co_return brands_.ForNamespace(brands_.NamespaceOfHost(req.header("Host")));
}

awaitable<Brand> Portal::NamespaceBrand(const std::string& namespace_name) {
  if (brands_.Stale(namespace_name)) co_await ReloadBrands();
  co_return brands_.ForNamespace(namespace_name);
}

awaitable<Response> Portal::BrandStylesheet(http::Request& req) {
  Brand brand = co_await NamespaceBrand(req.params[0]);
  auto css = brands_.Stylesheet(req.params[0]);
  if (!css) co_return ErrorPage(brand, 404, "Not found", "There is no such page.");
  Response r;
  r.body = std::move(*css);
  r.Set("Content-Type", "text/css; charset=utf-8");
  r.Set("Cache-Control", "public, max-age=60");
  co_return r;
}

awaitable<Response> Portal::BrandLogo(http::Request& req) {
  Brand brand = co_await NamespaceBrand(req.params[0]);
  auto logo = brands_.Logo(req.params[0]);
  if (!logo) co_return ErrorPage(brand, 404, "Not found", "There is no such page.");
  Response r;
  r.body = std::move(logo->first);
  // The type was sniffed from the bytes when the logo was set (PNG or SVG only); an
  // SVG opened on its own runs no script and loads nothing.
  r.Set("Content-Type", logo->second);
  r.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  r.Set("Cache-Control", "public, max-age=60");
  co_return r;
}

Response Portal::Page(const Brand& brand, int status, const std::string& page,
                      const std::string& title,
                      const std::function<void(ctemplate::TemplateDictionary&)>& fill) const {
  return http::HtmlResponse(status, templates_.Render(page, title, brand, fill));
}

Response Portal::TooManyTries(const Brand& brand, std::int64_t wait_seconds) const {
  const std::int64_t minutes = (wait_seconds + 59) / 60;
  Response r = ErrorPage(brand, 429, "Too many wrong tries",
                         "Too many wrong answers, passwords or codes were given, so this is "
                         "protected for a while.",
                         "Please try again in " + std::to_string(minutes) + " minute" +
                             (minutes == 1 ? "" : "s") + ".");
  r.Set("Retry-After", std::to_string(wait_seconds));
  return r;
}

awaitable<std::optional<Response>> Portal::OffLoop(const Brand& brand,
                                                   const std::function<void()>& work) {
  constexpr auto kMustStartWithin = std::chrono::seconds(30);
  Status ran =
      co_await offloader_.RunOffLoop(work, std::chrono::steady_clock::now() + kMustStartWithin);
  if (ran.ok()) co_return std::nullopt;
  co_return Busy(brand);
}

Response Portal::Busy(const Brand& brand) const {
  Response r = ErrorPage(brand, 503, "The service is busy",
                         "Too many requests are being handled right now, so yours was not.",
                         "Please try again in a moment.");
  r.Set("Retry-After", "5");
  return r;
}

awaitable<std::optional<Portal::GuardTries>> Portal::PassGuards(const std::string& client,
                                                                const std::string& account_key,
                                                                std::int64_t* wait) {
  GuardTries tries;
  FailureGuard::Verdict by_client, by_account;
  tries.client = guard_.Begin(ClientKey(client), &by_client);  // an IPv6 client is its /64
  if (!account_key.empty()) tries.account = account_guard_.Begin(account_key, &by_account);
  *wait = std::max(by_client.wait, by_account.wait);
  // Refused by either: whatever the other let through is released with `tries`.
  if (by_client.refused || by_account.refused) co_return std::nullopt;
  if (*wait > 0) {
    asio::steady_timer slow(co_await asio::this_coro::executor, std::chrono::seconds(*wait));
    co_await slow.async_wait(asio::use_awaitable);
  }
  co_return std::move(tries);
}

Response Portal::GonePage(const Brand& brand, const LinkState& link) const {
  if (link.deleted) {
    return ErrorPage(brand, 410, "You deleted this message",
                     "Your copy was deleted at your request, and it can no longer be opened.",
                     "Ask the sender to send it again if you need it.");
  }
  if (link.retracted) {
    return ErrorPage(brand, 410, "This message was withdrawn",
                     "Its sender withdrew it, and it can no longer be opened.",
                     "Contact the sender if you still need it.");
  }
  return ErrorPage(brand, 410, "This message has expired",
                   "The sender set this message to be available until " +
                       HumanTime(link.message.expires_at) + ".",
                   "Ask the sender to send it again if you still need it.");
}

Response Portal::ErrorPage(const Brand& brand, int status, const std::string& heading,
                           const std::string& message, const std::string& hint) const {
  return Page(brand, status, "error.tpl", heading, [&](ctemplate::TemplateDictionary& d) {
    d.SetValue("HEADING", heading);
    d.SetValue("MESSAGE", message);
    if (!hint.empty()) {
      d.ShowSection("HINT");
      d.SetValue("HINT_TEXT", hint);
    }
  });
}

Response Portal::Home(const Brand& brand) const {
  return Page(brand, 200, "home.tpl", "Secure messages", [](ctemplate::TemplateDictionary&) {});
}

std::string Portal::Csrf(const std::string& recipient_id, const std::string& link_token) const {
  return Base64UrlEncode(HmacSha256(keys_.csrf(), "answer|" + recipient_id + "|" + link_token));
}

Response Portal::QuestionPage(const Brand& brand, const LinkState& link,
                              const std::string& link_token, const std::string& error) const {
  return QuestionPage(brand, link, "/r/" + link.recipient.id, Csrf(link.recipient.id, link_token),
                      error);
}

Response Portal::QuestionPage(const Brand& brand, const LinkState& link, const std::string& action,
                              const std::string& csrf, const std::string& error) const {
  return Page(brand, 200, "question.tpl", "Open your secure message",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("SENDER", link.message.sender);
                d.SetValue("QUESTION", link.question);
                d.SetValue("ACTION", action);
                d.SetValue("CSRF", csrf);
                d.SetValue("EXPIRES", HumanTime(link.message.expires_at));
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

namespace {
Response NotFoundLink(const std::function<Response(int, const std::string&, const std::string&,
                                                    const std::string&)>& page) {
  return page(404, "This link does not work",
              "We could not find a secure message for this link.",
              "Check that you opened the whole link from your notice email. If it still does not "
              "work, ask the sender to send the message again.");
}
}  // namespace

awaitable<Response> Portal::OpenLink(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  auto error_page = [this, &brand](int s, const std::string& h, const std::string& m,
                                   const std::string& x) { return ErrorPage(brand, s, h, m, x); };
  auto token = ParseLinkToken(req.params[0]);
  if (!token.ok()) co_return NotFoundLink(error_page);
  std::optional<Result<LinkState>> link;
  if (auto busy = co_await OffLoop(brand, [&] {
        link.emplace(escrow_.CheckLink(token->recipient_id, token->secret, req.client_address, true));
      })) {
    co_return std::move(*busy);
  }
  if (link->ok()) brand = co_await NamespaceBrand((*link)->message.namespace_name);
  if (!link->ok()) co_return NotFoundLink(error_page);
  // The secret leaves the address bar now: it lives on only in an HttpOnly cookie.
  Response r = http::RedirectResponse("/r/" + token->recipient_id);
  r.headers.push_back({"Set-Cookie", CookieHeader(kLinkCookie, req.params[0],
                                                  settings_.link_cookie_seconds)});
  co_return r;
}

namespace {

// Events as a recipient reads them; others (the sender's, the queue's) are not shown.
const char* EventLabel(const EventRecord& e) {
  const std::string& type = e.type;
  if (type == "notice_delivered") return "The email about it reached your mail server";
  if (type == "link_opened") return "The link was opened";
  if (type == "answer_failed") return "A wrong answer was given";
  if (type == "login_failed") return "A wrong password was given";
  if (type == "code_failed") return "A wrong sign-in code was given";
  if (type == "code_replayed") return "A sign-in code was used a second time (refused)";
  if (type == "verified") {
    return e.detail == "portal account" ? "Signed in to your account"
                                        : "The right answer was given";
  }
  if (type == "viewed") return "The message was read";
  if (type == "downloaded") {
    return e.detail == "message" ? "The whole message was downloaded"
                                 : "An attachment was downloaded";
  }
  if (type == "locked") return "Locked after too many wrong tries";
  if (type == "deleted") return "You deleted your copy";
  return nullptr;
}

}  // namespace

awaitable<Response> Portal::History(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  const std::string rid = req.params[0];
  if (!IsHexId(rid)) co_return ErrorPage(brand, 404, "Not found", "There is no such page.");
  auto sid = req.cookie(kSessionCookie);
  auto session = sid ? sessions_.Find(*sid, rid) : std::nullopt;
  if (!session) {
    co_return ErrorPage(brand, 403, "Open the link in your email",
                        "To see this page, open the link in the email about the message and "
                        "answer its question.");
  }
  std::optional<Result<LinkState>> link;
  std::optional<Result<std::vector<EventRecord>>> events;
  if (auto busy = co_await OffLoop(brand, [&] {
        link.emplace(escrow_.RecipientState(rid));
        if (link->ok()) events.emplace(escrow_.Events((*link)->message.id));
      })) {
    co_return std::move(*busy);
  }
  if (link->ok()) brand = co_await NamespaceBrand((*link)->message.namespace_name);
  if (!link->ok()) co_return ErrorPage(brand, 404, "Not found", "There is no such message.");
  if ((*link)->expired) co_return GonePage(brand, **link);
  if (!events->ok()) {
    spdlog::error("portal: history of {} not read: {}", rid, events->error().ToString());
    co_return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  co_return Page(brand, 200, "history.tpl", "Access history",
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("RID", rid);
                   for (const auto& e : **events) {
                     const char* what = EventLabel(e);
                     if (e.recipient_id != rid || !what)
                       continue;  // only this recipient's own copy
                     auto* row = d.AddSectionDictionary("EVENT");
                     row->SetValue("WHEN", HumanTime(e.at));
                     row->SetValue("WHAT", what);
                     row->SetValue("FROM", e.client_address.empty() ? "—" : e.client_address);
                   }
                 });
}

awaitable<Response> Portal::Show(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  const std::string rid = req.params[0];
  if (!IsHexId(rid)) co_return ErrorPage(brand, 404, "Not found", "There is no such page.");
  if (auto sid = req.cookie(kSessionCookie)) {
    if (auto session = sessions_.Find(*sid, rid)) {
      std::optional<Result<OpenedManifest>> opened;
      std::optional<Result<LinkState>> link;
      // The session, not the link, authorises reading; the recipient's state (lock,
      // expiry) is read afresh on every page.
      if (auto busy = co_await OffLoop(brand, [&] {
            link.emplace(escrow_.RecipientState(rid));
            if (!link->ok() || (*link)->expired || (*link)->locked) return;
            opened.emplace(escrow_.Read(**link, *session->data_key, req.client_address));
          })) {
        co_return std::move(*busy);
      }
      if (link->ok()) brand = co_await NamespaceBrand((*link)->message.namespace_name);
      if (!link->ok()) co_return ErrorPage(brand, 404, "Not found", "There is no such message.");
      if ((*link)->expired) co_return GonePage(brand, **link);
      if ((*link)->locked) {
        co_return ErrorPage(brand, 403, "This message is locked", "It can no longer be opened.");
      }
      if (!opened->ok()) {
        spdlog::error("portal: message {} could not be opened for a verified recipient: {}",
                      (*link)->message.id, opened->error().ToString());
        co_return ErrorPage(brand, 500, "This message cannot be shown",
                            "Its signature or encryption did not check out, so it is not shown.",
                            "Please tell the sender.");
      }
      const Manifest& m = (*opened)->manifest;
      const bool signed_in = SignedIn(req).has_value();
      co_return Page(brand, 200, "message.tpl", m.subject.empty() ? "Secure message" : m.subject,
                     [&](ctemplate::TemplateDictionary& d) {
                       FillMessageHeader(d, m);
                       d.SetValue("EXPIRES", HumanTime((*link)->message.expires_at));
                       if (!m.html.empty()) {
                         d.ShowSection("HAS_HTML");
                         d.SetValue("HTML", m.html);
                         if (!m.text.empty()) d.ShowSection("HAS_TEXT");
                       } else if (!m.text.empty()) {
                         d.ShowSection("TEXT_ONLY");
                       }
                       d.SetValue("TEXT", m.text);
                       d.SetValue("RID", rid);
                       if (signed_in) d.ShowSection("SIGNED_IN");
                       if (!m.attachments.empty()) d.ShowSection("HAS_ATTACHMENTS");
                       for (std::size_t i = 0; i < m.attachments.size(); ++i) {
                         auto* a = d.AddSectionDictionary("ATTACHMENT");
                         a->SetValue("RID", rid);
                         a->SetIntValue("INDEX", static_cast<long>(i));
                         a->SetValue("FILENAME", m.attachments[i].filename);
                         a->SetValue("SIZE", HumanSize(m.attachments[i].size));
                       }
                     });
    }
  }
  auto cookie = req.cookie(kLinkCookie);
  auto token = ParseLinkToken(cookie.value_or(""));
  if (!token.ok() || token->recipient_id != rid) {
    co_return ErrorPage(brand, 403, "Open the link in your email",
                        "To read this message, open the link in the email that told you about "
                        "it.",
                        "For your security, the page needs that link each time you start.");
  }
  std::optional<Result<LinkState>> link;
  if (auto busy = co_await OffLoop(brand, [&] {
        link.emplace(escrow_.CheckLink(rid, token->secret, req.client_address, false));
      })) {
    co_return std::move(*busy);
  }
  if (link->ok()) brand = co_await NamespaceBrand((*link)->message.namespace_name);
  if (!link->ok()) {
    co_return ErrorPage(brand, 404, "This link does not work",
                        "We could not find a secure message for this link.");
  }
  if ((*link)->locked) {
    co_return ErrorPage(brand, 403, "This message is locked",
                        "It was locked after too many wrong answers, to protect it.",
                        "Contact the sender; they can send it again.");
  }
  if ((*link)->expired) co_return GonePage(brand, **link);
  if ((*link)->recipient.verification == "login") {
    co_return co_await LoginGate(req, **link, token->secret, *cookie);
  }
  co_return QuestionPage(brand, **link, *cookie, "");
}

awaitable<Response> Portal::SubmitAnswer(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  const std::string rid = req.params[0];
  auto cookie = req.cookie(kLinkCookie);
  auto token = ParseLinkToken(cookie.value_or(""));
  if (!IsHexId(rid) || !token.ok() || token->recipient_id != rid) {
    co_return ErrorPage(brand, 403, "Open the link in your email",
                        "To read this message, open the link in the email that told you about it.");
  }
  auto form = http::ParseForm(req.body);
  std::string csrf = form.ok() ? http::FormValue(*form, "csrf").value_or("") : "";
  if (!ConstantTimeEqual(csrf, Csrf(rid, *cookie))) {
    spdlog::warn("portal: answer for {} refused: bad CSRF token from {}", rid, req.client_address);
    co_return ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.",
                        "Open the link in your email again.");
  }
  const std::string answer = http::FormValue(*form, "answer").value_or("");
  // Guesses spread over many messages from one address meet this before any lock.
  std::int64_t wait = 0;
  auto tries = co_await PassGuards(req.client_address, "", &wait);
  if (!tries) {
    spdlog::warn("portal: answer for {} refused: too many wrong answers from {}", rid,
                 req.client_address);
    co_return TooManyTries(brand, wait);
  }

  std::optional<Result<LinkState>> link;
  std::optional<Result<SecretBytes>> key;
  if (auto busy = co_await OffLoop(brand, [&] {
        link.emplace(escrow_.CheckLink(rid, token->secret, req.client_address, false));
        if (link->ok()) key.emplace(escrow_.Answer(**link, token->secret, answer, req.client_address));
      })) {
    co_return std::move(*busy);
  }
  if (link->ok()) brand = co_await NamespaceBrand((*link)->message.namespace_name);
  if (!link->ok()) {
    co_return ErrorPage(brand, 404, "This link does not work",
                        "We could not find a secure message for this link.");
  }
  if (!key->ok()) {
    const Error& e = key->error();
    if (e.code == ErrorCode::kUnauthenticated ||
        (e.code == ErrorCode::kFailedPrecondition && e.message == "locked")) {
      tries->Failed();
    }
    if (e.code == ErrorCode::kUnauthenticated) {
      const std::string left = e.message;
      co_return QuestionPage(brand, **link, *cookie,
                             "That is not the right answer. You have " + left + " attempt" +
                                 (left == "1" ? "" : "s") + " left before the message is locked.");
    }
    co_return NotOpened(brand, **link, e);
  }
  co_return Opened(rid, std::move(**key));
}

Response Portal::NotOpened(const Brand& brand, const LinkState& link, const Error& e) const {
  if (e.code == ErrorCode::kFailedPrecondition && e.message == "locked") {
    return ErrorPage(brand, 403, "This message is locked",
                     "It was locked after too many wrong tries, to protect it.",
                     "Contact the sender; they can send it again.");
  }
  if (e.code == ErrorCode::kFailedPrecondition &&
      (e.message == "expired" || e.message == "retracted" || e.message == "deleted")) {
    LinkState gone = link;
    gone.retracted = e.message == "retracted";
    gone.deleted = e.message == "deleted";
    return GonePage(brand, gone);
  }
  spdlog::error("portal: recipient {} not opened: {}", link.recipient.id, e.ToString());
  return ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
}

Response Portal::Opened(const std::string& rid, SecretBytes data_key,
                        const std::string& account_id) {
  std::string session = sessions_.Create(rid, std::move(data_key), account_id);
  Response r = http::RedirectResponse("/r/" + rid);
  r.headers.push_back(
      {"Set-Cookie", CookieHeader(kSessionCookie, session, settings_.session_idle_seconds)});
  r.headers.push_back({"Set-Cookie", CookieHeader(kLinkCookie, "", 0)});
  return r;
}

awaitable<Response> Portal::Download(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  const std::string rid = req.params[0];
  std::optional<PortalSession> session;
  if (auto sid = req.cookie(kSessionCookie)) session = sessions_.Find(*sid, rid);
  if (!IsHexId(rid) || !session) {
    co_return ErrorPage(brand, 403, "Open the link in your email",
                        "To download this attachment, open the message from your email first.");
  }
  std::size_t index = 0;
  auto [ptr, ec] = std::from_chars(req.params[1].data(), req.params[1].data() + req.params[1].size(), index);
  if (ec != std::errc() || ptr != req.params[1].data() + req.params[1].size()) {
    co_return ErrorPage(brand, 404, "Not found", "There is no such attachment.");
  }
  std::optional<Result<LinkState>> link;
  std::optional<Result<OpenedManifest>> manifest;
  std::optional<Result<SealedBlobReader>> reader;
  AttachmentInfo info;
  if (auto busy = co_await OffLoop(brand, [&] {
        link.emplace(escrow_.RecipientState(rid));
        if (!link->ok() || (*link)->expired || (*link)->locked) return;
        manifest.emplace(escrow_.Manifest(**link, *session->data_key));
        if (!manifest->ok() || index >= (*manifest)->manifest.attachments.size()) return;
        info = (*manifest)->manifest.attachments[index];
        reader.emplace(escrow_.Attachment(**link, *session->data_key, info, index, req.client_address));
      })) {
    co_return std::move(*busy);
  }
  if (link->ok()) brand = co_await NamespaceBrand((*link)->message.namespace_name);
  if (!link->ok()) co_return ErrorPage(brand, 404, "Not found", "There is no such message.");
  if ((*link)->expired) {
    co_return ErrorPage(brand, 410, "This message has expired", "It can no longer be downloaded.");
  }
  if ((*link)->locked) {
    co_return ErrorPage(brand, 403, "This message is locked", "It can no longer be downloaded.");
  }
  if (!manifest->ok() || !reader || !reader->ok()) {
    co_return ErrorPage(brand, 404, "Not found", "There is no such attachment.");
  }
  co_return AttachmentResponse(info, std::move(**reader));
}

Response Portal::AttachmentResponse(const AttachmentInfo& info, SealedBlobReader reader) {
  auto shared = std::make_shared<SealedBlobReader>(std::move(reader));
  auto hasher = std::make_shared<Sha256Hasher>();
  const std::string want = info.sha256;
  Response r;
  r.status = 200;
  auto type = http::ParseMediaType(info.content_type);
  r.Set("Content-Type", type ? info.content_type : "application/octet-stream");
  r.Set("Content-Disposition", Disposition(info.filename));
  r.Set("Content-Security-Policy", "default-src 'none'; sandbox; frame-ancestors 'none'");
  r.content_length = info.size;
  r.producer = [shared, hasher, want](std::string& chunk) -> Result<bool> {
    auto more = shared->Next(chunk);
    if (!more.ok()) return std::move(more).error();
    if (!*more) {
      // Each segment was authenticated already; the digest also ties the whole file to
      // the signed manifest.
      if (hasher->Final() != want) {
        return MakeError(ErrorCode::kIntegrity, "attachment differs from its signed digest");
      }
      return false;
    }
    hasher->Update(chunk);
    return true;
  };
  return r;
}

awaitable<Response> Portal::HomePage(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  co_return Home(brand);
}

awaitable<Response> Portal::ResetRequestForm(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  co_return ResetRequestPage(brand, req, "");
}

awaitable<Response> Portal::Outbox(http::Request& req) {
  Brand brand = co_await HostBrand(req);
  co_return req.params.empty() ? OutboxList(brand) : OutboxMail(brand, req.params[0]);
}

Response Portal::OutboxList(const Brand& brand) const {
  struct Mail { std::string name, to, subject; };
  std::vector<Mail> mails;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(settings_.outbox_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.ends_with(".eml") || name.front() == '.') continue;
    Mail m{name, "", ""};
    std::ifstream in(entry.path());
    std::string line;
    for (int i = 0; i < 40 && std::getline(in, line); ++i) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) break;
      if (line.rfind("To: ", 0) == 0) m.to = line.substr(4);
      if (line.rfind("Subject: ", 0) == 0) m.subject = line.substr(9);
    }
    mails.push_back(std::move(m));
  }
  std::sort(mails.begin(), mails.end(), [](const Mail& a, const Mail& b) { return a.name > b.name; });
  return Page(brand, 200, "outbox.tpl", "Development outbox",
              [&](ctemplate::TemplateDictionary& d) {
                if (mails.empty()) d.ShowSection("EMPTY");
                for (const auto& m : mails) {
                  auto* s = d.AddSectionDictionary("MAIL");
                  s->SetValue("NAME", m.name);
                  s->SetValue("TO", m.to);
                  s->SetValue("SUBJECT", m.subject);
                }
              });
}

Response Portal::OutboxMail(const Brand& brand, const std::string& name) const {
  bool valid = name.ends_with(".eml") && name.size() < 128 &&
               std::all_of(name.begin(), name.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
               }) && name.front() != '.';
  std::ifstream in(settings_.outbox_dir + "/" + name, std::ios::binary);
  if (!valid || !in) {
    return ErrorPage(brand, 404, "Not found", "There is no such mail in the outbox.");
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return http::TextResponse(200, std::move(content));
}

}  // namespace sealpost::portal
