// A recipient's message pages: the notice link (/m/{token}) and the question
// (/r/{recipient}), the message itself once verified, its attachments, and the
// recipient's own history of it. The link secret leaves the URL at once: /m/{token}
// stores it in a short-lived HttpOnly cookie and redirects to /r/{recipient}.
#include "portal/message_pages.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "base/encoding.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "portal/account_pages.h"
#include "portal/common.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

void MessagePages::Register(http::Router& router) {
  router.Add("GET", "/m/{token}", [this](http::Request& r) { return OpenLink(r); });
  router.Add("GET", "/r/{rid}", [this](http::Request& r) { return Show(r); });
  router.Add("POST", "/r/{rid}", [this](http::Request& r) { return SubmitAnswer(r); },
             http::BodyMode::kBuffered, 8 * 1024);
  router.Add("GET", "/r/{rid}/attachments/{n}", [this](http::Request& r) { return Download(r); });
  router.Add("GET", "/r/{rid}/history", [this](http::Request& r) { return History(r); });
  router.Add("GET", "/r/{rid}/message.eml", [this](http::Request& r) { return DownloadMessage(r); });
  router.Add("GET", "/r/{rid}/print", [this](http::Request& r) { return PrintView(r); });
  router.Add("GET", "/r/{rid}/delete", [this](http::Request& r) { return ConfirmDelete(r); });
  router.Add("POST", "/r/{rid}/delete", [this](http::Request& r) { return DeleteCopy(r); },
             http::BodyMode::kBuffered, 8 * 1024);
}

std::string MessagePages::Csrf(const std::string& recipient_id, const std::string& link_token) const {
  return Base64UrlEncode(ctx_.keys.csrf().Mac("answer|" + recipient_id + "|" + link_token));
}

bool MessagePages::CsrfValid(std::string_view given, const std::string& recipient_id,
                             const std::string& link_token) const {
  // Any generation of the key: a page shown just before a key rotation still posts.
  auto mac = Base64UrlDecodeSecret(given);
  return mac &&
         ctx_.keys.csrf().MacMatches("answer|" + recipient_id + "|" + link_token, mac->view());
}

Response MessagePages::QuestionPage(const Brand& brand, const LinkState& link,
                              const std::string& link_token, const std::string& error) const {
  return QuestionPage(brand, link, "/r/" + link.recipient.id, Csrf(link.recipient.id, link_token),
                      error);
}

Response MessagePages::QuestionPage(const Brand& brand, const LinkState& link, const std::string& action,
                              const std::string& csrf, const std::string& error) const {
  return ctx_.Page(brand, 200, "question.tpl", "Open your secure message",
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

awaitable<Response> MessagePages::OpenLink(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  auto error_page = [this, &brand](int s, const std::string& h, const std::string& m,
                                   const std::string& x) { return ctx_.ErrorPage(brand, s, h, m, x); };
  auto token = ParseLinkToken(req.params[0]);
  if (!token.ok()) co_return NotFoundLink(error_page);
  std::optional<Result<LinkState>> link;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        link.emplace(ctx_.escrow.CheckLink(token->recipient_id, token->secret, req.client_address, true));
      })) {
    co_return std::move(*busy);
  }
  if (link->ok()) brand = co_await ctx_.NamespaceBrand((*link)->message.namespace_name);
  if (!link->ok()) co_return NotFoundLink(error_page);
  // The secret leaves the address bar now: it lives on only in an HttpOnly cookie.
  Response r = http::RedirectResponse("/r/" + token->recipient_id);
  r.headers.push_back({"Set-Cookie", CookieHeader(kLinkCookie, req.params[0],
                                                  ctx_.settings.link_cookie_seconds)});
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
  if (type == "printed") return "The message was opened for printing";
  if (type == "locked") return "Locked after too many wrong tries";
  if (type == "deleted") return "You deleted your copy";
  return nullptr;
}

}  // namespace

