// The Message Center (issue 8): a signed-in account's inbox in a namespace that has it
// on — the messages sent to the account's address whose keys the server holds, and
// those it sent from the portal — with search by subject, sender and date; opening a
// message without its link; composing to people who have written to the account.
// Also the sign-in page of a namespace's portal (no message link needed).
// Every page here is for the account of the session only: a message of another
// address or namespace answers exactly as one that does not exist.
#include "portal/center_pages.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <set>

#include "base/text.h"
#include "portal/common.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

constexpr int kMaxCenterItems = 500;
constexpr std::size_t kPageSize = 50;

// A query value, percent-encoded but for RFC 3986's unreserved characters.
std::string QueryEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// "2026-11-27" → the start of that UTC day; nullopt for anything else.
std::optional<std::int64_t> ParseDay(std::string_view day) {
  if (day.size() != 10 || day[4] != '-' || day[7] != '-') return std::nullopt;
  std::tm tm{};
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (day[i] < '0' || day[i] > '9') return std::nullopt;
  }
  tm.tm_year = std::stoi(std::string(day.substr(0, 4))) - 1900;
  tm.tm_mon = std::stoi(std::string(day.substr(5, 2))) - 1;
  tm.tm_mday = std::stoi(std::string(day.substr(8, 2)));
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return AsciiLower(haystack).find(AsciiLower(needle)) != std::string::npos;
}

// The people an account may write to: those who sent it a message the center holds.
std::vector<std::string> PreviousSenders(const std::vector<CenterEntry>& entries) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const auto& e : entries) {
    if (!e.item.sent && seen.insert(AsciiLower(e.item.counterpart)).second) {
      out.push_back(e.item.counterpart);
    }
  }
  return out;
}

}  // namespace

void CenterPages::Register(http::Router& router) {
  constexpr std::size_t kFormLimit = 8 * 1024;
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
      http::BodyMode::kStreamed, ctx_.settings.max_reply_bytes + 1024 * 1024);
}

awaitable<Response> CenterPages::SignInForm(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  co_return SignInPage(brand, req, "", "");
}

Response CenterPages::SignInPage(const Brand& brand, const http::Request& req,
                            const std::string& address, const std::string& error) const {
  // Bound to a random cookie of this browser, like the reset request form.
  auto [value, fresh] = FormBinding(req);
  Response r = ctx_.Page(brand, error.empty() ? 200 : 401, "sign_in.tpl", "Sign in",
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("CSRF", ctx_.FormToken("sign-in", value));
                      d.SetValue("ADDRESS", address);
                      if (!error.empty()) {
                        d.ShowSection("ERROR");
                        d.SetValue("ERROR_TEXT", error);
                      }
                    });
  if (fresh) r.headers.push_back({"Set-Cookie", CookieHeader(kFormCookie, value, 3600)});
  return r;
}

