// The recipient portal: the notice link (/m/{token}), the question and the message
// (/r/{recipient}), attachment downloads, the stylesheet, and in dev mode the
// outbox pages. Security exposure: high — every value shown comes from a sender or
// a recipient, and the link carries the secret that (with the answer) opens a
// message. The secret leaves the URL at once: /m/{token} stores it in a short-lived
// HttpOnly cookie and redirects to /r/{recipient}; log lines name route patterns only.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "crypto/key_ring.h"
#include "escrow/escrow_service.h"
#include "http/router.h"
#include "http/server.h"
#include "portal/guard.h"
#include "portal/sessions.h"
#include "portal/templates.h"

namespace sealpost::portal {

struct PortalSettings {
  std::string organisation = "sealpost";
  std::int64_t session_idle_seconds = 15 * 60;
  std::int64_t link_cookie_seconds = 15 * 60;
  bool dev_outbox = false;  // serve /dev/outbox (development only)
  std::string outbox_dir;
  GuardOptions guard;       // wrong answers per client address
};

class Portal {
 public:
  Portal(PortalSettings settings, EscrowService& escrow, http::Offloader& offloader,
         const KeyRing& keys, const Clock& clock);
  void Register(http::Router& router);

 private:
  boost::asio::awaitable<http::Response> OpenLink(http::Request& req);
  boost::asio::awaitable<http::Response> Show(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitAnswer(http::Request& req);
  boost::asio::awaitable<http::Response> Download(http::Request& req);
  boost::asio::awaitable<http::Response> History(http::Request& req);
  http::Response Home() const;
  http::Response Page(int status, const std::string& page, const std::string& title,
                      const std::function<void(ctemplate::TemplateDictionary&)>& fill) const;
  // A message that can no longer be opened: withdrawn by its sender, or expired.
  http::Response GonePage(const LinkState& link) const;
  http::Response ErrorPage(int status, const std::string& heading, const std::string& message,
                           const std::string& hint = {}) const;
  http::Response QuestionPage(const LinkState& link, const std::string& link_token,
                              const std::string& error) const;
  std::string Csrf(const std::string& recipient_id, const std::string& link_token) const;
  http::Response OutboxList() const;
  http::Response OutboxMail(const std::string& name) const;

  http::Response TooManyTries(std::int64_t wait_seconds) const;

  PortalSettings settings_;
  FailureGuard guard_;
  EscrowService& escrow_;
  http::Offloader& offloader_;
  const KeyRing& keys_;
  const Clock& clock_;
  Templates templates_;
  PortalSessions sessions_;
};

}  // namespace sealpost::portal
