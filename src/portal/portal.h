// The recipient portal: the notice link (/m/{token}), the question and the message
// (/r/{recipient}), attachment downloads, the stylesheet, and in dev mode the
// outbox pages. Security exposure: high — every value shown comes from a sender or
// a recipient, and the link carries the secret that (with the answer) opens a
// message. The secret leaves the URL at once: /m/{token} stores it in a short-lived
// HttpOnly cookie and redirects to /r/{recipient}; log lines name route patterns only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "crypto/key_ring.h"
#include "escrow/escrow_service.h"
#include "escrow/message_center.h"
#include "http/router.h"
#include "http/server.h"
#include "portal/accounts.h"
#include "portal/brands.h"
#include "portal/guard.h"
#include "portal/sessions.h"
#include "portal/templates.h"

namespace sealpost::policy {
class RecipientPlanner;
}
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
};

// The fields of a reply or new-message form (the files go into a draft).
struct UploadForm {
  std::string csrf, text, to, subject;
};

class Portal {
 public:
  // Replies and new messages written here take the one road every way in takes:
  // `planner` decides, `dispatcher` carries it out.
  Portal(PortalSettings settings, EscrowService& escrow, MessageCenter& center,
         PortalAccounts& accounts,
         BrandBook& brands, const policy::RecipientPlanner& planner,
         const submission::Dispatcher& dispatcher, http::Offloader& offloader,
         const KeyRing& keys, const Clock& clock);
  void Register(http::Router& router);