awaitable<Response> CenterPages::SubmitSignIn(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  auto form = http::ParseForm(req.body);
  const std::string address = Field(form, "address");
  if (!ctx_.FormTokenValid(req, "sign-in", req.cookie(kFormCookie).value_or(""))) {
    co_return SignInPage(brand, req, address, "This form expired. Please try again.");
  }
  const std::string password = Field(form, "password");
  if (address.size() > 254 || address.find('@') == std::string::npos) {
    co_return SignInPage(brand, req, address,
                         "Enter the email address your messages were sent to.");
  }
  std::int64_t wait = 0;
  auto tries = co_await ctx_.PassGuards(req.client_address, AccountKey(brand.name, address), &wait);
  if (!tries) co_return ctx_.TooManyTries(brand, wait);
  std::optional<Result<LoginAttempt>> attempt;
  // This portal's pool only: the host decides which namespace's accounts sign in here.
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        attempt.emplace(ctx_.accounts.Login(brand.name, address, password, req.client_address));
      })) {
    co_return std::move(*busy);
  }
  if (!attempt->ok()) {
    spdlog::error("portal[{}]: sign-in failed: {}", req.id, attempt->error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  const auto& account = (*attempt)->account;
  switch ((*attempt)->outcome) {
    case LoginAttempt::Outcome::kSignedIn: {
      std::string token = ctx_.account_sessions.Create(
          {account->id, account->namespace_name, account->address, false, "", {}});
      spdlog::info("portal[{}]: account {} signed in from {}", req.id, account->id,
                   req.client_address);
      Response r = http::RedirectResponse("/inbox");
      r.headers.push_back(
          {"Set-Cookie", CookieHeader(kAccountCookie, token, ctx_.settings.session_idle_seconds)});
      co_return r;
    }
    case LoginAttempt::Outcome::kNeedCode: {
      std::string token = ctx_.account_sessions.Create(
          {account->id, account->namespace_name, account->address, true, "", {}});
      Response r = account_pages_.CodePage(brand, "/account/login/code", ctx_.FormToken("code", token), "");
      r.headers.push_back(
          {"Set-Cookie", CookieHeader(kAccountCookie, token, ctx_.settings.session_idle_seconds)});
      co_return r;
    }
    default:
      break;
  }
  // Unknown addresses and wrong passwords look alike, and take as long (a decoy hash).
  tries->Failed();
  spdlog::warn("portal[{}]: wrong sign-in from {}", req.id, req.client_address);
  co_return SignInPage(brand, req, address,
                       "That email address and password do not match an account here.");
}

awaitable<Response> CenterPages::SubmitSignInCode(http::Request& req) {
  Brand brand = co_await ctx_.HostBrand(req);
  const std::string token = req.cookie(kAccountCookie).value_or("");
  auto pending = ctx_.account_sessions.Find(token);
  if (!pending || !pending->needs_code || !pending->next_recipient.empty()) {
    co_return ctx_.ErrorPage(brand, 403, "Please sign in again",
                        "Signing in took too long, or was not started here.");
  }
  brand = co_await ctx_.NamespaceBrand(pending->namespace_name);
  if (!ctx_.FormTokenValid(req, "code", token)) {
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  const std::string code = Field(http::ParseForm(req.body), "code");
  std::int64_t wait = 0;
  auto tries = co_await ctx_.PassGuards(req.client_address,
                                   AccountKey(pending->namespace_name, pending->address), &wait);
  if (!tries) co_return ctx_.TooManyTries(brand, wait);
  std::optional<Result<LoginAttempt>> attempt;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        attempt.emplace(ctx_.accounts.SecondFactor(pending->account_id, code, req.client_address));
      })) {
    co_return std::move(*busy);
  }
  if (!attempt->ok()) {
    spdlog::error("portal[{}]: second step failed: {}", req.id, attempt->error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  if ((*attempt)->outcome == LoginAttempt::Outcome::kSignedIn) {
    ctx_.account_sessions.Remove(token);
    std::string fresh = ctx_.account_sessions.Create(
        {pending->account_id, pending->namespace_name, pending->address, false, "", {}});
    Response r = http::RedirectResponse("/inbox");
    r.headers.push_back(
        {"Set-Cookie", CookieHeader(kAccountCookie, fresh, ctx_.settings.session_idle_seconds)});
    co_return r;
  }
  tries->Failed();
  const bool replay = (*attempt)->outcome == LoginAttempt::Outcome::kReplayedCode;
  if (replay) {
    spdlog::warn("portal[{}]: account {}: a used sign-in code was given again (replay refused)",
                 req.id, pending->account_id);
  }
  co_return account_pages_.CodePage(brand, "/account/login/code", ctx_.FormToken("code", token),
                     replay ? "That code was already used. Wait for the next one."
                            : "That code is not right. Enter the code your app shows now.");
}

namespace {

// What the inbox shows: the search as asked, and the page of matching entries.
struct InboxView {
  std::string q, who, after_text, before_text, error;
  std::optional<std::int64_t> after, before;
  std::size_t page = 1;

  explicit InboxView(std::string_view query_string) {
    auto query = http::ParseForm(query_string);
    q = Field(query, "q");
    who = Field(query, "who");
    after_text = Field(query, "after");
    before_text = Field(query, "before");
    if (!after_text.empty() && !(after = ParseDay(after_text))) error = "Enter dates as YYYY-MM-DD.";
    if (!before_text.empty() && !(before = ParseDay(before_text))) {
      error = "Enter dates as YYYY-MM-DD.";
    }
    const std::string p = Field(query, "page");
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), page);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || page == 0 || page > 1000) {
      page = 1;
    }
  }

  bool searched() const { return !q.empty() || !who.empty() || after || before; }

  bool Matches(const CenterEntry& e) const {
    return (q.empty() || Contains(e.subject, q)) &&
           (who.empty() || Contains(e.item.counterpart, who)) &&
           (!after || e.item.created_at >= *after) &&
           (!before || e.item.created_at < *before + 86400);
  }

  // "/inbox?page=N&q=…": another page of the same search.
  std::string PageHref(std::size_t n) const {
    return "/inbox?page=" + std::to_string(n) + "&q=" + QueryEscape(q) + "&who=" +
           QueryEscape(who) + "&after=" + QueryEscape(after_text) +
           "&before=" + QueryEscape(before_text);
  }
};

