// A recipient's message pages (message_pages.cc, message_actions.cc): the notice link,
// the question, the message once verified, its attachments and history, and what a
// verified reader does with their copy (.eml, print view, delete). Security exposure:
// high — the link carries the secret that (with the answer) opens a message.
// Internal to the portal.
#pragma once

#include <optional>
#include <string>

#include "http/router.h"
#include "portal/context.h"

namespace sealpost::portal {

class AccountPages;

class MessagePages {
 public:
  // A login recipient's link goes on to `account_pages` (sign in instead of an answer).
  MessagePages(PortalContext& ctx, AccountPages& account_pages)
      : ctx_(ctx), account_pages_(account_pages) {}
  void Register(http::Router& router);

  // The verified copy a message session opens (replies start from it too).
  struct SessionCopy {
    std::optional<http::Response> refused;  // set when the request cannot go on
    Brand brand;  // the message's namespace's (the host's before the message is known)
    PortalSession session;
    std::string session_token;
    LinkState link;
    Manifest manifest;
  };
  boost::asio::awaitable<SessionCopy> OpenSessionCopy(http::Request& req, bool read_manifest);

  // The question, answered by posting to /r/{recipient} with the link's form token.
  http::Response QuestionPage(const Brand& brand, const LinkState& link,
                              const std::string& link_token, const std::string& error) const;
  // The same question, posted to `action` with the form token `csrf` (the Message Center
  // asks it of a signed-in account).
  http::Response QuestionPage(const Brand& brand, const LinkState& link, const std::string& action,
                              const std::string& csrf, const std::string& error) const;

 private:
  boost::asio::awaitable<http::Response> OpenLink(http::Request& req);
  boost::asio::awaitable<http::Response> Show(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitAnswer(http::Request& req);
  boost::asio::awaitable<http::Response> Download(http::Request& req);
  boost::asio::awaitable<http::Response> History(http::Request& req);
  boost::asio::awaitable<http::Response> DownloadMessage(http::Request& req);
  boost::asio::awaitable<http::Response> PrintView(http::Request& req);
  boost::asio::awaitable<http::Response> ConfirmDelete(http::Request& req);
  boost::asio::awaitable<http::Response> DeleteCopy(http::Request& req);
  // Subject, From, To, Cc and Sent, as the message and print pages show them.
  static void FillMessageHeader(ctemplate::TemplateDictionary& d, const Manifest& m);
  std::string Csrf(const std::string& recipient_id, const std::string& link_token) const;
  bool CsrfValid(std::string_view given, const std::string& recipient_id,
                 const std::string& link_token) const;

  PortalContext& ctx_;
  AccountPages& account_pages_;
};

}  // namespace sealpost::portal