 private:
  // The brand of the namespace whose host name the request asked for; of a namespace.
  // Each reads the namespaces again (off the loop) when the snapshot is stale.
  boost::asio::awaitable<Brand> HostBrand(const http::Request& req);
  boost::asio::awaitable<Brand> NamespaceBrand(const std::string& namespace_name);
  // The signed-in account's namespace's brand; the host's without an account session.
  boost::asio::awaitable<Brand> AccountBrand(const http::Request& req);
  boost::asio::awaitable<http::Response> HomePage(http::Request& req);
  boost::asio::awaitable<http::Response> ResetRequestForm(http::Request& req);
  boost::asio::awaitable<http::Response> Outbox(http::Request& req);  // list or one mail
  boost::asio::awaitable<http::Response> BrandStylesheet(http::Request& req);
  boost::asio::awaitable<http::Response> BrandLogo(http::Request& req);
  boost::asio::awaitable<http::Response> OpenLink(http::Request& req);
  boost::asio::awaitable<http::Response> Show(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitAnswer(http::Request& req);
  boost::asio::awaitable<http::Response> Download(http::Request& req);
  boost::asio::awaitable<http::Response> History(http::Request& req);
  // What a reader does with their copy (message_actions.cc): the whole message as
  // .eml, a print view, deleting it.
  struct SessionCopy {
    std::optional<http::Response> refused;  // set when the request cannot go on
    Brand brand;  // the message's namespace's (the host's before the message is known)
    PortalSession session;
    std::string session_token;
    LinkState link;
    Manifest manifest;
  };
  boost::asio::awaitable<SessionCopy> OpenSessionCopy(http::Request& req, bool read_manifest);
  // Subject, From, To, Cc and Sent, as the message and print pages show them.
  static void FillMessageHeader(ctemplate::TemplateDictionary& d, const Manifest& m);
  boost::asio::awaitable<http::Response> DownloadMessage(http::Request& req);
  boost::asio::awaitable<http::Response> PrintView(http::Request& req);
  boost::asio::awaitable<http::Response> ConfirmDelete(http::Request& req);
  boost::asio::awaitable<http::Response> DeleteCopy(http::Request& req);
  // Replies (reply.cc): the form, and the upload streamed into a draft.
  boost::asio::awaitable<http::Response> ReplyForm(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitReply(http::Request& req);
  // A multipart form streamed in (reply.cc): its fields, and its files in a draft.
  struct Upload {
    Status status;
    std::unique_ptr<Draft> draft;
    UploadForm form;
  };
  boost::asio::awaitable<Upload> ReadUpload(http::Request& req);
  // The page to answer with when the upload cannot be sent: `again` shows the form with
  // an error; a bad CSRF token (of `purpose`, bound to `binding`) gets a refusal.
  std::optional<http::Response> UploadRefused(
      const Brand& brand, const Upload& up,
      const std::function<http::Response(const std::string&)>& again, std::string_view purpose,
      const std::string& binding) const;
  http::Response ReplyPage(const Brand& brand, const SessionCopy& copy,
                           const std::string& error) const;
  http::Response Home(const Brand& brand) const;
  http::Response Page(const Brand& brand, int status, const std::string& page,
                      const std::string& title,
                      const std::function<void(ctemplate::TemplateDictionary&)>& fill) const;
  // Why a copy was not opened (`e` from Answer, OpenByLogin or OpenFromCenter): locked,
  // gone (expired, withdrawn, deleted), or something of ours that went wrong.
  http::Response NotOpened(const Brand& brand, const LinkState& link, const Error& e) const;
  // The copy opened: its key in a new message session, and on to the message. The link
  // cookie is no longer needed in this browser. `account_id`: the portal account whose
  // sign-in opened it (its reset or "sign out everywhere" ends this session too).
  http::Response Opened(const std::string& rid, SecretBytes data_key,
                        const std::string& account_id = {});
  // A message that can no longer be opened: withdrawn by its sender, or expired.
  http::Response GonePage(const Brand& brand, const LinkState& link) const;
  http::Response ErrorPage(const Brand& brand, int status, const std::string& heading,
                           const std::string& message, const std::string& hint = {}) const;
  http::Response QuestionPage(const Brand& brand, const LinkState& link,
                              const std::string& link_token, const std::string& error) const;
  // The same question, posted to `action` with the form token `csrf` (the Message Center
  // asks it of a signed-in account: see OpenFromInbox).
  http::Response QuestionPage(const Brand& brand, const LinkState& link, const std::string& action,
                              const std::string& csrf, const std::string& error) const;
  std::string Csrf(const std::string& recipient_id, const std::string& link_token) const;
  http::Response OutboxList(const Brand& brand) const;
  http::Response OutboxMail(const Brand& brand, const std::string& name) const;

  http::Response TooManyTries(const Brand& brand, std::int64_t wait_seconds) const;
  // Every piece of blocking work (SQLite, Argon2id, decryption) leaves the event loop
  // here, through the bounded worker pool (http::Offloader::RunOffLoop; it must start
  // within 30 s). The page to answer with when the server was too busy to start it —
  // 503 with Retry-After, and `work` never ran — else nothing. A check and the failure
  // it counts go in one piece of work, so a busy server cannot check without counting.
  boost::asio::awaitable<std::optional<http::Response>> OffLoop(
      const Brand& brand, const std::function<void()>& work);
  http::Response Busy(const Brand& brand) const;
  boost::asio::awaitable<void> ReloadBrands();
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

  // Portal accounts (account_pages.cc): recipients who verify by signing in.
  boost::asio::awaitable<http::Response> LoginGate(http::Request& req, const LinkState& link,
                                                   const SecretBytes& link_secret,
                                                   const std::string& link_token);
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
  http::Response CodePage(const Brand& brand, const std::string& action, const std::string& csrf,
                          const std::string& error) const;
  http::Response AccountView(const Brand& brand, const AccountSession& account,
                             const std::string& session_token, bool totp_on,
                             const std::string& note, const std::string& error) const;
  http::Response InfoPage(const Brand& brand, const std::string& heading,
                          const std::vector<std::string>& paragraphs, const std::string& href = {},
                          const std::string& label = {}) const;
  // The signed-in (not half-signed-in) account of this request, and its cookie.
  std::optional<std::pair<AccountSession, std::string>> SignedIn(const http::Request& req);
  std::string FormToken(std::string_view purpose, std::string_view binding) const;
  bool FormTokenValid(const http::Request& req, std::string_view purpose,
                      std::string_view binding) const;

  // Sign-in at a namespace's portal and the Message Center (center_pages.cc).
  boost::asio::awaitable<http::Response> SignInForm(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitSignIn(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitSignInCode(http::Request& req);
  http::Response SignInPage(const Brand& brand, const http::Request& req,
                            const std::string& address, const std::string& error) const;
  boost::asio::awaitable<http::Response> Inbox(http::Request& req);
  boost::asio::awaitable<http::Response> OpenFromInbox(http::Request& req);
  boost::asio::awaitable<http::Response> SentMessage(http::Request& req);
  boost::asio::awaitable<http::Response> SentAttachment(http::Request& req);
  // An attachment streamed as it is decrypted, checked against its signed digest.
  static http::Response AttachmentResponse(const AttachmentInfo& info, SealedBlobReader reader);
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
  // A reply or a new message written here, its files already in `draft`, sent as any
  // other submission is. Blocking: call it off the event loop. Returns its message id.
  Result<std::string> SendWritten(const PortalMessage& message, const std::string& text,
                                  std::unique_ptr<Draft> draft, const std::string& client_address);

  PortalSettings settings_;
  FailureGuard guard_;
  FailureGuard account_guard_;
  PortalAccounts& accounts_;
  BrandBook& brands_;
  AccountSessions account_sessions_;
  EscrowService& escrow_;
  MessageCenter& center_;
  const policy::RecipientPlanner& planner_;
  const submission::Dispatcher& dispatcher_;
  http::Offloader& offloader_;
  const KeyRing& keys_;
  const Clock& clock_;
  Templates templates_;
  PortalSessions sessions_;
};

}  // namespace sealpost::portal
