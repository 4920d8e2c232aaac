// The recipient portal: the notice link (/m/{token}), the question and the message
// (/r/{recipient}), attachment downloads, replies, portal accounts, the Message
// Center, the brand's stylesheet and logo, and in dev mode the outbox pages. Security
// exposure: high — every value shown comes from a sender or a recipient, and the link
// carries the secret that (with the answer) opens a message. The secret leaves the URL
// at once: /m/{token} stores it in a short-lived HttpOnly cookie and redirects to
// /r/{recipient}; log lines name route patterns only.
//
// Put together from one PortalContext (context.h: settings, services, sessions, guards,
// page layouts) and a handler per feature: messages (message_pages.h), replies
// (reply_pages.h), accounts (account_pages.h), the Message Center (center_pages.h),
// and writing a message (writing.h), which replies and the Center share; the web
// console for organisation users (console_pages.h) over the same context; and the
// public's secure forms (form_pages.h); a campaign's contacts' preferences and tracking
// links (contact_pages.h).
#pragma once

#include "http/router.h"
#include "portal/account_pages.h"
#include "portal/center_pages.h"
#include "portal/console_pages.h"
#include "portal/contact_pages.h"
#include "portal/context.h"
#include "portal/form_pages.h"
#include "portal/message_pages.h"
#include "portal/reply_pages.h"
#include "portal/tool_pages.h"
#include "portal/writing.h"

namespace sealpost::portal {

class Portal {
 public:
  // Replies and new messages written here take the one road every way in takes:
  // `planner` decides, `dispatcher` carries it out.
  Portal(PortalSettings settings, EscrowService& escrow, MessageCenter& center,
         PortalAccounts& accounts, BrandBook& brands, const policy::RecipientPlanner& planner,
         const submission::Dispatcher& dispatcher, http::Offloader& offloader, const KeyRing& keys,
         const Clock& clock, ConsoleServices console = {}, FormServices forms = {},
         CampaignServices campaigns = {});
  ~Portal();
  Portal(const Portal&) = delete;
  Portal& operator=(const Portal&) = delete;

  void Register(http::Router& router);

  // Its guessing guards and rate limits, for sharing with other nodes
  // (app/limit_exchange.h).
  struct Limits {
    FailureGuard& by_client;   // wrong answers, passwords and codes by client address
    FailureGuard& by_account;  // the same by portal or console account
    RateLimiter& form_clients;
    RateLimiter& forms;
    RateLimiter& scriptless_forms;
  };
  Limits limits();

 private:
  boost::asio::awaitable<http::Response> HomePage(http::Request& req);
  boost::asio::awaitable<http::Response> Outbox(http::Request& req);  // list or one mail
  boost::asio::awaitable<http::Response> BrandStylesheet(http::Request& req);
  boost::asio::awaitable<http::Response> BrandLogo(http::Request& req);
  http::Response Home(const Brand& brand) const;
  http::Response OutboxList(const Brand& brand) const;
  http::Response OutboxMail(const Brand& brand, const std::string& name) const;

  PortalContext ctx_;
  Writing writing_;
  AccountPages account_pages_;
  MessagePages messages_;
  ReplyPages replies_;
  CenterPages center_pages_;
  ToolPages tools_;
  ConsolePages console_;
  FormPages forms_;
  ContactPages contacts_;
};

}  // namespace sealpost::portal