awaitable<Response> MessagePages::History(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  const std::string rid = req.params[0];
  if (!IsHexId(rid)) co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such page.");
  auto sid = req.cookie(kSessionCookie);
  auto session = sid ? ctx_.sessions.Find(*sid, rid) : std::nullopt;
  if (!session) {
    co_return ctx_.ErrorPage(brand, 403, "Open the link in your email",
                        "To see this page, open the link in the email about the message and "
                        "answer its question.");
  }
  std::optional<Result<LinkState>> link;
  std::optional<Result<std::vector<EventRecord>>> events;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        link.emplace(ctx_.escrow.RecipientState(rid));
        if (link->ok()) events.emplace(ctx_.escrow.Events((*link)->message.id));
      })) {
    co_return std::move(*busy);
  }
  if (link->ok()) brand = co_await ctx_.NamespaceBrand((*link)->message.namespace_name);
  if (!link->ok()) co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such message.");
  if ((*link)->expired) co_return ctx_.GonePage(brand, **link);
  if (!events->ok()) {
    spdlog::error("portal[{}]: history of {} not read: {}", req.id, rid,
                  events->error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  co_return ctx_.Page(brand, 200, "history.tpl", "Access history",
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

awaitable<Response> MessagePages::Show(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  const std::string rid = req.params[0];
  if (!IsHexId(rid)) co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such page.");
  if (auto sid = req.cookie(kSessionCookie)) {
    if (auto session = ctx_.sessions.Find(*sid, rid)) {
      std::optional<Result<OpenedManifest>> opened;
      std::optional<Result<LinkState>> link;
      // The session, not the link, authorises reading; the recipient's state (lock,
      // expiry) is read afresh on every page.
      if (auto busy = co_await ctx_.OffLoop(brand, [&] {
            link.emplace(ctx_.escrow.RecipientState(rid));
            if (!link->ok() || (*link)->expired || (*link)->locked) return;
            opened.emplace(ctx_.escrow.Read(**link, *session->data_key, req.client_address));
          })) {
        co_return std::move(*busy);
      }
      if (link->ok()) brand = co_await ctx_.NamespaceBrand((*link)->message.namespace_name);
      if (!link->ok()) co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such message.");
      if ((*link)->expired) co_return ctx_.GonePage(brand, **link);
      if ((*link)->locked) {
        co_return ctx_.ErrorPage(brand, 403, "This message is locked", "It can no longer be opened.");
      }
      if (!opened->ok()) {
        spdlog::error("portal[{}]: message {} could not be opened for a verified recipient: {}",
                      req.id, (*link)->message.id, opened->error().ToString());
        co_return ctx_.ErrorPage(brand, 500, "This message cannot be shown",
                            "Its signature or encryption did not check out, so it is not shown.",
                            "Please tell the sender.");
      }
      const Manifest& m = (*opened)->manifest;
      const bool signed_in = ctx_.SignedIn(req).has_value();
      co_return ctx_.Page(brand, 200, "message.tpl", m.subject.empty() ? "Secure message" : m.subject,
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
    co_return ctx_.ErrorPage(brand, 403, "Open the link in your email",
                        "To read this message, open the link in the email that told you about "
                        "it.",
                        "For your security, the page needs that link each time you start.");
  }
  std::optional<Result<LinkState>> link;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        link.emplace(ctx_.escrow.CheckLink(rid, token->secret, req.client_address, false));
      })) {
    co_return std::move(*busy);
  }
  if (link->ok()) brand = co_await ctx_.NamespaceBrand((*link)->message.namespace_name);
  if (!link->ok()) {
    co_return ctx_.ErrorPage(brand, 404, "This link does not work",
                        "We could not find a secure message for this link.");
  }
  if ((*link)->locked) {
    co_return ctx_.ErrorPage(brand, 403, "This message is locked",
                        "It was locked after too many wrong answers, to protect it.",
                        "Contact the sender; they can send it again.");
  }
  if ((*link)->expired) co_return ctx_.GonePage(brand, **link);
  if ((*link)->recipient.verification == "login") {
    co_return co_await account_pages_.LoginGate(req, **link, token->secret, *cookie);
  }
  co_return QuestionPage(brand, **link, *cookie, "");
}

awaitable<Response> MessagePages::SubmitAnswer(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  const std::string rid = req.params[0];
  auto cookie = req.cookie(kLinkCookie);
  auto token = ParseLinkToken(cookie.value_or(""));
  if (!IsHexId(rid) || !token.ok() || token->recipient_id != rid) {
    co_return ctx_.ErrorPage(brand, 403, "Open the link in your email",
                        "To read this message, open the link in the email that told you about it.");
  }
  auto form = http::ParseForm(req.body);
  std::string csrf = form.ok() ? http::FormValue(*form, "csrf").value_or("") : "";
  if (!CsrfValid(csrf, rid, *cookie)) {
    spdlog::warn("portal[{}]: answer for {} refused: bad CSRF token from {}", req.id, rid,
                 req.client_address);
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.",
                        "Open the link in your email again.");
  }
  const std::string answer = http::FormValue(*form, "answer").value_or("");
  std::optional<Response> refused;
  auto tries = co_await ctx_.PassAnswerGuard(req, rid, brand, &refused);
  if (!tries) co_return std::move(*refused);

  std::optional<Result<LinkState>> link;
  std::optional<Result<SecretBytes>> key;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        link.emplace(ctx_.escrow.CheckLink(rid, token->secret, req.client_address, false));
        if (link->ok()) key.emplace(ctx_.escrow.Answer(**link, token->secret, answer, req.client_address));
      })) {
    co_return std::move(*busy);
  }
  if (link->ok()) brand = co_await ctx_.NamespaceBrand((*link)->message.namespace_name);
  if (!link->ok()) {
    co_return ctx_.ErrorPage(brand, 404, "This link does not work",
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
    co_return ctx_.NotOpened(brand, **link, e);
  }
  co_return ctx_.Opened(rid, std::move(**key));
}