void FillInbox(ctemplate::TemplateDictionary& d, const InboxView& view,
               const std::vector<const CenterEntry*>& shown) {
  d.SetValue("Q", view.q);
  d.SetValue("WHO", view.who);
  d.SetValue("AFTER", view.after_text);
  d.SetValue("BEFORE", view.before_text);
  if (!view.error.empty()) {
    d.ShowSection("ERROR");
    d.SetValue("ERROR_TEXT", view.error);
  }
  if (view.searched()) {
    d.ShowSection("SEARCHED");
    d.SetIntValue("COUNT", static_cast<long>(shown.size()));
  }
  d.ShowSection(shown.empty() ? "EMPTY" : "HAS_ITEMS");
  // Newest first, a page at a time.
  const std::size_t first = std::min(shown.size(), (view.page - 1) * kPageSize);
  const std::size_t last = std::min(shown.size(), first + kPageSize);
  if (first > 0 || last < shown.size()) {
    auto* pages = d.AddSectionDictionary("PAGES");
    pages->SetIntValue("FIRST", static_cast<long>(first + 1));
    pages->SetIntValue("LAST", static_cast<long>(last));
    pages->SetIntValue("TOTAL", static_cast<long>(shown.size()));
    if (first > 0) pages->AddSectionDictionary("NEWER")->SetValue("HREF", view.PageHref(view.page - 1));
    if (last < shown.size()) {
      pages->AddSectionDictionary("OLDER")->SetValue("HREF", view.PageHref(view.page + 1));
    }
  }
  for (std::size_t k = first; k < last; ++k) {
    const CenterItem& item = shown[k]->item;
    auto* row = d.AddSectionDictionary("ITEM");
    row->SetValue("HREF", item.sent ? "/inbox/sent/" + item.message_id
                                    : "/inbox/open/" + item.recipient_id);
    row->SetValue("SUBJECT", shown[k]->subject.empty() ? "(no subject)" : shown[k]->subject);
    row->ShowSection(item.sent ? "SENT" : "RECEIVED");
    row->SetValue("COUNTERPART", item.counterpart);
    row->SetValue("WHEN", HumanTime(item.created_at));
    row->SetValue("EXPIRES", HumanTime(item.expires_at));
  }
}

}  // namespace

