#include "portal/context.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

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

PortalContext::PortalContext(PortalSettings settings_in, EscrowService& escrow_in,
                             MessageCenter& center_in, PortalAccounts& accounts_in,
                             BrandBook& brands_in, const policy::RecipientPlanner& planner_in,
                             const submission::Dispatcher& dispatcher_in,
                             http::Offloader& offloader_in, const KeyRing& keys_in,
                             const Clock& clock_in)
    : settings(std::move(settings_in)),
      guard(settings.guard, clock_in),
      account_guard(settings.account_guard, clock_in),
      accounts(accounts_in),
      brands(brands_in),
      account_sessions(clock_in, settings.session_idle_seconds, 100000, settings.shared_sessions),
      escrow(escrow_in),
      center(center_in),
      planner(planner_in),
      dispatcher(dispatcher_in),
      offloader(offloader_in),
      keys(keys_in),
      clock(clock_in),
      sessions(clock_in, settings.session_idle_seconds, 100000, settings.shared_sessions) {}

// A reload the worker pool was too busy for is skipped: the copy in hand stays a while.
awaitable<void> PortalContext::ReloadBrands() {
  (void)co_await offloader.RunOffLoop([this] { (void)brands.Reload(); },
                                       std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

awaitable<Brand> PortalContext::HostBrand(const http::Request& req) {
  if (brands.Stale()) co_await ReloadBrands();
  co_return brands.ForNamespace(brands.NamespaceOfHost(req.header("Host")));
}

awaitable<Brand> PortalContext::NamespaceBrand(const std::string& namespace_name) {
  if (brands.Stale(namespace_name)) co_await ReloadBrands();
  co_return brands.ForNamespace(namespace_name);
}

Response PortalContext::Page(const Brand& brand, int status, const std::string& page,
                      const std::string& title,
                      const std::function<void(ctemplate::TemplateDictionary&)>& fill) const {
  return http::HtmlResponse(status, templates.Render(page, title, brand, fill));
}

Response PortalContext::TooManyTries(const Brand& brand, std::int64_t wait_seconds) const {
  const std::int64_t minutes = (wait_seconds + 59) / 60;
  Response r = ErrorPage(brand, 429, "Too many wrong tries",
                         "Too many wrong answers, passwords or codes were given, so this is "
                         "protected for a while.",
                         "Please try again in " + std::to_string(minutes) + " minute" +
                             (minutes == 1 ? "" : "s") + ".");
  r.Set("Retry-After", std::to_string(wait_seconds));
  return r;
}

awaitable<std::optional<Response>> PortalContext::OffLoop(const Brand& brand,
                                                   const std::function<void()>& work) {
  constexpr auto kMustStartWithin = std::chrono::seconds(30);
  Status ran =
      co_await offloader.RunOffLoop(work, std::chrono::steady_clock::now() + kMustStartWithin);
  if (ran.ok()) co_return std::nullopt;
  co_return Busy(brand);
}

Response PortalContext::Busy(const Brand& brand) const {
  Response r = ErrorPage(brand, 503, "The service is busy",
                         "Too many requests are being handled right now, so yours was not.",
                         "Please try again in a moment.");
  r.Set("Retry-After", "5");
  return r;
}

awaitable<std::optional<PortalContext::GuardTries>> PortalContext::PassGuards(const std::string& client,
                                                                const std::string& account_key,
                                                                std::int64_t* wait) {
  GuardTries tries;
  FailureGuard::Verdict by_client, by_account;
  tries.client = guard.Begin(ClientKey(client), &by_client);  // an IPv6 client is its /64
  if (!account_key.empty()) tries.account = account_guard.Begin(account_key, &by_account);
  *wait = std::max(by_client.wait, by_account.wait);
  // Refused by either: whatever the other let through is released with `tries`.
  if (by_client.refused || by_account.refused) co_return std::nullopt;
  if (*wait > 0) {
    asio::steady_timer slow(co_await asio::this_coro::executor, std::chrono::seconds(*wait));
    co_await slow.async_wait(asio::use_awaitable);
  }
  co_return std::move(tries);
}

awaitable<std::optional<PortalContext::GuardTries>> PortalContext::PassAnswerGuard(
    const http::Request& req, const std::string& rid, const Brand& brand,
    std::optional<Response>* refused) {
  std::int64_t wait = 0;
  auto tries = co_await PassGuards(req.client_address, "", &wait);
  if (!tries) {
    spdlog::warn("portal[{}]: answer for {} refused: too many wrong answers from {}", req.id, rid,
                 req.client_address);
    *refused = TooManyTries(brand, wait);
  }
  co_return tries;
}

Response PortalContext::GonePage(const Brand& brand, const LinkState& link) const {
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

Response PortalContext::ErrorPage(const Brand& brand, int status, const std::string& heading,
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

Response PortalContext::NotOpened(const Brand& brand, const LinkState& link, const Error& e) const {
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

Response PortalContext::Opened(const std::string& rid, SecretBytes data_key,
                        const std::string& account_id) {
  std::string session = sessions.Create(rid, std::move(data_key), account_id);
  Response r = http::RedirectResponse("/r/" + rid);
  r.headers.push_back(
      {"Set-Cookie", CookieHeader(kSessionCookie, session, settings.session_idle_seconds)});
  r.headers.push_back({"Set-Cookie", CookieHeader(kLinkCookie, "", 0)});
  return r;
}

Response PortalContext::AttachmentResponse(const AttachmentInfo& info, SealedBlobReader reader) {
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

std::string PortalContext::FormToken(std::string_view purpose, std::string_view binding) const {
  return Base64UrlEncode(keys.csrf().Mac(std::string(purpose) + "|" + std::string(binding)));
}

bool PortalContext::FormTokenValid(const http::Request& req, std::string_view purpose,
                            std::string_view binding) const {
  auto form = http::ParseForm(req.body);
  const std::string given = Field(form, "csrf");
  // Any generation of the key: a form shown just before a key rotation still posts.
  auto mac = Base64UrlDecodeSecret(given);
  if (binding.empty() || !mac ||
      !keys.csrf().MacMatches(std::string(purpose) + "|" + std::string(binding), mac->view())) {
    spdlog::warn("portal[{}]: {} form refused: bad CSRF token from {}", req.id, purpose,
                 req.client_address);
    return false;
  }
  return true;
}

awaitable<Brand> PortalContext::AccountBrand(const http::Request& req) {
  auto token = req.cookie(kAccountCookie);
  auto session = token ? account_sessions.Find(*token) : std::nullopt;
  if (session) co_return co_await NamespaceBrand(session->namespace_name);
  co_return co_await HostBrand(req);
}

std::optional<std::pair<AccountSession, std::string>> PortalContext::SignedIn(const http::Request& req) {
  auto token = req.cookie(kAccountCookie);
  if (!token) return std::nullopt;
  auto session = account_sessions.Find(*token);
  if (!session || session->needs_code) return std::nullopt;
  return std::make_pair(std::move(*session), *token);
}

Response PortalContext::InfoPage(const Brand& brand, const std::string& heading,
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

}  // namespace sealpost::portal