awaitable<Response> MessagePages::Download(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  const std::string rid = req.params[0];
  std::optional<PortalSession> session;
  if (auto sid = req.cookie(kSessionCookie)) session = ctx_.sessions.Find(*sid, rid);
  if (!IsHexId(rid) || !session) {
    co_return ctx_.ErrorPage(brand, 403, "Open the link in your email",
                        "To download this attachment, open the message from your email first.");
  }
  std::size_t index = 0;
  auto [ptr, ec] = std::from_chars(req.params[1].data(), req.params[1].data() + req.params[1].size(), index);
  if (ec != std::errc() || ptr != req.params[1].data() + req.params[1].size()) {
    co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such attachment.");
  }
  std::optional<Result<LinkState>> link;
  std::optional<Result<OpenedManifest>> manifest;
  std::optional<Result<SealedBlobReader>> reader;
  AttachmentInfo info;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        link.emplace(ctx_.escrow.RecipientState(rid));
        if (!link->ok() || (*link)->expired || (*link)->locked) return;
        manifest.emplace(ctx_.escrow.Manifest(**link, *session->data_key));
        if (!manifest->ok() || index >= (*manifest)->manifest.attachments.size()) return;
        info = (*manifest)->manifest.attachments[index];
        reader.emplace(ctx_.escrow.Attachment(**link, *session->data_key, info, index, req.client_address));
      })) {
    co_return std::move(*busy);
  }
  if (link->ok()) brand = co_await ctx_.NamespaceBrand((*link)->message.namespace_name);
  if (!link->ok()) co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such message.");
  if ((*link)->expired) {
    co_return ctx_.ErrorPage(brand, 410, "This message has expired", "It can no longer be downloaded.");
  }
  if ((*link)->locked) {
    co_return ctx_.ErrorPage(brand, 403, "This message is locked", "It can no longer be downloaded.");
  }
  if (!manifest->ok() || !reader || !reader->ok()) {
    co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such attachment.");
  }
  co_return ctx_.AttachmentResponse(info, std::move(**reader));
}

}  // namespace sealpost::portal