awaitable<Response> CenterPages::Inbox(http::Request& req) {
  Brand brand = co_await ctx_.AccountBrand(req);
  auto signed_in = ctx_.SignedIn(req);
  if (!signed_in) co_return http::RedirectResponse("/account/login");
  const AccountSession& account = signed_in->first;
  const InboxView view(req.query);
  std::optional<Result<std::vector<CenterEntry>>> entries;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        entries.emplace(ctx_.center.Center(account.namespace_name, account.address, kMaxCenterItems));
      })) {
    co_return std::move(*busy);
  }
  if (!entries->ok()) {
    spdlog::error("portal[{}]: inbox of account {} not read: {}", req.id, account.account_id,
                  entries->error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  std::vector<const CenterEntry*> shown;
  for (const auto& e : **entries) {
    if (view.Matches(e)) shown.push_back(&e);
  }
  Response r = ctx_.Page(brand, view.error.empty() ? 200 : 400, "inbox.tpl", "Your secure messages",
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("ADDRESS", account.address);
                      if (brand.message_center) d.ShowSection("CAN_COMPOSE");
                      FillInbox(d, view, shown);
                    });
  r.Set("Cache-Control", "no-store");
  co_return r;
}

awaitable<Response> CenterPages::OpenFromInbox(http::Request& req) {
  Brand brand = co_await ctx_.AccountBrand(req);
  auto signed_in = ctx_.SignedIn(req);
  if (!signed_in) co_return http::RedirectResponse("/account/login");
  const AccountSession& account = signed_in->first;
  const std::string rid = req.params[0];
  auto not_found = [&] { return ctx_.ErrorPage(brand, 404, "Not found", "There is no such message."); };
  if (!IsHexId(rid)) co_return not_found();
  // A copy the sender protected with a question asks it here as on its link's page:
  // the form comes back with the answer (POST), bound to this account session.
  std::optional<std::string> answer;
  std::optional<PortalContext::GuardTries> tries;
  if (req.method == "POST") {
    if (!ctx_.FormTokenValid(req, "center-answer|" + rid, signed_in->second)) {
      co_return ctx_.ErrorPage(brand, 403, "Please try again",
                          "This form expired or did not come from this site.");
    }
    auto form = http::ParseForm(req.body);
    answer = form.ok() ? http::FormValue(*form, "answer").value_or("") : "";
    std::optional<Response> refused;
    tries = co_await ctx_.PassAnswerGuard(req, rid, brand, &refused);
    if (!tries) co_return std::move(*refused);
  }
  std::optional<Result<LinkState>> link;
  std::optional<Result<SecretBytes>> key;
  std::optional<Result<std::string>> question;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        link.emplace(ctx_.escrow.RecipientState(rid));
        if (!link->ok()) return;
        key.emplace(ctx_.center.OpenFromCenter(**link, account.namespace_name, account.address, answer,
                                           req.client_address));
        const bool ask = !key->ok() && (key->error().code == ErrorCode::kUnauthenticated ||
                                        key->error().message == "question");
        if (ask) question.emplace(ctx_.escrow.QuestionOf(**link));
      })) {
    co_return std::move(*busy);
  }
  // Another account's or namespace's copy is "not found", as a copy that never was.
  if (!link->ok() || (!key->ok() && key->error().code == ErrorCode::kNotFound)) {
    co_return not_found();
  }
  if (!key->ok()) {
    const Error& e = key->error();
    if (tries && (e.code == ErrorCode::kUnauthenticated ||
                  (e.code == ErrorCode::kFailedPrecondition && e.message == "locked"))) {
      tries->Failed();
    }
    if (question && question->ok()) {
      LinkState asked = **link;
      asked.question = **question;
      std::string error;
      if (e.code == ErrorCode::kUnauthenticated) {
        error = "That is not the right answer. You have " + e.message + " attempt" +
                (e.message == "1" ? "" : "s") + " left before the message is locked.";
      }
      Response r = messages_.QuestionPage(brand, asked, "/inbox/open/" + rid,
                                ctx_.FormToken("center-answer|" + rid, signed_in->second), error);
      r.Set("Cache-Control", "no-store");
      co_return r;
    }
    co_return ctx_.NotOpened(brand, **link, e);
  }
  co_return ctx_.Opened(rid, std::move(**key), account.account_id);
}

