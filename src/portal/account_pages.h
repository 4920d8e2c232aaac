// The portal's account pages (account_pages.cc): recipients whose messages are opened
// by signing in — registration, confirmation, login with an optional second step,
// password reset, two-step enrolment, sign-out. Internal to the portal.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/router.h"
#include "portal/context.h"

namespace sealpost::portal {

class AccountPages {
 public:
  explicit AccountPages(PortalContext& ctx) : ctx_(ctx) {}
  void Register(http::Router& router);

  // A login recipient's link: the sign-in (or registration) form, or, already signed
  // in as the recipient, their copy opened.
  boost::asio::awaitable<http::Response> LoginGate(http::Request& req, const LinkState& link,
                                                   const SecretBytes& link_secret,
                                                   const std::string& link_token);
  // The second step's form (also the Message Center's sign-in).
  http::Response CodePage(const Brand& brand, const std::string& action, const std::string& csrf,
                          const std::string& error) const;

 private:
  boost::asio::awaitable<http::Response> SubmitLogin(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitCode(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitRegistration(http::Request& req);
  boost::asio::awaitable<http::Response> ShowConfirm(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitConfirm(http::Request& req);
  // The confirmation form; asks for the registrant's password in another browser.
  http::Response ConfirmPage(const Brand& brand, const PendingRegistration& pending,
                             const std::string& token, int status, const std::string& error) const;
  http::Response ConfirmLinkDead(const Brand& brand) const;
  boost::asio::awaitable<http::Response> AccountPage(http::Request& req);
  // Ends this browser's sessions, or (`everywhere`) every session of the account and
  // every message its sign-ins opened, in any browser.
  boost::asio::awaitable<http::Response> Logout(http::Request& req, bool everywhere);
  boost::asio::awaitable<http::Response> StartTotp(http::Request& req);
  boost::asio::awaitable<http::Response> FinishTotp(http::Request& req);
  boost::asio::awaitable<http::Response> StopTotp(http::Request& req);
  boost::asio::awaitable<http::Response> ResetRequestForm(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitResetRequest(http::Request& req);
  boost::asio::awaitable<http::Response> ShowReset(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitReset(http::Request& req);
  http::Response ResetRequestPage(const Brand& brand, http::Request& req,
                                  const std::string& error) const;
  // Signed in as the recipient: their message key, then a message session.
  boost::asio::awaitable<http::Response> OpenForAccount(http::Request& req, const LinkState& link,
                                                        const SecretBytes& link_secret,
                                                        const AccountSession& account,
                                                        std::vector<http::Header> cookies);
  // The link cookie's message, checked for a sign-in form: a login recipient's copy that
  // can be opened, with its namespace's brand; or the page that says why not.
  struct LinkedVisit {
    std::optional<http::Response> refused;
    Brand brand;
    std::string rid, cookie;
    LinkToken token;
    LinkState link;
  };
  boost::asio::awaitable<LinkedVisit> CheckVisit(http::Request& req);
  http::Response LoginPage(const Brand& brand, const LinkState& link, const std::string& link_token,
                           const std::string& error) const;
  http::Response RegisterPage(const Brand& brand, const LinkState& link,
                              const std::string& link_token, const std::string& error) const;
  http::Response AccountView(const Brand& brand, const AccountSession& account,
                             const std::string& session_token, bool totp_on,
                             const std::string& note, const std::string& error) const;

  PortalContext& ctx_;
};

}  // namespace sealpost::portal
