// The Message Center (center_pages.cc): a signed-in account's inbox, opening a message
// without its link, what the account sent, and composing to people who wrote to it;
// also a namespace portal's sign-in page. Internal to the portal.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/router.h"
#include "portal/account_pages.h"
#include "portal/context.h"
#include "portal/message_pages.h"
#include "portal/writing.h"

namespace sealpost::portal {

class CenterPages {
 public:
  CenterPages(PortalContext& ctx, MessagePages& messages, AccountPages& account_pages,
              Writing& writing)
      : ctx_(ctx), messages_(messages), account_pages_(account_pages), writing_(writing) {}
  void Register(http::Router& router);

 private:
  boost::asio::awaitable<http::Response> SignInForm(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitSignIn(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitSignInCode(http::Request& req);
  http::Response SignInPage(const Brand& brand, const http::Request& req,
                            const std::string& address, const std::string& error) const;
  boost::asio::awaitable<http::Response> Inbox(http::Request& req);
  boost::asio::awaitable<http::Response> OpenFromInbox(http::Request& req);
  boost::asio::awaitable<http::Response> SentMessage(http::Request& req);
  boost::asio::awaitable<http::Response> SentAttachment(http::Request& req);
  struct Composer {
    std::optional<http::Response> refused;
    Brand brand;
    AccountSession account;
    std::string session_token;
    std::vector<std::string> senders;  // whom the account may write to
  };
  boost::asio::awaitable<Composer> StartCompose(http::Request& req);
  boost::asio::awaitable<http::Response> ComposeForm(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitCompose(http::Request& req);
  http::Response ComposePage(const Brand& brand, const std::vector<std::string>& senders,
                             const std::string& session_token, const UploadForm& form,
                             const std::string& error) const;

  PortalContext& ctx_;
  MessagePages& messages_;
  AccountPages& account_pages_;
  Writing& writing_;
};

}  // namespace sealpost::portal