awaitable<Response> CenterPages::SentMessage(http::Request& req) {
  Brand brand = co_await ctx_.AccountBrand(req);
  auto signed_in = ctx_.SignedIn(req);
  if (!signed_in) co_return http::RedirectResponse("/account/login");
  const AccountSession& account = signed_in->first;
  const std::string message_id = req.params[0];
  if (!IsHexId(message_id)) {
    co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such message.");
  }
  std::optional<Result<OpenedManifest>> opened;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        opened.emplace(ctx_.center.ReadSent(account.namespace_name, account.address, message_id));
      })) {
    co_return std::move(*busy);
  }
  if (!opened->ok()) {
    if (opened->error().code != ErrorCode::kNotFound) {
      spdlog::error("portal[{}]: sent message {} not read: {}", req.id, message_id,
                    opened->error().ToString());
    }
    co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such message.");
  }
  const Manifest& m = (*opened)->manifest;
  Response r = ctx_.Page(brand, 200, "sent.tpl", m.subject.empty() ? "Sent message" : m.subject,
                    [&](ctemplate::TemplateDictionary& d) {
                      d.SetValue("SUBJECT", m.subject.empty() ? "(no subject)" : m.subject);
                      d.SetValue("TO", Join(m.to));
                      d.SetValue("SENT", HumanTime(m.created_at));
                      d.SetValue("TEXT", m.text);
                      if (!m.attachments.empty()) d.ShowSection("HAS_ATTACHMENTS");
                      for (std::size_t i = 0; i < m.attachments.size(); ++i) {
                        auto* row = d.AddSectionDictionary("ATTACHMENT");
                        row->SetValue("ID", message_id);
                        row->SetIntValue("INDEX", static_cast<long>(i));
                        row->SetValue("FILENAME", m.attachments[i].filename);
                        row->SetValue("SIZE", HumanSize(m.attachments[i].size));
                      }
                    });
  r.Set("Cache-Control", "no-store");
  co_return r;
}

awaitable<Response> CenterPages::SentAttachment(http::Request& req) {
  Brand brand = co_await ctx_.AccountBrand(req);
  auto signed_in = ctx_.SignedIn(req);
  if (!signed_in) co_return http::RedirectResponse("/account/login");
  const AccountSession& account = signed_in->first;
  const std::string message_id = req.params[0];
  const std::string& n = req.params[1];
  std::size_t index = 0;
  auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), index);
  if (!IsHexId(message_id) || ec != std::errc() || ptr != n.data() + n.size()) {
    co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such attachment.");
  }
  std::optional<Result<std::pair<AttachmentInfo, SealedBlobReader>>> opened;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        opened.emplace(
            ctx_.center.SentAttachment(account.namespace_name, account.address, message_id, index));
      })) {
    co_return std::move(*busy);
  }
  if (!opened->ok()) {
    if (opened->error().code != ErrorCode::kNotFound) {
      spdlog::error("portal[{}]: attachment of sent message {} not read: {}", req.id, message_id,
                    opened->error().ToString());
    }
    co_return ctx_.ErrorPage(brand, 404, "Not found", "There is no such attachment.");
  }
  co_return ctx_.AttachmentResponse((*opened)->first, std::move((*opened)->second));
}

Response CenterPages::ComposePage(const Brand& brand, const std::vector<std::string>& senders,
                             const std::string& session_token, const UploadForm& form,
                             const std::string& error) const {
  return ctx_.Page(brand, error.empty() ? 200 : 400, "compose.tpl", "Write a new secure message",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("CSRF", ctx_.FormToken("compose", session_token));
                d.SetValue("MAX", HumanSize(ctx_.settings.max_reply_bytes));
                d.SetValue("SUBJECT", form.subject);
                d.SetValue("TEXT", form.text);
                for (const auto& s : senders) {
                  auto* row = d.AddSectionDictionary("SENDER");
                  row->SetValue("ADDRESS", s);
                  if (EqualsIgnoreCase(s, form.to)) row->ShowSection("CHOSEN");
                }
                if (!error.empty()) {
                  d.ShowSection("ERROR");
                  d.SetValue("ERROR_TEXT", error);
                }
              });
}

