// What every page of the portal shares: its settings and the services behind it, the
// sessions and guards, and the pieces each page is made of — the namespace's brand,
// the page and error layouts, leaving the event loop (bounded), the guards' delays,
// form tokens, and opening a verified copy into a message session. The pages
// themselves are the feature handlers (message_pages.h, account_pages.h,
// center_pages.h, reply_pages.h) over one PortalContext; portal.h puts them together.
// Internal to the portal.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "base/clock.h"
#include "crypto/key_ring.h"
#include "escrow/escrow_service.h"
#include "escrow/message_center.h"
#include "http/message.h"
#include "http/server.h"
#include "portal/accounts.h"
#include "portal/brands.h"
#include "base/failure_guard.h"
#include "portal/sessions.h"
#include "portal/templates.h"

namespace sealpost::policy {
class RecipientPlanner;
}
namespace sealpost {
class PortalSessionStore;
}  // namespace sealpost

namespace sealpost::submission {
class Dispatcher;
}

namespace sealpost::portal {

struct PortalSettings {
  std::string organisation = "sealpost";
  std::int64_t session_idle_seconds = 15 * 60;
  std::int64_t link_cookie_seconds = 15 * 60;
  bool dev_outbox = false;  // serve /dev/outbox (development only)
  std::string outbox_dir;
  GuardOptions guard;       // wrong answers, passwords and codes per client address
  GuardOptions account_guard{100, 5, 30};  // wrong passwords and codes per account
  std::uint64_t max_reply_bytes = 100ull * 1024 * 1024;  // a reply's attachments in all
  // Where sessions are kept when several nodes serve the portal (null: this node's
  // memory; portal/sessions.h).
  PortalSessionStore* shared_sessions = nullptr;
};

// Everything here is the handlers' to use; nothing in it belongs to one feature.
struct PortalContext {
  PortalContext(PortalSettings settings, EscrowService& escrow, MessageCenter& center,
                PortalAccounts& accounts, BrandBook& brands, const policy::RecipientPlanner& planner,
                const submission::Dispatcher& dispatcher, http::Offloader& offloader,
                const KeyRing& keys, const Clock& clock);
  PortalContext(const PortalContext&) = delete;
  PortalContext& operator=(const PortalContext&) = delete;

  // The brand of the namespace whose host name the request asked for; of a namespace;
  // of the signed-in account's namespace (the host's without an account session). Each
  // reads the namespaces again (off the loop) when the snapshot is stale.
  boost::asio::awaitable<Brand> HostBrand(const http::Request& req);
  boost::asio::awaitable<Brand> NamespaceBrand(const std::string& namespace_name);
  boost::asio::awaitable<Brand> AccountBrand(const http::Request& req);
  boost::asio::awaitable<void> ReloadBrands();

  http::Response Page(const Brand& brand, int status, const std::string& page,
                      const std::string& title,
                      const std::function<void(ctemplate::TemplateDictionary&)>& fill) const;
  http::Response ErrorPage(const Brand& brand, int status, const std::string& heading,
                           const std::string& message, const std::string& hint = {}) const;
  http::Response InfoPage(const Brand& brand, const std::string& heading,
                          const std::vector<std::string>& paragraphs, const std::string& href = {},
                          const std::string& label = {}) const;
  // A message that can no longer be opened: withdrawn by its sender, or expired.
  http::Response GonePage(const Brand& brand, const LinkState& link) const;
  http::Response TooManyTries(const Brand& brand, std::int64_t wait_seconds) const;
  http::Response Busy(const Brand& brand) const;

  // Every piece of blocking work (SQLite, Argon2id, decryption) leaves the event loop
  // here, through the bounded worker pool (http::Offloader::RunOffLoop; it must start
  // within 30 s). The page to answer with when the server was too busy to start it —
  // 503 with Retry-After, and `work` never ran — else nothing. A check and the failure
  // it counts go in one piece of work, so a busy server cannot check without counting.
  boost::asio::awaitable<std::optional<http::Response>> OffLoop(
      const Brand& brand, const std::function<void()>& work);

  // One request's tries, counted against the client's guard (and the account's, if
  // named) from the moment they pass: parallel guesses cannot go past the caps. A try
  // that is not marked failed is released when this goes out of scope.
  struct GuardTries {
    std::optional<FailureGuard::Try> client, account;
    void Failed() {
      if (client) client->Failed();
      if (account) account->Failed();
    }
  };
  // Waits out the guards' delay for this client (and account, if named); nullopt when
  // an hourly cap refuses the try outright (`*wait` says for how long).
  boost::asio::awaitable<std::optional<GuardTries>> PassGuards(const std::string& client,
                                                               const std::string& account_key,
                                                               std::int64_t* wait);

  // An answer to `rid`'s question about to be checked: the client's guard passed, or
  // nullopt and `*refused` the 429 page (logged). Guesses spread over many messages from
  // one address meet this before any message's own lock.
  boost::asio::awaitable<std::optional<GuardTries>> PassAnswerGuard(
      const http::Request& req, const std::string& rid, const Brand& brand,
      std::optional<http::Response>* refused);

  // CSRF tokens: an HMAC of the form's purpose and what binds it to this browser.
  std::string FormToken(std::string_view purpose, std::string_view binding) const;
  bool FormTokenValid(const http::Request& req, std::string_view purpose,
                      std::string_view binding) const;
  // The signed-in (not half-signed-in) account of this request, and its cookie.
  std::optional<std::pair<AccountSession, std::string>> SignedIn(const http::Request& req);

  // Why a copy was not opened (`e` from Answer, OpenByLogin or OpenFromCenter): locked,
  // gone (expired, withdrawn, deleted), or something of ours that went wrong.
  http::Response NotOpened(const Brand& brand, const LinkState& link, const Error& e) const;
  // The copy opened: its key in a new message session, and on to the message. The link
  // cookie is no longer needed in this browser. `account_id`: the portal account whose
  // sign-in opened it (its reset or "sign out everywhere" ends this session too).
  http::Response Opened(const std::string& rid, SecretBytes data_key,
                        const std::string& account_id = {});
  // An attachment streamed as it is decrypted, checked against its signed digest.
  static http::Response AttachmentResponse(const AttachmentInfo& info, SealedBlobReader reader);

  const PortalSettings settings;
  FailureGuard guard;
  FailureGuard account_guard;
  PortalAccounts& accounts;
  BrandBook& brands;
  AccountSessions account_sessions;
  EscrowService& escrow;
  MessageCenter& center;
  const policy::RecipientPlanner& planner;
  const submission::Dispatcher& dispatcher;
  http::Offloader& offloader;
  const KeyRing& keys;
  const Clock& clock;
  Templates templates;
  PortalSessions sessions;
};

}  // namespace sealpost::portal