// The account of the request, signed in, in a namespace with the Message Center on,
// and the people it may write to; or the page that says why not.
awaitable<CenterPages::Composer> CenterPages::StartCompose(http::Request& req) {
  Composer c;
  c.brand = co_await ctx_.AccountBrand(req);
  auto signed_in = ctx_.SignedIn(req);
  if (!signed_in) {
    c.refused = http::RedirectResponse("/account/login");
    co_return c;
  }
  c.account = signed_in->first;
  c.session_token = signed_in->second;
  if (!c.brand.message_center) {
    c.refused = ctx_.ErrorPage(c.brand, 403, "New messages cannot be written here",
                          "This portal has no Message Center, so you can only reply to messages.");
    co_return c;
  }
  std::optional<Result<std::vector<CenterEntry>>> entries;
  if (auto busy = co_await ctx_.OffLoop(c.brand, [&] {
        entries.emplace(ctx_.center.Center(c.account.namespace_name, c.account.address, kMaxCenterItems));
      })) {
    c.refused = std::move(busy);
    co_return c;
  }
  if (!entries->ok()) {
    c.refused = ctx_.ErrorPage(c.brand, 500, "Something went wrong", "Please try again in a moment.");
    co_return c;
  }
  c.senders = PreviousSenders(**entries);
  if (c.senders.empty()) {
    c.refused = ctx_.InfoPage(c.brand, "Nobody to write to yet",
                         {"You can write to people who have sent you a secure message here. "
                          "Nobody has yet."},
                         "/inbox", "Back to your messages");
  }
  co_return c;
}

awaitable<Response> CenterPages::ComposeForm(http::Request& req) {
  Composer c = co_await StartCompose(req);
  if (c.refused) co_return std::move(*c.refused);
  UploadForm blank;
  auto query = http::ParseForm(req.query);
  blank.to = Field(query, "to");
  co_return ComposePage(c.brand, c.senders, c.session_token, blank, "");
}

awaitable<Response> CenterPages::SubmitCompose(http::Request& req) {
  // Who is writing, and to whom they may, is settled before a byte of the upload is read.
  Composer c = co_await StartCompose(req);
  if (c.refused) co_return std::move(*c.refused);
  Writing::Upload up = co_await writing_.ReadUpload(req);
  auto again = [&](const std::string& error) {
    return ComposePage(c.brand, c.senders, c.session_token, up.form, error);
  };
  if (auto refused = writing_.UploadRefused(c.brand, up, again, "compose", c.session_token)) {
    co_return std::move(*refused);
  }
  const std::string subject(TrimWhitespace(up.form.subject));
  if (subject.empty() || subject.find_first_of("\r\n") != std::string::npos) {
    co_return again("Give the message a subject (one line).");
  }
  std::optional<Result<std::string>> sent;
  // Escrow checks the recipient again: only someone who wrote to this account here.
  if (auto busy = co_await ctx_.OffLoop(c.brand, [&] {
        auto to = ctx_.center.ComposeTo(c.account.namespace_name, c.account.address, up.form.to, subject);
        sent.emplace(to.ok() ? writing_.SendWritten(*to, up.form.text, std::move(up.draft), req.client_address)
                             : Result<std::string>(std::move(to).error()));
      })) {
    co_return std::move(*busy);
  }
  if (!sent->ok()) {
    if (sent->error().code == ErrorCode::kPermissionDenied) {
      spdlog::warn("portal[{}]: account {} tried to write to someone who has not written to it",
                   req.id, c.account.account_id);
      co_return again("You can write only to people who have sent you a secure message here.");
    }
    spdlog::error("portal[{}]: message from account {} not sent: {}", req.id, c.account.account_id,
                  sent->error().ToString());
    co_return ctx_.ErrorPage(c.brand, 500, "Your message was not sent",
                        "Something went wrong on our side.", "Please try again in a moment.");
  }
  spdlog::info("portal[{}]: account {} sent message {} from the Message Center", req.id,
               c.account.account_id, **sent);
  co_return ctx_.InfoPage(c.brand, "Your message was sent",
                     {"It is on its way to " + up.form.to + " as a secure message."}, "/inbox",
                     "Back to your messages");
}

}  // namespace sealpost::portal
